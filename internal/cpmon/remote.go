package cpmon

import (
	"context"
	"dmvx/internal/abi"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"
	"dmvx/internal/report"
	"dmvx/internal/wire"

	"golang.org/x/sys/unix"
)

// Remote is a follower variant on another host, reached through this
// host's connector for it.
type Remote struct {
	// Addr names the host in messages and reports.
	Addr string
	// Path is the executable on that host.
	Path string
	// Conn is this monitor's end of the socket pair to the connector.
	Conn net.Conn
	// Session is the run's session id.
	Session wire.Session
}

// remote is the leader host's side of a variant on a follower host. Its
// tasks here are shadows: their stops arrive from the host's executor
// (with registers, siginfo, event message and decoded call), and what
// CP-MON does to them goes back as commands, batched per turn of the
// variant's goroutine.
type remote struct {
	v    *variant
	spec Remote
	wc   *wire.Conn
	// arch and abi: the follower host's instruction set and system-call
	// table, from its welcome.
	arch ptrace.Arch
	abi  *abi.ABI

	wmu  sync.Mutex
	cmds wire.Enc
	ncmd uint32
	// urgent: a batched command that a stopped task waits for.
	urgent bool

	wakeC   chan struct{}
	replies chan reply
	lostC   chan struct{}
	lost    atomic.Bool
	nextID  uint32
	// endC closes when the executor says its variant has ended (an End
	// frame): every task reaped there, so that closing the link cannot
	// cut a session short that is over.
	endC    chan struct{}
	endOnce sync.Once

	// ev is the stop being handled; only the variant's goroutine uses it.
	ev *stopEvent
	// ship moves the leader's IP-MON records to the host.
	ship *shipper

	debug bool // the log takes debug records

	// For --stats.
	stops, passed, commands, frames, bytes atomic.Uint64
}

type reply struct {
	id   uint32
	data []byte
	err  string
}

func newRemote(v *variant, spec Remote) *remote {
	r := &remote{
		v: v, spec: spec, arch: ptrace.Native, abi: nativeABI,
		wc:      wire.NewConn(spec.Conn, spec.Session),
		wakeC:   make(chan struct{}, 1),
		replies: make(chan reply, 1),
		lostC:   make(chan struct{}),
		endC:    make(chan struct{}),
		debug:   v.m.log.Enabled(context.Background(), slog.LevelDebug),
	}
	r.ship = newShipper(r)
	return r
}

func (r *remote) wake() {
	select {
	case r.wakeC <- struct{}{}:
	default:
	}
}

// push appends a command to the batch that flush sends. A batch that
// grows past half a frame goes at once: a frame is at most
// wire.MaxPayload.
func (r *remote) push(c *command) {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.cmds.Len() == 0 {
		r.cmds.U32(0) // the count, which flushLocked sets
	}
	encodeCommand(&r.cmds, c)
	r.ncmd++
	if c.op != opExpect {
		r.urgent = true
	}
	if len(r.cmds.Payload()) > wire.MaxPayload/2 {
		r.flushLocked()
	}
}

// lingering: only expectations wait to be sent, too few to fill a batch.
// Nobody waits for them (the follower host is behind), so they may wait a
// moment for more: fewer frames, TLS records and wake-ups on both hosts.
func (r *remote) lingering() bool {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	return !r.urgent && r.ncmd > 0 && r.ncmd < expectBatch
}

// expectBatch and expectLinger bound how expectations are batched. (A
// timer of under a millisecond takes up to one when the monitor is
// otherwise idle: Go's timers then wait in epoll, in whole milliseconds.)
const (
	expectBatch  = 32
	expectLinger = 200 * time.Microsecond
)

// flush sends the commands batched so far, in one frame.
func (r *remote) flush() {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	r.flushLocked()
}

func (r *remote) flushLocked() {
	// The batch's memory is kept for the next: a frame a millisecond of
	// records allocates nothing, and the collector, whose stops wait for
	// the tracers in wait4, seldom runs.
	defer r.cmds.Reset()
	if r.ncmd == 0 || r.lost.Load() {
		r.ncmd, r.urgent = 0, false
		return
	}
	r.cmds.PutU32At(0, r.ncmd)
	p := r.cmds.Payload()
	r.commands.Add(uint64(r.ncmd))
	r.frames.Add(1)
	r.bytes.Add(uint64(len(p) + wire.HeaderSize))
	r.ncmd, r.urgent = 0, false
	if len(p) > wire.MaxPayload {
		// push keeps batches below a frame's bound; never drop commands
		// silently: the executor would go on without them. (gone takes
		// the monitor's lock, which the caller may hold.)
		go r.gone(fmt.Sprintf("a batch of %d bytes of commands exceeds a frame", len(p)))
		return
	}
	// A broken link is the read loop's to report (gone).
	if r.wc.Write(wire.Verdict, p) == nil {
		_ = r.wc.Flush()
	}
}

