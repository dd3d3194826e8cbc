// Package wire is the framing of dmvx's host-to-host protocol: versioned,
// length-prefixed binary frames, carried over mutual TLS 1.3 between a
// leader's connector and each follower host's agent (docs/protocol.md).
//
// Everything read here comes from the network, so every field is checked
// before use, and the first bad one ends the connection: a frame with the
// wrong magic, version, type, reserved bits, length, session or sequence
// number is an error, never skipped. Writes are buffered, so that many
// small frames (replication records) share one TLS record and one system
// call; Flush sends them.
package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic and Version open every frame.
const (
	Magic = 0x44564d58 // "DMVX" read as a big-endian uint32
	// Version 2: the hello and the welcome name their host's
	// instruction set. Version 3: the hello names the IP-MON object of
	// each instruction set (IP-MON across instruction sets).
	Version = 3
)

// HeaderSize is a frame's fixed header:
//
//	0  magic    uint32
//	4  version  uint8
//	5  type     uint8
//	6  reserved uint16, zero
//	8  length   uint32, payload bytes, at most MaxPayload
//	12 seq      uint64, 1, 2, 3... per direction of one session
//	20 session  [16]byte, chosen at random by the leader
//	36 payload
//
// Integers are big-endian.
const HeaderSize = 36

// MaxPayload bounds a frame: a batch of replication records is at most a
// buffer's worth (64 KiB) and a start request a program's argv and
// environment, so 1 MiB leaves room and stops a peer from making the
// reader allocate without bound.
const MaxPayload = 1 << 20

// Type is what a frame carries.
type Type uint8

// Frame types.
const (
	Hello     Type = 1 // leader -> agent: start a session (program, argv, variant)
	Welcome   Type = 2 // agent -> leader: the session started, or why not
	Records   Type = 3 // a batch of the leader's replication records
	Call      Type = 4 // a variant's canonical call at a lockstep rendezvous (digest)
	Verdict   Type = 5 // leader -> agent: what every variant does at a rendezvous
	Heartbeat Type = 6 // either way, when nothing else was sent for a while
	End       Type = 7 // a variant ended (status)
	Abort     Type = 8 // the run is over on the sender's side: reason
)

var typeNames = map[Type]string{Hello: "hello", Welcome: "welcome", Records: "records", Call: "call",
	Verdict: "verdict", Heartbeat: "heartbeat", End: "end", Abort: "abort"}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Session identifies one run across hosts.
type Session [16]byte

// Frame is one frame read.
type Frame struct {
	Type    Type
	Seq     uint64
	Payload []byte
}

// ErrMalformed is wrapped by every error about a frame that breaks the
// format; ErrSession and ErrSequence by frames of another session or out
// of order (a replay).
var (
	ErrMalformed = errors.New("malformed frame")
	ErrSession   = errors.New("frame of another session")
	ErrSequence  = errors.New("frame out of sequence")
)

// Conn reads and writes the frames of one session over a connection.
type Conn struct {
	r       *bufio.Reader
	w       *bufio.Writer
	session Session
	known   bool // session is set (a leader's, or a hello was read)
	rseq    uint64
	wseq    uint64
	hdr     [HeaderSize]byte
	payload []byte // ReadShared's, reused from frame to frame
}

// bufSize is the write buffer: a batch of records up to this size goes out
// in one write.
const bufSize = 64 << 10

// NewConn makes a leader's side of a session, whose id it chose.
func NewConn(rw io.ReadWriter, s Session) *Conn {
	return &Conn{r: bufio.NewReaderSize(rw, bufSize), w: bufio.NewWriterSize(rw, bufSize), session: s, known: true}
}

// Accept makes an agent's side: the session is the one the first frame, a
// Hello, names.
func Accept(rw io.ReadWriter) *Conn {
	return &Conn{r: bufio.NewReaderSize(rw, bufSize), w: bufio.NewWriterSize(rw, bufSize)}
}

// Session returns the session, once known.
func (c *Conn) Session() (Session, bool) { return c.session, c.known }

