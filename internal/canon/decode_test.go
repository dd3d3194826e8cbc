package canon

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"
)

func TestKindIsInputIsOutput(t *testing.T) {
	tests := []struct {
		k       Kind
		in, out bool
	}{
		{None, false, false},
		{Int, false, false},
		{Flags, false, false},
		{FD, false, false},
		{PID, false, false},
		{Addr, false, false},
		{Ignore, false, false},
		{Str, true, false},
		{StrVec, true, false},
		{InBuf, true, false},
		{OutBuf, false, true},
		{InStruct, true, false},
		{OutStruct, false, true},
		{InOutStruct, true, true},
		{InIovec, true, false},
		{OutIovec, false, true},
		{InSockaddr, true, false},
		{OutSockaddr, false, true},
		{InOutArray, true, true},
		{OutArray, false, true},
		{InArray, true, false},
	}
	if len(tests) != len(kindNames) {
		t.Fatalf("table covers %d kinds, package has %d", len(tests), len(kindNames))
	}
	for _, tt := range tests {
		if got := tt.k.IsInput(); got != tt.in {
			t.Errorf("%s.IsInput() = %v, want %v", tt.k, got, tt.in)
		}
		if got := tt.k.IsOutput(); got != tt.out {
			t.Errorf("%s.IsOutput() = %v, want %v", tt.k, got, tt.out)
		}
		if s := tt.k.String(); s == "" || s == "kind?" {
			t.Errorf("Kind(%d).String() = %q", tt.k, s)
		}
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{Kind(200).String(), "kind?"},
		{InSockaddr.String(), "insockaddr"},
		{ExecLeader.String(), "leader"},
		{ExecSpecial.String(), "special"},
		{Exec(99).String(), "exec?"},
		{Never.String(), "never"},
		{SocketRW.String(), "socket-rw"},
		{Level(99).String(), "level?"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestInLockstep(t *testing.T) {
	const protRead = 0x1
	tests := []struct {
		name string
		row  Row
		raw  [6]uint64
		want bool
	}{
		{"lockstep", Row{Sync: Lockstep}, [6]uint64{}, true},
		{"unsynced", Row{Sync: Unsynced}, [6]uint64{0, 0, ProtExec}, false},
		{"unless exec, read", Row{Sync: UnsyncedUnlessExec, ProtArg: 2}, [6]uint64{0, 0, protRead}, false},
		{"unless exec, exec", Row{Sync: UnsyncedUnlessExec, ProtArg: 2}, [6]uint64{0, 0, protRead | ProtExec}, true},
		{"unless exec, other arg", Row{Sync: UnsyncedUnlessExec, ProtArg: 2}, [6]uint64{ProtExec, ProtExec, 0}, false},
		{"unless exec, arg 3", Row{Sync: UnsyncedUnlessExec, ProtArg: 3}, [6]uint64{0, 0, 0, ProtExec}, true},
	}
	for _, tt := range tests {
		if got := tt.row.InLockstep(tt.raw); got != tt.want {
			t.Errorf("%s: InLockstep = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	row := &Row{Name: "vals", Args: A(IntA, FlagsA, FDA, PIDA, AddrA, IgnoreA)}
	raw := [6]uint64{0xffffffffffffffff, 0x80042, 0xffffffffffffff9c, 1234, 0x7ffd0000, 0xdead}
	m := newMem()
	c, err := Decode(row, 42, raw, m)
	if err != nil {
		t.Fatal(err)
	}
	if m.reads != 0 {
		t.Errorf("value kinds read memory %d times", m.reads)
	}
	want := [6]uint64{raw[0], raw[1], raw[2], raw[3], 1, 0}
	for i := range want {
		if c.Vals[i].V != want[i] || c.Vals[i].Data != nil {
			t.Errorf("arg %d (%s): got %+v, want V=%#x", i, row.Args[i].Kind, c.Vals[i], want[i])
		}
	}
	if c.Nr != 42 || c.Raw != raw || c.Row != row || c.Name() != "vals" {
		t.Errorf("call header: %+v", c)
	}
}

// Pointer kinds whose target is not read are NULL/non-NULL only, whatever
// memory holds (here: nothing is mapped).
func TestDecodeUnreadPointers(t *testing.T) {
	// OutSockaddr is not here: it reads its capacity (TestDecodeOutSockaddrCapacity).
	for _, k := range []Kind{Addr, OutBuf, OutStruct, OutIovec, OutArray} {
		for _, p := range []uint64{0, 1, 0xdeadbeef, 1 << 63} {
			row := &Row{Name: "p", Args: []Arg{{Kind: k, Len: 1, Size: 8}, IntA}}
			m := newMem()
			c, err := Decode(row, 0, [6]uint64{p, 1 << 40}, m)
			if err != nil {
				t.Fatalf("%s %#x: %v", k, p, err)
			}
			want := uint64(0)
			if p != 0 {
				want = 1
			}
			if c.Vals[0].V != want || c.Vals[0].Data != nil || m.reads != 0 {
				t.Errorf("%s %#x: got %+v after %d reads, want V=%d", k, p, c.Vals[0], m.reads, want)
			}
		}
	}
}

// Every input kind with a NULL pointer decodes to V=0 without reading, even
// with an absurd length.
func TestDecodeNullInputs(t *testing.T) {
	for _, k := range []Kind{Str, StrVec, InBuf, InStruct, InOutStruct, InIovec, InSockaddr, InOutArray, InArray} {
		row := &Row{Name: "n", Args: []Arg{{Kind: k, Len: 1, Size: 16}, IntA}}
		m := newMem()
		c, err := Decode(row, 0, [6]uint64{0, 1 << 62}, m)
		if err != nil {
			t.Errorf("%s NULL: %v", k, err)
			continue
		}
		if c.Vals[0].V != 0 || c.Vals[0].Data != nil || m.reads != 0 {
			t.Errorf("%s NULL: got %+v after %d reads", k, c.Vals[0], m.reads)
		}
	}
}

func TestDecodeInputs(t *testing.T) {
	type setup func(m *fakeMem) [6]uint64
	tests := []struct {
		name  string
		args  []Arg
		setup setup
		data  string
		n     int
	}{
		{
			name:  "str",
			args:  A(FDA, StrA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{0, m.str("/etc/passwd")} },
			data:  "/etc/passwd",
		},
		{
			name:  "empty str",
			args:  A(StrA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{m.str("")} },
			data:  "",
		},
		{
			name: "strvec",
			args: A(StrA, StrVecA),
			setup: func(m *fakeMem) [6]uint64 {
				return [6]uint64{m.str("/bin/ls"), m.ptrs(m.str("ls"), m.str(""), m.str("-l"), 0)}
			},
			data: "ls\x00\x00-l\x00",
			n:    3,
		},
		{
			name:  "empty strvec",
			args:  A(StrVecA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{m.ptrs(0)} },
			data:  "",
			n:     0,
		},
		{
			name:  "inbuf",
			args:  A(FDA, InBufA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.alloc([]byte("hello\x00world")), 11} },
			data:  "hello\x00world",
		},
		{
			name:  "inbuf prefix",
			args:  A(FDA, InBufA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.alloc([]byte("hello world")), 5} },
			data:  "hello",
		},
		{
			name:  "inbuf zero length",
			args:  A(FDA, InBufA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.zeros(0), 0} },
			data:  "",
		},
		{
			name:  "instruct",
			args:  A(InStructA(4)),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{m.alloc([]byte("abcdefgh"))} },
			data:  "abcd",
		},
		{
			name:  "inoutstruct",
			args:  A(IntA, InOutStructA(3)),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{0, m.alloc([]byte("xyz"))} },
			data:  "xyz",
		},
		{
			name:  "inarray",
			args:  A(InArrayA(1, 2), IntA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{m.alloc([]byte("aabbccdd")), 3} },
			data:  "aabbcc",
		},
		{
			name:  "inoutarray",
			args:  A(InOutArrayA(1, 8), IntA, IntA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{m.alloc([]byte("0123456789abcdef")), 2, 100} },
			data:  "0123456789abcdef",
		},
		{
			name: "iniovec",
			args: A(FDA, InIovecA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 {
				return [6]uint64{1, m.iovecs(
					Iovec{m.alloc([]byte("ab")), 2},
					Iovec{0xdead0000, 0}, // empty: its base is never read
					Iovec{m.alloc([]byte("cdefXX")), 4},
				), 3}
			},
			data: "abcdef",
			n:    3,
		},
		{
			name:  "iniovec zero count",
			args:  A(FDA, InIovecA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 { return [6]uint64{1, 0xdead0000, 0} },
			data:  "",
		},
		{
			name: "sockaddr unix",
			args: A(FDA, InSockaddrA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 {
				return [6]uint64{3, m.alloc([]byte("\x01\x00/tmp/s\x00garbage")), 16}
			},
			data: "\x01\x00/tmp/s",
		},
		{
			name: "sockaddr unix abstract",
			args: A(FDA, InSockaddrA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 {
				return [6]uint64{3, m.alloc([]byte("\x01\x00\x00abs\x00x")), 8}
			},
			data: "\x01\x00\x00abs\x00x",
		},
		{
			name: "sockaddr inet",
			args: A(FDA, InSockaddrA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 {
				return [6]uint64{3, m.alloc([]byte("\x02\x00\x00\x50\x7f\x00\x00\x01GARBAGE!")), 16}
			},
			data: "\x02\x00\x00\x50\x7f\x00\x00\x01",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMem()
			raw := tt.setup(m)
			c, err := Decode(&Row{Name: tt.name, Args: tt.args}, 0, raw, m)
			if err != nil {
				t.Fatal(err)
			}
			// The input is the last pointer argument with content.
			var v Value
			for i, a := range tt.args {
				if a.Kind.IsInput() {
					v = c.Vals[i]
				}
			}
			if v.V != 1 {
				t.Errorf("V = %d, want 1 (non-NULL)", v.V)
			}
			if string(v.Data) != tt.data {
				t.Errorf("Data = %q, want %q", v.Data, tt.data)
			}
			if v.N != tt.n {
				t.Errorf("N = %d, want %d", v.N, tt.n)
			}
		})
	}
}

func TestCanonSockaddr(t *testing.T) {
	inet6 := append([]byte("\x0a\x00\x00\x50"), bytes.Repeat([]byte{7}, 24)...)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"one byte", "\x01", "\x01"},
		{"unix unnamed", "\x01\x00", "\x01\x00"},
		{"unix path, garbage after NUL", "\x01\x00/a\x00zz", "\x01\x00/a"},
		{"unix path without NUL", "\x01\x00/abc", "\x01\x00/abc"},
		{"unix abstract kept whole", "\x01\x00\x00ab\x00c", "\x01\x00\x00ab\x00c"},
		{"inet sin_zero dropped", "\x02\x00\x01\x02\x03\x04\x05\x06zzzzzzzz", "\x02\x00\x01\x02\x03\x04\x05\x06"},
		{"inet short kept", "\x02\x00\x01", "\x02\x00\x01"},
		{"inet6 trailing dropped", string(inet6) + "tail", string(inet6)},
		{"inet6 short kept", "\x0a\x00\x01", "\x0a\x00\x01"},
		{"other family kept", "\x10\x00abc\x00def", "\x10\x00abc\x00def"},
	}
	for _, tt := range tests {
		if got := CanonSockaddr([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("%s: CanonSockaddr(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// Two variants binding the same path with different stack garbage (and one
// counting the NUL in addrlen, one not) make the same canonical call.
func TestSockaddrGarbageNotCompared(t *testing.T) {
	row := &Row{Name: "bind", Args: A(FDA, InSockaddrA(2), IntA)}
	m := newMem()
	a, err := Decode(row, 49, [6]uint64{3, m.alloc([]byte("\x01\x00/run/x\x00AAAA")), 13}, m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(row, 49, [6]uint64{3, m.alloc([]byte("\x01\x00/run/x\x00BBBB")), 13}, m)
	if err != nil {
		t.Fatal(err)
	}
	// The addrlen argument is an Int and is compared, so keep it the same.
	if d := Mismatch(a, b); d != "" {
		t.Errorf("AF_UNIX garbage compared: %s", d)
	}
	in1, _ := Decode(row, 42, [6]uint64{3, m.alloc([]byte("\x02\x00\x00\x50\x7f\x00\x00\x01\x01\x02\x03\x04\x05\x06\x07\x08")), 16}, m)
	in2, _ := Decode(row, 42, [6]uint64{3, m.alloc([]byte("\x02\x00\x00\x50\x7f\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")), 16}, m)
	if d := Mismatch(in1, in2); d != "" {
		t.Errorf("sin_zero compared: %s", d)
	}
	in3, _ := Decode(row, 42, [6]uint64{3, m.alloc([]byte("\x02\x00\x00\x51\x7f\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")), 16}, m)
	if d := Mismatch(in1, in3); d == "" {
		t.Errorf("different ports compare equal")
	}
}

func TestDecodeErrors(t *testing.T) {
	bigIovs := func(m *fakeMem, n int) uint64 {
		iovs := make([]Iovec, n)
		for i := range iovs {
			iovs[i] = Iovec{0x1000, 0}
		}
		return m.iovecs(iovs...)
	}
	tests := []struct {
		name    string
		args    []Arg
		setup   func(m *fakeMem) [6]uint64
		tooBig  bool // errors.Is(err, ErrTooLarge)
		isFault bool // errors.Is(err, EFAULT)
	}{
		{
			name:   "inbuf over MaxInput",
			args:   A(FDA, InBufA(2), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.zeros(16), MaxInput + 1} },
			tooBig: true,
		},
		{
			name:   "inbuf huge length",
			args:   A(FDA, InBufA(2), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.zeros(16), 1 << 63} },
			tooBig: true,
		},
		{
			name:   "insockaddr over MaxInput",
			args:   A(FDA, InSockaddrA(2), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.zeros(16), 1 << 40} },
			tooBig: true,
		},
		{
			name:    "inbuf past mapping",
			args:    A(FDA, InBufA(2), IntA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.zeros(16), 17} },
			isFault: true,
		},
		{
			name:    "inbuf unmapped",
			args:    A(FDA, InBufA(2), IntA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{1, 0xdead0000, 1} },
			isFault: true,
		},
		{
			name:    "instruct past mapping",
			args:    A(InStructA(32)),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{m.zeros(31)} },
			isFault: true,
		},
		{
			name:   "inarray too many elements",
			args:   A(InArrayA(1, 8), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{m.zeros(8), maxArrayElem + 1} },
			tooBig: true,
		},
		{
			name:   "inoutarray negative count",
			args:   A(InOutArrayA(1, 8), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{m.zeros(8), 1<<64 - 1} },
			tooBig: true,
		},
		{
			name:   "iovec count over MaxIovecs",
			args:   A(FDA, InIovecA(2), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{1, bigIovs(m, MaxIovecs+1), MaxIovecs + 1} },
			tooBig: true,
		},
		{
			name:   "one iovec over MaxInput",
			args:   A(FDA, InIovecA(2), IntA),
			setup:  func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.iovecs(Iovec{0x1000, MaxInput + 1}), 1} },
			tooBig: true,
		},
		{
			name: "iovec total over MaxInput",
			args: A(FDA, InIovecA(2), IntA),
			setup: func(m *fakeMem) [6]uint64 {
				return [6]uint64{1, m.iovecs(Iovec{0x1000, MaxInput/2 + 1}, Iovec{0x1000, MaxInput / 2}), 2}
			},
			tooBig: true,
		},
		{
			name:    "iovec array past mapping",
			args:    A(FDA, InIovecA(2), IntA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.iovecs(Iovec{0x1000, 0}), 2} },
			isFault: true,
		},
		{
			name:    "iovec base unmapped",
			args:    A(FDA, InIovecA(2), IntA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{1, m.iovecs(Iovec{0xdead0000, 3}), 1} },
			isFault: true,
		},
		{
			name:    "str unterminated at mapping end",
			args:    A(StrA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{m.alloc([]byte("/etc/pass"))} },
			isFault: true,
		},
		{
			name:    "str longer than MaxString",
			args:    A(StrA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{m.str(strings.Repeat("a", MaxString+1))} },
			isFault: true, // the kernel fails it (ENAMETOOLONG); recorded, not an error
		},
		{
			name:    "strvec element unmapped",
			args:    A(StrVecA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{m.ptrs(m.str("a"), 0xdead0000, 0)} },
			isFault: true,
		},
		{
			name:    "strvec without NULL terminator",
			args:    A(StrVecA),
			setup:   func(m *fakeMem) [6]uint64 { return [6]uint64{m.ptrs(m.str("a"), m.str("b"))} },
			isFault: true,
		},
		{
			name: "strvec too many entries",
			args: A(StrVecA),
			setup: func(m *fakeMem) [6]uint64 {
				s := m.str("x")
				p := make([]uint64, MaxStrVec+10)
				for i := range p[:len(p)-1] {
					p[i] = s
				}
				return [6]uint64{m.ptrs(p...)}
			},
			tooBig: true,
		},
		{
			name: "strvec over MaxInput bytes",
			args: A(StrVecA),
			setup: func(m *fakeMem) [6]uint64 {
				s := m.str(strings.Repeat("e", 1<<17-1))
				p := make([]uint64, MaxInput/(1<<17)+2)
				for i := range p[:len(p)-1] {
					p[i] = s
				}
				return [6]uint64{m.ptrs(p...)}
			},
			tooBig: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMem()
			raw := tt.setup(m)
			c, err := Decode(&Row{Name: "x", Args: tt.args}, 0, raw, m)
			if tt.isFault {
				// A bad pointer is not the monitor's error: the kernel
				// fails the call with EFAULT. The canonical call says the
				// argument was unreadable, with no address in it.
				if err != nil || c == nil || !strings.Contains(string(c.Extra), "arg 1 unreadable") && !strings.Contains(string(c.Extra), "arg 0 unreadable") {
					t.Fatalf("bad pointer: err %v, call %+v", err, c)
				}
				if strings.Contains(string(c.Extra), "0x") {
					t.Errorf("Extra %q holds an address", c.Extra)
				}
				return
			}
			if err == nil {
				t.Fatal("Decode succeeded, want an error")
			}
			if got := errors.Is(err, ErrTooLarge); got != tt.tooBig {
				t.Errorf("errors.Is(%v, ErrTooLarge) = %v, want %v", err, got, tt.tooBig)
			}
			if got := errors.Is(err, syscall.EFAULT); got != tt.isFault {
				t.Errorf("errors.Is(%v, EFAULT) = %v, want %v", err, got, tt.isFault)
			}
			if !strings.HasPrefix(err.Error(), "x arg ") {
				t.Errorf("error %q does not name the call and argument", err)
			}
		})
	}
}

