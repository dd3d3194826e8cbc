package cpmon

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"
	"dmvx/internal/rb"
	"dmvx/internal/ship"
)

// IP-MON across hosts, the leader host's side. A variant on a follower
// host runs IP-MON as a local one does; its buffers are the follower host's
// copies of the leader host's. The follower host's executor maps them into
// the variant (opRegister, opThread, opFork), and this host's shipper moves
// the leader's records there:
//
//   - the shipper reads each of the leader thread's buffers through the
//     remote variant's follower slot, and sends what it read as opRecords
//     commands, in the order of every other command;
//   - the executor writes them into its copy in the leader's role
//     (rb.Buffer.ReplayRaw), where the variant's IP-MON reads them;
//   - the executor acknowledges how far the variant consumed (evAck, and
//     with every stop), and the shipper sends no more than the copy has
//     room for, and shipAhead more, which waits beside it: credit. The
//     executor never waits for room (a wait there would hold up the
//     commands behind it), and a slow follower host slows the leader,
//     whose buffer fills, as a slow local follower does.
//
// At a rendezvous, what a local follower's CP-MON checks in shared memory
// (markArrivalLocked, consumeMarkersLocked) the executor checks in its
// copy: the records before the leader's arrival are shipped first
// (throughLocked), then opMarker.

// shipAhead is how far the shipper may send beyond what the follower
// host's copy of a buffer has room for: the executor keeps it aside
// (xRegion.spill) until there is. Without it, the copy's consumption and
// the acknowledgement's round trip would alternate with the shipping
// instead of overlapping it (measured: docs/performance.md).
const shipAhead = 2 * ipmon.RBData

// shipSlot is one leader-thread buffer shipped to a follower host.
type shipSlot struct {
	b    *rb.Buffer // the leader host's buffer
	base uint64     // the region's base in the remote variant: its name
	slot int
	// head is where the follower host's copy puts its next record;
	// acked how far the variant there has consumed, as it last said.
	head, acked uint64
	closed      bool // the copy was told the leader's thread is gone
	// since is when the oldest record not yet shipped was first seen
	// (zero: none waits); starved, that the last drain stopped for want
	// of credit.
	since   time.Time
	starved bool
}

type shipKey struct {
	base uint64
	slot int
}

// shipper is a remote variant's: it polls the buffers it ships, since it
// may not sleep on memory that CP-MON unmaps when a program image ends.
type shipper struct {
	r     *remote
	f     int // the remote variant's follower slot in the leader host's buffers
	mu    sync.Mutex
	slots map[shipKey]*shipSlot
	kick  chan struct{}
	// records and batches shipped, for --stats.
	records, batches uint64
	batch            []byte // the batch being packed (ship.Begin), under mu
}

func newShipper(r *remote) *shipper {
	return &shipper{r: r, f: r.v.idx - 1, slots: make(map[shipKey]*shipSlot), kick: make(chan struct{}, 1)}
}

// Polling and batching. The shipper sends a buffer's records once
// shipEager bytes wait, or the first of them has waited shipLinger, or the
// leader's thread waits for room, or the follower host's copy had no room
// for them before (credit), and at once at a rendezvous (throughLocked)
// and when the leader's thread is gone. It looks again when the first
// waiting record falls due, or after shipPoll where half of shipEager
// waits already; with nothing waiting, every shipPoll backing off to
// shipIdle. (A look a millisecond while lighttpd's records lingered cost
// the monitor a thousand wake-ups a second, each several context switches
// of the Go runtime's threads.)
//
// Each frame of records wakes the four processes between the buffers
// (this monitor, the two connectors, the executor) and the Go runtime's
// threads in each: tens of context switches a frame. Lingering sends a
// slow writer's records (lighttpd's: five a request) in a frame of a few
// milliseconds' worth instead of one a poll: a third as many frames
// (lingers of 1, 5 and 10 ms gave lighttpd about the same throughput,
// within the test machine's noise: docs/performance.md). Nothing waits
// for them meanwhile: a follower consumes them behind the leader, and a
// rendezvous ships what it needs at once. A fast writer (getcwd: 60 KiB a
// millisecond) fills shipEager first, well before the leader's 1 MiB
// buffer fills.
const (
	shipPoll   = time.Millisecond
	shipIdle   = 4 * time.Millisecond
	shipLinger = 5 * time.Millisecond
	shipEager  = 128 << 10
)

