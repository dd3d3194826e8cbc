package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here look at IP-MON itself (its figures in the report, what its
// checks catch, what it hides), so they run in the default configuration
// only: IP-MON on, policy socket-rw. Those that pass their own --policy do
// so on top of that default.

// benchBin is the path of a benchmark program built from bench/.
func benchBin(name string) string {
	return filepath.Join(root, "bench", "bin", name)
}

// stats returns the report's stats, failing the test when there are none.
func stats(t *testing.T, d result) *reportStats {
	t.Helper()
	if d.rep == nil || d.rep.Stats == nil {
		t.Fatalf("dmvx wrote no report with stats\nstderr:\n%s", d.stderr)
	}
	return d.rep.Stats
}

// checkIPMONOn checks that IP-MON ran and took at least min of the
// leader's calls.
func checkIPMONOn(t *testing.T, d result, min uint64) {
	t.Helper()
	st := stats(t, d)
	if !strings.HasPrefix(st.IPMON, "on") {
		t.Errorf("stats.ipmon %q, want on", st.IPMON)
	}
	if st.DirectCalls < min {
		t.Errorf("stats.direct_calls %d, want %d or more", st.DirectCalls, min)
	}
}

// checkByIPMON checks that a divergent run was stopped by IP-MON, for a
// reason that mentions each of words.
func checkByIPMON(t *testing.T, d result, words ...string) {
	t.Helper()
	div := d.rep.Divergence
	if div == nil {
		return // checkDivergence said so
	}
	if div.DetectedBy != "ip-mon" {
		t.Errorf("divergence.detected_by %q, want ip-mon", div.DetectedBy)
	}
	for _, w := range words {
		if !strings.Contains(div.Reason, w) {
			t.Errorf("divergence.reason does not mention %q: %q", w, div.Reason)
		}
	}
	if st := stats(t, d); st.IPMONDivergences == 0 {
		t.Errorf("stats.ipmon_divergences is 0 for a divergence IP-MON found")
	}
}

// skipWithoutFSGSBASE skips when a program that reads %gs with rdgsbase
// said, natively, that the CPU or kernel does not let it.
func skipWithoutFSGSBASE(t *testing.T, nat result) {
	t.Helper()
	if string(nat.stdout) == "no fsgsbase\n" {
		t.Skip("no FSGSBASE: rdgsbase faults in user mode")
	}
}

// getcwd is IP-MON's simplest call (every variant executes it, results
// compared): all of them take the direct path, with output as natively.
// read of /dev/zero shows the policy at work: it is not a base call, so
// --policy base leaves it to CP-MON, and nonsocket-ro gives it to IP-MON.
func TestIPMONDirectPath(t *testing.T) {
	defaultConfig(t)
	const calls = 20000
	getcwd := benchBin("getcwd")
	nat := native(t, opts{}, getcwd, "20000")
	if nat.code != 0 {
		t.Fatalf("native getcwd: %d\n%s", nat.code, nat.stderr)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), getcwd, "20000")
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
		checkIPMONOn(t, d, calls)
	})

	const reads = 5000
	for _, tt := range []struct {
		policy string
		// min and max bound direct_calls: a few calls other than the
		// reads (the final printf's write, ...) may take the direct
		// path too.
		min, max uint64
	}{
		{"base", 0, 99},
		{"nonsocket-ro", reads, 2 * reads},
	} {
		t.Run("read_zero/policy="+tt.policy, func(t *testing.T) {
			readZero := benchBin("read_zero")
			nat := native(t, opts{}, readZero, "5000")
			d := underDmvx(t, opts{}, []string{"-n", "2", "--policy", tt.policy}, readZero, "5000")
			sameOutput(t, nat, d)
			checkOK(t, d, 2, nat)
			st := stats(t, d)
			if want := "on, policy " + tt.policy; st.IPMON != want {
				t.Errorf("stats.ipmon %q, want %q", st.IPMON, want)
			}
			if st.DirectCalls < tt.min || st.DirectCalls > tt.max {
				t.Errorf("stats.direct_calls %d, want %d to %d", st.DirectCalls, tt.min, tt.max)
			}
		})
	}
}

// LD_PRELOAD cannot load IP-MON into a statically linked program: dmvx
// runs it on CP-MON alone, correctly, and says why IP-MON is off.
func TestIPMONStatic(t *testing.T) {
	defaultConfig(t)
	argv := []string{testBin("hello_static"), "one", "two words"}
	nat := native(t, opts{}, argv...)
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), argv...)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
		st := stats(t, d)
		if !strings.HasPrefix(st.IPMON, "off:") || !strings.Contains(st.IPMON, "statically linked") {
			t.Errorf("stats.ipmon %q, want off: ... statically linked ...", st.IPMON)
		}
		if st.DirectCalls != 0 {
			t.Errorf("stats.direct_calls %d with IP-MON off", st.DirectCalls)
		}
	})
}

