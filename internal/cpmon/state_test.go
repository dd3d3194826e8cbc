package cpmon

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"dmvx/internal/canon"

	"golang.org/x/sys/unix"
)

func TestFDTable(t *testing.T) {
	ft := newFDTable()
	if _, ok := ft.get(3); ok {
		t.Fatal("empty table has fd 3")
	}
	ft.set(0, fdInfo{local: false})
	ft.set(3, fdInfo{local: true})
	if i, ok := ft.get(3); !ok || !i.local {
		t.Errorf("get(3) = %+v, %v", i, ok)
	}
	if i, ok := ft.get(0); !ok || i.local {
		t.Errorf("get(0) = %+v, %v", i, ok)
	}
	ft.set(3, fdInfo{local: false}) // dup2 onto it
	if i, _ := ft.get(3); i.local {
		t.Errorf("set did not replace fd 3")
	}
	ft.epoll[5] = &epollMap{data: map[int][]uint64{3: {1, 2}}, rev: map[uint64]int{1: 3}}
	ft.set(5, fdInfo{})
	ft.close(5)
	if _, ok := ft.get(5); ok {
		t.Error("closed fd 5 still there")
	}
	if _, ok := ft.epoll[5]; ok {
		t.Error("closing an epoll fd keeps its map")
	}
	ft.close(42) // not open: no panic
}

func TestFDTableCloneIndependent(t *testing.T) {
	orig := newFDTable()
	orig.set(1, fdInfo{local: false})
	orig.set(4, fdInfo{local: true})
	orig.epoll[7] = &epollMap{
		data: map[int][]uint64{4: {0x1000, 0x2000}, 1: {9, 9}},
		rev:  map[uint64]int{0x1000: 4, 9: 1},
	}
	c := orig.clone()
	if !reflect.DeepEqual(c.fds, orig.fds) {
		t.Fatalf("clone fds = %v, want %v", c.fds, orig.fds)
	}
	if !reflect.DeepEqual(c.epoll[7], orig.epoll[7]) {
		t.Fatalf("clone epoll = %+v, want %+v", c.epoll[7], orig.epoll[7])
	}

	c.set(4, fdInfo{local: false})
	c.set(9, fdInfo{local: true})
	c.close(1)
	c.epoll[7].data[4][0] = 0xdead
	c.epoll[7].data[8] = []uint64{1}
	delete(c.epoll[7].data, 1)
	c.epoll[7].rev[0xdead] = 4
	delete(c.epoll[7].rev, 9)
	c.epoll[11] = &epollMap{}

	if i, _ := orig.get(4); !i.local {
		t.Error("set in the clone changed the original")
	}
	if _, ok := orig.get(9); ok {
		t.Error("new fd in the clone appears in the original")
	}
	if _, ok := orig.get(1); !ok {
		t.Error("close in the clone closed the original's fd")
	}
	e := orig.epoll[7]
	if e.data[4][0] != 0x1000 {
		t.Error("epoll data slices are shared with the clone")
	}
	if _, ok := e.data[8]; ok {
		t.Error("epoll data map is shared with the clone")
	}
	if _, ok := e.data[1]; !ok {
		t.Error("delete in the clone's epoll data reached the original")
	}
	if _, ok := e.rev[0xdead]; ok {
		t.Error("epoll rev map is shared with the clone")
	}
	if _, ok := e.rev[9]; !ok {
		t.Error("delete in the clone's epoll rev reached the original")
	}
	if _, ok := orig.epoll[11]; ok {
		t.Error("epoll map set is shared with the clone")
	}

	// And the other way round.
	orig.set(20, fdInfo{})
	orig.epoll[7].data[4][1] = 0xbeef
	if _, ok := c.get(20); ok {
		t.Error("original's change reached the clone")
	}
	if c.epoll[7].data[4][1] != 0x2000 {
		t.Error("original's epoll change reached the clone")
	}
}

func TestFDTableCloneEmpty(t *testing.T) {
	c := newFDTable().clone()
	c.set(0, fdInfo{})
	c.epoll[1] = &epollMap{}
	if c.fds == nil || c.epoll == nil {
		t.Fatal("clone of an empty table has nil maps")
	}
}

