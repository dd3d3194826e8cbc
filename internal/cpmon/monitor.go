// Package cpmon is the cross-process monitor (CP-MON): it runs N variants of
// a program under ptrace, in lockstep at every system call, compares their
// canonical calls, lets the leader do external I/O and replicates its results
// into the followers, and stops everything at the first divergence.
//
// In a nutshell: each variant has a tracer goroutine on a locked OS thread
// (ptrace requests must come from the thread that attached). A tracer turns
// its tasks' syscall stops into canonical calls and brings them to the
// rendezvous of their logical task (the same thread in every variant). The
// tracer that completes a rendezvous compares the calls, decides who
// executes, and hands each variant's tracer the actions for its task through
// that tracer's queue. Actions are closures run on the owning tracer's thread,
// so task state is only ever touched by one thread.
//
// Lock order: Monitor.mu, then variant.qmu. Closures queued for a tracer run
// without Monitor.mu held and take it themselves when they need shared state.
package cpmon

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"dmvx/internal/canon"
	"dmvx/internal/report"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Exit statuses of dmvx itself.
const (
	ExitDivergence = 86
	ExitError      = 125
)

// Config is one run.
type Config struct {
	// Paths holds one resolved executable per variant; variant 0 leads.
	Paths []string
	// Argv is the program's argv (argv[0] as the user typed it).
	Argv []string
	Env  []string
	// Deadline bounds how long variants wait at a rendezvous for a variant
	// that has not arrived.
	Deadline time.Duration
	// TrapTSC makes rdtsc trap (PR_SET_TSC) so that its value is replicated.
	TrapTSC bool
	// Policy is the IP-MON policy level; NoIPMON runs every call through
	// CP-MON.
	Policy  canon.Level
	NoIPMON bool
	// FromEntry compares calls from each program's entry point on, and
	// lets the dynamic loaders before it run unsynchronized under an
	// allow-list (entry.go): for variants whose loaders differ. A run
	// with a follower host of another instruction set does so anyway.
	FromEntry bool
	Log       *slog.Logger
	// Remotes are followers on other hosts, variants len(Paths) and up.
	// They run without IP-MON for now (docs/limits.md).
	Remotes []Remote
}

// Monitor runs one set of variants.
type Monitor struct {
	cfg Config
	log *slog.Logger
	n   int

	// remotesUp is closed once every follower host answered its hello,
	// or failed to; fromEntry is set by then when some follower host is
	// of another instruction set than this machine (entry.go). Guarded by
	// mu.
	remotesUp   chan struct{}
	remotesLeft int
	fromEntry   bool
	// crossISA: some follower host is of another instruction set.
	crossISA bool

	mu       sync.Mutex
	variants []*variant
	nextID   int
	lts      map[int]*ltask
	byVtid   map[int]*ltask   // leader tid -> logical task
	byReal   []map[int]*ltask // per variant: real tid -> logical task
	root     *ltask
	failure  *failure
	finished bool // root has exited in every variant
	stats    report.Stats
	started  time.Time
	// leaderGot is when the leader last received each asynchronous signal.
	leaderGot map[syscall.Signal]time.Time
	// ipm is the run's IP-MON setup; env and filters what variants start
	// with.
	ipm *ipmonRun
	// leaderStops counts the leader's syscall stops (its tracer only
	// writes it; the report reads it at the end).
	leaderStops atomic.Uint64
	env         []string
	filters     [][]bpf.RawInstruction
	// hasRemotes: some followers run on other hosts.
	hasRemotes bool

	wg sync.WaitGroup
}

type failure struct {
	outcome string
	code    int
	err     string
	div     *report.Div
}

// New prepares a run.
func New(cfg Config) *Monitor {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = 10 * time.Second
	}
	local := len(cfg.Paths)
	cfg.Paths = append([]string(nil), cfg.Paths...)
	for _, r := range cfg.Remotes {
		cfg.Paths = append(cfg.Paths, r.Path)
	}
	m := &Monitor{
		cfg:    cfg,
		log:    cfg.Log,
		n:      len(cfg.Paths),
		lts:    make(map[int]*ltask),
		byVtid: make(map[int]*ltask),

		leaderGot: make(map[syscall.Signal]time.Time),

		remotesUp:   make(chan struct{}),
		remotesLeft: len(cfg.Remotes),
		fromEntry:   cfg.FromEntry,
	}
	if m.remotesLeft == 0 {
		close(m.remotesUp)
	}
	m.stats.ByClass = make(map[string]uint64)
	m.stats.ByCall = make(map[string]uint64)
	m.stats.RdtscTrapped = cfg.TrapTSC
	for i := range cfg.Paths {
		m.byReal = append(m.byReal, make(map[int]*ltask))
		v := newVariant(m, i)
		if i >= local {
			v.rem = newRemote(v, cfg.Remotes[i-local])
			m.hasRemotes = true
		}
		m.variants = append(m.variants, v)
	}
	return m
}

