// Package ship moves a leader thread's replication records to another
// host (asynchronous replication): on the leader's host a shipper reads the
// thread's buffer through a follower slot of its own and sends the records
// in batches; on a follower host an injector writes them into the local
// buffer in the leader's role, where the followers' IP-MON reads them as
// if the leader ran beside them.
//
// Backpressure needs nothing of its own: a follower host that falls behind
// stops reading its connection, the shipper's sends block, its slot stops
// moving, and the leader finds its buffer full and waits, as it does for a
// slow local follower. Nothing is dropped.
package ship

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// numbers that follow each other, sizes within bounds.
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
			Out:    d.Bytes("out"),
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

// Sender sends one Records frame (a connector link, flushed).
type Sender func(payload []byte) error

// Ship reads the buffer through follower slot f and sends its records, in
// batches of what is there, until the buffer is closed and drained or ctx
// ends. A record waits at most linger before it goes: the leader
// publishes lazily and wakes sleepers by the batch.
func Ship(ctx context.Context, b *rb.Buffer, f int, linger time.Duration, send Sender) error {
	var batch []rb.Record
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := send(Pack(batch))
		batch, size = batch[:0], 0
		return err
	}
	for ctx.Err() == nil {
		r, err := b.Peek(f)
		switch {
		case err == nil:
			b.Consume(f, r)
			batch = append(batch, r)
			if size += len(r.Out) + recordMin; size >= MaxBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		case errors.Is(err, rb.ErrEmpty):
			if err := flush(); err != nil {
				return err
			}
			if b.Closed() {
				if _, err := b.Peek(f); errors.Is(err, rb.ErrEmpty) {
					return nil
				}
				continue
			}
			b.WaitRecord(f, linger)
		default:
			return err
		}
	}
	return ctx.Err()
}

// Inject writes a batch of another host's records into b in the leader's
// role, waiting for room as the leader would. It gives up when ctx ends.
func Inject(ctx context.Context, b *rb.Buffer, recs []rb.Record) error {
	for _, r := range recs {
		for {
			err := b.Replay(r)
			if err == nil {
				break
			}
			if !errors.Is(err, rb.ErrFull) {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.WaitRoom(b.Room(len(r.Out)), 10*time.Millisecond)
		}
	}
	return nil
}