// Two builds that write different bytes through libc's write, which IP-MON
// takes: the follower's check against the leader's record stops the run.
// The leader's own write is already out (asynchronous replication:
// docs/limits.md); nothing after it is.
func TestIPMONDivergenceOnWrite(t *testing.T) {
	defaultConfig(t)
	flags, argv := variantBuilds(testBin("write_a"), testBin("write_b"))
	d := underDmvx(t, opts{}, flags, argv...)
	checkDivergence(t, d, 2, "write")
	checkByIPMON(t, d, "write")
	if bytes.Contains(d.stdout, []byte("done")) {
		t.Errorf("the program ran past the divergence: %q", d.stdout)
	}
	if s := string(d.stdout); s != "" && s != "hello\n" {
		t.Errorf("stdout %q, want nothing or the leader's %q", s, "hello\n")
	}
}

// stdio's writes and reads are made inside glibc, where IP-MON's wrappers
// never see them: CP-MON patches their syscall sites the first time they
// stop there, and from then on IP-MON takes them. The file and the output
// are the native ones.
func TestIPMONSitePatching(t *testing.T) {
	defaultConfig(t)
	const lines = 2000
	argv := func(file string) []string { return []string{testBin("stdio"), strconv.Itoa(lines), file} }
	nat, natFile := runWritingFile(t, nil, argv)
	if nat.code != 0 {
		t.Fatalf("native stdio: %d\n%s", nat.code, nat.stderr)
	}
	eachN(t, func(t *testing.T, n int) {
		d, file := runWritingFile(t, variants(n), argv)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
		if file != natFile {
			t.Errorf("the file differs from the native run's: %d bytes, want %d", len(file), len(natFile))
		}
		// Each line is one write from inside glibc: without patching,
		// every one of them would stop at CP-MON.
		checkIPMONOn(t, d, lines)
		st := stats(t, d)
		if st.SitesPatched == 0 {
			t.Errorf("stats.sites_patched is 0")
		}
		if st.LeaderCPMONCalls > lines/4 {
			t.Errorf("stats.leader_cpmon_calls %d for %d stdio writes: the writes still stop at CP-MON", st.LeaderCPMONCalls, lines)
		}
	})
}

// A shell loop that appends to a file: each `>>` opens an existing file for
// writing (O_WRONLY|O_CREAT|O_APPEND), which IP-MON takes from nonsocket-rw
// on (the first one, which creates the file, is CP-MON's). The leader alone
// writes the file: with three variants, it still holds each line once. At
// nonsocket-ro, every one of those opens stops at CP-MON.
func TestIPMONOpenForWriting(t *testing.T) {
	defaultConfig(t)
	const lines = 1000
	argv := func(file string) []string {
		return []string{"/bin/bash", "-c", `for ((i = 1; i <= ` + strconv.Itoa(lines) + `; i++)); do echo "line $i" >> "$1"; done; echo done`, "bash", file}
	}
	nat, natFile := runWritingFile(t, nil, argv)
	if nat.code != 0 {
		t.Fatalf("native bash: %d\n%s", nat.code, nat.stderr)
	}
	for _, tt := range []struct {
		policy string
		n      int
		// the leader's CP-MON calls: bash's start-up makes about 150,
		// and each open that IP-MON does not take adds one.
		cpmonMax, cpmonMin uint64
	}{
		{"socket-rw", 2, lines / 2, 0},
		{"socket-rw", 3, lines / 2, 0},
		{"nonsocket-rw", 2, lines / 2, 0},
		{"nonsocket-ro", 2, 1 << 62, lines},
	} {
		t.Run(fmt.Sprintf("policy=%s/n=%d", tt.policy, tt.n), func(t *testing.T) {
			d, file := runWritingFile(t, append(variants(tt.n), "--policy", tt.policy), argv)
			sameOutput(t, nat, d)
			checkOK(t, d, tt.n, nat)
			if file != natFile {
				t.Errorf("the file differs from the native run's: %q..., want %q...", head(file), head(natFile))
			}
			st := stats(t, d)
			if st.LeaderCPMONCalls > tt.cpmonMax || st.LeaderCPMONCalls < tt.cpmonMin {
				t.Errorf("stats.leader_cpmon_calls %d for %d appends, want %d to %d", st.LeaderCPMONCalls, lines, tt.cpmonMin, tt.cpmonMax)
			}
		})
	}
}

