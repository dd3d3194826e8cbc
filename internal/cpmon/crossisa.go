package cpmon

import (
	"encoding/binary"
	"fmt"

	"dmvx/internal/abi"
	"dmvx/internal/canon"
	"dmvx/internal/ptrace"
	"dmvx/internal/rb"
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

// renumberRecords rewrites, in place, the call numbers of the IP-MON
// records in raw (a batch in raw form, rb.ParseRaw) from the leader's ABI
// to this host's, by name. A call this host's ABI has no number for gets
// one no call has, so that the variant's IP-MON finds another call there
// and reports it. The digests need nothing: they mix in the generic
// number on both ISAs (ipmon.c's canon_nr).
func renumberRecords(raw []byte, from, to *abi.ABI) error {
	for off := 0; off < len(raw); {
		r, n, err := rb.ParseRaw(raw[off:])
		if err != nil {
			return err
		}
		if r.Kind == rb.KindCall {
			nr, ok := to.Number(from.Name(uint64(r.Nr)))
			if !ok {
				nr = noSuchCall
			}
			binary.LittleEndian.PutUint32(raw[off+rb.RecNrOffset:], uint32(nr))
		}
		off += n
	}
	return nil
}

// noSuchCall is a number no ABI of dmvx's uses (below IP-MON's pseudo-calls).
const noSuchCall = 0xfff0

// ipmonCrossCalls are the calls IP-MON may take in a run of two
// instruction sets: those whose arguments, outputs and results are the
// same bytes on both, and which both glibcs make through the same
// wrapper. Not fstat or epoll (struct layouts), openat (flag bits), fcntl
// (F_GETFL's flags), dup2, dup3 or time (made from other calls on arm64).
var ipmonCrossCalls = map[string]bool{
	"read": true, "write": true, "pread64": true, "pwrite64": true, "readv": true, "writev": true,
	"lseek": true, "close": true, "dup": true, "ioctl": true, "getcwd": true, "uname": true,
	"getrandom": true, "clock_gettime": true, "gettimeofday": true, "sched_yield": true,
	"getpid": true, "getppid": true, "gettid": true, "getuid": true, "geteuid": true, "getgid": true, "getegid": true,
	"sendto": true, "recvfrom": true, "sendfile": true,
}

// allowedInLocked is what variant v's IP-MON may take, in its ABI's
// numbers: the run's set, narrowed to ipmonCrossCalls when the variants'
// ISAs differ.
func (m *Monitor) allowedInLocked(v int) []uint32 {
	if !m.crossISA {
		return m.ipm.allowed
	}
	a := m.variants[v].abi()
	var out []uint32
	for _, nr := range m.ipm.allowed {
		name := nativeABI.Name(uint64(nr))
		if !ipmonCrossCalls[name] {
			continue
		}
		if n, ok := a.Number(name); ok {
			out = append(out, uint32(n))
		}
	}
	return out
}

// ipmonTakes reports whether IP-MON would take call nr of v's ABI in this
// run (a forked child counts them: injectFork). Every variant counts the
// same calls by name, whatever its ISA.
func (v *variant) ipmonTakes(nr uint64) bool {
	m := v.m
	m.mu.Lock()
	cross := m.crossISA
	m.mu.Unlock()
	if !cross {
		return m.ipm.takes(nr)
	}
	name := v.abi().Name(nr)
	n, ok := nativeABI.Number(name)
	return ok && ipmonCrossCalls[name] && m.ipm.takes(n)
}
