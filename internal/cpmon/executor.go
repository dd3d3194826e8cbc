package cpmon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"dmvx/internal/abi"
	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/launch"
	"dmvx/internal/ptrace"
	"dmvx/internal/wire"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// FollowConfig is one session on a follower host.
type FollowConfig struct {
	// Conn is this side of the socket pair to the host's connector (the
	// agent), which has checked every frame it passes on.
	Conn net.Conn
	// Allow lists the executables a leader may have this host run.
	Allow []string
	Log   *slog.Logger
}

// ErrRefused: the leader asked for something this host does not run.
var ErrRefused = errors.New("session refused")

// Follow is the executor of a follower host: it starts the variant the
// leader's hello names (if Allow lists it), traces it, reports each stop to
// the leader host's CP-MON, and carries out the commands that come back.
// It ends when the link does; whatever still runs then is killed first.
func Follow(cfg FollowConfig) error {
	runtime.LockOSThread() // the tracer thread, for good
	// The tracer keeps its P while blocked in wait4 (ptrace.WaitRaw): on
	// a host of one CPU, GOMAXPROCS 1 would leave none to the goroutines
	// that take in the leader's records and acknowledge them, and each
	// would wait for the variant's next stop.
	if runtime.GOMAXPROCS(0) < 3 {
		runtime.GOMAXPROCS(3)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	x := &executor{cfg: cfg, log: cfg.Log, wc: wire.Accept(cfg.Conn), tasks: make(map[int]*task), ackKick: make(chan struct{}, 1),
		debug: cfg.Log.Enabled(context.Background(), slog.LevelDebug)}
	x.mon = New(Config{Log: cfg.Log})
	x.v = newVariant(x.mon, 1)
	f, err := x.wc.Read()
	if err != nil {
		return fmt.Errorf("reading the hello: %w", err)
	}
	if f.Type != wire.Hello {
		return fmt.Errorf("a %s frame instead of a hello", f.Type)
	}
	h, err := decodeHello(f.Payload)
	if err != nil {
		return x.refuse(err.Error())
	}
	leaderArch, ok := ptrace.ArchOf(h.arch)
	if !ok {
		return x.refuse(fmt.Sprintf("the leader host's instruction set %q is not one dmvx knows", h.arch))
	}
	// Variants of two instruction sets run different loaders: their
	// calls are compared from the program's entry on (entry.go).
	x.crossISA = h.arch != runtime.GOARCH
	x.leaderABI = abiOf(leaderArch)
	x.fromEntry = h.fromEntry || x.crossISA
	if !allowed(h.path, cfg.Allow) {
		return x.refuse(fmt.Sprintf("%s is not in this agent's --allow list", h.path))
	}
	if err := os.Chdir(h.dir); err != nil {
		return x.refuse(fmt.Sprintf("working directory: %v", err))
	}
	devnull, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return x.refuse(err.Error())
	}
	defer devnull.Close()
	x.bell, err = launch.Doorbell()
	if err != nil {
		return x.refuse(err.Error())
	}
	defer func() {
		_ = unix.Kill(x.bell, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(x.bell, &ws, unix.WALL, nil)
	}()
	env := h.env
	var filter []bpf.RawInstruction
	if h.ipmon {
		if env, filter, err = x.setupIPMON(h); err != nil {
			return x.refuse(fmt.Sprintf("IP-MON: %v", err))
		}
		defer x.releaseAll()
	}
	fd := devnull.Fd()
	pid, err := launch.Start(launch.Spec{Path: h.path, Argv: h.argv, Env: env,
		Files: []uintptr{fd, fd, fd}, TrapTSC: h.trapTSC && !x.crossISA, Filter: filter})
	if err == nil {
		if err = unix.PtraceSetOptions(pid, ptrace.Options); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
	if err != nil {
		return x.refuse(fmt.Sprintf("starting %s: %v", h.path, err))
	}
	x.tasks[pid] = &task{tid: pid, tgid: pid}
	x.hello = h
	x.log.Info("session started", "path", h.path, "pid", pid)
	var e wire.Enc
	e.U8(1)
	e.String("")
	e.U32(uint32(pid))
	e.String(runtime.GOARCH)
	if err := x.send(wire.Welcome, e.Payload()); err != nil {
		x.killAll()
		x.reap()
		return err
	}
	go x.readLoop()
	if h.ipmon {
		go x.ackLoop()
	}
	return x.loop()
}

// allowed: path is one of the listed executables, compared as cleaned
// absolute paths.
func allowed(path string, allow []string) bool {
	if !filepath.IsAbs(path) {
		return false
	}
	return slices.Contains(allow, filepath.Clean(path))
}

type executor struct {
	cfg  FollowConfig
	log  *slog.Logger
	wc   *wire.Conn
	bell int
	// tasks are the variant's tasks: the only ones commands may name.
	tasks map[int]*task

	qmu   sync.Mutex
	queue []command
	hello *hello
	// mon and v carry out expectations with CP-MON's own follower
	// actions (variant.skip, placeholder, ...), on this host's tasks.
	mon   *Monitor
	v     *variant
	debug bool // the log takes debug records
	// launched: the launcher has made its execve of the program.
	launched bool
	// crossISA: the leader host is of another instruction set, whose
	// results cross in the generic form; fromEntry: calls are compared
	// from the program's entry (entry.go).
	crossISA, fromEntry bool
	// leaderABI is the leader host's system-call table: its IP-MON
	// records carry its numbers.
	leaderABI *abi.ABI
	// done: the link ended (why says how); the variant is killed.
	done atomic.Bool
	why  string
	// wmu serializes writes to the link (the tracer thread's and the
	// acknowledger's).
	wmu sync.Mutex
	// IP-MON (executor_ipmon.go): this host's object, the copies of the
	// variant's regions by base (rmu: the acknowledger reads them too),
	// and each task's buffer.
	ipmPath string
	rmu     sync.Mutex
	regions map[uint64]*xRegion
	bufs    map[int]bufRef
	// markerWaits counts the tasks that wait for a record (markerWait).
	markerWaits atomic.Int32
	// ackKick wakes the acknowledger when records come.
	ackKick chan struct{}
}

func (x *executor) send(t wire.Type, p []byte) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	if err := x.wc.Write(t, p); err != nil {
		return err
	}
	return x.wc.Flush()
}

func (x *executor) refuse(why string) error {
	var e wire.Enc
	e.U8(0)
	e.String(why)
	e.U32(0)
	e.String(runtime.GOARCH)
	_ = x.send(wire.Welcome, e.Payload())
	return fmt.Errorf("%w: %s", ErrRefused, why)
}

// readLoop queues the leader's commands for the tracer thread and rings.
func (x *executor) readLoop() {
	for {
		// Shared: only records keep views of a frame (opRecords), and
		// they are written, or copied aside, before the next read.
		f, err := x.wc.ReadShared()
		var cs []command
		switch {
		case err != nil:
			x.why = "link closed: " + err.Error()
		case f.Type == wire.Abort:
			x.why = "the leader host ended the session: " + string(f.Payload)
		case f.Type == wire.Verdict:
			cs, err = decodeCommands(f.Payload)
			if err != nil {
				x.why = err.Error()
			}
		default:
			x.why = fmt.Sprintf("unexpected %s frame", f.Type)
		}
		if x.why != "" {
			x.done.Store(true)
			_ = unix.Kill(x.bell, unix.SIGUSR1)
			return
		}
		// Records need no tracer: they go into their buffer from here,
		// and a frame of records alone rings no bell.
		queued := cs[:0]
		for i := range cs {
			ok, err := x.early(&cs[i])
			if err != nil {
				x.fatal(err.Error())
				_ = unix.Kill(x.bell, unix.SIGUSR1)
				return
			}
			if !ok {
				queued = append(queued, cs[i])
			}
		}
		if len(queued) == 0 {
			continue
		}
		x.qmu.Lock()
		x.queue = append(x.queue, queued...)
		x.qmu.Unlock()
		_ = unix.Kill(x.bell, unix.SIGUSR1)
	}
}

func (x *executor) loop() error {
	ended := false
	for {
		if err := x.runCommands(); err != nil {
			x.fatal(err.Error())
		}
		if x.done.Load() {
			x.killAll()
			x.reap()
			if ended {
				return nil
			}
			return errors.New(x.why)
		}
		if len(x.tasks) == 0 && !ended {
			ended = true
			_ = x.send(wire.End, nil)
		}
		var ws unix.WaitStatus
		tid, err := ptrace.WaitRaw(&ws)
		switch {
		case err == syscall.EINTR:
		case err != nil:
			x.fatal("wait4: " + err.Error())
		case tid == x.bell:
			if ws.Stopped() {
				_ = ptrace.Cont(x.bell, 0)
			}
		default:
			x.stop(tid, ws)
		}
	}
}

// fatal ends the session from this side: the leader host hears why.
func (x *executor) fatal(why string) {
	if x.done.Swap(true) {
		return
	}
	x.why = why
	x.log.Warn("session failed", "err", why)
	var e wire.Enc
	e.U8(evError)
	e.String(why)
	_ = x.send(wire.Call, e.Payload())
	_ = x.send(wire.Abort, []byte(why))
}

func (x *executor) killAll() {
	for tid := range x.tasks {
		_ = unix.Kill(tid, unix.SIGKILL)
	}
}

// reap waits for every task to be gone.
func (x *executor) reap() {
	for len(x.tasks) > 0 {
		var ws unix.WaitStatus
		tid, err := ptrace.WaitRaw(&ws)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		if tid == x.bell {
			if ws.Stopped() {
				_ = ptrace.Cont(x.bell, 0)
			}
			continue
		}
		if ws.Exited() || ws.Signaled() {
			delete(x.tasks, tid)
		} else if ws.Stopped() {
			_ = unix.Kill(tid, unix.SIGKILL)
			_ = ptrace.Cont(tid, 0)
		}
	}
}

// stop reports one wait status, with what CP-MON reads at such a stop.
func (x *executor) stop(tid int, ws unix.WaitStatus) {
	ev := &stopEvent{tid: tid, ws: ws}
	t := x.tasks[tid]
	switch {
	case ws.Exited() || ws.Signaled():
		delete(x.tasks, tid)
		delete(x.bufs, tid)
	case ws.Stopped():
		if t == nil {
			t = &task{tid: tid, tgid: tid}
			x.tasks[tid] = t
		}
		if ptrace.GetRegs(tid, &t.regs) == nil {
			ev.flags |= stRegs
			ev.regs = t.regs
		}
		sig, cause := ws.StopSignal(), ws.TrapCause()
		switch {
		case sig == syscall.SIGTRAP|0x80:
			t.entryPC = 0
			if t.onExit != nil {
				// The end of an expectation's action.
				x.v.exitStop(t)
				x.checkFailed()
				return
			}
		case sig == syscall.SIGTRAP && cause == ptrace.EventSeccomp:
			// The launcher's execve of the program is the leader host's
			// to answer, never an expectation's: in a run compared from
			// the program's entry the leader's variant may be past its
			// own entry, its calls queued here as expectations, before
			// this variant has even exec'd.
			launchExec := !x.launched
			t.entryPC = ptrace.PC(&t.regs)
			if x.launching(t) {
				return
			}
			if t.entry != nil && t.entrySaved == nil {
				x.loaderCall(t)
				return
			}
			if restart, local := x.restarted(t); local {
				return
			} else if restart {
				// CP-MON answers it, as it answered the call.
				ev.flags |= stRestart
				x.decode(t, ev)
				break
			}
			t.inMet = false
			x.decode(t, ev)
			switch nr := ptrace.Nr(&t.regs); {
			case nr == ipmon.NrRegister:
				x.checkRegister(t, ev)
			case nr == ipmon.NrDiverge:
				x.leaderRecord(t, ev)
			case ev.flags&stCall == 0:
			case !t.call.Row.InLockstep(t.call.Raw):
			case !x.atCPMON(t, t.call.Row.Name):
				return // the leader host ends the run
			}
			switch {
			case launchExec:
			case x.pass(t, ev):
				ev.flags |= stPassed
			case len(t.expects) > 0:
				x.meet(t)
				return
			default:
				t.waiting = true
			}
		case sig == syscall.SIGTRAP && cause != 0:
			if cause == ptrace.EventExec && ev.flags&stRegs != 0 {
				// What CP-MON's execEvent does to every variant, done
				// where the memory is (it reads the whole stack).
				if err := hideVDSO(ptrace.Mem{Pid: tid}, ptrace.SP(&t.regs)); err != nil {
					x.log.Warn("could not hide the vDSO", "err", err)
				}
				if x.fromEntry {
					e, err := plantEntry(tid, ptrace.Native, ptrace.Mem{Pid: tid})
					if err != nil {
						x.fatal(err.Error())
						return
					}
					t.entry = e
				}
			}
			if msg, err := ptrace.EventMsg(tid); err == nil {
				ev.flags |= stMsg
				ev.msg = msg
				if cause == ptrace.EventClone || cause == ptrace.EventFork || cause == ptrace.EventVfork {
					// Known from now on: CP-MON may send expectations for
					// the child's first calls before it first stops.
					if child := int(msg); x.tasks[child] == nil {
						x.tasks[child] = &task{tid: child, tgid: child}
					}
				}
			}
		default:
			if t.entry != nil && sig == syscall.SIGTRAP && t.entry.hit(&t.regs) {
				// The program's entry: its loader is done, and from
				// here on the leader host compares its calls. A
				// deferred IP-MON registers first (entry.go).
				if atEntry(t, x.log) {
					if ptrace.SetRegs(tid, &t.regs) == nil {
						_ = ptrace.Cont(tid, 0)
					}
					return
				}
				if err := t.entry.remove(ptrace.Mem{Pid: tid}, &t.regs); err != nil {
					x.fatal(fmt.Sprintf("task %d: removing the breakpoint at its entry point: %v", tid, err))
					return
				}
				t.entry = nil
				if err := ptrace.SetRegs(tid, &t.regs); err == nil {
					_ = ptrace.Cont(tid, 0)
				}
				return
			}
			if si, err := ptrace.GetSiginfo(tid); err == nil {
				ev.flags |= stSiginfo
				ev.si = si
			}
			if t.inMet {
				ev.flags |= stMet
			}
			if interruptedCall(t, ptrace.Mem{Pid: tid}) {
				// The kernel restarts the call after the signal (or
				// ends it with EINTR): the restart is this same call.
				// (arm64 has forgotten its number by now.)
				t.restartNr = ptrace.Nr(&t.regs)
				if int64(t.restartNr) < 0 && t.call != nil {
					t.restartNr = t.call.Nr
				}
			}
		}
	default:
		return
	}
	ev.consumed = t.consumed
	if ws.Stopped() {
		ev.ack = x.ackOf(t)
	}
	if x.debug {
		x.log.Debug("stop", "tid", tid, "status", fmt.Sprintf("%#x", uint32(ws)), "flags", ev.flags, "nr", ev.nr)
	}
	if err := x.send(wire.Call, ev.encode()); err != nil {
		x.done.Store(true)
		x.why = "link closed: " + err.Error()
	}
}

// launching: t is the launcher, before its execve of the program, whose
// calls CP-MON lets through unseen: they are resumed here, without a round
// trip. The execve itself is reported (CP-MON follows the launch by it).
func (x *executor) launching(t *task) bool {
	if x.launched {
		return false
	}
	if ptrace.Nr(&t.regs) == unix.SYS_EXECVE {
		x.launched = true
		return false
	}
	_ = ptrace.Cont(t.tid, 0)
	return true
}

// loaderCall resumes a task whose loader makes a call before the
// program's entry in a run of two instruction sets, when the allow-list
// lets it: the leader host never sees these calls. Any other call ends the
// run as a divergence.
func (x *executor) loaderCall(t *task) {
	nr, args := ptrace.Nr(&t.regs), ptrace.Args(&t.regs)
	if nr == ipmon.NrRegister {
		// IP-MON's constructor: later, at the entry (entry.go).
		path := ""
		if x.regions != nil {
			path = x.ipmPath
		}
		ptrace.Skip(&t.regs, deferRegistration(t, path, x.log))
		if ptrace.SetRegs(t.tid, &t.regs) == nil {
			_ = ptrace.Cont(t.tid, 0)
		}
		return
	}
	row, why := loaderRow(nr, args, ptrace.Mem{Pid: t.tid})
	if why == "" {
		if row.Exec == canon.ExecNone {
			ptrace.Skip(&t.regs, row.Fixed)
			if ptrace.SetRegs(t.tid, &t.regs) != nil {
				return
			}
		}
		_ = ptrace.Cont(t.tid, 0)
		return
	}
	var e wire.Enc
	e.U8(evLoaderDiverge)
	e.U32(uint32(t.tid))
	e.String(nativeABI.Name(nr))
	e.String(why)
	_ = x.send(wire.Call, e.Payload())
}

// pass resumes a task at a call that is not in lockstep (memory management
// that cannot make memory executable: canon.Unsynced), which CP-MON only
// records: the leader host need not answer. The rule is the table's, the
// same on both hosts.
func (x *executor) pass(t *task, ev *stopEvent) bool {
	if ev.flags&stCall == 0 || t.call.Row.InLockstep(t.call.Raw) {
		return false
	}
	_ = ptrace.Cont(t.tid, 0)
	return true
}

// decode reads the call t is entering, as CP-MON's entry would.
func (x *executor) decode(t *task, ev *stopEvent) {
	nr := ptrace.Nr(&t.regs)
	args := ptrace.Args(&t.regs)
	t.call = nil // not the last call's any more
	row, err := nativeABI.Lookup(nr, args)
	if err != nil {
		return // CP-MON looks it up too, and names it
	}
	c, err := canon.Decode(row, nr, args, ptrace.Mem{Pid: t.tid})
	if err != nil {
		ev.flags |= stCallErr
		ev.callErr = err.Error()
		return
	}
	if row.Exec == canon.ExecSpecial {
		(&variant{}).preSpecial(t, c)
	}
	t.call = c
	ev.setCall(c, t)
}

// runCommands carries out the queued commands, in order.
func (x *executor) runCommands() error {
	x.qmu.Lock()
	q := x.queue
	x.queue = nil
	x.qmu.Unlock()
	replied := false
	for i := range q {
		c := &q[i]
		if x.debug {
			x.log.Debug("command", "op", c.op, "tid", c.tid)
		}
		if c.op == opKillAll {
			x.killAll()
			continue
		}
		if c.op == opRecheck {
			x.recheckMarkers()
			continue
		}
		if ok, err := x.ipmonCommand(c); ok {
			if err != nil {
				return err
			}
			continue
		}
		t := x.tasks[c.tid]
		if t == nil {
			// The task is gone (killed meanwhile) or never was ours:
			// nothing to do to it; a read says so.
			if c.op == opRead || c.op == opReadStr {
				x.reply(c.id, nil, fmt.Errorf("no task %d", c.tid))
				replied = true
			}
			continue
		}
		mem := ptrace.Mem{Pid: t.tid}
		if c.op == opCont || c.op == opSyscall || c.op == opSetRegs || c.op == opRunCheck || c.op == opRegister || c.op == opFork {
			t.waiting = false
		}
		switch c.op {
		case opRegister:
			if err := x.register(t, c); err != nil {
				return err
			}
		case opThread:
			if err := x.thread(t, c); err != nil {
				return err
			}
		case opFork:
			if err := x.fork(t, c); err != nil {
				return err
			}
		case opMarker:
			if err := x.marker(t); err != nil {
				return err
			}
		case opRunCheck:
			x.runCheck(t, c.exp.result, noIndex)
		case opExpect:
			t.expects = append(t.expects, c.exp)
			if t.waiting {
				t.waiting = false
				x.meet(t)
			}
		case opCont:
			if c.sig != 0 {
				// A signal the leader host had this host inject: it
				// seems to come from the leader's monitor, as the
				// leader's own copy does (and as on one host).
				_ = ptrace.Resend(t.tid, x.hello.pid, x.hello.uid)
			}
			_ = ptrace.Cont(t.tid, int(c.sig))
		case opSyscall:
			_ = ptrace.ContToExit(t.tid)
		case opSetRegs:
			callNr := ^uint64(0)
			if t.call != nil {
				callNr = t.call.Nr
			}
			if err := checkRegs(&t.regs, &c.regs, callNr); err != nil {
				return fmt.Errorf("task %d: %v", t.tid, err)
			}
			if ret := ptrace.Ret(&c.regs); x.crossISA && t.call != nil && ret != ptrace.Ret(&t.regs) {
				// A result the leader host set, in the generic
				// encoding (F_GETFL's flags; time's seconds, from
				// the output applied before).
				switch own, _, err := canon.ResultFromGeneric(t.call.Row, ret, nil); {
				case t.hasResultRet && ret >= 0:
					ptrace.SetRet(&c.regs, t.resultRet)
				case err == nil:
					ptrace.SetRet(&c.regs, own)
				}
			}
			t.hasResultRet = false
			// What this host read of the call number decides whether
			// SetRegs writes it, not what the leader host sent back.
			at := t.regs.A64.SyscallnoAt
			t.regs = c.regs
			t.regs.A64.SyscallnoAt = at
			_ = ptrace.SetRegs(t.tid, &t.regs)
		case opApply:
			if t.call != nil {
				ret, outs, err := x.fromGeneric(t.call, 0, c.outs)
				if err != nil {
					return fmt.Errorf("task %d: the leader host's output for %s: %v", t.tid, t.call.Row.Name, err)
				}
				_ = canon.Apply(t.call, outs, mem)
				if x.crossISA && t.call.Row.Result != nil {
					// The result this call returns comes from the
					// output (time's seconds): the registers the
					// leader host sets next carry the generic one.
					t.resultRet, t.hasResultRet = ret, true
				}
			}
		case opWrite:
			_ = mem.Write(c.addr, c.data)
		case opRead:
			if c.n > maxRead {
				return fmt.Errorf("a read of %d bytes", c.n)
			}
			b := make([]byte, c.n)
			err := mem.Read(c.addr, b)
			x.reply(c.id, b, err)
			replied = true
		case opReadStr:
			s, err := mem.ReadString(c.addr, min(int(c.n), canon.MaxString))
			x.reply(c.id, []byte(s), err)
			replied = true
		case opKill:
			if c.tgid != 0 {
				_ = unix.Tgkill(c.tgid, t.tid, c.sig)
			} else {
				_ = unix.Kill(t.tid, c.sig)
			}
		}
	}
	if replied {
		x.wmu.Lock()
		defer x.wmu.Unlock()
		return x.wc.Flush()
	}
	return nil
}

// restarted: t enters again a call that a signal interrupted (the
// kernel's restart). It is the same call, not the next one: one met from
// an expectation goes on here with the same action (local); one CP-MON
// answered is reported as a restart, which CP-MON answers again.
func (x *executor) restarted(t *task) (restart, local bool) {
	nr := ptrace.Nr(&t.regs)
	if t.restartNr == 0 || nr != t.restartNr && nr != unix.SYS_RESTART_SYSCALL {
		t.restartNr = 0
		return false, false
	}
	t.restartNr = 0
	if !t.inMet {
		return true, false
	}
	if t.onExit != nil {
		_ = ptrace.ContToExit(t.tid)
	} else {
		_ = ptrace.Cont(t.tid, 0)
	}
	return true, true
}

// meet carries out the first expectation for the call t is stopped at, if
// its call is the one the leader made; otherwise the run diverged, and the
// leader host hears which call this host's variant made.
func (x *executor) meet(t *task) {
	e := t.expects[0]
	if t.call != nil && canon.Digest(t.call) == e.digest && e.marker {
		switch x.takeMarker(t) {
		case markerNone:
			// Not here yet: recheckMarkers meets it again when it
			// comes.
			t.markerWait = true
			x.markerWaits.Add(1)
			return
		case markerDiverged:
			return // stopped where it is: the leader host ends the run
		}
	}
	t.expects = t.expects[1:]
	if t.call == nil || canon.Digest(t.call) != e.digest {
		var enc wire.Enc
		enc.U8(evDiverge)
		enc.U32(uint32(t.tid))
		enc.U64(t.consumed)
		what := nativeABI.Name(ptrace.Nr(&t.regs)) + " (a call this host could not decode)"
		if t.call != nil {
			what = t.call.String()
		}
		enc.String(what)
		_ = x.send(wire.Call, enc.Payload())
		return // stopped where it is: the leader host ends the run
	}
	t.consumed++
	t.inMet = true
	if len(t.expects) == 0 || t.consumed%metReport == 0 {
		var enc wire.Enc
		enc.U8(evConsumed)
		enc.U32(uint32(t.tid))
		enc.U64(t.consumed)
		_ = x.send(wire.Call, enc.Payload())
	}
	// The same actions as CP-MON's for a stopped follower task, made
	// here on the task's own registers and memory.
	ret, outs, err := x.fromGeneric(t.call, e.ret, e.outs)
	if err != nil {
		x.fatal(fmt.Sprintf("task %d: the leader host's output for %s: %v", t.tid, t.call.Row.Name, err))
		return
	}
	e.ret, e.outs = ret, outs
	switch e.act {
	case actRun:
		x.v.cont(t, 0)
	case actSkip:
		x.v.skip(t, e.ret, e.outs)
	case actRunThen:
		x.v.runThenApply(t, e.ret, e.outs)
	case actOwnFD:
		x.v.ownFD(t, e.fd)
	case actPlaceholder:
		x.v.placeholder(t, e.fd, e.cloexec, e.outs)
	case actRunCheck:
		x.runCheck(t, e.result, t.consumed-1)
	}
	x.checkFailed()
}

// noIndex: a divergence at a call CP-MON answered, not at an expectation.
const noIndex = ^uint64(0)

// runCheck lets t make its call, whose result and outputs must then have
// the leader's digest: a read of this host's copy of a file must see what
// the leader's read of its own saw.
func (x *executor) runCheck(t *task, d [canon.DigestSize]byte, k uint64) {
	x.v.contToExit(t, func(ret int64) {
		outs, _ := canon.Capture(t.call, ret, ptrace.Mem{Pid: t.tid})
		gret, gouts := ret, outs
		if x.crossISA {
			// The leader host's digest is of the generic form.
			gret, gouts, _ = canon.ResultToGeneric(t.call.Row, ret, outs)
		}
		if canon.ResultDigest(gret, gouts) == d {
			x.v.cont(t, 0)
			return
		}
		var enc wire.Enc
		enc.U8(evDiverge)
		enc.U32(uint32(t.tid))
		enc.U64(k)
		enc.String(fmt.Sprintf("%s = %d, another result than the leader's: the hosts' files differ", t.call.String(), ret))
		_ = x.send(wire.Call, enc.Payload())
		// Stopped where it is: the leader host ends the run.
	})
}

// checkFailed ends the session when one of the actions found the variant
// out of step (a descriptor number other than the leader's).
func (x *executor) checkFailed() {
	x.mon.mu.Lock()
	f := x.mon.failure
	x.mon.mu.Unlock()
	if f != nil {
		x.fatal(f.err)
	}
}

// metReport: a task that keeps meeting expectations says so every this
// many calls (and whenever it has met them all).
const metReport = 64

// maxRead bounds one memory read for the leader host.
const maxRead = 512 << 10

func (x *executor) reply(id uint32, b []byte, err error) {
	var e wire.Enc
	e.U8(evReply)
	e.U32(id)
	if err != nil {
		e.U8(0)
		e.String(err.Error())
	} else {
		e.U8(1)
		e.Bytes(b)
	}
	x.wmu.Lock()
	_ = x.wc.Write(wire.Call, e.Payload())
	x.wmu.Unlock()
}

// checkRegs allows what CP-MON does to a stopped task's registers: a
// call's result, its number (skipped, the placeholder eventfd2, or the
// call's own put back at its exit), its
// arguments (mapped pids), a rewind to the syscall instruction or a step
// over a trapped rdtsc. Anything else (another instruction pointer, the
// stack, other registers) a leader host may not set.
func checkRegs(old, new *ptrace.Regs, callNr uint64) error {
	o, n := *old, *new
	if nr := ptrace.Nr(&n); nr != ptrace.Nr(&o) && nr != ^uint64(0) && nr != unix.SYS_EVENTFD2 && nr != callNr {
		return fmt.Errorf("refused to make call %d", int64(nr))
	}
	if d := int64(ptrace.PC(&n) - ptrace.PC(&o)); d < -int64(n.Arch.SyscallLen()) || d > 15 {
		return fmt.Errorf("refused to move the instruction pointer by %d", d)
	}
	ptrace.ClearCallRegs(&o)
	ptrace.ClearCallRegs(&n)
	if o != n {
		return fmt.Errorf("refused to set registers other than a call's (%s)", ptrace.Differ(&o, &n))
	}
	return nil
}
