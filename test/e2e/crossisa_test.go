package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Variants of two instruction sets (docs/cross-isa.md): this machine's
// amd64 leader with a follower on the emulated arm64 host of
// docs/arm64-host.md, and the reverse. The host is built from Debian's
// packages and booted once for the test binary (TestMain stops it); a
// build or boot that fails fails the tests, never skips them.

// guest is the emulated arm64 host while it runs.
type guest struct {
	agent string // 127.0.0.1:PORT: its dmvx agent, from this machine
	certs string // the run's CA, and the leader's and agents' certificates
	qemu  int    // its emulator's pid
}

var (
	guestOnce sync.Once
	guestUp   *guest
	guestErr  error
)

// arm64Guest boots the emulated arm64 host, or returns the one that runs.
func arm64Guest(t *testing.T) *guest {
	t.Helper()
	guestOnce.Do(func() {
		script := filepath.Join(root, "scripts", "arm64-host")
		if out, err := exec.Command(script, "build").CombinedOutput(); err != nil {
			guestErr = fmt.Errorf("building the arm64 host's image: %v\n%s", err, out)
			return
		}
		var stderr bytes.Buffer
		cmd := exec.Command(script, "up")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			guestErr = fmt.Errorf("booting the arm64 host: %v\n%s", err, stderr.Bytes())
			return
		}
		g := &guest{}
		for _, f := range strings.Fields(string(out)) {
			if v, ok := strings.CutPrefix(f, "agent="); ok {
				g.agent = v
			} else if v, ok := strings.CutPrefix(f, "certs="); ok {
				g.certs = v
			}
		}
		if g.agent == "" || g.certs == "" {
			guestErr = fmt.Errorf("scripts/arm64-host up printed %q, want agent=ADDR certs=DIR", out)
			return
		}
		// qemu outlives the script that started it: this process, a
		// child subreaper, inherits it. It is the tests' machine, not a
		// process of a run: the leftover checks pass it over.
		pidText, err := os.ReadFile(filepath.Join(root, "build", "arm64-host", "run", "qemu.pid"))
		if err != nil {
			guestErr = fmt.Errorf("the arm64 host's qemu pid: %v", err)
			return
		}
		if g.qemu, err = strconv.Atoi(strings.TrimSpace(string(pidText))); err != nil {
			guestErr = fmt.Errorf("the arm64 host's qemu pid %q: %v", pidText, err)
			return
		}
		live.Lock()
		live.pids[g.qemu] = true
		live.Unlock()
		guestUp = g
	})
	if guestErr != nil {
		t.Fatal(guestErr)
	}
	return guestUp
}

// stopGuest stops the emulated host if a test booted it, and reaps qemu.
func stopGuest() {
	if guestUp == nil {
		return
	}
	_ = exec.Command(filepath.Join(root, "scripts", "arm64-host"), "down").Run()
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(guestUp.qemu, &ws, syscall.WNOHANG, nil)
	live.Lock()
	delete(live.pids, guestUp.qemu)
	live.Unlock()
}

// exec runs argv in the guest, with stdin, and returns what it did.
func (g *guest) exec(t *testing.T, stdin []byte, argv ...string) result {
	t.Helper()
	args := append([]string{"exec"}, argv...)
	if stdin != nil {
		args = append([]string{"exec", "-i"}, argv...)
	}
	return run(t, opts{stdin: stdin}, append([]string{filepath.Join(root, "scripts", "arm64-host")}, args...)...)
}

// mirror writes the file path with data on the guest too, so that both
// hosts hold the same input at the same path.
func (g *guest) mirror(t *testing.T, path string, data []byte) {
	t.Helper()
	r := g.exec(t, data, "sh", "-c", `mkdir -p "$(dirname "$1")" && cat > "$1"`, "sh", path)
	if r.code != 0 {
		t.Fatalf("writing %s in the arm64 host: exit %d\n%s", path, r.code, r.stderr)
	}
}

// leadArm64 runs `dmvx run` here with the follower on the arm64 host,
// without IP-MON; leadArm64IPMON with it.
func (g *guest) leadArm64(t *testing.T, flags []string, argv ...string) result {
	t.Helper()
	return g.lead(t, append([]string{"--no-ipmon"}, flags...), argv...)
}

func (g *guest) leadArm64IPMON(t *testing.T, flags []string, argv ...string) result {
	t.Helper()
	d := g.lead(t, flags, argv...)
	if d.rep != nil && d.rep.Stats != nil && (!strings.HasPrefix(d.rep.Stats.IPMON, "on,") || strings.Contains(d.rep.Stats.IPMON, "no program image loaded it")) {
		t.Errorf("IP-MON: %q, want it registered", d.rep.Stats.IPMON)
	}
	return d
}

