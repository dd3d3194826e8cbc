package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"dmvx/internal/certs"
	"dmvx/internal/connector"
	"dmvx/internal/cpmon"
	"dmvx/internal/wire"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// tlsFlags are the mutual-TLS files of a host.
type tlsFlags struct{ cert, key, ca string }

func (t *tlsFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&t.cert, "cert", "", "this host's certificate (`FILE`, from dmvx certs issue)")
	c.Flags().StringVar(&t.key, "key", "", "this host's private key (`FILE`)")
	c.Flags().StringVar(&t.ca, "ca", "", "the CA certificate every host's chains to (`FILE`)")
}

func (t *tlsFlags) files() certs.Files { return certs.Files{Cert: t.cert, Key: t.key, CA: t.ca} }

// linkFlags say how a connector watches its peer.
type linkFlags struct{ heartbeat, timeout time.Duration }

func (l *linkFlags) add(c *cobra.Command) {
	c.Flags().DurationVar(&l.timeout, "link-timeout", 2*time.Second, "end a session when the peer host sent nothing for this long")
	c.Flags().DurationVar(&l.heartbeat, "heartbeat", 250*time.Millisecond, "send a heartbeat when nothing else went to the peer for this long")
}

func (l *linkFlags) config() connector.Config {
	return connector.Config{Heartbeat: l.heartbeat, Timeout: l.timeout}
}

func (l *linkFlags) args() []string {
	return []string{"--link-timeout", l.timeout.String(), "--heartbeat", l.heartbeat.String()}
}

// socketPair returns two connected ends: one for this process, one as a
// file for a child.
func socketPair() (net.Conn, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	mine := os.NewFile(uintptr(fds[0]), "monitor")
	defer mine.Close()
	c, err := net.FileConn(mine)
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, err
	}
	return c, os.NewFile(uintptr(fds[1]), "connector"), nil
}

// helper starts dmvx itself as a child (a connector or an executor) with
// link as its descriptor 3. It dies with this process.
func helper(link *os.File, args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.ExtraFiles = []*os.File{link}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := startFromSpawner(cmd); err != nil {
		return nil, err
	}
	return cmd, nil
}

// PR_SET_PDEATHSIG fires when the thread that forked the child ends, not
// the process (go.dev/issue/27505), and the runtime ends every thread
// whose goroutine returns while locked to it, as each variant's tracer
// does when its variant is gone. A helper forked from whichever thread the
// caller happened to run on was killed when a tracer later took that
// thread and finished: a connector died at the end of a run and the
// follower host saw the leader leave before the variant's End. Helpers
// are therefore forked from one thread that is never given up.
var (
	spawnOnce sync.Once
	spawnC    = make(chan spawnJob)
)

type spawnJob struct {
	cmd  *exec.Cmd
	errc chan error
}

func startFromSpawner(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		go func() {
			runtime.LockOSThread() // for good: this thread is every helper's parent
			for j := range spawnC {
				j.errc <- j.cmd.Start()
			}
		}()
	})
	errc := make(chan error, 1)
	spawnC <- spawnJob{cmd, errc}
	return <-errc
}

// linkConn is descriptor 3 of a helper.
func linkConn() (net.Conn, error) {
	f := os.NewFile(3, "link")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("descriptor 3 is not the link: %w", err)
	}
	return c, nil
}

// ---- leader side ----

// remoteHosts starts one connector per follower host and returns the
// monitor's side of each; stop ends them.
func remoteHosts(addrs []string, paths map[string]string, leaderPath string, t tlsFlags, l linkFlags) ([]cpmon.Remote, func(), error) {
	var session wire.Session
	_, _ = rand.Read(session[:])
	var rs []cpmon.Remote
	var cmds []*exec.Cmd
	stop := func() {
		for _, r := range rs {
			r.Conn.Close()
		}
		for _, c := range cmds {
			done := make(chan struct{})
			go func() { _ = c.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = c.Process.Kill()
				<-done
			}
		}
	}
	if _, err := certs.ClientConfig(t.files(), "check"); err != nil {
		return nil, nil, err
	}
	for _, addr := range addrs {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("--follower %q: want HOST:PORT", addr)
		}
		path := leaderPath
		if p, ok := paths[host]; ok {
			path = p
		} else if p, ok := paths[addr]; ok {
			path = p
		}
		mine, theirs, err := socketPair()
		if err != nil {
			stop()
			return nil, nil, err
		}
		args := append([]string{"connect", "--addr", addr, "--cert", t.cert, "--key", t.key, "--ca", t.ca}, l.args()...)
		cmd, err := helper(theirs, args...)
		theirs.Close()
		if err != nil {
			mine.Close()
			stop()
			return nil, nil, err
		}
		cmds = append(cmds, cmd)
		rs = append(rs, cpmon.Remote{Addr: addr, Path: path, Conn: mine, Session: session})
	}
	return rs, stop, nil
}

