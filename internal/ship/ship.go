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
	var e wire.Enc
	e.U32(uint32(len(recs)))
	for _, r := range recs {
		e.U8(uint8(r.Kind))
		e.U64(r.Seq)
		e.U32(r.Nr)
		e.U64(r.Digest)
		e.I64(r.Ret)
		e.Bytes(r.Out)
	}
	return e.Payload()
}

// recordMin is the fewest bytes one packed record takes.
const recordMin = 1 + 8 + 4 + 8 + 8 + 4

// Unpack decodes a Records payload, checking it: known kinds, sequence
// numbers that follow each other, sizes within bounds. The records' outputs
// share p's memory.
func Unpack(p []byte) ([]rb.Record, error) {
	d := wire.NewDec(p, "records")
	n := d.U32("count")
	if d.Err == nil && uint64(n)*recordMin > uint64(len(p)) {
		return nil, fmt.Errorf("%w: records: %d records in %d bytes", wire.ErrMalformed, n, len(p))
	}
	recs := make([]rb.Record, 0, n)
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
