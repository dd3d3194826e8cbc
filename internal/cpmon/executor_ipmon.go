package cpmon

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"dmvx/internal/ipmon"
	"dmvx/internal/policy"
	"dmvx/internal/ptrace"
	"dmvx/internal/rb"
	"dmvx/internal/ship"
	"dmvx/internal/wire"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// IP-MON across hosts, the follower host's side (see ipmonremote.go for
// the leader host's). The executor installs its own copy of IP-MON (the
// same build as the leader host's, checked by digest), starts the variant
// with the filter for the gate the leader host chose, and keeps a copy of
// each of the variant's regions: buffers with the variant as their only
// follower, into which it writes the leader's records.

// xRegion is the follower host's copy of one of the variant's regions.
type xRegion struct {
	reg *ipmon.Region
	// tls: on arm64, the distance of IP-MON's TLS slot from the thread
	// pointer in this image (ipmonarea.go).
	tls   uint64
	acked [ipmon.Slots]uint64 // what was last acknowledged, per live slot
	// spill holds, per slot, the records that came while the buffer was
	// full, in order; closing: the leader's thread is gone, which the
	// buffer says once they are in.
	spill   [ipmon.Slots]spillQueue
	closing [ipmon.Slots]bool
}

// spillQueue is a slot's spill: records in raw form (rb.ParseRaw), in
// order from head, in memory kept from one batch to the next. A follower
// slower than the leader (read_zero's, which reads /dev/zero itself) has
// most records pass through it; a slice grown and dropped a batch at a
// time had the executor collect garbage every 40 ms, each collection's
// stops waiting for its tracer in wait4, and the variant starve meanwhile.
type spillQueue struct {
	buf  []byte
	head int
}

func (q *spillQueue) pending() []byte { return q.buf[q.head:] }

func (q *spillQueue) push(raw []byte) { q.buf = append(q.buf, raw...) }

// pop drops the first n pending bytes.
func (q *spillQueue) pop(n int) {
	q.head += n
	switch {
	case q.head == len(q.buf):
		q.buf, q.head = q.buf[:0], 0
	case q.head >= 64<<10 && 2*q.head >= len(q.buf):
		// Move the rest to the front, once at least as much was popped
		// as remains: at most one move a byte, amortized.
		k := copy(q.buf, q.buf[q.head:])
		q.buf, q.head = q.buf[:k], 0
	}
}

// reset empties the queue and lets its memory go.
func (q *spillQueue) reset() { *q = spillQueue{} }

// maxSpill bounds a slot's spill: the shipper's credit beyond the buffer
// (shipAhead), and a buffer's worth for the pads and the records of
// different sizes that make a full buffer hold less.
const maxSpill = shipAhead + ipmon.RBData

// opRecheck is a note to the tracer thread from the link's reader or the
// acknowledger: records a task waited for are in its buffer now. Never on
// the wire.
const opRecheck = 255

// bufRef names a task's buffer: its region's base and its slot.
type bufRef struct {
	base uint64
	slot int
}