// followerFlags are `dmvx run`'s flags for a leader here with its follower
// on the arm64 host.
func (g *guest) followerFlags() []string {
	return []string{"--follower", g.agent,
		"--cert", filepath.Join(g.certs, "leader.pem"), "--key", filepath.Join(g.certs, "leader-key.pem"),
		"--ca", filepath.Join(g.certs, "ca.pem")}
}

func (g *guest) lead(t *testing.T, flags []string, argv ...string) result {
	t.Helper()
	rep := filepath.Join(t.TempDir(), "report.json")
	args := append(append([]string{dmvx, "run", "--report", rep}, g.followerFlags()...), flags...)
	args = append(append(args, "--"), argv...)
	r := run(t, opts{}, args...)
	r.rep = readReport(t, rep)
	checkNoLeftovers(t, r.rep)
	return r
}

// The test programs and coreutils, amd64 leader and arm64 follower: the
// native output, and the follower really on the arm64 host.
func TestCrossISAPrograms(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	dir := t.TempDir()
	words := []byte("pear\napple\nfig\napple\n")
	writeFile(t, dir, "words", words, 0o644)
	g.mirror(t, filepath.Join(dir, "words"), words)
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"hello", []string{testBin("hello"), "one", "two words", ""}},
		{"nondet", []string{testBin("nondet")}},
		{"threads", []string{testBin("threads")}},
		{"signals", []string{testBin("signals")}},
		{"sigread", []string{testBin("sigread")}},
		{"sem_signal", []string{testBin("sem_signal")}},
		{"forkwrite", []string{testBin("forkwrite"), "20"}},
		{"exitcode", []string{testBin("exitcode")}},
		{"segv", []string{testBin("segv")}},
		{"fileio", []string{testBin("fileio"), dir}},
		{"stdio", []string{testBin("stdio"), "5", filepath.Join(dir, "stdio.out")}},
		{"sort", []string{"/usr/bin/sort", filepath.Join(dir, "words")}},
		// Not wc: it sizes its reads by the ISA (16320 bytes on amd64,
		// 16384 on arm64), a difference dmvx reports (docs/cross-isa.md).
		// ~root is looked up through NSS (nsswitch.conf, then
		// /etc/passwd) whatever the environment holds; so is the user
		// when HOME is unset, as it was in CI.
		{"bash", []string{"/usr/bin/bash", "-c", "sort " + filepath.Join(dir, "words") + " | uniq -c; echo $((6*7)) ~root; head -2 " + filepath.Join(dir, "words")}},
	} {
		for _, withIPMON := range []bool{false, true} {
			name := c.name + "/no-ipmon"
			if withIPMON {
				name = c.name + "/ipmon"
			}
			t.Run(name, func(t *testing.T) {
				// stdio appends to its file: each run starts from none,
				// on both hosts.
				os.Remove(filepath.Join(dir, "stdio.out"))
				nat := native(t, opts{}, c.argv...)
				os.Remove(filepath.Join(dir, "stdio.out"))
				g.exec(t, nil, "rm", "-f", filepath.Join(dir, "stdio.out"))
				var d result
				if withIPMON {
					d = g.leadArm64IPMON(t, nil, c.argv...)
				} else {
					d = g.leadArm64(t, nil, c.argv...)
				}
				if c.name == "nondet" {
					if got := lines(d.stdout); len(got) == 0 || got[len(got)-1] != "consistent" {
						t.Errorf("stdout:\n%s\nstderr:\n%s", d.stdout, d.stderr)
					}
				} else {
					sameOutput(t, nat, d)
				}
				checkOK(t, d, 2, nat)
				if d.rep != nil && len(d.rep.Variants) == 2 && d.rep.Variants[1].Host != g.agent {
					t.Errorf("report: follower on %q, want the arm64 host %s", d.rep.Variants[1].Host, g.agent)
				}
			})
		}
	}
}

// A program whose arm64 build really does something else: the run stops
// at the first call that differs, and says which.
func TestCrossISADivergence(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	d := g.leadArm64(t, nil, testBin("isa_diff"))
	if d.code != 86 {
		t.Fatalf("exit %d, want 86\n%s", d.code, d.stderr)
	}
	if !strings.Contains(string(d.stderr), "running on") || !strings.Contains(string(d.stderr), "divergence") {
		t.Errorf("the report does not show the differing write:\n%s", d.stderr)
	}
	if bytes.Contains(d.stdout, []byte("running on")) {
		t.Errorf("the leader's write went out: %q", d.stdout)
	}
	// With IP-MON in both variants, the same, at a level that leaves
	// writes to CP-MON (above it, the leader's write through IP-MON goes
	// out before a follower checks it: docs/limits.md).
	d = g.lead(t, []string{"--policy", "nonsocket-ro"}, testBin("isa_diff"))
	if d.code != 86 || bytes.Contains(d.stdout, []byte("running on")) {
		t.Errorf("with IP-MON: exit %d, want 86, stdout %q\n%s", d.code, d.stdout, d.stderr)
	}
	checkNoLeftovers(t, nil)
}

