package ipmon

import (
	"crypto/rand"
	"encoding/binary"
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
		if !r.used[s] && r.AllocAt(s) {
			return s, true
		}
	}
	return 0, false
}

// AllocAt takes slot s, which must be free, and lays out its buffer
// afresh: a follower host's copy of a region takes the slots the leader
// host's region gave out.
func (r *Region) AllocAt(s int) bool {
	if s < 0 || s >= Slots || r.used[s] {
		return false
	}
	b, err := rb.Init(r.mem[s*RBSpan:s*RBSpan+rbLen], r.n-1)
	if err != nil {
		return false
	}
	r.used[s], r.bufs[s] = true, b
	return true
}

// NewRemoteRegion makes a follower host's copy of a region for variant v
// of the run: its buffers have one follower, the variant, and the region
// lies at base in it, where the leader host's CP-MON placed it.
func NewRemoteRegion(v int, base uint64) (*Region, error) {
	if v < 1 || v > rb.MaxFollowers || base%Page != 0 {
		return nil, fmt.Errorf("ipmon: variant %d at %#x", v, base)
	}
	r, err := NewRegion(2)
	if err != nil {
		return nil, err
	}
	bases := make([]uint64, v+1)
	bases[v] = base
	r.Bases = bases
	return r, nil
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

// DeadOffset is where a region's dead page lies in it.
const DeadOffset = Page * (1 + EpollPages + Slots)

// FDMapAddr, CtlAddr, DeadAddr and RBAddr locate the region's parts in
// variant v.
func (r *Region) FDMapAddr(v int) uint64   { return r.Bases[v] }
func (r *Region) EpollAddr(v int) uint64   { return r.Bases[v] + Page }
func (r *Region) CtlAddr(v, s int) uint64  { return r.Bases[v] + Page*uint64(1+EpollPages+s) }
func (r *Region) DeadAddr(v int) uint64    { return r.Bases[v] + DeadOffset }
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
	// CopyLocal ships the results of getcwd and uname instead of having
	// each variant make them: on one host a copy through shared memory
	// costs less than a kernel entry.
	CopyLocal bool
	// OpenWrite lets IP-MON open existing files for writing, without
	// truncating them (nonsocket-rw and up).
	OpenWrite bool
	// LeaderStat gives every variant the leader's fstat of a local file
	// (variants on several hosts: each host's copy has its own inode and
	// times).
	LeaderStat bool
	// Remote: the variant is on a follower host, where its buffers have
	// it as their only follower (NewRemoteRegion).
	Remote bool
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
		if c.Remote {
			le.PutUint32(b[ctlFollower:], 0)
		}
	}
	le.PutUint32(b[ctlSpin:], c.Spin)
	le.PutUint32(b[ctlVariant:], uint32(c.Variant))
	le.PutUint64(b[ctlFDMapRel:], r.FDMapAddr(c.Variant)-ctl)
	le.PutUint64(b[ctlRBRel:], r.RBAddr(c.Variant, c.Slot)-ctl)
	le.PutUint64(b[ctlRBAddr:], r.RBAddr(c.Variant, c.Slot))
	le.PutUint64(b[ctlKey:], c.Key)
	le.PutUint32(b[ctlSockets:], c.Sockets)
	le.PutUint64(b[ctlEpollRel:], r.EpollAddr(c.Variant)-ctl)
	if c.CopyLocal {
		le.PutUint32(b[ctlCopyLocal:], 1)
	}
	if c.OpenWrite {
		le.PutUint32(b[ctlOpenWrite:], 1)
	}
	if c.LeaderStat {
		le.PutUint32(b[ctlLeaderStat:], 1)
	}
	for _, nr := range c.Allowed {
		if nr < MaxNr {
			b[ctlAllowed+nr/8] |= 1 << (nr % 8)
		}
	}
	return b
}

// Span is a range of a variant's address space: Size bytes from Lo.
type Span struct{ Lo, Size uint64 }

// Avoid moves variant v's region, while it overlaps any of taken, to
// another random place: the region is mapped with MAP_FIXED_NOREPLACE
// next to what the variant has there already (its gate, or the region a
// forked child inherited), and an overlap would fail the mapping.
func (r *Region) Avoid(v int, taken ...Span) {
	for overlaps(r.Bases[v], taken) {
		r.Bases[v] = RandomBase(RegionSize)
	}
}

func overlaps(base uint64, taken []Span) bool {
	for _, s := range taken {
		if base < s.Lo+s.Size && s.Lo < base+RegionSize {
			return true
		}
	}
	return false
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

// EpollMap is CP-MON's copy of one follower's epoll map (ipmon/ipmon.h):
// the leader's epoll_event.data, per epoll descriptor, to the follower's
// data for the same descriptor. Set and Delete return the entries to write
// into the follower's page.
type EpollMap struct {
	state [EpollSlots]uint8
	epfd  [EpollSlots]uint32
	key   [EpollSlots]uint64
	n     int // used or deleted
}

// EpollEntry is one entry to write: its offset from the map's start and
// its 24 bytes.
type EpollEntry struct {
	Off  uint64
	Data [24]byte
}

const (
	epollUsed    = 1
	epollDeleted = 2
)

func epollHash(epfd uint32, key uint64) uint64 {
	h := (key ^ uint64(epfd)<<32) * 0x9e3779b97f4a7c15
	return h ^ h>>32
}

func (e *EpollMap) find(epfd uint32, key uint64) (int, bool) {
	h := epollHash(epfd, key) % EpollSlots
	free := -1
	for p := uint64(0); p < EpollSlots; p++ {
		i := int((h + p) % EpollSlots)
		switch e.state[i] {
		case 0:
			if free < 0 {
				free = i
			}
			return free, false
		case epollDeleted:
			if free < 0 {
				free = i
			}
		case epollUsed:
			if e.epfd[i] == epfd && e.key[i] == key {
				return i, true
			}
		}
	}
	return free, false
}

func (e *EpollMap) entry(i int, val uint64) EpollEntry {
	var en EpollEntry
	en.Off = uint64(i) * 24
	binary.LittleEndian.PutUint32(en.Data[0:], e.epfd[i])
	binary.LittleEndian.PutUint32(en.Data[4:], uint32(e.state[i]))
	binary.LittleEndian.PutUint64(en.Data[8:], e.key[i])
	binary.LittleEndian.PutUint64(en.Data[16:], val)
	return en
}

// Set maps key to val for epfd. It fails when the map is too full to
// probe well (three quarters): the follower's IP-MON then leaves data it
// has no entry for unmapped, so CP-MON must keep such epoll descriptors.
func (e *EpollMap) Set(epfd uint32, key, val uint64) (EpollEntry, bool) {
	i, ok := e.find(epfd, key)
	if !ok {
		if i < 0 || e.n >= EpollSlots*3/4 {
			return EpollEntry{}, false
		}
		if e.state[i] == 0 {
			e.n++
		}
	}
	e.state[i], e.epfd[i], e.key[i] = epollUsed, epfd, key
	return e.entry(i, val), true
}

// Delete drops key of epfd.
func (e *EpollMap) Delete(epfd uint32, key uint64) (EpollEntry, bool) {
	i, ok := e.find(epfd, key)
	if !ok {
		return EpollEntry{}, false
	}
	e.state[i] = epollDeleted
	return e.entry(i, 0), true
}
