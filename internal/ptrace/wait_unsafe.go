package ptrace

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// WaitRaw blocks in wait4(-1, __WALL|__WNOTHREAD) for the next stop of a
// tracee of the calling thread, without telling the Go scheduler: a tracer
// blocks here for every system call of its variant, and the scheduler's
// hand-off of the thread's P on each blocking syscall (and the locked
// thread's wake-up afterwards) costs more than the ptrace stop itself.
//
// Precondition: the OS thread is locked, GOMAXPROCS leaves Ps for the rest
// of the program, and something bounds the wait (the doorbell's timer), so
// that a stop-the-world never waits long for this thread.
func WaitRaw(ws *unix.WaitStatus) (int, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(ws)),
		uintptr(unix.WALL|unix.WNOTHREAD), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
