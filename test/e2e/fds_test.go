package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// The program under dmvx gets stdin, stdout and stderr and no other
// descriptor dmvx inherited: a leader that kept one (from a shell, say)
// would number its descriptors otherwise than followers started by an
// agent on another host, which never had it.
func TestOnlyStdioReachesTheProgram(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	script := `if [ -e /dev/fd/3 ]; then echo "fd 3 open"; else echo "fd 3 closed"; fi`
	for _, c := range []struct {
		name string
		argv []string
		want string
	}{
		{"natively", []string{"/usr/bin/bash", "-c", script}, "fd 3 open\n"},
		{"under dmvx", append(dmvxRun("-n", "2", "--", "/usr/bin/bash", "-c"), script), "fd 3 closed\n"},
	} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(c.argv[0], c.argv[1:]...)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.ExtraFiles = []*os.File{devnull} // fd 3, without close-on-exec
		code, _ := startCmd(t, cmd).wait(t, runTimeout)
		if code != 0 || stdout.String() != c.want {
			t.Errorf("%s: exit %d, stdout %q, want %q\n%s", c.name, code, stdout.String(), c.want, stderr.String())
		}
	}
	checkNoLeftovers(t, nil)
}
