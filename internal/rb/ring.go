package rb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Errors.
var (
	// ErrFull: the slowest follower is too far behind for the record; the
	// leader waits (futex on the leader word) and tries again.
	ErrFull = errors.New("replication buffer full")
	// ErrEmpty: nothing new for this follower yet.
	ErrEmpty = errors.New("replication buffer empty")
	// ErrTampered: the shared memory holds what no leader writes.
	ErrTampered = errors.New("replication buffer tampered with")
)

// Buffer is one replication buffer over shared memory.
type Buffer struct {
	mem  []byte
	size uint64 // data area, a power of two
	n    int    // followers
}

// Init lays out a new buffer over mem (header plus a power-of-two data
// area) for n followers.
func Init(mem []byte, n int) (*Buffer, error) {
	if len(mem) <= HeaderSize || !aligned(mem) {
		return nil, errors.New("rb: memory too small or not 8-aligned")
	}
	size := uint64(len(mem) - HeaderSize)
	if size&(size-1) != 0 || size < 2*RecordSize {
		return nil, fmt.Errorf("rb: data area of %d bytes is not a power of two", size)
	}
	if n < 1 || n > MaxFollowers {
		return nil, fmt.Errorf("rb: %d followers (1..%d)", n, MaxFollowers)
	}
	clear(mem[:HeaderSize])
	binary.LittleEndian.PutUint64(mem[offMagic:], Magic)
	binary.LittleEndian.PutUint32(mem[offVersion:], Version)
	binary.LittleEndian.PutUint32(mem[offNFollowers:], uint32(n))
	binary.LittleEndian.PutUint64(mem[offDataSize:], size)
	return &Buffer{mem: mem, size: size, n: n}, nil
}

// Open attaches to a buffer another process laid out, checking its header.
// The sizes are taken from what the caller mapped, never from the header
// alone: the header must agree with them.
func Open(mem []byte, n int) (*Buffer, error) {
	if len(mem) <= HeaderSize || !aligned(mem) {
		return nil, errors.New("rb: memory too small or not 8-aligned")
	}
	size := uint64(len(mem) - HeaderSize)
	if binary.LittleEndian.Uint64(mem[offMagic:]) != Magic ||
		binary.LittleEndian.Uint32(mem[offVersion:]) != Version ||
		binary.LittleEndian.Uint32(mem[offNFollowers:]) != uint32(n) ||
		binary.LittleEndian.Uint64(mem[offDataSize:]) != size {
		return nil, fmt.Errorf("rb: header does not match: %w", ErrTampered)
	}
	return &Buffer{mem: mem, size: size, n: n}, nil
}

// Record is one call's entry.
type Record struct {
	Kind   uint32
	Seq    uint64
	Nr     uint32
	Digest uint64
	Ret    int64
	Out    []byte
	size   uint64
}

func recLen(out int) uint64 { return (uint64(RecordSize+out) + Align - 1) &^ (Align - 1) }

// minTail is the slowest follower's position.
func (b *Buffer) minTail() uint64 {
	t := b.load64(offTail)
	for i := 1; i < b.n; i++ {
		t = min(t, b.load64(offTail+8*i))
	}
	return t
}

// Append writes r (its Seq is the buffer's next) and publishes it. It
// returns ErrFull, writing nothing, when the slowest follower has not
// consumed enough.
func (b *Buffer) Append(seq uint64, nr uint32, digest uint64, ret int64, out []byte) error {
	if need := recLen(len(out)); need > b.size/2 {
		return fmt.Errorf("rb: record of %d bytes in a %d-byte buffer", need, b.size)
	}
	if err := b.put(b.load64(offHead), KindCall, seq, nr, digest, ret, out); err != nil {
		return err
	}
	b.wakeFollowers()
	return nil
}

// put writes a record at head, after a pad where it would straddle the
// end of the area, and publishes it; ErrFull, writing nothing, when the
// slowest follower has not consumed enough.
func (b *Buffer) put(head uint64, kind uint32, seq uint64, nr uint32, digest uint64, ret int64, out []byte) error {
	need := recLen(len(out))
	pad := padBefore(head, b.size, need)
	if head+pad+need-b.minTail() > b.size {
		return ErrFull
	}
	pos := b.putPad(head, pad)
	putHeader(b.mem[HeaderSize+pos:], uint32(need), kind, seq, nr, uint32(len(out)), digest, ret)
	copy(b.mem[HeaderSize+pos+RecordSize:], out)
	// Publish: the record is complete before head moves past it.
	b.store64(offSeq, seq)
	b.store64(offWritten, head+pad+need)
	b.store64(offHead, head+pad+need)
	return nil
}

