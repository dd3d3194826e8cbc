package ptrace

import (
	"fmt"
	"reflect"
	"strings"
)

// An Arch is an instruction set whose tasks dmvx traces.
type Arch uint8

const (
	ArchAMD64 Arch = iota
	ArchARM64
)

func (a Arch) String() string {
	switch a {
	case ArchAMD64:
		return "amd64"
	case ArchARM64:
		return "arm64"
	}
	return fmt.Sprintf("arch%d", uint8(a))
}

// ArchOf returns the Arch of a GOARCH name.
func ArchOf(goarch string) (Arch, bool) {
	switch goarch {
	case "amd64":
		return ArchAMD64, true
	case "arm64":
		return ArchARM64, true
	}
	return 0, false
}

// SyscallLen is the length of the instruction that makes a system call:
// syscall (0f 05) on amd64, svc #0 on arm64.
func (a Arch) SyscallLen() int {
	if a == ArchARM64 {
		return 4
	}
	return 2
}

// Regs are one task's general registers, of the task's instruction set.
// The monitor of a leader host keeps the registers of a follower host's
// task, which may be of another instruction set than its own machine's, so
// Regs holds either, and the functions below read and change them by what
// they mean (a call's number, arguments, result) rather than by name.
// Regs is a value: copies are independent, and == compares them.
type Regs struct {
	Arch Arch
	X86  AMD64Regs
	A64  ARM64Regs
}

// ARM64Regs are arm64's general registers plus the number of the system
// call the task is in. The kernel keeps that number apart from x8 (the
// register the call was made with): it is read and written through the
// NT_ARM_SYSTEM_CALL register set, and it is -1 (NO_SYSCALL) when the task
// is not in a call, like x86's orig_rax.
type ARM64Regs struct {
	Regs      [31]uint64
	Sp        uint64
	Pc        uint64
	Pstate    uint64
	Syscallno uint64
	// SyscallnoAt is the number as GetRegs found it: SetRegs writes the
	// NT_ARM_SYSTEM_CALL set only when Syscallno differs from it, which
	// saves a ptrace call at most stops.
	SyscallnoAt uint64
}

// Nr is the system call number of a task stopped at a syscall stop, or -1
// when it is not in a call.
func Nr(r *Regs) uint64 {
	if r.Arch == ArchARM64 {
		// The register set holds an int: -1 must read as ^0.
		return uint64(int64(int32(uint32(r.A64.Syscallno))))
	}
	return r.X86.Orig_rax
}

// Args are the six system call arguments. On arm64, x0 holds the result
// at a syscall-exit stop: callers read the arguments at the entry.
func Args(r *Regs) [6]uint64 {
	if r.Arch == ArchARM64 {
		a := &r.A64.Regs
		return [6]uint64{a[0], a[1], a[2], a[3], a[4], a[5]}
	}
	x := &r.X86
	return [6]uint64{x.Rdi, x.Rsi, x.Rdx, x.R10, x.R8, x.R9}
}

// SetArg changes argument i.
func SetArg(r *Regs, i int, v uint64) {
	if i < 0 || i >= 6 {
		return
	}
	if r.Arch == ArchARM64 {
		r.A64.Regs[i] = v
		return
	}
	x := &r.X86
	*[]*uint64{&x.Rdi, &x.Rsi, &x.Rdx, &x.R10, &x.R8, &x.R9}[i] = v
}

// Ret is the result of a call at a syscall-exit stop.
func Ret(r *Regs) int64 {
	if r.Arch == ArchARM64 {
		return int64(r.A64.Regs[0])
	}
	return int64(r.X86.Rax)
}

// SetRet sets the result the task will see.
func SetRet(r *Regs, v int64) {
	if r.Arch == ArchARM64 {
		r.A64.Regs[0] = uint64(v)
		return
	}
	r.X86.Rax = uint64(v)
}

// SetNr replaces the call being entered.
func SetNr(r *Regs, nr uint64) {
	if r.Arch == ArchARM64 {
		r.A64.Syscallno = nr
		return
	}
	r.X86.Orig_rax = nr
}

// Skip makes the kernel skip the call the task is entering: a number of
// -1 is never executed, and the result register is left as the tracer set
// it (x86 do_syscall_64; arm64 el0_svc_common, "the de-facto standard way
// to skip a system call").
func Skip(r *Regs, ret int64) {
	SetNr(r, ^uint64(0))
	SetRet(r, ret)
}

// Rewind makes the task run its syscall instruction again after it
// returns to user mode (the way the kernel restarts an interrupted call),
// without executing it now. A signal queued now is delivered first, so its
// handler runs "before" the call. On x86 rax must hold the number again;
// arm64's x8 still does, and x0, the first argument, is the one register
// the call would have overwritten.
func Rewind(r *Regs) {
	nr := Nr(r)
	SetNr(r, ^uint64(0))
	if r.Arch == ArchAMD64 {
		r.X86.Rax = nr
	}
	SetPC(r, PC(r)-uint64(r.Arch.SyscallLen()))
}

// RedoAs rewinds a task stopped at a call's exit to its syscall
// instruction, with nr in the number register: it makes call nr when it
// resumes.
func RedoAs(r *Regs, nr uint64) {
	SetPC(r, PC(r)-uint64(r.Arch.SyscallLen()))
	if r.Arch == ArchARM64 {
		r.A64.Regs[8] = nr
		return
	}
	r.X86.Rax = nr
}