// loop ships until the link is lost or the run ends.
func (s *shipper) loop(done <-chan struct{}) {
	wait := shipPoll
	t := time.NewTimer(wait)
	defer t.Stop()
	kicked := false
	for {
		next, err := s.drain(time.Now(), kicked)
		if err != nil {
			m := s.r.v.m
			m.mu.Lock()
			m.errorLocked("shipping records to variant %d on %s: %v", s.r.v.idx, s.r.spec.Addr, err)
			m.mu.Unlock()
			return
		}
		if next > 0 {
			wait = min(max(next, shipPoll), shipLinger)
		} else {
			wait = min(2*wait, shipIdle)
		}
		t.Reset(wait)
		kicked = false
		select {
		case <-t.C:
		case <-s.kick:
			kicked = true
			if !t.Stop() {
				<-t.C
			}
		case <-s.r.lostC:
			return
		case <-done:
			return
		}
	}
}

// wake has the shipper send every buffer's records now, due or not: the
// leader's thread arrived at a rendezvous, or ended, or credit came.
func (s *shipper) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// drain ships the buffers whose records are due (see shipLinger), or all
// with force, as far as credit goes, and sends them. It returns when to
// look again for the records that still wait (0: none does).
func (s *shipper) drain(now time.Time, force bool) (time.Duration, error) {
	s.mu.Lock()
	n := 0
	var next time.Duration
	var err error
	for _, sl := range s.slots {
		if sl.closed {
			continue
		}
		due, pending := sl.dueLocked(s.f, now)
		if due || force {
			var k int
			if k, err = s.drainSlotLocked(sl); err != nil {
				break
			}
			n += k
		}
		if sl.since.IsZero() {
			continue
		}
		// Still waiting: lingering, or short of credit (the ack kicks).
		in := sl.since.Add(shipLinger).Sub(now)
		if sl.starved || 2*pending >= shipEager {
			in = shipPoll
		}
		if next == 0 || in < next {
			next = max(in, 1)
		}
	}
	s.mu.Unlock()
	if n > 0 {
		s.r.flush()
	}
	return next, err
}

// dueLocked: sl's records, read through follower slot f, are to go now;
// pending is how many bytes of them wait. Called with s.mu held.
func (sl *shipSlot) dueLocked(f int, now time.Time) (bool, uint64) {
	pending := sl.b.Head() - sl.b.Tail(f)
	if pending == 0 && !sl.b.Closed() {
		sl.since = time.Time{}
		return false, 0
	}
	if sl.since.IsZero() {
		sl.since = now
	}
	return pending >= shipEager || now.Sub(sl.since) >= shipLinger || sl.starved ||
		sl.b.LeaderSleeping() || sl.b.Closed(), pending
}