func TestSigTable(t *testing.T) {
	s := newSigTable()
	s.acts[syscall.SIGINT] = sigAction{disp: dispHandler, flags: 0x4000000}
	s.acts[syscall.SIGPIPE] = sigAction{disp: dispIgnore, flags: 0x10000000}
	s.acts[syscall.SIGUSR1] = sigAction{disp: dispDefault, flags: 0x4}
	s.acts[64] = sigAction{disp: dispHandler}

	c := s.clone()
	c.acts[syscall.SIGTERM] = sigAction{disp: dispIgnore}
	if s.get(syscall.SIGTERM).disp != dispDefault {
		t.Error("sigTable clone shares its array")
	}

	s.execReset()
	tests := []struct {
		sig  syscall.Signal
		want sigAction
	}{
		{syscall.SIGINT, sigAction{}},                                     // handler -> default, flags dropped
		{syscall.SIGPIPE, sigAction{disp: dispIgnore, flags: 0x10000000}}, // ignored stays ignored
		{syscall.SIGUSR1, sigAction{disp: dispDefault, flags: 0x4}},       // default untouched
		{64, sigAction{}},
	}
	for _, tt := range tests {
		if got := s.get(tt.sig); got != tt.want {
			t.Errorf("after exec, %v: %+v, want %+v", tt.sig, got, tt.want)
		}
	}
	if c.get(syscall.SIGINT).disp != dispHandler {
		t.Error("execReset of the original reached the clone")
	}

	for _, sig := range []syscall.Signal{0, -1, 65, 1000} {
		if got := s.get(sig); got != (sigAction{}) {
			t.Errorf("get(%d) = %+v, want the zero action", sig, got)
		}
	}
}

func TestSignalClasses(t *testing.T) {
	ignored := map[syscall.Signal]bool{syscall.SIGCHLD: true, syscall.SIGURG: true, syscall.SIGWINCH: true, syscall.SIGCONT: true}
	stops := map[syscall.Signal]bool{syscall.SIGSTOP: true, syscall.SIGTSTP: true, syscall.SIGTTIN: true, syscall.SIGTTOU: true}
	for sig := syscall.Signal(0); sig <= 64; sig++ {
		if got := defaultIgnored(sig); got != ignored[sig] {
			t.Errorf("defaultIgnored(%v) = %v", sig, got)
		}
		if got := stopSignal(sig); got != stops[sig] {
			t.Errorf("stopSignal(%v) = %v", sig, got)
		}
	}
}

func TestFDSetBytes(t *testing.T) {
	tests := []struct {
		nfds uint64
		want int
	}{
		{0, 0},
		{1, 8},
		{63, 8},
		{64, 8},
		{65, 16},
		{1024, 128}, // FD_SETSIZE
		{1025, 136},
		{1 << 16, 8192},
		{1<<16 + 1, 8192}, // capped
		{1 << 40, 8192},
		{1<<64 - 1, 8192}, // a negative nfds must not overflow
	}
	for _, tt := range tests {
		if got := fdSetBytes(tt.nfds); got != tt.want {
			t.Errorf("fdSetBytes(%d) = %d, want %d", tt.nfds, got, tt.want)
		}
	}
}

func openCall(name string, flags uint64) *canon.Call {
	c := &canon.Call{Row: &canon.Row{Name: name}}
	switch name {
	case "open":
		c.Raw[1] = flags
	case "openat":
		c.Raw[2] = flags
	}
	return c
}

