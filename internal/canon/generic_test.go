package canon

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// Rows of a pretend ABI "x" whose open flags number two bits the other way
// round, whose struct pair{u32 a; u64 b} is packed (12 bytes, generic 16),
// and which has open(path, flags, mode) for openat.
var (
	xFlags = BitConv("x flags", [2]uint64{0x1000, 0x2000}, [2]uint64{0x2000, 0x1000})
	pair   = &Layout{Name: "pair", ABISize: 12, GenericSize: 16,
		ToGeneric:   func(g, a []byte) { copy(g[0:4], a[0:4]); copy(g[8:16], a[4:12]) },
		FromGeneric: func(a, g []byte) { copy(a[0:4], g[0:4]); copy(a[4:12], g[8:16]) },
	}
	genOpenat = &Row{Name: "openat", Args: A(FDA, StrA, FlagsA, IntA)}
	xOpenat   = &Row{Name: "openat", Args: A(FDA, StrA, Arg{Kind: Flags, Len: -1, Conv: xFlags}, IntA)}
	xOpen     = &Row{Name: "open", Canon: "openat", Args: A(StrA, FlagsA, IntA),
		CanonArgs: []CanonArg{FDCWD, Same(0), Same(1), Same(2)}}
	genGet = &Row{Name: "get", Args: A(FDA, OutArrayA(2, 16), IntA, InStructA(16))}
	xGet   = &Row{Name: "get", Args: A(FDA, Arg{Kind: OutArray, Len: 2, Size: 12, Layout: pair}, IntA,
		Arg{Kind: InStruct, Len: -1, Size: 12, Layout: pair})}
	// xGet2 is get(count, fd, events): its generic form reorders.
	xGet2 = &Row{Name: "get2", Canon: "get", Args: A(IntA, FDA, Arg{Kind: OutArray, Len: 0, Size: 12, Layout: pair}),
		CanonArgs: []CanonArg{Same(1), Same(2), Same(0), ConstNull(InStruct, 16)}}
	xGetF = &Row{Name: "fcntl", Args: A(FDA, IntA), RetConv: xFlags}
)

func TestBitConv(t *testing.T) {
	if got := xFlags.ToGeneric(0x1001); got != 0x2001 {
		t.Errorf("ToGeneric(0x1001) = %#x", got)
	}
	if got := xFlags.FromGeneric(0x3000); got != 0x3000 {
		t.Errorf("FromGeneric(both) = %#x", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 10000 {
		v := r.Uint64()
		if i < 64 {
			v = 1 << i
		}
		if xFlags.FromGeneric(xFlags.ToGeneric(v)) != v || xFlags.ToGeneric(xFlags.FromGeneric(v)) != v {
			t.Fatalf("%#x does not round-trip", v)
		}
	}
	for _, bad := range [][][2]uint64{
		{{0x1000, 0x2000}},                   // not a permutation
		{{0x3000, 0x3000}},                   // not single bits
		{{0x1000, 0x2000}, {0x1000, 0x2000}}, // a bit twice
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("BitConv(%#x) did not panic", bad)
				}
			}()
			BitConv("bad", bad...)
		}()
	}
}

func str(s string) Value { return Value{V: 1, Data: []byte(s)} }
func val(x uint64) Value { return Value{V: x} }

func TestViewOwnForm(t *testing.T) {
	c := call(genOpenat, val(AtFDCWD), str("/a"), val(0x1000), val(0))
	c.Raw = [6]uint64{AtFDCWD, 0x5000, 0x1000, 0}
	c.Extra = []byte("e")
	v := c.View()
	if v.Name != "openat" || v.Own != "openat" || v.N != 4 || v.Raw != c.Raw || string(v.Extra) != "e" {
		t.Fatalf("View = %+v", v)
	}
	for i := range v.Vals {
		if v.Vals[i].V != c.Vals[i].V || !bytes.Equal(v.Vals[i].Data, c.Vals[i].Data) {
			t.Errorf("value %d: %+v, want %+v", i, v.Vals[i], c.Vals[i])
		}
	}
	for i, a := range genOpenat.Args {
		if v.Args[i] != a {
			t.Errorf("arg %d: %+v, want %+v", i, v.Args[i], a)
		}
	}
	if !genOpenat.Generic() || xOpenat.Generic() || xOpen.Generic() || xGet.Generic() || xGetF.Generic() {
		t.Errorf("Generic() wrong")
	}
	if got := v.String(); got != `openat(AT_FDCWD, "/a", 0x1000, 0) {"e"}` {
		t.Errorf("String = %s", got)
	}
}