func (r *remote) cont(tid int, sig syscall.Signal) {
	r.push(&command{op: opCont, tid: tid, sig: sig})
}

func (r *remote) contToExit(tid int) { r.push(&command{op: opSyscall, tid: tid}) }

func (r *remote) setRegs(tid int, regs *ptrace.Regs) {
	r.push(&command{op: opSetRegs, tid: tid, regs: *regs})
}

func (r *remote) apply(tid int, outs []canon.Out) {
	r.push(&command{op: opApply, tid: tid, outs: outs})
}

func (r *remote) tgkill(tgid, tid int, sig syscall.Signal) {
	r.push(&command{op: opKill, tid: tid, tgid: tgid, sig: sig})
}

// killAll asks the executor to kill every task of its variant; any
// goroutine may call it.
func (r *remote) killAll() {
	r.push(&command{op: opKillAll})
	r.flush()
}

func (r *remote) regs(t *task) error {
	if ev := r.ev; ev != nil && ev.tid == t.tid && ev.flags&stRegs != 0 {
		t.regs = ev.regs
		return nil
	}
	return fmt.Errorf("no registers for task %d at this stop", t.tid)
}

func (r *remote) siginfo(t *task) (ptrace.Siginfo, error) {
	if ev := r.ev; ev != nil && ev.tid == t.tid && ev.flags&stSiginfo != 0 {
		return ev.si, nil
	}
	return ptrace.Siginfo{}, fmt.Errorf("no siginfo for task %d at this stop", t.tid)
}

func (r *remote) eventMsg(t *task) (uint64, error) {
	if ev := r.ev; ev != nil && ev.tid == t.tid && ev.flags&stMsg != 0 {
		return ev.msg, nil
	}
	return 0, fmt.Errorf("no event message for task %d at this stop", t.tid)
}

// decode builds the canonical call from the executor's decoding of it.
func (r *remote) decode(t *task, row *canon.Row, nr uint64, args [6]uint64) (*canon.Call, error) {
	ev := r.ev
	switch {
	case ev == nil || ev.tid != t.tid:
		return nil, fmt.Errorf("no call for task %d at this stop", t.tid)
	case ev.flags&stCallErr != 0:
		return nil, errors.New(ev.callErr)
	case ev.flags&stCall == 0 || ev.nr != nr:
		return nil, fmt.Errorf("the follower host decoded no call %s for task %d", row.Name, t.tid)
	}
	t.hashed = ev.hashed
	return &canon.Call{Row: row, Nr: nr, Raw: args, Vals: ev.vals, Extra: ev.extra}, nil
}

// special sets what preSpecial would have read, which the executor did.
func (r *remote) special(t *task, c *canon.Call) {
	if ev := r.ev; ev != nil && ev.tid == t.tid {
		t.clone, t.aux = ev.clone, ev.aux
	}
}

// asyncWindow bounds how many calls a remote task may be behind the
// leader's: past it, the leader waits for it at the next call
// (backpressure).
const asyncWindow = 256

// expectChecked sends the expectation of a checked call for a virtual
// task: d is the digest of the leader's result.
func (r *remote) expectChecked(t *task, d [canon.DigestSize]byte) {
	r.push(&command{op: opExpect, tid: t.tid, exp: expectation{digest: t.digest, act: actRunCheck, result: d, marker: t.marker}})
}

// expect sends the action for a virtual task: what the follower host does
// by itself when its task reaches the call.
func (r *remote) expect(t *task, act uint8, ret int64, fd int, cloexec bool, outs []canon.Out) {
	r.push(&command{op: opExpect, tid: t.tid,
		exp: expectation{digest: t.digest, act: act, ret: ret, fd: fd, cloexec: cloexec, outs: outs, marker: t.marker}})
}

