// Package rb is the replication buffer shared by the variants' in-process
// monitors on one host: its layout (described once more, for the C side, in
// ipmon/rb.h and checked against it by a test), a writer for the leader's
// side and a reader for a follower's side.
//
// In a nutshell: a power-of-two data area after a 256-byte header. The
// leader appends records and then publishes them by advancing head; each
// follower reads records up to head and acknowledges them by advancing its
// own tail. A record never straddles the end of the area: a PAD record fills
// the rest and the next record starts at offset 0. The leader only waits
// when the slowest follower is a whole buffer behind.
//
// The buffer is shared memory that a compromised variant can write: the
// reader reads each field once, checks it, and reports tampering as an
// error instead of trusting it.
package rb

// Layout, as in ipmon/rb.h.
const (
	Magic        = 0x3130425258564d44 // "DMVXRB01", little-endian
	Version      = 2
	MaxFollowers = 7
	HeaderSize   = 256
	RecordSize   = 40
	Align        = 8

	offMagic             = 0
	offVersion           = 8
	offNFollowers        = 12
	offDataSize          = 16
	offHead              = 24
	offTail              = 32 // MaxFollowers uint64s
	offLeaderFutex       = 88
	offFollowerFutex     = 92
	offLeaderSleeping    = 96
	offFollowersSleeping = 100
	offClosed            = 104
	offSeen              = 112 // MaxFollowers uint64s
	offSeq               = 168
	offCalls             = 176 // MaxFollowers+1 uint64s
	offLeaderWaits       = 240
	offFollowerWaits     = 248

	recSize   = 0
	recKind   = 4
	recSeq    = 8
	recNr     = 16
	recOutLen = 20
	recDigest = 24
	recRet    = 32
)

// Record kinds.
const (
	KindCall  = 1
	KindPad   = 2
	KindCPMON = 3 // the leader made this call through CP-MON (CP-MON's record)
)
