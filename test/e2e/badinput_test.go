package e2e

import (
	"bytes"
	"strings"
	"testing"
)

const (
	exitOwnError     = 125
	exitNotFound     = 127
	exitNotExecuting = 126
)

func checkCode(t *testing.T, d result, want int, stderrHas ...string) {
	t.Helper()
	if d.code != want {
		t.Errorf("dmvx exit status %d, want %d\nstderr:\n%s", d.code, want, d.stderr)
	}
	if len(d.stderr) == 0 {
		t.Errorf("dmvx said nothing on stderr")
	}
	for _, s := range stderrHas {
		if !strings.Contains(strings.ToLower(string(d.stderr)), s) {
			t.Errorf("stderr does not mention %q:\n%s", s, d.stderr)
		}
	}
	if bytes.Contains(d.stderr, []byte("dmvx: divergence")) {
		t.Errorf("bad input reported as a divergence:\n%s", d.stderr)
	}
}

func TestNoSuchProgram(t *testing.T) {
	missing := t.TempDir() + "/no-such-program"
	checkCode(t, underDmvx(t, opts{}, variants(2), missing), exitNotFound)
	// Looked up in PATH, as a shell would.
	checkCode(t, underDmvx(t, opts{}, variants(2), "dmvx-e2e-no-such-program"), exitNotFound)
}

func TestNotExecutable(t *testing.T) {
	f := writeFile(t, t.TempDir(), "script.sh", []byte("#!/bin/sh\necho should not run\n"), 0o644)
	d := underDmvx(t, opts{}, variants(2), f)
	checkCode(t, d, exitNotExecuting)
	if len(d.stdout) != 0 {
		t.Errorf("stdout: %q", d.stdout)
	}
}

func TestUnknownFlag(t *testing.T) {
	d := run(t, opts{}, dmvxRun("--no-such-flag", "--", testBin("hello"))...)
	checkCode(t, d, exitOwnError, "usage")
	checkNoLeftovers(t, nil)
}

func TestMissingProgram(t *testing.T) {
	d := run(t, opts{}, dmvxRun("-n", "2")...)
	checkCode(t, d, exitOwnError)
}

// A system call with no rule stops the run: 125, the call and the variant
// named, nothing of the program's output after it.
func TestUnsupportedSyscall(t *testing.T) {
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), testBin("unsupported"))
		checkCode(t, d, exitOwnError, "io_uring_setup", "variant")
		if len(d.stdout) != 0 {
			t.Errorf("the program ran past the call: %q", d.stdout)
		}
	})
}

func TestVariantCountConflict(t *testing.T) {
	hello := testBin("hello")
	flags, argv := variantBuilds(hello, hello)
	d := underDmvx(t, opts{}, append(flags, "-n", "3"), argv...)
	checkCode(t, d, exitOwnError, "variant")
	if len(d.stdout) != 0 {
		t.Errorf("the program ran: %q", d.stdout)
	}
}

// Bad input of the commands for several hosts: each is dmvx's error (125)
// with what is wrong named, before anything runs.
func TestHostsBadInput(t *testing.T) {
	pki := t.TempDir()
	run(t, opts{}, dmvx, "certs", "init", pki)
	run(t, opts{}, dmvx, "certs", "issue", pki, "127.0.0.1", "leader")
	crt := func(name string) []string {
		return []string{"--cert", pki + "/" + name + ".crt", "--key", pki + "/" + name + ".key", "--ca", pki + "/ca.crt"}
	}
	hello := testBin("hello")
	cases := []struct {
		name string
		argv []string
		says []string
	}{
		{"agent without --allow", append([]string{dmvx, "agent", "--listen", "127.0.0.1:0"}, crt("127.0.0.1")...), []string{"--allow"}},
		{"agent with a relative --allow", append([]string{dmvx, "agent", "--listen", "127.0.0.1:0", "--allow", "bin/ls"}, crt("127.0.0.1")...), []string{"absolute"}},
		{"agent with a missing --allow", append([]string{dmvx, "agent", "--listen", "127.0.0.1:0", "--allow", "/no/such/prog"}, crt("127.0.0.1")...), []string{"/no/such/prog"}},
		{"agent without certificates", []string{dmvx, "agent", "--listen", "127.0.0.1:0", "--allow", hello}, []string{"--cert"}},
		{"agent without --listen", append([]string{dmvx, "agent", "--allow", hello}, crt("127.0.0.1")...), []string{"--listen"}},
		{"agent with an unknown flag", []string{dmvx, "agent", "--no-such-flag"}, []string{"usage"}},
		{"follower without certificates", []string{dmvx, "run", "--follower", "127.0.0.1:1", "--", hello}, []string{"--cert"}},
		{"follower without a port", append(append([]string{dmvx, "run", "--follower", "127.0.0.1"}, crt("leader")...), "--", hello), []string{"host:port"}},
		{"no agent there", append(append([]string{dmvx, "run", "--follower", "127.0.0.1:1"}, crt("leader")...), "--", hello), []string{"127.0.0.1:1"}},
		{"a relative path for a host", append(append([]string{dmvx, "run", "--follower", "127.0.0.1:1", "--variant", "127.0.0.1=bin/x"}, crt("leader")...), "--", hello), []string{"absolute"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := run(t, opts{}, c.argv...)
			checkCode(t, d, exitOwnError, c.says...)
			if bytes.Contains(d.stdout, []byte("hello, world")) {
				t.Errorf("the program ran: %q", d.stdout)
			}
			checkNoLeftovers(t, nil)
		})
	}
}