// virtualMisuse: an action that an expectation cannot carry reached a
// virtual task (asyncEligible let in a call it should not have).
func (v *variant) virtualMisuse(t *task, what string) {
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	v.m.errorLocked("variant %d on %s: %s needs %s, which asynchronous replication does not carry", v.idx, v.rem.spec.Addr, t.call.Row.Name, what)
}

// asyncEligible: calls a remote follower may make after the leader, from
// an expectation, without the leader waiting for it. Sensitive calls stay
// in lockstep across hosts; so do the calls whose handling needs the
// follower's own state (pids, signals, clone, wait, exec, exit).
func asyncEligible(row *canon.Row) bool {
	if row.Sensitive || row.Ret == canon.RetPID {
		return false
	}
	switch row.Exec {
	case canon.ExecAll, canon.ExecLeader, canon.ExecOpen, canon.ExecNone, canon.ExecByFD:
	case canon.ExecSpecial:
		if row.Handler != canon.HClose {
			return false
		}
	default:
		return false
	}
	for _, a := range row.Args {
		if a.Kind == canon.PID {
			return false
		}
	}
	switch row.Name {
	case "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "exit", "exit_group", "pidfd_send_signal", "kill", "tkill", "tgkill":
		return false
	}
	return true
}

// mayBlock: a call the leader executes for all that may wait (on a pipe,
// a socket, a terminal, a timer): a signal may end it in the leader, and
// then in the followers at that very call, which a follower host must
// have reached (lockstep). Calls on files and on descriptors in
// non-blocking mode, and the few quick ones without a descriptor, do not
// wait.
func mayBlock(fds *fdTable, c *canon.Call, leader int) bool {
	row := c.Row
	exec := row.Exec
	if exec == canon.ExecByFD {
		fd := int(int32(c.Raw[row.FDArg]))
		info, ok := fds.get(fd)
		if fd == unix.AT_FDCWD || ok && (info.local || info.mirror) {
			return false
		}
		return !nonBlocking(leader, fd)
	}
	if exec != canon.ExecLeader {
		return false // every variant makes its own; or an open
	}
	if mirrored(row) {
		return false
	}
	n := 0
	for i, a := range row.Args {
		if i >= 6 || a.Kind != canon.FD {
			continue
		}
		n++
		fd := int(int32(c.Raw[i]))
		info, ok := fds.get(fd)
		if !ok || !info.local && !info.mirror && !nonBlocking(leader, fd) {
			return true
		}
	}
	if n > 0 {
		return false
	}
	switch row.Name {
	case "clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom", "sysinfo", "times", "getrusage", "getcpu":
		return false
	}
	return true
}

// sharesStateLocked: another live task shares lt's memory or descriptor
// table (a thread, CLONE_FILES). Expectations keep each task's calls in
// order, not the order between tasks: a follower host's thread that is
// behind could see a descriptor table, or memory, its peer has not
// changed yet as the leader's had. Such processes stay in lockstep.
func (m *Monitor) sharesStateLocked(lt *ltask) bool {
	for _, o := range m.lts {
		if o != lt && (o.proc == lt.proc || o.proc.fds == lt.proc.fds) && o.nExited < m.n {
			return true
		}
	}
	return false
}

// nonBlocking: the leader's descriptor is in non-blocking mode (a
// server's sockets): a call on it returns at once, and no signal ends it
// half-way.
func nonBlocking(leader, fd int) bool {
	return procField(fmt.Sprintf("/proc/%d/fdinfo/%d", leader, fd), "flags:", 8)&unix.O_NONBLOCK != 0
}

// touchesFiles: the call reads or changes the follower host's own copy of
// a file or directory (a read of a file each variant opened, a write to a
// mirrored one, mkdir, chdir). Queries whose answer is the leader's
// (hostDependent) do not.
func touchesFiles(fds *fdTable, c *canon.Call) bool {
	row := c.Row
	if hostDependent(row) {
		return false
	}
	if mirrored(row) || ownEffect(row) {
		return true
	}
	for i, a := range row.Args {
		if i >= 6 || a.Kind != canon.FD {
			continue
		}
		if info, ok := fds.get(int(int32(c.Raw[i]))); ok && (info.local || info.mirror) {
			return true
		}
	}
	return false
}