// A program that appends to a file and reads it back through a read-only
// descriptor, which every variant reads for itself. The leader's writes do
// not wait for followers, but a write must wait until the followers have
// made their own reads from before it, or they read a longer file than the
// leader did. Runs in every configuration: the reads are at CP-MON under
// --no-ipmon and at base, and the stat by name always is.
func TestReadBackWhileWriting(t *testing.T) {
	const lines = "1000"
	nat := native(t, opts{}, testBin("readback"), filepath.Join(t.TempDir(), "f"), lines)
	if nat.code != 0 {
		t.Fatalf("native readback: %d\n%s", nat.code, nat.stderr)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), testBin("readback"), filepath.Join(t.TempDir(), "f"), lines)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
	})
}

// runWritingFile runs the command argv(FILE), where FILE is a new file's
// path: natively when flags is nil, under dmvx with flags otherwise. It
// returns the run and what FILE holds after it.
func runWritingFile(t *testing.T, flags []string, argv func(file string) []string) (result, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "out.txt")
	var r result
	if flags == nil {
		r = native(t, opts{}, argv(file)...)
	} else {
		r = underDmvx(t, opts{}, flags, argv(file)...)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return r, string(data)
}

// head is the start of s, for messages.
func head(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

// Two builds that print different bytes through stdio after 20 lines
// alike: by then fflush's write site is patched, and the follower's IP-MON
// finds the difference there.
func TestIPMONDivergenceAtPatchedSite(t *testing.T) {
	defaultConfig(t)
	flags, argv := variantBuilds(testBin("stdio_a"), testBin("stdio_b"))
	d := underDmvx(t, opts{}, flags, append(argv, "20")...)
	checkDivergence(t, d, 2, "write")
	checkByIPMON(t, d, "write")
	if bytes.Contains(d.stdout, []byte("done")) {
		t.Errorf("the program ran past the divergence: %q", d.stdout)
	}
	if st := stats(t, d); st.SitesPatched == 0 {
		t.Errorf("stats.sites_patched is 0")
	}
}

// A forked child that does not exec (a subshell, a worker) gets IP-MON of
// its own after a few calls: its 2000 writes take the direct path, and the
// output is the native one. A divergence in the child is IP-MON's to find.
func TestIPMONForkedChild(t *testing.T) {
	defaultConfig(t)
	const lines = 2000
	argv := []string{testBin("forkwrite"), strconv.Itoa(lines)}
	nat := native(t, opts{}, argv...)
	if nat.code != 0 {
		t.Fatalf("native forkwrite: %d\n%s", nat.code, nat.stderr)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), argv...)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
		checkIPMONOn(t, d, lines-100)
		if st := stats(t, d); st.LeaderCPMONCalls > lines/4 {
			t.Errorf("stats.leader_cpmon_calls %d for %d writes in a forked child: they still stop at CP-MON", st.LeaderCPMONCalls, lines)
		}
	})
	t.Run("divergence in the child", func(t *testing.T) {
		flags, argv := variantBuilds(testBin("fork_a"), testBin("fork_b"))
		d := underDmvx(t, opts{}, flags, append(argv, "50")...)
		checkDivergence(t, d, 2, "write")
		checkByIPMON(t, d, "write")
	})
	// A bash subshell's loop, the case that made this worth doing.
	t.Run("bash subshell", func(t *testing.T) {
		argv := func(file string) []string {
			return []string{"/bin/bash", "-c", `( for ((i = 0; i < 1000; i++)); do echo "$i" >> "$1"; done ); echo done`, "bash", file}
		}
		nat, natFile := runWritingFile(t, nil, argv)
		d, file := runWritingFile(t, variants(2), argv)
		sameOutput(t, nat, d)
		checkOK(t, d, 2, nat)
		if file != natFile {
			t.Errorf("the file differs from the native run's: %q..., want %q...", head(file), head(natFile))
		}
		if st := stats(t, d); st.LeaderCPMONCalls > 500 {
			t.Errorf("stats.leader_cpmon_calls %d for a subshell's 1000 appends", st.LeaderCPMONCalls)
		}
	})
}

// A follower slower than the leader: 20000 writes of 100 bytes fill the
// 64 KiB replication buffer over and over, so the leader must wait for room
// (rb_leader_waits), and the output must still be the native one, byte for
// byte.
func TestIPMONSlowFollower(t *testing.T) {
	defaultConfig(t)
	const size = 60000 * 100
	nat := native(t, opts{}, testBin("flood"))
	if nat.code != 0 || len(nat.stdout) != size {
		t.Fatalf("native flood: status %d, %d bytes of output, want 0 and %d", nat.code, len(nat.stdout), size)
	}
	flags, argv := variantBuilds(testBin("flood"), testBin("flood_slow"))
	d := underDmvx(t, opts{}, flags, argv...)
	sameOutput(t, nat, d)
	checkOK(t, d, 2, nat)
	checkIPMONOn(t, d, 60000)
	if st := stats(t, d); st.RBLeaderWaits == 0 {
		t.Errorf("stats.rb_leader_waits is 0: the leader never waited for the slow follower")
	}
	t.Logf("slow follower: %v, leader waited %d times", d.elapsed.Round(time.Millisecond), stats(t, d).RBLeaderWaits)
}