func TestDecodeStrVecLimit(t *testing.T) {
	m := newMem()
	s := m.str("x")
	p := make([]uint64, MaxStrVec) // MaxStrVec-1 entries and the NULL
	for i := range p[:len(p)-1] {
		p[i] = s
	}
	c, err := Decode(&Row{Name: "execve", Args: A(StrA, StrVecA)}, 59, [6]uint64{s, m.ptrs(p...)}, m)
	if err != nil {
		t.Fatalf("%d argv entries: %v", MaxStrVec-1, err)
	}
	if c.Vals[1].N != MaxStrVec-1 || len(c.Vals[1].Data) != 2*(MaxStrVec-1) {
		t.Errorf("N = %d, len(Data) = %d", c.Vals[1].N, len(c.Vals[1].Data))
	}
}

// The capacity of an OutSockaddr (*len before the call) is kept: the
// kernel writes no more than that, whatever length it stores.
func TestDecodeOutSockaddrCapacity(t *testing.T) {
	m := newMem()
	row := &Row{Name: "accept4", Args: A(FDA, OutSockaddrA(2), AddrA, FlagsA)}
	c, err := Decode(row, 288, [6]uint64{3, m.zeros(128), m.u32(110)}, m)
	if err != nil || c.Vals[1].V != 1 || c.Vals[1].N != 110 {
		t.Fatalf("got %+v, %v", c.Vals[1], err)
	}
	c, err = Decode(row, 288, [6]uint64{3, m.zeros(128), 0xdead0000}, m)
	if err != nil || !strings.Contains(string(c.Extra), "arg 1 unreadable") {
		t.Fatalf("unreadable socklen: %+v, %v", c, err)
	}
}