// otherProcessesLocked: another process of the run is alive, which may
// work on the same files as lt's.
func (m *Monitor) otherProcessesLocked(lt *ltask) bool {
	for _, o := range m.lts {
		if o.proc != lt.proc && o.nExited < m.n {
			return true
		}
	}
	return false
}

// virtualLocked completes lt's rendezvous without the remote followers
// that have not arrived, when the leader's call may run ahead of them:
// each gets a virtual task, whose actions become an expectation.
func (m *Monitor) virtualLocked(lt *ltask) bool {
	if !m.hasRemotes || lt.arrived[0] == nil || len(lt.pending) > 0 || lt.proc.dying != 0 {
		return false
	}
	c := lt.arrived[0].call
	if !asyncEligible(c.Row) || m.sharesStateLocked(lt) || mayBlock(lt.proc.fds, c, lt.tids[0]) {
		return false
	}
	ipmon := m.bufferOfLocked(lt) != nil
	if ip := lt.proc.ipm; ip != nil && ip.inherited != nil && ip.mapped < m.n {
		// A forked child whose variants switch to a region of their own
		// at the same logical call (forkIPMONAfter): CP-MON counts each
		// variant's calls up to it.
		return false
	}
	if ipmon && !keepsFDTable(c.Row) {
		// IP-MON's descriptor and epoll maps of a follower host's
		// variant change when CP-MON sends the change, not when its task
		// gets to the call.
		return false
	}
	if touchesFiles(lt.proc.fds, c) && m.otherProcessesLocked(lt) {
		// Another process may write what this call reads or writes on
		// the follower host's copy of the files, in another order there
		// than here.
		return false
	}
	for v := 1; v < m.n; v++ {
		if lt.arrived[v] != nil {
			continue
		}
		shadow := lt.tasks[v]
		if m.variants[v].rem == nil || shadow == nil || lt.exited[v] != nil || shadow.owed-shadow.met >= asyncWindow {
			return false
		}
	}
	d := canon.Digest(c)
	for v := 1; v < m.n; v++ {
		if lt.arrived[v] != nil {
			continue
		}
		shadow := lt.tasks[v]
		shadow.leaderCalls[shadow.owed%asyncWindow] = c.String()
		shadow.owed++
		if shadow.v.rem.debug {
			m.log.Debug("ahead of a follower host", "variant", v, "tid", shadow.tid, "call", c.Row.Name, "owed", shadow.owed)
		}
		m.variants[v].record(c)
		lt.arrived[v] = &task{tid: shadow.tid, tgid: shadow.tgid, v: shadow.v, lt: lt, call: c, virtual: true, digest: d, marker: ipmon}
		lt.nArrived++
	}
	m.stats.AsyncCalls++
	return true
}

// keepsFDTable: the call leaves the descriptor table alone (no new
// descriptor, no open, close, pipe or epoll_ctl: those are RetFD, ExecOpen
// or ExecSpecial rows).
func keepsFDTable(row *canon.Row) bool {
	return row.Ret != canon.RetFD && row.Exec != canon.ExecOpen && row.Exec != canon.ExecSpecial
}

// read is a memory read on the follower host: a round trip.
func (r *remote) read(tid int, op uint8, addr uint64, n int) ([]byte, error) {
	r.wmu.Lock()
	r.nextID++
	id := r.nextID
	r.wmu.Unlock()
	r.push(&command{op: op, tid: tid, id: id, addr: addr, n: uint32(n)})
	r.flush()
	timeout := time.NewTimer(r.v.m.cfg.Deadline)
	defer timeout.Stop()
	for {
		select {
		case rp := <-r.replies:
			if rp.id != id {
				continue // a reply to an earlier read that gave up
			}
			if rp.err != "" {
				return nil, errors.New(rp.err)
			}
			return rp.data, nil
		case <-r.lostC:
			return nil, errors.New("follower host lost")
		case <-timeout.C:
			return nil, fmt.Errorf("no reply from the follower host within %v", r.v.m.cfg.Deadline)
		}
	}
}

// remoteMem is a follower-host task's memory (canon.Mem).
type remoteMem struct {
	r   *remote
	tid int
}

func (m remoteMem) Read(addr uint64, buf []byte) error {
	b, err := m.r.read(m.tid, opRead, addr, len(buf))
	if err != nil {
		return err
	}
	if len(b) != len(buf) {
		return fmt.Errorf("read %d bytes at %#x of %d: got %d", len(buf), addr, m.tid, len(b))
	}
	copy(buf, b)
	return nil
}

