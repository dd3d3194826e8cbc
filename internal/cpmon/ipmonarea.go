package cpmon

import (
	"encoding/binary"
	"fmt"

	"dmvx/internal/ptrace"

	"golang.org/x/sys/unix"
)

// Where a thread's IP-MON finds its control page. On x86-64 it is %gs's
// base, a register of the thread that CP-MON sets with the others. arm64
// has no register to spare (tpidr_el0 is libc's thread pointer), so
// IP-MON keeps the address in a slot of its own static TLS: the
// registration call names the slot of the registering thread, whose
// distance from the thread pointer is then the same for every thread of
// the image (the loader lays out static TLS once per image). CP-MON writes
// the slot at tp + that distance, through the thread's memory.

// maxTLSOffset bounds how far past the thread pointer arm64's static TLS
// may put IP-MON's slot: glibc's surplus for preloaded objects is a few
// KiB after the program's own TLS.
const maxTLSOffset = 1 << 20

// tlsOffset checks the slot address a registering arm64 thread gave and
// returns its distance from the thread's pointer.
func tlsOffset(tid int, slot uint64) (uint64, error) {
	tp, err := ptrace.ThreadPointer(tid)
	if err != nil {
		return 0, fmt.Errorf("reading the thread pointer: %w", err)
	}
	if slot <= tp || slot-tp >= maxTLSOffset || slot%8 != 0 {
		return 0, fmt.Errorf("IP-MON's TLS slot %#x is not in the thread's static TLS (thread pointer %#x)", slot, tp)
	}
	return slot - tp, nil
}

// noStubArea checks an arm64 registration's arguments: IP-MON there has
// no stub area (no patched sites), so a[2..4] are 0; a[5] is the TLS
// slot, checked with the thread's pointer (tlsOffset).
func noStubArea(a [6]uint64) error {
	if a[2] != 0 || a[3] != 0 || a[4] != 0 {
		return fmt.Errorf("a stub area (%#x, %d bytes) from arm64's IP-MON, which has none", a[2], a[3])
	}
	return nil
}

// tlsOff is the distance of variant v's TLS slot from the thread pointer
// in ip's image (0: none, x86-64).
func (ip *ipmonProc) tlsOff(v int) uint64 {
	if ip == nil || ip.tls == nil {
		return 0
	}
	return ip.tls[v]
}

// setArea points t's IP-MON at the control page at base: %gs in r on
// x86-64 (written with r), arm64's TLS slot in t's memory, off past the
// thread pointer. Base 0 or off 0 leaves a slot as it is.
func setArea(t *task, r *ptrace.Regs, off, base uint64) error {
	if r.Arch != ptrace.ArchARM64 {
		ptrace.SetIPMONBase(r, base)
		return nil
	}
	if off == 0 || base == 0 {
		return nil
	}
	tp, err := ptrace.ThreadPointer(t.tid)
	if err != nil {
		return err
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], base)
	return ptrace.Mem{Pid: t.tid}.Write(tp+off, b[:])
}

// eRestartSys is -ERESTARTSYS: restarted after a handler with SA_RESTART,
// EINTR after one without.
const eRestartSys = -512

// gateRestartCode is the restart code of the call that a signal
// interrupted in the gate. x86-64 shows it in rax; arm64 has put the first
// argument back by then, and the code is taken to be -ERESTARTSYS, which
// is what IP-MON's blocking calls (read, write, recvfrom, sendto and their
// vector forms) return when a signal comes.
func gateRestartCode(r *ptrace.Regs) int64 {
	if r.Arch == ptrace.ArchARM64 {
		return eRestartSys
	}
	return ptrace.Ret(r)
}

// gateReturn has t, stopped for a signal in its gate, return from the gate
// call with ret once resumed: on x86-64 the call's result; on arm64, where
// the kernel has rewound pc onto the gate's svc to restart the call, pc
// goes past it as well.
func (v *variant) gateReturn(t *task, ret int64) {
	ptrace.SetRet(&t.regs, ret)
	if t.regs.Arch == ptrace.ArchARM64 {
		ptrace.SetPC(&t.regs, v.m.ipm.gates[v.idx]+uint64(t.regs.Arch.SyscallLen()))
	}
}

// sharesParentTLS: t was made sharing its parent's memory without a TLS
// of its own (vfork, CLONE_VM without CLONE_SETTLS), so its arm64 slot is
// its parent's, which must keep pointing at the parent's page.
func sharesParentTLS(t *task) bool {
	return t.clone.flags&unix.CLONE_VM != 0 && t.clone.flags&unix.CLONE_SETTLS == 0
}
