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

// siTkill is si_code of a signal sent with tkill or tgkill.
const siTkill = -6

// Resend makes a signal that this process sent to tid with tgkill, and
// that tid is now stopped to be delivered, look as if pid (of user uid)
// had sent it: what the program's SA_SIGINFO handler reads. It does
// nothing to a signal from anyone else.
func Resend(tid, pid, uid int) error {
	var buf [128]byte
	p := uintptr(unsafe.Pointer(&buf[0]))
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, p, 0, 0); e != 0 {
		return e
	}
	code := int32(binary.LittleEndian.Uint32(buf[8:]))
	sender := int32(binary.LittleEndian.Uint32(buf[16:]))
	if code != siTkill || int(sender) != unix.Getpid() {
		return nil
	}
	binary.LittleEndian.PutUint32(buf[16:], uint32(pid))
	binary.LittleEndian.PutUint32(buf[20:], uint32(uid))
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETSIGINFO, uintptr(tid), 0, p, 0, 0); e != 0 {
		return e
	}
	return nil
}
