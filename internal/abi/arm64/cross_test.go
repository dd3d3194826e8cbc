package arm64

import (
	"bytes"
	"encoding/binary"
	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"

	"dmvx/internal/abi/abitest"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/canon"
)

// Calls as an amd64 and an arm64 variant make them: registers, and memory
// that each variant holds at its own addresses (ASLR, and another ISA).

const (
	atFDCWD = canon.AtFDCWD
	// O_* of both ABIs.
	oRdonly, oWronly, oCreat, oTrunc = 0, 1, 0o100, 0o1000
	oNonblock, oCloexec              = 0o4000, 0o2000000
	amdDirectory, amdNofollow        = 0o200000, 0o400000
	amdDirect, amdLargefile          = 0o40000, 0o100000
	armDirectory, armNofollow        = 0o40000, 0o100000
	armDirect, armLargefile          = 0o200000, 0o400000
)

// variant is one variant's memory and how its ABI resolves calls.
type variant struct {
	name   string
	lookup func(uint64, [6]uint64) (*canon.Row, error)
	mem    *abitest.Mem
}

func amd() *variant { return &variant{"amd64", amd64.Lookup, abitest.NewMem(0x10000)} }
func arm() *variant { return &variant{"arm64", Lookup, abitest.NewMem(0x7f0000000000)} }

// arg is how a test writes one register: a value, or memory to map.
type arg interface{}

// in is memory that the register points to.
type in []byte

// cstr is a NUL-terminated string the register points to.
type cstr string

// out is n bytes of (zeroed) memory the register points to.
type out int

func (v *variant) call(t *testing.T, nr uint64, args ...arg) *canon.Call {
	t.Helper()
	var raw [6]uint64
	for i, a := range args {
		switch a := a.(type) {
		case int:
			raw[i] = uint64(int64(a))
		case uint64:
			raw[i] = a
		case in:
			raw[i] = v.mem.Alloc(a)
		case cstr:
			raw[i] = v.mem.Str(string(a))
		case out:
			raw[i] = v.mem.Zeros(int(a))
		default:
			t.Fatalf("arg %d: %T", i, a)
		}
	}
	row, err := v.lookup(nr, raw)
	if err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	c, err := canon.Decode(row, nr, raw, v.mem)
	if err != nil {
		t.Fatalf("%s %s: %v", v.name, row.Name, err)
	}
	return c
}

