package amd64

import (
	"bytes"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"dmvx/internal/canon"
)

// fuzzMem is a variant's memory as the fuzzer makes it: one region at
// base, EFAULT everywhere else.
type fuzzMem struct {
	base uint64
	b    []byte
}

func (m *fuzzMem) at(addr uint64, n int) ([]byte, error) {
	if addr < m.base || addr-m.base > uint64(len(m.b)) || uint64(n) > uint64(len(m.b))-(addr-m.base) {
		return nil, syscall.EFAULT
	}
	return m.b[addr-m.base : addr-m.base+uint64(n)], nil
}

func (m *fuzzMem) Read(addr uint64, buf []byte) error {
	b, err := m.at(addr, len(buf))
	if err == nil {
		copy(buf, b)
	}
	return err
}

func (m *fuzzMem) ReadString(addr uint64, max int) (string, error) {
	if _, err := m.at(addr, 0); err != nil {
		return "", err
	}
	rest := m.b[addr-m.base:]
	if i := bytes.IndexByte(rest, 0); i >= 0 && i <= max {
		return string(rest[:i]), nil
	}
	if len(rest) > max {
		return "", errors.New("string too long")
	}
	return "", syscall.EFAULT // runs off the region
}

func (m *fuzzMem) Write(addr uint64, data []byte) error {
	b, err := m.at(addr, len(data))
	if err == nil {
		copy(b, data)
	}
	return err
}

const fuzzBase = 0x10000

// FuzzDecode feeds the canonical decoder what a compromised variant
// controls: a call number, its six registers (each either a plain value
// or an address inside the variant's memory), that memory, and, for the
// leader's outputs, a result. Nothing may panic, hang, or make the
// monitor hold more than its limits allow; what decodes must print, digest,
// capture and apply.
func FuzzDecode(f *testing.F) {
	f.Add(uint16(257), make([]byte, 48), []byte("/etc/passwd\x00"), int64(3))
	f.Add(uint16(1), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64}, bytes.Repeat([]byte{'x'}, 64), int64(64))
	f.Add(uint16(20), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, make([]byte, 64), int64(8))   // writev
	f.Add(uint16(59), make([]byte, 48), []byte("/bin/sh\x00\x00\x00\x00\x00\x00\x00\x00\x00"), int64(0))       // execve
	f.Add(uint16(44), []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}, make([]byte, 32), int64(16)) // sendto
	f.Add(uint16(16), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54, 0, 0}, make([]byte, 64), int64(0))            // ioctl
	f.Fuzz(func(t *testing.T, nr uint16, regs, memory []byte, ret int64) {
		var raw [6]uint64
		for i := range raw {
			var w [8]byte
			if 8*i < len(regs) {
				copy(w[:], regs[8*i:])
			}
			v := binary.LittleEndian.Uint64(w[:])
			// An odd first byte makes a pointer into the memory;
			// otherwise the value as it is (a length, a flag, a
			// pointer to nowhere).
			if v&1 == 1 {
				v = fuzzBase + (v>>1)%uint64(len(memory)+1)
			} else {
				v >>= 1
			}
			raw[i] = v
		}
		row, err := Lookup(uint64(nr), raw)
		if err != nil {
			return
		}
		mem := &fuzzMem{base: fuzzBase, b: memory}
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
		_ = canon.Digest(c)
		outs, err := canon.Capture(c, ret, mem)
		if err != nil {
			return
		}
		if n := canon.OutBytes(outs); n > canon.MaxInput {
			t.Fatalf("%s: %d bytes of output captured", row.Name, n)
		}
		_ = canon.ResultDigest(ret, outs)
		follower := &fuzzMem{base: fuzzBase, b: make([]byte, len(memory))}
		_ = canon.Apply(c, outs, follower)
	})
}