// setupIPMON prepares the variant's start with IP-MON: this host's object
// in LD_PRELOAD where the leader host's was, and the filter.
func (x *executor) setupIPMON(h *hello) (env []string, filter []bpf.RawInstruction, err error) {
	obj, err := ipmon.Object()
	if err != nil {
		return nil, nil, err
	}
	if sum := sha256.Sum256(obj); !bytes.Equal(sum[:], h.ipmonHashes[runtime.GOARCH]) {
		return nil, nil, errors.New("this host's dmvx has another IP-MON build than the leader host's: install the same dmvx on every host")
	}
	path, err := ipmon.Install(obj)
	if err != nil {
		return nil, nil, err
	}
	impl, err := ipmon.Calls(obj)
	if err != nil {
		return nil, nil, err
	}
	implSubs, err := ipmon.Subs(obj)
	if err != nil {
		return nil, nil, err
	}
	allowed, subs := allowedCalls(h.level, impl, implSubs)
	filter, err = policy.Filter(policy.FilterSpec{ARM64: ptrace.Native == ptrace.ArchARM64,
		Gate: h.gate + uint64(ptrace.Native.SyscallLen()), IPMON: gateCalls(allowed, subs), Subs: subs})
	if err != nil {
		return nil, nil, err
	}
	found := false
	for _, kv := range h.env {
		if v, ok := strings.CutPrefix(kv, "LD_PRELOAD="); ok && !found {
			// The leader host put its object first; the same build has
			// the same name here (for either ISA: ipmon.InstallName), in
			// this host's temporary directory.
			first, rest, _ := strings.Cut(v, ":")
			if filepath.Base(first) != filepath.Base(path) {
				return nil, nil, fmt.Errorf("LD_PRELOAD does not start with IP-MON (%s)", first)
			}
			if dir := filepath.Dir(first); dir != filepath.Dir(path) {
				// The same directory as there ($TMPDIR differs), where
				// this host can make it.
				if p, err := ipmon.InstallIn(obj, dir); err == nil {
					path = p
				} else {
					x.log.Info("IP-MON installed elsewhere than on the leader host", "err", err)
				}
			}
			kv = "LD_PRELOAD=" + path
			if rest != "" {
				kv += ":" + rest
			}
			found = true
		}
		env = append(env, kv)
	}
	if !found {
		return nil, nil, errors.New("IP-MON without LD_PRELOAD")
	}
	x.ipmPath = path
	x.regions = make(map[uint64]*xRegion)
	x.bufs = make(map[int]bufRef)
	x.mon.ipm = &ipmonRun{on: true, path: path, level: h.level, gates: []uint64{0, h.gate}}
	return env, filter, nil
}

// checkRegister checks a registration call as CP-MON does on its own host:
// it comes from IP-MON's code, and names IP-MON's stub area.
func (x *executor) checkRegister(t *task, ev *stopEvent) {
	a := ptrace.Args(&t.regs)
	err := fromObject(t.tid, ptrace.PC(&t.regs), x.ipmPath)
	switch {
	case err != nil:
	case t.regs.Arch == ptrace.ArchARM64:
		// No stub area there; the TLS slot is checked as the
		// registration is carried out.
		err = noStubArea(a)
	default:
		err = registerArgsOK(t.tid, a, x.ipmPath)
	}
	if x.regions == nil {
		err = errors.New("this session runs without IP-MON")
	}
	if err != nil {
		ev.flags |= stCallErr
		ev.callErr = err.Error()
	}
}

// early does on the link's reader what needs no tracer, as a command
// arrives: records go into their buffer, and the buffers a registration or
// a new thread will use are laid out for them (the records may come before
// the tracer gets to the command). It reports whether it took the command
// (records); the others go on to the tracer, in order.
func (x *executor) early(c *command) (bool, error) {
	if x.regions == nil {
		if c.op == opRecords || c.op == opRegister || c.op == opFork {
			return true, fmt.Errorf("IP-MON command %d in a session without IP-MON", c.op)
		}
		return false, nil
	}
	switch c.op {
	case opRecords:
		if err := x.records(c); err != nil {
			return true, err
		}
		if x.markerWaits.Load() > 0 {
			// A task behind may wait for one of these records.
			x.qmu.Lock()
			x.queue = append(x.queue, command{op: opRecheck})
			x.qmu.Unlock()
			_ = unix.Kill(x.bell, unix.SIGUSR1)
		}
		return true, nil
	case opRegister, opFork:
		if c.slot < 0 || c.slot >= ipmon.Slots {
			return false, nil // the tracer refuses it
		}
		x.rmu.Lock()
		defer x.rmu.Unlock()
		if x.regions[c.base] != nil {
			return false, fmt.Errorf("a registration in region %#x, which is mapped already", c.base)
		}
		reg, err := ipmon.NewRemoteRegion(1, c.base)
		if err != nil {
			return false, err
		}
		reg.AllocAt(c.slot)
		if c.op == opFork {
			reg.Buffer(c.slot).StartAt(c.seq)
		}
		x.regions[c.base] = &xRegion{reg: reg}
	case opThread:
		x.rmu.Lock()
		defer x.rmu.Unlock()
		if r := x.regions[c.base]; r != nil && c.slot >= 0 && c.slot < ipmon.Slots {
			// The leader host gives out a slot again once its thread
			// is gone everywhere, this host's included.
			r.reg.Free(c.slot)
			r.reg.AllocAt(c.slot)
			r.acked[c.slot] = 0
			r.spill[c.slot].reset()
			r.closing[c.slot] = false
		}
	}
	return false, nil
}