func le64(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

func pollfds(fds ...uint32) []byte {
	var b []byte
	for _, fd := range fds {
		b = binary.LittleEndian.AppendUint32(b, fd)
		b = binary.LittleEndian.AppendUint32(b, 1) // POLLIN, no revents
	}
	return b
}

// epollEvent is one struct epoll_event, packed (amd64) or not.
func epollEvent(events uint32, data uint64, packed bool) []byte {
	b := binary.LittleEndian.AppendUint32(nil, events)
	if !packed {
		b = append(b, 0, 0, 0, 0)
	}
	return binary.LittleEndian.AppendUint64(b, data)
}

// The pairs one program makes on the two ISAs (what glibc calls for the
// same function), which must be one canonical call.
func TestCrossABIAgree(t *testing.T) {
	sigset := in(le64(1 << 13))
	tv := in(le64(2, 1_500_000))        // 2 s 1 500 000 us: normalised by select
	ts := in(le64(3, 500_000_000))      // what that is
	tv2 := in(le64(10, 7, 20, 999_999)) // utimes
	ts2 := in(le64(10, 7000, 20, 999_999_000))
	utimbuf := in(le64(10, 20))
	ts2s := in(le64(10, 0, 20, 0))
	how := func(flags uint64) in { return in(le64(flags, 0o600, 0x8)) }
	for _, tc := range []struct {
		name     string
		amd, arm func(a, r *variant, t *testing.T) *canon.Call
	}{
		{"open", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_OPEN, cstr("/etc/x"), oRdonly|amdDirectory, 0)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_OPENAT, atFDCWD, cstr("/etc/x"), oRdonly|armDirectory, 0)
		}},
		{"openat all O_ bits", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_OPENAT, 3, cstr("x"), oWronly|oCreat|amdNofollow|amdDirect|amdLargefile|oCloexec|oNonblock, 0o644)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_OPENAT, 3, cstr("x"), oWronly|oCreat|armNofollow|armDirect|armLargefile|oCloexec|oNonblock, 0o644)
		}},
		// glibc's time and alarm, which arm64 makes with clock_gettime
		// and setitimer.
		{"time", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_TIME, 0)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_CLOCK_GETTIME, 5, out(16))
		}},
		{"time with a pointer", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_TIME, out(8))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_CLOCK_GETTIME, 5, out(16))
		}},
		{"alarm", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_ALARM, 5)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_SETITIMER, 0, in(le64(0, 0, 5, 0)), out(32))
		}},
		// An amd64 glibc leaves AT_FDCWD zero-extended in its register,
		// an arm64 one sign-extended: the kernel reads an int.
		{"openat with a 32-bit AT_FDCWD", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_OPENAT, 0xffffff9c, cstr("/tmp/f"), oRdonly, 0)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_OPENAT, atFDCWD, cstr("/tmp/f"), oRdonly, 0)
		}},
		{"creat", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_CREAT, cstr("/tmp/n"), 0o600)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_OPENAT, atFDCWD, cstr("/tmp/n"), oWronly|oCreat|oTrunc, 0o600)
		}},
		{"openat2", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_OPENAT2, atFDCWD, cstr("/d"), how(amdDirectory|oCloexec), 24)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_OPENAT2, atFDCWD, cstr("/d"), how(armDirectory|oCloexec), 24)
		}},
		{"stat", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_STAT, cstr("/etc/passwd"), out(144))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_NEWFSTATAT, atFDCWD, cstr("/etc/passwd"), out(128), 0)
		}},
		{"lstat", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_LSTAT, cstr("/l"), out(144))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_NEWFSTATAT, atFDCWD, cstr("/l"), out(128), 0x100)
		}},
		{"fstat", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_FSTAT, 3, out(144))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FSTAT, 3, out(128))
		}},
		{"access", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_ACCESS, cstr("/bin/sh"), 1)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FACCESSAT, atFDCWD, cstr("/bin/sh"), 1)
		}},
		{"pipe", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_PIPE, out(8))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_PIPE2, out(8), 0)
		}},
		{"pipe2 O_DIRECT", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_PIPE2, out(8), amdDirect|oCloexec)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_PIPE2, out(8), armDirect|oCloexec)
		}},
		{"dup2", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_DUP2, 3, 4)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_DUP3, 3, 4, 0)
		}},
		{"poll", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_POLL, in(pollfds(3, 4)), 2, 1500)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_PPOLL, in(pollfds(3, 4)), 2, in(le64(1, 500_000_000)), 0, 0)
		}},
		{"poll for ever", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_POLL, in(pollfds(3)), 1, -1)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_PPOLL, in(pollfds(3)), 1, 0, 0, 0)
		}},
		{"pause", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_PAUSE)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			// glibc passes four arguments: the fifth register is left over.
			return r.call(t, SYS_PPOLL, 0, 0, 0, 0, uint64(0x7fffdeadbeef))
		}},
		{"select", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_SELECT, 5, out(128), out(128), 0, tv)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_PSELECT6, 5, out(128), out(128), 0, ts, 0)
		}},
		{"epoll_wait", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_EPOLL_WAIT, 5, out(8*12), 8, 100)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_EPOLL_PWAIT, 5, out(8*16), 8, 100, 0, 8)
		}},
		{"epoll_pwait", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_EPOLL_PWAIT, 5, out(4*12), 4, -1, sigset, 8)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_EPOLL_PWAIT, 5, out(4*16), 4, -1, sigset, 8)
		}},
		{"epoll_ctl", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_EPOLL_CTL, 5, 1, 3, in(epollEvent(1|4, 0x1234, true)))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_EPOLL_CTL, 5, 1, 3, in(epollEvent(1|4, 0x1234, false)))
		}},
		{"epoll_create", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_EPOLL_CREATE, 1)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_EPOLL_CREATE1, 0)
		}},
		{"unlink", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_UNLINK, cstr("/tmp/a"))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_UNLINKAT, atFDCWD, cstr("/tmp/a"), 0)
		}},
		{"rmdir", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_RMDIR, cstr("/tmp/d"))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_UNLINKAT, atFDCWD, cstr("/tmp/d"), 0x200)
		}},
		{"mkdir", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_MKDIR, cstr("/tmp/d"), 0o755)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_MKDIRAT, atFDCWD, cstr("/tmp/d"), 0o755)
		}},
		{"rename", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_RENAME, cstr("a"), cstr("b"))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_RENAMEAT, atFDCWD, cstr("a"), atFDCWD, cstr("b"))
		}},
		{"readlink", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_READLINK, cstr("/proc/self/exe"), out(64), 64)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_READLINKAT, atFDCWD, cstr("/proc/self/exe"), out(64), 64)
		}},
		{"link", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_LINK, cstr("a"), cstr("b"))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_LINKAT, atFDCWD, cstr("a"), atFDCWD, cstr("b"), 0)
		}},
		{"symlink", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_SYMLINK, cstr("target"), cstr("l"))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_SYMLINKAT, cstr("target"), atFDCWD, cstr("l"))
		}},
		{"chmod", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_CHMOD, cstr("f"), 0o600)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FCHMODAT, atFDCWD, cstr("f"), 0o600)
		}},
		{"chown", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_CHOWN, cstr("f"), 1000, 1000)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FCHOWNAT, atFDCWD, cstr("f"), 1000, 1000, 0)
		}},
		{"lchown", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_LCHOWN, cstr("f"), 0, -1)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FCHOWNAT, atFDCWD, cstr("f"), 0, -1, 0x100)
		}},
		{"mknod", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_MKNOD, cstr("fifo"), 0o10644, 0)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_MKNODAT, atFDCWD, cstr("fifo"), 0o10644, 0)
		}},
		{"utimes", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_UTIMES, cstr("f"), tv2)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_UTIMENSAT, atFDCWD, cstr("f"), ts2, 0)
		}},
		{"futimesat", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_FUTIMESAT, 3, cstr("f"), tv2)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_UTIMENSAT, 3, cstr("f"), ts2, 0)
		}},
		{"utime", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_UTIME, cstr("f"), utimbuf)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_UTIMENSAT, atFDCWD, cstr("f"), ts2s, 0)
		}},
		{"utime now", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_UTIME, cstr("f"), 0)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_UTIMENSAT, atFDCWD, cstr("f"), 0, 0)
		}},
		{"fork", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_FORK)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_CLONE, 17, 0, 0, 0, 0)
		}},
		{"vfork", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_VFORK)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_CLONE, 0x4111, uint64(0x7ffff000), 0, 0, 0)
		}},
		{"clone a thread", func(a, _ *variant, t *testing.T) *canon.Call {
			// flags, stack, parent_tid, child_tid, tls
			return a.call(t, amd64.SYS_CLONE, 0x3d0f00, uint64(0x7000000), out(4), out(4), uint64(0x7001000))
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			// flags, stack, parent_tid, tls, child_tid
			return r.call(t, SYS_CLONE, 0x3d0f00, uint64(0xffff0000), out(4), uint64(0xffff1000), out(4))
		}},
		{"getpgrp", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_GETPGRP)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_GETPGID, 0)
		}},
		{"inotify_init", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_INOTIFY_INIT)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_INOTIFY_INIT1, 0)
		}},
		{"eventfd", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_EVENTFD, 3)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_EVENTFD2, 3, 0)
		}},
		{"signalfd", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_SIGNALFD, -1, sigset, 8)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_SIGNALFD4, -1, sigset, 8, 0)
		}},
		{"fcntl F_SETFL", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_FCNTL, 3, amd64.F_SETFL, oNonblock|amdDirect)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FCNTL, 3, amd64.F_SETFL, oNonblock|armDirect)
		}},
		{"fcntl F_GETFL", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_FCNTL, 3, amd64.F_GETFL)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_FCNTL, 3, amd64.F_GETFL)
		}},
		{"write", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_WRITE, 1, in("hello\n"), 6)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_WRITE, 1, in("hello\n"), 6)
		}},
		{"execve", func(a, _ *variant, t *testing.T) *canon.Call {
			return a.call(t, amd64.SYS_EXECVE, cstr("/bin/true"), 0, 0)
		}, func(r, _ *variant, t *testing.T) *canon.Call {
			return r.call(t, SYS_EXECVE, cstr("/bin/true"), 0, 0)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.amd(amd(), nil, t)
			r := tc.arm(arm(), nil, t)
			if m := canon.Mismatch(a, r); m != "" {
				t.Fatalf("%s vs %s: %s", a, r, m)
			}
			if m := canon.Mismatch(r, a); m != "" {
				t.Fatalf("reversed: %s", m)
			}
			if canon.Digest(a) != canon.Digest(r) {
				va, vr := a.View(), r.View()
				t.Fatalf("digests differ:\n%s\n%s", va.String(), vr.String())
			}
			// Two variants of one ABI still agree with each other.
			if m := canon.Mismatch(a, tc.amd(amd(), nil, t)); m != "" {
				t.Errorf("amd64 vs amd64: %s", m)
			}
			if m := canon.Mismatch(r, tc.arm(arm(), nil, t)); m != "" {
				t.Errorf("arm64 vs arm64: %s", m)
			}
		})
	}
}

