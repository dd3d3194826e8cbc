package netlab

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func newLab(t *testing.T, n int, opts ...Option) *Lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netlab needs root")
	}
	l, err := New(n, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

func output(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.String())
	}
	return string(out)
}

// listen starts, in host h, a TCP server on port that prints the first
// line it receives and exits; received waits for it to exit and returns
// what it printed.
func listen(t *testing.T, h *Host, port string) (received func() string) {
	t.Helper()
	srv, pr := startServer(t, h, `
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
print(c.makefile().readline().strip(), flush=True)
`, port)
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = out.ReadFrom(pr); close(done) }()
	return func() string {
		<-done // every read before Wait, which closes the pipe
		_ = srv.Wait()
		return out.String()
	}
}

// startServer runs a Python server script in host h and returns once it
// printed "listening", with the rest of its output to read.
func startServer(t *testing.T, h *Host, script string, args ...string) (*exec.Cmd, io.Reader) {
	t.Helper()
	srv := h.Command("", "python3", append([]string{"-c", script}, args...)...)
	pr, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	var b [10]byte
	if _, err := io.ReadFull(pr, b[:]); err != nil {
		t.Fatal(err)
	}
	return srv, pr
}

// send connects from host h to addr:port within timeout and sends msg.
func send(h *Host, addr, port, msg string, timeout time.Duration) error {
	return h.Command("", "timeout", timeout.String(), "bash", "-c",
		`echo "$3" >/dev/tcp/$1/$2`, "send", addr, port, msg).Run()
}

func TestHostsTalkOverTheirLinks(t *testing.T) {
	l := newLab(t, 2)
	h0, h1 := l.Hosts[0], l.Hosts[1]
	if got := output(t, h1.Command("", "ip", "-o", "-4", "addr", "show", "eth0")); !strings.Contains(got, h1.Addr.String()+"/24") {
		t.Errorf("h1's eth0: %q, want %s", got, h1.Addr)
	}
	received := listen(t, h1, "7000")
	if err := send(h0, h1.Addr.String(), "7000", "hello from h0", 5*time.Second); err != nil {
		t.Fatalf("h0 -> h1: %v", err)
	}
	if got := strings.TrimSpace(received()); got != "hello from h0" {
		t.Errorf("h1 received %q", got)
	}

	if err := h0.SetDelay(time.Millisecond); err == nil {
		t.Error("SetDelay worked on a lab without the delay switch")
	}

	// A cut link: nothing gets through until it is up again.
	listen(t, h1, "7002")
	if err := h1.SetLink(false); err != nil {
		t.Fatal(err)
	}
	if err := send(h0, h1.Addr.String(), "7002", "lost", 2*time.Second); err == nil {
		t.Error("h0 reached h1 over a link that is down")
	}
	if err := h1.SetLink(true); err != nil {
		t.Fatal(err)
	}
	if err := send(h0, h1.Addr.String(), "7002", "back", 5*time.Second); err != nil {
		t.Errorf("h0 -> h1 after the link came back: %v", err)
	}
}

