package cpmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/launch"
	"dmvx/internal/ptrace"
	"dmvx/internal/report"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// variant is one variant and its tracer.
type variant struct {
	m   *Monitor
	idx int

	// Owned by the tracer goroutine.
	tasks   map[int]*task
	orphans map[int]unix.WaitStatus // stops of children not yet announced

	qmu   sync.Mutex
	queue []func()
	// doorbell is a traced child whose signal stop wakes this tracer out of
	// wait4; active says the tracer is not blocked, so no ring is needed;
	// rang coalesces rings until the tracer has seen one.
	doorbell int
	active   atomic.Bool
	rang     atomic.Bool
	qlen     atomic.Int32

	// hist is the last calls of this variant, for reports. Guarded by m.mu.
	hist  [32]*canon.Call
	histN int

	// rem is set for a variant that runs on a follower host: its tasks
	// here are shadows, driven by that host's executor (remote.go).
	rem *remote
}

func newVariant(m *Monitor, idx int) *variant {
	return &variant{
		m: m, idx: idx,
		tasks:   make(map[int]*task),
		orphans: make(map[int]unix.WaitStatus),
	}
}

func (v *variant) leader() bool { return v.idx == 0 }

// filter is the variant's seccomp filter, nil for the CP-MON-only one.
func (v *variant) filter() []bpf.RawInstruction {
	if v.idx < len(v.m.filters) {
		return v.m.filters[v.idx]
	}
	return nil
}

// task is one thread of this variant. Only the tracer goroutine touches it.
type task struct {
	tid  int
	v    *variant
	lt   *ltask
	regs ptrace.Regs
	call *canon.Call
	// onExit runs at the syscall-exit stop of the call being executed.
	onExit func(ret int64)
	// followersWait: the leader executes a call whose result the followers
	// are stopped for.
	followersWait bool
	// interrupted is the ERESTART* code of the leader's call that a signal
	// interrupted; silentRestart says that the next entry is the kernel
	// restarting that call after the monitor suppressed the signal.
	interrupted   int64
	silentRestart bool
	// injects are the signals (bit sig-1) the monitor queued for this task
	// and must let through at their delivery stop.
	injects uint64
	// launching: 1 until the launcher's execve, 2 until its exec event.
	launching int
	// entry: the breakpoint at the entry point of the program the task
	// exec'd in a run of two instruction sets; set while its loader runs
	// (entry.go).
	entry *entryTrap
	// ipmonAt is IP-MON's registration function, which the task calls at
	// its entry (entry.go); entrySaved its registers at the entry while
	// it does.
	ipmonAt    uint64
	entrySaved *ptrace.Regs
	// started: the task's first stop has been seen.
	started bool
	// aux is per-call scratch of special handlers (epoll_event.data).
	aux uint64
	// clone describes the clone this task is executing (per variant).
	clone cloneInfo
	// awaiting: stopped at a call's entry, waiting for the rendezvous.
	awaiting bool
	// tgid is the thread group (process) id of the task.
	tgid int
	// rdtscLen is the length of the trapped rdtsc/rdtscp instruction.
	rdtscLen int
	// parentIPM is the IP-MON region the task inherited at its creation.
	parentIPM *ipmonProc
	// ipmFork is the region of the forked process this task is the first
	// thread of, which it maps once it has made forkIPMONAfter calls that
	// IP-MON would take (injectFork); forkCalls counts them.
	ipmFork   *ipmonProc
	forkCalls int
	// ipmonRefused: why the follower host refused the registration call
	// this remote task is stopped at.
	ipmonRefused string
	// resyncCode is the restart code of the leader's gate call that a
	// signal interrupted and CP-MON sent back through IP-MON (resync): the
	// same call arrives next, and the signal ends it as the kernel would.
	resyncCode int64
	// hashed: inputs of a follower host's call that crossed as digests
	// (bit i: argument i; bit 6: Extra).
	hashed uint8

	// Asynchronous replication to a follower host (remote.go,
	// executor.go). On the leader's host: virtual marks a stand-in for a
	// remote task at a call it has not reached yet, whose actions become
	// an expectation (digest is the leader's call's); owed counts the
	// expectations made for the task, met those it is known to have met,
	// and leaderCalls the leader's calls behind the last ones, for
	// reports. On the follower host: expects are the expectations not met
	// yet, consumed those met, and waiting says the task stopped at a call
	// with no expectation and waits for the leader host (an action's end
	// at the syscall exit is onExit, as in CP-MON).
	virtual bool
	digest  [canon.DigestSize]byte
	// marker: the process runs IP-MON; the follower host consumes the
	// record of the leader's arrival at this call when the task gets
	// there (markerWait: it waits for it to come).
	marker, markerWait bool
	owed, met          uint64
	leaderCalls        [asyncWindow]string
	expects            []expectation
	consumed           uint64
	waiting            bool
	// inMet: in a call met from an expectation; restartNr: that call, to
	// be entered again after a signal.
	inMet     bool
	restartNr uint64
	// resultRet: on a follower host of another ISA, the result of a call
	// whose whole result converts from its output (canon.Row.Result),
	// taken when the leader host's output was applied.
	resultRet    int64
	hasResultRet bool
	// entryPC is where the task's last call was entered (after its
	// syscall instruction), until its exit stop: how a signal stop on
	// arm64 tells an interrupted call (interruptedCall).
	entryPC uint64
	// reportedMet: the expectations a remote task had met at the stop
	// being handled.
	reportedMet uint64
}