// Pairs that must not agree, and what the report says.
func TestCrossABIDiffer(t *testing.T) {
	a, r := amd(), arm()
	for _, tc := range []struct {
		name    string
		amd     *canon.Call
		arm     *canon.Call
		want    string
		amdOwn  string // the amd64 call as a report shows it
		armView string // the arm64 call's canonical form
	}{
		{"another path",
			a.call(t, amd64.SYS_OPEN, cstr("/etc/x"), oRdonly, 0),
			r.call(t, SYS_OPENAT, atFDCWD, cstr("/etc/y"), oRdonly, 0),
			`argument 1 (str) content differs: "/etc/x" vs "/etc/y"`, `open("/etc/x", 0x0, 0)`, ""},
		{"O_DIRECTORY vs O_NOFOLLOW",
			a.call(t, amd64.SYS_OPEN, cstr("/etc/x"), amdDirectory, 0),
			r.call(t, SYS_OPENAT, atFDCWD, cstr("/etc/x"), armNofollow, 0),
			"argument 2 (flags) differs: 0x10000 vs 0x20000", "", ""},
		{"the same bits mean other flags",
			a.call(t, amd64.SYS_OPEN, cstr("/etc/x"), amdDirectory, 0),
			r.call(t, SYS_OPENAT, atFDCWD, cstr("/etc/x"), amdDirectory, 0), // O_DIRECT on arm64
			"argument 2 (flags) differs: 0x10000 vs 0x4000", "", `openat(AT_FDCWD, "/etc/x", 0x4000, 0)`},
		{"stat vs lstat",
			a.call(t, amd64.SYS_STAT, cstr("/l"), out(144)),
			r.call(t, SYS_NEWFSTATAT, atFDCWD, cstr("/l"), out(128), 0x100),
			"argument 3 (flags) differs: 0x0 vs 0x100", "", ""},
		{"rmdir vs unlink",
			a.call(t, amd64.SYS_RMDIR, cstr("/d")),
			r.call(t, SYS_UNLINKAT, atFDCWD, cstr("/d"), 0),
			"argument 2 (flags) differs: 0x200 vs 0x0", "", ""},
		{"another timeout",
			a.call(t, amd64.SYS_POLL, in(pollfds(3)), 1, 1500),
			r.call(t, SYS_PPOLL, in(pollfds(3)), 1, in(le64(1, 0)), 0, 0),
			"argument 2 (inoutstruct) content differs", "", ""},
		{"a timeout vs none",
			a.call(t, amd64.SYS_POLL, in(pollfds(3)), 1, 0),
			r.call(t, SYS_PPOLL, in(pollfds(3)), 1, 0, 0, 0),
			"argument 2 (inoutstruct) is NULL in one variant only", "", ""},
		{"another epoll event",
			a.call(t, amd64.SYS_EPOLL_CTL, 5, 1, 3, in(epollEvent(1, 0x1234, true))),
			r.call(t, SYS_EPOLL_CTL, 5, 1, 3, in(epollEvent(4, 0x1234, false))),
			"argument 3 (instruct) content differs", "", ""},
		{"another alarm",
			a.call(t, amd64.SYS_ALARM, 5),
			r.call(t, SYS_SETITIMER, 0, in(le64(0, 0, 6, 0)), out(32)),
			"argument 1 (instruct) content differs", "alarm(5)", ""},
		{"another clock than time's",
			a.call(t, amd64.SYS_TIME, 0),
			r.call(t, SYS_CLOCK_GETTIME, 1, out(16)),
			"argument 0 (int) differs", "", ""},
		// Calls with no generic equivalent: the arm64 glibc makes another
		// call (the first of its sequence), and the report names both.
		{"getdents",
			a.call(t, amd64.SYS_GETDENTS, 3, out(4096), 4096),
			r.call(t, SYS_GETDENTS64, 3, out(4096), 4096),
			"different calls: getdents vs getdents64", "", ""},
		{"dup2 of a descriptor onto itself",
			a.call(t, amd64.SYS_DUP2, 3, 3),
			r.call(t, SYS_FCNTL, 3, amd64.F_GETFL), // glibc's dup2(fd, fd) on arm64
			"different calls: dup2 (dup3) vs fcntl", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := canon.Mismatch(tc.amd, tc.arm)
			if !strings.Contains(m, tc.want) {
				t.Errorf("Mismatch = %q, want %q", m, tc.want)
			}
			if canon.Mismatch(tc.arm, tc.amd) == "" || canon.Digest(tc.amd) == canon.Digest(tc.arm) {
				t.Errorf("they agree reversed, or by digest")
			}
			if tc.amdOwn != "" && tc.amd.String() != tc.amdOwn {
				t.Errorf("report shows %s, want %s", tc.amd, tc.amdOwn)
			}
			if v := tc.arm.View(); tc.armView != "" && v.String() != tc.armView {
				t.Errorf("canonical form %s, want %s", v.String(), tc.armView)
			}
		})
	}
}

