package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"dmvx/internal/cpmon"
	"dmvx/internal/launch"
	"dmvx/internal/policy"
	"dmvx/internal/report"

	"github.com/spf13/cobra"
)

type runFlags struct {
	config    string
	n         int
	nSet      bool // -n given, on the command line or in the config
	variants  []string
	report    string
	stats     bool
	verbose   bool
	logLevel  string
	deadline  time.Duration
	policy    string
	noIPMON   bool
	fromEntry bool
	// Several hosts.
	followers []string
	tls       tlsFlags
	link      linkFlags
}

func newRunCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run [flags] -- PROG [ARGS...]",
		Short: "Run PROG as N variants in lockstep under the monitor",
		Long: `Run PROG as N variants in lockstep. Every system call is compared across the
variants; the leader (variant 0) does the real I/O and its results are
replicated into the followers. The run stops at the first divergence.

Exit status: PROG's own when all variants agree; 86 on divergence; 125 for
dmvx's own errors; 126/127 when PROG cannot be executed / found; 128+N when
PROG dies of signal N.

With --variant (once per variant) each variant executes its own build; PROG,
if given, is then only the program's argv[0].

With --follower HOST:PORT (repeat), followers run on other hosts, each under
the dmvx agent there (docs/hosts.md); --cert, --key and --ca are then this
host's mutual-TLS files. --variant HOST=PATH names the executable a follower
host runs (default: the leader's path).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return run(cmd, &f, args) },
	}
	fl := c.Flags()
	fl.SetInterspersed(false)
	fl.StringVar(&f.config, "config", "", "read settings from a TOML `FILE`; flags on the command line win (README, \"Config file\")")
	fl.IntVarP(&f.n, "variants", "n", 2, "number of variants (at least 2)")
	fl.StringArrayVar(&f.variants, "variant", nil, "executable of one variant (repeat once per variant; sets N)")
	fl.StringVar(&f.report, "report", "", "write a JSON report of the run to `FILE`")
	fl.BoolVar(&f.stats, "stats", false, "print a summary of the run on stderr at exit")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log monitor decisions (same as --log-level debug)")
	fl.StringVar(&f.logLevel, "log-level", "", "structured log level: debug, info, warn or error (default: off)")
	fl.DurationVar(&f.deadline, "deadline", 10*time.Second, "how long variants wait at a call for one that does not arrive")
	fl.StringVar(&f.policy, "policy", policy.Default.String(),
		"which calls the in-process monitor may take: base, nonsocket-ro, nonsocket-rw, socket-ro or socket-rw (cumulative)")
	fl.BoolVar(&f.noIPMON, "no-ipmon", false, "run every call through the cross-process monitor (ptrace), without IP-MON")
	fl.BoolVar(&f.fromEntry, "from-entry", false, "compare calls from the program's entry point on, for variants whose dynamic loaders differ (another libc); implied by a follower host of another instruction set; no IP-MON")
	fl.StringArrayVar(&f.followers, "follower", nil, "run a follower on the agent at `HOST:PORT` (repeat; -n then counts this host's variants, default 1)")
	f.tls.add(c)
	f.link.add(c)
	return c
}

func usageErr(c *cobra.Command, format string, args ...any) error {
	return &exitError{code: 125, msg: fmt.Sprintf(format, args...) + "\n" + c.UsageString()}
}

func run(cmd *cobra.Command, f *runFlags, args []string) error {
	f.nSet = cmd.Flags().Changed("variants")
	if f.config != "" {
		if err := applyConfig(cmd, f, f.config); err != nil {
			return &exitError{code: 125, msg: err.Error()}
		}
	}
	hostPaths := map[string]string{}
	if len(f.followers) > 0 {
		var local []string
		for _, v := range f.variants {
			if h, p, ok := strings.Cut(v, "="); ok && isFollower(f.followers, h) {
				if !filepath.IsAbs(p) {
					return usageErr(cmd, "--variant %s: the path on another host must be absolute", v)
				}
				hostPaths[h] = p
				continue
			}
			local = append(local, v)
		}
		f.variants = local
		if !f.nSet && len(local) == 0 {
			f.n = 1
		}
	}
	if len(f.variants) > 0 {
		if f.nSet && f.n != len(f.variants) {
			return usageErr(cmd, "-n %d conflicts with the %d --variant paths given (each --variant is one variant)",
				f.n, len(f.variants))
		}
		f.n = len(f.variants)
	}
	if f.n+len(f.followers) < 2 {
		return usageErr(cmd, "need at least 2 variants, got %d", f.n+len(f.followers))
	}
	if f.n < 1 {
		return usageErr(cmd, "-n: need the leader on this host")
	}
	if len(args) == 0 && len(f.variants) == 0 {
		return usageErr(cmd, "no program given: dmvx run [flags] -- PROG [ARGS...]")
	}
	logger, err := makeLogger(f)
	if err != nil {
		return usageErr(cmd, "%v", err)
	}
	if f.deadline <= 0 {
		return usageErr(cmd, "--deadline must be positive")
	}
	level, err := policy.ParseLevel(f.policy)
	if err != nil {
		return usageErr(cmd, "--policy: %v", err)
	}

	var paths []string
	if len(f.variants) > 0 {
		for _, p := range f.variants {
			rp, err := resolve(p)
			if err != nil {
				return err
			}
			paths = append(paths, rp)
		}
		if len(args) == 0 {
			args = []string{f.variants[0]}
		}
	} else {
		rp, err := resolve(args[0])
		if err != nil {
			return err
		}
		for i := 0; i < f.n; i++ {
			paths = append(paths, rp)
		}
	}

	trap, err := launch.ProbeTSC()
	if err != nil {
		return &exitError{code: 125, msg: err.Error()}
	}
	if trap {
		logger.Info("rdtsc traps (PR_SET_TSC): the leader's counter is replicated")
	} else {
		logger.Info("rdtsc is not trapped on this machine: PR_SET_TSC is accepted but has no effect; variants read their own counters")
	}

	var remotes []cpmon.Remote
	if len(f.followers) > 0 {
		leaderPath, err := filepath.Abs(paths[0])
		if err != nil {
			return &exitError{code: 125, msg: err.Error()}
		}
		rs, stop, err := remoteHosts(f.followers, hostPaths, leaderPath, f.tls, f.link)
		if err != nil {
			return &exitError{code: 125, msg: err.Error()}
		}
		defer stop()
		remotes = rs
	}

	m := cpmon.New(cpmon.Config{
		Paths: paths, Argv: args, Env: os.Environ(),
		Deadline: f.deadline, TrapTSC: trap, Log: logger,
		Policy: level, NoIPMON: f.noIPMON, Remotes: remotes, FromEntry: f.fromEntry,
	})
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				m.Forward(s.(syscall.Signal))
			case <-done:
				return
			}
		}
	}()
	r := m.Run()
	close(done)
	signal.Stop(sigs)

	switch r.Outcome {
	case report.Divergence:
		r.WriteDivergence(os.Stderr)
	case report.Error:
		fmt.Fprintf(os.Stderr, "dmvx: error: %s\n", r.Error)
		fmt.Fprintf(os.Stderr, "dmvx: all variants were killed\n")
	}
	if f.stats && r.Stats != nil {
		r.Stats.Write(os.Stderr)
	}
	if f.report != "" {
		if err := r.WriteJSON(f.report); err != nil {
			fmt.Fprintf(os.Stderr, "dmvx: writing report: %v\n", err)
		}
	}
	if r.ExitCode != 0 {
		return &exitError{code: r.ExitCode}
	}
	return nil
}

// isFollower: h names one of the --follower hosts, as HOST or HOST:PORT.
func isFollower(followers []string, h string) bool {
	for _, a := range followers {
		host, _, _ := net.SplitHostPort(a)
		if h == a || h == host {
			return true
		}
	}
	return false
}

// resolve finds PROG as a shell would, with the shell's exit statuses.
func resolve(prog string) (string, error) {
	p, err := exec.LookPath(prog)
	if err == nil {
		if !strings.Contains(p, "/") {
			p = "./" + p
		}
		return p, nil
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, exec.ErrNotFound):
		return "", &exitError{code: 127, msg: prog + ": command not found"}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, exec.ErrDot):
		return "", &exitError{code: 126, msg: prog + ": permission denied (not executable)"}
	}
	if st, serr := os.Stat(prog); serr == nil && (st.IsDir() || st.Mode()&0o111 == 0) {
		return "", &exitError{code: 126, msg: prog + ": not an executable file"}
	}
	return "", &exitError{code: 127, msg: fmt.Sprintf("%s: %v", prog, err)}
}

func makeLogger(f *runFlags) (*slog.Logger, error) {
	lvl := f.logLevel
	if f.verbose && lvl == "" {
		lvl = "debug"
	}
	if lvl == "" {
		return slog.New(slog.DiscardHandler), nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(lvl)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", lvl)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