type cloneInfo struct{ flags, ptid, ctid uint64 }

func sigBit(sig syscall.Signal) uint64 {
	if sig <= 0 || sig > 64 {
		return 0
	}
	return 1 << (sig - 1)
}

// expect marks sig as queued by the monitor: its delivery stop passes.
func (t *task) expect(sig syscall.Signal) { t.injects |= sigBit(sig) }

// expected consumes such a mark.
func (t *task) expected(sig syscall.Signal) bool {
	b := sigBit(sig)
	if b == 0 || t.injects&b == 0 {
		return false
	}
	t.injects &^= b
	return true
}

// enqueue hands an action for one of this variant's tasks to its tracer.
func (v *variant) enqueue(f func()) {
	v.qmu.Lock()
	v.queue = append(v.queue, f)
	v.qlen.Store(int32(len(v.queue)))
	v.qmu.Unlock()
	v.ring()
}

// ring wakes the tracer if it is blocked in wait4. The tracer clears active
// before its last look at the queue, and enqueue fills the queue before
// ring reads active: one of the two sees the other.
func (v *variant) ring() {
	if v.rem != nil {
		v.rem.wake()
		return
	}
	if v.active.Load() || v.doorbell == 0 {
		return
	}
	if v.rang.CompareAndSwap(false, true) {
		_ = unix.Kill(v.doorbell, unix.SIGUSR1)
	}
}

// spinTime bounds how long a tracer whose task waits at a rendezvous polls
// for the verdict before it sleeps: the other variants usually arrive within
// a few tens of microseconds, and a sleeping tracer costs two more context
// switches (its doorbell's and its own) per call.
const spinTime = 150 * time.Microsecond

// spinTimeIPMON replaces it when IP-MON runs: rendezvous are rare, and at
// one a follower often has a batch of records to work through first, so a
// long poll mostly burns a CPU the program could use.
const spinTimeIPMON = 20 * time.Microsecond

// spinForVerdict polls, while active, for work for a task of this variant
// that waits at a rendezvous. Only when every variant can have a CPU of its
// own: otherwise the spinning keeps the other variants from arriving
// (measured: getcwd with -n 3 on 2 CPUs costs 2.5x more with it).
func (v *variant) spinForVerdict() bool {
	if v.m.n > runtime.NumCPU() {
		return false
	}
	waiting := false
	for _, t := range v.tasks {
		if t.awaiting {
			waiting = true
			break
		}
	}
	if !waiting {
		return false
	}
	limit := spinTime
	if v.m.ipm != nil && v.m.ipm.on {
		limit = spinTimeIPMON
	}
	for start := time.Now(); time.Since(start) < limit; {
		if v.qlen.Load() > 0 {
			return true
		}
		for i := 0; i < 50; i++ {
			spinPause()
		}
	}
	return false
}

func (v *variant) queued() bool {
	v.qmu.Lock()
	defer v.qmu.Unlock()
	return len(v.queue) > 0
}