// stat is a file's struct stat fields, as both layouts hold them.
type stat struct {
	dev, ino, nlink             uint64
	mode, uid, gid              uint32
	rdev                        uint64
	size, blksize, blocks       int64
	atime, atimeNs, mtime, mtNs uint64
	ctime, ctimeNs              uint64
}

// amd64Stat lays st out as arch/x86/include/uapi/asm/stat.h does.
func (st stat) amd64() []byte {
	b := make([]byte, 144)
	le := binary.LittleEndian
	le.PutUint64(b[0:], st.dev)
	le.PutUint64(b[8:], st.ino)
	le.PutUint64(b[16:], st.nlink)
	le.PutUint32(b[24:], st.mode)
	le.PutUint32(b[28:], st.uid)
	le.PutUint32(b[32:], st.gid)
	le.PutUint64(b[40:], st.rdev)
	le.PutUint64(b[48:], uint64(st.size))
	le.PutUint64(b[56:], uint64(st.blksize))
	le.PutUint64(b[64:], uint64(st.blocks))
	for i, v := range []uint64{st.atime, st.atimeNs, st.mtime, st.mtNs, st.ctime, st.ctimeNs} {
		le.PutUint64(b[72+8*i:], v)
	}
	return b
}

// generic lays st out as include/uapi/asm-generic/stat.h does.
func (st stat) generic() []byte {
	b := make([]byte, 128)
	le := binary.LittleEndian
	le.PutUint64(b[0:], st.dev)
	le.PutUint64(b[8:], st.ino)
	le.PutUint32(b[16:], st.mode)
	le.PutUint32(b[20:], uint32(st.nlink))
	le.PutUint32(b[24:], st.uid)
	le.PutUint32(b[28:], st.gid)
	le.PutUint64(b[32:], st.rdev)
	le.PutUint64(b[48:], uint64(st.size))
	le.PutUint32(b[56:], uint32(st.blksize))
	le.PutUint64(b[64:], uint64(st.blocks))
	for i, v := range []uint64{st.atime, st.atimeNs, st.mtime, st.mtNs, st.ctime, st.ctimeNs} {
		le.PutUint64(b[72+8*i:], v)
	}
	return b
}

