package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runTimeout bounds every run, native or under dmvx. Nothing here needs
// more than a few seconds natively; ptrace makes calls tens of times slower.
const runTimeout = 60 * time.Second

// result is what a user sees of one run.
type result struct {
	stdout, stderr []byte
	// code is the exit status, or 128+N for a death by signal N, as a
	// shell reports it and as dmvx promises to exit.
	code int
	// signaled says the program (natively) or dmvx died of a signal.
	signaled bool
	elapsed  time.Duration
	// rep is the --report of a dmvx run, nil natively or when dmvx wrote
	// none.
	rep *report
}

// report is the JSON that `dmvx run --report FILE` writes.
type report struct {
	Outcome    string           `json:"outcome"`
	ExitCode   int              `json:"exit_code"`
	Variants   []reportVariant  `json:"variants"`
	Divergence *reportDivergent `json:"divergence"`
	Stats      *reportStats     `json:"stats"`
}

// reportStats is the part of the report's stats that tests look at: what
// IP-MON did.
type reportStats struct {
	// IPMON is "on, policy LEVEL" or "off: WHY".
	IPMON string `json:"ipmon"`
	// DirectCalls are the leader's calls that IP-MON took.
	DirectCalls      uint64 `json:"direct_calls"`
	SigsysCalls      uint64 `json:"sigsys_calls"`
	RBLeaderWaits    uint64 `json:"rb_leader_waits"`
	RBFollowerWaits  uint64 `json:"rb_follower_waits"`
	IPMONDivergences uint64 `json:"ipmon_divergences"`
	LeaderCPMONCalls uint64 `json:"leader_cpmon_calls"`
	SitesPatched     uint64 `json:"sites_patched"`
	// ShippedRecords: IP-MON's records sent to follower hosts.
	ShippedRecords uint64 `json:"shipped_records"`
}

type reportVariant struct {
	Index    int    `json:"index"`
	Role     string `json:"role"`
	Path     string `json:"path"`
	Host     string `json:"host"`
	ExitCode int    `json:"exit_code"`
	Signal   string `json:"signal"`
	PID      int    `json:"pid"`
}

type reportDivergent struct {
	Call   string `json:"call"`
	Reason string `json:"reason"`
	// DetectedBy is "cp-mon" or "ip-mon" (a follower's check in process,
	// or its replication buffer).
	DetectedBy string             `json:"detected_by"`
	Variants   []reportDivVariant `json:"variants"`
}

// reportDivVariant is what one variant was doing at the divergence.
type reportDivVariant struct {
	Index   int      `json:"index"`
	Call    string   `json:"call"`
	History []string `json:"history"`
}

// opts says how to run one command.
type opts struct {
	dir   string // working directory; the repository root when empty
	stdin []byte
}

// live holds the pids of processes that the harness started and has not
// waited for yet: they are the only children the leftover check expects.
var live = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

// running is a started command whose exit is awaited in the background.
type running struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait has returned
	err  error         // cmd.Wait's error, once done is closed
}

// start runs argv in its own process group (so that a timeout can kill
// everything it started) and returns it without waiting.
func start(t *testing.T, o opts, stdout, stderr *bytes.Buffer, argv ...string) *running {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = o.dir
	if cmd.Dir == "" {
		cmd.Dir = root
	}
	cmd.Stdin = bytes.NewReader(o.stdin)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return startCmd(t, cmd)
}

// startCmd starts a prepared command (in a test host, say) as start does.
func startCmd(t *testing.T, cmd *exec.Cmd) *running {
	t.Helper()
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A process left behind that holds stdout or stderr open must not make
	// Wait hang once the command itself has exited.
	cmd.WaitDelay = 5 * time.Second
	// The lock is held from fork to registration, so that the leftover
	// check never sees the child unregistered, takes it for a stray and
	// reaps it under cmd.Wait's feet.
	live.Lock()
	defer live.Unlock()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %q: %v", cmd.Args, err)
	}
	live.pids[cmd.Process.Pid] = true
	r := &running{cmd: cmd, done: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	return r
}

// exited says whether the command has ended.
func (r *running) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// wait waits for the command at most limit; past it, the whole process
// group is killed and the test fails. It returns the exit status as a shell
// would, and whether the process died of a signal.
func (r *running) wait(t *testing.T, limit time.Duration) (int, bool) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(limit):
		// What each process was doing, and (SIGQUIT) where every
		// goroutine of dmvx stood, into the test's log and dmvx's stderr:
		// a hang that shows up once in many runs must say why then.
		t.Errorf("%q still running after %v: killed its process group; its processes:\n%s", r.cmd.Args, limit, groupState(r.cmd.Process.Pid))
		syscall.Kill(r.cmd.Process.Pid, syscall.SIGQUIT)
		select {
		case <-r.done:
		case <-time.After(3 * time.Second):
		}
		syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.done
	}
	live.Lock()
	delete(live.pids, r.cmd.Process.Pid)
	live.Unlock()
	return exitCode(t, r.cmd, r.err)
}