// ipmonCommand carries out an IP-MON command on the tracer; it reports
// whether c was one.
func (x *executor) ipmonCommand(c *command) (bool, error) {
	switch c.op {
	case opRelease:
		x.rmu.Lock()
		if r := x.regions[c.base]; r != nil {
			delete(x.regions, c.base)
			r.reg.Close()
		}
		x.rmu.Unlock()
		for tid, b := range x.bufs {
			if b.base == c.base {
				delete(x.bufs, tid)
			}
		}
		return true, nil
	}
	return false, nil
}

// register maps a region of this host's and the gate into t, stopped at
// its registration call, and ends the call.
func (x *executor) register(t *task, c *command) error {
	if x.regions == nil || ptrace.Nr(&t.regs) != ipmon.NrRegister {
		return fmt.Errorf("task %d: a registration it did not ask for", t.tid)
	}
	if c.gate != x.mon.ipm.gates[1] || c.slot < 0 || c.slot >= ipmon.Slots || len(c.fdmap) != ipmon.MaxFD {
		return fmt.Errorf("task %d: a registration with gate %#x, slot %d", t.tid, c.gate, c.slot)
	}
	x.rmu.Lock()
	r := x.regions[c.base] // laid out by early
	x.rmu.Unlock()
	if r == nil {
		return fmt.Errorf("task %d: a registration in region %#x, which is not laid out", t.tid, c.base)
	}
	in := &injector{v: x.v, t: t, saved: t.regs}
	if t.regs.Arch == ptrace.ArchARM64 {
		off, err := tlsOffset(t.tid, ptrace.Args(&t.regs)[5])
		if err != nil {
			return fmt.Errorf("setting up IP-MON: %w", err)
		}
		r.tls = off
	}
	if err := in.register(r.reg, c.slot, c.ctl, c.fdmap, c.gate); err != nil {
		x.rmu.Lock()
		delete(x.regions, c.base)
		r.reg.Close()
		x.rmu.Unlock()
		if in.lost != nil {
			x.stop(t.tid, *in.lost) // gone on the way: the leader host hears it
			return nil
		}
		return fmt.Errorf("setting up IP-MON: %w", err)
	}
	x.bufs[t.tid] = bufRef{c.base, c.slot}
	return in.finish(0, r.tls, r.reg.CtlAddr(1, c.slot))
}

// fork gives t, a forked child stopped at a call, a region of its own on
// this host (laid out by early) in place of its parent's, and has it make
// the call again (CP-MON's injectFork).
func (x *executor) fork(t *task, c *command) error {
	x.rmu.Lock()
	r := x.regions[c.base]
	x.rmu.Unlock()
	if r == nil || c.slot < 0 || c.slot >= ipmon.Slots || len(c.fdmap) != ipmon.MaxFD || c.parent%ipmon.Page != 0 {
		return fmt.Errorf("task %d: a forked child's region %#x, slot %d", t.tid, c.base, c.slot)
	}
	in := &injector{v: x.v, t: t, saved: t.regs}
	err := in.mapRegion(r.reg)
	if err == nil {
		var ret int64
		ret, err = in.call(unix.SYS_MUNMAP, c.parent, ipmon.RegionSize)
		if err == nil && ret != 0 {
			err = fmt.Errorf("unmapping the parent's region: %d", ret)
		}
	}
	if err == nil {
		err = in.fill(r.reg, c.slot, c.ctl, c.fdmap)
	}
	if err == nil {
		// The child's static TLS is its parent's copy.
		x.rmu.Lock()
		if p := x.regions[c.parent]; p != nil {
			r.tls = p.tls
		}
		x.rmu.Unlock()
		err = in.again(r.tls, r.reg.CtlAddr(1, c.slot))
	}
	if err != nil {
		x.rmu.Lock()
		delete(x.regions, c.base)
		r.reg.Close()
		x.rmu.Unlock()
		if in.lost != nil {
			x.stop(t.tid, *in.lost)
			return nil
		}
		return fmt.Errorf("setting up IP-MON in forked child %d: %w", t.tid, err)
	}
	x.bufs[t.tid] = bufRef{c.base, c.slot}
	return nil
}

