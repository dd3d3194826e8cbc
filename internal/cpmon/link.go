package cpmon

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"syscall"

	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"
	"dmvx/internal/wire"

	"golang.org/x/sys/unix"
)

// The link between the leader host's CP-MON and a follower host's executor
// (docs/protocol.md, "Remote variants"). The executor traces the variant and
// reports each stop; the leader host's CP-MON decides, as for a local
// variant, and sends back what to do to the stopped task.
//
//	executor -> CP-MON: call frames: a stop, a memory read's reply, an error
//	CP-MON -> executor: verdict frames: a batch of commands

// Kinds of call-frame payloads.
const (
	evStop     = 1
	evReply    = 2
	evError    = 3
	evConsumed = 4 // expectations a task has met so far
	evDiverge  = 5 // a task's call did not match the expectation
	// evAck: how far the variant consumed a replication buffer of the
	// follower host's (the shipper's credit).
	evAck = 6
	// evIPMONDiverge: the variant stopped at a CP-MON call where the
	// leader's record says it made an IP-MON call.
	evIPMONDiverge = 7
	// evLoaderDiverge: the variant's loader made a call outside the
	// allow-list of a run of two instruction sets (entry.go).
	evLoaderDiverge = 8
)

// Commands.
const (
	opCont     = 1 // resume to the next stop (signal)
	opSyscall  = 2 // resume to the syscall-exit stop
	opSetRegs  = 3 // registers (only those a call's rewrite may change)
	opApply    = 4 // the leader's outputs into the call's own output arguments
	opWrite    = 5 // bytes at an address
	opRead     = 6 // read bytes; the reply carries them
	opReadStr  = 7 // read a NUL-terminated string
	opKill     = 8 // tgkill(tgid, tid, sig), or kill(tid, sig) when tgid is 0
	opKillAll  = 9 // SIGKILL to every task
	opExpect   = 10
	opRunCheck = 11 // make the call; its result must have the digest
	// IP-MON across hosts (ipmonremote.go).
	opRegister = 12 // map a region and the gate, end the registration call
	opThread   = 13 // a new task's %gs base: its control page, or a dead page
	opRecords  = 14 // the leader's records for a buffer of the follower host's
	opMarker   = 15 // the task's next record must be CP-MON's: consume it
	opRelease  = 16 // a region the variant no longer uses
	opFork     = 17 // a forked child's own region, in place of its parent's
	maxCommand = opFork
)

// Actions of an expectation: what a follower host does by itself when the
// task's next lockstep call has the expected digest (asynchronous
// replication, see executor.expect).
const (
	actRun         = 1 // make the call
	actSkip        = 2 // skip it with the leader's result and outputs
	actRunThen     = 3 // make it, then take the leader's result and outputs
	actOwnFD       = 4 // make it; it must return the leader's descriptor
	actPlaceholder = 5 // a placeholder descriptor with the leader's number
	actRunCheck    = 6 // make it; its result must have the leader's digest
)

// expectation is the leader host's decision for a task's call that the
// leader made before the follower got there.
type expectation struct {
	digest [canon.DigestSize]byte
	// result: for actRunCheck, the digest of the leader's result and
	// outputs (canon.ResultDigest).
	result  [canon.DigestSize]byte
	act     uint8
	ret     int64
	fd      int
	cloexec bool
	outs    []canon.Out
	// marker: consume the record of the leader's arrival (IP-MON) first.
	marker bool
}

// Stop flags.
const (
	stRegs    = 1 << 0
	stSiginfo = 1 << 1
	stMsg     = 1 << 2
	stCall    = 1 << 3
	stCallErr = 1 << 4
	// stPassed: the executor resumed the task itself (a call that is not
	// in lockstep, see executor.pass); the stop is for the record.
	stPassed = 1 << 5
	// stMet: the task is in a call it met an expectation for; the
	// executor, not CP-MON, restarts it if a signal interrupts it.
	stMet = 1 << 6
	// stRestart: the kernel's restart of a call a signal interrupted,
	// which CP-MON answered before (its silentRestart), not a new call.
	stRestart = 1 << 7
)

