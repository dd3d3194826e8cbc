//go:build arm64

package ptrace

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// getSyscallno reads the NT_ARM_SYSTEM_CALL register set: one int.
func getSyscallno(tid int) (uint64, error) {
	var nr int32
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&nr))}
	iov.SetLen(int(unsafe.Sizeof(nr)))
	if err := regset(unix.PTRACE_GETREGSET, tid, ntArmSystemCall, &iov); err != nil {
		return 0, err
	}
	return uint64(uint32(nr)), nil
}

// setSyscallno writes the NT_ARM_SYSTEM_CALL register set.
func setSyscallno(tid int, v uint64) error {
	nr := int32(uint32(v))
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&nr))}
	iov.SetLen(int(unsafe.Sizeof(nr)))
	return regset(unix.PTRACE_SETREGSET, tid, ntArmSystemCall, &iov)
}

// ThreadPointer reads the task's tpidr_el0 (NT_ARM_TLS): libc's thread
// pointer, which arm64's IP-MON finds its per-thread slot from.
func ThreadPointer(tid int) (uint64, error) {
	var tp uint64
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&tp))}
	iov.SetLen(int(unsafe.Sizeof(tp)))
	if err := regset(unix.PTRACE_GETREGSET, tid, ntArmTLS, &iov); err != nil {
		return 0, err
	}
	return tp, nil
}

// regset reads or writes (req) the register set note of task tid.
func regset(req, tid int, note uintptr, iov *unix.Iovec) error {
	_, _, e := syscall.Syscall6(syscall.SYS_PTRACE, uintptr(req), uintptr(tid),
		note, uintptr(unsafe.Pointer(iov)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