// thread points a new task's %gs at its control page (a slot of its own,
// laid out afresh) or at a dead page.
func (x *executor) thread(t *task, c *command) error {
	x.rmu.Lock()
	r := x.regions[c.base]
	if r != nil && c.slot >= 0 && (c.slot >= ipmon.Slots || c.gs != r.reg.CtlAddr(1, c.slot)) {
		x.rmu.Unlock()
		return fmt.Errorf("task %d: control page %#x of slot %d", t.tid, c.gs, c.slot)
	}
	x.rmu.Unlock()
	switch {
	case c.slot >= 0 && r == nil:
		return fmt.Errorf("task %d: slot %d of a region this host has not mapped", t.tid, c.slot)
	case c.slot >= 0:
		if err := (ptrace.Mem{Pid: t.tid}).Write(c.gs, c.ctl); err != nil {
			return nil // the task is gone: its exit is reported
		}
		x.bufs[t.tid] = bufRef{c.base, c.slot}
	case c.gs%ipmon.Page != 0:
		return fmt.Errorf("task %d: a dead page at %#x", t.tid, c.gs)
	}
	if ptrace.GetRegs(t.tid, &t.regs) != nil {
		return nil
	}
	if t.regs.Arch == ptrace.ArchARM64 {
		if sharesParentTLS(t) {
			return nil // its parent's slot (CP-MON's ipmonChildStart)
		}
		var tls uint64
		if r != nil {
			tls = r.tls
		}
		_ = setArea(t, &t.regs, tls, c.gs)
		return nil
	}
	ptrace.SetIPMONBase(&t.regs, c.gs)
	_ = ptrace.SetRegs(t.tid, &t.regs)
	return nil
}

// records (on the link's reader) writes the leader's records into this
// host's copy of a buffer;
// what does not fit yet waits in the slot's spill, which the acknowledger
// empties as the variant consumes. The shipper's credit (the buffer and
// shipAhead more, as of the last acknowledgement) bounds the spill: the
// executor never waits for room, which would hold up the commands behind.
func (x *executor) records(c *command) error {
	raw, _, err := ship.Unpack(c.data)
	if err != nil {
		return err
	}
	if x.crossISA {
		if err := renumberRecords(raw, x.leaderABI, nativeABI); err != nil {
			return err
		}
	}
	x.rmu.Lock()
	r := x.regions[c.base]
	if r == nil || r.reg.Buffer(c.slot) == nil {
		x.rmu.Unlock()
		return fmt.Errorf("records for buffer %d of a region this host has not mapped", c.slot)
	}
	err = r.add(c.slot, raw, c.close)
	select {
	case x.ackKick <- struct{}{}: // the acknowledger may sleep long
	default:
	}
	if err == nil {
		// While records stream in, their reader says how far the
		// variant got: the shipper's credit keeps up without waiting for
		// the acknowledger's turn on a busy host.
		x.ackLocked(r, c.base, c.slot, true)
	}
	x.rmu.Unlock()
	return err
}

// ackEvery is how far the variant must have consumed since the last
// acknowledgement for the next: the shipper's credit is three buffers, so
// an acknowledgement a quarter buffer keeps it far from starving, with a
// frame each way per quarter buffer rather than per batch. (A stop carries
// the exact position whenever CP-MON needs it.)
const ackEvery = ipmon.RBData / 4

// ackLocked sends slot's position if it moved by ackEvery since the last;
// flush sends it at once. Called with x.rmu held.
func (x *executor) ackLocked(r *xRegion, base uint64, slot int, flush bool) bool {
	b := r.reg.Buffer(slot)
	if b == nil {
		return false
	}
	tail := b.Tail(0)
	if tail-r.acked[slot] < ackEvery {
		return false
	}
	r.acked[slot] = tail
	var e wire.Enc
	e.U8(evAck)
	e.U64(base)
	e.U32(uint32(slot))
	e.U64(tail)
	x.wmu.Lock()
	_ = x.wc.Write(wire.Call, e.Payload())
	if flush {
		_ = x.wc.Flush()
	}
	x.wmu.Unlock()
	return true
}

