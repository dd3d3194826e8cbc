package canon

import "math/bits"

// The canonical form of a call is the generic Linux ABI's
// (include/uapi/asm-generic, kernel defaults where an architecture may
// choose): generic call names, argument order, flag encodings and struct
// layouts. Where the two differ, the generic choice is the one a new
// architecture gets, which is sometimes amd64's and sometimes arm64's:
//
//   - names and calls: the generic table (openat, not open; newfstatat, not
//     stat; ppoll, not poll); amd64's extra calls map onto generic ones.
//   - clone's argument order: the kernel's default (flags, stack,
//     parent_tid, child_tid, tls), which amd64 uses; arm64 selects
//     CONFIG_CLONE_BACKWARDS (tls before child_tid).
//   - O_* bits: asm-generic/fcntl.h, which amd64 uses; arm64 numbers
//     O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE its own way.
//   - struct stat: asm-generic/stat.h (arm64's, 128 bytes); amd64 has its
//     own 144-byte layout. struct epoll_event: unpacked (16 bytes), as
//     everywhere but amd64, which packs it into 12.
//
// Rows describe the difference as data: CanonArgs (which argument or
// constant goes where), Arg.Conv (a value's encoding), Arg.Layout (a
// struct's bytes) and Row.RetConv (the result's encoding). Decode and
// Capture still read the ABI's own memory; the translation is applied by
// View (what Mismatch and Digest compare) and by OutsToGeneric and
// OutsFromGeneric (what replication carries between ABIs).

// Conv translates a value between an ABI's encoding and the generic one.
// Both functions must be total; FromGeneric(ToGeneric(v)) == v for every
// value the kernel accepts.
type Conv struct {
	Name        string
	ToGeneric   func(uint64) uint64
	FromGeneric func(uint64) uint64
}

// BitConv is a Conv that moves single bits: pairs holds {abi, generic} bit
// values (each one bit); the bits it does not name keep their place. The
// pairs must form a permutation of the bits they name, which makes the
// conversion its own exact inverse on every 64-bit value.
func BitConv(name string, pairs ...[2]uint64) *Conv {
	var abiMask, genMask uint64
	type move struct{ from, to uint8 }
	var to, from []move
	for _, p := range pairs {
		if bits.OnesCount64(p[0]) != 1 || bits.OnesCount64(p[1]) != 1 {
			panic("canon.BitConv " + name + ": a pair that is not two single bits")
		}
		abiMask |= p[0]
		genMask |= p[1]
		a, g := uint8(bits.TrailingZeros64(p[0])), uint8(bits.TrailingZeros64(p[1]))
		to = append(to, move{a, g})
		from = append(from, move{g, a})
	}
	if abiMask != genMask || bits.OnesCount64(abiMask) != len(pairs) {
		panic("canon.BitConv " + name + ": the pairs are not a permutation of their bits")
	}
	apply := func(moves []move) func(uint64) uint64 {
		return func(v uint64) uint64 {
			out := v &^ abiMask
			for _, m := range moves {
				out |= (v >> m.from & 1) << m.to
			}
			return out
		}
	}
	return &Conv{Name: name, ToGeneric: apply(to), FromGeneric: apply(from)}
}

// Layout translates one struct, or one array element, between an ABI's
// layout and the generic one. The functions write all of dst (zeroed
// first by the caller) from all of src; padding stays zero.
type Layout struct {
	Name        string
	ABISize     int
	GenericSize int
	ToGeneric   func(dst, src []byte)
	FromGeneric func(dst, src []byte)
}

// FromConst marks a CanonArg that is a constant rather than an argument.
const FromConst = -1

// CanonArg is one argument of the generic call that a row maps onto.
type CanonArg struct {
	// From is the index of the row's argument that supplies this one, or
	// FromConst.
	From int8
	// Const is the value of a constant argument; for a pointer kind 0
	// (NULL) or 1 (some non-NULL pointer, not compared by content).
	Const uint64
	// Kind is the generic argument's kind. For an argument taken From
	// the row, None means the row argument's own kind (and size).
	Kind Kind
	// Size is the generic struct or element size of a Kind given here.
	Size int
	// Map, if set, turns the row argument's canonical value into the
	// generic one (poll's timeout in ms into ppoll's timespec); MapName
	// says what it does, for docs.
	Map     func(Value) Value
	MapName string
}

// Same is the CanonArg that takes row argument i as it is (after its own
// Conv and Layout).
func Same(i int) CanonArg { return CanonArg{From: int8(i)} }

// Const is a constant generic argument of kind k.
func Const(k Kind, v uint64) CanonArg { return CanonArg{From: FromConst, Kind: k, Const: v} }

// ConstNull is a NULL pointer of kind k whose target would be size bytes.
func ConstNull(k Kind, size int) CanonArg { return CanonArg{From: FromConst, Kind: k, Size: size} }

// AtFDCWD is AT_FDCWD as it arrives in a register: -100, sign-extended, as
// glibc passes it on every 64-bit ABI.
const AtFDCWD = ^uint64(99)

// FDCWD is the generic dirfd argument that an ABI's path call implies.
var FDCWD = Const(FD, AtFDCWD)

// CanonName is the name of the generic call that the row's call is: Canon
// when the row maps onto one, else Name.
func (r *Row) CanonName() string {
	if r.Canon != "" {
		return r.Canon
	}
	return r.Name
}

// Generic reports whether the row's canonical form is its own: the
// generic name, arguments and encodings, with nothing to translate.
func (r *Row) Generic() bool {
	if r.Canon != "" || r.CanonArgs != nil || r.RetConv != nil {
		return false
	}
	for _, a := range r.Args {
		if a.Conv != nil || a.Layout != nil {
			return false
		}
	}
	return true
}

