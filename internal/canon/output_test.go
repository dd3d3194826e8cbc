package canon

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"syscall"
	"testing"
)

func fill(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }

// decode is Decode that fails the test on error.
func decode(t *testing.T, row *Row, raw [6]uint64, m Mem) *Call {
	t.Helper()
	c, err := Decode(row, 0, raw, m)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return c
}

func TestCaptureApplyOutBuf(t *testing.T) {
	row := &Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)}
	tests := []struct {
		name string
		cap  int
		ret  int64
		want string
	}{
		{"partial", 16, 10, "0123456789"},
		{"full", 16, 16, "0123456789abcdef"},
		{"ret above capacity", 16, 100, "0123456789abcdef"},
		{"eof", 16, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lm := newMem()
			lp := lm.alloc([]byte("0123456789abcdef")[:tt.cap])
			lc := decode(t, row, [6]uint64{3, lp, uint64(tt.cap)}, lm)
			outs, err := Capture(lc, tt.ret, lm)
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 1 || outs[0].Arg != 1 || string(outs[0].Data) != tt.want {
				t.Fatalf("Capture = %+v, want one output for arg 1 with %q", outs, tt.want)
			}
			if OutBytes(outs) != len(tt.want) {
				t.Errorf("OutBytes = %d", OutBytes(outs))
			}

			fm := newMem()
			fm.next = 0x500000 // another layout
			fp := fm.alloc(fill('z', tt.cap))
			fc := decode(t, row, [6]uint64{3, fp, uint64(tt.cap)}, fm)
			if err := Apply(fc, outs, fm); err != nil {
				t.Fatal(err)
			}
			want := []byte(tt.want + string(fill('z', tt.cap-len(tt.want))))
			if got := fm.bytesAt(t, fp, tt.cap); !bytes.Equal(got, want) {
				t.Errorf("follower buffer = %q, want %q", got, want)
			}
			if tt.want == "" && fm.writes != 0 {
				t.Errorf("empty output made %d writes", fm.writes)
			}
		})
	}
}

func TestCaptureNothing(t *testing.T) {
	row := &Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)}
	m := newMem()
	p := m.zeros(16)
	c := decode(t, row, [6]uint64{3, p, 16}, m)
	for _, ret := range []int64{-1, -14, -4095} {
		m.reads = 0
		outs, err := Capture(c, ret, m)
		if err != nil || outs != nil || m.reads != 0 {
			t.Errorf("ret %d: Capture = %v, %v after %d reads, want nothing", ret, outs, err, m.reads)
		}
	}
	// A NULL output pointer captures nothing.
	c = decode(t, row, [6]uint64{3, 0, 16}, m)
	if outs, err := Capture(c, 16, m); err != nil || len(outs) != 0 {
		t.Errorf("NULL buffer: %v, %v", outs, err)
	}
	// Calls with no output arguments capture nothing.
	c = decode(t, &Row{Name: "close", Args: A(FDA)}, [6]uint64{3}, m)
	if outs, err := Capture(c, 0, m); err != nil || len(outs) != 0 {
		t.Errorf("close: %v, %v", outs, err)
	}
}

func TestCaptureApplyStructs(t *testing.T) {
	for _, k := range []Kind{OutStruct, InOutStruct} {
		t.Run(k.String(), func(t *testing.T) {
			row := &Row{Name: "fstat", Args: []Arg{FDA, {Kind: k, Len: -1, Size: 8}}}
			lm := newMem()
			lp := lm.alloc([]byte("STATBUF!extra"))
			lc := decode(t, row, [6]uint64{3, lp}, lm)
			outs, err := Capture(lc, 0, lm) // ret 0: the struct is still written
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 1 || string(outs[0].Data) != "STATBUF!" {
				t.Fatalf("Capture = %+v", outs)
			}
			fm := newMem()
			fp := fm.alloc(fill('z', 12))
			fc := decode(t, row, [6]uint64{3, fp}, fm)
			if err := Apply(fc, outs, fm); err != nil {
				t.Fatal(err)
			}
			if got := string(fm.bytesAt(t, fp, 12)); got != "STATBUF!zzzz" {
				t.Errorf("follower = %q", got)
			}
		})
	}
}

