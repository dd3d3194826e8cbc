package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// dmvx dying for any reason, SIGKILL included, must not leave variants
// running: here they spin in user code, making no system call that the
// monitor could use to stop them.
func TestNoVariantOutlivesKilledDmvx(t *testing.T) {
	var stdout, stderr bytes.Buffer
	r := start(t, opts{}, &stdout, &stderr, dmvxRun("-n", "2", "--", testBin("spin_yes"))...)
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

// Signals sent to dmvx reach the program as they would without dmvx: a
// default action kills every variant (exit 128+N), a handler runs in every
// variant at the same point. Each program creates READY (its first
// argument after the script) once its handler is in place.
func TestSignalsForwarded(t *testing.T) {
	tests := []struct {
		name     string
		sig      syscall.Signal
		argv     []string
		wantCode int
		wantOut  string
	}{
		// A non-interactive bash waiting for a child survives a SIGINT of
		// its own (natively too): sleep, exec'd, dies of it.
		{"SIGINT kills sleep", syscall.SIGINT, []string{"bash", "-c",
			`touch "$0"; exec sleep 30`}, 128 + int(syscall.SIGINT), ""},
		{"SIGHUP caught by python", syscall.SIGHUP, []string{"/usr/bin/python3", "-c",
			"import signal, sys, time\n" +
				"def h(*a):\n    print('got HUP', flush=True)\n    sys.exit(3)\n" +
				"signal.signal(signal.SIGHUP, h)\nopen(sys.argv[1], 'w').close()\ntime.sleep(30)\n"}, 3, "got HUP\n"},
		{"SIGTERM trapped by bash", syscall.SIGTERM, []string{"bash", "-c",
			`trap 'echo term; exit 5' TERM; touch "$0"; while :; do sleep 0.2; done`}, 5, "term\n"},
	}
	for _, tt := range tests {
		for _, n := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/n=%d", tt.name, n), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				ready := filepath.Join(t.TempDir(), "READY")
				argv := append(dmvxRun("-n", fmt.Sprint(n), "--"), tt.argv...)
				r := start(t, opts{}, &stdout, &stderr, append(argv, ready)...)
				for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					if _, err := os.Stat(ready); err == nil {
						break
					}
					if r.exited() || time.Now().After(deadline) {
						code, _ := r.wait(t, time.Second)
						t.Fatalf("not ready (exit %d):\n%s", code, stderr.Bytes())
					}
				}
				syscall.Kill(r.cmd.Process.Pid, tt.sig)
				code, _ := r.wait(t, 30*time.Second)
				if code != tt.wantCode {
					t.Errorf("exit status %d, want %d\nstderr:\n%s", code, tt.wantCode, stderr.Bytes())
				}
				if got := stdout.String(); got != tt.wantOut {
					t.Errorf("stdout %q, want %q", got, tt.wantOut)
				}
				checkNoLeftovers(t, nil)
			})
		}
	}
}

// SIGKILL cannot be caught and never shows as a stop: a program that sends
// it to one of its processes, or to itself, must see the same end under
// dmvx, in every variant.
func TestSIGKILLFromTheProgram(t *testing.T) {
	compare(t, opts{}, "bash", "-c", `exec 2>/dev/null; sleep 30 & kill -9 $!; wait $!; echo "child status $?"`)
	compare(t, opts{}, "bash", "-c", `echo before; kill -9 $$; echo after`)
}
