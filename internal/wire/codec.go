package wire

import (
	"encoding/binary"
	"fmt"
)

// Enc builds a payload: big-endian integers, and byte strings and lists
// with a uint32 count in front.
type Enc struct{ b []byte }

func (e *Enc) U8(v uint8)   { e.b = append(e.b, v) }
func (e *Enc) U32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *Enc) U64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *Enc) I64(v int64)  { e.U64(uint64(v)) }

// Bytes appends a length-prefixed byte string.
func (e *Enc) Bytes(v []byte) {
	e.U32(uint32(len(v)))
	e.b = append(e.b, v...)
}

func (e *Enc) String(v string) { e.Bytes([]byte(v)) }

// Strings appends a counted list of strings.
func (e *Enc) Strings(v []string) {
	e.U32(uint32(len(v)))
	for _, s := range v {
		e.String(s)
	}
}

// Payload is what was built.
func (e *Enc) Payload() []byte { return e.b }

// Len is how many bytes were built.
func (e *Enc) Len() int { return len(e.b) }

// Reset empties e and keeps its memory: an encoder built again for every
// frame allocates nothing once it has grown.
func (e *Enc) Reset() { e.b = e.b[:0] }

// PutU32At overwrites the uint32 at off, which was built before: a count
// known only at the end.
func (e *Enc) PutU32At(off int, v uint32) { binary.BigEndian.PutUint32(e.b[off:], v) }

// Dec reads a payload built by Enc. The first field that does not fit sets
// Err (wrapping ErrMalformed) and every later read returns zero, so a
// decoder reads all its fields and checks Err once at the end.
type Dec struct {
	b    []byte
	what string // the payload's name, for errors
	Err  error
}

// NewDec reads payload p of a frame named what.
func NewDec(p []byte, what string) *Dec { return &Dec{b: p, what: what} }

func (d *Dec) take(n uint64, field string) []byte {
	if d.Err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.Err = fmt.Errorf("%w: %s: %s needs %d bytes, %d left", ErrMalformed, d.what, field, n, len(d.b))
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *Dec) U8(field string) uint8 {
	if v := d.take(1, field); v != nil {
		return v[0]
	}
	return 0
}

func (d *Dec) U32(field string) uint32 {
	if v := d.take(4, field); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *Dec) U64(field string) uint64 {
	if v := d.take(8, field); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *Dec) I64(field string) int64 { return int64(d.U64(field)) }

// Bytes reads a length-prefixed byte string (a copy).
func (d *Dec) Bytes(field string) []byte {
	n := d.U32(field)
	v := d.take(uint64(n), field)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// View reads a length-prefixed byte string without copying it: the
// result shares the payload's memory, for a caller that owns the payload
// and keeps it (a batch of records).
func (d *Dec) View(field string) []byte {
	n := d.U32(field)
	return d.take(uint64(n), field)
}

func (d *Dec) String(field string) string { return string(d.Bytes(field)) }

// Strings reads a counted list of strings. Each takes at least its 4-byte
// count, which bounds the list by the bytes left before anything is
// allocated.
func (d *Dec) Strings(field string) []string {
	n := d.U32(field)
	if d.Err == nil && uint64(n)*4 > uint64(len(d.b)) {
		d.Err = fmt.Errorf("%w: %s: %s claims %d strings in %d bytes", ErrMalformed, d.what, field, n, len(d.b))
	}
	if d.Err != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := uint32(0); i < n && d.Err == nil; i++ {
		out = append(out, d.String(field))
	}
	return out
}

// Done checks that the whole payload was read, and returns Err.
func (d *Dec) Done() error {
	if d.Err == nil && len(d.b) != 0 {
		d.Err = fmt.Errorf("%w: %s: %d bytes left over", ErrMalformed, d.what, len(d.b))
	}
	return d.Err
}
