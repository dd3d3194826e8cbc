package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// bashScript forks, pipes, runs subshells and redirects into files in the
// directory $1. Its stdout, stderr and every file it leaves must match the
// native run's: a line appended with >> appears once, not once per variant.
const bashScript = `
set -e
cd "$1"
echo first > out.txt
echo second >> out.txt
{ echo group1; echo group2; } >> out.txt
( echo in-subshell; cd /; pwd; exit 3 ) > sub.txt || echo "subshell status $?"
echo "appended once" >> log
seq 1 200 | grep 7 | sort -r | head -n 5
x=$(echo command substitution | tr a-z A-Z); echo "$x"
cat out.txt sub.txt | wc -l
for i in 1 2 3; do echo "loop $i" >> loop.txt; done
sort -r < out.txt > sorted.txt
exec 3> fd3.txt; echo "via fd 3" >&3; exec 3>&-
echo to-stderr >&2
ls -1
echo "$(wc -c < log) bytes in log"
`

func TestBashPipesSubshellsRedirections(t *testing.T) {
	// Each run gets its own directory, holding the same file beforehand.
	prepare := func() string {
		dir := t.TempDir()
		writeFile(t, dir, "log", []byte("pre-existing line\n"), 0o644)
		return dir
	}
	natDir := prepare()
	nat := native(t, opts{}, "bash", "-c", bashScript, "bash", natDir)
	if nat.code != 0 {
		t.Fatalf("native bash failed: %d\n%s", nat.code, nat.stderr)
	}
	want := readDir(t, natDir)
	if got := string(want["log"]); got != "pre-existing line\nappended once\n" {
		t.Fatalf("native log = %q", got)
	}
	eachN(t, func(t *testing.T, n int) {
		dir := prepare()
		d := underDmvx(t, opts{}, variants(n), "bash", "-c", bashScript, "bash", dir)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
		got := readDir(t, dir)
		names := func(m map[string][]byte) []string {
			var s []string
			for k := range m {
				s = append(s, k)
			}
			slices.Sort(s)
			return s
		}
		if !slices.Equal(names(want), names(got)) {
			t.Errorf("files %v, native %v", names(got), names(want))
		}
		for name, w := range want {
			if g, ok := got[name]; ok && !bytes.Equal(w, g) {
				t.Errorf("%s differs from the native run's:\n%s", name, diff(w, g))
			}
		}
	})
}

// readDir returns the contents of the regular files in dir by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, e := range ents {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m[e.Name()] = b
		}
	}
	return m
}