// history returns the variant's recent calls, oldest first. Called with
// m.mu held.
func (v *variant) history() []string {
	var out []string
	n := len(v.hist)
	for i := 0; i < n; i++ {
		c := v.hist[(v.histN+i)%n]
		if c != nil {
			out = append(out, c.String())
		}
	}
	return out
}

func (v *variant) record(c *canon.Call) {
	v.hist[v.histN%len(v.hist)] = c
	v.histN++
}

// run is the tracer goroutine. It never unlocks its OS thread: the thread
// is the variant's tracer (and the parent that PR_SET_PDEATHSIG watches).
func (v *variant) run(files []uintptr, started chan<- error) {
	defer v.m.wg.Done()
	runtime.LockOSThread()
	v.active.Store(true)

	m := v.m
	bell, err := launch.Doorbell()
	if err != nil {
		started <- fmt.Errorf("variant %d: %w", v.idx, err)
		return
	}
	defer func() {
		_ = unix.Kill(bell, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(bell, &ws, unix.WALL, nil)
	}()
	pid, err := launch.Start(launch.Spec{
		Path: m.cfg.Paths[v.idx], Argv: m.cfg.Argv, Env: m.env,
		Files: files, TrapTSC: m.cfg.TrapTSC, Filter: v.filter(),
	})
	if err == nil {
		err = unix.PtraceSetOptions(pid, ptrace.Options)
		if err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			err = fmt.Errorf("PTRACE_SETOPTIONS: %w", err)
		}
	}
	if err != nil {
		started <- fmt.Errorf("variant %d: %w", v.idx, err)
		return
	}
	t := &task{tid: pid, v: v, launching: 1, started: true, tgid: pid}
	v.tasks[pid] = t
	m.mu.Lock()
	m.attachLocked(v.idx, m.root, t)
	t.lt = m.root
	v.doorbell = bell
	m.mu.Unlock()
	started <- nil
	v.cont(t, 0)

	for {
		v.active.Store(true)
		v.runQueue()
		if len(v.tasks) == 0 {
			return
		}
		if v.spinForVerdict() {
			continue
		}
		v.active.Store(false)
		if v.queued() {
			continue
		}
		var ws unix.WaitStatus
		tid, err := ptrace.WaitRaw(&ws)
		v.active.Store(true)
		switch {
		case err == syscall.EINTR:
		case err != nil:
			m.fail(&failure{outcome: report.Error, code: ExitError, err: "wait4: " + err.Error()})
			return
		case tid == bell:
			v.rang.Store(false)
			if ws.Stopped() {
				_ = ptrace.Cont(bell, 0)
			}
		default:
			v.handle(tid, ws)
		}
	}
}