func TestCaptureApplyArrays(t *testing.T) {
	tests := []struct {
		name   string
		arg    Arg
		count  uint64
		ret    int64
		wantN  int // elements captured
		follow int // follower's element capacity
	}{
		{"outarray partial", OutArrayA(3, 4), 4, 2, 2, 4},
		{"outarray none", OutArrayA(3, 4), 4, 0, 0, 4},
		{"outarray ret above count", OutArrayA(3, 4), 3, 9, 3, 4},
		{"inoutarray whole whatever ret", InOutArrayA(3, 4), 3, 1, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := &Row{Name: "arr", Args: A(FDA, IntA, tt.arg, IntA)}
			src := []byte("AAAABBBBCCCCDDDD")
			lm := newMem()
			lp := lm.alloc(src)
			lc := decode(t, row, [6]uint64{0, 0, lp, tt.count}, lm)
			outs, err := Capture(lc, tt.ret, lm)
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 1 || outs[0].Arg != 2 || !bytes.Equal(outs[0].Data, src[:4*tt.wantN]) {
				t.Fatalf("Capture = %+v, want %q", outs, src[:4*tt.wantN])
			}
			fm := newMem()
			fm.next = 0x900000
			fp := fm.alloc(fill('z', 4*tt.follow))
			fc := decode(t, row, [6]uint64{0, 0, fp, tt.count}, fm)
			if err := Apply(fc, outs, fm); err != nil {
				t.Fatal(err)
			}
			want := append(append([]byte(nil), src[:4*tt.wantN]...), fill('z', 4*(tt.follow-tt.wantN))...)
			if got := fm.bytesAt(t, fp, 4*tt.follow); !bytes.Equal(got, want) {
				t.Errorf("follower = %q, want %q", got, want)
			}
		})
	}
}

func TestCaptureApplyOutIovec(t *testing.T) {
	row := &Row{Name: "readv", Args: A(FDA, OutIovecA(2), IntA)}
	lm := newMem()
	a := lm.alloc([]byte("abcd"))
	b := lm.alloc([]byte("efghijkl"))
	c := lm.alloc([]byte("mnopqrstuvwxyz01"))
	liov := lm.iovecs(Iovec{a, 4}, Iovec{0xdead0000, 0}, Iovec{b, 8}, Iovec{c, 16})
	lc := decode(t, row, [6]uint64{3, liov, 4}, lm)

	tests := []struct {
		ret  int64
		want string
	}{
		{0, ""},
		{3, "abc"},
		{10, "abcdefghij"},
		{28, "abcdefghijklmnopqrstuvwxyz01"},
	}
	for _, tt := range tests {
		outs, err := Capture(lc, tt.ret, lm)
		if err != nil {
			t.Fatalf("ret %d: %v", tt.ret, err)
		}
		if len(outs) != 1 || outs[0].Arg != 1 || string(outs[0].Data) != tt.want {
			t.Errorf("ret %d: Capture = %+v, want %q", tt.ret, outs, tt.want)
		}
	}

	// The follower scatters the leader's bytes over its own, differently
	// laid out iovecs.
	outs, err := Capture(lc, 10, lm)
	if err != nil {
		t.Fatal(err)
	}
	fm := newMem()
	fm.next = 0x7000000
	x := fm.alloc(fill('z', 3))
	y := fm.alloc(fill('z', 3))
	z := fm.alloc(fill('z', 10))
	fiov := fm.iovecs(Iovec{x, 3}, Iovec{0xbad0000, 0}, Iovec{y, 3}, Iovec{z, 10})
	fc := decode(t, row, [6]uint64{3, fiov, 4}, fm)
	if err := Apply(fc, outs, fm); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		addr uint64
		n    int
		want string
	}{{x, 3, "abc"}, {y, 3, "def"}, {z, 10, "ghijzzzzzz"}} {
		if got := string(fm.bytesAt(t, w.addr, w.n)); got != w.want {
			t.Errorf("follower iovec at %#x = %q, want %q", w.addr, got, w.want)
		}
	}

	// A follower with less room gets what fits.
	sm := newMem()
	s := sm.alloc(fill('z', 4))
	sc := decode(t, row, [6]uint64{3, sm.iovecs(Iovec{s, 4}), 1}, sm)
	if err := Apply(sc, outs, sm); err != nil {
		t.Fatal(err)
	}
	if got := string(sm.bytesAt(t, s, 4)); got != "abcd" {
		t.Errorf("short follower = %q", got)
	}
}