// hashOver: an input longer than this crosses as its SHA-256 digest; the
// leader host compares it with the digest of its own (a digest is enough).
const hashOver = 256

// stopEvent is one wait status of a task on a follower host, with what
// CP-MON reads at such a stop.
type stopEvent struct {
	tid     int
	ws      unix.WaitStatus
	flags   uint8
	regs    ptrace.Regs
	si      ptrace.Siginfo
	msg     uint64
	nr      uint64
	vals    [6]canon.Value
	extra   []byte
	hashed  uint8 // bit i: vals[i].Data is a digest; bit 6: extra is
	clone   cloneInfo
	aux     uint64
	callErr string
	// consumed: the expectations the task has met so far.
	consumed uint64
	// ack: how far the task's process consumed its replication buffer
	// there (IP-MON), as of this stop: the shipper's credit is then
	// exact when a rendezvous completes.
	ack *ackInfo
}

// ackInfo is an acknowledgement: a buffer, and how far it was consumed.
type ackInfo struct {
	base uint64
	slot int
	tail uint64
}

// appendRegs encodes a task's registers: its instruction set, then that
// set's registers.
func appendRegs(e *wire.Enc, r *ptrace.Regs) {
	e.U8(uint8(r.Arch))
	var b []byte
	if r.Arch == ptrace.ArchARM64 {
		b, _ = binary.Append(nil, binary.BigEndian, &r.A64)
	} else {
		b, _ = binary.Append(nil, binary.BigEndian, &r.X86)
	}
	e.Bytes(b)
}

func readRegs(d *wire.Dec, r *ptrace.Regs) error {
	arch := ptrace.Arch(d.U8("instruction set"))
	b := d.Bytes("registers")
	if d.Err != nil {
		return d.Err
	}
	*r = ptrace.Regs{Arch: arch}
	var n int
	var err error
	switch arch {
	case ptrace.ArchAMD64:
		n, err = binary.Decode(b, binary.BigEndian, &r.X86)
	case ptrace.ArchARM64:
		n, err = binary.Decode(b, binary.BigEndian, &r.A64)
	default:
		return fmt.Errorf("%w: registers of unknown instruction set %d", wire.ErrMalformed, arch)
	}
	if err != nil || n != len(b) {
		return fmt.Errorf("%w: %s registers of %d bytes", wire.ErrMalformed, arch, len(b))
	}
	return nil
}