// padBefore is the pad a record of need bytes takes before it at head in
// an area of size bytes: the rest of the area where the record would
// straddle its end (the record starts again at offset 0), else none.
func padBefore(head, size, need uint64) uint64 {
	if pos := head % size; pos+need > size {
		return size - pos
	}
	return 0
}

// putPad writes the pad of pad bytes at head, if any, and returns where
// the record after it goes. A pad may be as short as 8 bytes: it has its
// size and kind only.
func (b *Buffer) putPad(head, pad uint64) uint64 {
	pos := head % b.size
	if pad == 0 {
		return pos
	}
	r := b.mem[HeaderSize+pos:]
	binary.LittleEndian.PutUint32(r[recSize:], uint32(pad))
	binary.LittleEndian.PutUint32(r[recKind:], KindPad)
	return 0
}

// putHeader writes a record's header at the start of r.
func putHeader(r []byte, size, kind uint32, seq uint64, nr, outLen uint32, digest uint64, ret int64) {
	binary.LittleEndian.PutUint32(r[recSize:], size)
	binary.LittleEndian.PutUint32(r[recKind:], kind)
	binary.LittleEndian.PutUint64(r[recSeq:], seq)
	binary.LittleEndian.PutUint32(r[recNr:], nr)
	binary.LittleEndian.PutUint32(r[recOutLen:], outLen)
	binary.LittleEndian.PutUint64(r[recDigest:], digest)
	binary.LittleEndian.PutUint64(r[recRet:], uint64(ret))
}

// Next reads follower f's next record, expected to carry sequence number
// seq, and consumes it. Only call records qualify.
func (b *Buffer) Next(f int, seq uint64) (Record, error) {
	r, err := b.Peek(f)
	if err != nil {
		return Record{}, err
	}
	if r.Kind != KindCall {
		return Record{}, fmt.Errorf("rb: record kind %d: %w", r.Kind, ErrTampered)
	}
	if r.Seq != seq {
		return Record{}, fmt.Errorf("rb: sequence %d, expected %d: %w", r.Seq, seq, ErrTampered)
	}
	b.Consume(f, r)
	return r, nil
}

// Peek reads follower f's next record without consuming it (pads on the
// way are consumed). Every field is read once and checked: sizes must fit
// the area and what was published, the kind must be known, the sequence
// number the one after what f has seen. The record's output is a copy.
func (b *Buffer) Peek(f int) (Record, error) {
	r, err := b.peekView(f)
	if err == nil {
		r.Out = append([]byte(nil), r.Out...)
	}
	return r, err
}

// peekView is Peek with the record's output left in the buffer, which the
// leader may reuse once f consumes the record.
func (b *Buffer) peekView(f int) (Record, error) {
	if f < 0 || f >= b.n {
		return Record{}, fmt.Errorf("rb: follower %d of %d", f, b.n)
	}
	head := b.load64(offHead)
	tail0 := b.load64(offTail + 8*f)
	pos, size, tail, err := b.nextRecord(head, tail0)
	if tail != tail0 {
		b.store64(offTail+8*f, tail) // the pads on the way
	}
	if err != nil {
		return Record{}, err
	}
	if tail == head {
		return Record{}, ErrEmpty
	}
	r := b.mem[HeaderSize+pos:]
	kind := binary.LittleEndian.Uint32(r[recKind:])
	if kind != KindCall && kind != KindCPMON || size < RecordSize {
		return Record{}, fmt.Errorf("rb: record kind %d size %d: %w", kind, size, ErrTampered)
	}
	rec := Record{
		Kind:   kind,
		Seq:    binary.LittleEndian.Uint64(r[recSeq:]),
		Nr:     binary.LittleEndian.Uint32(r[recNr:]),
		Digest: binary.LittleEndian.Uint64(r[recDigest:]),
		Ret:    int64(binary.LittleEndian.Uint64(r[recRet:])),
		size:   size,
	}
	outLen := uint64(binary.LittleEndian.Uint32(r[recOutLen:]))
	if want := b.load64(offSeen+8*f) + 1; rec.Seq != want {
		return Record{}, fmt.Errorf("rb: sequence %d, expected %d: %w", rec.Seq, want, ErrTampered)
	}
	if outLen > size-RecordSize {
		return Record{}, fmt.Errorf("rb: output of %d bytes in a %d-byte record: %w", outLen, size, ErrTampered)
	}
	rec.Out = r[RecordSize : RecordSize+outLen : RecordSize+outLen]
	return rec, nil
}

