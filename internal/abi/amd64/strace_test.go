//go:build linux

package amd64

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dmvx/internal/abi"
)

// TestRealPrograms runs ordinary programs under strace and checks that every
// call they make, and every ioctl request, fcntl command, futex operation and
// prctl option, has a row.
func TestRealPrograms(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("strace traces the host's own ABI: needs linux/amd64")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	dir := t.TempDir()
	x := filepath.Join(dir, "x")
	cases := []struct {
		name string
		argv []string
	}{
		{"ls", []string{"ls", "-la", "/"}},
		{"cat", []string{"cat", "/etc/hostname"}},
		{"sort-uniq", []string{"bash", "-c", "sort /etc/passwd | uniq -c"}},
		{"sha256sum", []string{"sha256sum", "/etc/passwd", "/etc/group"}},
		{"bash-pipes", []string{"bash", "-c", fmt.Sprintf("echo a > %[1]s; (echo b; echo c) | cat >> %[1]s; cat %[1]s", x)}},
		{"python3", []string{"/usr/bin/python3", "-c", "import time,random,os; print(time.time(), random.random(), os.getpid())"}},
		{"curl", []string{"curl", "-s", "file:///etc/hostname"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			needProgram(t, tc.argv[0])
			out := filepath.Join(t.TempDir(), "trace")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, strace, append([]string{"-f", "-qq", "-e", "trace=all", "-o", out}, tc.argv...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("strace %v: %v\n%s", tc.argv, err, b)
			}
			checkTrace(t, out)
		})
	}
	t.Run("lighttpd", func(t *testing.T) {
		t.Parallel()
		needProgram(t, "/usr/sbin/lighttpd")
		checkTrace(t, traceLighttpd(t, strace))
	})
}

func needProgram(t *testing.T, prog string) {
	t.Helper()
	if _, err := exec.LookPath(prog); err != nil {
		t.Skipf("%s not installed", prog)
	}
}

// traceLighttpd serves one file with lighttpd under strace, fetches it, stops
// the server with SIGTERM and returns the trace's path.
func traceLighttpd(t *testing.T, strace string) string {
	dir := t.TempDir()
	www := filepath.Join(dir, "www")
	if err := os.Mkdir(www, 0o755); err != nil {
		t.Fatal(err)
	}
	const body = "hello from dmvx\n"
	if err := os.WriteFile(filepath.Join(www, "index.html"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	pidFile := filepath.Join(dir, "lighttpd.pid")
	conf := filepath.Join(dir, "lighttpd.conf")
	err := os.WriteFile(conf, []byte(fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.errorlog = %q
server.pid-file = %q
`, www, port, filepath.Join(dir, "error.log"), pidFile)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "trace")
	cmd := exec.Command(strace, "-f", "-qq", "-e", "trace=all", "-o", out, "/usr/sbin/lighttpd", "-D", "-f", conf)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The server's pid, once it has written it: SIGTERM goes to lighttpd
	// itself, not to strace, so that its shutdown path is traced too.
	server := 0
	stop := func() {
		if server != 0 {
			syscall.Kill(server, syscall.SIGTERM)
		}
		select {
		case err := <-done:
			// lighttpd's exit status after SIGTERM varies with how it was
			// started (1 under go test, 0 from a shell); only a failure to
			// run at all matters here.
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("strace lighttpd: %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			if server != 0 {
				syscall.Kill(server, syscall.SIGKILL)
			}
			t.Fatalf("lighttpd did not stop\n%s", stderr.String())
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	deadline := time.Now().Add(20 * time.Second)
	var got string
	for {
		if server == 0 {
			if b, err := os.ReadFile(pidFile); err == nil {
				server, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
		}
		if server != 0 {
			if got, err = fetch(url); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("lighttpd never served %s (pid %d): %v\n%s", url, server, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got != body {
		t.Errorf("lighttpd served %q, want %q", got, body)
	}
	// curl, as the brief's reference client, when it is there.
	if curl, err := exec.LookPath("curl"); err == nil {
		if b, err := exec.Command(curl, "-s", url).Output(); err != nil || string(b) != body {
			t.Errorf("curl %s = %q, %v", url, b, err)
		}
	}
	stop()
	return out
}

func fetch(url string) (string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// checkTrace checks that every call in an strace -f output file has a row,
// and logs the calls made.
func checkTrace(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		call, ok := parseStraceLine(sc.Text())
		if !ok {
			continue
		}
		label := call.name
		if call.sub != "" {
			label += "(" + call.sub + ")"
		}
		if seen[label] {
			continue
		}
		seen[label] = true
		if err := call.check(); err != nil {
			t.Errorf("%s: %v (strace line %q)", label, err, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatalf("no calls in %s", path)
	}
	labels := slices.Sorted(func(yield func(string) bool) {
		for l := range seen {
			if !yield(l) {
				return
			}
		}
	})
	t.Logf("calls: %s", strings.Join(labels, " "))
}

type straceCall struct {
	name string
	sub  string // the selecting argument of a multiplexed call, as printed
}

// parseStraceLine reads "PID name(args...) = result" lines; it skips
// resumptions, signals and exits.
func parseStraceLine(line string) (straceCall, bool) {
	line = strings.TrimLeft(line, "0123456789")
	line = strings.TrimSpace(line)
	open := strings.IndexByte(line, '(')
	if open <= 0 || strings.HasPrefix(line, "<...") || strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---") {
		return straceCall{}, false
	}
	c := straceCall{name: line[:open]}
	args := strings.Split(line[open+1:], ", ")
	idx := -1
	switch c.name {
	case "ioctl", "fcntl", "futex":
		idx = 1
	case "prctl":
		idx = 0
	}
	if idx >= 0 && idx < len(args) {
		sub, _, _ := strings.Cut(args[idx], ")")
		sub, _, _ = strings.Cut(sub, " <unfinished")
		c.sub = strings.TrimSpace(sub)
	}
	return c, true
}

// check looks the call up as the monitor would.
func (c straceCall) check() error {
	nr, ok := Number(c.name)
	if !ok {
		return fmt.Errorf("strace names a call the amd64 number list lacks")
	}
	var args [6]uint64
	if row := Table[nr]; row != nil && row.Sub != nil {
		v, err := c.subValue(nr)
		if err != nil {
			return err
		}
		args[row.SubArg] = v
	}
	_, err := Lookup(nr, args)
	return err
}

// subValue turns strace's rendering of a selector ("TCGETS",
// "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME", "0x5401", old strace's
// "SNDCTL_TMR_TIMEBASE or TCGETS") into its value.
func (c straceCall) subValue(nr uint64) (uint64, error) {
	s := c.sub
	if nr == SYS_FUTEX {
		s = strings.TrimSuffix(s, "|FUTEX_CLOCK_REALTIME")
		s = strings.TrimSuffix(s, "_PRIVATE")
	}
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		return v, nil
	}
	for _, alt := range strings.Split(s, " or ") {
		if v, ok := SubNumber(nr, alt); ok {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%s %s has no row", abi.SubLabel(Name(nr)), c.sub)
}
