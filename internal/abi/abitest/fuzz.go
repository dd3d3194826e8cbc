package abitest

import (
	"encoding/binary"
	"errors"
	"testing"

	"dmvx/internal/canon"
)

// FuzzBase is where a fuzzed variant's memory is mapped.
const FuzzBase = 0x10000

// Decode is the body of an ABI's decoder fuzz target. It feeds the
// canonical decoder what a compromised variant controls: a call number, its
// six registers (each either a plain value or an address inside the
// variant's memory), that memory, and, for the leader's outputs, a result.
// Nothing may panic, hang, or make the monitor hold more than its limits
// allow; what decodes must print, digest, translate into the generic form,
// capture, and apply in another variant, its outputs carried through the
// generic form.
func Decode(t *testing.T, lookup func(uint64, [6]uint64) (*canon.Row, error), nr uint16, regs, memory []byte, ret int64) {
	var raw [6]uint64
	for i := range raw {
		var w [8]byte
		if 8*i < len(regs) {
			copy(w[:], regs[8*i:])
		}
		v := binary.LittleEndian.Uint64(w[:])
		// An odd first byte makes a pointer into the memory; otherwise
		// the value as it is (a length, a flag, a pointer to nowhere).
		if v&1 == 1 {
			v = FuzzBase + (v>>1)%uint64(len(memory)+1)
		} else {
			v >>= 1
		}
		raw[i] = v
	}
	row, err := lookup(uint64(nr), raw)
	if err != nil {
		return
	}
	mem := NewMem(FuzzBase)
	mem.Map(FuzzBase, memory)
	c, err := canon.Decode(row, uint64(nr), raw, mem)
	if err != nil {
		if !errors.Is(err, canon.ErrTooLarge) {
			t.Fatalf("%s: %v", row.Name, err)
		}
		return
	}
	held := len(c.Extra)
	for _, v := range c.Vals {
		held += len(v.Data)
	}
	if held > canon.MaxInput+canon.MaxString {
		t.Fatalf("%s: the decoded call holds %d bytes", row.Name, held)
	}
	_ = c.String()
	v := c.View()
	_ = v.String()
	if canon.DigestView(&v) != canon.Digest(c) || canon.Mismatch(c, c) != "" {
		t.Fatalf("%s: a call differs from itself", row.Name)
	}
	outs, err := canon.Capture(c, ret, mem)
	if err != nil {
		return
	}
	if n := canon.OutBytes(outs); n > canon.MaxInput {
		t.Fatalf("%s: %d bytes of output captured", row.Name, n)
	}
	_ = canon.ResultDigest(ret, outs)
	gret, gen, err := canon.ResultToGeneric(row, ret, outs)
	if err != nil {
		t.Fatalf("%s: outputs captured from it have no generic form: %v", row.Name, err)
	}
	_, back, err := canon.ResultFromGeneric(row, gret, gen)
	if err != nil {
		t.Fatalf("%s: its own generic outputs do not fit it: %v", row.Name, err)
	}
	follower := NewMem(FuzzBase)
	follower.Map(FuzzBase, make([]byte, len(memory)))
	_ = canon.Apply(c, back, follower)
}
