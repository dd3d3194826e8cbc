package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"dmvx/internal/certs"
	"dmvx/internal/netlab"
	"dmvx/internal/wire"
)

// faultBound is how long a run may take to end after a fault: the link
// timeout (2 s by default) plus the time to kill and report.
const faultBound = 8 * time.Second

// leadBackground starts `dmvx run` on h0 with the follower on host 1 and
// returns it running.
func (hl *hostsLab) leadBackground(t *testing.T, stdout, stderr *bytes.Buffer, argv ...string) *running {
	t.Helper()
	args := append([]string{dmvx, "run", "--follower", hl.agents[1].addr}, hl.tlsFlags("leader")...)
	args = append(append(args, "--"), argv...)
	cmd := hl.host(0).Command("", args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return startCmd(t, cmd)
}

// session returns the pid of the agent's session executor, waiting for it.
func (a *agentProc) session(t *testing.T) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, p := range a.sessions() {
			if strings.Contains(p.cmdline, "follow") {
				return p.pid
			}
		}
	}
	t.Fatalf("no session on %s:\n%s", a.h.Name, a.log)
	return 0
}

// endsWithin waits for a run that a fault must end: exit 125, within the
// bound, the follower host named.
func endsWithin(t *testing.T, r *running, stderr *bytes.Buffer, since time.Time, want string) {
	t.Helper()
	code, _ := r.wait(t, 30*time.Second)
	took := time.Since(since)
	if code != 125 {
		t.Errorf("dmvx exit status %d, want 125\nstderr:\n%s", code, stderr)
	}
	if took > faultBound {
		t.Errorf("the run ended %v after the fault, want at most %v", took.Round(time.Millisecond), faultBound)
	}
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	t.Logf("ended %v after the fault: %s", took.Round(time.Millisecond), strings.TrimSpace(stderr.String()))
}

// servesAgain checks that the agent on host 1 still serves a session.
func (hl *hostsLab) servesAgain(t *testing.T) {
	t.Helper()
	d := hl.lead(t, "", []int{1}, nil, testBin("hello"))
	if d.code != 0 || !bytes.Contains(d.stdout, []byte("hello, world")) {
		t.Errorf("the agent does not serve a new session: exit %d\n%s%s\nagent:\n%s", d.code, d.stdout, d.stderr, hl.agents[1].log)
	}
}

