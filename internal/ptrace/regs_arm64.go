package ptrace

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Regs are a tracee's general registers, plus the number of the system call
// it is in. On arm64 the kernel keeps that number apart from x8 (the
// register the call was made with): it is read and written through the
// NT_ARM_SYSTEM_CALL register set, and it is -1 (NO_SYSCALL) when the task is
// not in a call, like x86's orig_rax.
type Regs struct {
	unix.PtraceRegs
	// Syscallno is the kernel's number of the call being entered.
	Syscallno uint64
	// read is Syscallno as GetRegs found it: SetRegs writes the register
	// set back only when the tracer changed the number.
	read uint64
}

// ntArmSystemCall is NT_ARM_SYSTEM_CALL (include/uapi/linux/elf.h).
const ntArmSystemCall = 0x404

// SyscallLen is the length of the svc #0 instruction.
const SyscallLen = 4

// GetRegs reads the tracee's registers and its system call number.
func GetRegs(tid int, r *Regs) error {
	if err := unix.PtraceGetRegs(tid, &r.PtraceRegs); err != nil {
		return err
	}
	nr, err := getSyscallno(tid)
	if err != nil {
		return err
	}
	r.Syscallno, r.read = nr, nr
	return nil
}

// SetRegs writes the tracee's registers, and its system call number when the
// tracer changed it (to skip the call or make another one).
func SetRegs(tid int, r *Regs) error {
	if err := unix.PtraceSetRegs(tid, &r.PtraceRegs); err != nil {
		return err
	}
	if r.Syscallno != r.read {
		if err := setSyscallno(tid, r.Syscallno); err != nil {
			return err
		}
		r.read = r.Syscallno
	}
	return nil
}

// Nr is the system call number of a tracee stopped at a syscall stop.
func Nr(r *Regs) uint64 { return signExtend(r.Syscallno) }

// signExtend: the register set holds an int; -1 must read as ^0 as on x86.
func signExtend(v uint64) uint64 { return uint64(int64(int32(uint32(v)))) }

// Args are the six system call arguments. At a syscall-exit stop x0 already
// holds the result: callers read the arguments at the entry.
func Args(r *Regs) [6]uint64 {
	return [6]uint64{r.Regs[0], r.Regs[1], r.Regs[2], r.Regs[3], r.Regs[4], r.Regs[5]}
}

// SetArg changes argument i.
func SetArg(r *Regs, i int, v uint64) {
	if i >= 0 && i < 6 {
		r.Regs[i] = v
	}
}

// Ret is the result of a call at a syscall-exit stop.
func Ret(r *Regs) int64 { return int64(r.Regs[0]) }

// SetRet sets the result the tracee will see.
func SetRet(r *Regs, v int64) { r.Regs[0] = uint64(v) }

// Skip makes the kernel skip the call the tracee is entering: a number of -1
// is never executed, and x0 is left as the tracer set it (arm64
// el0_svc_common, "the de-facto standard way to skip a system call").
func Skip(r *Regs, ret int64) {
	r.Syscallno = ^uint64(0)
	r.Regs[0] = uint64(ret)
}

// Rewind makes the tracee run the svc instruction again after it returns to
// user mode, without executing the call now. x8 still holds the number;
// x0, the first argument, is the one register the call would overwrite.
func Rewind(r *Regs) {
	r.Syscallno = ^uint64(0)
	r.Pc -= SyscallLen
}

// SetNr replaces the call being entered.
func SetNr(r *Regs, nr uint64) { r.Syscallno = nr }

// InSyscall reports whether the task stopped inside a system call (the
// kernel's number is not -1).
func InSyscall(r *Regs) bool { return int64(Nr(r)) >= 0 }

// Interrupted reports whether a task at a signal stop was interrupted in a
// call that the kernel will restart, and the restart code. arm64 prepares
// the restart before the tracer sees the stop (do_signal rewinds pc and
// forgets the call), so a tracer never sees an interrupted call here: the
// restarted call comes back as a new seccomp stop.
func Interrupted(r *Regs) (int64, bool) { return 0, false }

// PC and SP.
func PC(r *Regs) uint64 { return r.Pc }
func SP(r *Regs) uint64 { return r.Sp }

// SetPC moves the tracee's program counter.
func SetPC(r *Regs, pc uint64) { r.Pc = pc }

// ClearCallRegs zeroes the registers through which a tracer takes part in a
// call (its number, arguments and result, the program counter), so that
// what is left can be compared.
func ClearCallRegs(r *Regs) {
	for i := range 6 {
		r.Regs[i] = 0
	}
	r.Pc, r.Syscallno, r.read = 0, 0, 0
}

// Differ names the registers that differ between a and b.
func Differ(a, b *Regs) string {
	var names []string
	for i := range a.Regs {
		if a.Regs[i] != b.Regs[i] {
			names = append(names, fmt.Sprintf("x%d", i))
		}
	}
	for _, r := range []struct {
		name string
		a, b uint64
	}{{"sp", a.Sp, b.Sp}, {"pc", a.Pc, b.Pc}, {"pstate", a.Pstate, b.Pstate}, {"syscallno", a.Syscallno, b.Syscallno}} {
		if r.a != r.b {
			names = append(names, r.name)
		}
	}
	return strings.Join(names, ", ")
}

// RedoAs rewinds a task stopped at a call's exit to its svc instruction,
// with nr in x8: the task makes call nr when it resumes.
func RedoAs(r *Regs, nr uint64) {
	r.Pc -= SyscallLen
	r.Regs[8] = nr
}

// SetIPMONBase would point the register that IP-MON finds its per-thread
// area through at base. IP-MON is not built for arm64 (the monitor refuses
// to start it there), and arm64 has no spare register a tracer can set:
// tpidr_el0 is libc's thread pointer. Nothing calls this on arm64.
func SetIPMONBase(r *Regs, base uint64) {}

// StepCounterRead: arm64 has no counter read the kernel traps for a tracer
// (PR_SET_TSC is x86's), so CounterReadLen is always 0 and this is never
// reached; it keeps the engine's one code path.
func StepCounterRead(r *Regs, val uint64, n int) {}

// CounterReadLen is 0: see StepCounterRead.
func CounterReadLen(code [3]byte) int { return 0 }
