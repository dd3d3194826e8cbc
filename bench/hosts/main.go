// Command hosts benchmarks dmvx with its follower on another host: the
// microbenchmarks and lighttpd, one-host dmvx (-n 2) and a follower on a
// test host (internal/netlab) with 0 ms and with 0.5 ms each way,
// interleaved, median of several runs. It prints markdown tables for
// docs/performance.md. Run by `make bench` after bench/run.sh; needs root.
//
// Environment: BENCH_RUNS (5), BENCH_HOST_ITERS (1000000: calls per
// microbenchmark run), BENCH_WRK_SECS (5), BENCH_SKIP (micro, lighttpd, or
// hosts, which `make bench` reads to skip this), BENCH_STATS (set: each
// remote microbenchmark run's --stats, and the CPU time of each side),
// BENCH_ONLY (comma-separated benchmarks to run, of getcwd, read_zero,
// sched_yield and lighttpd: all when unset), BENCH_DELAYS (comma-separated
// delays each way, as Go durations: "0,500us" when unset), BENCH_NOLOCAL
// (set: the remote runs only, for a profiler), BENCH_HOST_CPUS (CPUs of
// each test host: "shared" for none of their own, or a count; when unset,
// 2 each on a machine of at least 4 CPUs, else shared), BENCH_AGENT_CPUS
// (a CPU list for taskset: the agent and everything it starts run there;
// BENCH_HOST_CPUS sets it and runs this command again under taskset).
//
// A follower host is another machine, with CPUs of its own: with two test
// hosts sharing one machine's CPUs, the work that replication adds on the
// follower's side (the agent's connector, the executor, a follower that
// runs behind) takes CPU from the leader's side, which a real follower
// host does not. So on a machine of 4 CPUs or more the leader's host (and
// the one-host runs, which it stands for) gets CPUs 0..N-1 and the
// follower's host the next N; the output says which.
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"dmvx/internal/netlab"

	"golang.org/x/sys/unix"
)

const port = "7700"

type setup struct {
	name  string
	lab   *netlab.Lab
	agent *exec.Cmd
	addr  string
}

var (
	root, dmvx, pki string
	runs, iters     int
	wrkSecs         int
	skip            string
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench hosts:", err)
		os.Exit(1)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func log(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench hosts: "+format+"\n", args...) }

// hostCPUs runs this command again under taskset when each test host is
// to have CPUs of its own (BENCH_HOST_CPUS); it returns only if not.
func hostCPUs() error {
	if os.Getenv("BENCH_AGENT_CPUS") != "" {
		return nil // set by hand, or by the run that started this one
	}
	n := 0
	switch v := os.Getenv("BENCH_HOST_CPUS"); v {
	case "shared":
		return nil
	case "":
		if runtime.NumCPU() < 4 {
			return nil
		}
		n = 2
	default:
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || 2*n > runtime.NumCPU() {
			return fmt.Errorf("BENCH_HOST_CPUS=%q: \"shared\" or a count of at most half the %d CPUs", v, runtime.NumCPU())
		}
	}
	ids, err := affinity()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return fmt.Errorf("BENCH_HOST_CPUS: %w (util-linux)", err)
	}
	env := append(os.Environ(), "BENCH_AGENT_CPUS="+strings.Join(ids[n:2*n], ","))
	args := append([]string{"taskset", "-c", strings.Join(ids[:n], ","), self}, os.Args[1:]...)
	return syscall.Exec(taskset, args, env)
}

func run() error {
	var err error
	if err = hostCPUs(); err != nil {
		return err
	}
	if root, err = filepath.Abs("."); err != nil {
		return err
	}
	dmvx = filepath.Join(root, "bin", "dmvx")
	runs, iters, wrkSecs = envInt("BENCH_RUNS", 5), envInt("BENCH_HOST_ITERS", 1000000), envInt("BENCH_WRK_SECS", 5)
	skip = os.Getenv("BENCH_SKIP")
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root (network namespaces)")
	}
	tmp, err := os.MkdirTemp("", "dmvx-bench-hosts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pki = filepath.Join(tmp, "pki")
	for _, args := range [][]string{{"certs", "init", pki}, {"certs", "issue", pki, "leader"}} {
		if out, err := exec.Command(dmvx, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v: %s", args, err, out)
		}
	}

	var setups []*setup
	defer func() {
		for _, s := range setups {
			s.close()
		}
	}()
	delays := []time.Duration{0, 500 * time.Microsecond}
	if v := os.Getenv("BENCH_DELAYS"); v != "" {
		delays = nil
		for _, f := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("BENCH_DELAYS: %v", err)
			}
			delays = append(delays, d)
		}
	}
	for _, delay := range delays {
		s, err := newSetup(delay)
		if err != nil {
			return err
		}
		setups = append(setups, s)
	}
	fmt.Printf("\nCPUs: %s\n", cpuLine())
	if skip != "micro" {
		if err := micro(setups); err != nil {
			return err
		}
	}
	if skip != "lighttpd" && selected("lighttpd") {
		if err := lighttpd(setups, tmp); err != nil {
			return err
		}
	}
	return nil
}

