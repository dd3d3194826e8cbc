//go:build !amd64

package ptrace

// AMD64Regs are x86-64's general registers (struct user_regs_struct, as
// golang.org/x/sys/unix declares PtraceRegs on amd64): the monitor on a
// machine of another instruction set keeps those of an amd64 follower
// host's tasks.
type AMD64Regs struct {
	R15      uint64
	R14      uint64
	R13      uint64
	R12      uint64
	Rbp      uint64
	Rbx      uint64
	R11      uint64
	R10      uint64
	R9       uint64
	R8       uint64
	Rax      uint64
	Rcx      uint64
	Rdx      uint64
	Rsi      uint64
	Rdi      uint64
	Orig_rax uint64
	Rip      uint64
	Cs       uint64
	Eflags   uint64
	Rsp      uint64
	Ss       uint64
	Fs_base  uint64
	Gs_base  uint64
	Ds       uint64
	Es       uint64
	Fs       uint64
	Gs       uint64
}
