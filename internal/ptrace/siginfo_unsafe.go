package ptrace

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Siginfo is the part of a stop signal's siginfo that the monitor uses.
type Siginfo struct {
	Signo int32
	Code  int32
	Pid   int32 // sender for SI_USER/SI_TKILL/SI_QUEUE and SIGCHLD
	Addr  uint64
}

// GetSiginfo is PTRACE_GETSIGINFO.
func GetSiginfo(tid int) (Siginfo, error) {
	var buf [128]byte
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0,
		uintptr(unsafe.Pointer(&buf[0])), 0, 0)
	if e != 0 {
		return Siginfo{}, e
	}
	return Siginfo{
		Signo: int32(binary.LittleEndian.Uint32(buf[0:])),
		Code:  int32(binary.LittleEndian.Uint32(buf[8:])),
		// si_pid and si_addr share offset 16: siginfo's fields after
		// si_code are a union, read as whichever the signal uses.
		Pid:  int32(binary.LittleEndian.Uint32(buf[16:])),
		Addr: binary.LittleEndian.Uint64(buf[16:]),
	}, nil
}
