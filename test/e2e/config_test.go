package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// dmvx run --config FILE: the file's settings apply, flags on the command
// line win over them, and a bad file is dmvx's error (125), named.
func TestConfigFile(t *testing.T) {
	defaultConfig(t) // the file sets --policy itself
	write := func(body string) string {
		p := filepath.Join(t.TempDir(), "dmvx.toml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	getcwd := benchBin("getcwd")
	nat := native(t, opts{}, getcwd, "100")
	cfg := write("variants = 3\npolicy = \"base\"\ndeadline = \"5s\"\n")

	d := underDmvx(t, opts{}, []string{"--config", cfg}, getcwd, "100")
	sameOutput(t, nat, d)
	checkOK(t, d, 3, nat)
	if st := stats(t, d); st.IPMON != "on, policy base" {
		t.Errorf("stats.ipmon %q, want the file's policy base", st.IPMON)
	}

	d = underDmvx(t, opts{}, []string{"--config", cfg, "--policy", "nonsocket-ro", "-n", "2"}, getcwd, "100")
	checkOK(t, d, 2, nat)
	if st := stats(t, d); st.IPMON != "on, policy nonsocket-ro" {
		t.Errorf("stats.ipmon %q, want the command line's nonsocket-ro", st.IPMON)
	}

	for _, tc := range []struct {
		name, body, says string
	}{
		{"a misspelt key", "polcy = \"base\"\n", "unknown key(s) polcy"},
		{"a syntax error", "policy = \n", "line 1"},
		{"a bad deadline", "deadline = \"soon\"\n", "deadline"},
		{"a bad policy", "policy = \"everything\"\n", "policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCode(t, underDmvx(t, opts{}, []string{"--config", write(tc.body)}, getcwd, "100"), exitOwnError, tc.says)
		})
	}
	t.Run("a missing file", func(t *testing.T) {
		checkCode(t, underDmvx(t, opts{}, []string{"--config", filepath.Join(t.TempDir(), "none.toml")}, getcwd, "100"),
			exitOwnError, "none.toml")
	})
}