// add takes a batch of records in raw form for slot's buffer (and, with
// close, the end of the leader's thread). Called with x.rmu held.
func (r *xRegion) add(slot int, raw []byte, close bool) error {
	if len(r.spill[slot].pending()) == 0 {
		// Straight into the buffer, as far as it has room.
		b := r.reg.Buffer(slot)
		used, n, err := b.ReplayRaw(raw)
		if err != nil {
			return fmt.Errorf("buffer %d: %w", slot, err)
		}
		if n > 0 {
			b.WakeFollowers()
		}
		raw = raw[used:]
	}
	// The records are in the frame, which the link's reader reuses: what
	// waits here is copied.
	r.spill[slot].push(raw)
	r.closing[slot] = r.closing[slot] || close
	if n := len(r.spill[slot].pending()); n > maxSpill {
		return fmt.Errorf("buffer %d: %d bytes of records beyond its room, more than the shipper's credit", slot, n)
	}
	_, err := r.fill(slot)
	return err
}

// fill moves slot's spill into its buffer, as far as there is room, and
// closes the buffer after the last record once the leader's thread is
// gone. It reports whether it moved anything. Called with x.rmu held.
func (r *xRegion) fill(slot int) (bool, error) {
	b := r.reg.Buffer(slot)
	if b == nil {
		return false, nil
	}
	q := &r.spill[slot]
	used, n, err := b.ReplayRaw(q.pending())
	if err != nil {
		return false, fmt.Errorf("buffer %d: %w", slot, err)
	}
	if n > 0 {
		b.WakeFollowers() // once a batch, not a kernel entry a record
	}
	q.pop(used)
	if len(q.pending()) == 0 {
		if r.closing[slot] && !b.Closed() {
			b.Close()
		}
	}
	return n > 0, nil
}

// recheckMarkers meets again the expectations of tasks behind that waited
// for the record of the leader's arrival at their call (an expectation's
// marker). On the tracer thread.
func (x *executor) recheckMarkers() {
	for _, t := range x.tasks {
		if t.markerWait {
			t.markerWait = false
			x.markerWaits.Add(-1)
			x.meet(t)
		}
	}
}

// bufferOf is t's buffer and its name, if t runs IP-MON.
func (x *executor) bufferOf(t *task) (bufRef, *rb.Buffer) {
	ref, ok := x.bufs[t.tid]
	if !ok {
		return ref, nil
	}
	x.rmu.Lock()
	defer x.rmu.Unlock()
	if r := x.regions[ref.base]; r != nil {
		return ref, r.reg.Buffer(ref.slot)
	}
	return ref, nil
}

// buffer is t's buffer, if it runs IP-MON.
func (x *executor) buffer(t *task) *rb.Buffer {
	_, b := x.bufferOf(t)
	return b
}

// ackOf is how far t's buffer was consumed, to go with its stop.
func (x *executor) ackOf(t *task) *ackInfo {
	ref, b := x.bufferOf(t)
	if b == nil {
		return nil
	}
	return &ackInfo{base: ref.base, slot: ref.slot, tail: b.Tail(0)}
}

// reportNext reports what t, stopped at CP-MON call name, found next in
// its buffer instead of the leader's arrival: an IP-MON call of the
// leader's (r), or a buffer it cannot read (err).
func (x *executor) reportNext(t *task, name string, r rb.Record, err error) {
	if err != nil {
		x.ipmonDiverge(t, name, fmt.Sprintf("variant %d's replication buffer: %v", x.hello.variant, err))
		return
	}
	x.ipmonDiverge(t, name, fmt.Sprintf("variant %d made %s through CP-MON where the leader made %s through IP-MON",
		x.hello.variant, name, nativeABI.Name(uint64(r.Nr))))
}

// atCPMON: t stopped at a call that goes to CP-MON. Its next record, if
// there is one yet, must not be an IP-MON call of the leader's (what
// CP-MON's markArrivalLocked checks on one host). It reports whether the
// stop may go on to the leader host.
func (x *executor) atCPMON(t *task, name string) bool {
	b := x.buffer(t)
	if b == nil {
		return true
	}
	r, err := b.Peek(0)
	if errors.Is(err, rb.ErrEmpty) || err == nil && r.Kind != rb.KindCall {
		return true
	}
	x.reportNext(t, name, r, err)
	return false
}

// marker consumes the record of the leader's arrival at the call t is
// stopped at (CP-MON's consumeMarkersLocked on one host). The shipper
// sent it before the command, with credit as of t's stop: it is there.
func (x *executor) marker(t *task) error {
	if x.takeMarker(t) == markerNone {
		return fmt.Errorf("task %d: the leader's record of its call did not come before the rendezvous", t.tid)
	}
	return nil
}

