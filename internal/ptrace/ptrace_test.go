package ptrace

import (
	"syscall"
	"testing"
)

func TestRestartCode(t *testing.T) {
	for ret := int64(-600); ret <= 10; ret++ {
		want := ret == -512 || ret == -513 || ret == -514 || ret == -516
		if got := RestartCode(ret); got != want {
			t.Errorf("RestartCode(%d) = %v, want %v", ret, got, want)
		}
	}
	if RestartCode(-int64(syscall.EINTR)) {
		t.Error("EINTR is a restart code")
	}
}
