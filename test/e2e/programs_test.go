package e2e

import (
	"testing"
)

func TestHello(t *testing.T) {
	compare(t, opts{}, testBin("hello"), "one", "two words", "")
}

// nondet is nondeterministic only through time, getrandom, /dev/urandom and
// pids: no alarm, and its own consistency checks pass under dmvx.
func TestNondet(t *testing.T) {
	nat := native(t, opts{}, testBin("nondet"))
	if nat.code != 0 {
		t.Fatalf("native nondet: %d\n%s", nat.code, nat.stdout)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), testBin("nondet"))
		checkOK(t, d, n, nat)
		got := lines(d.stdout)
		if len(got) != len(lines(nat.stdout)) || len(got) == 0 || got[len(got)-1] != "consistent" {
			t.Errorf("stdout:\n%s", d.stdout)
		}
	})
}

func TestThreads(t *testing.T) {
	compare(t, opts{}, testBin("threads"))
}

func TestSignals(t *testing.T) {
	nat := compare(t, opts{}, testBin("signals"))
	if nat.code != 0 || len(lines(nat.stdout)) != 7 {
		t.Fatalf("native signals: %d\n%s", nat.code, nat.stdout)
	}
}

// A read blocked on an empty pipe ends with EINTR when a handler without
// SA_RESTART runs, and goes on with SA_RESTART. Under dmvx the read waits
// in IP-MON's gate, and the signal must end it as the kernel would, in
// every variant.
func TestSignalInterruptsBlockedRead(t *testing.T) {
	nat := compare(t, opts{}, testBin("sigread"))
	want := "read without SA_RESTART: -1 Interrupted system call, alarms 1\nread with SA_RESTART: 1 'x', alarms 3\n"
	if string(nat.stdout) != want {
		t.Fatalf("native sigread: %q, want %q", nat.stdout, want)
	}
}

// A futex wait that only a signal handler ends: the signal must reach the
// followers' waiting thread too.
func TestSemaphoreWokenByHandler(t *testing.T) {
	compare(t, opts{}, testBin("sem_signal"))
}

func TestFileIO(t *testing.T) {
	// One directory for all runs: fileio picks a fresh name each time and
	// unlinks it.
	dir := t.TempDir()
	nat := compare(t, opts{}, testBin("fileio"), dir)
	if nat.code != 0 {
		t.Fatalf("native fileio: %d\n%s%s", nat.code, nat.stdout, nat.stderr)
	}
	if left := readDir(t, dir); len(left) != 0 {
		t.Errorf("files left in %s: %d", dir, len(left))
	}
}

func TestExitCode(t *testing.T) {
	nat := compare(t, opts{}, testBin("exitcode"), "3")
	if nat.code != 3 {
		t.Fatalf("native exitcode 3 exited %d", nat.code)
	}
}

// A program that dies of SIGSEGV: dmvx exits 128+11 and says so.
func TestSegv(t *testing.T) {
	nat := compare(t, opts{}, testBin("segv"))
	if nat.code != 139 || !nat.signaled {
		t.Fatalf("native segv exited %d", nat.code)
	}
}
