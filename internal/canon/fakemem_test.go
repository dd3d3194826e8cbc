package canon

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"testing"
)

// fakeMem is a sparse address space made of separate regions; every access
// that is not wholly inside one region fails with EFAULT, like
// process_vm_readv on an unmapped page.
type fakeMem struct {
	regions []*region
	next    uint64
	// reads and writes count accesses, to check that some paths touch no
	// memory at all.
	reads, writes int
}

type region struct {
	base uint64
	b    []byte
}

var errLong = errors.New("fake: string too long")

func newMem() *fakeMem { return &fakeMem{next: 0x10000} }

// alloc maps a copy of data at a fresh address, with an unmapped gap after
// it, and returns the address.
func (m *fakeMem) alloc(data []byte) uint64 {
	addr := m.next
	m.regions = append(m.regions, &region{base: addr, b: append([]byte(nil), data...)})
	m.next = (addr + uint64(len(data)) + 0x1fff) &^ 0xfff
	return addr
}

func (m *fakeMem) zeros(n int) uint64      { return m.alloc(make([]byte, n)) }
func (m *fakeMem) str(s string) uint64     { return m.alloc(append([]byte(s), 0)) }
func (m *fakeMem) u32(v uint32) uint64     { return m.alloc(le32(v)) }
func (m *fakeMem) ptrs(p ...uint64) uint64 { return m.alloc(le64s(p...)) }

func (m *fakeMem) iovecs(iovs ...Iovec) uint64 {
	var b []byte
	for _, iov := range iovs {
		b = append(b, le64s(iov.Base, iov.Len)...)
	}
	return m.alloc(b)
}

func le32(v uint32) []byte {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return b[:]
}

func le64s(vs ...uint64) []byte {
	b := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

func (m *fakeMem) span(addr uint64, n int) ([]byte, bool) {
	for _, r := range m.regions {
		if addr >= r.base && addr-r.base <= uint64(len(r.b)) && uint64(n) <= uint64(len(r.b))-(addr-r.base) {
			off := addr - r.base
			return r.b[off : off+uint64(n)], true
		}
	}
	return nil, false
}

func (m *fakeMem) Read(addr uint64, buf []byte) error {
	m.reads++
	s, ok := m.span(addr, len(buf))
	if !ok {
		return fmt.Errorf("fake read %d bytes at %#x: %w", len(buf), addr, syscall.EFAULT)
	}
	copy(buf, s)
	return nil
}

func (m *fakeMem) ReadString(addr uint64, max int) (string, error) {
	m.reads++
	for _, r := range m.regions {
		if addr < r.base || addr-r.base > uint64(len(r.b)) {
			continue
		}
		rest := r.b[addr-r.base:]
		if len(rest) > max+1 {
			rest = rest[:max+1]
		}
		if i := bytes.IndexByte(rest, 0); i >= 0 {
			return string(rest[:i]), nil
		}
		if len(rest) == max+1 {
			return "", errLong
		}
		break
	}
	return "", fmt.Errorf("fake string at %#x: %w", addr, syscall.EFAULT)
}

func (m *fakeMem) Write(addr uint64, data []byte) error {
	m.writes++
	s, ok := m.span(addr, len(data))
	if !ok {
		return fmt.Errorf("fake write %d bytes at %#x: %w", len(data), addr, syscall.EFAULT)
	}
	copy(s, data)
	return nil
}

// bytesAt returns a copy of n mapped bytes at addr.
func (m *fakeMem) bytesAt(t *testing.T, addr uint64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if err := m.Read(addr, b); err != nil {
		t.Fatalf("bytesAt: %v", err)
	}
	return b
}

func TestFakeMem(t *testing.T) {
	m := newMem()
	a := m.alloc([]byte("abc"))
	b := make([]byte, 3)
	if err := m.Read(a, b); err != nil || string(b) != "abc" {
		t.Fatalf("Read = %q, %v", b, err)
	}
	if err := m.Read(a+1, make([]byte, 3)); !errors.Is(err, syscall.EFAULT) {
		t.Fatalf("read past the end: %v, want EFAULT", err)
	}
	if err := m.Read(a+3, nil); err != nil {
		t.Fatalf("empty read at the end: %v", err)
	}
	if _, err := m.ReadString(a, 10); !errors.Is(err, syscall.EFAULT) {
		t.Fatalf("unterminated string at region end: %v, want EFAULT", err)
	}
	s := m.str("hello")
	if got, err := m.ReadString(s, 5); err != nil || got != "hello" {
		t.Fatalf("ReadString(max=len) = %q, %v", got, err)
	}
	if _, err := m.ReadString(s, 4); !errors.Is(err, errLong) {
		t.Fatalf("ReadString(max<len) = %v, want errLong", err)
	}
	if err := m.Write(a+2, []byte("xy")); !errors.Is(err, syscall.EFAULT) {
		t.Fatalf("write past the end: %v", err)
	}
}
