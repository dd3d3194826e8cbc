package ship

import (
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
