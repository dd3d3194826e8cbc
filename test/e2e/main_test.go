package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

var (
	// root is the repository root; dmvx is the binary under test, which
	// DMVX_E2E_BIN may override (an installed build, say).
	root string
	dmvx string
	// extraFlags come from DMVX_E2E_FLAGS (space-separated): every dmvx
	// invocation gets them right after "run", so that the whole suite can
	// run once per configuration (make e2e-matrix: --policy base,
	// --no-ipmon, ...). Empty in the default configuration.
	extraFlags []string
)

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	var err error
	root, err = filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	dmvx = os.Getenv("DMVX_E2E_BIN")
	if dmvx == "" {
		dmvx = filepath.Join(root, "bin", "dmvx")
	}
	extraFlags = strings.Fields(os.Getenv("DMVX_E2E_FLAGS"))
	for _, p := range []string{dmvx, testBin("hello"), testBin("spin_yes")} {
		if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
			fmt.Fprintf(os.Stderr, "e2e: %s is missing or not executable: run make build first\n", p)
			return 1
		}
	}

	// Temporary directories go under one directory of our own, so that
	// creating them does not change the link count and time of /tmp in the
	// middle of a test that lists /.
	base, err := os.MkdirTemp("", "dmvx-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(base)
	os.Setenv("TMPDIR", base)

	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "e2e: prctl(PR_SET_CHILD_SUBREAPER):", errno)
		return 1
	}
	code := m.Run()
	stopGuest()
	return code
}

// testBin is the path of a program built from testdata/.
func testBin(name string) string {
	return filepath.Join(root, "testdata", "bin", name)
}
