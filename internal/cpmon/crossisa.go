package cpmon

import (
	"encoding/binary"
	"fmt"

	"dmvx/internal/canon"
	"dmvx/internal/ptrace"
)

// What differs for a run whose variants are of two instruction sets, beyond
// the loader phase (entry.go): results converted on their way between the
// hosts, counter reads, thread creation, and signals that interrupt a call.

// What crosses to a follower host of another instruction set is in the
// canonical (generic) form: a result and its output memory are converted
// by the leader's row here, and back by the follower's own row there
// (fromGeneric), where its call is known.

// crossing reports whether t is a follower host's task of another
// instruction set than the leader's.
func crossing(t *task) bool { return t.v.rem != nil && t.v.rem.arch != ptrace.Native }

// toGenericFor converts the leader's result and outputs of a call of row
// for follower task t: unchanged unless t is of another instruction set.
func toGenericFor(t *task, row *canon.Row, ret int64, outs []canon.Out) (int64, []canon.Out) {
	if !crossing(t) {
		return ret, outs
	}
	gret, g, err := canon.ResultToGeneric(row, ret, outs)
	if err != nil {
		// The leader's own capture: a table mistake, not input.
		v := t.v
		v.m.log.Warn("output not convertible to the generic form", "variant", v.idx, "call", row.Name, "err", err)
		g = nil
	}
	return gret, g
}

// resultDigestFor is the digest of a result the follower task t checks its
// own against: in the generic form when t is of another instruction set.
func resultDigestFor(t *task, row *canon.Row, ret int64, outs []canon.Out) [canon.DigestSize]byte {
	ret, outs = toGenericFor(t, row, ret, outs)
	return canon.ResultDigest(ret, outs)
}

// fromGeneric converts what a leader host of another instruction set sent
// for this host's call c into c's own encoding. Outputs that do not fit
// c's row are dropped with an error: they came from the network.
func (x *executor) fromGeneric(c *canon.Call, ret int64, outs []canon.Out) (int64, []canon.Out, error) {
	if !x.crossISA || c == nil {
		return ret, outs, nil
	}
	return canon.ResultFromGeneric(c.Row, ret, outs)
}

// counterUnsynced reports whether a trapped counter read is answered at
// once with the monitor's own counter rather than in lockstep: in a run of
// two instruction sets, where only the x86-64 variants trap theirs.
func (m *Monitor) counterUnsynced() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.crossISA
}

// spawnMismatch compares two variants' calls that create a thread or a
// process by different calls: an amd64 glibc makes clone3 where an arm64
// one makes clone (and a program may call fork or vfork). They agree when
// they ask for the same thing: the same clone flags and exit signal. ok is
// false when the calls are not two different such calls.
func spawnMismatch(a, b *task) (mm string, ok bool) {
	ca, cb := a.call, b.call
	if ca.Row.Handler != canon.HClone || cb.Row.Handler != canon.HClone || ca.Row.Name == cb.Row.Name {
		return "", false
	}
	fa, fb := spawnFlags(a), spawnFlags(b)
	if fa != fb {
		return fmt.Sprintf("%s and %s ask for other flags: %#x vs %#x", ca.Row.Name, cb.Row.Name, fa, fb), true
	}
	return "", true
}

// spawnFlags are a thread or process creation's clone flags with its exit
// signal in the low byte, as clone takes them.
func spawnFlags(t *task) uint64 {
	const csignal = 0xff
	f := t.clone.flags
	if t.call.Row.Name == "clone3" && len(t.call.Extra) == 16 {
		// preSpecial keeps clone_args' flags and exit_signal.
		f = binary.LittleEndian.Uint64(t.call.Extra) | binary.LittleEndian.Uint64(t.call.Extra[8:])&csignal
	}
	return f
}

// svc0 is arm64's svc #0.
const svc0 = 0xd4000001

// interruptedCall reports whether t, at a signal stop, was interrupted in
// a call that the kernel will restart. x86 says so in its registers
// (ptrace.Interrupted). arm64 has prepared the restart before the stop
// (do_signal puts pc back on the svc and x0 back to the first argument,
// and forgets the call): t is then on an svc #0 just before the point
// where it entered its last call, whose exit it has not reached.
func interruptedCall(t *task, mem canon.Mem) bool {
	if _, ok := ptrace.Interrupted(&t.regs); ok {
		return true
	}
	pc := ptrace.PC(&t.regs)
	if t.regs.Arch != ptrace.ArchARM64 || t.entryPC == 0 || pc+uint64(t.regs.Arch.SyscallLen()) != t.entryPC {
		return false
	}
	var b [4]byte
	return mem.Read(pc, b[:]) == nil && binary.LittleEndian.Uint32(b[:]) == svc0
}
