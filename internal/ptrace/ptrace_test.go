package ptrace

import (
	"syscall"
	"testing"
)

func TestRestartCode(t *testing.T) {
	for ret := int64(-600); ret <= 10; ret++ {
		want := ret == -512 || ret == -513 || ret == -514 || ret == -516
		if got := RestartCode(ret); got != want {
			t.Errorf("RestartCode(%d) = %v, want %v", ret, got, want)
		}
	}
	if RestartCode(-int64(syscall.EINTR)) {
		t.Error("EINTR is a restart code")
	}
}

// The call registers by what they mean, on both instruction sets: what the
// monitor of a leader host does to a follower host's task of either.
func TestCallRegs(t *testing.T) {
	x := Regs{X86: AMD64Regs{Orig_rax: 257, Rax: ^uint64(37), Rdi: 1, Rsi: 2, Rdx: 3, R10: 4, R8: 5, R9: 6, Rip: 0x1002}}
	a := Regs{Arch: ArchARM64, A64: ARM64Regs{Syscallno: 56, Pc: 0x1004}}
	a.A64.Regs = [31]uint64{1, 2, 3, 4, 5, 6, 0, 0, 56}
	for _, r := range []Regs{x, a} {
		name := r.Arch.String()
		if got := Args(&r); got != [6]uint64{1, 2, 3, 4, 5, 6} {
			t.Errorf("%s: Args = %v", name, got)
		}
		if !InSyscall(&r) {
			t.Errorf("%s: not in a call", name)
		}
		s := r
		Skip(&s, -9)
		if int64(Nr(&s)) != -1 || Ret(&s) != -9 || InSyscall(&s) {
			t.Errorf("%s: Skip: nr %d ret %d", name, int64(Nr(&s)), Ret(&s))
		}
		w := r
		Rewind(&w)
		if PC(&w) != PC(&r)-uint64(r.Arch.SyscallLen()) || int64(Nr(&w)) != -1 {
			t.Errorf("%s: Rewind: pc %#x nr %d", name, PC(&w), int64(Nr(&w)))
		}
		d := r
		SetArg(&d, 3, 40)
		if Args(&d)[3] != 40 || Differ(&r, &d) == "" {
			t.Errorf("%s: SetArg: %v, differ %q", name, Args(&d), Differ(&r, &d))
		}
		c := d
		ClearCallRegs(&c)
		cr := r
		ClearCallRegs(&cr)
		if c != cr {
			t.Errorf("%s: an argument is not a call register: %s", name, Differ(&cr, &c))
		}
	}
	// x86 rewinds the call again with rax holding the number.
	Rewind(&x)
	if x.X86.Rax != 257 {
		t.Errorf("amd64 Rewind left rax %d", x.X86.Rax)
	}
	// arm64's register set holds an int: -1 reads as ^0.
	a.A64.Syscallno = 0xffffffff
	if Nr(&a) != ^uint64(0) || InSyscall(&a) {
		t.Errorf("arm64 NO_SYSCALL reads %#x", Nr(&a))
	}
	if _, ok := Interrupted(&Regs{X86: AMD64Regs{Orig_rax: 0, Rax: ^uint64(511)}}); !ok {
		t.Error("amd64: -ERESTARTSYS in a call is not interrupted")
	}
	if CounterReadLen(ArchARM64, [3]byte{0x0f, 0x31}) != 0 || CounterReadLen(ArchAMD64, [3]byte{0x0f, 0x01, 0xf9}) != 3 {
		t.Error("CounterReadLen")
	}
}
