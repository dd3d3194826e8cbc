package main

import (
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The main goroutine keeps the main thread, which the runtime never ends:
// the test's goroutines then run on threads that can end.
func init() { runtime.LockOSThread() }

// A helper must outlive the thread of whoever asked for it: the asking
// goroutine here ends locked to its thread, so the runtime ends that
// thread, and PR_SET_PDEATHSIG would kill a child forked on it.
func TestHelperOutlivesTheCallersThread(t *testing.T) {
	cmdc := make(chan *exec.Cmd, 1)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		cmd := exec.Command("sleep", "30")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := startFromSpawner(cmd); err != nil {
			errc <- err
			return
		}
		cmdc <- cmd
	}()
	var cmd *exec.Cmd
	select {
	case err := <-errc:
		t.Fatal(err)
	case cmd = <-cmdc:
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("the helper died with its caller's thread: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	_ = cmd.Process.Kill()
	<-done
}
