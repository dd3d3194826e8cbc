// Package abitest holds what the tests of the ABI packages share: a
// variant's memory made of separate regions, the checks that every ABI's
// table must pass, and the body of their decoder fuzz targets. Only tests
// import it.
package abitest

import (
	"bytes"
	"errors"
	"syscall"
)

// Mem is a variant's address space made of regions; an access that is not
// wholly inside one region fails with EFAULT, as process_vm_readv does on
// an unmapped page.
type Mem struct {
	regions []region
	next    uint64
}

type region struct {
	base uint64
	b    []byte
}

// NewMem is an empty address space whose allocations start at base (the
// same layout in two memories is the same addresses; give two variants
// different bases to make them differ as ASLR does).
func NewMem(base uint64) *Mem { return &Mem{next: base} }

// Map maps b itself (not a copy) at base.
func (m *Mem) Map(base uint64, b []byte) { m.regions = append(m.regions, region{base, b}) }

// Alloc maps a copy of data at a fresh address, with an unmapped gap after
// it, and returns the address.
func (m *Mem) Alloc(data []byte) uint64 {
	addr := m.next
	m.Map(addr, bytes.Clone(data))
	m.next = (addr + uint64(len(data)) + 0x1fff) &^ 0xfff
	return addr
}

// Str maps a NUL-terminated string.
func (m *Mem) Str(s string) uint64 { return m.Alloc(append([]byte(s), 0)) }

// Zeros maps n zero bytes.
func (m *Mem) Zeros(n int) uint64 { return m.Alloc(make([]byte, n)) }

// span returns the mapped bytes [addr, addr+n).
func (m *Mem) span(addr uint64, n int) ([]byte, error) {
	for _, r := range m.regions {
		if addr >= r.base && addr-r.base <= uint64(len(r.b)) && uint64(n) <= uint64(len(r.b))-(addr-r.base) {
			off := addr - r.base
			return r.b[off : off+uint64(n)], nil
		}
	}
	return nil, syscall.EFAULT
}

// Bytes returns a copy of n mapped bytes at addr.
func (m *Mem) Bytes(addr uint64, n int) ([]byte, error) {
	b, err := m.span(addr, n)
	return bytes.Clone(b), err
}

func (m *Mem) Read(addr uint64, buf []byte) error {
	b, err := m.span(addr, len(buf))
	copy(buf, b)
	return err
}

func (m *Mem) ReadString(addr uint64, max int) (string, error) {
	rest, err := m.span(addr, 0)
	if err != nil {
		return "", err
	}
	for _, r := range m.regions {
		if addr >= r.base && addr-r.base <= uint64(len(r.b)) {
			rest = r.b[addr-r.base:]
			break
		}
	}
	if i := bytes.IndexByte(rest, 0); i >= 0 && i <= max {
		return string(rest[:i]), nil
	}
	if len(rest) > max {
		return "", errors.New("string too long")
	}
	return "", syscall.EFAULT // runs off the region
}

func (m *Mem) Write(addr uint64, data []byte) error {
	b, err := m.span(addr, len(data))
	copy(b, data)
	return err
}
