// Package ship is the wire form of a batch of replication records, which
// move a leader thread's records to a follower host (asynchronous
// replication): the leader host's shipper (internal/cpmon, ipmonremote.go)
// packs what it read from the thread's buffer, and the follower host's
// executor unpacks it, checked, and writes the records into its copy of the
// buffer in the leader's role.
package ship

import (
	"fmt"

	"dmvx/internal/rb"
	"dmvx/internal/wire"
)

// MaxBatch bounds the bytes of records in one frame.
const MaxBatch = 64 << 10

// maxOut bounds one record's output: a record larger than half a buffer
// never existed (rb.Append refuses it).
const maxOut = wire.MaxPayload / 2

// Pack encodes records as one Records payload.
func Pack(recs []rb.Record) []byte {
	var b Batch
	for _, r := range recs {
		b.Add(r)
	}
	return b.Payload()
}

// Batch builds a Records payload a record at a time, copying each record's
// output as it goes (a shipper adds a record before the leader may reuse
// its memory), and keeps its memory from one batch to the next.
type Batch struct {
	e wire.Enc
	n uint32
}

// Add appends r.
func (b *Batch) Add(r rb.Record) {
	if b.e.Len() == 0 {
		b.e.U32(0) // the count, set by Payload
	}
	b.e.U8(uint8(r.Kind))
	b.e.U64(r.Seq)
	b.e.U32(r.Nr)
	b.e.U64(r.Digest)
	b.e.I64(r.Ret)
	b.e.Bytes(r.Out)
	b.n++
}

// Len is how many records were added since the last Reset.
func (b *Batch) Len() int { return int(b.n) }

// Payload is the batch's payload, valid until the next Add or Reset.
func (b *Batch) Payload() []byte {
	if b.e.Len() == 0 {
		b.e.U32(0)
	}
	b.e.PutU32At(0, b.n)
	return b.e.Payload()
}

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() {
	b.e.Reset()
	b.n = 0
}

// recordMin is the fewest bytes one packed record takes.
const recordMin = 1 + 8 + 4 + 8 + 8 + 4

// Unpack decodes a Records payload, checking it: known kinds, sequence
// numbers that follow each other, sizes within bounds. The records' outputs
// share p's memory.
func Unpack(p []byte) ([]rb.Record, error) { return UnpackInto(nil, p) }

// UnpackInto is Unpack into dst's memory (dst[:0]): a reader of a frame
// after another reuses one slice.
func UnpackInto(dst []rb.Record, p []byte) ([]rb.Record, error) {
	d := wire.NewDec(p, "records")
	n := d.U32("count")
	if d.Err == nil && uint64(n)*recordMin > uint64(len(p)) {
		return nil, fmt.Errorf("%w: records: %d records in %d bytes", wire.ErrMalformed, n, len(p))
	}
	recs := dst[:0]
	if cap(recs) < int(n) {
		recs = make([]rb.Record, 0, n)
	}
	for i := uint32(0); i < n && d.Err == nil; i++ {
		r := rb.Record{
			Kind:   uint32(d.U8("kind")),
			Seq:    d.U64("seq"),
			Nr:     d.U32("nr"),
			Digest: d.U64("digest"),
			Ret:    d.I64("ret"),
			Out:    d.View("out"), // the payload is the caller's: no copy a record
		}
		if d.Err != nil {
			break
		}
		switch {
		case r.Kind != rb.KindCall && r.Kind != rb.KindCPMON:
			return nil, fmt.Errorf("%w: records: record %d of kind %d", wire.ErrMalformed, i, r.Kind)
		case len(r.Out) > maxOut:
			return nil, fmt.Errorf("%w: records: record %d with %d bytes of output", wire.ErrMalformed, i, len(r.Out))
		case i > 0 && r.Seq != recs[i-1].Seq+1:
			return nil, fmt.Errorf("%w: records: record %d numbered %d after %d", wire.ErrMalformed, i, r.Seq, recs[i-1].Seq)
		}
		recs = append(recs, r)
	}
	if err := d.Done(); err != nil {
		return nil, err
	}
	return recs, nil
}