func (m remoteMem) ReadString(addr uint64, max int) (string, error) {
	b, err := m.r.read(m.tid, opReadStr, addr, max)
	return string(b), err
}

func (m remoteMem) Write(addr uint64, data []byte) error {
	m.r.push(&command{op: opWrite, tid: m.tid, addr: addr, data: append([]byte(nil), data...)})
	return nil
}

// start opens the session: hello, then the executor's welcome with the pid
// of the variant it started.
func (r *remote) start() (int, error) {
	m := r.v.m
	dir, _ := os.Getwd()
	h := hello{path: r.spec.Path, argv: m.cfg.Argv, env: m.env, dir: dir, trapTSC: m.cfg.TrapTSC, arch: runtime.GOARCH, fromEntry: m.cfg.FromEntry,
		pid: os.Getpid(), uid: os.Getuid(), variant: r.v.idx}
	if ip := m.ipm; ip != nil && ip.on {
		h.ipmon, h.level, h.gate, h.ipmonHashes = true, ip.level, ip.gates[r.v.idx], ipmon.Digests()
	}
	if err := r.wc.Write(wire.Hello, h.encode()); err != nil {
		return 0, err
	}
	if err := r.wc.Flush(); err != nil {
		return 0, err
	}
	_ = r.spec.Conn.SetReadDeadline(time.Now().Add(welcomeTimeout))
	defer r.spec.Conn.SetReadDeadline(time.Time{})
	f, err := r.wc.Read()
	if err != nil {
		return 0, fmt.Errorf("no welcome: %w", err)
	}
	switch f.Type {
	case wire.Abort:
		return 0, fmt.Errorf("%s", f.Payload)
	case wire.Welcome:
	default:
		return 0, fmt.Errorf("a %s frame instead of a welcome", f.Type)
	}
	d := wire.NewDec(f.Payload, "welcome")
	ok, why, pid, arch := d.U8("accepted"), d.String("reason"), int(d.U32("pid")), d.String("arch")
	if err := d.Done(); err != nil {
		return 0, err
	}
	if ok == 0 {
		return 0, fmt.Errorf("refused: %s", why)
	}
	if pid <= 0 {
		return 0, fmt.Errorf("%w: welcome with pid %d", wire.ErrMalformed, pid)
	}
	a, known := ptrace.ArchOf(arch)
	if !known {
		return 0, fmt.Errorf("%w: welcome from a host of instruction set %q", wire.ErrMalformed, arch)
	}
	r.arch, r.abi = a, abiOf(a)
	return pid, nil
}

// welcomeTimeout bounds the start of a follower host's variant.
const welcomeTimeout = 20 * time.Second

// runRemote is the goroutine of a variant on a follower host: it handles
// the stops the executor reports and runs the actions queued for its
// tasks, as a tracer does for a local variant.
func (v *variant) runRemote(started chan<- error) {
	defer v.m.wg.Done()
	m, r := v.m, v.rem
	pid, err := r.start()
	m.remoteUp(r.arch, err == nil)
	if err != nil {
		started <- fmt.Errorf("variant %d on %s: %w", v.idx, r.spec.Addr, err)
		return
	}
	t := &task{tid: pid, v: v, launching: 1, started: true, tgid: pid}
	v.tasks[pid] = t
	m.mu.Lock()
	m.attachLocked(v.idx, m.root, t)
	t.lt = m.root
	m.mu.Unlock()
	go r.readLoop()
	shipDone := make(chan struct{})
	defer close(shipDone)
	go r.ship.loop(shipDone)
	started <- nil
	v.cont(t, 0)
	linger := time.NewTimer(expectLinger)
	defer linger.Stop()
	for {
		v.runQueue()
		if r.lingering() {
			linger.Reset(expectLinger)
			select {
			case <-r.wakeC:
				continue
			case <-linger.C:
			}
		}
		r.flush()
		if len(v.tasks) == 0 {
			r.awaitEnd()
			return
		}
		<-r.wakeC
	}
}

// endWait bounds the wait for the executor's End once the variant's last
// task has gone here; the connector's heartbeat bounds it too (a dead link
// closes lostC).
const endWait = 2 * time.Second

