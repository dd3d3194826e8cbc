// Package ship is the wire form of a batch of replication records, which
// move a leader thread's records to a follower host (asynchronous
// replication): the leader host's shipper (internal/cpmon, ipmonremote.go)
// copies them out of the thread's buffer, and the follower host's executor
// checks them and writes them into its copy of the buffer in the leader's
// role.
//
// A batch is a count (uint32, big-endian as the rest of the wire) and the
// records in their raw form: as they lie in a buffer, header, output and
// padding (rb.ParseRaw). Neither side encodes or decodes a record field by
// field: the shipper copies them (rb.Buffer.AppendRaw), the executor checks
// and copies them (Unpack, rb.Buffer.ReplayRaw).
package ship

import (
	"encoding/binary"
	"fmt"

	"dmvx/internal/rb"
	"dmvx/internal/wire"
)

// MaxBatch bounds the bytes of records in one frame.
const MaxBatch = 64 << 10

// maxOut bounds one record's output: a record larger than half a buffer
// never existed (rb.Append refuses it).
const maxOut = wire.MaxPayload / 2

// Begin starts a batch in buf's memory: the count, which Finish sets, and
// then the records, appended in raw form (rb.Buffer.AppendRaw).
func Begin(buf []byte) []byte { return append(buf[:0], 0, 0, 0, 0) }

// Finish sets the count of a batch Begin started, and returns it.
func Finish(p []byte, n int) []byte {
	binary.BigEndian.PutUint32(p, uint32(n))
	return p
}

// Pack builds a batch of records (what a buffer would hold of them).
func Pack(recs []rb.Record) []byte {
	p := Begin(nil)
	for _, r := range recs {
		p = rb.AppendRecord(p, r)
	}
	return Finish(p, len(recs))
}

// Unpack checks a batch: as many records as its count says and nothing
// after them, each of a known kind with its size and output in bounds
// (rb.ParseRaw), numbered one after the other. It returns the records in
// raw form, which share p's memory, and their count.
func Unpack(p []byte) ([]byte, int, error) {
	d := wire.NewDec(p, "records")
	n := d.U32("count")
	if d.Err != nil {
		return nil, 0, d.Err
	}
	raw := p[4:]
	if uint64(n)*rb.RecordSize > uint64(len(raw)) {
		return nil, 0, fmt.Errorf("%w: records: %d records in %d bytes", wire.ErrMalformed, n, len(raw))
	}
	off := 0
	var seq uint64
	for i := uint32(0); i < n; i++ {
		r, size, err := rb.ParseRaw(raw[off:])
		switch {
		case err != nil:
			return nil, 0, fmt.Errorf("%w: records: record %d: %v", wire.ErrMalformed, i, err)
		case len(r.Out) > maxOut:
			return nil, 0, fmt.Errorf("%w: records: record %d with %d bytes of output", wire.ErrMalformed, i, len(r.Out))
		case i > 0 && r.Seq != seq+1:
			return nil, 0, fmt.Errorf("%w: records: record %d numbered %d after %d", wire.ErrMalformed, i, r.Seq, seq)
		}
		seq = r.Seq
		off += size
	}
	if off != len(raw) {
		return nil, 0, fmt.Errorf("%w: records: %d bytes after %d records", wire.ErrMalformed, len(raw)-off, n)
	}
	return raw, int(n), nil
}

// Records decodes a batch (Unpack) into its records, whose outputs share
// p's memory: for a reader that looks at each.
func Records(p []byte) ([]rb.Record, error) {
	raw, n, err := Unpack(p)
	if err != nil {
		return nil, err
	}
	recs := make([]rb.Record, 0, n)
	for len(raw) > 0 {
		r, size, _ := rb.ParseRaw(raw) // checked by Unpack
		recs = append(recs, r)
		raw = raw[size:]
	}
	return recs, nil
}