func TestCaptureApplyOutSockaddr(t *testing.T) {
	row := &Row{Name: "accept", Args: A(FDA, OutSockaddrA(2), AddrA)}
	sin := []byte("\x02\x00\x1f\x90\x0a\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")

	lm := newMem()
	lp := lm.alloc(sin)
	llen := lm.u32(16) // after the call: the address's length
	lc := decode(t, row, [6]uint64{3, lp, llen}, lm)
	outs, err := Capture(lc, 4, lm)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 || outs[0].Arg != 1 || outs[0].SockLen != 16 || !bytes.Equal(outs[0].Data, sin) {
		t.Fatalf("Capture = %+v", outs)
	}

	tests := []struct {
		name     string
		capacity uint32
		wantData int
	}{
		{"same capacity", 16, 16},
		{"larger capacity", 128, 16},
		{"smaller capacity", 8, 8},
		{"zero capacity", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm := newMem()
			fp := fm.alloc(fill('z', int(max(tt.capacity, 16))))
			flen := fm.u32(tt.capacity)
			fc := decode(t, row, [6]uint64{3, fp, flen}, fm)
			if err := Apply(fc, outs, fm); err != nil {
				t.Fatal(err)
			}
			got := fm.bytesAt(t, fp, 16)
			want := append(append([]byte(nil), sin[:tt.wantData]...), fill('z', 16-tt.wantData)...)
			if !bytes.Equal(got, want) {
				t.Errorf("follower address = %q, want %q", got, want)
			}
			if l := binary.LittleEndian.Uint32(fm.bytesAt(t, flen, 4)); l != 16 {
				t.Errorf("follower *addrlen = %d, want the leader's 16", l)
			}
		})
	}

	// NULL addrlen (accept(fd, addr, NULL) is EFAULT in the kernel, but the
	// monitor must not dereference it) and NULL addr capture nothing.
	for _, raw := range [][6]uint64{{3, lp, 0}, {3, 0, llen}} {
		c := decode(t, row, raw, lm)
		if outs, err := Capture(c, 4, lm); err != nil || len(outs) != 0 {
			t.Errorf("raw %v: Capture = %+v, %v", raw, outs, err)
		}
	}
	// A follower with NULL addrlen gets nothing written.
	fm := newMem()
	fp := fm.alloc(fill('z', 16))
	fc := decode(t, row, [6]uint64{3, fp, 0}, fm)
	if err := Apply(fc, outs, fm); err != nil || fm.writes != 0 {
		t.Errorf("follower NULL addrlen: %v, %d writes", err, fm.writes)
	}
}

// When the kernel truncates an address (the leader's capacity is smaller
// than the address), *addrlen holds the full length; only capacity bytes
// were written into the leader's buffer.
func TestCaptureOutSockaddrTruncated(t *testing.T) {
	row := &Row{Name: "getsockname", Args: A(FDA, OutSockaddrA(2), AddrA)}
	lm := newMem()
	lp := lm.alloc([]byte("\x01\x00/tmp/a-long-p")) // capacity 16, mapped to its end
	llen := lm.u32(15)                              // the capacity, before the call
	lc := decode(t, row, [6]uint64{3, lp, llen}, lm)
	if err := lm.Write(llen, []byte{110, 0, 0, 0}); err != nil { // the kernel's full length
		t.Fatal(err)
	}
	outs, err := Capture(lc, 0, lm)
	if err != nil {
		t.Fatalf("Capture read past the leader's 16-byte buffer: %v", err)
	}
	if len(outs) != 1 || outs[0].SockLen != 110 || len(outs[0].Data) > 15 {
		t.Errorf("Capture = %+v", outs)
	}
}

