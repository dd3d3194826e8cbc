package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func session(t testing.TB) Session {
	t.Helper()
	var s Session
	if _, err := rand.Read(s[:]); err != nil {
		t.Fatal(err)
	}
	return s
}

// frames writes frames of session s into a buffer, as a leader would.
func frames(t testing.TB, s Session, fs ...Frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	c := NewConn(&buf, s)
	for _, f := range fs {
		if err := c.Write(f.Type, f.Payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rw reads from r and writes into w.
type rw struct {
	io.Reader
	io.Writer
}

func TestRoundTrip(t *testing.T) {
	s := session(t)
	var e Enc
	e.String("/usr/sbin/lighttpd")
	e.Strings([]string{"lighttpd", "-D", "-f", "x.conf"})
	e.U64(7)
	e.I64(-86)
	e.U8(1)
	e.Bytes(nil)
	want := []Frame{
		{Type: Hello, Seq: 1, Payload: e.Payload()},
		{Type: Records, Seq: 2, Payload: bytes.Repeat([]byte{0xab}, 3000)},
		{Type: Heartbeat, Seq: 3, Payload: []byte{}},
		{Type: Abort, Seq: 4, Payload: []byte("divergence")},
	}
	in := bytes.NewReader(frames(t, s, want...))
	var out bytes.Buffer
	c := Accept(rw{in, &out})
	var got []Frame
	for {
		f, err := c.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frames (-sent +read):\n%s", diff)
	}
	if gs, ok := c.Session(); !ok || gs != s {
		t.Errorf("session %x, want %x", gs, s)
	}
	d := NewDec(got[0].Payload, "hello")
	path, argv, n, st, b, empty := d.String("path"), d.Strings("argv"), d.U64("n"), d.I64("status"), d.U8("b"), d.Bytes("empty")
	if err := d.Done(); err != nil {
		t.Fatal(err)
	}
	if path != "/usr/sbin/lighttpd" || len(argv) != 4 || argv[3] != "x.conf" || n != 7 || st != -86 || b != 1 || len(empty) != 0 {
		t.Errorf("decoded %q %q %d %d %d %q", path, argv, n, st, b, empty)
	}
	// The agent answers in the session it learnt.
	if err := c.Write(Welcome, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	lc := NewConn(rw{&out, io.Discard}, s)
	if f, err := lc.Read(); err != nil || f.Type != Welcome || f.Seq != 1 {
		t.Errorf("welcome: %+v, %v", f, err)
	}
}

// Each broken frame is refused with an error that names what is wrong, and
// never read past.
func TestBadFrames(t *testing.T) {
	s := session(t)
	hello := frames(t, s, Frame{Type: Hello, Payload: []byte("hi")})
	twoFrames := frames(t, s, Frame{Type: Hello, Payload: []byte("hi")}, Frame{Type: Records, Payload: []byte("r")})
	second := twoFrames[len(hello):]
	set := func(b []byte, off int, v ...byte) []byte {
		c := append([]byte(nil), b...)
		copy(c[off:], v)
		return c
	}
	other := session(t)
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nxxxxxxxx"), ErrMalformed},
		{"short header", hello[:20], ErrMalformed},
		{"short payload", hello[:HeaderSize+1], ErrMalformed},
		{"another version", set(hello, 4, Version+1), ErrMalformed},
		{"version 1", set(hello, 4, 1), ErrMalformed},
		{"unknown type", set(hello, 5, 99), ErrMalformed},
		{"reserved bits", set(hello, 7, 1), ErrMalformed},
		{"huge length", set(hello, 8, 0x7f, 0xff, 0xff, 0xff), ErrMalformed},
		{"first frame not a hello", second, ErrMalformed},
		{"empty session", set(hello, 20, make([]byte, 16)...), ErrMalformed},
		{"hello numbered 2", set(hello, 12, 0, 0, 0, 0, 0, 0, 0, 2), ErrSequence},
		{"frame of another session", append(append([]byte(nil), hello...),
			frames(t, other, Frame{Type: Hello}, Frame{Type: Records})[HeaderSize:]...), ErrSession},
		{"replayed frame", append(append([]byte(nil), hello...), hello...), ErrSequence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Accept(rw{bytes.NewReader(tc.in), io.Discard})
			var err error
			for i := 0; i < 3 && err == nil; i++ {
				_, err = c.Read()
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("read: %v, want %v", err, tc.err)
			}
		})
	}
}

func TestBadPayloads(t *testing.T) {
	var e Enc
	e.Strings([]string{"a", "b"})
	p := e.Payload()
	for _, tc := range []struct {
		name string
		p    []byte
		read func(d *Dec)
	}{
		{"truncated list", p[:len(p)-1], func(d *Dec) { d.Strings("argv") }},
		{"list longer than the payload", binary.BigEndian.AppendUint32(nil, 1<<30), func(d *Dec) { d.Strings("argv") }},
		{"string longer than the payload", binary.BigEndian.AppendUint32(nil, 100), func(d *Dec) { d.String("path") }},
		{"bytes left over", append(append([]byte(nil), p...), 0), func(d *Dec) { d.Strings("argv") }},
		{"integer cut short", []byte{1, 2, 3}, func(d *Dec) { d.U64("n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDec(tc.p, "hello")
			tc.read(d)
			if err := d.Done(); !errors.Is(err, ErrMalformed) {
				t.Errorf("Done: %v, want malformed", err)
			}
		})
	}
}

// countWriter counts the writes that reach the connection.
type countWriter struct {
	io.Writer
	n int
}

func (w *countWriter) Write(p []byte) (int, error) {
	w.n++
	return w.Writer.Write(p)
}

// Over a real connection, many small frames go out in few writes: the
// buffer batches them until it fills or Flush.
func TestBatching(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	cw := &countWriter{Writer: a}
	w := NewConn(rw{a, cw}, session(t))
	const n = 1000
	errc := make(chan error, 1)
	go func() {
		typ := Hello
		for i := 0; i < n; i++ {
			if err := w.Write(typ, make([]byte, 48)); err != nil {
				errc <- err
				return
			}
			typ = Records
		}
		errc <- w.Flush()
	}()
	r := Accept(b)
	for i := 1; i <= n; i++ {
		if f, err := r.Read(); err != nil || f.Seq != uint64(i) {
			t.Fatalf("frame %d: %+v, %v", i, f, err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// 1000 frames of 84 bytes: two buffers' worth.
	if cw.n > 3 {
		t.Errorf("%d frames took %d writes", n, cw.n)
	}
}

// FuzzRead: whatever arrives, Read returns a frame or an error, never
// panics, and never allocates more than the bytes that arrived allow.
func FuzzRead(f *testing.F) {
	s := Session{1}
	f.Add(frames(f, s, Frame{Type: Hello, Payload: []byte("x")}, Frame{Type: Records, Payload: []byte("yy")}))
	f.Add([]byte("DMVX"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := Accept(rw{bytes.NewReader(in), io.Discard})
		total := 0
		for {
			fr, err := c.Read()
			if err != nil {
				return
			}
			total += HeaderSize + len(fr.Payload)
			if total > len(in) {
				t.Fatalf("read %d bytes of frames from %d bytes of input", total, len(in))
			}
			d := NewDec(fr.Payload, "fuzz")
			d.Strings("a")
			d.U64("b")
			_ = d.Done()
		}
	})
}

// ReadShared reads what Read does, each payload in the connection's one
// buffer, so a frame's payload is gone once the next is read.
func TestReadShared(t *testing.T) {
	s := session(t)
	want := []Frame{
		{Type: Hello, Seq: 1, Payload: []byte("hello")},
		{Type: Records, Seq: 2, Payload: bytes.Repeat([]byte{0xab}, 3000)},
		{Type: Records, Seq: 3, Payload: bytes.Repeat([]byte{0xcd}, 100)},
		{Type: Heartbeat, Seq: 4, Payload: []byte{}},
	}
	c := Accept(rw{bytes.NewReader(frames(t, s, want...)), io.Discard})
	var first []byte
	for i, w := range want {
		f, err := c.ReadShared()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, f); diff != "" {
			t.Errorf("frame %d (-sent +read):\n%s", i, diff)
		}
		if i == 1 {
			first = f.Payload
		}
	}
	if first[0] != 0xcd {
		t.Errorf("the third frame went to memory of its own, not the connection's")
	}
	if _, err := c.ReadShared(); err != io.EOF {
		t.Errorf("after the last frame: %v, want EOF", err)
	}
}
