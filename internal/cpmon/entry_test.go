package cpmon

import (
	"encoding/binary"
	"strings"
	"testing"

	"dmvx/internal/abi"
	"dmvx/internal/abi/abitest"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/abi/arm64"
	"dmvx/internal/canon"
	"dmvx/internal/ptrace"
)

// decodeOn decodes the call name(args) of ABI a, with mem for its pointers.
func decodeOn(t *testing.T, a *abi.ABI, mem *abitest.Mem, name string, args ...uint64) *canon.Call {
	t.Helper()
	nr, ok := a.Number(name)
	if !ok {
		t.Fatalf("%s has no call %s", a.Arch, name)
	}
	var raw [6]uint64
	copy(raw[:], args)
	row, err := a.Lookup(nr, raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := canon.Decode(row, nr, raw, mem)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// What a loader may do before the program's entry, on both ISAs: the
// same rule whichever name the call has there.
func TestLoaderCheck(t *testing.T) {
	const (
		atFDCWD   = ^uint64(99)
		oRdonly   = 0
		oWronly   = 1
		oCreat    = 0o100
		oCloexec  = 0o2000000
		protRead  = 1
		protWrite = 2
		protExec  = 4
	)
	for _, a := range []*abi.ABI{amd64.ABI, arm64.ABI} {
		mem := abitest.NewMem(0x10000)
		lib := mem.Str("/lib/libc.so.6")
		for _, tc := range []struct {
			name  string
			args  []uint64
			allow bool
			why   string
		}{
			{"openat", []uint64{atFDCWD, lib, oRdonly | oCloexec}, true, ""},
			{"openat", []uint64{atFDCWD, lib, oWronly}, false, "an open for writing"},
			{"openat", []uint64{atFDCWD, lib, oRdonly | oCreat, 0o644}, false, "an open for writing"},
			{"mmap", []uint64{0, 4096, protRead | protExec, 2, 3, 0}, true, ""},
			{"mmap", []uint64{0, 4096, protWrite | protExec, 0x22, ^uint64(0), 0}, false, "writable and executable"},
			{"mprotect", []uint64{0x1000, 4096, protRead}, true, ""},
			{"mprotect", []uint64{0x1000, 4096, protRead | protWrite | protExec}, false, "writable and executable"},
			{"prlimit64", []uint64{0, 3, 0, mem.Zeros(16)}, true, ""},
			{"prlimit64", []uint64{0, 3, mem.Alloc(make([]byte, 16)), 0}, false, "a new resource limit"},
			{"read", []uint64{3, mem.Zeros(832), 832}, true, ""},
			{"set_tid_address", []uint64{mem.Zeros(4)}, true, ""},
			{"write", []uint64{2, mem.Str("x"), 1}, false, "before the program's entry"},
			{"execve", []uint64{lib, 0, 0}, false, "before the program's entry"},
			{"socket", []uint64{2, 1, 0}, false, "before the program's entry"},
			{"rt_sigaction", []uint64{2, 0, 0, 8}, false, "before the program's entry"},
		} {
			c := decodeOn(t, a, mem, tc.name, tc.args...)
			why := loaderCheck(c)
			if (why == "") != tc.allow || !strings.Contains(why, tc.why) {
				t.Errorf("%s %s%v: %q, want allowed %v (%q)", a.Arch, tc.name, tc.args, why, tc.allow, tc.why)
			}
		}
		// amd64's own names go by their generic ones.
		if a == amd64.ABI {
			if why := loaderCheck(decodeOn(t, a, mem, "open", lib, oRdonly)); why != "" {
				t.Errorf("amd64 open read-only: %q", why)
			}
			if why := loaderCheck(decodeOn(t, a, mem, "open", lib, oWronly|oCreat, 0o644)); why == "" {
				t.Errorf("amd64 open for writing allowed")
			}
		}
	}
}

// A breakpoint at the entry: where each ISA leaves the task when it traps.
func TestEntryTrapHit(t *testing.T) {
	e := &entryTrap{addr: 0x401000}
	x86 := ptrace.Regs{X86: ptrace.AMD64Regs{Rip: 0x401001}} // after int3
	a64 := ptrace.Regs{Arch: ptrace.ArchARM64, A64: ptrace.ARM64Regs{Pc: 0x401000}}
	if !e.hit(&x86) || !e.hit(&a64) {
		t.Error("a task stopped at its entry breakpoint is not seen there")
	}
	x86.X86.Rip, a64.A64.Pc = 0x401000, 0x401004
	if e.hit(&x86) || e.hit(&a64) {
		t.Error("a task elsewhere is taken for one at the breakpoint")
	}
	if len(trapCode[ptrace.ArchAMD64]) != 1 || binary.LittleEndian.Uint32(trapCode[ptrace.ArchARM64]) != 0xd4200000 {
		t.Error("trap instructions: int3, brk #0")
	}
}

// clone3 and clone agree when they ask for the same thread.
func TestSpawnMismatch(t *testing.T) {
	const thread = 0x3d0f00 // pthread_create's flags
	mem := abitest.NewMem(0x10000)
	args := make([]byte, 88)
	binary.LittleEndian.PutUint64(args[0:], thread)
	c3 := decodeOn(t, amd64.ABI, mem, "clone3", mem.Alloc(args), 88)
	c3.Extra = append(binary.LittleEndian.AppendUint64(nil, thread), make([]byte, 8)...) // flags, exit_signal
	cl := decodeOn(t, arm64.ABI, mem, "clone", thread, 0x7000, 0x7100, 0x7200, 0x7300)
	a := &task{call: c3, clone: cloneInfo{flags: thread}}
	b := &task{call: cl, clone: cloneInfo{flags: thread}}
	if mm, ok := spawnMismatch(a, b); !ok || mm != "" {
		t.Errorf("clone3 and clone of one thread: %q, %v", mm, ok)
	}
	b.clone.flags = thread &^ 0x10000 // no CLONE_THREAD: a process
	if mm, ok := spawnMismatch(a, b); !ok || mm == "" {
		t.Errorf("a thread and a process agree: %q, %v", mm, ok)
	}
	if _, ok := spawnMismatch(a, a); ok {
		t.Error("two clone3 calls are not compared as usual")
	}
}

// A hashed argument of a follower of another ISA is found in the leader's
// call by its generic position: amd64's open(path, ...) holds the path in
// argument 0, arm64's openat(dirfd, path, ...) in argument 1.
func TestSameArg(t *testing.T) {
	open, err := amd64.Lookup(amd64.SYS_OPEN, [6]uint64{})
	if err != nil {
		t.Fatal(err)
	}
	openat, err := arm64.Lookup(arm64.SYS_OPENAT, [6]uint64{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		from, to *canon.Row
		i, want  int
	}{
		{openat, open, 1, 0},  // the path
		{openat, open, 2, 1},  // the flags
		{openat, open, 0, -1}, // the dirfd: amd64's open has none
		{open, openat, 0, 1},
		{openat, openat, 3, 3},
	} {
		if got := sameArg(tc.from, tc.to, tc.i); got != tc.want {
			t.Errorf("%s arg %d in %s: %d, want %d", tc.from.Name, tc.i, tc.to.Name, got, tc.want)
		}
	}
	// hashedLike replaces the leader's path by its digest where the
	// follower's mask names its own argument 1.
	mem := abitest.NewMem(0x10000)
	path := "/a/path/longer/than/nothing"
	lc := decodeOn(t, amd64.ABI, mem, "open", mem.Str(path), 0)
	fc := decodeOn(t, arm64.ABI, mem, "openat", ^uint64(99), mem.Str(path), 0, 0)
	h := hashedLike(lc, 1<<1, fc)
	if string(h.Vals[0].Data) != string(digest([]byte(path))) || string(lc.Vals[0].Data) != path {
		t.Errorf("the leader's path was not hashed in its own place: %q", h.Vals[0].Data)
	}
}
