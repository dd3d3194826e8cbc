package certs

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func files(dir, name string) Files {
	return Files{Cert: filepath.Join(dir, name+".crt"), Key: filepath.Join(dir, name+".key"), CA: filepath.Join(dir, CACert)}
}

// handshake runs a TLS server with srv and dials it with cli over
// loopback, and returns each side's handshake error.
func handshake(t *testing.T, srv, cli *tls.Config) (serverErr, clientErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, srv)
		err = tc.Handshake()
		if err == nil {
			// The client's certificate is checked in the handshake;
			// echo one byte so the client sees the session work.
			var b [1]byte
			if _, err = io.ReadFull(tc, b[:]); err == nil {
				_, err = tc.Write(b[:])
			}
		}
		done <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(c, cli)
	clientErr = tc.Handshake()
	if clientErr == nil {
		var b [1]byte
		if _, clientErr = tc.Write([]byte{'x'}); clientErr == nil {
			_, clientErr = io.ReadFull(tc, b[:])
		}
	}
	c.Close()
	return <-done, clientErr
}

func TestInitIssueHandshake(t *testing.T) {
	dir := t.TempDir()
	if err := Init(dir); err != nil {
		t.Fatal(err)
	}
	if err := Issue(dir, "leader", "agent1", "10.0.0.2"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.key", "leader.key", "agent1.key", "10.0.0.2.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	// The address certificate holds an IP, the others a DNS name.
	data, err := os.ReadFile(filepath.Join(dir, "10.0.0.2.crt"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.IPAddresses) != 1 || !c.IPAddresses[0].Equal(net.ParseIP("10.0.0.2")) || len(c.DNSNames) != 0 {
		t.Errorf("10.0.0.2.crt: IPs %v, DNS names %v", c.IPAddresses, c.DNSNames)
	}

	srv, err := ServerConfig(files(dir, "agent1"))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := ClientConfig(files(dir, "leader"), "agent1")
	if err != nil {
		t.Fatal(err)
	}
	if serr, cerr := handshake(t, srv, cli); serr != nil || cerr != nil {
		t.Fatalf("mutual TLS between two hosts of one CA: server %v, client %v", serr, cerr)
	}

	// The agent's certificate must name the host the leader dialled.
	wrongName, err := ClientConfig(files(dir, "leader"), "agent2")
	if err != nil {
		t.Fatal(err)
	}
	if _, cerr := handshake(t, srv, wrongName); cerr == nil {
		t.Error("the leader accepted agent1's certificate for agent2")
	}
}

// Certificates of another CA get nowhere, either way round; a client with
// no certificate neither.
func TestOtherCARefused(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if err := Init(d); err != nil {
			t.Fatal(err)
		}
		if err := Issue(d, "leader", "agent1"); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := ServerConfig(files(dir, "agent1"))
	if err != nil {
		t.Fatal(err)
	}
	intruder, err := ClientConfig(files(other, "leader"), "agent1")
	if err != nil {
		t.Fatal(err)
	}
	// TLS 1.3: the client's handshake may complete before the server has
	// checked its certificate; the server's refusal is what counts.
	if serr, _ := handshake(t, srv, intruder); serr == nil {
		t.Error("the agent accepted a leader whose certificate comes from another CA")
	}
	fakeAgent, err := ServerConfig(files(other, "agent1"))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := ClientConfig(files(dir, "leader"), "agent1")
	if err != nil {
		t.Fatal(err)
	}
	if _, cerr := handshake(t, fakeAgent, cli); cerr == nil {
		t.Error("the leader accepted an agent whose certificate comes from another CA")
	}
	anon := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: cli.RootCAs, ServerName: "agent1"}
	if serr, _ := handshake(t, srv, anon); serr == nil {
		t.Error("the agent accepted a leader with no certificate")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	if err := Issue(dir, "x"); err == nil || !strings.Contains(err.Error(), "certs init") {
		t.Errorf("Issue without a CA: %v, want an error that says to run certs init", err)
	}
	if err := Init(dir); err != nil {
		t.Fatal(err)
	}
	if err := Init(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second Init: %v, want already exists", err)
	}
	for _, name := range []string{"../evil", "a/b", "", ".hidden", "ca"} {
		if err := Issue(dir, name); err == nil {
			t.Errorf("Issue(%q) succeeded", name)
		}
	}
	if err := Issue(dir, "h"); err != nil {
		t.Fatal(err)
	}
	if err := Issue(dir, "h"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("issuing h twice: %v", err)
	}
	if _, err := ServerConfig(Files{Cert: filepath.Join(dir, "h.crt"), Key: filepath.Join(dir, "h.key")}); err == nil {
		t.Error("ServerConfig without a CA file succeeded")
	}
	if _, err := ServerConfig(Files{Cert: filepath.Join(dir, "h.crt"), Key: filepath.Join(dir, "h.key"),
		CA: filepath.Join(dir, "h.key")}); err == nil {
		t.Error("ServerConfig with a key as the CA file succeeded")
	}
	if _, err := ServerConfig(files(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ServerConfig with missing files: %v", err)
	}
}