// nextRecord finds the record a reader at tail reads next, up to head,
// stepping over pads: it returns the record's position and size, and the
// tail past the pads (head when there is none). Positions and sizes are
// checked against the area and what was published, since any variant can
// write them.
func (b *Buffer) nextRecord(head, tail uint64) (pos, size, next uint64, err error) {
	for tail != head {
		if head-tail > b.size || tail%Align != 0 {
			return 0, 0, tail, fmt.Errorf("rb: head %d, tail %d: %w", head, tail, ErrTampered)
		}
		pos = tail % b.size
		r := b.mem[HeaderSize+pos:]
		size = uint64(binary.LittleEndian.Uint32(r[recSize:]))
		if size < Align || size%Align != 0 || size > b.size-pos || size > head-tail {
			return 0, 0, tail, fmt.Errorf("rb: record size %d at %d: %w", size, pos, ErrTampered)
		}
		if binary.LittleEndian.Uint32(r[recKind:]) != KindPad {
			return pos, size, tail, nil
		}
		if pos+size != b.size {
			return 0, 0, tail, fmt.Errorf("rb: pad record does not end the area: %w", ErrTampered)
		}
		tail += size
	}
	return 0, 0, tail, nil
}

// Consume moves follower f past r, which Peek returned, and wakes the
// leader if it waits for room.
func (b *Buffer) Consume(f int, r Record) {
	b.store64(offSeen+8*f, b.load64(offSeen+8*f)+1)
	b.store64(offTail+8*f, b.load64(offTail+8*f)+r.size)
	b.WakeLeader()
}

// LeaderSleeping: the leader sleeps for room (WaitRoom, or IP-MON's).
func (b *Buffer) LeaderSleeping() bool { return b.load32(offLeaderSleeping) != 0 }

// WakeLeader wakes the leader if it sleeps for room.
func (b *Buffer) WakeLeader() {
	if b.load32(offLeaderSleeping) != 0 {
		b.add32(offLeaderFutex, 1)
		b.wake(offLeaderFutex)
	}
}

// AppendMarker publishes a CP-MON record: the leader's thread made call nr
// through CP-MON. IP-MON always leaves room for one (MarkerRoom), and the
// leader's thread is stopped while CP-MON writes, so it never waits.
func (b *Buffer) AppendMarker(nr uint32) error {
	// The leader publishes some records lazily: what it wrote is
	// complete, and it is stopped, so publish it with this record.
	head := max(b.load64(offHead), b.load64(offWritten))
	if head-b.load64(offHead) > b.size {
		return fmt.Errorf("rb: written %d past head %d: %w", head, b.load64(offHead), ErrTampered)
	}
	if err := b.put(head, KindCPMON, b.load64(offSeq)+1, nr, 0, 0, nil); err != nil {
		return err
	}
	b.wakeFollowers()
	return nil
}

// MarkerRoom is the room IP-MON's leader keeps free for CP-MON's record:
// the record and a pad before it.
const MarkerRoom = 2 * RecordSize

// Close tells followers that the leader's thread is gone: one that waits
// for a record goes to CP-MON instead.
func (b *Buffer) Close() {
	b.store32(offClosed, 1)
	b.add32(offFollowerFutex, 1)
	b.wake(offFollowerFutex)
}

// WakeFollowers wakes the followers that sleep for a record: a writer of
// a batch (ReplayRaw) calls it once, after the batch.
func (b *Buffer) WakeFollowers() { b.wakeFollowers() }

func (b *Buffer) wakeFollowers() {
	if b.load32(offFollowersSleeping) != 0 {
		b.add32(offFollowerFutex, 1)
		b.wake(offFollowerFutex)
	}
}

// Counters are what IP-MON counted in a buffer.
type Counters struct {
	Calls         uint64 // calls the leader's IP-MON took
	LeaderWaits   uint64 // the leader found the buffer full
	FollowerWaits uint64 // a follower slept for a record
}

// Add accumulates o.
func (c *Counters) Add(o Counters) {
	c.Calls += o.Calls
	c.LeaderWaits += o.LeaderWaits
	c.FollowerWaits += o.FollowerWaits
}

// Counters reads the buffer's counters (shared memory: any variant can
// write them; they are statistics, never decisions).
func (b *Buffer) Counters() Counters {
	var c Counters
	c.Calls = b.load64(offCalls)
	c.LeaderWaits = b.load64(offLeaderWaits)
	c.FollowerWaits = b.load64(offFollowerWaits)
	return c
}

