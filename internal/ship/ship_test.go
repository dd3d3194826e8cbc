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