// A compromised follower moves its buffer's head: IP-MON in that follower
// must refuse the buffer, not read records no leader wrote.
func TestIPMONTamper(t *testing.T) {
	defaultConfig(t)
	nat := native(t, opts{}, testBin("tamper"))
	skipWithoutFSGSBASE(t, nat)
	t.Run("follower moves head", func(t *testing.T) {
		flags, argv := variantBuilds(testBin("tamper"), testBin("tamper_yes"))
		d := underDmvx(t, opts{}, flags, argv...)
		checkDivergence(t, d, 2)
		checkByIPMON(t, d, "tampered")
	})
	// The leader rewrites the record of its last call: the follower
	// refuses it instead of copying its result.
	t.Run("leader rewrites a record", func(t *testing.T) {
		flags, argv := variantBuilds(testBin("tamper_rec"), testBin("tamper"))
		d := underDmvx(t, opts{}, flags, argv...)
		checkDivergence(t, d, 2)
		checkByIPMON(t, d, "tampered")
	})
}

// IP-MON keeps no pointer to its control page, buffer or gate in the
// variant's writable memory: a program that scans all of it finds none
// (hits: 0). The same scan with the buffer's address planted in a global
// finds it, so a zero means something.
func TestIPMONInfoHiding(t *testing.T) {
	defaultConfig(t)
	hide := testBin("hide")
	nat := native(t, opts{}, hide)
	skipWithoutFSGSBASE(t, nat)
	if nat.code != 0 || string(nat.stdout) != "no ipmon\n" {
		t.Fatalf("native hide: status %d, stdout %q, want 0 and %q\n%s", nat.code, nat.stdout, "no ipmon\n", nat.stderr)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), hide)
		checkOK(t, d, n, result{})
		if got := string(d.stdout); got != "hits: 0\n" {
			t.Errorf("stdout %q, want %q\nstderr:\n%s", got, "hits: 0\n", d.stderr)
		}
	})
	t.Run("planted", func(t *testing.T) {
		d := underDmvx(t, opts{}, variants(2), hide, "leak")
		checkOK(t, d, 2, result{})
		if got := string(d.stdout); !strings.HasPrefix(got, "hits: ") || got == "hits: 0\n" {
			t.Errorf("stdout %q, want hits: 1 or more: the scan cannot find a planted address", got)
		}
	})
}

// arch_prctl(ARCH_GET_GS) would hand the program the address of IP-MON's
// control page: it reads 0, as natively; setting the base is refused
// while IP-MON runs.
func TestIPMONGSBaseHidden(t *testing.T) {
	defaultConfig(t)
	prog := testBin("gsbase")
	nat := native(t, opts{}, prog)
	if want := "ARCH_GET_GS: 0, base 0\nARCH_SET_GS: ok\n"; string(nat.stdout) != want {
		t.Fatalf("native gsbase: %q, want %q", nat.stdout, want)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), prog)
		checkOK(t, d, n, result{})
		if want := "ARCH_GET_GS: 0, base 0\nARCH_SET_GS: refused\n"; string(d.stdout) != want {
			t.Errorf("stdout %q, want %q\nstderr:\n%s", d.stdout, want, d.stderr)
		}
	})
}

// A compromised follower calls IP-MON's gate with a call IP-MON never
// makes (unlinkat): the filter still sends it to CP-MON, which sees it in
// the follower alone and stops the run before anything is unlinked.
func TestIPMONGateJump(t *testing.T) {
	defaultConfig(t)
	dir := t.TempDir()
	victim := writeFile(t, dir, "victim", []byte("still here\n"), 0o644)
	flags, argv := variantBuilds(testBin("gate_jump"), testBin("gate_jump_yes"))
	d := underDmvx(t, opts{dir: dir}, flags, argv...)
	checkDivergence(t, d, 2)
	atUnlink := func(v reportDivVariant) bool { return strings.HasPrefix(v.Call, "unlinkat") }
	if div := d.rep.Divergence; div != nil && !slices.ContainsFunc(div.Variants, atUnlink) {
		t.Errorf("no variant of the divergence is at unlinkat: %+v", div.Variants)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("victim: %v", err)
	}
}
