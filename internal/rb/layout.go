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
	Version      = 4
	MaxFollowers = 7
	HeaderSize   = 512
	RecordSize   = 40
	Align        = 8

	// The header, by 64-byte line and by writer (see ipmon/rb.h).
	offMagic             = 0
	offVersion           = 8
	offNFollowers        = 12
	offDataSize          = 16
	offClosed            = 24
	offHead              = 64 // leader
	offSeq               = 72
	offCalls             = 80
	offLeaderWaits       = 88
	offMinTail           = 96
	offFollowerFutex     = 104
	offWritten           = 112 // leader: written, not yet all published
	offLocalEnd          = 120 // leader: written after its last local file read
	offTail              = 128 // followers: MaxFollowers uint64s
	offLeaderFutex       = 184
	offSeen              = 192 // MaxFollowers uint64s
	offFollowerWaits     = 248
	offFollowersSleeping = 256
	offWakeHead          = 264
	offLeaderSleeping    = 320
	offWakeAt            = 328
	offHeadSeen          = 384

	recSize   = 0
	recKind   = 4
	recSeq    = 8
	recNr     = 16
	recOutLen = 20
	recDigest = 24
	recRet    = 32
)

// RecNrOffset is where a record's call number lies in its header (a
// follower host of another ISA renumbers records it takes in).
const RecNrOffset = recNr

// Record kinds.
const (
	KindCall  = 1
	KindPad   = 2
	KindCPMON = 3 // the leader made this call through CP-MON (CP-MON's record)
)
