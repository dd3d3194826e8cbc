package ptrace

import (
	"reflect"
	"strings"

	"golang.org/x/sys/unix"
)

// Regs are a tracee's general registers.
type Regs = unix.PtraceRegs

// GetRegs reads the tracee's registers.
func GetRegs(tid int, r *Regs) error { return unix.PtraceGetRegs(tid, r) }

// SetRegs writes the tracee's registers.
func SetRegs(tid int, r *Regs) error { return unix.PtraceSetRegs(tid, r) }

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

// InSyscall reports whether the task stopped inside a system call
// (orig_rax is not -1).
func InSyscall(r *Regs) bool { return int64(r.Orig_rax) >= 0 }

// Interrupted reports whether a task at a signal stop was interrupted in a
// call that the kernel will restart, and the restart code (-ERESTART*) that
// rax holds: x86 rewinds the call only after the tracer saw the stop.
func Interrupted(r *Regs) (int64, bool) {
	code := int64(r.Rax)
	return code, InSyscall(r) && RestartCode(code)
}

// PC and SP.
func PC(r *Regs) uint64 { return r.Rip }
func SP(r *Regs) uint64 { return r.Rsp }

// SetPC moves the tracee's program counter.
func SetPC(r *Regs, pc uint64) { r.Rip = pc }

// ClearCallRegs zeroes the registers through which a tracer takes part in a
// call (its number, arguments and result, the instruction pointer, and rcx,
// which rdtscp sets), so that what is left can be compared.
func ClearCallRegs(r *Regs) {
	for _, p := range []*uint64{&r.Rax, &r.Orig_rax, &r.Rdi, &r.Rsi, &r.Rdx, &r.R10, &r.R8, &r.R9, &r.Rcx, &r.Rip} {
		*p = 0
	}
}

// Differ names the registers that differ between a and b.
func Differ(a, b *Regs) string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	var names []string
	for i := range va.NumField() {
		if va.Field(i).Interface() != vb.Field(i).Interface() {
			names = append(names, strings.ToLower(va.Type().Field(i).Name))
		}
	}
	return strings.Join(names, ", ")
}

// RedoAs rewinds a task stopped at a call's exit to its syscall instruction,
// with nr in the number register: the task makes call nr when it resumes.
func RedoAs(r *Regs, nr uint64) {
	r.Rip -= SyscallLen
	r.Rax = nr
}

// SetIPMONBase points the register that IP-MON finds its per-thread area
// through (%gs's base, which x86-64 programs leave unused) at base.
func SetIPMONBase(r *Regs, base uint64) { r.Gs_base = base }

// StepCounterRead completes a trapped rdtsc (n = 2) or rdtscp (n = 3) with
// the counter value val, and moves past the instruction.
func StepCounterRead(r *Regs, val uint64, n int) {
	r.Rax = val & 0xffffffff
	r.Rdx = val >> 32
	if n == 3 {
		r.Rcx = 0 // IA32_TSC_AUX (the cpu number) would differ
	}
	r.Rip += uint64(n)
}

// CounterReadLen is the length of the time-stamp counter read at code (rdtsc
// or rdtscp), or 0 when code does not start with one.
func CounterReadLen(code [3]byte) int {
	switch {
	case code[0] == 0x0f && code[1] == 0x31:
		return 2
	case code[0] == 0x0f && code[1] == 0x01 && code[2] == 0xf9:
		return 3
	}
	return 0
}