// lighttpd, amd64 leader and arm64 follower, serving the same files on both
// hosts: curl through the leader gets them byte-identical.
func TestCrossISALighttpd(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	s := newSite(t)
	for _, f := range []string{s.conf, filepath.Join(s.dir, "www", "file.bin")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		g.mirror(t, f, b)
	}
	for _, mode := range []string{"--no-ipmon", "--policy=socket-rw"} {
		t.Run(strings.TrimPrefix(mode, "--"), func(t *testing.T) {
			args := append(append([]string{dmvx, "run", mode, "--stats"}, g.followerFlags()...), "--", lighttpd, "-D", "-f", s.conf)
			d := s.serve(t, 60*time.Second, args...)
			if d.code != 0 {
				t.Errorf("dmvx exit status %d, want 0 (lighttpd's on SIGTERM)\n%s", d.code, d.stderr)
			}
			if mode != "--no-ipmon" && !directCalls.Match(d.stderr) {
				t.Errorf("no IP-MON figures:\n%s", d.stderr)
			}
			checkNoLeftovers(t, nil)
		})
	}
}

// The roles swapped: the arm64 variant leads, in the guest, and the amd64
// follower runs on this machine under its own agent, which the guest
// reaches as 10.0.2.2.
func TestCrossISAArm64Leader(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	port := freePort(t)
	var log syncBuffer
	agent := exec.Command(dmvx, "agent", "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--cert", filepath.Join(g.certs, "10.0.2.2.crt"), "--key", filepath.Join(g.certs, "10.0.2.2.key"),
		"--ca", filepath.Join(g.certs, "ca.crt"))
	for _, p := range []string{"hello", "threads", "isa_diff", "nondet", "signals", "sigread", "sem_signal", "forkwrite"} {
		agent.Args = append(agent.Args, "--allow", testBin(p))
	}
	agent.Stdout, agent.Stderr = &log, &log
	a := startCmd(t, agent)
	defer func() {
		a.cmd.Process.Kill()
		a.wait(t, 10*time.Second)
	}()
	for _, c := range []struct {
		name string
		argv []string
		code int
	}{
		{"hello", []string{testBin("hello"), "one"}, 0},
		{"threads", []string{testBin("threads")}, 0},
		// time() is clock_gettime on arm64: the amd64 follower gets its
		// seconds from the leader's timespec.
		{"nondet", []string{testBin("nondet")}, 0},
		// Signals that interrupt a call: arm64 rewinds it before the
		// monitor sees the signal.
		{"signals", []string{testBin("signals")}, 0},
		{"sigread", []string{testBin("sigread")}, 0},
		{"sem_signal", []string{testBin("sem_signal")}, 0},
		{"forkwrite", []string{testBin("forkwrite"), "20"}, 0},
		{"isa_diff", []string{testBin("isa_diff")}, 86},
	} {
		for _, mode := range []string{"--no-ipmon", "--policy=socket-rw"} {
			t.Run(c.name+"/"+strings.TrimPrefix(mode, "--"), func(t *testing.T) {
				nat := native(t, opts{}, c.argv...)
				cmd := append([]string{"env", "LC_ALL=C", dmvx, "run", mode, "--follower", fmt.Sprintf("10.0.2.2:%d", port),
					"--cert", "/opt/dmvx/certs/leader.crt", "--key", "/opt/dmvx/certs/leader.key", "--ca", "/opt/dmvx/certs/ca.crt", "--"},
					c.argv...)
				r := g.exec(t, nil, append([]string{"sh", "-c", `cd "$0" && exec "$@"`, root}, cmd...)...)
				if r.code != c.code {
					t.Fatalf("exit %d, want %d\nstdout %q\nstderr %s\nagent's log:\n%s", r.code, c.code, r.stdout, r.stderr, log.Bytes())
				}
				if c.name == "nondet" {
					if got := lines(r.stdout); len(got) == 0 || got[len(got)-1] != "consistent" {
						t.Errorf("stdout:\n%s", r.stdout)
					}
				} else if c.code == 0 && !bytes.Equal(r.stdout, nat.stdout) {
					t.Errorf("stdout differs from the native run's:\n%s", diff(nat.stdout, r.stdout))
				}
			})
		}
	}
}