// openIsLocal and fdCloexec read /proc; these use the test process's own
// descriptors.
func TestOpenIsLocal(t *testing.T) {
	pid := os.Getpid()
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	wo, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wo.Close()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	closedFD := func() int {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fd := int(f.Fd())
		f.Close()
		return fd
	}()

	// /dev/full is a device with a number of its own.
	full, err := os.Open("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()

	const rdonly = unix.O_RDONLY | unix.O_CLOEXEC
	tests := []struct {
		name  string
		call  string
		flags uint64
		fd    int
		want  bool
	}{
		{"regular file read-only (openat)", "openat", rdonly, int(ro.Fd()), true},
		{"regular file read-only (open)", "open", rdonly, int(ro.Fd()), true},
		{"directory", "openat", rdonly, int(d.Fd()), true},
		{"regular file write-only", "openat", unix.O_WRONLY, int(wo.Fd()), false},
		{"regular file read-write", "openat", unix.O_RDWR, int(ro.Fd()), false},
		{"O_CREAT", "openat", unix.O_RDONLY | unix.O_CREAT, int(ro.Fd()), false},
		{"O_TRUNC", "openat", unix.O_RDONLY | unix.O_TRUNC, int(ro.Fd()), false},
		{"O_TMPFILE", "openat", unix.O_TMPFILE | unix.O_RDWR, int(d.Fd()), false},
		{"pipe", "openat", rdonly, int(pr.Fd()), false},
		// /dev/null and /dev/zero have no state: every variant its own.
		{"/dev/null", "openat", rdonly, int(devnull.Fd()), true},
		{"/dev/null for writing", "openat", unix.O_WRONLY, int(devnull.Fd()), true},
		{"another device", "openat", rdonly, int(full.Fd()), false},
		{"closed fd", "openat", rdonly, closedFD, false},
		{"creat", "creat", rdonly, int(ro.Fd()), false},
		{"openat2", "openat2", rdonly, int(ro.Fd()), false},
		// open's flags are argument 1: flags in argument 2 are its mode.
		{"open with mode in arg 2", "open", unix.O_WRONLY, int(ro.Fd()), false},
	}
	for _, tt := range tests {
		if got := openIsLocal(pid, tt.fd, openCall(tt.call, tt.flags)); got != tt.want {
			t.Errorf("%s: openIsLocal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFdCloexec(t *testing.T) {
	pid := os.Getpid()
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !fdCloexec(pid, int(f.Fd())) {
		t.Error("a Go-opened file (O_CLOEXEC) reads as not close-on-exec")
	}
	nfd, err := unix.Dup(int(f.Fd())) // dup clears FD_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(nfd)
	if fdCloexec(pid, nfd) {
		t.Error("a dup'ed descriptor reads as close-on-exec")
	}
	if _, err := unix.FcntlInt(uintptr(nfd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if !fdCloexec(pid, nfd) {
		t.Error("F_SETFD FD_CLOEXEC not seen")
	}
	if fdCloexec(pid, 1<<20) {
		t.Error("a descriptor that is not open reads as close-on-exec")
	}
	if fdCloexec(1<<30, 0) {
		t.Error("a process that does not exist has a close-on-exec fd 0")
	}
}

// opendir() and fts open directories with O_RDONLY|O_DIRECTORY; O_TMPFILE
// is __O_TMPFILE|O_DIRECTORY, so testing flags&O_TMPFILE != 0 catches
// O_DIRECTORY too.
func TestOpenIsLocalODirectory(t *testing.T) {
	d, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	flags := uint64(unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_DIRECTORY) // glibc opendir
	for _, name := range []string{"open", "openat"} {
		if !openIsLocal(os.Getpid(), int(d.Fd()), openCall(name, flags)) {
			t.Errorf("%s(dir, O_RDONLY|O_DIRECTORY) is not local", name)
		}
	}
}

// A process's mem file open for writing is refused; read-only, or a
// regular file that happens to be called mem, is not.
func TestProcMemForWriting(t *testing.T) {
	regular := filepath.Join(t.TempDir(), "mem")
	if err := os.WriteFile(regular, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path  string
		flags int
		want  bool
	}{
		{"/proc/self/mem", os.O_RDWR, true},
		{"/proc/self/mem", os.O_WRONLY, true},
		{fmt.Sprintf("/proc/self/task/%d/mem", unix.Gettid()), os.O_RDWR, true},
		{"/proc/self/mem", os.O_RDONLY, false},
		{"/proc/self/status", os.O_RDONLY, false},
		{regular, os.O_RDWR, false},
	} {
		f, err := os.OpenFile(tt.path, tt.flags, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, got := procMemForWriting(os.Getpid(), int(f.Fd())); got != tt.want {
			t.Errorf("%s flags %#x: refused %v, want %v", tt.path, tt.flags, got, tt.want)
		}
		f.Close()
	}
}
