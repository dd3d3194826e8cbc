package e2e

import (
	"bytes"
	"syscall"
	"testing"
	"time"
)

// dmvx dying for any reason, SIGKILL included, must not leave variants
// running: here they spin in user code, making no system call that the
// monitor could use to stop them.
func TestNoVariantOutlivesKilledDmvx(t *testing.T) {
	var stdout, stderr bytes.Buffer
	r := start(t, opts{}, &stdout, &stderr, dmvx, "run", "-n", "2", "--", testBin("spin_yes"))
	time.Sleep(2 * time.Second)
	if r.exited() {
		code, _ := r.wait(t, time.Second)
		t.Fatalf("dmvx exited %d before it was killed:\n%s", code, stderr.Bytes())
	}
	// Only dmvx itself: its process group may hold the variants too, and
	// killing them from here would hide what this test looks for.
	syscall.Kill(r.cmd.Process.Pid, syscall.SIGKILL)
	if code, _ := r.wait(t, 30*time.Second); code != 128+int(syscall.SIGKILL) {
		t.Errorf("dmvx exit status %d after SIGKILL", code)
	}
	checkNoLeftovers(t, nil)
}
