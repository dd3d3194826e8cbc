// Package connector is the network end of a host in a run: it holds the
// mutual-TLS connection to the peer host and moves frames between it and
// this host's monitor. It is the only part of dmvx that reads from the
// network: every frame is checked by internal/wire before it is passed on,
// so the monitor only ever reads frames that are well formed, of its
// session and in order. It also watches the peer: nothing received for
// Timeout (heartbeats included) ends the session.
//
// The monitor's side (local) speaks the same framing over a socket pair.
// When the session ends for a reason the monitor did not give (the peer
// went silent, sent a bad frame, or closed), the connector tells the
// monitor with an Abort frame that says why, then closes both sides.
package connector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"dmvx/internal/wire"
)

// Config says how a connector watches its peer.
type Config struct {
	// Heartbeat: a heartbeat goes out when nothing else did for this
	// long (default 250 ms).
	Heartbeat time.Duration
	// Timeout: the session ends when nothing came in for this long
	// (default 2 s).
	Timeout time.Duration
	// Handshake bounds the TLS handshake (default 10 s).
	Handshake time.Duration
}

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 250 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Handshake <= 0 {
		c.Handshake = 10 * time.Second
	}
}

// Dial connects to the agent at addr and completes the TLS handshake
// (the leader's side).
func Dial(ctx context.Context, cfg Config, addr string, tlsConf *tls.Config) (*tls.Conn, error) {
	cfg.defaults()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: cfg.Handshake}, Config: tlsConf}
	hctx, cancel := context.WithTimeout(ctx, cfg.Handshake)
	defer cancel()
	c, err := d.DialContext(hctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	return c.(*tls.Conn), nil
}

// Serve completes the TLS handshake of an accepted connection (the
// agent's side). A client without a certificate of the CA, or one that
// does not speak TLS, fails here.
func Serve(ctx context.Context, cfg Config, c net.Conn, tlsConf *tls.Config) (*tls.Conn, error) {
	cfg.defaults()
	tc := tls.Server(c, tlsConf)
	hctx, cancel := context.WithTimeout(ctx, cfg.Handshake)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", c.RemoteAddr(), err)
	}
	return tc, nil
}

// ErrSilent: the peer sent nothing, not even a heartbeat, for Timeout.
var ErrSilent = errors.New("peer silent")

// Role says which side starts the session: its first frame, a hello,
// names it.
type Role int

const (
	// Leader: this host's monitor starts the session (the leader's host,
	// which dialled the agent).
	Leader Role = iota
	// Agent: the peer starts it (a follower host, which accepted).
	Agent
)

// Pump moves frames between the peer (remoteConn, TLS) and this host's
// monitor (localConn) until one side ends. It returns why: nil when the
// monitor closed its side, the peer's error otherwise. The session is the
// one the starting side's hello names; each link numbers its own frames.
func Pump(ctx context.Context, cfg Config, role Role, remoteConn, localConn net.Conn) error {
	cfg.defaults()
	p := &pump{cfg: cfg, rc: remoteConn, lc: localConn, last: time.Now()}
	defer remoteConn.Close()
	defer localConn.Close()
	if err := p.start(role); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- p.fromPeer() }()
	go func() { errc <- p.toPeer() }()
	hb := time.NewTicker(cfg.Heartbeat / 2)
	defer hb.Stop()
	var err error
loop:
	for {
		select {
		case err = <-errc:
			break loop
		case <-ctx.Done():
			err = ctx.Err()
			break loop
		case <-hb.C:
			if e := p.heartbeat(); e != nil {
				err = e
				break loop
			}
		}
	}
	// Whatever ended first, end both sides; the other goroutine's error
	// is a consequence.
	remoteConn.Close()
	localConn.Close()
	<-errc
	return err
}

