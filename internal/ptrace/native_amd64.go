package ptrace

import "golang.org/x/sys/unix"

// Native is the instruction set of this machine's tasks.
const Native = ArchAMD64

// AMD64Regs are x86-64's general registers (struct user_regs_struct).
type AMD64Regs = unix.PtraceRegs

// GetRegs reads the task's registers.
func GetRegs(tid int, r *Regs) error {
	r.Arch = Native
	return unix.PtraceGetRegs(tid, &r.X86)
}

// SetRegs writes the task's registers.
func SetRegs(tid int, r *Regs) error { return unix.PtraceSetRegs(tid, &r.X86) }

// ThreadPointer is arm64's: x86-64's IP-MON finds its area through %gs
// (SetIPMONBase), not through libc's thread pointer.
func ThreadPointer(tid int) (uint64, error) { return 0, unix.ENOTSUP }