// A record's raw form is how it lies in a buffer: its 40-byte header, its
// output, and padding to Align, size bytes in all. Batches of records
// cross between hosts in it (AppendRaw on the leader's host, ReplayRaw on
// a follower's), so that neither side encodes or decodes a record field by
// field.

// ParseRaw reads the record in raw form at the start of p, checking it: a
// known kind (a call's or CP-MON's), an output that fits, and the size a
// writer gives it. The output shares p's memory. It returns the record and
// its size.
func ParseRaw(p []byte) (Record, int, error) {
	if len(p) < RecordSize {
		return Record{}, 0, fmt.Errorf("rb: %d bytes, a record header takes %d", len(p), RecordSize)
	}
	size := uint64(binary.LittleEndian.Uint32(p[recSize:]))
	kind := binary.LittleEndian.Uint32(p[recKind:])
	outLen := binary.LittleEndian.Uint32(p[recOutLen:])
	switch {
	case kind != KindCall && kind != KindCPMON:
		return Record{}, 0, fmt.Errorf("rb: a record of kind %d", kind)
	case size != recLen(int(outLen)):
		return Record{}, 0, fmt.Errorf("rb: a record of %d bytes with %d of output", size, outLen)
	case size > uint64(len(p)):
		return Record{}, 0, fmt.Errorf("rb: a record of %d bytes in %d", size, len(p))
	}
	return Record{
		Kind:   kind,
		Seq:    binary.LittleEndian.Uint64(p[recSeq:]),
		Nr:     binary.LittleEndian.Uint32(p[recNr:]),
		Digest: binary.LittleEndian.Uint64(p[recDigest:]),
		Ret:    int64(binary.LittleEndian.Uint64(p[recRet:])),
		Out:    p[RecordSize : RecordSize+uint64(outLen) : RecordSize+uint64(outLen)],
		size:   size,
	}, int(size), nil
}

// AppendRecord appends r to dst in raw form, as a writer lays it out.
func AppendRecord(dst []byte, r Record) []byte {
	size := recLen(len(r.Out))
	at := len(dst)
	dst = append(dst, make([]byte, size)...)
	putHeader(dst[at:], uint32(size), r.Kind, r.Seq, r.Nr, uint32(len(r.Out)), r.Digest, r.Ret)
	copy(dst[at+RecordSize:], r.Out)
	return dst
}

// AppendRaw appends follower f's next records to dst in raw form and
// consumes them, while take allows the next (it is given the record's
// output length) and dst is shorter than limit. Each record is copied
// first and checked in the copy (ParseRaw, and the sequence number after
// f's last), since the leader's variant can write the buffer meanwhile;
// its padding is zeroed.
// Pads on the way are consumed. It returns dst and the records taken; the
// caller wakes the leader (WakeLeader) once for the batch.
func (b *Buffer) AppendRaw(f int, dst []byte, limit int, take func(outLen int) bool) ([]byte, int, error) {
	if f < 0 || f >= b.n {
		return dst, 0, fmt.Errorf("rb: follower %d of %d", f, b.n)
	}
	head := b.load64(offHead)
	tail := b.load64(offTail + 8*f)
	seen := b.load64(offSeen + 8*f)
	n := 0
	var err error
	for len(dst) < limit {
		var pos, size uint64
		if pos, size, tail, err = b.nextRecord(head, tail); err != nil || tail == head {
			break
		}
		r := b.mem[HeaderSize+pos:]
		at := len(dst)
		dst = append(dst, r[:size]...)
		rec, _, perr := ParseRaw(dst[at:])
		if perr == nil && rec.Seq != seen+1 {
			perr = fmt.Errorf("rb: sequence %d, expected %d", rec.Seq, seen+1)
		}
		if perr != nil {
			dst = dst[:at]
			err = fmt.Errorf("%v: %w", perr, ErrTampered)
			break
		}
		if !take(len(rec.Out)) {
			dst = dst[:at]
			break
		}
		// The padding is whatever the area held before: zeros instead.
		clear(dst[at+RecordSize+len(rec.Out):])
		tail += size
		seen++
		n++
	}
	b.store64(offSeen+8*f, seen)
	b.store64(offTail+8*f, tail)
	return dst, n, err
}