// awaitEnd waits until the executor has reaped what its variant left (its
// End), the link is lost, or endWait has passed. The last exit reaches
// this side before the executor has reaped it; closing the link then would
// end that host's session as failed ("the leader host ended the session")
// although the variant had finished.
func (r *remote) awaitEnd() {
	t := time.NewTimer(endWait)
	defer t.Stop()
	select {
	case <-r.endC:
	case <-r.lostC:
	case <-t.C:
		r.v.m.log.Warn("follower host did not say its variant ended", "host", r.spec.Addr, "waited", endWait)
	}
}

// readLoop takes the executor's frames: stops go to the variant's queue,
// replies to the read that waits for them.
func (r *remote) readLoop() {
	for {
		f, err := r.wc.Read()
		if err != nil {
			r.gone(fmt.Sprintf("connection lost: %v", err))
			return
		}
		r.bytes.Add(uint64(len(f.Payload) + wire.HeaderSize))
		switch f.Type {
		case wire.Abort:
			r.gone(string(f.Payload))
			return
		case wire.End:
			r.endOnce.Do(func() { close(r.endC) })
			continue
		case wire.Call:
		default:
			r.gone(fmt.Sprintf("unexpected %s frame", f.Type))
			return
		}
		if err := r.event(wire.NewDec(f.Payload, "call")); err != nil {
			r.gone(err.Error())
			return
		}
	}
}

// event decodes one call frame and acts on it once the whole payload is
// known to be well formed.
func (r *remote) event(d *wire.Dec) error {
	v := r.v
	var act func()
	switch d.U8("kind") {
	case evStop:
		ev, err := decodeStop(d) // checks the payload's end itself
		if err != nil {
			return err
		}
		v.enqueue(func() { v.remoteStop(ev) })
		return nil
	case evReply:
		rp := reply{id: d.U32("id")}
		if d.U8("ok") != 0 {
			rp.data = d.Bytes("data")
		} else {
			rp.err = d.String("error")
		}
		act = func() {
			select {
			case r.replies <- rp:
			case <-r.lostC:
			}
		}
	case evConsumed:
		tid, n := int(d.U32("tid")), d.U64("met")
		act = func() { v.enqueue(func() { v.metExpectations(tid, n) }) }
	case evDiverge:
		tid, k, call := int(d.U32("tid")), d.U64("index"), d.String("call")
		act = func() { v.enqueue(func() { v.missedExpectation(tid, k, call) }) }
	case evAck:
		base, slot, tail := d.U64("base"), int(d.U32("slot")), d.U64("tail")
		if err := d.Done(); err != nil {
			return err
		}
		return r.ship.ack(base, slot, tail)
	case evIPMONDiverge:
		tid, call, why := int(d.U32("tid")), d.String("call"), d.String("reason")
		act = func() { v.enqueue(func() { v.remoteIPMONDiverge(tid, call, why) }) }
	case evLoaderDiverge:
		tid, call, why := int(d.U32("tid")), d.String("call"), d.String("reason")
		act = func() {
			v.m.mu.Lock()
			defer v.m.mu.Unlock()
			if t := v.divergedLocked(tid); t != nil {
				v.m.divergeLocked(t.lt, call, fmt.Sprintf("variant %d on %s: %s", v.idx, v.rem.spec.Addr, why))
			}
		}
	case evError:
		why := d.String("error")
		act = func() {
			v.m.mu.Lock()
			v.m.errorLocked("variant %d on %s: %s", v.idx, r.spec.Addr, why)
			v.m.mu.Unlock()
		}
	default:
		return errors.New("unknown call frame kind")
	}
	if err := d.Done(); err != nil {
		return err
	}
	act()
	return nil
}

// remoteStop handles one stop as the tracer would a wait status.
func (v *variant) remoteStop(ev *stopEvent) {
	v.rem.stops.Add(1)
	if v.rem.debug {
		v.m.log.Debug("remote stop", "variant", v.idx, "tid", ev.tid, "status", fmt.Sprintf("%#x", uint32(ev.ws)),
			"flags", ev.flags, "nr", ev.nr)
	}
	if a := ev.ack; a != nil {
		if err := v.rem.ship.ack(a.base, a.slot, a.tail); err != nil {
			v.rem.gone(err.Error())
			return
		}
	}
	if ev.flags&stPassed != 0 {
		v.rem.passed.Add(1)
		v.passed(ev)
		return
	}
	if t := v.tasks[ev.tid]; t != nil {
		// arrive compares it with the expectations made for the task
		// (rdtsc arrives from a signal stop).
		t.reportedMet = ev.consumed
	}
	v.rem.ev = ev
	v.handle(ev.tid, ev.ws)
	v.rem.ev = nil
}

