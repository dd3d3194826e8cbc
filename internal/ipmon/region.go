package ipmon

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"dmvx/internal/rb"

	"golang.org/x/sys/unix"
)

// RegionSize is the address space one process image's region takes in a
// variant: descriptor map, control pages, dead page, buffers.
const RegionSize = CtlSpan + Slots*RBSpan

// Region is one process image's IP-MON memory as CP-MON sees it: the
// replication buffers, which CP-MON maps too (to add its own records and
// read counters), and where the whole region lies in each variant.
type Region struct {
	memfd *os.File
	mem   []byte
	n     int
	// Bases are the region's address in each variant.
	Bases []uint64
	bufs  [Slots]*rb.Buffer
	used  [Slots]bool
}

// NewRegion makes the shared buffers of a process image run by n variants
// (one leader, n-1 followers).
func NewRegion(n int) (*Region, error) {
	if n < 2 || n > rb.MaxFollowers+1 {
		return nil, fmt.Errorf("ipmon: %d variants (2..%d)", n, rb.MaxFollowers+1)
	}
	fd, err := unix.MemfdCreate("dmvx-rb", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("ipmon: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "dmvx-rb")
	size := Slots * RBSpan
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("ipmon: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ipmon: mmap: %w", err)
	}
	r := &Region{memfd: f, mem: mem, n: n, Bases: make([]uint64, n)}
	for v := range r.Bases {
		r.Bases[v] = RandomBase(RegionSize)
	}
	return r, nil
}

// Path is the name through which a variant opens the buffers' memory.
func (r *Region) Path() string { return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), r.memfd.Fd()) }

// Close releases CP-MON's side; the variants keep their mappings.
func (r *Region) Close() {
	if r.mem != nil {
		_ = unix.Munmap(r.mem)
		r.mem = nil
	}
	r.memfd.Close()
	for i := range r.bufs {
		r.bufs[i] = nil
	}
}

// Alloc takes a free thread slot and lays out its buffer afresh.
func (r *Region) Alloc() (int, bool) {
	for s := range r.used {
		if r.used[s] {
			continue
		}
		b, err := rb.Init(r.mem[s*RBSpan:s*RBSpan+rbLen], r.n-1)
		if err != nil {
			return 0, false
		}
		r.used[s], r.bufs[s] = true, b
		return s, true
	}
	return 0, false
}

// Free returns a slot whose thread is gone in every variant.
func (r *Region) Free(s int) {
	if s >= 0 && s < Slots {
		r.used[s] = false
	}
}

// Buffer is slot s's buffer, or nil.
func (r *Region) Buffer(s int) *rb.Buffer {
	if s < 0 || s >= Slots || !r.used[s] {
		return nil
	}
	return r.bufs[s]
}

// Counters adds up what the live buffers counted.
func (r *Region) Counters() (c rb.Counters) {
	for s, b := range r.bufs {
		if b != nil && r.used[s] {
			c.Add(b.Counters())
		}
	}
	return c
}

// FDMapAddr, CtlAddr, DeadAddr and RBAddr locate the region's parts in
// variant v.
func (r *Region) FDMapAddr(v int) uint64   { return r.Bases[v] }
func (r *Region) CtlAddr(v, s int) uint64  { return r.Bases[v] + Page*uint64(1+s) }
func (r *Region) DeadAddr(v int) uint64    { return r.Bases[v] + Page*uint64(1+Slots) }
func (r *Region) RBAddr(v, s int) uint64   { return r.Bases[v] + CtlSpan + RBSpan*uint64(s) }
func (r *Region) BuffersAddr(v int) uint64 { return r.Bases[v] + CtlSpan }

// CtlSpec is what a control page says.
type CtlSpec struct {
	Variant, Slot int
	Gate          uint64
	Spin          uint32
	Key           uint64
	Sockets       uint32
	Allowed       []uint32
}

// Ctl encodes the control page of slot c.Slot in variant c.Variant.
func (r *Region) Ctl(c CtlSpec) []byte {
	b := make([]byte, ctlSize)
	le := binary.LittleEndian
	ctl := r.CtlAddr(c.Variant, c.Slot)
	le.PutUint64(b[ctlMagic:], CtlMagic)
	le.PutUint64(b[ctlGate:], c.Gate)
	le.PutUint32(b[ctlActive:], 1)
	if c.Variant > 0 {
		le.PutUint32(b[ctlRole:], 1)
		le.PutUint32(b[ctlFollower:], uint32(c.Variant-1))
	}
	le.PutUint32(b[ctlSpin:], c.Spin)
	le.PutUint32(b[ctlVariant:], uint32(c.Variant))
	le.PutUint64(b[ctlFDMapRel:], r.FDMapAddr(c.Variant)-ctl)
	le.PutUint64(b[ctlRBRel:], r.RBAddr(c.Variant, c.Slot)-ctl)
	le.PutUint64(b[ctlRBAddr:], r.RBAddr(c.Variant, c.Slot))
	le.PutUint64(b[ctlKey:], c.Key)
	le.PutUint32(b[ctlSockets:], c.Sockets)
	for _, nr := range c.Allowed {
		if nr < MaxNr {
			b[ctlAllowed+nr/8] |= 1 << (nr % 8)
		}
	}
	return b
}

// RandomBase picks a random page-aligned address for size bytes, far from
// where the kernel puts the program, its libraries and stacks.
func RandomBase(size uint64) uint64 {
	const lo, hi = 0x100000000000, 0x600000000000
	var b [8]byte
	_, _ = rand.Read(b[:])
	span := (hi - lo - size) / Page
	return lo + (binary.LittleEndian.Uint64(b[:])%span)*Page
}

// RandomKey is a run's digest key.
func RandomKey() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// ErrNoSlot: every thread slot of the region is taken.
var ErrNoSlot = errors.New("ipmon: no free thread slot")