// etcPasswd is what stat says of a 2.9 KB /etc/passwd on ext4.
var etcPasswd = stat{
	dev: 0x803, ino: 1311013, nlink: 1, mode: 0o100644, uid: 0, gid: 0, rdev: 0,
	size: 2917, blksize: 4096, blocks: 8,
	atime: 1764000000, atimeNs: 123456789, mtime: 1700000000, mtNs: 987654321, ctime: 1700000001, ctimeNs: 5,
}

// replicate runs a leader's outputs through the generic form into a
// follower's call, and returns the follower's memory at argument i.
func replicate(t *testing.T, leader *canon.Call, leaderMem *abitest.Mem, ret int64, follower *canon.Call, fmem *abitest.Mem, i, n int) []byte {
	t.Helper()
	outs, err := canon.Capture(leader, ret, leaderMem)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := canon.OutsToGeneric(leader.Row, outs)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := canon.OutsFromGeneric(follower.Row, gen)
	if err != nil {
		t.Fatal(err)
	}
	if err := canon.Apply(follower, mine, fmem); err != nil {
		t.Fatal(err)
	}
	b, err := fmem.Bytes(follower.Raw[i], n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReplicateStat(t *testing.T) {
	// amd64 leader, arm64 follower.
	a, r := amd(), arm()
	lc := a.call(t, amd64.SYS_STAT, cstr("/etc/passwd"), in(etcPasswd.amd64()))
	fc := r.call(t, SYS_NEWFSTATAT, atFDCWD, cstr("/etc/passwd"), out(128), 0)
	if got := replicate(t, lc, a.mem, 0, fc, r.mem, 2, 128); !bytes.Equal(got, etcPasswd.generic()) {
		t.Errorf("arm64 follower's stat:\n%x\nwant\n%x", got, etcPasswd.generic())
	}
	// arm64 leader, amd64 follower (fstat: the same call on both).
	a, r = amd(), arm()
	lc = r.call(t, SYS_FSTAT, 3, in(etcPasswd.generic()))
	fc = a.call(t, amd64.SYS_FSTAT, 3, out(144))
	if got := replicate(t, lc, r.mem, 0, fc, a.mem, 1, 144); !bytes.Equal(got, etcPasswd.amd64()) {
		t.Errorf("amd64 follower's stat:\n%x\nwant\n%x", got, etcPasswd.amd64())
	}
	// Two amd64 variants: the bytes as they were.
	a, b := amd(), amd()
	lc = a.call(t, amd64.SYS_FSTAT, 3, in(etcPasswd.amd64()))
	fc = b.call(t, amd64.SYS_FSTAT, 3, out(144))
	if got := replicate(t, lc, a.mem, 0, fc, b.mem, 1, 144); !bytes.Equal(got, etcPasswd.amd64()) {
		t.Errorf("amd64 to amd64 changed the stat")
	}
}

func TestReplicateEpollEvents(t *testing.T) {
	packed := append(epollEvent(1, 0xdead, true), epollEvent(4, 0xbeef, true)...)
	generic := append(epollEvent(1, 0xdead, false), epollEvent(4, 0xbeef, false)...)
	a, r := amd(), arm()
	lc := a.call(t, amd64.SYS_EPOLL_WAIT, 5, in(append(packed, make([]byte, 24)...)), 4, 100)
	fc := r.call(t, SYS_EPOLL_PWAIT, 5, out(4*16), 4, 100, 0, 8)
	if got := replicate(t, lc, a.mem, 2, fc, r.mem, 1, 32); !bytes.Equal(got, generic) {
		t.Errorf("arm64 follower's events:\n%x\nwant\n%x", got, generic)
	}
	a, r = amd(), arm()
	lc = r.call(t, SYS_EPOLL_PWAIT, 5, in(append(generic, make([]byte, 32)...)), 4, 100, 0, 8)
	fc = a.call(t, amd64.SYS_EPOLL_WAIT, 5, out(4*12), 4, 100)
	if got := replicate(t, lc, r.mem, 2, fc, a.mem, 1, 24); !bytes.Equal(got, packed) {
		t.Errorf("amd64 follower's events:\n%x\nwant\n%x", got, packed)
	}
}

// An arm64 leader's ppoll writes the pollfds and the time left; an amd64
// follower's poll gets the pollfds, and has nowhere for the time.
func TestReplicatePoll(t *testing.T) {
	a, r := amd(), arm()
	revents := pollfds(3)
	revents[6] = 1 // POLLIN happened
	lc := r.call(t, SYS_PPOLL, in(revents), 1, in(le64(0, 250_000_000)), 0, 0)
	fc := a.call(t, amd64.SYS_POLL, in(pollfds(3)), 1, 1000)
	outs, _ := canon.Capture(lc, 1, r.mem)
	gen, _ := canon.OutsToGeneric(lc.Row, outs)
	mine, err := canon.OutsFromGeneric(fc.Row, gen)
	if err != nil || len(gen) != 2 || len(mine) != 1 || mine[0].Arg != 0 || !bytes.Equal(mine[0].Data, revents) {
		t.Fatalf("outputs %+v -> %+v, %v", gen, mine, err)
	}
	// select's timeval gets the time left, cut to microseconds.
	lc = r.call(t, SYS_PSELECT6, 1, 0, 0, 0, in(le64(1, 250_000_999)), 0)
	fc = a.call(t, amd64.SYS_SELECT, 1, 0, 0, 0, in(le64(2, 0)))
	if got := replicate(t, lc, r.mem, 0, fc, a.mem, 4, 16); !bytes.Equal(got, le64(1, 250_000)) {
		t.Errorf("select's time left: %x", got)
	}
}

func TestReplicateGetfl(t *testing.T) {
	a, r := amd(), arm()
	arow := a.call(t, amd64.SYS_FCNTL, 3, amd64.F_GETFL).Row
	rrow := r.call(t, SYS_FCNTL, 3, amd64.F_GETFL).Row
	// O_RDWR|O_LARGEFILE|O_DIRECT|O_NONBLOCK, as each kernel returns it.
	amdRet := int64(2 | amdLargefile | amdDirect | oNonblock)
	armRet := int64(2 | armLargefile | armDirect | oNonblock)
	if g := canon.RetToGeneric(rrow, armRet); g != amdRet || canon.RetFromGeneric(arow, g) != amdRet {
		t.Errorf("arm64 leader: generic %#x", g)
	}
	if g := canon.RetToGeneric(arow, amdRet); canon.RetFromGeneric(rrow, g) != armRet {
		t.Errorf("amd64 leader: arm64 follower gets %#x", canon.RetFromGeneric(rrow, g))
	}
	if canon.RetFromGeneric(rrow, -9) != -9 {
		t.Errorf("an error changed")
	}
}

// time and alarm on amd64 are clock_gettime and setitimer on arm64: the
// whole result changes shape on the way (Row.Result).
func TestReplicateTimeAlarm(t *testing.T) {
	a, r := amd(), arm()
	for _, tc := range []struct {
		name       string
		amd, arm   *canon.Call
		amdRet     int64
		amdOuts    []canon.Out
		armRet     int64
		armOuts    []canon.Out
		wantAmdRet int64 // what an amd64 follower of the arm64 leader gets
	}{
		{"time", a.call(t, amd64.SYS_TIME, out(8)), r.call(t, SYS_CLOCK_GETTIME, 5, out(16)),
			1_800_000_000, []canon.Out{{Arg: 0, Data: le64(1_800_000_000)}},
			0, []canon.Out{{Arg: 1, Data: le64(1_800_000_000, 0)}}, 1_800_000_000},
		{"alarm", a.call(t, amd64.SYS_ALARM, 5), r.call(t, SYS_SETITIMER, 0, in(le64(0, 0, 5, 0)), out(32)),
			3, nil,
			0, []canon.Out{{Arg: 2, Data: le64(0, 0, 3, 0)}}, 3},
		{"alarm of half a second left", a.call(t, amd64.SYS_ALARM, 5), r.call(t, SYS_SETITIMER, 0, in(le64(0, 0, 5, 0)), out(32)),
			1, nil,
			0, []canon.Out{{Arg: 2, Data: le64(0, 0, 0, 500_000)}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// amd64 leader, arm64 follower: the follower gets the generic
			// result as it is (arm64's form is the generic one).
			gret, gouts, err := canon.ResultToGeneric(tc.amd.Row, tc.amdRet, tc.amdOuts)
			if err != nil {
				t.Fatal(err)
			}
			ret, outs, err := canon.ResultFromGeneric(tc.arm.Row, gret, gouts)
			if err != nil || ret != 0 {
				t.Fatalf("arm64 follower: %d, %v", ret, err)
			}
			if tc.name != "alarm of half a second left" && !cmp.Equal(outs, tc.armOuts) {
				t.Errorf("arm64 follower's output %v, want %v", outs, tc.armOuts)
			}
			// arm64 leader, amd64 follower.
			gret, gouts, err = canon.ResultToGeneric(tc.arm.Row, tc.armRet, tc.armOuts)
			if err != nil {
				t.Fatal(err)
			}
			ret, outs, err = canon.ResultFromGeneric(tc.amd.Row, gret, gouts)
			if err != nil || ret != tc.wantAmdRet {
				t.Errorf("amd64 follower: %d, %v; want %d", ret, err, tc.wantAmdRet)
			}
			if tc.name == "time" && !cmp.Equal(outs, tc.amdOuts) {
				t.Errorf("amd64 follower's output %v, want %v", outs, tc.amdOuts)
			}
			// An error is the same errno in every form; a generic result
			// without its struct (from another host) is refused.
			if ret, _, _ := canon.ResultFromGeneric(tc.amd.Row, -22, nil); ret != -22 {
				t.Errorf("an error became %d", ret)
			}
			if _, _, err := canon.ResultFromGeneric(tc.amd.Row, 0, nil); err == nil {
				t.Errorf("a result without its struct was taken")
			}
		})
	}
}

func TestStatLayout(t *testing.T) {
	var l *canon.Layout
	for _, a := range amd64.Table[amd64.SYS_FSTAT].Args {
		if a.Layout != nil {
			l = a.Layout
		}
	}
	if l == nil || l.ABISize != 144 || l.GenericSize != SizeofStat {
		t.Fatalf("amd64 fstat's layout: %+v", l)
	}
	conv := func(f func(dst, src []byte), n int, src []byte) []byte {
		dst := make([]byte, n)
		f(dst, src)
		return dst
	}
	// A file's fields by hand, each field distinct, in both layouts.
	odd := stat{dev: 1<<40 | 7, ino: 1<<50 | 3, nlink: 1<<31 + 5, mode: 0o20620, uid: 1 << 30, gid: 65534,
		rdev: 0x8801, size: 1<<62 + 1, blksize: 1<<31 - 1, blocks: 1 << 33,
		atime: 1, atimeNs: 2, mtime: 3, mtNs: 4, ctime: 5, ctimeNs: 999_999_999}
	for _, st := range []stat{etcPasswd, odd, {}} {
		if got := conv(l.ToGeneric, 128, st.amd64()); !bytes.Equal(got, st.generic()) {
			t.Errorf("%+v to generic:\n%x\nwant\n%x", st, got, st.generic())
		}
		if got := conv(l.FromGeneric, 144, st.generic()); !bytes.Equal(got, st.amd64()) {
			t.Errorf("%+v from generic:\n%x\nwant\n%x", st, got, st.amd64())
		}
	}
}

func TestOFlags(t *testing.T) {
	for _, tc := range []struct{ arm, gen uint64 }{
		{armDirectory, amdDirectory},
		{armNofollow, amdNofollow},
		{armDirect, amdDirect},
		{armLargefile, amdLargefile},
		{oRdonly | oCreat | oTrunc | oCloexec | oNonblock, oRdonly | oCreat | oTrunc | oCloexec | oNonblock},
		{0o20000000 | armDirectory | 2, 0o20000000 | amdDirectory | 2}, // O_TMPFILE | O_RDWR
	} {
		if got := oFlags.ToGeneric(tc.arm); got != tc.gen {
			t.Errorf("ToGeneric(%#o) = %#o, want %#o", tc.arm, got, tc.gen)
		}
		if got := oFlags.FromGeneric(tc.gen); got != tc.arm {
			t.Errorf("FromGeneric(%#o) = %#o, want %#o", tc.gen, got, tc.arm)
		}
	}
	// Every bit goes somewhere and back; all but the four stay put.
	for i := range 64 {
		v := uint64(1) << i
		g := oFlags.ToGeneric(v)
		if oFlags.FromGeneric(g) != v {
			t.Errorf("bit %d does not round-trip", i)
		}
		moved := v&(armDirectory|armNofollow|armDirect|armLargefile) != 0
		if moved == (g == v) {
			t.Errorf("bit %d: %#x -> %#x", i, v, g)
		}
	}
	for v := uint64(0); v < 1<<22; v += 0o1001 {
		if oFlags.FromGeneric(oFlags.ToGeneric(v)) != v || oFlags.ToGeneric(oFlags.FromGeneric(v)) != v {
			t.Fatalf("%#o does not round-trip", v)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(uint16(SYS_OPENAT), []byte{0x37, 0, 0, 0, 0, 0, 0, 0, 1}, []byte("/etc/passwd\x00"), int64(3))
	f.Add(uint16(SYS_NEWFSTATAT), []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x21}, append([]byte("/x\x00"), make([]byte, 140)...), int64(0))
	f.Add(uint16(SYS_CLONE), []byte{0x22, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 16), int64(100))
	f.Add(uint16(SYS_EPOLL_PWAIT), []byte{6, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4}, make([]byte, 64), int64(2))
	f.Add(uint16(SYS_OPENAT2), []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, make([]byte, 32), int64(3))
	f.Add(uint16(SYS_FCNTL), []byte{6, 0, 0, 0, 0, 0, 0, 0, 6}, []byte{}, int64(0x20802))
	f.Fuzz(func(t *testing.T, nr uint16, regs, memory []byte, ret int64) {
		abitest.Decode(t, Lookup, nr, regs, memory, ret)
	})
}

// Two amd64 variants that make the same call in two ways (a diversified
// libc calls open where glibc calls openat) agree the same way: the
// comparison is of canonical forms, whatever the ABIs.
func TestSameABIAliases(t *testing.T) {
	a, b := amd(), amd()
	for _, p := range [][2]*canon.Call{
		{a.call(t, amd64.SYS_OPEN, cstr("/x"), oRdonly, 0), b.call(t, amd64.SYS_OPENAT, atFDCWD, cstr("/x"), oRdonly, 0)},
		{a.call(t, amd64.SYS_STAT, cstr("/x"), out(144)), b.call(t, amd64.SYS_NEWFSTATAT, atFDCWD, cstr("/x"), out(144), 0)},
		{a.call(t, amd64.SYS_EPOLL_WAIT, 5, out(12), 1, 0), b.call(t, amd64.SYS_EPOLL_PWAIT, 5, out(12), 1, 0, 0, 8)},
	} {
		if m := canon.Mismatch(p[0], p[1]); m != "" || canon.Digest(p[0]) != canon.Digest(p[1]) {
			t.Errorf("%s vs %s: %q", p[0], p[1], m)
		}
	}
}
