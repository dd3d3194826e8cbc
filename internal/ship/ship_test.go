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
	got, err := Unpack(Pack(recs))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recs, got, cmpopts.IgnoreUnexported(rb.Record{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("records (-packed +unpacked):\n%s", diff)
	}
	bad := func(recs ...rb.Record) []byte { return Pack(recs) }
	for _, tc := range []struct {
		name string
		p    []byte
	}{
		{"a pad", bad(rb.Record{Kind: rb.KindPad, Seq: 1})},
		{"an unknown kind", bad(rb.Record{Kind: 9, Seq: 1})},
		{"a gap in the numbers", bad(rb.Record{Kind: rb.KindCall, Seq: 1}, rb.Record{Kind: rb.KindCall, Seq: 3})},
		{"cut short", Pack(recs)[:20]},
		{"a count past the payload", []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"bytes left over", append(Pack(recs), 0)},
	} {
		if _, err := Unpack(tc.p); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v, want malformed", tc.name, err)
		}
	}
}

// A Batch packs what Pack does, batch after batch in the same memory, and
// UnpackInto reads each into one reused slice.
func TestBatchReuse(t *testing.T) {
	var b Batch
	var scratch []rb.Record
	seq := uint64(1)
	for round := 0; round < 4; round++ {
		var recs []rb.Record
		for i := 0; i < 3+round; i++ {
			recs = append(recs, rb.Record{Kind: rb.KindCall, Seq: seq, Nr: uint32(round), Ret: int64(i), Out: bytes.Repeat([]byte{byte(seq)}, int(seq))})
			seq++
		}
		b.Reset()
		for _, r := range recs {
			b.Add(r)
		}
		if b.Len() != len(recs) {
			t.Fatalf("round %d: %d records in the batch, want %d", round, b.Len(), len(recs))
		}
		if !bytes.Equal(b.Payload(), Pack(recs)) {
			t.Fatalf("round %d: the batch's payload differs from Pack's", round)
		}
		got, err := UnpackInto(scratch, b.Payload())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(recs, got, cmpopts.IgnoreUnexported(rb.Record{}), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round %d (-packed +unpacked):\n%s", round, diff)
		}
		scratch = got[:0]
	}
	b.Reset()
	if got, err := Unpack(b.Payload()); err != nil || len(got) != 0 {
		t.Errorf("an empty batch: %v, %v", got, err)
	}
}
