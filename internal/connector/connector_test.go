package connector

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dmvx/internal/certs"
	"dmvx/internal/wire"
)

// pki makes a CA with a leader and an agent in a temporary directory, and
// the TLS configurations of both.
func pki(t *testing.T) (dir string, agent, leader *tls.Config) {
	t.Helper()
	dir = t.TempDir()
	if err := certs.Init(dir); err != nil {
		t.Fatal(err)
	}
	if err := certs.Issue(dir, "leader", "agent"); err != nil {
		t.Fatal(err)
	}
	f := func(n string) certs.Files {
		return certs.Files{Cert: filepath.Join(dir, n+".crt"), Key: filepath.Join(dir, n+".key"), CA: filepath.Join(dir, "ca.crt")}
	}
	agent, err := certs.ServerConfig(f("agent"))
	if err != nil {
		t.Fatal(err)
	}
	leader, err = certs.ClientConfig(f("leader"), "agent")
	if err != nil {
		t.Fatal(err)
	}
	return dir, agent, leader
}

// socketPair is a monitor's link to its connector.
func socketPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	t.Cleanup(func() { conns[0].Close(); conns[1].Close() })
	return conns[0], conns[1]
}

// agent accepts one connection on ln and pumps it to a monitor link,
// whose other end it returns; Pump's result comes on the channel.
func agent(t *testing.T, ln net.Listener, cfg Config, conf *tls.Config) (net.Conn, <-chan error) {
	t.Helper()
	mine, monitor := socketPair(t)
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		tc, err := Serve(context.Background(), cfg, c, conf)
		if err != nil {
			mine.Close()
			done <- err
			return
		}
		done <- Pump(context.Background(), cfg, Agent, tc, mine)
	}()
	return monitor, done
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// session returns a fresh random session id, as the leader makes one. Two
// calls must never give the same id: the replay test relies on it.
func session() wire.Session {
	var s wire.Session
	if _, err := rand.Read(s[:]); err != nil {
		panic(err)
	}
	return s
}

// wait returns Pump's result, or fails when it takes longer than d.
func wait(t *testing.T, done <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("the connector did not end within %v", d)
		return nil
	}
}

