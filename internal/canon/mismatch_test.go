package canon

import (
	"strings"
	"testing"
)

func call(row *Row, vals ...Value) *Call {
	c := &Call{Row: row}
	copy(c.Vals[:], vals)
	return c
}

func TestMismatch(t *testing.T) {
	openat := &Row{Name: "openat", Args: A(FDA, StrA, FlagsA, IntA)}
	read := &Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)}
	mmap := &Row{Name: "mmap", Args: A(IgnoreA, IgnoreA, FlagsA, FlagsA, FDA, IntA)}
	kill := &Row{Name: "kill", Args: A(PIDA, IntA)}
	write := &Row{Name: "write", Args: A(FDA, InBufA(2), IntA)}
	str := func(s string) Value { return Value{V: 1, Data: []byte(s)} }
	v := func(x uint64) Value { return Value{V: x} }
	tests := []struct {
		name string
		a, b *Call
		want string // substring; "" means the calls agree
	}{
		{"equal", call(openat, v(3), str("/a"), v(0), v(0)), call(openat, v(3), str("/a"), v(0), v(0)), ""},
		{"different names", call(openat), call(read), "different calls: openat vs read"},
		{"different fd", call(openat, v(3), str("/a")), call(openat, v(4), str("/a")), "argument 0 (fd) differs: 0x3 vs 0x4"},
		{"different flags", call(openat, v(3), str("/a"), v(0x80000)), call(openat, v(3), str("/a"), v(0x80001)), "argument 2 (flags) differs"},
		{"different int", call(openat, v(3), str("/a"), v(0), v(0o644)), call(openat, v(3), str("/a"), v(0), v(0o600)), "argument 3 (int) differs: 0x1a4 vs 0x180"},
		{"different pid", call(kill, v(10), v(9)), call(kill, v(11), v(9)), "argument 0 (pid) differs"},
		{"NULL vs non-NULL input", call(openat, v(3), v(0)), call(openat, v(3), str("")), "argument 1 (str) is NULL in one variant only"},
		{"NULL vs non-NULL output", call(read, v(0), v(0), v(8)), call(read, v(0), v(1), v(8)), "argument 1 (outbuf) is NULL in one variant only"},
		{"different content", call(openat, v(3), str("/etc/passwd")), call(openat, v(3), str("/etc/shadow")), `argument 1 (str) content differs: "/etc/passwd" vs "/etc/shadow"`},
		{"empty vs nil content agree", call(write, v(1), Value{V: 1, Data: []byte{}}, v(0)), call(write, v(1), Value{V: 1}, v(0)), ""},
		{"ignored values differ", call(mmap, v(0x1000), v(0x2000), v(3), v(0x22)), call(mmap, v(0x7000), v(0x9000), v(3), v(0x22)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Mismatch(tt.a, tt.b)
			if tt.want == "" {
				if got != "" {
					t.Errorf("Mismatch = %q, want agreement", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("Mismatch = %q, want it to contain %q", got, tt.want)
			}
			if rev := Mismatch(tt.b, tt.a); rev == "" {
				t.Errorf("Mismatch is not symmetric: reversed calls agree")
			}
		})
	}
}

func TestMismatchExtra(t *testing.T) {
	row := &Row{Name: "rt_sigaction", Args: A(IntA, AddrA, AddrA, IntA)}
	a := &Call{Row: row, Extra: []byte("SIG_DFL")}
	b := &Call{Row: row, Extra: []byte("SIG_DFL")}
	if d := Mismatch(a, b); d != "" {
		t.Errorf("equal Extra: %q", d)
	}
	b.Extra = []byte("handler")
	if d := Mismatch(a, b); !strings.Contains(d, `rt_sigaction: call details differ: "SIG_DFL" vs "handler"`) {
		t.Errorf("different Extra: %q", d)
	}
	b.Extra = nil
	if d := Mismatch(a, b); d == "" {
		t.Errorf("Extra vs none agree")
	}
}

// Decoded calls of two variants whose addresses differ (ASLR) but whose
// contents agree make no mismatch.
func TestMismatchDecodedAcrossLayouts(t *testing.T) {
	row := &Row{Name: "openat", Args: A(FDA, StrA, FlagsA, IntA)}
	m1, m2 := newMem(), newMem()
	m2.next = 0x7f0000000000
	c1, err := Decode(row, 257, [6]uint64{1<<64 - 100, m1.str("/etc/hosts"), 0x80000, 0}, m1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Decode(row, 257, [6]uint64{1<<64 - 100, m2.str("/etc/hosts"), 0x80000, 0}, m2)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Raw == c2.Raw {
		t.Fatal("test setup: raw arguments should differ")
	}
	if d := Mismatch(c1, c2); d != "" {
		t.Errorf("Mismatch = %q", d)
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"", 8, `""`},
		{"abc", 8, `"abc"`},
		{"abcdefgh", 8, `"abcdefgh"`},
		{"abcdefghi", 8, `"abcdefgh"...`},
		{"a\nb\x00\xff", 8, `"a\nb\x00\xff"`},
		{"é", 8, `"\u00e9"`},
	}
	for _, tt := range tests {
		if got := Quote([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("Quote(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestCallString(t *testing.T) {
	strs := func(ss ...string) Value {
		var b []byte
		for _, s := range ss {
			b = append(append(b, s...), 0)
		}
		return Value{V: 1, Data: b, N: len(ss)}
	}
	str := func(s string) Value { return Value{V: 1, Data: []byte(s)} }
	v := func(x uint64) Value { return Value{V: x} }
	tests := []struct {
		name string
		c    *Call
		want string
	}{
		{
			"openat AT_FDCWD",
			call(&Row{Name: "openat", Args: A(FDA, StrA, FlagsA, IntA)}, v(1<<64-100), str("/etc/passwd"), v(0x80000), v(0o644)),
			`openat(AT_FDCWD, "/etc/passwd", 0x80000, 420)`,
		},
		{
			"AT_FDCWD zero-extended",
			call(&Row{Name: "openat", Args: A(FDA, StrA, FlagsA, IntA)}, v(0xffffff9c), str("x"), v(0), v(0)),
			`openat(AT_FDCWD, "x", 0x0, 0)`,
		},
		{
			"negative int and pid -100 is not AT_FDCWD",
			call(&Row{Name: "kill", Args: A(PIDA, IntA)}, v(1<<64-100), v(1<<64-1)),
			`kill(-100, -1)`,
		},
		{
			"NULL, & and ignored",
			call(&Row{Name: "mmap", Args: A(IgnoreA, IgnoreA, FlagsA, FlagsA, FDA, AddrA)}, v(0x1000), v(0x2000), v(3), v(0x22), v(1<<64-1), v(1)),
			`mmap(_, _, 0x3, 0x22, -1, &)`,
		},
		{
			"NULL input and output",
			call(&Row{Name: "x", Args: A(StrA, OutBufA(2), IntA)}, v(0), v(0), v(5)),
			`x(NULL, NULL, 5)`,
		},
		{
			"output pointer is &",
			call(&Row{Name: "read", Args: A(FDA, OutBufA(2), IntA)}, v(3), Value{V: 1}, v(4096)),
			`read(3, &, 4096)`,
		},
		{
			"quoted escaped input",
			call(&Row{Name: "write", Args: A(FDA, InBufA(2), IntA)}, v(1), str("hi\n\x00\""), v(5)),
			`write(1, "hi\n\x00\"", 5)`,
		},
		{
			"truncated input",
			call(&Row{Name: "write", Args: A(FDA, InBufA(2), IntA)}, v(1), str(strings.Repeat("a", 40)), v(40)),
			`write(1, "` + strings.Repeat("a", 32) + `"..., 40)`,
		},
		{
			"instruct shown as bytes",
			call(&Row{Name: "x", Args: A(InStructA(4))}, str("\x01\x02\x03\x04")),
			`x("\x01\x02\x03\x04")`,
		},
		{
			"strvec",
			call(&Row{Name: "execve", Args: A(StrA, StrVecA, StrVecA)}, str("/bin/ls"), strs("ls", "-l", ""), v(0)),
			`execve("/bin/ls", ["ls", "-l", ""], NULL)`,
		},
		{
			"strvec cut after 8",
			call(&Row{Name: "execve", Args: A(StrA, StrVecA)}, str("/p"), strs("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
			`execve("/p", ["0", "1", "2", "3", "4", "5", "6", "7", "..."])`,
		},
		{
			"extra",
			&Call{Row: &Row{Name: "rt_sigaction", Args: A(IntA)}, Vals: [6]Value{v(2)}, Extra: []byte("handler")},
			`rt_sigaction(2) {"handler"}`,
		},
		{
			"no args",
			call(&Row{Name: "getpid"}),
			`getpid()`,
		},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// An empty argv ([]) and an argv of one empty string ([""]) are different
// calls (Mismatch tells them apart) and should print differently.
func TestCallStringEmptyStrVec(t *testing.T) {
	row := &Row{Name: "execve", Args: A(StrA, StrVecA)}
	empty := call(row, Value{V: 1, Data: []byte("/p")}, Value{V: 1, N: 0})
	one := call(row, Value{V: 1, Data: []byte("/p")}, Value{V: 1, Data: []byte{0}, N: 1})
	if Mismatch(empty, one) == "" {
		t.Fatal("[] and [\"\"] compare equal")
	}
	if got, want := one.String(), `execve("/p", [""])`; got != want {
		t.Errorf("one empty string: %s, want %s", got, want)
	}
	if got, want := empty.String(), `execve("/p", [])`; got != want {
		t.Errorf("empty argv prints as %s, want %s", got, want)
	}
}

// Digest agrees with Mismatch: equal for calls that agree, different for
// each kind of difference Mismatch reports.
func TestDigestFollowsMismatch(t *testing.T) {
	row := &Row{Name: "pwrite64", Args: A(FDA, InBufA(2), IntA, IntA)}
	base := &Call{Row: row, Raw: [6]uint64{3, 0x1000, 5, 0}, Vals: [6]Value{{V: 3}, {V: 1, Data: []byte("hello")}, {V: 5}, {V: 0}}}
	same := *base
	same.Raw[1] = 0x2000 // another address: not compared
	if Mismatch(base, &same) != "" || Digest(base) != Digest(&same) {
		t.Error("calls that agree have different digests")
	}
	for name, f := range map[string]func(c *Call){
		"descriptor": func(c *Call) { c.Vals[0].V = 4 },
		"content":    func(c *Call) { c.Vals[1].Data = []byte("hellp") },
		"NULL":       func(c *Call) { c.Vals[1] = Value{} },
		"offset":     func(c *Call) { c.Vals[3].V = 1 },
		"extra":      func(c *Call) { c.Extra = []byte{1} },
		"call":       func(c *Call) { c.Row = &Row{Name: "write", Args: row.Args} },
	} {
		o := *base
		o.Vals = base.Vals
		f(&o)
		if Mismatch(base, &o) == "" {
			t.Fatalf("%s: Mismatch found no difference", name)
		}
		if Digest(base) == Digest(&o) {
			t.Errorf("%s: same digest for calls that differ", name)
		}
	}
}