// affinity lists the CPUs this process may run on.
func affinity() ([]string, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var ids []string
	for i := 0; i < 1024; i++ {
		if set.IsSet(i) {
			ids = append(ids, strconv.Itoa(i))
		}
	}
	return ids, nil
}

// cpuLine says which CPUs each test host runs on: the figures mean
// different things when the two hosts share the CPUs and when each has
// its own, as real hosts do.
func cpuLine() string {
	mine := "?"
	if ids, err := affinity(); err == nil {
		mine = strings.Join(ids, ",")
	}
	if a := os.Getenv("BENCH_AGENT_CPUS"); a != "" {
		return fmt.Sprintf("the leader's host (and the one-host runs) on %s, the follower's host on %s", mine, a)
	}
	return fmt.Sprintf("both hosts share %s (one machine)", mine)
}

// selected: BENCH_ONLY is unset or names benchmark b.
func selected(b string) bool {
	v := os.Getenv("BENCH_ONLY")
	if v == "" {
		return true
	}
	for _, f := range strings.Split(v, ",") {
		if strings.TrimSpace(f) == b {
			return true
		}
	}
	return false
}

// newSetup makes two hosts (the leader's and a follower's) and starts the
// agent on the second.
func newSetup(delay time.Duration) (*setup, error) {
	var opts []netlab.Option
	name := "0 ms"
	if delay > 0 {
		opts = append(opts, netlab.WithDelay())
		name = fmt.Sprintf("%v each way", delay)
	}
	lab, err := netlab.New(2, opts...)
	if err != nil {
		return nil, err
	}
	s := &setup{name: name, lab: lab}
	for _, h := range lab.Hosts {
		if err := h.SetDelay(delay); err != nil && delay > 0 {
			s.close()
			return nil, err
		}
	}
	h1 := lab.Hosts[1]
	if out, err := exec.Command(dmvx, "certs", "issue", pki, h1.Addr.String()).CombinedOutput(); err != nil {
		s.close()
		return nil, fmt.Errorf("certs issue: %v: %s", err, out)
	}
	s.addr = net.JoinHostPort(h1.Addr.String(), port)
	args := []string{"agent", "--listen", s.addr, "--log-level", "warn"}
	args = append(args, tlsArgs(h1.Addr.String())...)
	for _, p := range []string{"bench/bin/getcwd", "bench/bin/read_zero", "bench/bin/sched_yield"} {
		args = append(args, "--allow", filepath.Join(root, p))
	}
	args = append(args, "--allow", "/usr/sbin/lighttpd")
	if cpus := os.Getenv("BENCH_AGENT_CPUS"); cpus != "" {
		args = append([]string{"-c", cpus, dmvx}, args...)
		s.agent = h1.Command("", "taskset", args...)
	} else {
		s.agent = h1.Command("", dmvx, args...)
	}
	s.agent.Stderr = os.Stderr
	if err := s.agent.Start(); err != nil {
		s.close()
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	return s, nil
}

func tlsArgs(name string) []string {
	return []string{"--cert", filepath.Join(pki, name+".crt"), "--key", filepath.Join(pki, name+".key"),
		"--ca", filepath.Join(pki, "ca.crt")}
}

func (s *setup) close() {
	if s.agent != nil && s.agent.Process != nil {
		_ = s.agent.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.agent.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = s.agent.Process.Kill()
			<-done
		}
	}
	if s.lab != nil {
		if err := s.lab.Close(); err != nil {
			log("removing %s hosts: %v", s.name, err)
		}
	}
}

