package e2e

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// exitDivergence is dmvx's exit status when the variants disagree.
const exitDivergence = 86

// checkDivergence checks that a dmvx run stopped as divergent, and, when
// calls are given, that the report names one of them.
func checkDivergence(t *testing.T, d result, n int, calls ...string) {
	t.Helper()
	if d.code != exitDivergence {
		t.Errorf("dmvx exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", d.code, exitDivergence, d.stdout, d.stderr)
	}
	var first string
	sc := bufio.NewScanner(bytes.NewReader(d.stderr))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "dmvx: divergence") {
			first = sc.Text()
			break
		}
	}
	if first == "" {
		t.Errorf("no line starting with %q on stderr:\n%s", "dmvx: divergence", d.stderr)
	}
	if len(calls) > 0 && !slices.ContainsFunc(calls, func(c string) bool { return bytes.Contains(d.stderr, []byte(c)) }) {
		t.Errorf("stderr names none of %v:\n%s", calls, d.stderr)
	}
	if d.rep == nil {
		t.Errorf("dmvx wrote no report")
		return
	}
	if d.rep.Outcome != "divergence" || d.rep.ExitCode != exitDivergence {
		t.Errorf("report: outcome %q exit_code %d, want divergence %d", d.rep.Outcome, d.rep.ExitCode, exitDivergence)
	}
	checkVariants(t, d.rep, n)
	div := d.rep.Divergence
	if div == nil {
		t.Errorf("report has no divergence")
		return
	}
	if len(calls) > 0 && !slices.Contains(calls, div.Call) {
		t.Errorf("report: divergence.call %q, want one of %v", div.Call, calls)
	}
	if div.Reason == "" {
		t.Errorf("report: divergence.reason is empty")
	}
	if len(div.Variants) < 2 {
		t.Errorf("report: divergence lists %d variants, want 2 or more", len(div.Variants))
	}
	for _, v := range div.Variants {
		if len(v.History) > 32 {
			t.Errorf("report: variant %d history has %d calls, want at most 32", v.Index, len(v.History))
		}
	}
	t.Logf("dmvx stderr:\n%s", d.stderr)
}

// variantBuilds returns the flags that run one build per variant, and the
// command line after "--": with --variant, PROG is only the programs'
// argv[0], here the first build's path.
func variantBuilds(paths ...string) (flags, argv []string) {
	for _, p := range paths {
		flags = append(flags, "--variant", p)
	}
	return flags, []string{paths[0]}
}

// Branches on stack and heap addresses: under ASLR the variants make
// different calls (getppid or getuid), and the run stops there.
func TestDivergenceBranchOnAddress(t *testing.T) {
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), testBin("branch_addr"))
		checkDivergence(t, d, n, "getppid", "getuid")
		if bytes.Contains(d.stdout, []byte("done")) {
			t.Errorf("the program ran past the divergence: %q", d.stdout)
		}
	})
}

// A pointer written to stdout: the write differs, and nothing of it reaches
// stdout.
func TestDivergenceLeakedPointer(t *testing.T) {
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), testBin("leak_ptr"))
		checkDivergence(t, d, n, "write")
		if len(d.stdout) != 0 {
			t.Errorf("the leaked pointer reached stdout: %q", d.stdout)
		}
	})
}

// Two builds that open different files: the open differs.
func TestDivergenceVariantBuilds(t *testing.T) {
	flags, argv := variantBuilds(testBin("open_a"), testBin("open_b"))
	d := underDmvx(t, opts{}, flags, argv...)
	checkDivergence(t, d, 2, "openat", "open")
	if len(d.stdout) != 0 {
		t.Errorf("stdout: %q", d.stdout)
	}
}

// A follower that stops making system calls while the leader waits for it:
// the deadline ends the run as divergent, not later than it should.
func TestDivergenceDeadline(t *testing.T) {
	flags, argv := variantBuilds(testBin("spin_no"), testBin("spin_yes"))
	d := underDmvx(t, opts{}, append(flags, "--deadline", "2s"), argv...)
	checkDivergence(t, d, 2)
	if d.elapsed < 2*time.Second || d.elapsed > 30*time.Second {
		t.Errorf("run took %v with --deadline 2s", d.elapsed)
	}
	// The leader's write is not sensitive: IP-MON lets it out without
	// waiting for the followers (asynchronous replication); what the
	// deadline holds back is the exit.
	if s := string(d.stdout); s != "" && s != "x\n" {
		t.Errorf("stdout: %q", d.stdout)
	}
	t.Logf("deadline run took %v", d.elapsed.Round(time.Millisecond))
}

// One build crashes (SIGSEGV) where the other writes: a variant that dies
// alone is a divergence, never the program's own exit status.
func TestDivergenceOneVariantCrashes(t *testing.T) {
	for _, order := range [][]string{{"segv", "hello"}, {"hello", "segv"}} {
		t.Run(order[0]+"-leads", func(t *testing.T) {
			flags, argv := variantBuilds(testBin(order[0]), testBin(order[1]))
			d := underDmvx(t, opts{}, flags, argv...)
			checkDivergence(t, d, 2)
			if len(d.stdout) != 0 {
				t.Errorf("stdout: %q", d.stdout)
			}
		})
	}
}
