package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// dmvx certs init and issue make a CA and host certificates that a real
// TLS tool accepts (openssl verify), and refuse bad input with 125,
// replacing nothing.
func TestCertsCommand(t *testing.T) {
	defaultConfig(t)
	dir := filepath.Join(t.TempDir(), "pki")
	if r := run(t, opts{}, dmvx, "certs", "init", dir); r.code != 0 {
		t.Fatalf("certs init: %d\n%s", r.code, r.stderr)
	}
	if r := run(t, opts{}, dmvx, "certs", "issue", dir, "leader", "agent1", "10.0.0.2"); r.code != 0 {
		t.Fatalf("certs issue: %d\n%s", r.code, r.stderr)
	}
	if openssl, err := exec.LookPath("openssl"); err == nil {
		for _, h := range []string{"leader", "agent1", "10.0.0.2"} {
			out, err := exec.Command(openssl, "verify", "-CAfile", filepath.Join(dir, "ca.crt"), filepath.Join(dir, h+".crt")).CombinedOutput()
			if err != nil {
				t.Errorf("openssl verify %s: %v\n%s", h, err, out)
			}
		}
	}
	caKey, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		says string
	}{
		{"a second CA over the first", []string{"certs", "init", dir}, "already exists"},
		{"a host issued twice", []string{"certs", "issue", dir, "agent1"}, "already exists"},
		{"a name with a path", []string{"certs", "issue", dir, "../x"}, "not a usable host name"},
		{"no name", []string{"certs", "issue", dir}, "at least 2"},
		{"no CA", []string{"certs", "issue", t.TempDir(), "h"}, "certs init"},
		{"no command", []string{"certs"}, "init or issue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCode(t, run(t, opts{}, append([]string{dmvx}, tc.args...)...), exitOwnError, tc.says)
		})
	}
	after, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil || string(after) != string(caKey) {
		t.Errorf("the CA key changed under bad input")
	}
}
