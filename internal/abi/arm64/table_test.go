package arm64

import (
	"errors"
	"os"
	"strings"
	"testing"

	"dmvx/internal/abi/abitest"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/canon"
)

func TestArgs(t *testing.T)  { abitest.CheckArgs(t, ABI) }
func TestCanon(t *testing.T) { abitest.CheckCanon(t, ABI) }
func TestExec(t *testing.T)  { abitest.CheckExec(t, ABI) }
func TestNames(t *testing.T) { abitest.CheckNames(t, ABI) }
func TestMultiplexed(t *testing.T) {
	abitest.CheckMultiplexed(t, ABI, SYS_IOCTL, SYS_FCNTL, SYS_PRCTL, SYS_FUTEX)
}

// The numbers are the generic table's; a few that tell a wrong table from
// the right one (arm64 has renameat, newfstatat, fstat and the rlimit
// calls, and its own numbers for nothing).
func TestNumbers(t *testing.T) {
	for name, nr := range map[string]uint64{
		"io_setup": 0, "getcwd": 17, "fcntl": 25, "ioctl": 29, "renameat": 38, "nfsservctl": 42,
		"openat": 56, "read": 63, "write": 64, "newfstatat": 79, "fstat": 80, "exit_group": 94,
		"futex": 98, "prctl": 167, "getrlimit": 163, "setrlimit": 164, "clone": 220, "execve": 221,
		"mmap": 222, "wait4": 260, "prlimit64": 261, "rseq": 293, "kexec_file_load": 294,
		"pidfd_send_signal": 424, "clone3": 435, "memfd_secret": 447, "mseal": 462, "listns": 470,
	} {
		if got, ok := Number(name); !ok || got != nr {
			t.Errorf("Number(%s) = %d, %v, want %d", name, got, ok, nr)
		}
	}
	for _, name := range []string{"open", "stat", "poll", "fork", "pipe", "dup2", "select", "getdents", "alarm", "time", "arch_prctl", "uretprobe"} {
		if nr, ok := Number(name); ok {
			t.Errorf("arm64 has %s (%d)", name, nr)
		}
	}
	if n := len(ABI.Named()); n != 326 {
		t.Errorf("%d named calls, want 326", n)
	}
	if Name(244) != "syscall_244" || Name(400) != "syscall_400" || Name(SYS_CLONE) != "clone" {
		t.Errorf("Name: %q %q %q", Name(244), Name(400), Name(SYS_CLONE))
	}
}

// Every row is amd64's row of the same name, with only what overrides and
// the generic layouts change: exec, sync, sensitivity, levels, kinds.
func TestDerived(t *testing.T) {
	abitest.AllRows(ABI, func(label string, nr uint64, row *canon.Row) {
		anr, ok := amd64.Number(row.Name)
		if !ok {
			t.Fatalf("%s: amd64 has no call of the name", label)
		}
		src := amd64.Table[anr]
		if row != Table[nr] {
			var err error
			if src, err = amd64.Lookup(anr, subArgs(row, nr)); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
		}
		if src.Exec != row.Exec || src.Sync != row.Sync || src.Sensitive != row.Sensitive || src.Level != row.Level ||
			src.Ret != row.Ret || src.Handler != row.Handler || src.Fixed != row.Fixed || src.Why != row.Why {
			t.Errorf("%s: semantics differ from amd64's", label)
		}
		if row.Canon != "" {
			t.Errorf("%s: arm64 maps onto %s", label, row.Canon)
		}
		if len(src.Args) != len(row.Args) {
			t.Errorf("%s: %d arguments, amd64 %d", label, len(row.Args), len(src.Args))
		}
		if row.Name == "clone" {
			return // its own order: TestClone
		}
		for i, a := range row.Args {
			s := src.Args[i]
			want := s.Size
			if s.Layout != nil {
				want = s.Layout.GenericSize
			}
			if a.Kind != s.Kind || a.Len != s.Len || a.Size != want {
				t.Errorf("%s: arg %d is %+v, amd64's %+v", label, i, a, s)
			}
		}
	})
	// Rows are arm64's own: changing one leaves amd64's alone.
	if Table[SYS_FSTAT] == amd64.Table[amd64.SYS_FSTAT] || &Table[SYS_FSTAT].Args[0] == &amd64.Table[amd64.SYS_FSTAT].Args[0] {
		t.Errorf("fstat's row or arguments are shared with amd64")
	}
}

// subArgs selects row's sub-command when row is one.
func subArgs(row *canon.Row, nr uint64) [6]uint64 {
	var args [6]uint64
	parent := Table[nr]
	if parent.Sub == nil {
		return args
	}
	for _, s := range ABI.Subs(nr) {
		if s.Row == row {
			args[parent.SubArg] = s.V
		}
	}
	return args
}

// The structs arm64 lays out the generic way, which amd64 translates.
func TestStructSizes(t *testing.T) {
	for _, tc := range []struct {
		nr   uint64
		arg  int
		size int
	}{
		{SYS_FSTAT, 1, SizeofStat},
		{SYS_NEWFSTATAT, 2, SizeofStat},
		{SYS_EPOLL_CTL, 3, SizeofEpollEvent},
		{SYS_EPOLL_PWAIT, 1, SizeofEpollEvent},
		{SYS_EPOLL_PWAIT2, 1, SizeofEpollEvent},
		{SYS_OPENAT2, 2, SizeofOpenHow},
	} {
		a := Table[tc.nr].Args[tc.arg]
		if a.Size != tc.size {
			t.Errorf("%s arg %d: %d bytes, want %d", Name(tc.nr), tc.arg, a.Size, tc.size)
		}
	}
}

