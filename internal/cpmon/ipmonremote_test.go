package cpmon

import (
	"bytes"
	"errors"
	"io"
	"testing"

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
			recs, err := ship.Unpack(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := xr.add(2, recs, c.close); err != nil {
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
		if xr.spillBytes[2] > 0 {
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
			recs, err := ship.Unpack(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := xr.add(2, recs, c.close); err != nil {
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