// drainSlotLocked pushes sl's records that the follower host has room
// for, and the close once the leader's thread is gone and every record
// went. Called with s.mu held.
func (s *shipper) drainSlotLocked(sl *shipSlot) (int, error) {
	if sl.closed {
		return 0, nil
	}
	sl.starved = false
	n, inBatch := 0, 0
	s.batch = ship.Begin(s.batch)
	send := func(close bool) {
		if inBatch == 0 && !close {
			return
		}
		// push copies the payload into the link's batch of commands.
		s.r.push(&command{op: opRecords, base: sl.base, slot: sl.slot, data: ship.Finish(s.batch, inBatch), close: close})
		s.batches++
		s.records += uint64(inBatch)
		s.batch, inBatch = ship.Begin(s.batch), 0
	}
	// Credit: each record must land, in the follower host's copy, within
	// its size and shipAhead of what the variant there consumed.
	take := func(outLen int) bool {
		next := rb.Placed(sl.head, sl.b.Size(), outLen)
		if next-sl.acked > sl.b.Size()+shipAhead {
			sl.starved = true // no room there yet: the next ack brings credit
			return false
		}
		sl.head = next
		return true
	}
	for {
		var k int
		var err error
		s.batch, k, err = sl.b.AppendRaw(s.f, s.batch, ship.MaxBatch, take)
		n, inBatch = n+k, inBatch+k
		if err != nil {
			return n, fmt.Errorf("the leader's replication buffer: %v", err)
		}
		if len(s.batch) < ship.MaxBatch {
			break // empty, or short of credit
		}
		send(false)
	}
	if n > 0 {
		sl.b.WakeLeader() // once a batch
	}
	if !sl.starved {
		sl.since = time.Time{} // all went
	}
	closing := sl.b.Closed()
	if closing {
		// Closed: what the leader wrote is all there is. Empty now?
		_, err := sl.b.Peek(s.f)
		closing = errors.Is(err, rb.ErrEmpty)
	}
	send(closing)
	sl.closed = closing
	return n, nil
}

// start ships slot of reg from now on (its copy was just set up there).
func (s *shipper) start(reg *ipmon.Region, slot int) {
	b := reg.Buffer(slot)
	if b == nil {
		return
	}
	k := shipKey{reg.Bases[s.r.v.idx], slot}
	s.mu.Lock()
	s.slots[k] = &shipSlot{b: b, base: k.base, slot: slot}
	s.mu.Unlock()
	s.wake()
}

// throughLocked ships slot of reg as far as it can now: the records a
// rendezvous's opMarker must find in front of it. Called with m.mu held.
func (s *shipper) throughLocked(reg *ipmon.Region, slot int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[shipKey{reg.Bases[s.r.v.idx], slot}]
	if sl == nil {
		return nil
	}
	_, err := s.drainSlotLocked(sl)
	return err
}

// ack: the variant on the follower host has consumed slot's copy up to
// tail.
func (s *shipper) ack(base uint64, slot int, tail uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[shipKey{base, slot}]
	if sl == nil {
		return nil // dropped meanwhile
	}
	if tail > sl.head {
		return fmt.Errorf("an acknowledgement of %d bytes of buffer %d, of %d sent", tail, slot, sl.head)
	}
	// The acknowledger's and the stops' may cross: the newest counts.
	sl.acked = max(sl.acked, tail)
	s.wake()
	return nil
}

// drop stops shipping slot of reg (slot < 0: all of reg's), before the
// leader host frees or unmaps it.
func (s *shipper) drop(reg *ipmon.Region, slot int) {
	base := reg.Bases[s.r.v.idx]
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.slots {
		if k.base == base && (slot < 0 || k.slot == slot) {
			delete(s.slots, k)
		}
	}
}

// remoteOf is variant v's remote side, or nil for a variant on this host.
func (m *Monitor) remoteOf(v int) *remote {
	if v < 0 || v >= len(m.variants) {
		return nil
	}
	return m.variants[v].rem
}

// remotes: the run has variants on follower hosts.
func (ip *ipmonProc) remotes() bool {
	return ip.m != nil && ip.m.ipm != nil && ip.m.ipm.remotes
}

// write writes into variant v's process of this image, on whichever host
// it is.
func (ip *ipmonProc) write(v int, addr uint64, b []byte) {
	pid := ip.pids[v]
	if ip.m != nil {
		if r := ip.m.remoteOf(v); r != nil {
			_ = remoteMem{r: r, tid: pid}.Write(addr, b)
			r.wake()
			return
		}
	}
	_ = ptrace.Mem{Pid: pid}.Write(addr, b)
}
