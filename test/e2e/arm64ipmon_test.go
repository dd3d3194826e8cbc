package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// IP-MON on arm64 (docs/cross-isa.md): every variant on the emulated
// arm64 host, with the arm64 IP-MON. Each program gives there what it
// gives natively there, IP-MON registers, and the calls it takes go the
// direct way.

const (
	guestDmvx = "/opt/dmvx/bin/dmvx"
	guestBins = "/opt/dmvx/testdata/bin-arm64/"
)

var directCalls = regexp.MustCompile(`calls by path \(leader\): direct (\d+) `)

func TestARM64IPMON(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	dir := t.TempDir()
	words := filepath.Join(dir, "words")
	g.mirror(t, words, []byte("pear\napple\nfig\napple\n"))
	for _, c := range []struct {
		name   string
		argv   []string
		ns     []int
		direct bool // IP-MON takes some of its calls
	}{
		{"fileio", []string{guestBins + "fileio", dir}, []int{2, 3}, true},
		// A read blocked in IP-MON's gate, interrupted by a signal with
		// and without SA_RESTART: arm64 rewinds the call before CP-MON
		// sees the stop.
		{"sigread", []string{guestBins + "sigread"}, []int{2, 3}, false},
		{"threads", []string{guestBins + "threads"}, []int{2}, false},
		{"signals", []string{guestBins + "signals"}, []int{2}, true},
		{"sem_signal", []string{guestBins + "sem_signal"}, []int{2}, false},
		{"forkwrite", []string{guestBins + "forkwrite", "20"}, []int{2}, true},
		{"segv", []string{guestBins + "segv"}, []int{2}, false},
		{"cat", []string{"/usr/bin/cat", words}, []int{2}, true},
		{"bash", []string{"/usr/bin/bash", "-c", "sort " + words + " | uniq -c; echo $((6*7)); head -2 " + words}, []int{2, 3}, true},
	} {
		for _, n := range c.ns {
			t.Run(c.name+"/n="+strconv.Itoa(n), func(t *testing.T) {
				nat := g.exec(t, nil, c.argv...)
				d := g.exec(t, nil, append([]string{guestDmvx, "run", "-n", strconv.Itoa(n), "--stats", "--"}, c.argv...)...)
				if d.code != nat.code || string(d.stdout) != string(nat.stdout) {
					t.Errorf("exit %d, stdout %q; natively exit %d, stdout %q\nstderr:\n%s", d.code, d.stdout, nat.code, nat.stdout, d.stderr)
				}
				stats := string(d.stderr)
				if !strings.Contains(stats, "IP-MON: on") || strings.Contains(stats, "no program image loaded it") {
					t.Errorf("IP-MON did not run:\n%s", stats)
				}
				m := directCalls.FindStringSubmatch(stats)
				if m == nil {
					t.Fatalf("no IP-MON figures in the stats:\n%s", stats)
				}
				if direct, _ := strconv.Atoi(m[1]); c.direct && direct == 0 {
					t.Errorf("IP-MON took none of the calls:\n%s", stats)
				}
			})
		}
	}
}

// A difference in the calls IP-MON takes itself (getppid, getuid: the
// variants branch on their addresses) is found by IP-MON, in the arm64
// variants as in the amd64 ones.
func TestARM64IPMONDivergence(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	d := g.exec(t, nil, guestDmvx, "run", "-n", "2", "--", guestBins+"branch_addr")
	if d.code != 86 || !strings.Contains(string(d.stderr), "divergence") || !strings.Contains(string(d.stderr), "(IP-MON, record") {
		t.Fatalf("exit %d, want 86 for a divergence IP-MON found\n%s", d.code, d.stderr)
	}
	if strings.Contains(string(d.stdout), "done") {
		t.Errorf("the program ran past the divergence: %q", d.stdout)
	}
}

// IP-MON in the arm64 follower host's executor: a leader on the arm64
// host with its follower behind that host's own agent (two hosts of one
// instruction set, on one machine), IP-MON in both variants.
func TestARM64IPMONFollowerHost(t *testing.T) {
	defaultConfig(t)
	g := arm64Guest(t)
	words := filepath.Join(t.TempDir(), "words")
	g.mirror(t, words, []byte("pear\napple\nfig\napple\n"))
	const c = "/opt/dmvx/certs/"
	run := []string{guestDmvx, "run", "--stats", "--follower", "127.0.0.1:7700",
		"--cert", c + "leader.crt", "--key", c + "leader.key", "--ca", c + "ca.crt", "--"}
	for _, p := range []struct {
		name   string
		argv   []string
		direct bool
	}{
		{"cat", []string{"/usr/bin/cat", words}, true},
		{"sigread", []string{guestBins + "sigread"}, false},
		{"forkwrite", []string{guestBins + "forkwrite", "5"}, false},
		{"bash", []string{"/usr/bin/bash", "-c", "sort " + words + " | uniq -c; echo $((6*7))"}, true},
	} {
		t.Run(p.name, func(t *testing.T) {
			nat := g.exec(t, nil, p.argv...)
			d := g.exec(t, nil, append(append([]string(nil), run...), p.argv...)...)
			if d.code != nat.code || string(d.stdout) != string(nat.stdout) {
				t.Errorf("exit %d, stdout %q; natively exit %d, stdout %q\nstderr:\n%s", d.code, d.stdout, nat.code, nat.stdout, d.stderr)
			}
			m := directCalls.FindStringSubmatch(string(d.stderr))
			if m == nil || !strings.Contains(string(d.stderr), "IP-MON: on") {
				t.Fatalf("IP-MON did not run:\n%s", d.stderr)
			}
			if direct, _ := strconv.Atoi(m[1]); p.direct && direct == 0 {
				t.Errorf("IP-MON took none of the calls:\n%s", d.stderr)
			}
		})
	}
}