// View is a call in canonical form: its generic name, and its generic
// arguments in the generic order and encodings. It is what Mismatch and
// Digest compare, so that an amd64 open("/x", O_RDONLY) and an arm64
// openat(AT_FDCWD, "/x", O_RDONLY) agree.
type View struct {
	// Name is the generic call's name; Own is the variant's own.
	Name, Own string
	// N is the number of generic arguments; Args their kinds, generic
	// sizes and lengths (Len indexes the generic arguments; Conv and
	// Layout are nil).
	N    int
	Args [6]Arg
	Vals [6]Value
	// Raw holds the register value of each generic argument in the
	// generic encoding (a constant's value for a constant; for an
	// argument a Map made, the register it was made from), for a reader
	// that needs a value the canonical form keeps as NULL/non-NULL: a
	// handler reads clone's child_tid pointer as Raw[3] on every ABI.
	Raw   [6]uint64
	Extra []byte
}

// View returns the call's canonical form. For a row whose canonical form is
// its own (Row.Generic), it copies the call's values and allocates nothing.
// A translated struct is copied; its input, when its length is not what the
// layout expects (a handler replaced it, or it was hashed), is kept as is.
func (c *Call) View() View {
	var v View
	c.fill(&v)
	return v
}

// form is what Mismatch and Digest read of a canonical form: slices of the
// call itself for a call in its own form, of a View otherwise.
type form struct {
	name, own string
	args      []Arg
	vals      []Value
	extra     []byte
}

// ownForm is the canonical form of a call in its own form (Row.Generic).
func (c *Call) ownForm() form {
	n := min(len(c.Row.Args), 6)
	return form{c.Row.Name, c.Row.Name, c.Row.Args[:n], c.Vals[:n], c.Extra}
}

// form returns c's canonical form; buf holds it when c is not in its own.
func (c *Call) form(buf *View) form {
	if c.Row.Generic() {
		return c.ownForm()
	}
	c.fill(buf)
	return buf.form()
}

func (v *View) form() form {
	return form{v.Name, v.Own, v.Args[:v.N], v.Vals[:v.N], v.Extra}
}

// fill writes c's canonical form into v.
func (c *Call) fill(v *View) {
	row := c.Row
	*v = View{Name: row.CanonName(), Own: row.Name, Extra: c.Extra}
	if row.CanonArgs == nil {
		v.N = min(len(row.Args), 6)
		for i := range v.N {
			a := row.Args[i]
			v.Args[i] = genericArg(a)
			v.Vals[i], v.Raw[i] = toGeneric(a, c.Vals[i], c.Raw[i])
		}
		return
	}
	v.N = min(len(row.CanonArgs), 6)
	for g := range v.N {
		ca := row.CanonArgs[g]
		if ca.From < 0 || int(ca.From) >= len(row.Args) || ca.From >= 6 {
			v.Args[g] = Arg{Kind: ca.Kind, Len: -1, Size: ca.Size}
			v.Raw[g] = ca.Const
			v.Vals[g] = Value{V: ca.Const}
			if ca.Kind != None && !isValueKind(ca.Kind) {
				v.Vals[g].V = isNull(ca.Const)
			}
			continue
		}
		a := row.Args[ca.From]
		ga := genericArg(a)
		if ca.Kind != None {
			ga.Kind, ga.Size = ca.Kind, ca.Size
		}
		ga.Len = canonIndex(row, ga.Len)
		v.Args[g] = ga
		v.Vals[g], v.Raw[g] = toGeneric(a, c.Vals[ca.From], c.Raw[ca.From])
		if ca.Map != nil {
			v.Vals[g] = ca.Map(v.Vals[g])
		}
	}
}

// canonIndex is the generic position of row argument i, or -1.
func canonIndex(row *Row, i int8) int8 {
	if i < 0 {
		return -1
	}
	if row.CanonArgs == nil {
		return i
	}
	for g, ca := range row.CanonArgs {
		if ca.From == i && ca.Map == nil {
			return int8(g)
		}
	}
	return -1
}

func isValueKind(k Kind) bool {
	switch k {
	case Int, Flags, FD, PID, Ignore, None:
		return true
	}
	return false
}

// genericArg is a's description in the generic ABI.
func genericArg(a Arg) Arg {
	g := Arg{Kind: a.Kind, Len: a.Len, Size: a.Size}
	if a.Layout != nil {
		g.Size = a.Layout.GenericSize
	}
	return g
}

// toGeneric translates one decoded argument and its register.
func toGeneric(a Arg, v Value, raw uint64) (Value, uint64) {
	if a.Conv != nil && isValueKind(a.Kind) {
		v.V = a.Conv.ToGeneric(v.V)
		raw = a.Conv.ToGeneric(raw)
	}
	if a.Layout != nil && v.Data != nil {
		if d, ok := relayout(a.Layout, a.Kind, v.Data, true); ok {
			v.Data = d
		}
	}
	return v, raw
}

// relayout translates data, one struct or an array of them, from the ABI's
// layout to the generic one (toGen) or back. It fails when data's length
// does not fit the layout.
func relayout(l *Layout, k Kind, data []byte, toGen bool) ([]byte, bool) {
	from, to, f := l.ABISize, l.GenericSize, l.ToGeneric
	if !toGen {
		from, to, f = to, from, l.FromGeneric
	}
	if from <= 0 || to <= 0 {
		return nil, false
	}
	n := 1
	switch k {
	case InArray, OutArray, InOutArray:
		if len(data)%from != 0 {
			return nil, false
		}
		n = len(data) / from
	default:
		if len(data) != from {
			return nil, false
		}
	}
	out := make([]byte, n*to)
	for i := range n {
		f(out[i*to:(i+1)*to], data[i*from:(i+1)*from])
	}
	return out, true
}
