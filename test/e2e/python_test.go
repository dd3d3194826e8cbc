package e2e

import (
	"strconv"
	"strings"
	"testing"
)

const python = "/usr/bin/python3"

// A program whose output depends on time, randomness and its pid: natively
// it differs from run to run, so only its shape is checked, and that dmvx
// raised no alarm.
func TestPythonNondeterministic(t *testing.T) {
	const script = `import os, random, time
print(time.time())
print(random.random())
print(os.getpid())
print(os.urandom(8).hex())
print(time.monotonic())
print("done")
`
	nat := native(t, opts{}, python, "-c", script)
	if nat.code != 0 {
		t.Fatalf("native python3 failed: %d\n%s", nat.code, nat.stderr)
	}
	eachN(t, func(t *testing.T, n int) {
		d := underDmvx(t, opts{}, variants(n), python, "-c", script)
		checkOK(t, d, n, nat)
		got, want := lines(d.stdout), lines(nat.stdout)
		if len(got) != len(want) || len(got) == 0 || got[len(got)-1] != "done" {
			t.Errorf("stdout %q, want %d lines ending in done", got, len(want))
			return
		}
		if pid, err := strconv.Atoi(got[2]); err != nil || pid <= 0 {
			t.Errorf("os.getpid() printed %q", got[2])
		}
		if len(got[3]) != 16 {
			t.Errorf("os.urandom(8).hex() printed %q", got[3])
		}
		if len(d.stderr) != 0 {
			t.Errorf("stderr: %s", d.stderr)
		}
	})
}

func TestPythonDeterministic(t *testing.T) {
	const script = `import hashlib, json, os, sys
print(json.dumps({"squares": [i * i for i in range(12)]}, sort_keys=True))
print(hashlib.sha256(b"dmvx" * 1000).hexdigest())
print(sorted(os.listdir("/etc"))[:8])
with open("/etc/passwd") as f:
    print(len(f.read().splitlines()), "lines in /etc/passwd")
print("to stderr", file=sys.stderr)
sys.exit(4)
`
	nat := compare(t, opts{}, python, "-c", script)
	if nat.code != 4 || !strings.Contains(string(nat.stdout), "lines in /etc/passwd") {
		t.Fatalf("native python3: %d\n%s%s", nat.code, nat.stdout, nat.stderr)
	}
}