// inMetCall: the stop being handled is of a remote task in a call it met
// an expectation for.
func (v *variant) inMetCall() bool {
	return v.rem != nil && v.rem.ev != nil && v.rem.ev.flags&stMet != 0
}

// metExpectations: a remote task has met n expectations.
func (v *variant) metExpectations(tid int, n uint64) {
	if t := v.tasks[tid]; t != nil {
		v.m.mu.Lock()
		t.met = max(t.met, n)
		v.m.mu.Unlock()
	}
}

// missedExpectation: a remote task's call was not the one the leader made
// (the k-th it was expected to make after the leader).
func (v *variant) missedExpectation(tid int, k uint64, call string) {
	m := v.m
	m.mu.Lock()
	defer m.mu.Unlock()
	t := v.divergedLocked(tid)
	if t == nil {
		return
	}
	leader := "(unknown)"
	switch {
	case k == noIndex:
		leader = "the same call"
	case k < t.owed && t.owed-k <= asyncWindow:
		leader = t.leaderCalls[k%asyncWindow]
	}
	name, _, _ := strings.Cut(call, "(")
	m.divergeLocked(t.lt, name, fmt.Sprintf("variants 0 and %d differ: variant %d on %s made %s where the leader made %s (compared by digest on that host)",
		v.idx, v.idx, v.rem.spec.Addr, call, leader))
}

// remoteIPMONDiverge: the follower host found its variant's task at a
// CP-MON call where the leader's next record is an IP-MON call.
func (v *variant) remoteIPMONDiverge(tid int, call, why string) {
	m := v.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := v.divergedLocked(tid); t != nil {
		m.ipmonDivergeLocked(t.lt, v.idx, call, fmt.Sprintf("%s (found on %s)", why, v.rem.spec.Addr), nil)
	}
}

// divergedLocked is the remote task tid that the follower host says
// diverged; a task it does not know ends the run as an error.
func (v *variant) divergedLocked(tid int) *task {
	t := v.tasks[tid]
	if t == nil || t.lt == nil {
		v.m.errorLocked("variant %d on %s: an unknown task %d diverged", v.idx, v.rem.spec.Addr, tid)
		return nil
	}
	return t
}

// passed records a call the executor let through itself, as entry does for
// a call that is not in lockstep.
func (v *variant) passed(ev *stopEvent) {
	t := v.tasks[ev.tid]
	if t == nil {
		return
	}
	nr := ptrace.Nr(&ev.regs)
	args := ptrace.Args(&ev.regs)
	row, err := v.rem.abi.Lookup(nr, args)
	if err != nil || row.InLockstep(args) {
		v.m.mu.Lock()
		v.m.errorLocked("variant %d on %s: the follower host let call %d through on its own", v.idx, v.rem.spec.Addr, nr)
		v.m.mu.Unlock()
		return
	}
	c := &canon.Call{Row: row, Nr: nr, Raw: args, Vals: ev.vals, Extra: ev.extra}
	t.regs = ev.regs
	t.call = c
	m := v.m
	m.mu.Lock()
	v.record(c)
	m.countLocked(c, "unsynced")
	m.mu.Unlock()
}

// gone: the follower host or the link to it is lost. Unless the run is
// over anyway, that ends it; the host's shadow tasks end with it.
func (r *remote) gone(why string) {
	if r.lost.Swap(true) {
		return
	}
	close(r.lostC)
	// A writer blocked on the link (the shipper's records, on a link that
	// went down) holds the write lock that killing the variants needs:
	// closing the connection frees it.
	_ = r.spec.Conn.Close()
	v, m := r.v, r.v.m
	m.mu.Lock()
	if m.failure == nil && !m.finished {
		m.failLocked(&failure{outcome: report.Error, code: ExitError,
			err: fmt.Sprintf("follower host %s (variant %d): %s", r.spec.Addr, v.idx, why)})
	}
	m.mu.Unlock()
	v.enqueue(func() {
		for _, t := range v.tasks {
			v.gone(t, unix.WaitStatus(unix.SIGKILL))
		}
	})
}
