package cpmon

import (
	"maps"
	"syscall"
	"time"
)

// ltask is a logical task: the same thread in every variant. Its fields are
// guarded by Monitor.mu.
type ltask struct {
	id   int
	proc *lproc
	// tids are the real tids per variant; tids[0] is also the virtual tid
	// that followers see. They stay after the task exits (wait4 needs them).
	tids  []int
	tasks []*task
	// The rendezvous: tasks that have arrived at their next call.
	arrived      []*task
	nArrived     int
	firstArrival time.Time
	// current is the name of the call each variant is executing (reports).
	current []string
	exited  []*exitStatus
	nExited int
	// firstExit starts the deadline for variants that have not exited yet.
	firstExit time.Time
	// pending are asynchronous signals the leader received for this task,
	// delivered to every variant at its next rendezvous.
	pending []syscall.Signal
	// mirrorCall: the call being dispatched changes a file or directory
	// that followers on other hosts keep a copy of: they make it too
	// (leaderDone). Guarded by Monitor.mu.
	mirrorCall bool
	// cloneChild is the logical child being made by this task's clone.
	cloneChild *ltask
	cloneFlags uint64
	// waiters run once tids[0] (the virtual tid) is known.
	waiters []func(vtid int)
	// slot is the task's IP-MON thread slot: -1 none yet, -2 none to be
	// had (it runs with the dead page).
	slot int
}

// whenVtidLocked runs f with the task's virtual tid, now or once known.
func (lt *ltask) whenVtidLocked(f func(vtid int)) {
	if lt.tids[0] > 0 {
		f(lt.tids[0])
		return
	}
	lt.waiters = append(lt.waiters, f)
}

// lproc is a logical thread group's shared state.
type lproc struct {
	fds *fdTable
	sig *sigTable
	// dying is the signal the process is being killed with, everywhere.
	dying syscall.Signal
	// ipm is the process image's IP-MON, if it registered.
	ipm *ipmonProc
}

// fdInfo says how a descriptor is handled. Its number is the same in every
// variant.
type fdInfo struct {
	// local: every variant has its own open file (a regular file or a
	// directory opened read-only) and executes calls on it itself.
	// Otherwise the descriptor is the leader's (socket, pipe, tty, device,
	// file opened for writing): followers hold a placeholder and receive
	// the leader's results.
	local bool
	// mirror: a regular file or directory that followers on other hosts
	// opened on their own host's copy (which they keep like the leader's:
	// they make every call on it themselves). Followers on this host share
	// the leader's file and hold a placeholder unless local.
	mirror bool
	// pseudo: a file of /proc or /sys, whose contents are each process's
	// and each host's own: never compared across hosts.
	pseudo bool
}

// fdTable is a descriptor table, shared by tasks made with CLONE_FILES.
type fdTable struct {
	fds map[int]fdInfo
	// epoll maps, per epoll descriptor, a watched descriptor to each
	// variant's epoll_event.data (often a pointer, so per variant), and the
	// leader's data back to the descriptor.
	epoll map[int]*epollMap
	// ipm receives every change, for IP-MON's descriptor map.
	ipm *ipmonProc
}

type epollMap struct {
	data map[int][]uint64 // fd -> data per variant
	rev  map[uint64]int   // leader data -> fd
}

// keys returns the leader's data values the map knows.
func (e *epollMap) keys() []uint64 {
	keys := make([]uint64, 0, len(e.rev))
	for k := range e.rev {
		keys = append(keys, k)
	}
	return keys
}

func newFDTable() *fdTable {
	return &fdTable{fds: make(map[int]fdInfo), epoll: make(map[int]*epollMap)}
}

func (t *fdTable) set(fd int, i fdInfo) {
	t.fds[fd] = i
	if t.ipm != nil {
		t.ipm.fdChanged(fd, i, true)
	}
}

func (t *fdTable) get(fd int) (fdInfo, bool) {
	i, ok := t.fds[fd]
	return i, ok
}

func (t *fdTable) close(fd int) {
	em := t.epoll[fd]
	delete(t.fds, fd)
	delete(t.epoll, fd)
	if t.ipm != nil {
		t.ipm.epollDrop(fd, em)
		t.ipm.fdChanged(fd, fdInfo{}, false)
	}
}

func (t *fdTable) clone() *fdTable {
	c := newFDTable()
	c.fds = maps.Clone(t.fds)
	for k, e := range t.epoll {
		ne := &epollMap{data: make(map[int][]uint64), rev: maps.Clone(e.rev)}
		for fd, d := range e.data {
			ne.data[fd] = append([]uint64(nil), d...)
		}
		c.epoll[k] = ne
	}
	return c
}

// Signal dispositions, from the canonical sigaction.
const (
	dispDefault = 0
	dispIgnore  = 1
	dispHandler = 2
)

type sigAction struct {
	disp  int
	flags uint64
}

// sigTable is the signal dispositions of a thread group, shared by tasks
// made with CLONE_SIGHAND.
type sigTable struct{ acts [65]sigAction }

func newSigTable() *sigTable { return &sigTable{} }

func (s *sigTable) clone() *sigTable { c := *s; return &c }

// execReset is what execve does to dispositions: handlers become default,
// ignored stays ignored.
func (s *sigTable) execReset() {
	for i := range s.acts {
		if s.acts[i].disp == dispHandler {
			s.acts[i] = sigAction{}
		}
	}
}

func (s *sigTable) get(sig syscall.Signal) sigAction {
	if sig <= 0 || int(sig) >= len(s.acts) {
		return sigAction{}
	}
	return s.acts[sig]
}

// defaultIgnored are the signals whose default action is to ignore them.
func defaultIgnored(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGCHLD, syscall.SIGURG, syscall.SIGWINCH, syscall.SIGCONT:
		return true
	}
	return false
}

// stopSignal are the job-control stops.
func stopSignal(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU:
		return true
	}
	return false
}
