package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dmvx/internal/netlab"
)

// Several hosts: network namespaces joined by a bridge (internal/netlab),
// each with a private overlay of the machine's files. h0 runs the leader;
// the agents run on the hosts after it; the last host runs each program
// natively, in a file system as fresh as the others', for reference.

const agentPort = "7700"

type hostsLab struct {
	lab    *netlab.Lab
	certs  string
	agents map[int]*agentProc
	allow  []string
}

type agentProc struct {
	h       *netlab.Host
	addr    string
	metrics string
	r       *running
	log     *syncBuffer
}

// syncBuffer is a bytes.Buffer that a command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Bytes is a copy of what was written so far.
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// hostAllow is what every test agent may run.
func hostAllow() []string {
	out := []string{"/usr/bin/ls", "/usr/bin/cat", "/usr/bin/sort", "/usr/bin/sha256sum", "/usr/bin/bash", "/usr/bin/env", lighttpd, python}
	for _, b := range []string{"hello", "nondet", "threads", "signals", "sigread", "sem_signal", "fileio",
		"exitcode", "segv", "syscalls", "forkwrite", "write_a", "write_b", "spin_yes", "hello_static", "open_a", "open_b", "stat_a", "stat_b", "fork_a", "fork_b", "vulnsvc", "escape", "escape_yes", "gate_jump", "gate_jump_yes"} {
		out = append(out, testBin(b))
	}
	return out
}

// newHostsLab makes n hosts, certificates for each, and starts an agent on
// each of hosts 1 to agents.
func newHostsLab(t *testing.T, n, agents int, labOpts ...netlab.Option) *hostsLab {
	t.Helper()
	defaultConfig(t)
	if os.Geteuid() != 0 {
		t.Skip("test hosts need root")
	}
	lab, err := netlab.New(n, labOpts...)
	if err != nil {
		t.Fatal(err)
	}
	hl := &hostsLab{lab: lab, agents: map[int]*agentProc{}, allow: hostAllow()}
	// The hosts' first processes are ours, not leftovers of a run.
	live.Lock()
	for _, h := range lab.Hosts {
		live.pids[h.Pid()] = true
	}
	live.Unlock()
	t.Cleanup(func() {
		for _, a := range hl.agents {
			a.stop(t)
		}
		if err := lab.Close(); err != nil {
			t.Errorf("removing the test hosts: %v", err)
		}
		live.Lock()
		for _, h := range lab.Hosts {
			delete(live.pids, h.Pid())
		}
		live.Unlock()
	})
	hl.certs = t.TempDir()
	names := []string{"leader"}
	for _, h := range lab.Hosts {
		names = append(names, h.Addr.String())
	}
	if r := run(t, opts{}, dmvx, "certs", "init", hl.certs); r.code != 0 {
		t.Fatalf("certs init: %s", r.stderr)
	}
	if r := run(t, opts{}, append([]string{dmvx, "certs", "issue", hl.certs}, names...)...); r.code != 0 {
		t.Fatalf("certs issue: %s", r.stderr)
	}
	for i := 1; i <= agents; i++ {
		hl.startAgent(t, i)
	}
	return hl
}

func (hl *hostsLab) host(i int) *netlab.Host { return hl.lab.Hosts[i] }

// ref is the host that runs programs natively.
func (hl *hostsLab) ref() *netlab.Host { return hl.lab.Hosts[len(hl.lab.Hosts)-1] }

func (hl *hostsLab) tlsFlags(name string) []string {
	return []string{"--cert", filepath.Join(hl.certs, name+".crt"), "--key", filepath.Join(hl.certs, name+".key"),
		"--ca", filepath.Join(hl.certs, "ca.crt")}
}

