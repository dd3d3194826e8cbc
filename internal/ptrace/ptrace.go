package ptrace

import (
	"golang.org/x/sys/unix"
)

// Options every variant is traced with: the kernel kills tracees when dmvx
// dies (EXITKILL), new tasks are traced from their first instruction, and
// seccomp RET_TRACE reports syscall entries.
const Options = unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESECCOMP |
	unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACESYSGOOD

// Stop events (status>>16 of a SIGTRAP stop).
const (
	EventFork    = unix.PTRACE_EVENT_FORK
	EventVfork   = unix.PTRACE_EVENT_VFORK
	EventClone   = unix.PTRACE_EVENT_CLONE
	EventExec    = unix.PTRACE_EVENT_EXEC
	EventVforkDn = unix.PTRACE_EVENT_VFORK_DONE
	EventSeccomp = unix.PTRACE_EVENT_SECCOMP
)

// Cont resumes until the next seccomp stop or signal.
func Cont(tid, sig int) error { return unix.PtraceCont(tid, sig) }

// ContToExit resumes and stops again at the syscall-exit stop of the call
// being entered.
func ContToExit(tid int) error { return unix.PtraceSyscall(tid, 0) }

// EventMsg is PTRACE_GETEVENTMSG.
func EventMsg(tid int) (uint64, error) {
	m, err := unix.PtraceGetEventMsg(tid)
	return uint64(m), err
}

// RestartCode reports whether a call's result is one of the kernel's
// restart codes, which never reach user space.
func RestartCode(ret int64) bool {
	switch ret {
	case -512, -513, -514, -516: // ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK
		return true
	}
	return false
}