// Run starts the variants and monitors them until they are all gone.
func (m *Monitor) Run() *report.Report {
	m.started = time.Now()
	// Each tracer keeps its P while blocked in wait4 (ptrace.WaitRaw):
	// leave Ps for everything else.
	if want := m.n + 2; runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
	}
	// A stop-the-world waits for tracers blocked in wait4 (up to the
	// doorbell's tick): collect less often.
	debug.SetGCPercent(400)
	root := &lproc{fds: newFDTable(), sig: newSigTable()}
	for fd := 0; fd <= 2; fd++ {
		// Inherited stdio is the leader's alone: followers get /dev/null
		// and never touch these.
		root.fds.set(fd, fdInfo{})
	}
	m.root = m.newLtask(root)
	m.env, m.filters = m.setupIPMON()

	devnull, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return m.errorReport(fmt.Errorf("opening /dev/null: %w", err))
	}
	defer devnull.Close()

	startErr := make(chan error, m.n)
	for _, v := range m.variants {
		files := []uintptr{0, 1, 2}
		if !v.leader() {
			files = []uintptr{devnull.Fd(), devnull.Fd(), devnull.Fd()}
		}
		m.wg.Add(1)
		if v.rem != nil {
			go v.runRemote(startErr)
			continue
		}
		go v.run(files, startErr)
	}
	for range m.variants {
		if err := <-startErr; err != nil {
			m.fail(&failure{outcome: report.Error, code: ExitError, err: err.Error()})
		}
	}
	// Every variant has started or failed to by now. One that started
	// after another failed was not there to be killed: kill it now (a
	// follower host that refuses the session, while the leader starts).
	m.mu.Lock()
	if m.failure != nil {
		m.killAllLocked()
	}
	m.mu.Unlock()
	stop := make(chan struct{})
	go m.watchdog(stop)
	m.wg.Wait()
	close(stop)
	return m.buildReport()
}

// Forward passes a signal that dmvx received to the program, as it would
// have reached it natively: it goes to the leader, whose tracer then
// delivers it to every variant at the same point of their call streams.
//
// The variants share dmvx's process group, so a terminal's Ctrl-C reaches
// the leader directly as well as through dmvx. Forward therefore waits a
// moment and sends nothing if the leader got the same signal meanwhile.
func (m *Monitor) Forward(sig syscall.Signal) {
	asked := time.Now()
	time.AfterFunc(forwardGrace, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.failure != nil || m.finished {
			return
		}
		if got, ok := m.leaderGot[sig]; ok && got.After(asked.Add(-forwardGrace)) {
			m.log.Debug("not forwarding: the leader got it directly", "signal", sig)
			return
		}
		if t := m.root.tids[0]; t > 0 && m.root.exited[0] == nil {
			m.log.Debug("forwarding signal", "signal", sig, "leader", t)
			_ = unix.Kill(t, sig)
		}
	})
}

// forwardGrace is how close a signal to the leader and one to dmvx must be
// to count as the same (a terminal's signal to the whole process group).
const forwardGrace = 20 * time.Millisecond

func (m *Monitor) newLtask(p *lproc) *ltask {
	lt := &ltask{
		id:      m.nextID,
		proc:    p,
		tids:    make([]int, m.n),
		tasks:   make([]*task, m.n),
		arrived: make([]*task, m.n),
		exited:  make([]*exitStatus, m.n),
		current: make([]string, m.n),
		slot:    -1,
	}
	m.nextID++
	m.lts[lt.id] = lt
	return lt
}

// fail ends the run: first failure wins; every variant is killed.
func (m *Monitor) fail(f *failure) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failLocked(f)
}

func (m *Monitor) failLocked(f *failure) {
	if m.failure != nil {
		return
	}
	m.failure = f
	m.log.Info("run failed", "outcome", f.outcome, "error", f.err)
	m.killAllLocked()
}

// killAllLocked sends SIGKILL to every task of every variant. kill(2) needs
// no ptrace relationship, so any goroutine may do it; the tracers then reap.
func (m *Monitor) killAllLocked() {
	for v, mp := range m.byReal {
		vr := m.variants[v]
		if vr.rem != nil {
			// A follower host kills its own variant's every task.
			vr.rem.killAll()
			vr.ring()
			continue
		}
		for tid := range mp {
			_ = unix.Kill(tid, unix.SIGKILL)
		}
		vr.ring()
	}
}

// watchdog declares a divergence when variants have waited at a rendezvous
// longer than the deadline for one that does not arrive.
func (m *Monitor) watchdog(stop chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		m.mu.Lock()
		if m.failure != nil || m.finished {
			m.mu.Unlock()
			continue
		}
		now := time.Now()
		for _, lt := range m.lts {
			if lt.nArrived == 0 && lt.nExited == 0 {
				continue
			}
			if lt.nArrived+lt.nExited >= m.n {
				continue
			}
			since := lt.firstArrival
			if lt.nArrived == 0 {
				since = lt.firstExit
			}
			if now.Sub(since) > m.cfg.Deadline {
				m.stalledLocked(lt)
			}
		}
		m.mu.Unlock()
	}
}