func TestCaptureMultipleOutputs(t *testing.T) {
	row := &Row{Name: "recvfrom", Args: A(FDA, OutBufA(2), IntA, FlagsA, OutSockaddrA(5), AddrA)}
	lm := newMem()
	buf := lm.alloc([]byte("datagram"))
	sa := lm.alloc([]byte("\x02\x00\x00\x35\x08\x08\x08\x08"))
	salen := lm.u32(8)
	lc := decode(t, row, [6]uint64{3, buf, 8, 0, sa, salen}, lm)
	outs, err := Capture(lc, 4, lm)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 2 || outs[0].Arg != 1 || string(outs[0].Data) != "data" || outs[1].Arg != 4 || outs[1].SockLen != 8 {
		t.Fatalf("Capture = %+v", outs)
	}
	if OutBytes(outs) != 12 {
		t.Errorf("OutBytes = %d, want 12", OutBytes(outs))
	}
}

func TestCaptureErrors(t *testing.T) {
	tests := []struct {
		name string
		row  *Row
		raw  func(m *fakeMem) [6]uint64
		ret  int64
		big  bool
	}{
		{"outbuf unmapped", &Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, 0xdead0000, 8} }, 8, false},
		{"outbuf over MaxInput", &Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.zeros(8), 1 << 40} }, MaxInput + 1, true},
		{"outstruct short", &Row{Name: "fstat", Args: A(FDA, OutStructA(144))},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.zeros(100)} }, 0, false},
		{"outarray too many", &Row{Name: "epoll_wait", Args: A(FDA, OutArrayA(2, 12), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.zeros(12), 1 << 20} }, 1 << 20, true},
		{"inoutarray too many", &Row{Name: "poll", Args: A(InOutArrayA(1, 8), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{m.zeros(8), 1 << 20} }, 0, true},
		{"outiovec too many", &Row{Name: "readv", Args: A(FDA, OutIovecA(2), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.zeros(16), MaxIovecs + 1} }, 1, true},
		{"outiovec ret over MaxInput", &Row{Name: "readv", Args: A(FDA, OutIovecA(2), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.iovecs(Iovec{m.zeros(8), 8}), 1} }, MaxInput + 1, true},
		{"outiovec base unmapped", &Row{Name: "readv", Args: A(FDA, OutIovecA(2), IntA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.iovecs(Iovec{0xdead0000, 8}), 1} }, 4, false},
		{"sockaddr len unmapped", &Row{Name: "accept", Args: A(FDA, OutSockaddrA(2), AddrA)},
			func(m *fakeMem) [6]uint64 { return [6]uint64{3, m.zeros(16), 0xdead0000} }, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMem()
			// Built by hand: Decode would refuse some of these inputs
			// before Capture sees them.
			c := &Call{Row: tt.row, Raw: tt.raw(m)}
			outs, err := Capture(c, tt.ret, m)
			if err == nil {
				t.Fatalf("Capture = %+v, want an error", outs)
			}
			if got := errors.Is(err, ErrTooLarge); got != tt.big {
				t.Errorf("errors.Is(%v, ErrTooLarge) = %v, want %v", err, got, tt.big)
			}
			if !tt.big && !errors.Is(err, syscall.EFAULT) {
				t.Errorf("error %v is not the memory's EFAULT", err)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	row := &Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)}
	m := newMem()
	p := m.zeros(4)
	fc := decode(t, row, [6]uint64{3, p, 4}, m)
	for _, arg := range []int{-1, 3, 6, 100} {
		err := Apply(fc, []Out{{Arg: arg, Data: []byte("x")}}, m)
		if err == nil || !strings.Contains(err.Error(), "read: output for argument") {
			t.Errorf("output for arg %d: %v", arg, err)
		}
	}
	// More data than the follower has mapped.
	if err := Apply(fc, []Out{{Arg: 1, Data: []byte("12345")}}, m); !errors.Is(err, syscall.EFAULT) {
		t.Errorf("overlong output: %v", err)
	}
	// A follower's NULL pointer is skipped.
	nc := decode(t, row, [6]uint64{3, 0, 4}, m)
	m.writes = 0
	if err := Apply(nc, []Out{{Arg: 1, Data: []byte("1234")}}, m); err != nil || m.writes != 0 {
		t.Errorf("NULL follower buffer: %v, %d writes", err, m.writes)
	}
	if err := Apply(fc, nil, m); err != nil {
		t.Errorf("no outputs: %v", err)
	}
}