// start relays the hello that opens the session, from whichever side
// starts it, and makes the other side's link in that session.
func (p *pump) start(role Role) error {
	var f wire.Frame
	var err error
	switch role {
	case Leader:
		p.local = wire.Accept(p.lc)
		if f, err = p.local.Read(); err != nil {
			return fmt.Errorf("the monitor's hello: %w", err)
		}
		s, _ := p.local.Session()
		p.remote = wire.NewConn(p.rc, s)
		if err = p.remote.Write(f.Type, f.Payload); err == nil {
			err = p.remote.Flush()
		}
		if err != nil {
			err = p.why(err)
			p.tellMonitor(err)
			return fmt.Errorf("to the peer: %w", err)
		}
	default:
		p.remote = wire.Accept(p.rc)
		if err := p.rc.SetReadDeadline(time.Now().Add(p.cfg.Timeout)); err != nil {
			return err
		}
		if f, err = p.remote.Read(); err != nil {
			return fmt.Errorf("the peer's hello: %w", p.silent(err))
		}
		s, _ := p.remote.Session()
		p.local = wire.NewConn(p.lc, s)
		if err = p.local.Write(f.Type, f.Payload); err == nil {
			err = p.local.Flush()
		}
		if err != nil {
			return err
		}
	}
	p.last = time.Now()
	return nil
}

// ErrClosed: the peer closed the connection (its host's side of the
// session ended, or the host went away).
var ErrClosed = errors.New("the peer closed the connection")

// why finds out why a write to the peer failed right after the TLS
// handshake: with TLS 1.3 a client learns only by reading that the peer
// refused its certificate (the alert), which says more than the broken
// pipe of the write.
func (p *pump) why(werr error) error {
	_ = p.rc.SetReadDeadline(time.Now().Add(time.Second))
	var b [1]byte
	if _, err := p.rc.Read(b[:]); err != nil && !errors.Is(err, io.EOF) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			return err
		}
	}
	return werr
}

// silent names a read deadline that passed as the peer's silence, and the
// end of the stream as the peer's close.
func (p *pump) silent(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrClosed
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w for %v", ErrSilent, p.cfg.Timeout)
	}
	return err
}

type pump struct {
	cfg    Config
	remote *wire.Conn
	rc     net.Conn
	local  *wire.Conn
	lc     net.Conn
	mu     sync.Mutex // remote writes and last
	last   time.Time  // when a frame last went to the peer
}

// fromPeer reads the peer's frames, each checked by wire, and hands them
// to the monitor.
func (p *pump) fromPeer() error {
	for {
		if err := p.rc.SetReadDeadline(time.Now().Add(p.cfg.Timeout)); err != nil {
			return err
		}
		f, err := p.remote.ReadShared() // written on before the next read
		if err != nil {
			err = p.silent(err)
			p.tellMonitor(err)
			return fmt.Errorf("from the peer: %w", err)
		}
		if f.Type == wire.Heartbeat {
			continue // its arrival is all it says
		}
		if err := p.local.Write(f.Type, f.Payload); err != nil {
			return err
		}
		if p.remote.Ready() == 0 {
			if err := p.local.Flush(); err != nil {
				return err
			}
		}
	}
}

// tellMonitor passes the reason the peer's side ended to the monitor, as
// an Abort, as far as the local side still takes it.
func (p *pump) tellMonitor(why error) {
	if _, ok := p.local.Session(); !ok {
		return
	}
	_ = p.lc.SetWriteDeadline(time.Now().Add(time.Second))
	if p.local.Write(wire.Abort, []byte(why.Error())) == nil {
		_ = p.local.Flush()
	}
}

// toPeer reads the monitor's frames and sends them to the peer. Frames
// that arrived together go out together: a batch of records is flushed
// once no more is waiting, and anything else (a call at a rendezvous, a
// verdict, an end) at once.
func (p *pump) toPeer() error {
	for {
		f, err := p.local.ReadShared() // written on before the next read
		if err != nil {
			p.mu.Lock()
			ferr := p.remote.Flush()
			p.mu.Unlock()
			if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				return ferr
			}
			return err
		}
		p.mu.Lock()
		err = p.remote.Write(f.Type, f.Payload)
		if err == nil && (f.Type != wire.Records || p.local.Ready() == 0) {
			err = p.remote.Flush()
			p.last = time.Now()
		}
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("to the peer: %w", err)
		}
	}
}

// heartbeat sends one when nothing went to the peer for Heartbeat.
func (p *pump) heartbeat() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.remote.Session(); !ok || time.Since(p.last) < p.cfg.Heartbeat {
		return nil
	}
	if err := p.remote.Write(wire.Heartbeat, nil); err != nil {
		return err
	}
	p.last = time.Now()
	if err := p.remote.Flush(); err != nil {
		return fmt.Errorf("to the peer: %w", err)
	}
	return nil
}