func exitCode(t *testing.T, cmd *exec.Cmd, err error) (int, bool) {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case errors.Is(err, exec.ErrWaitDelay):
		t.Errorf("%q exited, but its stdout or stderr stayed open: some process of it is left", cmd.Args)
	case err != nil && !errors.As(err, &ee):
		t.Fatalf("%q: %v", cmd.Args, err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ws.ExitStatus(), false
}

// run runs argv to completion.
func run(t *testing.T, o opts, argv ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	begin := time.Now()
	code, sig := start(t, o, &stdout, &stderr, argv...).wait(t, runTimeout)
	return result{stdout: stdout.Bytes(), stderr: stderr.Bytes(), code: code, signaled: sig, elapsed: time.Since(begin)}
}

// native runs argv without dmvx.
func native(t *testing.T, o opts, argv ...string) result {
	t.Helper()
	return run(t, o, argv...)
}

// underDmvx runs `dmvx run FLAGS --report R -- ARGV...`, reads the report
// (when dmvx wrote one) and checks that no process of the run is left.
func underDmvx(t *testing.T, o opts, flags []string, argv ...string) result {
	t.Helper()
	rep := filepath.Join(t.TempDir(), "report.json")
	args := dmvxRun(slices.Concat(flags, []string{"--report", rep, "--"})...)
	r := run(t, o, append(args, argv...)...)
	r.rep = readReport(t, rep)
	checkNoLeftovers(t, r.rep)
	return r
}

// dmvxRun returns the command line `dmvx run EXTRA ARGS...`, where EXTRA
// are the flags of the configuration under test (DMVX_E2E_FLAGS). Every
// test that runs dmvx builds its command line here.
func dmvxRun(args ...string) []string {
	return slices.Concat([]string{dmvx, "run"}, extraFlags, args)
}

// defaultConfig skips tests that only hold in the default configuration
// (IP-MON on, policy socket-rw): those that look at IP-MON's own figures.
func defaultConfig(t *testing.T) {
	t.Helper()
	if len(extraFlags) > 0 {
		t.Skipf("only in the default configuration (DMVX_E2E_FLAGS=%q)", strings.Join(extraFlags, " "))
	}
}

// variants returns the flags for n variants of one program.
func variants(n int) []string {
	return []string{"-n", strconv.Itoa(n)}
}

func readReport(t *testing.T, path string) *report {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report %s is not valid JSON: %v\n%s", path, err, data)
	}
	return &rep
}

// checkNoLeftovers fails the test when a process of the finished dmvx run
// still exists. Because the test binary is a child subreaper, any such
// process has become our child; dead ones are reaped here.
func checkNoLeftovers(t *testing.T, rep *report) {
	t.Helper()
	// A variant killed when its tracer exits may take a moment to die.
	deadline := time.Now().Add(5 * time.Second)
	var left []string
	for {
		left = left[:0]
		for _, p := range children() {
			if p.state == "Z" {
				var ws syscall.WaitStatus
				syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
				continue
			}
			left = append(left, fmt.Sprintf("pid %d (%s) state %s: %s", p.pid, p.comm, p.state, p.cmdline))
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("processes left after dmvx exited:\n%s", strings.Join(left, "\n"))
		for _, p := range children() {
			syscall.Kill(p.pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			syscall.Wait4(p.pid, &ws, 0, nil)
		}
	}
	if rep == nil {
		return
	}
	for _, v := range rep.Variants {
		if v.PID <= 0 {
			continue
		}
		if p, ok := readProc(v.PID); ok && p.state != "Z" {
			t.Errorf("variant %d (pid %d) still exists after dmvx exited: %s", v.Index, v.PID, p.cmdline)
		}
	}
}

type proc struct {
	pid, ppid            int
	comm, state, cmdline string
}

// children lists our child processes, except those the harness is waiting
// for.
func children() []proc {
	ents, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []proc
	live.Lock()
	defer live.Unlock()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || live.pids[pid] {
			continue
		}
		if p, ok := readProc(pid); ok && p.ppid == self {
			out = append(out, p)
		}
	}
	return out
}

func readProc(pid int) (proc, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	s := string(data)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return proc{}, false
	}
	f := strings.Fields(s[rp+1:])
	if len(f) < 2 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return proc{
		pid: pid, ppid: ppid, comm: s[lp+1 : rp], state: f[0],
		cmdline: strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")),
	}, true
}