// The calls amd64 has and arm64 lacks: each maps onto an arm64 call of the
// same kinds (what glibc on arm64 calls instead), or is on the list of
// calls with no generic equivalent.
func TestAmd64Mapping(t *testing.T) {
	unmapped := map[string]bool{
		"alarm": true, "time": true, "getdents": true, "arch_prctl": true,
	}
	for _, anr := range amd64.ABI.Numbers() {
		row := amd64.Table[anr]
		if _, ok := Number(row.Name); ok {
			if row.Canon != "" {
				t.Errorf("%s: generic, mapped onto %s", row.Name, row.Canon)
			}
			continue
		}
		if row.Canon == "" {
			if !unmapped[row.Name] && row.Exec != canon.ExecNone {
				t.Errorf("%s: amd64 only, neither mapped nor listed as having no equivalent", row.Name)
			}
			continue
		}
		nr, ok := Number(row.Canon)
		if !ok || Table[nr] == nil {
			t.Errorf("%s: maps onto %s, which has no arm64 row", row.Name, row.Canon)
			continue
		}
		target := Table[nr]
		got := (&canon.Call{Row: row}).View()
		want := (&canon.Call{Row: target}).View()
		if got.N != want.N {
			t.Errorf("%s: %d generic arguments, %s has %d", row.Name, got.N, row.Canon, want.N)
			continue
		}
		for g := range got.N {
			ga, wa := got.Args[g], want.Args[g]
			constant := row.CanonArgs != nil && row.CanonArgs[g].From == canon.FromConst
			if ga.Kind != wa.Kind || ga.Size != wa.Size || ga.Kind.IsOutput() && !constant && ga.Len != wa.Len {
				t.Errorf("%s: generic arg %d is %+v, %s's %+v", row.Name, g, ga, row.Canon, wa)
			}
		}
		if row.Exec != target.Exec && !(row.Exec == canon.ExecAll && target.Exec == canon.ExecByFD) {
			t.Errorf("%s: runs %s, %s %s", row.Name, row.Exec, row.Canon, target.Exec)
		}
		if row.Handler != target.Handler || row.Ret != target.Ret || row.Sensitive != target.Sensitive {
			t.Errorf("%s: handler, result or sensitivity differ from %s's", row.Name, row.Canon)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		nr   uint64
		args [6]uint64
		want *canon.Row
	}{
		{SYS_READ, [6]uint64{}, Table[SYS_READ]},
		{SYS_IOCTL, [6]uint64{1, amd64.TCGETS}, Table[SYS_IOCTL].Sub[amd64.TCGETS]},
		{SYS_FCNTL, [6]uint64{3, amd64.F_SETFL, 0x800}, Table[SYS_FCNTL].Sub[amd64.F_SETFL]},
		{SYS_PRCTL, [6]uint64{amd64.PR_SET_NAME}, Table[SYS_PRCTL].Sub[amd64.PR_SET_NAME]},
		{SYS_FUTEX, [6]uint64{0x1000, amd64.FUTEX_WAKE | amd64.FUTEX_PRIVATE_FLAG}, Table[SYS_FUTEX].Sub[amd64.FUTEX_WAKE]},
	} {
		got, err := Lookup(tc.nr, tc.args)
		if err != nil || got != tc.want || got == nil {
			t.Errorf("Lookup(%s, %#x) = %v, %v", Name(tc.nr), tc.args, got, err)
		}
	}
	if Table[SYS_FCNTL].Sub[amd64.F_SETFL].Args[2].Conv != oFlags || Table[SYS_FCNTL].Sub[amd64.F_GETFL].RetConv != oFlags {
		t.Errorf("fcntl F_SETFL / F_GETFL do not translate O_* bits")
	}
	for _, tc := range []struct {
		nr   uint64
		args [6]uint64
		want string
	}{
		{999, [6]uint64{}, "arm64: unsupported system call syscall 999"},
		{SYS_PTRACE, [6]uint64{}, "ptrace (syscall 117): the variants are already traced"},
		{SYS_IO_SETUP, [6]uint64{}, "io_setup (syscall 0): asynchronous I/O"},
		{SYS_IOCTL, [6]uint64{0, 0x540e}, "ioctl(request 0x540e)"},
		{SYS_FCNTL, [6]uint64{0, 1026}, "fcntl(cmd 0x402)"},
	} {
		_, err := Lookup(tc.nr, tc.args)
		var nre *NoRowError
		if !errors.As(err, &nre) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Lookup(%d, %#x) error = %v, want one containing %q", tc.nr, tc.args, err, tc.want)
		}
	}
}

func TestDocUpToDate(t *testing.T) {
	const path = "../../../docs/syscalls-arm64.md"
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run `go run ./internal/abi/arm64/gendoc` from the repository root", err)
	}
	if string(got) != Markdown() {
		t.Fatalf("%s is stale: run `go run ./internal/abi/arm64/gendoc` from the repository root", path)
	}
}