// What takeMarker found.
const (
	markerTaken    = iota // consumed (or no buffer: nothing to take)
	markerNone            // not there yet
	markerDiverged        // another record: reported
)

// takeMarker consumes the record of the leader's arrival at t's call.
func (x *executor) takeMarker(t *task) int {
	b := x.buffer(t)
	if b == nil {
		return markerTaken
	}
	name := "(unknown)"
	if t.call != nil {
		name = t.call.Row.Name
	}
	r, err := b.Peek(0)
	switch {
	case errors.Is(err, rb.ErrEmpty):
		return markerNone
	case err == nil && r.Kind == rb.KindCPMON:
		b.Consume(0, r)
		return markerTaken
	}
	x.reportNext(t, name, r, err)
	return markerDiverged
}

// leaderRecord describes, for the report of t's IP-MON divergence, the
// leader's record t's IP-MON compared its call with (CP-MON's ipmonDiverge
// reads it from shared memory on one host).
func (x *executor) leaderRecord(t *task, ev *stopEvent) {
	b := x.buffer(t)
	if b == nil {
		return
	}
	if r, err := b.Peek(0); err == nil && r.Kind == rb.KindCall {
		ev.flags |= stCallErr
		ev.callErr = fmt.Sprintf("%s = %d (IP-MON record %d)", nativeABI.Name(uint64(r.Nr)), r.Ret, r.Seq)
	}
}

func (x *executor) ipmonDiverge(t *task, name, why string) {
	var e wire.Enc
	e.U8(evIPMONDiverge)
	e.U32(uint32(t.tid))
	e.String(name)
	e.String(why)
	_ = x.send(wire.Call, e.Payload())
}

// The acknowledger looks every ackPollMin while a buffer holds records the
// variant has not consumed, backing off to ackPollMax while none does, and
// at once when records come (ackKick); it
// acknowledges every ackEvery consumed. It polls: it may not sleep on a
// buffer that a release unmaps.
const (
	// A millisecond: a variant consuming 60 KiB of records a millisecond
	// (getcwd) is acknowledged every few, well within the shipper's
	// credit of three buffers, and its copy, 17 ms of records, refilled
	// from the spill long before it runs dry. Looks every 200 us cost
	// the executor 5000 wake-ups a second.
	ackPollMin = time.Millisecond
	ackPollMax = 20 * time.Millisecond
)

// ackLoop tells the leader host how far the variant consumed each buffer,
// until the session ends.
func (x *executor) ackLoop() {
	wait := ackPollMin
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for !x.done.Load() {
		n, pending, refill := 0, false, false
		x.rmu.Lock()
		for base, r := range x.regions {
			for s := range ipmon.Slots {
				b := r.reg.Buffer(s)
				if b == nil {
					continue
				}
				moved, err := r.fill(s)
				if err != nil {
					x.rmu.Unlock()
					x.fatal(err.Error())
					return
				}
				if moved {
					refill = true
				}
				pending = pending || b.Tail(0) != b.Head() || len(r.spill[s].pending()) > 0
				if x.ackLocked(r, base, s, false) {
					n++
				}
			}
		}
		x.rmu.Unlock()
		if n > 0 {
			x.wmu.Lock()
			_ = x.wc.Flush()
			x.wmu.Unlock()
		}
		if refill && x.markerWaits.Load() > 0 {
			// A task waits for a record that is in its buffer now.
			x.qmu.Lock()
			x.queue = append(x.queue, command{op: opRecheck})
			x.qmu.Unlock()
			_ = unix.Kill(x.bell, unix.SIGUSR1)
		}
		if n > 0 || pending {
			wait = ackPollMin
		} else {
			wait = min(2*wait, ackPollMax)
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-x.ackKick:
			// Records came (and their reader acknowledged what it
			// could): look again in ackPollMin, not at once.
			if !timer.Stop() {
				<-timer.C
			}
			wait = ackPollMin
			timer.Reset(wait)
			<-timer.C
		}
	}
}

// releaseAll drops every region copy at the end of the session.
func (x *executor) releaseAll() {
	x.rmu.Lock()
	defer x.rmu.Unlock()
	for base, r := range x.regions {
		r.reg.Close()
		delete(x.regions, base)
	}
}
