package cpmon

import (
	"os"
	"testing"

	"dmvx/internal/abi/amd64"
	"dmvx/internal/canon"

	"golang.org/x/sys/unix"
)

func rowOf(t *testing.T, nr uint64) *canon.Row {
	t.Helper()
	row, err := amd64.Lookup(nr, [6]uint64{})
	if err != nil {
		t.Fatal(err)
	}
	return row
}

// Which calls a leader may make ahead of a follower host: not the
// sensitive ones, nor those whose handling needs the follower's own state.
func TestAsyncEligible(t *testing.T) {
	for nr, want := range map[uint64]bool{
		unix.SYS_READ: true, unix.SYS_WRITE: true, unix.SYS_CLOSE: true, unix.SYS_GETCWD: true,
		unix.SYS_NEWFSTATAT: true, unix.SYS_SCHED_YIELD: true, unix.SYS_CLOCK_GETTIME: true,
		unix.SYS_OPENAT: false, unix.SYS_ACCEPT4: false, unix.SYS_EXECVE: false, unix.SYS_CLONE: false,
		unix.SYS_WAIT4: false, unix.SYS_RT_SIGPROCMASK: false, unix.SYS_EXIT_GROUP: false,
		unix.SYS_KILL: false, unix.SYS_GETPID: false, unix.SYS_EPOLL_WAIT: false, unix.SYS_EPOLL_CTL: false,
	} {
		row := rowOf(t, nr)
		if got := asyncEligible(row); got != want {
			t.Errorf("%s: eligible %v, want %v", row.Name, got, want)
		}
	}
}

// mayBlock tells calls that can wait from those that cannot, from the
// leader's real descriptors: a file, a pipe in blocking mode, the same
// pipe in non-blocking mode.
func TestMayBlock(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	f, err := os.Open("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file := int(f.Fd())
	fds := newFDTable()
	fds.set(file, fdInfo{local: true})
	fds.set(p[0], fdInfo{})
	me := os.Getpid()
	read := rowOf(t, unix.SYS_READ)
	call := func(row *canon.Row, raw ...uint64) *canon.Call {
		c := &canon.Call{Row: row}
		copy(c.Raw[:], raw)
		return c
	}
	if mayBlock(fds, call(read, uint64(file)), me) {
		t.Error("a read of a file may block")
	}
	if !mayBlock(fds, call(read, uint64(p[0])), me) {
		t.Error("a read of a pipe in blocking mode does not block")
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		t.Fatal(err)
	}
	if mayBlock(fds, call(read, uint64(p[0])), me) {
		t.Error("a read of a pipe in non-blocking mode may block")
	}
	if mayBlock(fds, call(rowOf(t, unix.SYS_CLOCK_GETTIME), 1), me) {
		t.Error("clock_gettime may block")
	}
	if !mayBlock(fds, call(rowOf(t, unix.SYS_NANOSLEEP)), me) {
		t.Error("nanosleep does not block")
	}
}

// touchesFiles: the calls that work on the follower host's copy of files.
func TestTouchesFiles(t *testing.T) {
	fds := newFDTable()
	fds.set(3, fdInfo{local: true})
	fds.set(4, fdInfo{mirror: true})
	fds.set(5, fdInfo{}) // a pipe or socket: the leader's
	for _, c := range []struct {
		nr   uint64
		raw  []uint64
		want bool
	}{
		{unix.SYS_READ, []uint64{3}, true},
		{unix.SYS_WRITE, []uint64{4}, true},
		{unix.SYS_READ, []uint64{5}, false},
		{unix.SYS_MKDIR, nil, true},
		{unix.SYS_CHDIR, nil, true},
		{unix.SYS_NEWFSTATAT, []uint64{uint64(0xffffff9c)}, false}, // the leader's answer
		{unix.SYS_FSTAT, []uint64{3}, false},
		{unix.SYS_GETCWD, nil, false},
	} {
		call := &canon.Call{Row: rowOf(t, c.nr)}
		copy(call.Raw[:], c.raw)
		if got := touchesFiles(fds, call); got != c.want {
			t.Errorf("%s%v: %v, want %v", call.Row.Name, c.raw, got, c.want)
		}
	}
}