func TestViewMapped(t *testing.T) {
	c := call(xOpen, str("/etc/x"), val(0x1002), val(0o644))
	c.Raw = [6]uint64{0x7000, 0x1002, 0o644}
	v := c.View()
	if v.Name != "openat" || v.Own != "open" || v.N != 4 {
		t.Fatalf("View = %+v", v)
	}
	if v.Args[0].Kind != FD || v.Vals[0].V != AtFDCWD || v.Raw[0] != AtFDCWD {
		t.Errorf("dirfd: %+v %+v %#x", v.Args[0], v.Vals[0], v.Raw[0])
	}
	if string(v.Vals[1].Data) != "/etc/x" || v.Vals[2].V != 0x1002 || v.Raw[2] != 0x1002 || v.Vals[3].V != 0o644 {
		t.Errorf("args: %+v", v.Vals)
	}
	if got := c.String(); got != `open("/etc/x", 0x1002, 420)` {
		t.Errorf("String shows %s, want the variant's own call", got)
	}
	if got := v.String(); got != `openat(AT_FDCWD, "/etc/x", 0x1002, 420)` {
		t.Errorf("View.String = %s", got)
	}
}

// An x open, an x openat (its flags numbered the x way) and a generic
// openat of the same file with the same flags are one canonical call.
func TestMismatchAcrossABIs(t *testing.T) {
	open := call(xOpen, str("/etc/x"), val(0x1002), val(0))
	xat := call(xOpenat, val(AtFDCWD), str("/etc/x"), val(0x2002), val(0))
	gen := call(genOpenat, val(AtFDCWD), str("/etc/x"), val(0x1002), val(0))
	for _, p := range [][2]*Call{{open, gen}, {xat, gen}, {open, xat}} {
		if m := Mismatch(p[0], p[1]); m != "" {
			t.Errorf("%s vs %s: %s", p[0], p[1], m)
		}
		if Digest(p[0]) != Digest(p[1]) {
			t.Errorf("%s vs %s: digests differ", p[0], p[1])
		}
	}
	for _, tc := range []struct {
		a, b *Call
		want string
	}{
		{open, call(genOpenat, val(AtFDCWD), str("/etc/y"), val(0x1002), val(0)), `argument 1 (str) content differs: "/etc/x" vs "/etc/y"`},
		{open, call(genOpenat, val(AtFDCWD), str("/etc/x"), val(0x2002), val(0)), "argument 2 (flags) differs: 0x1002 vs 0x2002"},
		{xat, call(genOpenat, val(AtFDCWD), str("/etc/x"), val(0x2002), val(0)), "argument 2 (flags) differs: 0x1002 vs 0x2002"},
		{open, call(genOpenat, val(3), str("/etc/x"), val(0x1002), val(0)), "argument 0 (fd) differs"},
		{open, call(genGet), "different calls: open (openat) vs get"},
		{call(xGet2), call(xOpen), "different calls: get2 (get) vs open (openat)"},
	} {
		m := Mismatch(tc.a, tc.b)
		if !strings.Contains(m, tc.want) {
			t.Errorf("Mismatch(%s, %s) = %q, want %q", tc.a, tc.b, m, tc.want)
		}
		if Mismatch(tc.b, tc.a) == "" || Digest(tc.a) == Digest(tc.b) {
			t.Errorf("%s vs %s: agree one way round, or by digest", tc.a, tc.b)
		}
	}
	// Kinds that differ at one place are a difference, whatever the values.
	odd := &Row{Name: "openat", Args: A(FDA, StrA, IntA, IntA)}
	if m := Mismatch(gen, call(odd, val(AtFDCWD), str("/etc/x"), val(0x1002), val(0))); !strings.Contains(m, "argument 2 of openat is a flags in one variant, a int in the other") {
		t.Errorf("kinds: %q", m)
	}
}