// TestHostsFaults: a follower host that dies, a cut link, certificates of
// another CA, a client that is not a leader, and frames of an earlier
// session. Each ends as docs/hosts.md says, within the bound, with nothing
// left running, and the agent serves the next session.
func TestHostsFaults(t *testing.T) {
	hl := newHostsLab(t, 2, 1)
	spin := testBin("spin_yes") // loops in user code: always mid-run

	t.Run("session killed", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		r := hl.leadBackground(t, &stdout, &stderr, spin)
		pid := hl.agents[1].session(t)
		time.Sleep(300 * time.Millisecond)
		now := time.Now()
		syscall.Kill(pid, syscall.SIGKILL)
		endsWithin(t, r, &stderr, now, "follower host")
		checkNoLeftovers(t, nil)
		hl.agents[1].idle(t)
		hl.servesAgain(t)
	})

	t.Run("agent killed", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		r := hl.leadBackground(t, &stdout, &stderr, spin)
		hl.agents[1].session(t)
		time.Sleep(300 * time.Millisecond)
		now := time.Now()
		a := hl.agents[1]
		syscall.Kill(a.r.cmd.Process.Pid, syscall.SIGKILL)
		endsWithin(t, r, &stderr, now, "follower host")
		a.r.wait(t, 5*time.Second)
		checkNoLeftovers(t, nil)
		hl.startAgent(t, 1)
		hl.servesAgain(t)
	})

	t.Run("link down", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		r := hl.leadBackground(t, &stdout, &stderr, "/usr/bin/bash", "-c", "while :; do echo tick; done")
		hl.agents[1].session(t)
		time.Sleep(500 * time.Millisecond)
		now := time.Now()
		if err := hl.host(1).SetLink(false); err != nil {
			t.Fatal(err)
		}
		endsWithin(t, r, &stderr, now, "silent")
		checkNoLeftovers(t, nil)
		// The follower host's side ends by itself too: its connector
		// hears nothing either.
		hl.agents[1].idle(t)
		if err := hl.host(1).SetLink(true); err != nil {
			t.Fatal(err)
		}
		hl.servesAgain(t)
	})

	t.Run("certificate of another CA", func(t *testing.T) {
		other := t.TempDir()
		if r := run(t, opts{}, dmvx, "certs", "init", other); r.code != 0 {
			t.Fatal(string(r.stderr))
		}
		if r := run(t, opts{}, dmvx, "certs", "issue", other, "leader"); r.code != 0 {
			t.Fatal(string(r.stderr))
		}
		args := []string{dmvx, "run", "--follower", hl.agents[1].addr, "--cert", filepath.Join(other, "leader.crt"),
			"--key", filepath.Join(other, "leader.key"), "--ca", filepath.Join(hl.certs, "ca.crt"), "--", testBin("hello")}
		d := runIn(t, hl.host(0), "", args...)
		if d.code != 125 || len(d.stdout) > 0 || !strings.Contains(string(d.stderr), "certificate") {
			t.Errorf("exit %d, stdout %q; want 125, nothing run, the certificate named\n%s", d.code, d.stdout, d.stderr)
		}
		t.Logf("%s", d.stderr)
		checkNoLeftovers(t, nil)
		if !strings.Contains(hl.agents[1].log.String(), "refused") {
			t.Errorf("the agent's log does not say it refused the leader:\n%s", hl.agents[1].log)
		}
		hl.servesAgain(t)
	})

	t.Run("not a leader", func(t *testing.T) {
		// A plain TCP client sending an HTTP request, from the machine.
		c, err := net.DialTimeout("tcp", hl.agents[1].addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(15 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.0\r\nHost: x\r\n\r\n")
		io.Copy(io.Discard, c)
		c.Close()
		hl.agents[1].idle(t)
		hl.servesAgain(t)
	})

	t.Run("two sessions at once, one ended by a signal", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		r := hl.leadBackground(t, &stdout, &stderr, spin)
		hl.agents[1].session(t)
		// A second leader while the first runs.
		args := append([]string{dmvx, "run", "--follower", hl.agents[1].addr}, hl.tlsFlags("leader")...)
		d := runIn(t, hl.host(0), "", append(args, "--", testBin("hello"))...)
		if d.code != 0 || !bytes.Contains(d.stdout, []byte("hello, world")) {
			t.Errorf("a second session: exit %d\n%s%s", d.code, d.stdout, d.stderr)
		}
		if r.exited() {
			t.Fatalf("the first session ended early:\n%s", stderr.String())
		}
		// SIGTERM to dmvx reaches the program, which dies of it on
		// every host.
		r.cmd.Process.Signal(syscall.SIGTERM)
		code, _ := r.wait(t, faultBound)
		if code != 128+int(syscall.SIGTERM) {
			t.Errorf("dmvx exit status %d, want %d (the program's death by SIGTERM)\n%s", code, 128+int(syscall.SIGTERM), stderr.String())
		}
		checkNoLeftovers(t, nil)
		hl.agents[1].idle(t)
	})

	t.Run("program not allowed", func(t *testing.T) {
		d := hl.lead(t, "", []int{1}, nil, "/usr/bin/true")
		if d.code != 125 || !strings.Contains(string(d.stderr), "--allow") {
			t.Errorf("exit %d, want 125 and the agent's --allow named\n%s", d.code, d.stderr)
		}
		hl.servesAgain(t)
	})

	t.Run("frame of an earlier session", func(t *testing.T) {
		c := hl.dialAgent(t, 1)
		defer c.Close()
		var earlier, now wire.Session
		rand.Read(earlier[:])
		rand.Read(now[:])
		// A valid hello opens this session and starts the variant; then
		// a frame numbered and stamped as in an earlier session.
		w := wire.NewConn(c, now)
		if err := w.Write(wire.Hello, helloPayload(spin)); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		hl.agents[1].session(t)
		old := wire.NewConn(c, earlier)
		old.Write(wire.Verdict, []byte{0, 0, 0, 0})
		old.Flush()
		io.Copy(io.Discard, c)
		hl.agents[1].idle(t)
		// The agent logs the session's end once its executor has exited.
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(hl.agents[1].log.String(), "another session") &&
			time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if log := hl.agents[1].log.String(); !strings.Contains(log, "another session") {
			t.Errorf("the agent's log does not name the frame of another session:\n%s", log)
		}
		hl.servesAgain(t)
	})

	t.Run("leader with another IP-MON build", func(t *testing.T) {
		// The hello asks for IP-MON with an object whose digest is not
		// this host's: refused before anything starts, saying why.
		c := hl.dialAgent(t, 1)
		defer c.Close()
		var s wire.Session
		rand.Read(s[:])
		w := wire.NewConn(c, s)
		p := helloPayload(spin)
		var e wire.Enc
		e.U8(5) // socket-rw
		e.U64(0x7f0000000000)
		e.U8(1) // one object digest: this ISA's
		e.String(runtime.GOARCH)
		e.Bytes(bytes.Repeat([]byte{0xab}, 32))
		p = append(p[:len(p)-1], 1) // IP-MON on, then its fields
		p = append(p, e.Payload()...)
		if err := w.Write(wire.Hello, p); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		f, err := w.Read()
		if err != nil {
			t.Fatalf("no welcome: %v", err)
		}
		if f.Type != wire.Welcome || !bytes.Contains(f.Payload, []byte("another IP-MON build")) {
			t.Errorf("a %s frame: %q, want a refusal naming the IP-MON build", f.Type, f.Payload)
		}
		hl.agents[1].idle(t)
		hl.servesAgain(t)
	})

	checkMetrics(t, hl.agents[1])
}

