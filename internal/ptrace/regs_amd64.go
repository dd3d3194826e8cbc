package ptrace

import "golang.org/x/sys/unix"

// Regs are a tracee's general registers.
type Regs = unix.PtraceRegs

// SyscallLen is the length of the syscall instruction (0f 05).
const SyscallLen = 2

// Nr is the system call number of a tracee stopped at a syscall stop.
func Nr(r *Regs) uint64 { return r.Orig_rax }

// Args are the six system call arguments.
func Args(r *Regs) [6]uint64 {
	return [6]uint64{r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9}
}

// SetArg changes argument i.
func SetArg(r *Regs, i int, v uint64) {
	switch i {
	case 0:
		r.Rdi = v
	case 1:
		r.Rsi = v
	case 2:
		r.Rdx = v
	case 3:
		r.R10 = v
	case 4:
		r.R8 = v
	case 5:
		r.R9 = v
	}
}

// Ret is the result of a call at a syscall-exit stop.
func Ret(r *Regs) int64 { return int64(r.Rax) }

// SetRet sets the result the tracee will see.
func SetRet(r *Regs, v int64) { r.Rax = uint64(v) }

// Skip makes the kernel skip the call the tracee is entering: at a seccomp
// stop a syscall number of -1 is never executed, and the result register is
// left as the tracer set it (arch/x86 do_syscall_64).
func Skip(r *Regs, ret int64) {
	r.Orig_rax = ^uint64(0)
	r.Rax = uint64(ret)
}

// Rewind makes the tracee run the syscall instruction again after it
// returns to user mode (the way the kernel restarts an interrupted call),
// without executing it now. A signal queued now is delivered first, so its
// handler runs "before" the call.
func Rewind(r *Regs) {
	nr := r.Orig_rax
	r.Orig_rax = ^uint64(0)
	r.Rax = nr
	r.Rip -= SyscallLen
}

// SetNr replaces the call being entered.
func SetNr(r *Regs, nr uint64) { r.Orig_rax = nr }

// PC and SP.
func PC(r *Regs) uint64 { return r.Rip }
func SP(r *Regs) uint64 { return r.Rsp }