func TestViewLayouts(t *testing.T) {
	packed := []byte{1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	generic := []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	x := call(xGet, val(3), val(1), val(4), Value{V: 1, Data: packed})
	g := call(genGet, val(3), val(1), val(4), Value{V: 1, Data: generic})
	v := x.View()
	if !bytes.Equal(v.Vals[3].Data, generic) || v.Args[3].Size != 16 || v.Args[1].Size != 16 || v.Args[1].Len != 2 {
		t.Errorf("view: %+v", v)
	}
	if !bytes.Equal(x.Vals[3].Data, packed) {
		t.Errorf("View changed the call")
	}
	if m := Mismatch(x, g); m != "" || Digest(x) != Digest(g) {
		t.Errorf("packed vs generic: %q", m)
	}
	g.Vals[3].Data = []byte{1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}
	if m := Mismatch(x, g); !strings.Contains(m, "argument 3 (instruct) content differs") {
		t.Errorf("packed vs other: %q", m)
	}
	// Data a handler replaced (nil) or hashed (another length) stays.
	for _, d := range [][]byte{nil, []byte("a digest, not a struct")} {
		x.Vals[3].Data = d
		if v := x.View(); !bytes.Equal(v.Vals[3].Data, d) {
			t.Errorf("%q became %q", d, v.Vals[3].Data)
		}
	}
	// Reordered: get2(count, fd, events) is get(fd, events, count, NULL).
	r := call(xGet2, val(4), val(3), val(1))
	if m := Mismatch(r, call(genGet, val(3), val(1), val(4), val(0))); m != "" {
		t.Errorf("reordered: %s", m)
	}
	if v := r.View(); v.Args[1].Len != 2 || v.Args[3].Len != -1 || v.Args[3].Size != 16 {
		t.Errorf("reordered lengths: %+v", v.Args)
	}
}

func TestViewMap(t *testing.T) {
	row := &Row{Name: "sleep_ms", Canon: "sleep", Args: A(IntA),
		CanonArgs: []CanonArg{{From: 0, Kind: InStruct, Size: 8, MapName: "ms", Map: func(v Value) Value {
			if int32(v.V) < 0 {
				return Value{}
			}
			return Value{V: 1, Data: binary.LittleEndian.AppendUint64(nil, v.V*1000)}
		}}}}
	gen := &Row{Name: "sleep", Args: A(InStructA(8))}
	us := func(n uint64) Value { return Value{V: 1, Data: binary.LittleEndian.AppendUint64(nil, n)} }
	if m := Mismatch(call(row, val(5)), call(gen, us(5000))); m != "" {
		t.Errorf("5 ms: %s", m)
	}
	if m := Mismatch(call(row, val(^uint64(0))), call(gen, val(0))); m != "" {
		t.Errorf("-1 ms vs NULL: %s", m)
	}
	if m := Mismatch(call(row, val(5)), call(gen, us(5001))); m == "" {
		t.Errorf("5 ms vs 5001 us agree")
	}
}

func TestOutsToFromGeneric(t *testing.T) {
	packed := []byte{1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	generic := []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	twoPacked := append(bytes.Clone(packed), packed...)
	twoGeneric := append(bytes.Clone(generic), generic...)

	// Own-form rows: the same slice back, and no allocation.
	outs := []Out{{Arg: 1, Data: twoGeneric}}
	if g, err := OutsToGeneric(genGet, outs); err != nil || &g[0] != &outs[0] {
		t.Errorf("own form to generic: %v, %v", g, err)
	}
	if n := testing.AllocsPerRun(100, func() {
		_, _ = OutsToGeneric(genGet, outs)
		_, _ = OutsFromGeneric(genGet, outs)
	}); n != 0 {
		t.Errorf("own form: %v allocations", n)
	}

	g, err := OutsToGeneric(xGet, []Out{{Arg: 1, Data: twoPacked}})
	if err != nil || len(g) != 1 || g[0].Arg != 1 || !bytes.Equal(g[0].Data, twoGeneric) {
		t.Fatalf("x to generic: %+v, %v", g, err)
	}
	back, err := OutsFromGeneric(xGet, g)
	if err != nil || !bytes.Equal(back[0].Data, twoPacked) {
		t.Fatalf("generic to x: %+v, %v", back, err)
	}
	// Reordered: events are x argument 2, generic argument 1.
	g, err = OutsToGeneric(xGet2, []Out{{Arg: 2, Data: packed}})
	if err != nil || g[0].Arg != 1 || !bytes.Equal(g[0].Data, generic) {
		t.Fatalf("reordered to generic: %+v, %v", g, err)
	}
	back, err = OutsFromGeneric(xGet2, []Out{{Arg: 1, Data: generic}, {Arg: 3, Data: make([]byte, 16)}})
	if err != nil || len(back) != 1 || back[0].Arg != 2 || !bytes.Equal(back[0].Data, packed) {
		t.Fatalf("generic to reordered (the constant's output dropped): %+v, %v", back, err)
	}
	for _, tc := range []struct {
		name string
		f    func() ([]Out, error)
	}{
		{"to: odd length", func() ([]Out, error) { return OutsToGeneric(xGet, []Out{{Arg: 1, Data: packed[:5]}}) }},
		{"to: no such arg", func() ([]Out, error) { return OutsToGeneric(xGet, []Out{{Arg: 9}}) }},
		{"to: arg with no place", func() ([]Out, error) {
			return OutsToGeneric(&Row{Name: "r", Args: A(OutStructA(4)), CanonArgs: []CanonArg{Const(Int, 0)}}, []Out{{Arg: 0, Data: make([]byte, 4)}})
		}},
		{"from: odd length", func() ([]Out, error) { return OutsFromGeneric(xGet, []Out{{Arg: 1, Data: generic[:12]}}) }},
		{"from: generic arg out of range", func() ([]Out, error) { return OutsFromGeneric(xGet2, []Out{{Arg: 7}}) }},
		{"from: not an output", func() ([]Out, error) { return OutsFromGeneric(genGet, []Out{{Arg: 0, Data: []byte{1}}}) }},
		{"from: struct too large", func() ([]Out, error) {
			return OutsFromGeneric(&Row{Name: "r", Args: A(OutStructA(4))}, []Out{{Arg: 0, Data: make([]byte, 5)}})
		}},
		{"from: part of an element", func() ([]Out, error) { return OutsFromGeneric(genGet, []Out{{Arg: 1, Data: make([]byte, 17)}}) }},
	} {
		if got, err := tc.f(); err == nil {
			t.Errorf("%s: %+v, want an error", tc.name, got)
		}
	}
}

func TestRetConv(t *testing.T) {
	for _, tc := range []struct {
		row       *Row
		ret, want int64
	}{
		{xGetF, 0x1002, 0x2002},
		{xGetF, -22, -22},
		{genGet, 0x1002, 0x1002},
	} {
		if got := RetToGeneric(tc.row, tc.ret); got != tc.want {
			t.Errorf("RetToGeneric(%s, %#x) = %#x, want %#x", tc.row.Name, tc.ret, got, tc.want)
		}
		if got := RetFromGeneric(tc.row, tc.want); got != tc.ret {
			t.Errorf("RetFromGeneric(%s, %#x) = %#x, want %#x", tc.row.Name, tc.want, got, tc.ret)
		}
	}
}

// Decode runs for every call, and Mismatch and Digest for most: canonical
// forms must cost a call in its own form no allocation.
func TestOwnFormAllocations(t *testing.T) {
	m := newMem()
	raw := [6]uint64{AtFDCWD, m.str("/etc/passwd"), 0, 0}
	a, _ := Decode(genOpenat, 257, raw, m)
	b, _ := Decode(genOpenat, 257, raw, m)
	for _, tc := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"Decode", 3, func() { _, _ = Decode(genOpenat, 257, raw, m) }},
		{"View", 0, func() { _ = a.View() }},
		{"Mismatch", 0, func() { _ = Mismatch(a, b) }},
		{"Digest", 1, func() { _ = Digest(a) }},
	} {
		if n := testing.AllocsPerRun(200, tc.f); n > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, n, tc.max)
		}
	}
}

func BenchmarkMismatchOwnForm(b *testing.B) {
	x := call(genOpenat, val(AtFDCWD), str("/etc/passwd"), val(0), val(0))
	y := call(genOpenat, val(AtFDCWD), str("/etc/passwd"), val(0), val(0))
	for b.Loop() {
		_ = Mismatch(x, y)
	}
}

func BenchmarkMismatchTranslated(b *testing.B) {
	x := call(xOpen, str("/etc/passwd"), val(0x1000), val(0))
	y := call(xOpenat, val(AtFDCWD), str("/etc/passwd"), val(0x2000), val(0))
	for b.Loop() {
		_ = Mismatch(x, y)
	}
}