// Write queues a frame; Flush sends what is queued. A write that fills the
// buffer sends it.
func (c *Conn) Write(t Type, payload []byte) error {
	if !c.known {
		return errors.New("wire: no session yet: read the hello first")
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("wire: %s frame of %d bytes exceeds %d", t, len(payload), MaxPayload)
	}
	c.wseq++
	var h [HeaderSize]byte
	binary.BigEndian.PutUint32(h[0:], Magic)
	h[4] = Version
	h[5] = byte(t)
	binary.BigEndian.PutUint32(h[8:], uint32(len(payload)))
	binary.BigEndian.PutUint64(h[12:], c.wseq)
	copy(h[20:], c.session[:])
	if _, err := c.w.Write(h[:]); err != nil {
		return err
	}
	_, err := c.w.Write(payload)
	return err
}

// Flush sends the queued frames.
func (c *Conn) Flush() error { return c.w.Flush() }

// Buffered is how many bytes wait for Flush.
func (c *Conn) Buffered() int { return c.w.Buffered() }

// Ready is how many bytes have arrived and wait to be read: when it is 0,
// the next Read would wait for the peer.
func (c *Conn) Ready() int { return c.r.Buffered() }

// Read reads the next frame and checks it. The payload is the caller's.
func (c *Conn) Read() (Frame, error) { return c.read(false) }

// ReadShared is Read with the payload in the connection's memory, valid
// until the next read: a relay, or a reader done with each frame before
// the next, allocates nothing a frame (a frame of records a millisecond
// otherwise keeps the collector busy).
func (c *Conn) ReadShared() (Frame, error) { return c.read(true) }

func (c *Conn) read(shared bool) (Frame, error) {
	if _, err := io.ReadFull(c.r, c.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("%w: connection ended inside a header", ErrMalformed)
		}
		return Frame{}, err
	}
	h := c.hdr[:]
	if m := binary.BigEndian.Uint32(h[0:]); m != Magic {
		return Frame{}, fmt.Errorf("%w: magic %#08x, want %#08x", ErrMalformed, m, uint32(Magic))
	}
	if h[4] != Version {
		return Frame{}, fmt.Errorf("%w: version %d, this dmvx speaks %d", ErrMalformed, h[4], Version)
	}
	t := Type(h[5])
	if _, ok := typeNames[t]; !ok {
		return Frame{}, fmt.Errorf("%w: unknown %s", ErrMalformed, t)
	}
	if r := binary.BigEndian.Uint16(h[6:]); r != 0 {
		return Frame{}, fmt.Errorf("%w: reserved bits %#04x set", ErrMalformed, r)
	}
	n := binary.BigEndian.Uint32(h[8:])
	if n > MaxPayload {
		return Frame{}, fmt.Errorf("%w: %s frame of %d bytes exceeds %d", ErrMalformed, t, n, MaxPayload)
	}
	seq := binary.BigEndian.Uint64(h[12:])
	var s Session
	copy(s[:], h[20:36])
	if !c.known {
		if t != Hello {
			return Frame{}, fmt.Errorf("%w: the first frame is a %s, not a hello", ErrMalformed, t)
		}
		if s == (Session{}) {
			return Frame{}, fmt.Errorf("%w: hello with an empty session id", ErrMalformed)
		}
		c.session, c.known = s, true
	} else if s != c.session {
		return Frame{}, fmt.Errorf("%w: %x, this connection is %x", ErrSession, s[:], c.session[:])
	}
	if seq != c.rseq+1 {
		return Frame{}, fmt.Errorf("%w: %s frame %d, want %d", ErrSequence, t, seq, c.rseq+1)
	}
	c.rseq = seq
	var p []byte
	if shared {
		if uint32(cap(c.payload)) < n {
			c.payload = make([]byte, n)
		}
		p = c.payload[:n]
	} else {
		p = make([]byte, n)
	}
	if _, err := io.ReadFull(c.r, p); err != nil {
		return Frame{}, fmt.Errorf("%w: connection ended inside a %d-byte %s payload: %v", ErrMalformed, n, t, err)
	}
	return Frame{Type: t, Seq: seq, Payload: p}, nil
}