// On the delay switch, hosts talk as on the bridge, and a delay set on
// both slows a round trip by both delays.
func TestDelaySwitch(t *testing.T) {
	l := newLab(t, 3, WithDelay())
	h0, h2 := l.Hosts[0], l.Hosts[2]
	roundTrip := func(port string) time.Duration {
		t.Helper()
		received := listen(t, h2, port)
		begin := time.Now()
		if err := send(h0, h2.Addr.String(), port, "over the switch", 10*time.Second); err != nil {
			t.Fatalf("h0 -> h2: %v", err)
		}
		if got := strings.TrimSpace(received()); got != "over the switch" {
			t.Errorf("h2 received %q", got)
		}
		return time.Since(begin)
	}
	roundTrip("7100")
	for _, h := range l.Hosts {
		if err := h.SetDelay(50 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	// Connecting takes a round trip, and the line a one-way trip more.
	if took := roundTrip("7101"); took < 150*time.Millisecond {
		t.Errorf("with 50 ms each way, connecting and sending a line took %v", took)
	}
	if err := h2.SetLink(false); err != nil {
		t.Fatal(err)
	}
	listen(t, h2, "7102")
	if err := send(h0, h2.Addr.String(), "7102", "lost", 2*time.Second); err == nil {
		t.Error("h0 reached h2 over a link that is down")
	}
}

// The switch carries TCP in segments of up to 64 KiB, as a virtual
// machine's NIC does, not a frame every 1500 bytes.
func TestDelaySwitchSegments(t *testing.T) {
	l := newLab(t, 2, WithDelay())
	h0, h1 := l.Hosts[0], l.Hosts[1]
	srv, pr := startServer(t, h1, `
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7200))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
n = 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    n += len(b)
print(n, flush=True)
`)
	var out bytes.Buffer
	before := l.SwitchFrames()
	const size = 4 << 20
	if err := h0.Command("", "timeout", "20s", "bash", "-c", fmt.Sprintf("head -c %d /dev/zero >/dev/tcp/%s/7200", size, h1.Addr)).Run(); err != nil {
		t.Fatal(err)
	}
	_, _ = out.ReadFrom(pr)
	_ = srv.Wait()
	if got := strings.TrimSpace(out.String()); got != fmt.Sprint(size) {
		t.Fatalf("h1 received %q bytes, want %d", got, size)
	}
	// Without offload the data alone takes 2900 frames of 1448 bytes
	// (and the acknowledgements about half as many more); with it, a few
	// hundred, acknowledgements included.
	if n := l.SwitchFrames() - before; n > 2000 {
		t.Errorf("%d bytes took %d frames through the switch: no segmentation offload", size, n)
	} else {
		t.Logf("%d bytes in %d frames", size, n)
	}
}

// Each host writes into its own overlay: nobody else sees its files, while
// everyone sees the machine's.
func TestHostsShareNoFiles(t *testing.T) {
	l := newLab(t, 2)
	dir := t.TempDir()
	input := filepath.Join(dir, "input.txt")
	if err := os.WriteFile(input, []byte("the machine's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	written := filepath.Join(dir, "written-by-h1")
	output(t, l.Hosts[1].Command(dir, "sh", "-c", `cat input.txt > written-by-h1 && pwd`))
	if got := output(t, l.Hosts[1].Command("", "cat", written)); got != "the machine's\n" {
		t.Errorf("h1 reads back %q", got)
	}
	if _, err := os.Stat(written); err == nil {
		t.Error("a file h1 wrote shows up on the machine")
	}
	if err := l.Hosts[0].Command("", "test", "-e", written).Run(); err == nil {
		t.Error("a file h1 wrote shows up on h0")
	}
	if got := output(t, l.Hosts[0].Command(dir, "cat", "input.txt")); got != "the machine's\n" {
		t.Errorf("h0 reads the machine's file as %q", got)
	}
}

// Close leaves nothing: no namespace, link, process or directory.
func TestCloseRemovesEverything(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("netlab needs root")
	}
	l, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{l.Hosts[0].init.Process.Pid, l.Hosts[1].init.Process.Pid}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "-o", "link").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "dmvxbr"+l.ID) || strings.Contains(string(out), "dmvx"+l.ID+"h") {
		t.Errorf("links left after Close:\n%s", out)
	}
	if _, err := os.Stat("/run/netns/dmvx-" + l.ID + "-h0"); err == nil {
		t.Error("network namespace left after Close")
	}
	if _, err := os.Stat(l.dir); err == nil {
		t.Error("lab directory left after Close")
	}
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("host init %d still running", pid)
		}
	}
}

// The switch holds a frame for its delay with the kernel's timer
// precision: Go's own timers round a wait under a millisecond up to one,
// which made 0.5 ms each way a 2.5 ms round trip.
func TestSleepUntil(t *testing.T) {
	var late []time.Duration
	for range 50 {
		due := monotonic() + int64(500*time.Microsecond)
		sleepUntil(due)
		late = append(late, time.Duration(monotonic()-due))
	}
	slices.Sort(late)
	if late[0] < 0 {
		t.Errorf("woke %v early", -late[0])
	}
	if m := late[len(late)/2]; m > 300*time.Microsecond {
		t.Errorf("a 0.5 ms wait ends %v late (median of %d)", m, len(late))
	}
}