func (s *setup) leader() *netlab.Host   { return s.lab.Hosts[0] }
func (s *setup) follower() *netlab.Host { return s.lab.Hosts[1] }

// wireBytes is what the follower host's interface sent and received.
func (s *setup) wireBytes() (int64, error) {
	var n int64
	for _, f := range []string{"rx_bytes", "tx_bytes"} {
		out, err := s.follower().Command("", "cat", "/sys/class/net/eth0/statistics/"+f).Output()
		if err != nil {
			return 0, err
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return 0, err
		}
		n += v
	}
	return n, nil
}

// timed runs a command in host h and returns its wall time.
func timed(h *netlab.Host, args ...string) (time.Duration, error) {
	cmd := h.Command(root, args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%q: %v\n%s", args, err, stderr.String())
	}
	if os.Getenv("BENCH_STATS") != "" {
		log("%s\ncpu: user %v sys %v wall %v", stderr.String(), cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime(), time.Since(t0))
	}
	return time.Since(t0), nil
}

// agentCPU is the seconds of CPU the agent and its reaped children used.
func agentCPU(s *setup) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.agent.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	var t float64
	for _, i := range []int{11, 12, 13, 14} {
		v, _ := strconv.ParseFloat(f[i], 64)
		t += v
	}
	return t / 100
}

func median(ds []float64) float64 {
	s := append([]float64(nil), ds...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (s *setup) remoteRun(prog ...string) []string {
	args := append([]string{dmvx, "run", "--follower", s.addr}, tlsArgs("leader")...)
	if os.Getenv("BENCH_STATS") != "" {
		args = append(args, "--stats")
	}
	return append(append(args, "--"), prog...)
}

// micro: each microbenchmark with ITERS calls: one-host dmvx -n 2 on the
// leader's host, and with the follower on the other host, per setup.
func micro(setups []*setup) error {
	fmt.Printf("\n### Follower on another host: microbenchmarks (%d calls a run, median of %d)\n\n", iters, runs)
	fmt.Printf("| benchmark | one host (-n 2) | ")
	for _, s := range setups {
		fmt.Printf("other host, %s | ratio | ", s.name)
	}
	fmt.Printf("bytes on the wire per call (0 ms) |\n|---|---:|")
	for range setups {
		fmt.Printf("---:|---:|")
	}
	fmt.Printf("---:|\n")
	for _, b := range []string{"getcwd", "read_zero", "sched_yield"} {
		if !selected(b) {
			continue
		}
		prog := []string{filepath.Join(root, "bench/bin", b), strconv.Itoa(iters)}
		local := []float64{}
		remote := make([][]float64, len(setups))
		var wire float64
		for r := 0; r < runs; r++ {
			log("%s run %d/%d", b, r+1, runs)
			if os.Getenv("BENCH_NOLOCAL") == "" {
				d, err := timed(setups[0].leader(), append([]string{dmvx, "run", "-n", "2", "--"}, prog...)...)
				if err != nil {
					return err
				}
				local = append(local, d.Seconds())
			}
			for i, s := range setups {
				before, _ := s.wireBytes()
				a0 := agentCPU(s)
				d, err := timed(s.leader(), s.remoteRun(prog...)...)
				if os.Getenv("BENCH_STATS") != "" {
					time.Sleep(100 * time.Millisecond)
					log("agent side cpu: %.3f s", agentCPU(s)-a0)
				}
				if err != nil {
					return err
				}
				after, _ := s.wireBytes()
				remote[i] = append(remote[i], d.Seconds())
				if i == 0 {
					wire = float64(after-before) / float64(iters)
				}
			}
		}
		l := median(local)
		fmt.Printf("| %s | %.3f s |", b, l)
		for i := range setups {
			m := median(remote[i])
			fmt.Printf(" %.3f s | %.1fx |", m, m/l)
		}
		fmt.Printf(" %.0f |\n", wire)
	}
	return nil
}

var reqRE = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// lighttpd: wrk -c10 and -c1 on the leader's host against lighttpd under
// one-host dmvx and with its follower on the other host.
func lighttpd(setups []*setup, tmp string) error {
	www := filepath.Join(tmp, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		return err
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 256)
	if err := os.WriteFile(filepath.Join(www, "file.bin"), body, 0o644); err != nil {
		return err
	}
	conf := filepath.Join(tmp, "lighttpd.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = 8080\nserver.errorlog = %q\n",
		www, filepath.Join(tmp, "error.log"))), 0o644); err != nil {
		return err
	}
	fmt.Printf("\n### Follower on another host: lighttpd, 4 KiB file (wrk -t1, %d s, median of %d)\n\n", wrkSecs, runs)
	fmt.Printf("| setup | -c10 req/s | vs one host | -c1 req/s | vs one host | bytes on the wire per request |\n|---|---:|---:|---:|---:|---:|\n")
	type res struct{ c10, c1, wire []float64 }
	modes := []string{"one host (-n 2)"}
	for _, s := range setups {
		modes = append(modes, "other host, "+s.name)
	}
	results := make([]res, len(modes))
	for r := 0; r < runs; r++ {
		for i := range modes {
			if i == 0 && os.Getenv("BENCH_NOLOCAL") != "" {
				continue
			}
			log("lighttpd %s run %d/%d", modes[i], r+1, runs)
			s := setups[0]
			args := []string{dmvx, "run", "-n", "2", "--", "/usr/sbin/lighttpd", "-D", "-f", conf}
			if os.Getenv("BENCH_STATS") != "" {
				args = []string{dmvx, "run", "-n", "2", "--stats", "--", "/usr/sbin/lighttpd", "-D", "-f", conf}
			}
			if i > 0 {
				s = setups[i-1]
				args = s.remoteRun("/usr/sbin/lighttpd", "-D", "-f", conf)
			}
			c10, c1, w, err := serve(s, args, i > 0)
			if err != nil {
				return err
			}
			results[i].c10 = append(results[i].c10, c10)
			results[i].c1 = append(results[i].c1, c1)
			results[i].wire = append(results[i].wire, w)
		}
	}
	b10, b1 := median(results[0].c10), median(results[0].c1)
	for i, m := range modes {
		c10, c1 := median(results[i].c10), median(results[i].c1)
		wire := "-"
		if i > 0 {
			wire = fmt.Sprintf("%.0f", median(results[i].wire))
		}
		fmt.Printf("| %s | %.0f | %.0f%% | %.0f | %.0f%% | %s |\n", m, c10, 100*c10/b10, c1, 100*c1/b1, wire)
	}
	return nil
}