// startAgent runs dmvx agent on host i and waits until it listens.
func (hl *hostsLab) startAgent(t *testing.T, i int) *agentProc {
	t.Helper()
	h := hl.host(i)
	a := &agentProc{h: h, addr: net.JoinHostPort(h.Addr.String(), agentPort), log: &syncBuffer{}}
	a.metrics = net.JoinHostPort(h.Addr.String(), "9377")
	args := append([]string{"agent", "--listen", a.addr, "--log-level", "debug", "--metrics", a.metrics},
		hl.tlsFlags(h.Addr.String())...)
	for _, p := range hl.allow {
		args = append(args, "--allow", p)
	}
	cmd := h.Command("", dmvx, args...)
	cmd.Stdout, cmd.Stderr = a.log, a.log
	a.r = startCmd(t, cmd)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(a.log.String(), "agent listening"); {
		if a.r.exited() || time.Now().After(deadline) {
			t.Fatalf("agent on %s did not start:\n%s", h.Name, a.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	hl.agents[i] = a
	return a
}

// stop ends an agent with SIGTERM, as systemd would.
func (a *agentProc) stop(t *testing.T) {
	t.Helper()
	if a.r.exited() {
		a.r.wait(t, time.Second)
		return
	}
	a.r.cmd.Process.Signal(os.Interrupt)
	a.r.wait(t, 10*time.Second)
}

// sessions lists the agent's children: the executors of open sessions and
// whatever they left.
func (a *agentProc) sessions() []proc {
	var out []proc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok && p.ppid == a.r.cmd.Process.Pid && p.state != "Z" {
			out = append(out, p)
		}
	}
	return out
}

// idle waits until the agent has no session left, and fails the test if
// it keeps one (a variant left running on the follower host) or has died.
func (a *agentProc) idle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(a.sessions()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := a.sessions(); len(s) > 0 {
		t.Errorf("agent on %s still has a session 5 s after the run: %+v", a.h.Name, s)
	}
	if a.r.exited() {
		t.Errorf("agent on %s exited:\n%s", a.h.Name, a.log)
	}
}

// runIn runs argv in host h, in directory dir, to completion.
func runIn(t *testing.T, h *netlab.Host, dir string, argv ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := h.Command(dir, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	begin := time.Now()
	code, sig := startCmd(t, cmd).wait(t, runTimeout)
	return result{stdout: stdout.Bytes(), stderr: stderr.Bytes(), code: code, signaled: sig, elapsed: time.Since(begin)}
}

// lead runs `dmvx run --follower ADDR... FLAGS -- ARGV` on h0, in dir, and
// reads its report from h0's files.
func (hl *hostsLab) lead(t *testing.T, dir string, followers []int, flags []string, argv ...string) result {
	t.Helper()
	rep := fmt.Sprintf("/tmp/dmvx-report-%d.json", time.Now().UnixNano())
	args := []string{dmvx, "run", "--report", rep}
	for _, i := range followers {
		args = append(args, "--follower", hl.agents[i].addr)
	}
	args = append(args, hl.tlsFlags("leader")...)
	args = append(args, strings.Fields(os.Getenv("DMVX_HOSTS_FLAGS"))...) // for debugging
	args = append(append(append(args, flags...), "--"), argv...)
	r := runIn(t, hl.host(0), dir, args...)
	if os.Getenv("DMVX_HOSTS_FLAGS") != "" {
		t.Logf("leader's stderr:\n%s", r.stderr)
	}
	r.rep = hl.report(t, rep)
	checkNoLeftovers(t, nil)
	for _, i := range followers {
		hl.agents[i].idle(t)
	}
	return r
}

// report reads the --report file rep from h0's files: nil when dmvx wrote
// none.
func (hl *hostsLab) report(t *testing.T, rep string) *report {
	t.Helper()
	b := runIn(t, hl.host(0), "", "cat", rep)
	if b.code != 0 {
		return nil
	}
	var rp report
	if err := json.Unmarshal(b.stdout, &rp); err != nil {
		t.Fatalf("report: %v\n%s", err, b.stdout)
	}
	return &rp
}

// tree lists the files under dir on host i: type, mode, size and name.
func (hl *hostsLab) tree(t *testing.T, i int, dir string) string {
	t.Helper()
	r := runIn(t, hl.host(i), "", "sh", "-c", `find "$1" -printf '%y %m %s %P\n' | sort`, "sh", dir)
	if r.code != 0 {
		t.Fatalf("find on %s: %s", hl.host(i).Name, r.stderr)
	}
	return string(r.stdout)
}

// TestHostsPrograms runs the engine's test programs with the leader on one
// host and the follower on another: output and exit status as natively.
func TestHostsPrograms(t *testing.T) {
	hl := newHostsLab(t, 3, 1)
	dir := t.TempDir() // in every host's files, private to each
	writeFile(t, dir, "log", []byte("pre-existing line\n"), 0o644)
	writeFile(t, dir, "words", []byte("pear\napple\nfig\napple\n"), 0o644)
	cases := []struct {
		name string
		argv []string
	}{
		{"hello", []string{testBin("hello"), "one", "two words", ""}},
		{"nondet", []string{testBin("nondet")}},
		{"threads", []string{testBin("threads")}},
		{"signals", []string{testBin("signals")}},
		{"sigread", []string{testBin("sigread")}},
		{"sem_signal", []string{testBin("sem_signal")}},
		{"exitcode", []string{testBin("exitcode")}},
		{"segv", []string{testBin("segv")}},
		{"forkwrite", []string{testBin("forkwrite")}},
		{"fileio", []string{testBin("fileio"), dir}},
		{"syscalls", []string{testBin("syscalls"), filepath.Join(dir, "sc")}},
		{"bash", []string{"/usr/bin/bash", "-c", bashScript, "bash", dir}},
		{"ls", []string{"/usr/bin/ls", "-la", "/usr/bin"}},
		{"sort", []string{"/usr/bin/sort", filepath.Join(dir, "words")}},
		{"sha256sum", []string{"/usr/bin/sha256sum", "/usr/bin/bash", testBin("hello")}},
		{"python3", []string{python, "-c", `import hashlib, json, os, sys
print(json.dumps({"squares": [i * i for i in range(12)]}, sort_keys=True))
print(hashlib.sha256(b"dmvx" * 1000).hexdigest())
print(sorted(os.listdir("/etc"))[:8])
print(os.uname().nodename == os.uname().nodename, os.getcwd())
sys.exit(4)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "syscalls" {
				for _, h := range []*netlab.Host{hl.host(0), hl.host(1), hl.ref()} {
					runIn(t, h, "", "mkdir", "-p", filepath.Join(dir, "sc"))
				}
			}
			nat := runIn(t, hl.ref(), dir, c.argv...)
			d := hl.lead(t, dir, []int{1}, nil, c.argv...)
			if c.name != "nondet" {
				sameOutput(t, nat, d)
			}
			if c.name == "nondet" {
				if got := lines(d.stdout); len(got) == 0 || got[len(got)-1] != "consistent" {
					t.Errorf("stdout:\n%s", d.stdout)
				}
			} else if !bytes.Equal(nat.stdout, d.stdout) {
				t.Errorf("stdout differs from the native run's:\n%s", diff(nat.stdout, d.stdout))
			}
			checkOK(t, d, 2, nat)
			if c.name == "syscalls" || c.name == "bash" || c.name == "fileio" {
				// The follower host keeps its own copy of the files the
				// program changed: the same tree as the leader host's.
				lead, follow := hl.tree(t, 0, dir), hl.tree(t, 1, dir)
				if lead != follow {
					t.Errorf("files on the follower host differ from the leader host's:\n%s", diff([]byte(lead), []byte(follow)))
				}
			}
			if d.rep != nil && len(d.rep.Variants) == 2 && d.rep.Variants[1].Host != hl.agents[1].addr {
				t.Errorf("report: follower on host %q, want %q", d.rep.Variants[1].Host, hl.agents[1].addr)
			}
			if (c.name == "sort" || c.name == "python3" || c.name == "fileio") && d.rep != nil && d.rep.Stats != nil {
				// Dynamically linked: IP-MON runs on both hosts, and its
				// records cross to the follower host.
				if st := d.rep.Stats; !strings.HasPrefix(st.IPMON, "on") || st.DirectCalls == 0 || st.ShippedRecords == 0 {
					t.Errorf("IP-MON across hosts: %q, %d direct calls, %d records shipped", st.IPMON, st.DirectCalls, st.ShippedRecords)
				}
			}
		})
	}
}

// TestHostsThree runs one leader and two follower hosts, then a leader whose
// follower host runs another build (--variant HOST=PATH): the divergence is
// reported on the leader, everything stops, and both agents serve again.
func TestHostsThree(t *testing.T) {
	hl := newHostsLab(t, 4, 2)
	dir := t.TempDir()
	argv := []string{"/usr/bin/bash", "-c", bashScript, "bash", dir}
	writeFile(t, dir, "log", []byte("pre-existing line\n"), 0o644)
	nat := runIn(t, hl.ref(), dir, argv...)
	d := hl.lead(t, dir, []int{1, 2}, nil, argv...)
	sameOutput(t, nat, d)
	checkOK(t, d, 3, nat)

	// A follower here and one on another host, in a fresh directory.
	dir2 := t.TempDir()
	writeFile(t, dir2, "log", []byte("pre-existing line\n"), 0o644)
	d = hl.lead(t, dir2, []int{1}, []string{"-n", "2"}, "/usr/bin/bash", "-c", bashScript, "bash", dir2)
	nat.stdout = bytes.ReplaceAll(nat.stdout, []byte(dir), []byte(dir2))
	sameOutput(t, nat, d)
	checkOK(t, d, 3, nat)
	if d.rep != nil && len(d.rep.Variants) == 3 && (d.rep.Variants[1].Host != "" || d.rep.Variants[2].Host != hl.agents[1].addr) {
		t.Errorf("report hosts: %+v", d.rep.Variants)
	}

	// The same from a config file: followers and certificates.
	cfg := writeFile(t, t.TempDir(), "run.toml", []byte(fmt.Sprintf(`follower = [%q, %q]
cert = %q
key = %q
ca = %q
link_timeout = "3s"
`, hl.agents[1].addr, hl.agents[2].addr, filepath.Join(hl.certs, "leader.crt"),
		filepath.Join(hl.certs, "leader.key"), filepath.Join(hl.certs, "ca.crt"))), 0o644)
	c := runIn(t, hl.host(0), "", dmvx, "run", "--config", cfg, "--", testBin("hello"))
	if c.code != 0 || !bytes.Contains(c.stdout, []byte("hello, world")) {
		t.Errorf("with --config: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	checkNoLeftovers(t, nil)
	hl.agents[1].idle(t)
	hl.agents[2].idle(t)

	h2 := hl.host(2).Addr.String()
	d = hl.lead(t, dir, []int{1, 2}, []string{"--variant", h2 + "=" + testBin("write_b")}, testBin("write_a"))
	if d.code != 86 {
		t.Fatalf("dmvx exit status %d, want 86 (divergence)\nstderr:\n%s", d.code, d.stderr)
	}
	if d.rep == nil || d.rep.Divergence == nil || len(d.rep.Variants) != 3 {
		t.Fatalf("report without the divergence: %+v", d.rep)
	}
	// IP-MON on the follower host finds it: its write differs from the
	// leader's record.
	if r := d.rep.Divergence.Reason; !strings.Contains(r, "variant 2") || !strings.Contains(r, h2) {
		t.Errorf("divergence reason %q, want variant 2 and its host %s named", r, h2)
	}
	// A divergence at an open, which the follower host's IP-MON finds by
	// the leader's record (with --no-ipmon, CP-MON compares both calls;
	// TestHostsDelay has the asynchronous case).
	h1 := hl.host(1).Addr.String()
	for _, flags := range [][]string{nil, {"--no-ipmon"}} {
		d = hl.lead(t, dir, []int{1}, append([]string{"--variant", h1 + "=" + testBin("open_b")}, flags...), testBin("open_a"))
		if d.code != 86 || d.rep == nil || d.rep.Divergence == nil {
			t.Fatalf("%v: dmvx exit status %d, want 86 (divergence)\nstderr:\n%s", flags, d.code, d.stderr)
		}
		r := d.rep.Divergence.Reason
		if !strings.Contains(r, "/etc/passwd") {
			t.Errorf("%v: divergence reason %q, want the follower's open named", flags, r)
		}
		if flags != nil && !strings.Contains(r, "/etc/hostname") {
			t.Errorf("%v: divergence reason %q, want the leader's file named too", flags, r)
		}
	}

	// An input file that differs on the follower host: each host reads its
	// own copy, and the digests of the reads' results differ.
	input := filepath.Join(dir, "input.txt")
	runIn(t, hl.host(0), "", "sh", "-c", `echo leader copy > "$1"`, "sh", input)
	runIn(t, hl.host(1), "", "sh", "-c", `echo other copy > "$1"`, "sh", input)
	d = hl.lead(t, dir, []int{1}, nil, "/usr/bin/cat", input)
	if d.code != 86 || d.rep == nil || d.rep.Divergence == nil {
		t.Fatalf("cat of a file that differs between the hosts: exit %d, want 86\n%s%s", d.code, d.stdout, d.stderr)
	}
	if r := d.rep.Divergence.Reason; !strings.Contains(r, "files differ") {
		t.Errorf("divergence reason %q, want the hosts' files named", r)
	}
	t.Logf("%s", d.stderr)

	// A forked child gets IP-MON of its own on the follower host too: its
	// writes take the direct path, and a divergence in them is IP-MON's,
	// found there.
	nat = runIn(t, hl.ref(), "", testBin("forkwrite"), "2000")
	d = hl.lead(t, "", []int{1}, nil, testBin("forkwrite"), "2000")
	sameOutput(t, nat, d)
	checkOK(t, d, 2, nat)
	if d.rep != nil && d.rep.Stats != nil && d.rep.Stats.DirectCalls < 1900 {
		t.Errorf("forkwrite 2000 with a remote follower: %d direct calls, want the child's writes (%q)", d.rep.Stats.DirectCalls, d.rep.Stats.IPMON)
	}
	d = hl.lead(t, "", []int{1}, []string{"--variant", h1 + "=" + testBin("fork_b")}, testBin("fork_a"), "50")
	if d.code != 86 || d.rep == nil || d.rep.Divergence == nil {
		t.Fatalf("fork_a against fork_b: exit %d, want 86\n%s", d.code, d.stderr)
	}
	if r := d.rep.Divergence; r.DetectedBy != "ip-mon" || !strings.Contains(r.Reason, "write") || !strings.Contains(r.Reason, h1) {
		t.Errorf("fork_a against fork_b: %q by %q, want IP-MON's, at a write, on %s", r.Reason, r.DetectedBy, h1)
	}

	d = hl.lead(t, dir, []int{1, 2}, nil, testBin("hello"))
	if d.code != 0 || !slices.Contains(lines(d.stdout), "hello, world") {
		t.Errorf("after the divergence: exit %d\n%s%s", d.code, d.stdout, d.stderr)
	}
}

// TestHostsLighttpd: lighttpd under dmvx on h0, its follower on h1, serves
// curl on the machine through h0's address; SIGTERM stops it as natively.
func TestHostsLighttpd(t *testing.T) {
	hl := newHostsLab(t, 2, 1)
	s := newSiteOn(t, "0.0.0.0", 8080, hl.host(0).Addr.String())
	args := append([]string{dmvx, "run", "--stats", "--follower", hl.agents[1].addr}, hl.tlsFlags("leader")...)
	args = append(args, "--", lighttpd, "-D", "-f", s.conf)
	d := s.serveBy(t, 60*time.Second, func(stdout, stderr *bytes.Buffer) *running {
		cmd := hl.host(0).Command("", args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = stdout, stderr
		return startCmd(t, cmd)
	})
	if d.code != 0 {
		t.Errorf("dmvx exit status %d, want 0 (lighttpd's on SIGTERM)\n%s", d.code, d.stderr)
	}
	checkNoLeftovers(t, nil)
	hl.agents[1].idle(t)
	t.Logf("dmvx stderr:\n%s", d.stderr)
}