// InSyscall reports whether the task stopped inside a system call.
func InSyscall(r *Regs) bool { return int64(Nr(r)) >= 0 }

// Interrupted reports whether a task at a signal stop was interrupted in a
// call that the kernel will restart, and the restart code. x86 rewinds the
// call only after the tracer saw the stop, so rax holds the code. arm64
// prepares the restart before (do_signal rewinds pc and forgets the call),
// so a tracer never sees an interrupted call there: the restarted call
// comes back as a new seccomp stop.
func Interrupted(r *Regs) (int64, bool) {
	if r.Arch == ArchARM64 {
		return 0, false
	}
	code := int64(r.X86.Rax)
	return code, InSyscall(r) && RestartCode(code)
}

// PC is the program counter.
func PC(r *Regs) uint64 {
	if r.Arch == ArchARM64 {
		return r.A64.Pc
	}
	return r.X86.Rip
}

// SP is the stack pointer.
func SP(r *Regs) uint64 {
	if r.Arch == ArchARM64 {
		return r.A64.Sp
	}
	return r.X86.Rsp
}

// SetPC moves the task's program counter.
func SetPC(r *Regs, pc uint64) {
	if r.Arch == ArchARM64 {
		r.A64.Pc = pc
		return
	}
	r.X86.Rip = pc
}

// SetIPMONBase points the register that IP-MON finds its per-thread area
// through at base: %gs's base, which x86-64 programs leave unused. IP-MON
// is x86-64 code; the monitor never starts it for an arm64 task.
func SetIPMONBase(r *Regs, base uint64) {
	if r.Arch == ArchAMD64 {
		r.X86.Gs_base = base
	}
}

// StepCounterRead completes a trapped rdtsc (n = 2) or rdtscp (n = 3) with
// the counter value val, and moves past the instruction. Only x86 traps
// counter reads for a tracer (PR_SET_TSC): see CounterReadLen.
func StepCounterRead(r *Regs, val uint64, n int) {
	if r.Arch != ArchAMD64 {
		return
	}
	x := &r.X86
	x.Rax = val & 0xffffffff
	x.Rdx = val >> 32
	if n == 3 {
		x.Rcx = 0 // IA32_TSC_AUX (the cpu number) would differ
	}
	x.Rip += uint64(n)
}

// CounterReadLen is the length of the time-stamp counter read at code
// (rdtsc or rdtscp) in a task of arch a, or 0 when there is none. arm64's
// counter reads (mrs cntvct_el0) never trap to a tracer.
func CounterReadLen(a Arch, code [3]byte) int {
	if a != ArchAMD64 {
		return 0
	}
	switch {
	case code[0] == 0x0f && code[1] == 0x31:
		return 2
	case code[0] == 0x0f && code[1] == 0x01 && code[2] == 0xf9:
		return 3
	}
	return 0
}

// ClearCallRegs zeroes the registers through which a tracer takes part in
// a call (its number, arguments and result, the program counter, and on
// x86 rcx, which rdtscp sets), so that what is left can be compared. On
// arm64 that includes x7: at a syscall stop the kernel shows 0 (entry) or
// 1 (exit) there, and puts the task's own x7 back after the stop whatever
// the tracer writes (arch/arm64/kernel/ptrace.c, report_syscall).
func ClearCallRegs(r *Regs) {
	if r.Arch == ArchARM64 {
		for i := range 6 {
			r.A64.Regs[i] = 0
		}
		r.A64.Regs[7], r.A64.Regs[8], r.A64.Pc, r.A64.Syscallno, r.A64.SyscallnoAt = 0, 0, 0, 0, 0
		return
	}
	x := &r.X86
	for _, p := range []*uint64{&x.Rax, &x.Orig_rax, &x.Rdi, &x.Rsi, &x.Rdx, &x.R10, &x.R8, &x.R9, &x.Rcx, &x.Rip} {
		*p = 0
	}
}

// Differ names the registers that differ between a and b.
func Differ(a, b *Regs) string {
	if a.Arch != b.Arch {
		return fmt.Sprintf("instruction set %s vs %s", a.Arch, b.Arch)
	}
	var names []string
	if a.Arch == ArchARM64 {
		for i := range a.A64.Regs {
			if a.A64.Regs[i] != b.A64.Regs[i] {
				names = append(names, fmt.Sprintf("x%d", i))
			}
		}
		for _, r := range []struct {
			name string
			a, b uint64
		}{{"sp", a.A64.Sp, b.A64.Sp}, {"pc", a.A64.Pc, b.A64.Pc}, {"pstate", a.A64.Pstate, b.A64.Pstate},
			{"syscallno", a.A64.Syscallno, b.A64.Syscallno}} {
			if r.a != r.b {
				names = append(names, r.name)
			}
		}
		return strings.Join(names, ", ")
	}
	va, vb := reflect.ValueOf(&a.X86).Elem(), reflect.ValueOf(&b.X86).Elem()
	for i := range va.NumField() {
		if va.Field(i).Uint() != vb.Field(i).Uint() {
			names = append(names, strings.ToLower(va.Type().Field(i).Name))
		}
	}
	return strings.Join(names, ", ")
}