// serve starts lighttpd with args on the setup's leader host, runs wrk -c10
// then -c1 there, and stops it.
func serve(s *setup, args []string, remote bool) (c10, c1, wirePerReq float64, err error) {
	h := s.leader()
	srv := h.Command("", args[0], args[1:]...)
	var out bytes.Buffer
	srv.Stdout, srv.Stderr = &out, &out
	if err := srv.Start(); err != nil {
		return 0, 0, 0, err
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
		if os.Getenv("BENCH_STATS") != "" && srv.ProcessState != nil {
			log("%s\ncpu: user %v sys %v", out.String(), srv.ProcessState.UserTime(), srv.ProcessState.SystemTime())
		}
	}()
	url := "http://127.0.0.1:8080/file.bin"
	for deadline := time.Now().Add(30 * time.Second); ; {
		if h.Command("", "curl", "-sf", "-o", "/dev/null", "--max-time", "2", url).Run() == nil {
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, 0, fmt.Errorf("lighttpd did not answer:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	wrk := func(c int) (float64, float64, error) {
		before, _ := s.wireBytes()
		o, err := h.Command("", "wrk", "-t1", fmt.Sprintf("-c%d", c), fmt.Sprintf("-d%ds", wrkSecs), url).Output()
		if err != nil {
			return 0, 0, fmt.Errorf("wrk: %v", err)
		}
		after, _ := s.wireBytes()
		m := reqRE.FindSubmatch(o)
		if m == nil {
			return 0, 0, fmt.Errorf("wrk printed no Requests/sec:\n%s", o)
		}
		rps, _ := strconv.ParseFloat(string(m[1]), 64)
		if os.Getenv("BENCH_STATS") != "" && remote {
			log("agent side cpu after wrk -c%d: %.3f s", c, agentCPU(s))
		}
		reqs := rps * float64(wrkSecs)
		w := 0.0
		if remote && reqs > 0 {
			w = float64(after-before) / reqs
		}
		return rps, w, nil
	}
	if c10, wirePerReq, err = wrk(10); err != nil {
		return
	}
	c1, _, err = wrk(1)
	return
}
