package ship

import (
	"bytes"
	"errors"
	"testing"

	"dmvx/internal/rb"
	"dmvx/internal/wire"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestPackUnpack(t *testing.T) {
	recs := []rb.Record{
		{Kind: rb.KindCall, Seq: 7, Nr: 1, Digest: 0xfeed, Ret: 6, Out: []byte("hello\n")},
		{Kind: rb.KindCPMON, Seq: 8, Nr: 257},
		{Kind: rb.KindCall, Seq: 9, Nr: 0, Ret: -11, Out: []byte{}},
	}
	got, err := Records(Pack(recs))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recs, got, cmpopts.IgnoreUnexported(rb.Record{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("records (-packed +unpacked):\n%s", diff)
	}
	raw, n, err := Unpack(Pack(recs))
	if err != nil || n != 3 || len(raw) != 48+40+40 {
		t.Errorf("Unpack: %d records in %d bytes, %v", n, len(raw), err)
	}
	bad := func(recs ...rb.Record) []byte { return Pack(recs) }
	badSize := Pack(recs[:1])
	badSize[4] = 40 // the first record's size, with 6 bytes of output
	for _, tc := range []struct {
		name string
		p    []byte
	}{
		{"a pad", bad(rb.Record{Kind: rb.KindPad, Seq: 1})},
		{"an unknown kind", bad(rb.Record{Kind: 9, Seq: 1})},
		{"a gap in the numbers", bad(rb.Record{Kind: rb.KindCall, Seq: 1}, rb.Record{Kind: rb.KindCall, Seq: 3})},
		{"a size that is not the output's", badSize},
		{"cut short", Pack(recs)[:20]},
		{"cut inside an output", Pack(recs)[:4+44]},
		{"a count past the payload", []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"bytes left over", append(Pack(recs), 0)},
		{"no count", []byte{0, 0}},
	} {
		if _, _, err := Unpack(tc.p); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v, want malformed", tc.name, err)
		}
	}
}

// What a shipper copies out of a buffer (rb.Buffer.AppendRaw into a batch
// Begin started) is what Pack makes of the same records, and a follower
// host's copy replays it (rb.Buffer.ReplayRaw) into the same records.
func TestBufferToBuffer(t *testing.T) {
	mem := func() []byte { return make([]byte, rb.HeaderSize+4096) }
	leader, err := rb.Init(mem(), 1)
	if err != nil {
		t.Fatal(err)
	}
	copyThere, err := rb.Init(mem(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var recs []rb.Record
	var p []byte
	for seq := uint64(1); seq <= 500; seq++ {
		r := rb.Record{Kind: rb.KindCall, Seq: seq, Nr: uint32(seq), Digest: seq * 5, Ret: int64(seq) - 7,
			Out: bytes.Repeat([]byte{byte(seq)}, int(seq*11%150))}
		if err := leader.Append(r.Seq, r.Nr, r.Digest, r.Ret, r.Out); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
		if seq%7 != 0 && seq != 500 {
			continue
		}
		p = Begin(p)
		var n int
		if p, n, err = leader.AppendRaw(0, p, MaxBatch, func(int) bool { return true }); err != nil {
			t.Fatal(err)
		}
		p = Finish(p, n)
		if !bytes.Equal(p, Pack(recs)) {
			t.Fatalf("after record %d: the buffer's batch differs from Pack's", seq)
		}
		raw, _, err := Unpack(p)
		if err != nil {
			t.Fatal(err)
		}
		if used, k, err := copyThere.ReplayRaw(raw); err != nil || used != len(raw) || k != n {
			t.Fatalf("replayed %d of %d bytes, %d of %d records: %v", used, len(raw), k, n, err)
		}
		for _, w := range recs {
			r, err := copyThere.Next(0, w.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, r, cmpopts.IgnoreUnexported(rb.Record{}), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("record %d (-leader's +copy's):\n%s", w.Seq, diff)
			}
		}
		recs = recs[:0]
	}
}

// FuzzReplay: a follower host takes a records payload from the network
// (the connector has checked the frame, not its records). Whatever it
// holds, Unpack accepts it only whole and well formed, and what it
// accepts replays into a buffer and reads back record by record, with no
// panic and nothing read or written outside the buffer.
func FuzzReplay(f *testing.F) {
	for _, n := range []int{0, 1, 3} {
		var recs []rb.Record
		for i := 1; i <= n; i++ {
			recs = append(recs, rb.Record{Kind: rb.KindCall, Seq: uint64(i), Nr: uint32(i), Ret: 5, Out: bytes.Repeat([]byte{'a'}, i*9)})
		}
		f.Add(Pack(recs))
	}
	f.Add([]byte{0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, p []byte) {
		raw, n, err := Unpack(p)
		if err != nil || n == 0 {
			return
		}
		// A fresh buffer takes a batch that starts at record 1, and any
		// record of at most half its size.
		size, largest := 4096, 0
		for q := raw; len(q) > 0; {
			r, sz, err := rb.ParseRaw(q)
			if err != nil {
				t.Fatalf("a record Unpack accepted does not parse: %v", err)
			}
			if len(q) == len(raw) && r.Seq != 1 {
				return
			}
			largest = max(largest, sz)
			q = q[sz:]
		}
		for size < 2*largest {
			size *= 2
		}
		buf, err := rb.Init(make([]byte, rb.HeaderSize+size), 1)
		if err != nil {
			t.Fatal(err)
		}
		for n > 0 {
			used, k, err := buf.ReplayRaw(raw)
			if err != nil {
				t.Fatalf("a batch Unpack accepted does not replay: %v", err)
			}
			if k == 0 {
				t.Fatalf("no room for a record in an empty buffer (%d bytes left)", len(raw))
			}
			for i := 0; i < k; i++ {
				r, err := buf.Peek(0)
				if err != nil {
					t.Fatalf("record %d of %d replayed: %v", i, k, err)
				}
				buf.Consume(0, r)
			}
			raw, n = raw[used:], n-k
		}
		if len(raw) != 0 {
			t.Fatalf("%d bytes after the records", len(raw))
		}
	})
}