// checkOK checks a dmvx run that should have ended as the native run nat
// did, with all variants agreeing.
func checkOK(t *testing.T, r result, n int, nat result) {
	t.Helper()
	want := nat.code
	if r.signaled {
		t.Errorf("dmvx itself died of signal %d; it should exit with the program's status", r.code-128)
	}
	if r.code != want {
		t.Errorf("dmvx exit status %d, want %d\nstderr:\n%s", r.code, want, r.stderr)
	}
	if bytes.Contains(r.stderr, []byte("dmvx: divergence")) {
		t.Errorf("false alarm:\n%s", r.stderr)
	}
	if r.rep == nil {
		t.Errorf("dmvx wrote no report")
		return
	}
	wantOutcome := "ok"
	if nat.signaled {
		wantOutcome = "signal"
	}
	if r.rep.Outcome != wantOutcome || r.rep.ExitCode != want {
		t.Errorf("report: outcome %q exit_code %d, want %q %d", r.rep.Outcome, r.rep.ExitCode, wantOutcome, want)
	}
	if r.rep.Divergence != nil {
		t.Errorf("report has a divergence: %+v", *r.rep.Divergence)
	}
	checkVariants(t, r.rep, n)
}

func checkVariants(t *testing.T, rep *report, n int) {
	t.Helper()
	if len(rep.Variants) != n {
		t.Errorf("report lists %d variants, want %d", len(rep.Variants), n)
		return
	}
	for i, v := range rep.Variants {
		role := "follower"
		if i == 0 {
			role = "leader"
		}
		if v.Index != i || v.Role != role {
			t.Errorf("report variant %d: index %d role %q, want %d %q", i, v.Index, v.Role, i, role)
		}
	}
}

// eachN runs f as subtests "n=2" and "n=3": dmvx with 2 and 3 variants.
func eachN(t *testing.T, f func(t *testing.T, n int)) {
	t.Helper()
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) { f(t, n) })
	}
}

// compare runs argv natively, then under dmvx with 2 and 3 variants, and
// expects the same stdout, stderr and exit status each time.
func compare(t *testing.T, o opts, argv ...string) result {
	t.Helper()
	nat := native(t, o, argv...)
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, o, variants(n), argv...)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
	})
	return nat
}

// sameOutput reports how a dmvx run's output differs from the native one.
func sameOutput(t *testing.T, nat, d result) {
	t.Helper()
	if !bytes.Equal(nat.stdout, d.stdout) {
		t.Errorf("stdout differs from the native run's:\n%s", diff(nat.stdout, d.stdout))
	}
	if !bytes.Equal(nat.stderr, d.stderr) {
		t.Errorf("stderr differs from the native run's:\n%s", diff(nat.stderr, d.stderr))
	}
	if nat.code != d.code {
		t.Errorf("exit status %d, native %d", d.code, nat.code)
	}
}

// diff shows the first lines where want and got differ, with a little
// context: enough to see what went wrong without a diff library.
func diff(want, got []byte) string {
	split := func(b []byte) []string {
		l := strings.SplitAfter(string(b), "\n")
		if l[len(l)-1] == "" {
			l = l[:len(l)-1]
		}
		return l
	}
	w, g := split(want), split(got)
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	lo := max(0, i-2)
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (native %d lines, dmvx %d lines)\n", i+1, len(w), len(g))
	for j := lo; j < i+5 && j < max(len(w), len(g)); j++ {
		if j < len(w) {
			fmt.Fprintf(&b, "  native %4d: %q\n", j+1, w[j])
		}
		if j < len(g) {
			fmt.Fprintf(&b, "  dmvx   %4d: %q\n", j+1, g[j])
		}
	}
	return b.String()
}

// lines splits output into lines without the final newline's empty tail.
func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// groupState lists the processes of process group pgid with their state,
// the kernel function they wait in, and their command line.
func groupState(pgid int) string {
	var b strings.Builder
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		wchan, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid))
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		tracer := ""
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "TracerPid:") {
				tracer = strings.TrimSpace(strings.TrimPrefix(l, "TracerPid:"))
			}
		}
		fmt.Fprintf(&b, "  %d ppid %s %s wchan %s tracer %s: %s\n", pid, f[1], f[0], wchan, tracer,
			strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " "))
	}
	return b.String()
}