func TestDecodeUnknownKind(t *testing.T) {
	m := newMem()
	_, err := Decode(&Row{Name: "x", Args: []Arg{{Kind: Kind(100), Len: -1}}}, 0, [6]uint64{m.zeros(8)}, m)
	if err == nil || !strings.Contains(err.Error(), "no decoder") {
		t.Errorf("unknown kind: %v", err)
	}
}

// A row with more than six arguments (a table mistake) must not panic.
func TestDecodeSevenArgs(t *testing.T) {
	row := &Row{Name: "x", Args: A(IntA, IntA, IntA, IntA, IntA, IntA, StrA)}
	c, err := Decode(row, 0, [6]uint64{1, 2, 3, 4, 5, 6}, newMem())
	if err != nil {
		t.Fatal(err)
	}
	if c.Vals[5].V != 6 {
		t.Errorf("arg 5 = %d", c.Vals[5].V)
	}
	_ = Mismatch(c, c)
	_ = c.String()
}

func TestReadIovecs(t *testing.T) {
	m := newMem()
	p := m.iovecs(Iovec{0x1000, 3}, Iovec{0x2000, 0}, Iovec{1 << 40, 7})
	iovs, err := ReadIovecs(m, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []Iovec{{0x1000, 3}, {0x2000, 0}, {1 << 40, 7}}
	if len(iovs) != len(want) {
		t.Fatalf("got %v", iovs)
	}
	for i := range want {
		if iovs[i] != want[i] {
			t.Errorf("iov %d = %+v, want %+v", i, iovs[i], want[i])
		}
	}
	if iovs, err := ReadIovecs(m, 0, 5); iovs != nil || err != nil {
		t.Errorf("NULL array: %v, %v", iovs, err)
	}
	if iovs, err := ReadIovecs(m, p, 0); iovs != nil || err != nil {
		t.Errorf("zero count: %v, %v", iovs, err)
	}
	if _, err := ReadIovecs(m, p, MaxIovecs+1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxIovecs+1: %v", err)
	}
	if _, err := ReadIovecs(m, 0, 1<<63); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge count with NULL: %v", err)
	}
}