// A session through two connectors: the leader's monitor says hello and
// streams records, the agent's monitor answers; heartbeats keep an idle
// session alive past the timeout and never reach a monitor.
func TestRelay(t *testing.T) {
	_, agentTLS, leaderTLS := pki(t)
	ln := listen(t)
	cfg := Config{Heartbeat: 50 * time.Millisecond, Timeout: 300 * time.Millisecond}
	agentMon, agentDone := agent(t, ln, cfg, agentTLS)

	tc, err := Dial(context.Background(), cfg, ln.Addr().String(), leaderTLS)
	if err != nil {
		t.Fatal(err)
	}
	mine, leaderMonConn := socketPair(t)
	leaderDone := make(chan error, 1)
	go func() { leaderDone <- Pump(context.Background(), cfg, Leader, tc, mine) }()

	s := session()
	leaderMon := wire.NewConn(leaderMonConn, s)
	if err := leaderMon.Write(wire.Hello, []byte("lighttpd -D")); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := 0; i < n; i++ {
		if err := leaderMon.Write(wire.Records, bytes.Repeat([]byte{byte(i)}, 48)); err != nil {
			t.Fatal(err)
		}
	}
	if err := leaderMon.Flush(); err != nil {
		t.Fatal(err)
	}
	am := wire.Accept(agentMon)
	f, err := am.Read()
	if err != nil || f.Type != wire.Hello || string(f.Payload) != "lighttpd -D" {
		t.Fatalf("the agent's monitor got %+v, %v, want the hello", f, err)
	}
	if got, _ := am.Session(); got != s {
		t.Errorf("the agent's monitor is in session %x, want %x", got, s)
	}
	for i := 0; i < n; i++ {
		f, err := am.Read()
		if err != nil || f.Type != wire.Records || f.Payload[0] != byte(i) {
			t.Fatalf("record %d: %+v, %v", i, f, err)
		}
	}

	// Idle for twice the timeout: heartbeats keep the session up.
	time.Sleep(2 * cfg.Timeout)
	if err := am.Write(wire.Welcome, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := am.Flush(); err != nil {
		t.Fatal(err)
	}
	if f, err := leaderMon.Read(); err != nil || f.Type != wire.Welcome || string(f.Payload) != "ok" {
		t.Fatalf("the leader's monitor got %+v, %v, want the welcome", f, err)
	}

	// The leader's monitor ends the session: both connectors end cleanly.
	leaderMonConn.Close()
	if err := wait(t, leaderDone, 5*time.Second); err != nil {
		t.Errorf("the leader's connector: %v", err)
	}
	if err := wait(t, agentDone, 5*time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("the agent's connector: %v, want the peer's end", err)
	}
}

// A peer that says hello and then nothing, not even heartbeats: the agent's
// connector ends after the timeout and tells its monitor why.
func TestSilentPeer(t *testing.T) {
	_, agentTLS, leaderTLS := pki(t)
	ln := listen(t)
	cfg := Config{Heartbeat: 50 * time.Millisecond, Timeout: 300 * time.Millisecond}
	agentMon, agentDone := agent(t, ln, cfg, agentTLS)
	tc, err := tls.Dial("tcp", ln.Addr().String(), leaderTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	peer := wire.NewConn(tc, session())
	if err := peer.Write(wire.Hello, nil); err != nil {
		t.Fatal(err)
	}
	if err := peer.Flush(); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	err = wait(t, agentDone, 5*time.Second)
	if !errors.Is(err, ErrSilent) {
		t.Errorf("the agent's connector: %v, want silent", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("a silent peer was noticed after %v, timeout %v", took, cfg.Timeout)
	}
	checkAbort(t, agentMon, "silent")
}

// checkAbort reads a monitor's link to its end: a hello, then an Abort
// that mentions why.
func checkAbort(t *testing.T, mon net.Conn, why string) {
	t.Helper()
	m := wire.Accept(mon)
	if f, err := m.Read(); err != nil || f.Type != wire.Hello {
		t.Fatalf("the monitor's first frame: %+v, %v", f, err)
	}
	f, err := m.Read()
	if err != nil || f.Type != wire.Abort || !strings.Contains(string(f.Payload), why) {
		t.Errorf("the monitor got %v %q, %v; want an abort that says %q", f.Type, f.Payload, err, why)
	}
}

// Bad input from a peer with a valid certificate ends the session, and the
// monitor hears why: garbage, and a frame replayed from an earlier session.
func TestBadFramesFromPeer(t *testing.T) {
	_, agentTLS, leaderTLS := pki(t)
	// An earlier session's second frame, as an eavesdropper with a valid
	// certificate might keep it.
	var earlier bytes.Buffer
	old := wire.NewConn(&earlier, session())
	_ = old.Write(wire.Hello, nil)
	_ = old.Write(wire.Records, []byte("old"))
	_ = old.Flush()
	replayed := earlier.Bytes()[wire.HeaderSize:]

	for _, tc := range []struct {
		name  string
		after []byte
		err   error
		says  string
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: agent\r\n\r\n0123456789"), wire.ErrMalformed, "malformed"},
		{"replayed frame", replayed, wire.ErrSession, "another session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := listen(t)
			cfg := Config{Heartbeat: 50 * time.Millisecond, Timeout: time.Second}
			agentMon, agentDone := agent(t, ln, cfg, agentTLS)
			c, err := tls.Dial("tcp", ln.Addr().String(), leaderTLS)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			peer := wire.NewConn(c, session())
			if err := peer.Write(wire.Hello, nil); err != nil {
				t.Fatal(err)
			}
			if err := peer.Flush(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write(tc.after); err != nil {
				t.Fatal(err)
			}
			if err := wait(t, agentDone, 5*time.Second); !errors.Is(err, tc.err) {
				t.Errorf("the agent's connector: %v, want %v", err, tc.err)
			}
			checkAbort(t, agentMon, tc.says)
		})
	}
}

// Clients that are not a leader of this CA never get past the handshake:
// a plain TCP client sending garbage, and a certificate of another CA.
func TestHandshakeRefused(t *testing.T) {
	_, agentTLS, _ := pki(t)
	_, _, otherLeader := pki(t)
	cfg := Config{Handshake: 2 * time.Second}

	ln := listen(t)
	_, done := agent(t, ln, cfg, agentTLS)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	if err := wait(t, done, 5*time.Second); err == nil || !strings.Contains(err.Error(), "handshake") {
		t.Errorf("plain TCP garbage: %v, want a handshake error", err)
	}
	c.Close()

	ln = listen(t)
	_, done = agent(t, ln, cfg, agentTLS)
	if tc, err := tls.Dial("tcp", ln.Addr().String(), otherLeader); err == nil {
		// TLS 1.3: the client may finish before the server refuses.
		_, _ = tc.Write([]byte("x"))
		defer tc.Close()
	}
	if err := wait(t, done, 5*time.Second); err == nil || !strings.Contains(err.Error(), "handshake") {
		t.Errorf("a leader of another CA: %v, want a handshake error", err)
	}
}
