package e2e

import (
	"strings"
	"testing"
)

// --from-entry compares calls from each program's entry point on: the
// loaders (and the constructors of the libraries they load) run on their
// own before it, under an allow-list. It is what a run of two instruction
// sets does (docs/cross-isa.md); here both variants are amd64, so the
// outputs must be the native ones, and a program's execs go through the
// loader phase again. IP-MON registers at the entry, where the program is
// made to call its registration function.
func TestFromEntry(t *testing.T) {
	defaultConfig(t)
	dir := t.TempDir()
	writeFile(t, dir, "words", []byte("pear\napple\nfig\napple\n"), 0o644)
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"hello", []string{testBin("hello"), "one", "two words"}},
		{"threads", []string{testBin("threads")}},
		{"signals", []string{testBin("signals")}},
		{"forkwrite", []string{testBin("forkwrite")}},
		{"hello_static", []string{testBin("hello_static")}},
		{"bash pipeline", []string{"/usr/bin/bash", "-c", "sort " + dir + "/words | uniq -c; ls /usr | head -3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			nat := native(t, opts{}, c.argv...)
			d := underDmvx(t, opts{}, []string{"-n", "3", "--from-entry"}, c.argv...)
			checkOK(t, d, 3, nat)
			sameOutput(t, nat, d)
			if d.rep == nil || d.rep.Stats == nil {
				t.Fatal("no report")
			}
			switch ipm := d.rep.Stats.IPMON; {
			case c.name == "hello_static":
				if !strings.Contains(ipm, "statically linked") {
					t.Errorf("IP-MON: %q, want it off for a static program", ipm)
				}
			case !strings.HasPrefix(ipm, "on,") || strings.Contains(ipm, "no program image loaded it"):
				t.Errorf("IP-MON: %q, want it registered at the entry", ipm)
			}
		})
	}
}

// A library constructor that writes runs in the loader phase, which allows
// no write: the run stops at it, names it, and nothing is left running.
func TestFromEntryLoaderWrite(t *testing.T) {
	defaultConfig(t)
	argv := []string{"/usr/bin/env", "LD_PRELOAD=" + testBin("loader_write.so"), testBin("hello")}
	nat := native(t, opts{}, argv...)
	if !strings.Contains(string(nat.stderr), "constructor ran") {
		t.Fatalf("natively the constructor did not write: %q", nat.stderr)
	}
	d := underDmvx(t, opts{}, []string{"-n", "2", "--from-entry"}, argv...)
	if d.code != 86 {
		t.Fatalf("exit %d, want 86 (divergence)\n%s", d.code, d.stderr)
	}
	if strings.Contains(string(d.stderr), "constructor ran") || strings.Contains(string(d.stdout), "hello, world") {
		t.Errorf("the constructor's write or the program ran:\nstdout %q\nstderr %s", d.stdout, d.stderr)
	}
	if !strings.Contains(string(d.stderr), "write before the program's entry") {
		t.Errorf("the report does not name the loader's write:\n%s", d.stderr)
	}
}

// The same with the follower on another host: its executor runs the
// follower's loader phase by itself.
func TestHostsFromEntry(t *testing.T) {
	defaultConfig(t)
	hl := newHostsLab(t, 2, 1)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"hello", []string{testBin("hello"), "one", "two words"}},
		{"threads", []string{testBin("threads")}},
		{"bash", []string{"/usr/bin/bash", "-c", "ls /usr | head -3; echo $((6*7))"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			nat := runIn(t, hl.ref(), dir, c.argv...)
			d := hl.lead(t, dir, []int{1}, []string{"--from-entry"}, c.argv...)
			sameOutput(t, nat, d)
			checkOK(t, d, 2, nat)
		})
	}
	t.Run("loader write", func(t *testing.T) {
		argv := []string{"/usr/bin/env", "LD_PRELOAD=" + testBin("loader_write.so"), testBin("hello")}
		d := hl.lead(t, dir, []int{1}, []string{"--from-entry"}, argv...)
		if d.code != 86 || !strings.Contains(string(d.stderr), "write before the program's entry") {
			t.Errorf("exit %d, want 86 naming the loader's write:\n%s", d.code, d.stderr)
		}
	})
}
