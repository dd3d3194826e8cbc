// Package ipmon is CP-MON's side of the in-process monitor (IP-MON): the
// embedded freestanding object itself, what CP-MON and IP-MON agree on
// (ipmon/ipmon.h, checked by a test), and the memory region of one process
// image: descriptor map, per-thread control pages and replication buffers.
package ipmon

import (
	"sort"

	"dmvx/internal/abi"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/rb"
)

// Values of ipmon/ipmon.h.
const (
	ABIVersion = 3
	CtlMagic   = 0x4c544358564d44 // "DMVXCTL"

	// Pseudo-calls IP-MON makes to CP-MON.
	NrRegister = 0xd4d0
	NrDiverge  = 0xd4d1

	// Reasons of NrDiverge.
	DivCall     = 1
	DivArgs     = 2
	DivResult   = 3
	DivTampered = 4

	Page       = 4096
	Slots      = 64
	RBData     = 1048576
	RBSpan     = 1052672 // header + data, rounded up to pages
	EpollPages = 24
	EpollSlots = EpollPages * Page / 24
	CtlSpan    = Page * (2 + EpollPages + Slots)
	MaxFD      = 4088 // the descriptor map's entries...
	FDMapGen   = 4088 // ...then a counter IP-MON bumps at each change
	MaxNr      = 512
	StubsSize  = 16384 // IP-MON's stub area...
	StubSize   = 32    // ...and one patched site's stub in it
	Resync     = -4090
	GateLen    = 3
	SockRead   = 1
	SockWr     = 2

	// Descriptor classes.
	FDUnknown = 0
	FDLocal   = 1
	FDLeader  = 2
	FDSocket  = 3
	FDOwn     = 4
	FDCPMON   = 5
	FDFile    = 6 // the leader's, a regular file: its writes wait for local reads

	// Control page offsets.
	ctlMagic      = 0
	ctlGate       = 8
	ctlActive     = 16
	ctlRole       = 20
	ctlFollower   = 24
	ctlSpin       = 28
	CtlSyncReq    = 32
	ctlVariant    = 36
	ctlFDMapRel   = 40
	ctlRBRel      = 48
	ctlRBAddr     = 56
	ctlKey        = 64
	ctlSockets    = 72
	ctlEpollRel   = 80
	ctlCopyLocal  = 88
	ctlOpenWrite  = 92
	ctlLeaderStat = 96
	ctlAllowed    = 128
	ctlSize       = ctlAllowed + MaxNr/8
)

// Gate is the code CP-MON maps at each variant's gate address:
// "syscall; ret". The filter allows IP-MON's calls from Gate+2 only.
var Gate = []byte{0x0f, 0x05, 0xc3}

// GateARM64 is arm64's gate: "svc #0; ret", calls allowed from Gate+4.
var GateARM64 = []byte{0x01, 0x00, 0x00, 0xd4, 0xc0, 0x03, 0x5f, 0xd6}

// GateFor is the gate of arch ("amd64", "arm64").
func GateFor(arch string) []byte {
	if arch == "arm64" {
		return GateARM64
	}
	return Gate
}

// rbLen is the part of a slot's span that the buffer uses.
const rbLen = rb.HeaderSize + RBData

// implemented mirrors the dmvx_ipmon_calls table of ipmon/ipmon.c, by
// name, for what must work without the built object (docs/policy.md). A
// test checks it against the object.
var implemented = []string{
	"read", "write", "close", "fstat", "lseek", "pread64", "pwrite64", "readv", "writev",
	"dup", "dup2", "dup3", "fcntl", "ioctl", "openat",
	"sched_yield", "getpid", "sendfile", "sendto", "recvfrom", "uname", "getcwd",
	"gettimeofday", "getuid", "getgid", "geteuid", "getegid", "getppid", "gettid",
	"time", "clock_gettime", "epoll_wait", "epoll_pwait", "getrandom",
}

// Implemented returns the amd64 numbers of the calls IP-MON implements,
// sorted.
func Implemented() []uint32 { return ImplementedIn(amd64.ABI) }

// ImplementedIn returns the numbers in ABI a of the calls IP-MON
// implements, sorted: on arm64 the list lacks what its table lacks (dup2,
// time, epoll_wait, which glibc makes from other calls there).
func ImplementedIn(a *abi.ABI) []uint32 {
	var nrs []uint32
	for _, name := range implemented {
		if nr, ok := a.Number(name); ok {
			nrs = append(nrs, uint32(nr))
		}
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	return nrs
}

// implementedSubs mirrors dmvx_ipmon_subs: the sub-commands of
// multiplexed calls IP-MON implements.
var implementedSubs = map[string][]uint32{
	"fcntl": {amd64.F_DUPFD, amd64.F_GETFD, amd64.F_SETFD, amd64.F_GETFL, amd64.F_SETFL, amd64.F_DUPFD_CLOEXEC},
	"ioctl": {amd64.TCGETS, amd64.TIOCGWINSZ},
}

// ImplementedSubs returns implementedSubs by amd64 call number.
func ImplementedSubs() map[uint32][]uint32 { return ImplementedSubsIn(amd64.ABI) }

// ImplementedSubsIn returns implementedSubs by call number in ABI a (the
// values are the same in both ABIs).
func ImplementedSubsIn(a *abi.ABI) map[uint32][]uint32 {
	out := make(map[uint32][]uint32)
	for name, vals := range implementedSubs {
		if nr, ok := a.Number(name); ok {
			out[uint32(nr)] = append([]uint32(nil), vals...)
		}
	}
	return out
}