// The agent's metrics count what happened above.
func checkMetrics(t *testing.T, a *agentProc) {
	t.Helper()
	r := run(t, opts{}, "curl", "-sS", "--max-time", "5", "http://"+a.metrics+"/metrics")
	if r.code != 0 {
		t.Fatalf("metrics: curl exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`dmvx_agent_sessions_total{outcome="ok"}`, `dmvx_agent_sessions_total{outcome="failed"}`,
		"dmvx_agent_handshakes_refused_total", "dmvx_agent_sessions_active 0"} {
		if !bytes.Contains(r.stdout, []byte(want)) {
			t.Errorf("metrics lack %s:\n%s", want, r.stdout)
		}
	}
}

// dialAgent opens a TLS connection to host i's agent as a leader, by hand,
// for frames no dmvx would send.
func (hl *hostsLab) dialAgent(t *testing.T, i int) *tls.Conn {
	t.Helper()
	conf, err := certs.ClientConfig(certs.Files{Cert: filepath.Join(hl.certs, "leader.crt"),
		Key: filepath.Join(hl.certs, "leader.key"), CA: filepath.Join(hl.certs, "ca.crt")}, hl.host(i).Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", hl.agents[i].addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(15 * time.Second))
	return c
}

// helloPayload is a hello for path as docs/protocol.md lays it out.
func helloPayload(path string) []byte {
	var e wire.Enc
	e.String(path)
	e.Strings([]string{path})
	e.Strings([]string{"PATH=/usr/bin:/bin"})
	e.String("/")
	e.U8(0)  // rdtsc not trapped
	e.U32(1) // the leader's monitor: pid 1, uid 0
	e.U32(0)
	e.U32(1) // variant 1
	e.String(runtime.GOARCH)
	e.U8(0) // compared from the start, not from the program's entry
	e.U8(0) // no IP-MON
	return e.Payload()
}

// TestHostsDelay: 200 ms each way between the hosts (a delaying switch:
// this kernel has no netem, see docs/limits.md). The run is slower, and
// completes as natively: heartbeats keep the link alive.
func TestHostsDelay(t *testing.T) {
	hl := newHostsLab(t, 2, 1, netlab.WithDelay())
	for _, i := range []int{0, 1} {
		if err := hl.host(i).SetDelay(delayForTest()); err != nil {
			t.Fatal(err)
		}
	}
	d := hl.lead(t, "", []int{1}, strings.Fields(os.Getenv("DMVX_DELAY_FLAGS")), testBin("hello_static"))
	if d.code != 0 || !bytes.Contains(d.stdout, []byte("hello, world")) {
		t.Errorf("exit %d\n%s%s\nagent:\n%s", d.code, d.stdout, d.stderr, hl.agents[1].log)
	}
	t.Logf("hello_static with 200 ms each way: %v", d.elapsed.Round(time.Millisecond))

	// With the follower host this far behind, the leader makes the
	// loader's and the program's file calls ahead of it (asynchronous
	// replication): a divergence there is found on the follower host, by
	// digest, and still ends the run. With IP-MON in the process too: its
	// records go ahead, and so do the CP-MON calls that leave the
	// descriptor table alone, such as this stat.
	h1 := hl.host(1).Addr.String()
	d = hl.lead(t, "", []int{1}, []string{"--variant", h1 + "=" + testBin("stat_b")}, testBin("stat_a"))
	if d.code != 86 || d.rep == nil || d.rep.Divergence == nil {
		t.Fatalf("dmvx exit status %d, want 86 (divergence)\nstderr:\n%s", d.code, d.stderr)
	}
	r := d.rep.Divergence.Reason
	t.Logf("divergence in %v: %s", d.elapsed.Round(time.Millisecond), r)
	if !strings.Contains(r, "compared by digest") || !strings.Contains(r, "/etc/passwd") {
		t.Errorf("divergence reason %q, want the follower host's digest comparison and its call", r)
	}

}

func delayForTest() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("DMVX_DELAY")); err == nil {
		return d
	}
	return 200 * time.Millisecond
}