func (v *variant) runQueue() {
	for {
		v.qmu.Lock()
		q := v.queue
		v.queue = nil
		v.qlen.Store(0)
		v.qmu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// handle dispatches one wait status.
func (v *variant) handle(tid int, ws unix.WaitStatus) {
	t := v.tasks[tid]
	if t == nil {
		if ws.Exited() || ws.Signaled() {
			delete(v.orphans, tid)
			return
		}
		// A new child stops before its parent's clone event is seen.
		v.orphans[tid] = ws
		return
	}
	if ws.Exited() || ws.Signaled() {
		v.gone(t, ws)
		return
	}
	if !ws.Stopped() {
		return
	}
	sig := ws.StopSignal()
	switch {
	case sig == syscall.SIGTRAP|0x80:
		v.exitStop(t)
	case sig == syscall.SIGTRAP && ws.TrapCause() == ptrace.EventSeccomp:
		v.entry(t)
	case sig == syscall.SIGTRAP && (ws.TrapCause() == ptrace.EventClone ||
		ws.TrapCause() == ptrace.EventFork || ws.TrapCause() == ptrace.EventVfork):
		v.cloneEvent(t)
	case sig == syscall.SIGTRAP && ws.TrapCause() == ptrace.EventExec:
		v.execEvent(t)
	case sig == syscall.SIGTRAP && ws.TrapCause() != 0:
		v.resumeInCall(t)
	case !t.started:
		t.started = true
		v.childStarted(t)
	default:
		v.signalStop(t, sig)
	}
}

// cont resumes t to its next seccomp stop or signal; failures mean the task
// died meanwhile (SIGKILL), which wait4 reports next.
func (v *variant) cont(t *task, sig syscall.Signal) {
	if t.virtual {
		if sig != 0 {
			v.virtualMisuse(t, "a signal")
			return
		}
		v.rem.expect(t, actRun, 0, 0, false, nil)
		return
	}
	t.awaiting = false
	if v.rem != nil {
		v.rem.cont(t.tid, sig)
		return
	}
	if err := ptrace.Cont(t.tid, int(sig)); err != nil {
		v.m.log.Debug("PTRACE_CONT failed", "variant", v.idx, "tid", t.tid, "err", err)
	}
}

// resumeInCall resumes t from an event stop inside a system call (clone,
// vfork-done): PTRACE_CONT there would drop the syscall-exit stop that an
// exit hook waits for.
func (v *variant) resumeInCall(t *task) {
	if t.onExit == nil {
		v.cont(t, 0)
		return
	}
	if v.rem != nil {
		v.rem.contToExit(t.tid)
		return
	}
	if err := ptrace.ContToExit(t.tid); err != nil {
		v.m.log.Debug("PTRACE_SYSCALL failed", "variant", v.idx, "tid", t.tid, "err", err)
	}
}

// contToExit resumes t through the call it is entering and runs f at its
// syscall-exit stop.
func (v *variant) contToExit(t *task, f func(ret int64)) {
	if t.virtual {
		v.virtualMisuse(t, "an action at the syscall exit")
		return
	}
	t.awaiting = false
	t.onExit = f
	if v.rem != nil {
		v.rem.contToExit(t.tid)
		return
	}
	if err := ptrace.ContToExit(t.tid); err != nil {
		v.m.log.Debug("PTRACE_SYSCALL failed", "variant", v.idx, "tid", t.tid, "err", err)
	}
}

func (v *variant) setRegs(t *task) bool {
	if t.virtual {
		v.virtualMisuse(t, "registers")
		return false
	}
	if v.rem != nil {
		v.rem.setRegs(t.tid, &t.regs)
		return true
	}
	if err := ptrace.SetRegs(t.tid, &t.regs); err != nil {
		v.m.log.Debug("PTRACE_SETREGS failed", "variant", v.idx, "tid", t.tid, "err", err)
		return false
	}
	return true
}

func (v *variant) exitStop(t *task) {
	t.entryPC = 0 // the call is over: a signal now finds none to restart
	if err := v.getRegs(t); err != nil {
		return
	}
	f := t.onExit
	t.onExit = nil
	if f == nil {
		v.cont(t, 0)
		return
	}
	ret := ptrace.Ret(&t.regs)
	if ptrace.RestartCode(ret) {
		// A signal interrupted the call. What follows is either the
		// signal's delivery stop or, if the monitor suppresses it, the
		// kernel's restart of this very call: keep f for the real end.
		t.onExit = f
		t.interrupted = ret
		v.cont(t, 0)
		return
	}
	t.interrupted = 0
	f(ret)
}

// entry handles a seccomp stop: the task is entering a system call.
func (v *variant) entry(t *task) {
	m := v.m
	if err := v.getRegs(t); err != nil {
		return
	}
	nr := ptrace.Nr(&t.regs)
	t.entryPC = ptrace.PC(&t.regs)
	switch t.launching {
	case 1:
		// The launcher's execve of the program. dmvx resolved the path
		// already; nothing to compare before the program exists.
		if v.abi().Name(nr) == "execve" {
			t.launching = 2
		}
		v.cont(t, 0)
		return
	}
	if t.entry != nil && t.entrySaved == nil {
		v.loaderEntry(t, nr, ptrace.Args(&t.regs))
		return
	}
	if ip := t.ipmFork; ip != nil && v.ipmonTakes(nr) {
		// A forked child that goes on making IP-MON's calls (a
		// subshell, a worker) rather than exec'ing soon: give it IP-MON
		// of its own, then let it make the call again, which stops here
		// anew.
		if t.forkCalls++; t.forkCalls >= forkIPMONAfter {
			t.ipmFork = nil
			v.injectFork(t, ip)
			return
		}
	}
	if t.silentRestart {
		t.silentRestart = false
		if t.call != nil && (nr == t.call.Nr || v.abi().Name(nr) == "restart_syscall") {
			// The kernel restarts the call a suppressed signal interrupted:
			// it is the same call, already agreed on.
			if t.onExit != nil {
				v.contToExit(t, t.onExit)
			} else {
				v.cont(t, 0)
			}
			return
		}
	}
	args := ptrace.Args(&t.regs)
	if v.leader() {
		m.leaderStops.Add(1)
	}
	if nr == ipmon.NrRegister || nr == ipmon.NrDiverge {
		v.ipmonEntry(t, nr, args)
		return
	}
	row, err := v.abi().Lookup(nr, args)
	if err != nil {
		m.mu.Lock()
		m.errorLocked("variant %d (tid %d): %v", v.idx, t.tid, err)
		m.mu.Unlock()
		return
	}
	if !row.InLockstep(args) {
		// Memory management that cannot make memory executable: each
		// variant does its own, when it needs to (see canon.Unsynced).
		// These rows read no memory: decoding only keeps the values
		// for reports.
		c, err := v.decode(t, row, nr, args)
		if err != nil {
			c = &canon.Call{Row: row, Nr: nr, Raw: args}
		}
		m.mu.Lock()
		t.v.record(c)
		m.countLocked(c, "unsynced")
		m.mu.Unlock()
		t.call = c
		v.cont(t, 0)
		return
	}
	c, err := v.decode(t, row, nr, args)
	if err != nil {
		// Fail closed: an input the monitor will not compare must not
		// reach the outside unchecked.
		m.mu.Lock()
		m.errorLocked("variant %d: %v", v.idx, err)
		m.mu.Unlock()
		return
	}
	if row.Exec == canon.ExecSpecial {
		if v.rem != nil {
			// The follower host read what the handler needs, where the
			// memory is.
			v.rem.special(t, c)
		} else {
			v.preSpecial(t, c)
		}
	}
	t.call = c
	m.arrive(t)
}

// cloneEvent: t's clone/fork/vfork made a new task, which this tracer now
// traces too.
func (v *variant) cloneEvent(t *task) {
	msg, err := v.eventMsg(t)
	if err != nil {
		v.cont(t, 0)
		return
	}
	child := int(msg)
	ct := &task{tid: child, v: v, tgid: child}
	if t.clone.flags&unix.CLONE_THREAD != 0 {
		ct.tgid = t.tgid
	}
	v.tasks[child] = ct
	m := v.m
	m.mu.Lock()
	clt := t.lt.cloneChild
	if clt == nil {
		m.errorLocked("variant %d: task %d made a new task %d outside a monitored clone", v.idx, t.tid, child)
		m.mu.Unlock()
		return
	}
	ct.lt = clt
	ct.clone = t.clone
	ct.parentIPM = t.lt.proc.ipm
	m.attachLocked(v.idx, clt, ct)
	m.mu.Unlock()
	if ws, ok := v.orphans[child]; ok {
		delete(v.orphans, child)
		v.handle(child, ws)
	}
	v.resumeInCall(t)
}

// attachLocked records that variant v's tid is logical task lt.
func (m *Monitor) attachLocked(v int, lt *ltask, t *task) {
	tid := t.tid
	lt.tids[v] = tid
	lt.tasks[v] = t
	m.byReal[v][tid] = lt
	if v == 0 {
		m.byVtid[tid] = lt
		ws := lt.waiters
		lt.waiters = nil
		for _, f := range ws {
			f(tid)
		}
	}
}

// childStarted is a new task's first stop (its SIGSTOP): it may run once
// the memory the kernel filled with its real tid holds the virtual one.
func (v *variant) childStarted(t *task) {
	v.ipmonChildStart(t)
	if v.leader() {
		v.cont(t, 0)
		return
	}
	m := v.m
	m.mu.Lock()
	t.lt.whenVtidLocked(func(vtid int) {
		v.enqueue(func() {
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(vtid))
			mem := v.mem(t)
			if t.clone.flags&unix.CLONE_CHILD_SETTID != 0 && t.clone.ctid != 0 {
				_ = mem.Write(t.clone.ctid, b[:])
			}
			// A thread shares its parent's memory: fix the parent's copy of
			// the tid before the thread can read it.
			if t.clone.flags&(unix.CLONE_PARENT_SETTID|unix.CLONE_VM) == unix.CLONE_PARENT_SETTID|unix.CLONE_VM && t.clone.ptid != 0 {
				_ = mem.Write(t.clone.ptid, b[:])
			}
			v.cont(t, 0)
		})
	})
	m.mu.Unlock()
}

// execEvent: an execve succeeded. Hide the vDSO from the new image, so that
// time calls become system calls the leader executes and replicates.
func (v *variant) execEvent(t *task) {
	m := v.m
	if err := v.getRegs(t); err == nil && v.rem == nil {
		// (A follower host's executor does it there.)
		if err := hideVDSO(v.mem(t), ptrace.SP(&t.regs)); err != nil {
			m.log.Warn("could not hide the vDSO", "variant", v.idx, "err", err)
		}
	}
	if former, err := v.eventMsg(t); err == nil && int(former) != t.tid {
		// A non-leader thread exec'd and took over the thread group id.
		m.mu.Lock()
		m.errorLocked("variant %d: execve from a secondary thread (%d) is not supported", v.idx, former)
		m.mu.Unlock()
		return
	}
	if t.launching == 2 {
		t.launching = 0
		if v.rem == nil && m.compareFromEntry() && !v.plantLocalEntry(t) {
			return
		}
		v.cont(t, 0)
		return
	}
	if v.rem == nil && m.compareFromEntry() && !v.plantLocalEntry(t) {
		return
	}
	t.ipmFork, t.forkCalls = nil, 0 // the new image registers its own IP-MON
	m.mu.Lock()
	if v.leader() {
		m.releaseIPMONLocked(t.lt.proc)
		t.lt.proc.sig.execReset()
		pruneClosed(t.lt.proc.fds, t.tid)
	}
	m.mu.Unlock()
	v.cont(t, 0)
}

// pruneClosed drops the descriptors that close-on-exec closed.
func pruneClosed(fds *fdTable, pid int) {
	for fd := range fds.fds {
		if _, err := os.Lstat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd)); errors.Is(err, os.ErrNotExist) {
			fds.close(fd)
		}
	}
}