// newConnectCmd is the leader host's connector for one follower host, a
// process of its own: it alone reads from the network.
func newConnectCmd() *cobra.Command {
	var t tlsFlags
	var l linkFlags
	var addr string
	c := &cobra.Command{
		Use:    "connect --addr HOST:PORT",
		Short:  "The leader host's connector to one agent (started by dmvx run)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			local, err := linkConn()
			if err != nil {
				return &exitError{code: 125, msg: err.Error()}
			}
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return &exitError{code: 125, msg: fmt.Sprintf("--addr %q: %v", addr, err)}
			}
			conf, err := certs.ClientConfig(t.files(), host)
			if err != nil {
				return &exitError{code: 125, msg: err.Error()}
			}
			ctx := context.Background()
			tc, err := connector.Dial(ctx, l.config(), addr, conf)
			if err != nil {
				// The monitor reports it: it waits for the agent's
				// welcome, and gets this instead.
				tellMonitor(local, err.Error())
				return nil
			}
			// How the session ended reaches the monitor (an abort frame
			// that says why, or the end of the link), which reports it.
			_ = connector.Pump(ctx, l.config(), connector.Leader, tc, local)
			return nil
		},
	}
	t.add(c)
	l.add(c)
	c.Flags().StringVar(&addr, "addr", "", "the agent's `HOST:PORT`")
	return c
}

// tellMonitor answers the monitor's hello with an abort that says why the
// session could not start.
func tellMonitor(local net.Conn, why string) {
	defer local.Close()
	_ = local.SetDeadline(time.Now().Add(5 * time.Second))
	lw := wire.Accept(local)
	if _, err := lw.Read(); err != nil {
		return
	}
	if lw.Write(wire.Abort, []byte(why)) == nil {
		_ = lw.Flush()
	}
}

// ---- follower side ----