func (m *Monitor) stalledLocked(lt *ltask) {
	var late []int
	for v := 0; v < m.n; v++ {
		if lt.arrived[v] == nil && lt.exited[v] == nil {
			late = append(late, v)
		}
	}
	name := "(none)"
	for _, t := range lt.arrived {
		if t != nil {
			name = t.call.Row.Name
			break
		}
	}
	m.divergeLocked(lt, name, fmt.Sprintf("variant(s) %v did not reach %s within the deadline of %s while the others waited",
		late, name, m.cfg.Deadline))
}

// divergeLocked reports a divergence at logical task lt.
func (m *Monitor) divergeLocked(lt *ltask, call, reason string) {
	if m.failure != nil {
		return
	}
	d := &report.Div{Call: call, Reason: reason, Task: lt.id}
	for v := 0; v < m.n; v++ {
		dv := report.DivVariant{Index: v, Call: "(running)"}
		switch {
		case lt.arrived[v] != nil:
			dv.Call = lt.arrived[v].call.String()
		case lt.exited[v] != nil:
			dv.Call = "(exited: " + lt.exited[v].String() + ")"
		case lt.current[v] != "":
			dv.Call = lt.current[v] + " (in progress)"
		}
		dv.History = m.variants[v].history()
		d.Variants = append(d.Variants, dv)
	}
	m.failLocked(&failure{outcome: report.Divergence, code: ExitDivergence, div: d})
}

// errorLocked stops the run for a reason that is dmvx's, not the program's.
func (m *Monitor) errorLocked(format string, args ...any) {
	m.failLocked(&failure{outcome: report.Error, code: ExitError, err: fmt.Sprintf(format, args...)})
}

func (m *Monitor) errorReport(err error) *report.Report {
	return &report.Report{Outcome: report.Error, ExitCode: ExitError, Error: err.Error(), Variants: []report.Variant{}}
}

func (m *Monitor) buildReport() *report.Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &report.Report{}
	for i := range m.variants {
		rv := report.Variant{Index: i, Role: "follower", Path: m.cfg.Paths[i], Pid: m.root.tids[i]}
		if i == 0 {
			rv.Role = "leader"
		}
		if r := m.variants[i].rem; r != nil {
			rv.Host = r.spec.Addr
		}
		if es := m.root.exited[i]; es != nil {
			rv.ExitCode = es.code
			if es.signal != 0 {
				rv.Signal = unix.SignalName(es.signal)
				rv.ExitCode = 128 + int(es.signal)
			}
		}
		r.Variants = append(r.Variants, rv)
	}
	st := m.stats
	st.Wall = time.Since(m.started)
	m.ipmonStatsLocked(&st)
	for _, v := range m.variants {
		if r := v.rem; r != nil {
			st.RemoteStops += r.stops.Load()
			st.PassedStops += r.passed.Load()
			st.RemoteCommands += r.commands.Load()
			st.RemoteFrames += r.frames.Load()
			st.RemoteBytes += r.bytes.Load()
			r.ship.mu.Lock()
			st.ShippedRecords += r.ship.records
			st.ShippedBatches += r.ship.batches
			r.ship.mu.Unlock()
		}
	}
	r.Stats = &st
	if f := m.failure; f != nil {
		r.Outcome, r.ExitCode, r.Error, r.Divergence = f.outcome, f.code, f.err, f.div
		return r
	}
	es := m.root.exited[0]
	switch {
	case es == nil:
		r.Outcome, r.ExitCode, r.Error = report.Error, ExitError, "the leader vanished without an exit status"
	case es.signal != 0:
		r.Outcome, r.ExitCode = report.Signal, 128+int(es.signal)
	default:
		r.Outcome, r.ExitCode = report.OK, es.code
	}
	return r
}

// exitStatus is how a task ended.
type exitStatus struct {
	code   int
	signal syscall.Signal
}

func (e *exitStatus) String() string {
	if e.signal != 0 {
		return "killed by " + unix.SignalName(e.signal)
	}
	return fmt.Sprintf("exit status %d", e.code)
}

func statusOf(ws unix.WaitStatus) *exitStatus {
	if ws.Signaled() {
		return &exitStatus{signal: ws.Signal()}
	}
	return &exitStatus{code: ws.ExitStatus()}
}

// count records one call in the statistics. Called with m.mu held.
func (m *Monitor) countLocked(c *canon.Call, class string) {
	m.stats.Calls++
	m.stats.ByClass[class]++
	m.stats.ByCall[c.Row.Name]++
}
