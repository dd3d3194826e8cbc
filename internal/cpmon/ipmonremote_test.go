package cpmon

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"dmvx/internal/ipmon"
	"dmvx/internal/rb"
	"dmvx/internal/ship"
	"dmvx/internal/wire"

	"golang.org/x/sys/unix"
)

// testBuffer maps a buffer with a data area of size bytes and n followers.
func testBuffer(t *testing.T, size, n int) *rb.Buffer {
	t.Helper()
	mem, err := unix.Mmap(-1, 0, rb.HeaderSize+size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Munmap(mem) })
	b, err := rb.Init(mem, n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testRemote is a remote whose link writes into memory; takeCommands reads
// back what it sent and what it batched.
func testRemote() (*remote, *wire.Conn) {
	var link bytes.Buffer
	s := wire.Session{1}
	r := &remote{v: &variant{idx: 1}, wc: wire.NewConn(&link, s)}
	return r, wire.NewConn(&link, s)
}

func takeCommands(t *testing.T, r *remote, sent *wire.Conn) []command {
	t.Helper()
	r.flush()
	var cs []command
	for {
		f, err := sent.Read()
		if errors.Is(err, io.EOF) {
			return cs
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeCommands(f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, got...)
	}
}

// The shipper sends a follower host no more than its copy of a buffer has
// room for, and shipAhead more, as of the last acknowledgement: the copy
// never refuses a record, and what waits beside it stays within bounds,
// whatever the records' sizes and however far behind the variant there
// is. The close goes after the last record.
func TestShipperCredit(t *testing.T) {
	const size = ipmon.RBData
	leader := testBuffer(t, size, 1) // follower 0 is the remote variant's slot
	reg, err := ipmon.NewRemoteRegion(1, 0x100000000000)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	reg.AllocAt(2)
	xr := &xRegion{reg: reg}
	there := reg.Buffer(2) // the follower host's copy
	r, sent := testRemote()
	s := newShipper(r)
	sl := &shipSlot{b: leader, base: 0x1000, slot: 2}

	seq := uint64(0)
	out := func(i int) []byte { return make([]byte, (i*37)%300) }
	written, consumed, spilled := 0, 0, false
	for round := range 60 {
		// The leader writes what fits in its own buffer.
		for {
			if err := leader.Append(seq+1, uint32(round), 0, 0, out(int(seq))); errors.Is(err, rb.ErrFull) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			seq++
			written++
		}
		if _, err := s.drainSlotLocked(sl); err != nil {
			t.Fatal(err)
		}
		for _, c := range takeCommands(t, r, sent) {
			if c.op != opRecords || c.base != 0x1000 || c.slot != 2 || c.close {
				t.Fatalf("round %d: command %+v", round, c)
			}
			raw, _, err := ship.Unpack(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := xr.add(2, raw, c.close); err != nil {
				t.Fatalf("round %d: the follower host's copy: %v", round, err)
			}
		}
		// The variant there consumes a part, a different one each round,
		// and says so.
		for k := 0; k < round%7*150+1; k++ {
			rec, err := there.Peek(0)
			if errors.Is(err, rb.ErrEmpty) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			there.Consume(0, rec)
			consumed++
		}
		if _, err := xr.fill(2); err != nil {
			t.Fatal(err)
		}
		if len(xr.spill[2].pending()) > 0 {
			spilled = true
		}
		sl.acked = max(sl.acked, there.Tail(0))
	}
	if !spilled {
		t.Error("nothing waited beside the buffer: the test did not get ahead")
	}
	if consumed == 0 || written <= size/rb.RecordSize {
		t.Fatalf("%d records written, %d consumed: the test moved nothing", written, consumed)
	}

	// The leader's thread ends: everything goes, then the close.
	leader.Close()
	for range 1000 {
		if _, err := s.drainSlotLocked(sl); err != nil {
			t.Fatal(err)
		}
		for _, c := range takeCommands(t, r, sent) {
			raw, _, err := ship.Unpack(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := xr.add(2, raw, c.close); err != nil {
				t.Fatal(err)
			}
			if c.close {
				if _, err := leader.Peek(0); !errors.Is(err, rb.ErrEmpty) {
					t.Fatalf("closed with records left: %v", err)
				}
			}
		}
		if there.Closed() {
			break
		}
		for {
			rec, err := there.Peek(0)
			if err != nil {
				break
			}
			there.Consume(0, rec)
		}
		if _, err := xr.fill(2); err != nil {
			t.Fatal(err)
		}
		sl.acked = there.Tail(0)
	}
	if !sl.closed || !there.Closed() {
		t.Fatal("the close never went")
	}
}

// An acknowledgement of more than was sent is refused; a stale one (the
// acknowledger's, crossing a stop's) is not.
func TestShipperAck(t *testing.T) {
	r := &remote{v: &variant{idx: 1}}
	s := newShipper(r)
	s.slots[shipKey{0x1000, 0}] = &shipSlot{base: 0x1000, head: 512, acked: 256}
	if err := s.ack(0x1000, 0, 128); err != nil {
		t.Errorf("a stale acknowledgement: %v", err)
	}
	if got := s.slots[shipKey{0x1000, 0}].acked; got != 256 {
		t.Errorf("acknowledged %d after a stale one, want 256", got)
	}
	if err := s.ack(0x1000, 0, 520); err == nil {
		t.Error("an acknowledgement past what was sent was accepted")
	}
	if err := s.ack(0x2000, 0, 1<<40); err != nil {
		t.Errorf("an acknowledgement of a dropped buffer: %v", err)
	}
}

// A buffer's records go once enough wait or the first has waited
// shipLinger, and at once when the leader's thread is gone: a slow writer's
// records cross in a frame of several milliseconds' worth.
func TestShipperLinger(t *testing.T) {
	leader := testBuffer(t, ipmon.RBData, 1)
	r, sent := testRemote()
	s := newShipper(r)
	sl := &shipSlot{b: leader, base: 0x1000, slot: 0}
	s.slots[shipKey{0x1000, 0}] = sl
	t0 := time.Now()
	shipAt := func(at time.Duration) int {
		t.Helper()
		if _, err := s.drain(t0.Add(at), false); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range takeCommands(t, r, sent) {
			recs, err := ship.Records(c.data)
			if err != nil {
				t.Fatal(err)
			}
			n += len(recs)
		}
		return n
	}
	seq := uint64(0)
	write := func(n, size int) {
		for range n {
			seq++
			if err := leader.Append(seq, 1, 0, 0, make([]byte, size)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if next, _ := s.drain(t0, false); next != 0 {
		t.Errorf("an empty buffer waits, to be looked at in %v", next)
	}
	write(5, 8)
	if n := shipAt(0); n != 0 {
		t.Errorf("%d records of five shipped at once", n)
	}
	if next, _ := s.drain(t0.Add(time.Millisecond), false); next != shipLinger-time.Millisecond {
		t.Errorf("lingering records to be looked at in %v, want %v", next, shipLinger-time.Millisecond)
	}
	if n := shipAt(shipLinger / 2); n != 0 {
		t.Errorf("%d records of five shipped after half the linger", n)
	}
	write(5, 8)
	if n := shipAt(shipLinger); n != 10 {
		t.Errorf("after the first waited shipLinger: %d records shipped, want 10", n)
	}
	// The clock starts again with the next record.
	write(1, 8)
	if n := shipAt(shipLinger + time.Millisecond); n != 0 {
		t.Errorf("a fresh record shipped at once: %d", n)
	}
	// Enough bytes go at once.
	big := shipEager/1024 + 1
	write(big, 1024-rb.RecordSize)
	if n := shipAt(shipLinger + time.Millisecond); n != 1+big {
		t.Errorf("with %d KiB waiting: %d records shipped, want %d", big, n, 1+big)
	}
	write(1, 8)
	leader.Close()
	if n := shipAt(shipLinger + time.Millisecond); n != 1 || !sl.closed {
		t.Errorf("after the close: %d records shipped, closed %v", n, sl.closed)
	}
}

// The spill gives its bytes back in order however it is drained, and
// keeps its memory while records keep passing through it.
func TestSpillQueue(t *testing.T) {
	var q spillQueue
	next, want := 0, 0
	for round := range 200 {
		for range 300 + round%7*50 {
			q.push([]byte{byte(next), byte(next >> 8), byte(next >> 16)})
			next++
		}
		n := min(len(q.pending())/3, 250+round%5*40)
		for i := 0; i < n; i++ {
			p := q.pending()[3*i:]
			if got := int(p[0]) | int(p[1])<<8 | int(p[2])<<16; got != want+i {
				t.Fatalf("round %d: entry %d is %d, want %d", round, i, got, want+i)
			}
		}
		q.pop(3 * n)
		want += n
	}
	if got := len(q.pending()); got != 3*(next-want) {
		t.Fatalf("%d bytes pending, want %d", got, 3*(next-want))
	}
	if cap(q.buf) > 4*len(q.pending())+(256<<10) {
		t.Errorf("%d bytes' room for %d pending", cap(q.buf), len(q.pending()))
	}
	q.pop(len(q.pending()))
	if q.head != 0 || len(q.buf) != 0 || cap(q.buf) == 0 {
		t.Errorf("emptied: head %d, %d bytes, room for %d", q.head, len(q.buf), cap(q.buf))
	}
}