// gone: a task exited or was killed.
func (v *variant) gone(t *task, ws unix.WaitStatus) {
	delete(v.tasks, t.tid)
	m := v.m
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byReal[v.idx], t.tid)
	lt := t.lt
	if lt == nil || lt.exited[v.idx] != nil {
		return
	}
	es := statusOf(ws)
	lt.exited[v.idx] = es
	if lt.nExited == 0 {
		lt.firstExit = time.Now()
	}
	lt.nExited++
	m.ipmonTaskGoneLocked(lt, v.idx, lt.nExited == m.n)
	if m.failure != nil || m.finished {
		// After the end of the program, what remains is being killed.
		return
	}
	if lt.arrived[v.idx] != nil {
		// Killed while waiting at a rendezvous.
		lt.arrived[v.idx] = nil
		lt.nArrived--
	}
	if lt.nArrived > 0 && lt.proc.dying != unix.SIGKILL {
		var other *task
		for _, a := range lt.arrived {
			if a != nil {
				other = a
				break
			}
		}
		m.divergeLocked(lt, other.call.Row.Name, fmt.Sprintf("variant %d ended (%s) while variant %d made the call %s",
			v.idx, es, other.v.idx, other.call.Row.Name))
		return
	}
	if lt.nExited < m.n {
		return
	}
	for i := 1; i < m.n; i++ {
		if *lt.exited[i] != *lt.exited[0] {
			m.divergeLocked(lt, "exit", fmt.Sprintf("variants ended differently: variant 0 %s, variant %d %s",
				lt.exited[0], i, lt.exited[i]))
			return
		}
	}
	if lt == m.root {
		// The program is over. Whatever it left running (background
		// children) goes with it: dmvx cannot leave variants unmonitored.
		m.finished = true
		m.killAllLocked()
		return
	}
	// Gone everywhere: no rendezvous can involve it any more. A process
	// stays known by its virtual pid until its parent reaps it (wait4
	// maps it then); a thread is never reaped.
	delete(m.lts, lt.id)
	if t.tgid != t.tid {
		delete(m.byVtid, lt.tids[0])
	}
}