// newFollowCmd is the executor of one session on a follower host, started
// by the agent with the link to it as descriptor 3.
func newFollowCmd() *cobra.Command {
	var allow []string
	var level string
	c := &cobra.Command{
		Use:    "follow",
		Short:  "Run one session's follower variant (started by dmvx agent)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := linkConn()
			if err != nil {
				return &exitError{code: 125, msg: err.Error()}
			}
			log, err := newLogger(level)
			if err != nil {
				return &exitError{code: 125, msg: err.Error()}
			}
			err = cpmon.Follow(cpmon.FollowConfig{Conn: conn, Allow: allow, Log: log.With("pid", os.Getpid())})
			if err != nil {
				return &exitError{code: 125, msg: "session: " + err.Error()}
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&allow, "allow", nil, "an executable the leader may have this host run")
	c.Flags().StringVar(&level, "log-level", "info", "log level")
	return c
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

type agentFlags struct {
	tls     tlsFlags
	link    linkFlags
	listen  string
	allow   []string
	metrics string
	level   string
}

func newAgentCmd() *cobra.Command {
	var f agentFlags
	c := &cobra.Command{
		Use:   "agent --listen ADDR --cert F --key F --ca F --allow PATH...",
		Short: "Serve leaders' sessions on a follower host",
		Long: `Run on each follower host. Accepts leaders whose certificate chains to the CA
(mutual TLS 1.3), runs each session's follower variant under this host's
monitor, and serves the next session when one ends. A leader can only have
it run the executables that --allow names.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return agent(&f) },
	}
	f.tls.add(c)
	f.link.add(c)
	c.Flags().StringVar(&f.listen, "listen", "", "`HOST:PORT` to accept leaders on")
	c.Flags().StringArrayVar(&f.allow, "allow", nil, "an executable (absolute `PATH`) a leader may run here; repeat")
	c.Flags().StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics on `HOST:PORT` (/metrics)")
	c.Flags().StringVar(&f.level, "log-level", "info", "log level: debug, info, warn or error")
	return c
}

// agentMetrics are what --metrics serves.
type agentMetrics struct {
	sessions   *prometheus.CounterVec
	active     prometheus.Gauge
	refusedTLS prometheus.Counter
}

func newAgentMetrics(reg *prometheus.Registry) *agentMetrics {
	m := &agentMetrics{
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmvx_agent_sessions_total", Help: "Sessions ended, by outcome (ok, failed).",
		}, []string{"outcome"}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dmvx_agent_sessions_active", Help: "Sessions running now.",
		}),
		refusedTLS: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmvx_agent_handshakes_refused_total", Help: "Connections refused at the TLS handshake.",
		}),
	}
	reg.MustRegister(m.sessions, m.active, m.refusedTLS)
	return m
}

func agent(f *agentFlags) error {
	log, err := newLogger(f.level)
	if err != nil {
		return &exitError{code: 125, msg: err.Error()}
	}
	if f.listen == "" {
		return &exitError{code: 125, msg: "agent: --listen HOST:PORT is required"}
	}
	if len(f.allow) == 0 {
		return &exitError{code: 125, msg: "agent: no --allow PATH given: it would run nothing"}
	}
	var allow []string
	for _, p := range f.allow {
		if !filepath.IsAbs(p) {
			return &exitError{code: 125, msg: fmt.Sprintf("agent: --allow %q: not an absolute path", p)}
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return &exitError{code: 125, msg: fmt.Sprintf("agent: --allow %q: not an executable file here", p)}
		}
		allow = append(allow, filepath.Clean(p))
	}
	conf, err := certs.ServerConfig(f.tls.files())
	if err != nil {
		return &exitError{code: 125, msg: "agent: " + err.Error()}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: 125, msg: "agent: " + err.Error()}
	}
	reg := prometheus.NewRegistry()
	met := newAgentMetrics(reg)
	if f.metrics != "" {
		ml, err := net.Listen("tcp", f.metrics)
		if err != nil {
			return &exitError{code: 125, msg: "agent: --metrics: " + err.Error()}
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		go func() { _ = http.Serve(ml, mux) }()
	}
	log.Info("agent listening", "addr", ln.Addr().String(), "allow", strings.Join(allow, ","))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		log.Info("agent stopping", "signal", s.String())
		cancel()
		ln.Close()
	}()
	var wg sync.WaitGroup
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Warn("accept", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveSession(ctx, f, allow, conf, conn, log, met)
		}()
	}
	wg.Wait()
	return nil
}

// serveSession runs one leader's session: the TLS handshake, an executor
// process for the variant, and this process as the connector between them.
func serveSession(ctx context.Context, f *agentFlags, allow []string, conf *tls.Config, conn net.Conn, log *slog.Logger, met *agentMetrics) {
	peer := conn.RemoteAddr().String()
	tc, err := connector.Serve(ctx, f.link.config(), conn, conf)
	if err != nil {
		met.refusedTLS.Inc()
		log.Warn("refused", "peer", peer, "err", err)
		return
	}
	leader := ""
	if cs := tc.ConnectionState(); len(cs.PeerCertificates) > 0 {
		leader = cs.PeerCertificates[0].Subject.CommonName
	}
	log = log.With("peer", peer, "leader", leader)
	mine, theirs, err := socketPair()
	if err != nil {
		tc.Close()
		log.Error("session", "err", err)
		return
	}
	args := []string{"follow", "--log-level", f.level}
	for _, p := range allow {
		args = append(args, "--allow", p)
	}
	cmd, err := helper(theirs, args...)
	theirs.Close()
	if err != nil {
		mine.Close()
		tc.Close()
		log.Error("starting the session's executor", "err", err)
		return
	}
	met.active.Inc()
	log.Info("session opened")
	perr := connector.Pump(ctx, f.link.config(), connector.Agent, tc, mine)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		werr = <-done
	}
	met.active.Dec()
	// The executor's status says how the session went; the link ends
	// either way (the leader closes it after the run).
	if werr != nil {
		met.sessions.WithLabelValues("failed").Inc()
		log.Warn("session ended", "link", errString(perr), "executor", errString(werr))
		return
	}
	met.sessions.WithLabelValues("ok").Inc()
	log.Info("session ended", "link", errString(perr))
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
