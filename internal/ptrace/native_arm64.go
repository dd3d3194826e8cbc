package ptrace

import "golang.org/x/sys/unix"

// Native is the instruction set of this machine's tasks.
const Native = ArchARM64

// NT_ARM_SYSTEM_CALL and NT_ARM_TLS (include/uapi/linux/elf.h).
const (
	ntArmSystemCall = 0x404
	ntArmTLS        = 0x401
)

// GetRegs reads the task's registers and its system call number.
func GetRegs(tid int, r *Regs) error {
	var u unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &u); err != nil {
		return err
	}
	nr, err := getSyscallno(tid)
	if err != nil {
		return err
	}
	r.Arch = Native
	r.A64 = ARM64Regs{Regs: u.Regs, Sp: u.Sp, Pc: u.Pc, Pstate: u.Pstate, Syscallno: nr, SyscallnoAt: nr}
	return nil
}

// SetRegs writes the task's registers, and its system call number when the
// tracer changed it: once a call is entered, changing x8 does not change
// the call; the NT_ARM_SYSTEM_CALL register set does (to skip it, or make
// another).
func SetRegs(tid int, r *Regs) error {
	u := unix.PtraceRegs{Regs: r.A64.Regs, Sp: r.A64.Sp, Pc: r.A64.Pc, Pstate: r.A64.Pstate}
	if err := unix.PtraceSetRegs(tid, &u); err != nil {
		return err
	}
	if r.A64.Syscallno == r.A64.SyscallnoAt {
		return nil
	}
	if err := setSyscallno(tid, r.A64.Syscallno); err != nil {
		return err
	}
	r.A64.SyscallnoAt = r.A64.Syscallno
	return nil
}
