package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// procLinks matches the link count of /proc in `ls -la /`: it counts the
// processes on the machine, and dmvx adds some, so it is masked.
var procLinks = regexp.MustCompile(`(?m)^(dr-xr-xr-x\s+)\d+(\s.*\sproc)$`)

func TestLsRoot(t *testing.T) {
	argv := []string{"ls", "-la", "/"}
	mask := func(r *result) { r.stdout = procLinks.ReplaceAll(r.stdout, []byte("${1}N${2}")) }
	eachN(t, func(t *testing.T, n int) {
		// Other activity on the machine may touch / between two runs (a
		// directory's time or link count), so a mismatch is retried with a
		// fresh native run next to it; a real difference persists.
		var nat, d result
		for try := 0; try < 3; try++ {
			nat = native(t, opts{}, argv...)
			d = underDmvx(t, opts{}, variants(n), argv...)
			mask(&nat)
			mask(&d)
			if bytes.Equal(nat.stdout, d.stdout) {
				break
			}
		}
		if nat.code != 0 || len(lines(nat.stdout)) < 5 {
			t.Fatalf("native ls -la / failed: %d\n%s%s", nat.code, nat.stdout, nat.stderr)
		}
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
	})
}

func TestCat(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "text", []byte("one\ntwo\n\tthree with a tab\nno newline at the end"), 0o644)
	t.Run("files", func(t *testing.T) {
		compare(t, opts{}, "cat", "/etc/passwd", "/etc/os-release", f)
	})
	// Stdin passes through as if the program ran alone.
	t.Run("stdin", func(t *testing.T) {
		compare(t, opts{stdin: []byte("from stdin\nsecond line\n")}, "cat", "-", f, "-")
	})
	// A missing file: message on stderr, status 1, output still identical.
	t.Run("missing", func(t *testing.T) {
		compare(t, opts{}, "cat", f, dir+"/does-not-exist")
	})
}

func TestSortUniq(t *testing.T) {
	var words strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&words, "word%d\n", (i*7919)%37)
	}
	f := writeFile(t, t.TempDir(), "words", []byte(words.String()), 0o644)
	nat := compare(t, opts{}, "bash", "-c", `sort "$1" | uniq -c | sort -k1,1nr -k2`, "bash", f)
	if len(lines(nat.stdout)) != 37 {
		t.Errorf("native sort | uniq -c printed %d lines, want 37", len(lines(nat.stdout)))
	}
}

func TestSha256sum(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, 1<<20)
	rand.Read(big)
	f := writeFile(t, dir, "random.bin", big, 0o644)
	empty := writeFile(t, dir, "empty", nil, 0o644)
	compare(t, opts{}, "sha256sum", "/etc/passwd", "/usr/bin/bash", "/usr/bin/ls", f, empty)
}