func digest(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

func (ev *stopEvent) encode() []byte {
	var e wire.Enc
	e.U8(evStop)
	e.U32(uint32(ev.tid))
	e.U32(uint32(ev.ws))
	e.U8(ev.flags)
	e.U64(ev.consumed)
	e.U8(b2u8(ev.ack != nil))
	if ev.ack != nil {
		e.U64(ev.ack.base)
		e.U32(uint32(ev.ack.slot))
		e.U64(ev.ack.tail)
	}
	if ev.flags&stRegs != 0 {
		appendRegs(&e, &ev.regs)
	}
	if ev.flags&stSiginfo != 0 {
		e.U32(uint32(ev.si.Signo))
		e.U32(uint32(ev.si.Code))
		e.U32(uint32(ev.si.Pid))
		e.U64(ev.si.Addr)
	}
	if ev.flags&stMsg != 0 {
		e.U64(ev.msg)
	}
	if ev.flags&stCall != 0 {
		e.U64(ev.nr)
		e.U8(ev.hashed)
		for _, v := range ev.vals {
			e.U64(v.V)
			e.Bytes(v.Data)
			e.U32(uint32(v.N))
		}
		e.Bytes(ev.extra)
		e.U64(ev.clone.flags)
		e.U64(ev.clone.ptid)
		e.U64(ev.clone.ctid)
		e.U64(ev.aux)
	}
	if ev.flags&stCallErr != 0 {
		e.String(ev.callErr)
	}
	return e.Payload()
}

// decodeStop reads a stop (after its kind byte). Every count is checked
// against the payload before anything is allocated (wire.Dec).
func decodeStop(d *wire.Dec) (*stopEvent, error) {
	ev := &stopEvent{}
	ev.tid = int(d.U32("tid"))
	ev.ws = unix.WaitStatus(d.U32("status"))
	ev.flags = d.U8("flags")
	ev.consumed = d.U64("expectations met")
	if d.U8("ack") != 0 {
		ev.ack = &ackInfo{base: d.U64("base"), slot: int(d.U32("slot")), tail: d.U64("tail")}
	}
	if ev.flags&stRegs != 0 {
		if err := readRegs(d, &ev.regs); err != nil {
			return nil, err
		}
	}
	if ev.flags&stSiginfo != 0 {
		ev.si.Signo = int32(d.U32("signo"))
		ev.si.Code = int32(d.U32("code"))
		ev.si.Pid = int32(d.U32("pid"))
		ev.si.Addr = d.U64("addr")
	}
	if ev.flags&stMsg != 0 {
		ev.msg = d.U64("event message")
	}
	if ev.flags&stCall != 0 {
		ev.nr = d.U64("nr")
		ev.hashed = d.U8("hashed")
		for i := range ev.vals {
			ev.vals[i].V = d.U64("value")
			ev.vals[i].Data = d.Bytes("data")
			ev.vals[i].N = int(d.U32("count"))
		}
		ev.extra = d.Bytes("extra")
		ev.clone.flags = d.U64("clone flags")
		ev.clone.ptid = d.U64("ptid")
		ev.clone.ctid = d.U64("ctid")
		ev.aux = d.U64("aux")
		if len(ev.extra) == 0 {
			ev.extra = nil
		}
		for i := range ev.vals {
			if len(ev.vals[i].Data) == 0 {
				ev.vals[i].Data = nil
			}
		}
	}
	if ev.flags&stCallErr != 0 {
		ev.callErr = d.String("call error")
	}
	if err := d.Done(); err != nil {
		return nil, err
	}
	if ev.tid <= 0 {
		return nil, fmt.Errorf("%w: stop of tid %d", wire.ErrMalformed, ev.tid)
	}
	return ev, nil
}

// setCall fills the call part of a stop from the executor's decoding,
// inputs over hashOver bytes as digests.
func (ev *stopEvent) setCall(c *canon.Call, t *task) {
	ev.flags |= stCall
	ev.nr = c.Nr
	for i, v := range c.Vals {
		if len(v.Data) > hashOver {
			v.Data = digest(v.Data)
			ev.hashed |= 1 << i
		}
		ev.vals[i] = v
	}
	ev.extra = c.Extra
	if len(ev.extra) > hashOver {
		ev.extra = digest(ev.extra)
		ev.hashed |= 1 << 6
	}
	ev.clone = t.clone
	ev.aux = t.aux
}

// hashedLike returns c with the inputs that mask names replaced by their
// digests, to compare with a follower's call that crossed as digests.
// The mask names the follower's arguments; of a follower of another
// instruction set they may sit elsewhere in its row (stat's buffer is
// argument 1 on amd64, newfstatat's 2 on arm64): fc, the follower's call,
// says where, by way of the generic positions.
func hashedLike(c *canon.Call, mask uint8, fc *canon.Call) *canon.Call {
	if mask == 0 {
		return c
	}
	h := *c
	for i := range h.Vals {
		if mask&(1<<i) == 0 {
			continue
		}
		j := i
		if fc != nil && fc.Row != c.Row {
			if j = sameArg(fc.Row, c.Row, i); j < 0 {
				continue
			}
		}
		h.Vals[j].Data = digest(h.Vals[j].Data)
	}
	if mask&(1<<6) != 0 {
		h.Extra = digest(h.Extra)
	}
	return &h
}

// sameArg is the argument of row to that holds what argument i of row from
// holds, through their generic positions, or -1.
func sameArg(from, to *canon.Row, i int) int {
	g := i
	if from.CanonArgs != nil {
		g = -1
		for k, ca := range from.CanonArgs {
			if int(ca.From) == i {
				g = k
				break
			}
		}
		if g < 0 {
			return -1
		}
	}
	if to.CanonArgs == nil {
		return g
	}
	if g >= len(to.CanonArgs) || to.CanonArgs[g].From < 0 {
		return -1
	}
	return int(to.CanonArgs[g].From)
}

// command is one decoded command for the executor.
type command struct {
	op   uint8
	tid  int
	sig  syscall.Signal
	tgid int
	regs ptrace.Regs
	outs []canon.Out
	addr uint64
	data []byte
	id   uint32
	n    uint32
	exp  expectation
	// IP-MON: a region's base in the variant, a slot (-1: none), the
	// gate, the %gs base, a control page, a descriptor map; data holds
	// packed records (opRecords), and close says the leader's thread is
	// gone.
	base, gate, gs uint64
	// parent: the region a forked child inherited (opFork); seq: the
	// records of its buffer the child's variant had consumed before.
	parent, seq uint64
	slot        int
	ctl, fdmap  []byte
	close       bool
}

func encodeCommand(e *wire.Enc, c *command) {
	e.U8(c.op)
	e.U32(uint32(c.tid))
	switch c.op {
	case opCont:
		e.U32(uint32(c.sig))
	case opSetRegs:
		appendRegs(e, &c.regs)
	case opApply:
		appendOuts(e, c.outs)
	case opWrite:
		e.U64(c.addr)
		e.Bytes(c.data)
	case opRead, opReadStr:
		e.U32(c.id)
		e.U64(c.addr)
		e.U32(c.n)
	case opKill:
		e.U32(uint32(c.tgid))
		e.U32(uint32(c.sig))
	case opRunCheck:
		e.Bytes(c.exp.result[:])
	case opRegister:
		e.U64(c.base)
		e.U64(c.gate)
		e.U32(uint32(c.slot))
		e.Bytes(c.ctl)
		e.Bytes(c.fdmap)
	case opThread:
		e.U64(c.base)
		e.U64(c.gs)
		e.U32(uint32(c.slot))
		e.Bytes(c.ctl)
	case opRecords:
		e.U64(c.base)
		e.U32(uint32(c.slot))
		e.Bytes(c.data)
		e.U8(b2u8(c.close))
	case opRelease:
		e.U64(c.base)
	case opFork:
		e.U64(c.base)
		e.U64(c.parent)
		e.U64(c.seq)
		e.U32(uint32(c.slot))
		e.Bytes(c.ctl)
		e.Bytes(c.fdmap)
	case opExpect:
		x := &c.exp
		e.Bytes(x.digest[:])
		e.Bytes(x.result[:])
		e.U8(x.act)
		e.I64(x.ret)
		e.U32(uint32(x.fd))
		cl := uint8(0)
		if x.cloexec {
			cl = 1
		}
		e.U8(cl)
		e.U8(b2u8(x.marker))
		appendOuts(e, x.outs)
	}
}

func readDigest(d *wire.Dec, to *[canon.DigestSize]byte) error {
	b := d.Bytes("digest")
	if d.Err == nil && len(b) != canon.DigestSize {
		return fmt.Errorf("%w: a digest of %d bytes", wire.ErrMalformed, len(b))
	}
	copy(to[:], b)
	return d.Err
}

func appendOuts(e *wire.Enc, outs []canon.Out) {
	e.U32(uint32(len(outs)))
	for _, o := range outs {
		e.U32(uint32(o.Arg))
		e.Bytes(o.Data)
		e.U32(o.SockLen)
	}
}

func readOuts(d *wire.Dec) ([]canon.Out, error) {
	k := d.U32("outputs")
	if d.Err == nil && k > 6 {
		return nil, fmt.Errorf("%w: %d outputs", wire.ErrMalformed, k)
	}
	var outs []canon.Out
	for j := uint32(0); j < k && d.Err == nil; j++ {
		outs = append(outs, canon.Out{Arg: int(d.U32("arg")), Data: d.Bytes("output"), SockLen: d.U32("socklen")})
	}
	return outs, d.Err
}

// decodeCommands reads a verdict frame's batch.
func decodeCommands(p []byte) ([]command, error) {
	d := wire.NewDec(p, "commands")
	n := d.U32("count")
	if d.Err == nil && uint64(n) > uint64(len(p)) {
		return nil, fmt.Errorf("%w: %d commands in %d bytes", wire.ErrMalformed, n, len(p))
	}
	var cs []command
	for i := uint32(0); i < n && d.Err == nil; i++ {
		c := command{op: d.U8("op"), tid: int(d.U32("tid"))}
		switch c.op {
		case opCont:
			c.sig = syscall.Signal(d.U32("signal"))
		case opSyscall, opKillAll, opMarker:
		case opRegister:
			c.base, c.gate = d.U64("base"), d.U64("gate")
			c.slot = int(int32(d.U32("slot")))
			c.ctl, c.fdmap = d.Bytes("control page"), d.Bytes("descriptor map")
		case opThread:
			c.base, c.gs = d.U64("base"), d.U64("gs")
			c.slot = int(int32(d.U32("slot")))
			c.ctl = d.Bytes("control page")
		case opRecords:
			c.base = d.U64("base")
			c.slot = int(int32(d.U32("slot")))
			c.data = d.View("records") // the payload is ours: records are not copied twice
			c.close = d.U8("close") != 0
		case opRelease:
			c.base = d.U64("base")
		case opFork:
			c.base, c.parent, c.seq = d.U64("base"), d.U64("parent's region"), d.U64("sequence")
			c.slot = int(int32(d.U32("slot")))
			c.ctl, c.fdmap = d.Bytes("control page"), d.Bytes("descriptor map")
		case opSetRegs:
			if err := readRegs(d, &c.regs); err != nil {
				return nil, err
			}
		case opApply:
			outs, err := readOuts(d)
			if err != nil {
				return nil, err
			}
			c.outs = outs
		case opRunCheck:
			if err := readDigest(d, &c.exp.result); err != nil {
				return nil, err
			}
		case opExpect:
			if err := readDigest(d, &c.exp.digest); err != nil {
				return nil, err
			}
			if err := readDigest(d, &c.exp.result); err != nil {
				return nil, err
			}
			c.exp.act = d.U8("action")
			c.exp.ret = d.I64("result")
			c.exp.fd = int(int32(d.U32("fd")))
			c.exp.cloexec = d.U8("cloexec") != 0
			c.exp.marker = d.U8("marker") != 0
			outs, err := readOuts(d)
			if err != nil {
				return nil, err
			}
			c.exp.outs = outs
			if c.exp.act < actRun || c.exp.act > actRunCheck {
				return nil, fmt.Errorf("%w: action %d", wire.ErrMalformed, c.exp.act)
			}
		case opWrite:
			c.addr = d.U64("addr")
			c.data = d.Bytes("bytes")
		case opRead, opReadStr:
			c.id = d.U32("id")
			c.addr = d.U64("addr")
			c.n = d.U32("length")
		case opKill:
			c.tgid = int(d.U32("tgid"))
			c.sig = syscall.Signal(d.U32("signal"))
		default:
			return nil, fmt.Errorf("%w: command %d", wire.ErrMalformed, c.op)
		}
		cs = append(cs, c)
	}
	if err := d.Done(); err != nil {
		return nil, err
	}
	return cs, nil
}

// hello is what a follower host needs to start its variant.
type hello struct {
	path    string
	argv    []string
	env     []string
	dir     string
	trapTSC bool
	// pid and uid of the leader host's monitor, the sender the leader
	// sees of the signals dmvx delivers.
	pid, uid int
	// variant is the variant's index in the run, for messages.
	variant int
	// arch is the leader host's instruction set (GOARCH): the registers
	// and system-call numbers of the stops this host reports must be
	// ones the leader host's monitor decodes.
	arch string
	// fromEntry: calls are compared from the program's entry (entry.go).
	fromEntry bool
	// IP-MON, when the variant runs it: the policy level, the gate's
	// address, and the SHA-256 of the leader host's IP-MON object for
	// each instruction set (GOARCH -> digest), which the follower host's
	// must be: the same dmvx build on every host.
	ipmon       bool
	level       canon.Level
	gate        uint64
	ipmonHashes map[string][]byte
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func (h *hello) encode() []byte {
	var e wire.Enc
	e.String(h.path)
	e.Strings(h.argv)
	e.Strings(h.env)
	e.String(h.dir)
	b := uint8(0)
	if h.trapTSC {
		b = 1
	}
	e.U8(b)
	e.U32(uint32(h.pid))
	e.U32(uint32(h.uid))
	e.U32(uint32(h.variant))
	e.String(h.arch)
	e.U8(b2u8(h.fromEntry))
	e.U8(b2u8(h.ipmon))
	if h.ipmon {
		e.U8(uint8(h.level))
		e.U64(h.gate)
		archs := slices.Sorted(maps.Keys(h.ipmonHashes))
		e.U8(uint8(len(archs)))
		for _, a := range archs {
			e.String(a)
			e.Bytes(h.ipmonHashes[a])
		}
	}
	return e.Payload()
}

func decodeHello(p []byte) (*hello, error) {
	d := wire.NewDec(p, "hello")
	h := &hello{path: d.String("path"), argv: d.Strings("argv"), env: d.Strings("env"), dir: d.String("dir")}
	h.trapTSC = d.U8("trap tsc") != 0
	h.pid, h.uid = int(d.U32("monitor pid")), int(d.U32("monitor uid"))
	h.variant = int(d.U32("variant"))
	h.arch = d.String("arch")
	h.fromEntry = d.U8("from entry") != 0
	h.ipmon = d.U8("ipmon") != 0
	if h.ipmon {
		h.level = canon.Level(d.U8("policy"))
		h.gate = d.U64("gate")
		h.ipmonHashes = make(map[string][]byte)
		for n := d.U8("ipmon digests"); n > 0; n-- {
			a := d.String("arch")
			h.ipmonHashes[a] = d.Bytes("ipmon digest")
			if len(h.ipmonHashes[a]) != sha256.Size {
				return nil, fmt.Errorf("%w: hello with an IP-MON digest of %d bytes", wire.ErrMalformed, len(h.ipmonHashes[a]))
			}
		}
	}
	if err := d.Done(); err != nil {
		return nil, err
	}
	if h.path == "" || len(h.argv) == 0 {
		return nil, fmt.Errorf("%w: hello without a program", wire.ErrMalformed)
	}
	if h.arch == "" {
		return nil, fmt.Errorf("%w: hello without the leader host's instruction set", wire.ErrMalformed)
	}
	if h.ipmon && (h.level < canon.Base || h.level > canon.SocketRW || h.gate == 0 || h.gate%ipmon.Page != 0 || len(h.ipmonHashes[h.arch]) != sha256.Size) {
		return nil, fmt.Errorf("%w: hello with IP-MON at level %d, gate %#x", wire.ErrMalformed, h.level, h.gate)
	}
	return h, nil
}