// ReplayRaw writes records in raw form (AppendRaw's), another host's
// leader's, in the leader's role: as many whole ones from p as fit, in
// order, each checked (ParseRaw), numbered after the buffer's last, at
// most half the buffer. It publishes them together: one store of head for
// the batch, as IP-MON's leader publishes lazily, rather than a line
// pulled away from a polling follower at every record. It returns how many
// bytes of p and how many records it wrote; the rest wait for room. The
// caller wakes the followers.
func (b *Buffer) ReplayRaw(p []byte) (int, int, error) {
	head, seq, tail := b.load64(offHead), b.load64(offSeq), b.minTail()
	used, n := 0, 0
	var err error
	for used < len(p) {
		r, need, perr := ParseRaw(p[used:])
		if perr != nil {
			err = fmt.Errorf("rb: replaying: %v", perr)
			break
		}
		if r.Seq != seq+1 {
			err = fmt.Errorf("rb: replaying record %d, the buffer's next is %d", r.Seq, seq+1)
			break
		}
		if uint64(need) > b.size/2 {
			err = fmt.Errorf("rb: record of %d bytes in a %d-byte buffer", need, b.size)
			break
		}
		pad := padBefore(head, b.size, uint64(need))
		if head+pad+uint64(need)-tail > b.size {
			if tail = b.minTail(); head+pad+uint64(need)-tail > b.size {
				break
			}
		}
		pos := b.putPad(head, pad)
		copy(b.mem[HeaderSize+pos:], p[used:used+need])
		head += pad + uint64(need)
		seq = r.Seq
		used += need
		n++
	}
	if n > 0 {
		// Publish: every record is complete before head moves past it.
		b.store64(offSeq, seq)
		b.store64(offWritten, head)
		b.store64(offHead, head)
	}
	return used, n, err
}

// Closed reports whether the leader's thread is gone (Close).
func (b *Buffer) Closed() bool { return b.load32(offClosed) != 0 }

// WaitRecord sleeps, as IP-MON's followers do, until follower f may have a
// record, the buffer is closed, or timeout passes. The leader wakes
// sleeping followers once a batch is written (wake_head): a caller that
// wants every record soon passes a short timeout.
func (b *Buffer) WaitRecord(f int, timeout time.Duration) {
	tail := b.load64(offTail + 8*f)
	v := b.load32(offFollowerFutex)
	b.store64(offWakeHead, tail+uint64(b.size/8))
	b.add32(offFollowersSleeping, 1)
	if b.load64(offHead) == tail && !b.Closed() {
		b.futexWait(offFollowerFutex, v, timeout)
	}
	b.add32(offFollowersSleeping, ^uint32(0))
}

// WaitRoom sleeps, as IP-MON's leader does, until every follower has
// consumed past want, or timeout passes.
func (b *Buffer) WaitRoom(want uint64, timeout time.Duration) {
	v := b.load32(offLeaderFutex)
	b.store64(offWakeAt, want)
	b.store32(offLeaderSleeping, 1)
	if b.minTail() < want {
		b.futexWait(offLeaderFutex, v, timeout)
	}
	b.store32(offLeaderSleeping, 0)
}

// Room is how far every follower must consume before a record with n
// bytes of output fits: pass it to WaitRoom after ErrFull.
func (b *Buffer) Room(n int) uint64 {
	return b.load64(offHead) + 2*recLen(n) - b.size
}

// Tail is how far follower f has consumed.
func (b *Buffer) Tail(f int) uint64 { return b.load64(offTail + 8*f) }

// Size is the data area's size.
func (b *Buffer) Size() uint64 { return b.size }

// Placed is where the head of a buffer of size bytes is after a record
// with n bytes of output was put at head (after a pad where it would
// straddle the end): a shipper follows another host's copy of a buffer
// with it.
func Placed(head, size uint64, n int) uint64 {
	need := recLen(n)
	return head + padBefore(head, size, need) + need
}

// Head is how far the leader has published.
func (b *Buffer) Head() uint64 { return b.load64(offHead) }

// Seen is how many records follower f has consumed.
func (b *Buffer) Seen(f int) uint64 { return b.load64(offSeen + 8*f) }

// StartAt numbers a freshly laid out buffer as if seq records had gone
// through it: a follower host's copy of a buffer that the leader's thread
// used before the copy existed (a forked child's, which gets its region
// later there) goes on from the leader's numbering.
func (b *Buffer) StartAt(seq uint64) {
	b.store64(offSeq, seq)
	for f := 0; f < b.n; f++ {
		b.store64(offSeen+8*f, seq)
	}
}
