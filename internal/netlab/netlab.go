// Package netlab makes test hosts on one machine, for the tests and
// benchmarks of variants on several hosts: each host is a network
// namespace with its own address, joined to the others by a veth pair on
// a bridge, and a mount namespace whose root is a private overlay of the
// machine's file system. Real hosts share no files, and neither do these:
// a file one writes is seen by no other (a follower that wrongly wrote the
// leader's output file would otherwise show up as the output written
// twice), while what the machine holds (binaries, test inputs) is seen by
// all, at the same paths.
//
// Delay between hosts: this machine's kernel has no netem
// (CONFIG_NET_SCH_NETEM is unset and there are no modules), so a lab made
// WithDelay joins its hosts through a switch in user space that holds each
// frame for its sender's delay (switch.go) instead of the kernel's bridge.
//
// Root only. The names carry a random lab id (netns dmvx-ID-hN, bridge
// dmvxbrID), so labs do not collide, and Close removes everything the lab
// made: its processes, namespaces, links and directories.
package netlab

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Lab is a set of hosts on one bridge, or on the delay switch.
type Lab struct {
	ID     string
	Hosts  []*Host
	bridge netlink.Link
	sw     *tapSwitch
	taps   []*os.File
	dir    string
	subnet [3]byte // 10.231.X: the /24 the hosts are on
}

// Option changes how New makes a lab.
type Option func(*options)

type options struct{ delay bool }

// WithDelay joins the hosts through the user-space switch, so that
// SetDelay works. The machine itself is then not on the hosts' network:
// clients run in a host.
func WithDelay() Option { return func(o *options) { o.delay = true } }

// Host is one test host.
type Host struct {
	Name string // h0, h1, ...
	Addr net.IP // on the lab's /24
	ns   string // its network namespace's name
	veth string // the veth end on the bridge, in the machine's namespace
	port *port  // its port on the delay switch
	init *exec.Cmd
	dir  string // its overlay's tmpfs mount point
}

// BridgeAddr is the machine's own address on a lab's network (the bridge):
// a client in the machine's namespace reaches the hosts through it. A lab
// made WithDelay has none.
func (l *Lab) BridgeAddr() net.IP { return net.IPv4(l.subnet[0], l.subnet[1], l.subnet[2], 254) }

// initScript runs as each host's first process, in its network namespace
// and a new mount namespace: a tmpfs for the overlay's upper layer, the
// machine's root as the lower one, /proc, /dev and the namespace's own
// /sys inside, then chroot into it and wait to be killed. It says it is
// ready from inside the new root: Command enters whatever root the process
// has, so saying it before the chroot would let a command run on the
// machine's own files.
const initScript = `set -e
d=$1
mount -t tmpfs netlab "$d"
mkdir "$d/upper" "$d/work" "$d/root"
mount -t overlay netlab -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$d/root"
mount --rbind /proc "$d/root/proc"
mount --rbind /dev "$d/root/dev"
mount -t sysfs sysfs "$d/root/sys"
exec chroot "$d/root" sh -c 'echo ready && exec sleep infinity'
`

// New makes a lab of n hosts. On error, what was made is removed.
func New(n int, opts ...Option) (l *Lab, err error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if n < 1 || n > 99 {
		return nil, fmt.Errorf("netlab: %d hosts: 1 to 99", n)
	}
	for _, tool := range []string{"ip", "unshare", "nsenter", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("netlab: %s not found (util-linux, iproute2): %w", tool, err)
		}
	}
	var rnd [3]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	l = &Lab{ID: hex.EncodeToString(rnd[:2]), subnet: [3]byte{10, 231, rnd[2]}}
	l.dir = filepath.Join("/run/dmvx-netlab", l.ID)
	defer func() {
		if err != nil {
			_ = l.Close()
			l = nil
		}
	}()
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return l, err
	}
	if o.delay {
		for i := range n {
			h := &Host{
				Name: "h" + strconv.Itoa(i),
				Addr: net.IPv4(l.subnet[0], l.subnet[1], l.subnet[2], byte(i+1)),
				ns:   fmt.Sprintf("dmvx-%s-h%d", l.ID, i),
			}
			l.Hosts = append(l.Hosts, h)
			tap, err := openTAP(fmt.Sprintf("dmvx%st%d", l.ID, i))
			if err != nil {
				return l, fmt.Errorf("netlab: host %s: TAP device: %w", h.Name, err)
			}
			l.taps = append(l.taps, tap)
			if err := l.addHost(h, fmt.Sprintf("dmvx%st%d", l.ID, i)); err != nil {
				return l, fmt.Errorf("netlab: host %s: %w", h.Name, err)
			}
		}
		l.sw = newSwitch(l.taps)
		for i, h := range l.Hosts {
			h.port = l.sw.ports[i]
		}
		return l, nil
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "dmvxbr" + l.ID}}
	if err := netlink.LinkAdd(br); err != nil {
		return l, fmt.Errorf("netlab: bridge %s: %w", br.Name, err)
	}
	l.bridge = br
	if err := netlink.AddrAdd(br, &netlink.Addr{IPNet: &net.IPNet{IP: l.BridgeAddr(), Mask: net.CIDRMask(24, 32)}}); err != nil {
		return l, err
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return l, err
	}
	for i := range n {
		h := &Host{
			Name: "h" + strconv.Itoa(i),
			Addr: net.IPv4(l.subnet[0], l.subnet[1], l.subnet[2], byte(i+1)),
			ns:   fmt.Sprintf("dmvx-%s-h%d", l.ID, i),
			veth: fmt.Sprintf("dmvx%sh%d", l.ID, i),
		}
		l.Hosts = append(l.Hosts, h)
		if err := l.addHost(h, ""); err != nil {
			return l, fmt.Errorf("netlab: host %s: %w", h.Name, err)
		}
	}
	return l, nil
}

// addHost makes h's namespaces. Its eth0 is the peer of a veth on the
// bridge, or, with tap set, that TAP device, moved into the namespace and
// renamed.
func (l *Lab) addHost(h *Host, tap string) error {
	ns, err := newNamedNS(h.ns)
	if err != nil {
		return err
	}
	defer ns.Close()
	if tap == "" {
		veth := &netlink.Veth{
			LinkAttrs:     netlink.LinkAttrs{Name: h.veth, MasterIndex: l.bridge.Attrs().Index},
			PeerName:      "eth0",
			PeerNamespace: netlink.NsFd(ns),
		}
		if err := netlink.LinkAdd(veth); err != nil {
			return err
		}
		if err := netlink.LinkSetUp(veth); err != nil {
			return err
		}
	}
	nh, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer nh.Close()
	if tap != "" {
		link, err := netlink.LinkByName(tap)
		if err != nil {
			return err
		}
		if err := netlink.LinkSetNsFd(link, int(ns)); err != nil {
			return err
		}
		if link, err = nh.LinkByName(tap); err != nil {
			return err
		}
		if err := nh.LinkSetName(link, "eth0"); err != nil {
			return err
		}
	}
	for _, name := range []string{"lo", "eth0"} {
		link, err := nh.LinkByName(name)
		if err != nil {
			return err
		}
		if name == "eth0" {
			if err := nh.AddrAdd(link, &netlink.Addr{IPNet: &net.IPNet{IP: h.Addr, Mask: net.CIDRMask(24, 32)}}); err != nil {
				return err
			}
		}
		if err := nh.LinkSetUp(link); err != nil {
			return err
		}
	}
	h.dir = filepath.Join(l.dir, h.Name)
	if err := os.Mkdir(h.dir, 0o700); err != nil {
		return err
	}
	// ip netns exec, unshare, sh and chroot all exec in place: the
	// process started here ends up as the host's init, sleeping in its
	// root, and its pid is what Command enters.
	cmd := exec.Command("ip", "netns", "exec", h.ns, "unshare", "--mount", "--propagation", "private",
		"sh", "-c", initScript, "netlab-init", h.dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	h.init = cmd
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("unexpected %q", line)
		}
		ready <- err
	}()
	var failed error
	select {
	case failed = <-ready:
	case <-time.After(10 * time.Second):
		failed = errors.New("no answer in 10 s")
	}
	if failed != nil {
		// Wait, so that what it said is all in stderr.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		h.init = nil
		return fmt.Errorf("setting up its file system: %v: %s", failed, stderr.String())
	}
	return nil
}

// newNamedNS makes a network namespace named name (as `ip netns add`
// does), without leaving the calling thread in it.
func newNamedNS(name string) (netns.NsHandle, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		return 0, err
	}
	defer orig.Close()
	ns, err := netns.NewNamed(name)
	if err != nil {
		return 0, err
	}
	if err := netns.Set(orig); err != nil {
		// This thread is stuck in the new namespace: never reuse it.
		ns.Close()
		return 0, err
	}
	return ns, nil
}

// Command returns a command that runs name in host h, in directory dir of
// its file system (its root when dir is empty). Its pid is the program's
// own: nsenter enters the namespaces and the root, and env changes
// directory, each executing the next in place. (nsenter's own --wd
// changes directory before it changes root, which leaves the program in
// the machine's directory, outside the host's overlay.)
func (h *Host) Command(dir, name string, arg ...string) *exec.Cmd {
	if dir == "" {
		dir = "/"
	}
	args := []string{"-t", strconv.Itoa(h.init.Process.Pid), "-m", "-n", "-r", "-w", "--", "env", "-C", dir, "--", name}
	return exec.Command("nsenter", append(args, arg...)...)
}

// Pid is the pid of the host's first process, which holds its namespaces
// (a child of the process that made the lab).
func (h *Host) Pid() int { return h.init.Process.Pid }

// handle opens h's network namespace for netlink.
func (h *Host) handle() (*netlink.Handle, netlink.Link, error) {
	ns, err := netns.GetFromName(h.ns)
	if err != nil {
		return nil, nil, err
	}
	defer ns.Close()
	nh, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, nil, err
	}
	link, err := nh.LinkByName("eth0")
	if err != nil {
		nh.Close()
		return nil, nil, err
	}
	return nh, link, nil
}

// SetDelay delays every frame h sends by d; 0 removes the delay. A delay
// each way is SetDelay on both hosts. Only in a lab made WithDelay.
func (h *Host) SetDelay(d time.Duration) error {
	if h.port == nil {
		return errors.New("netlab: SetDelay needs a lab made WithDelay (this kernel has no netem)")
	}
	if d < 0 {
		return fmt.Errorf("netlab: delay %v", d)
	}
	h.port.delay.Store(int64(d))
	return nil
}

// SetLink sets h's interface up or down (a cut cable).
func (h *Host) SetLink(up bool) error {
	nh, link, err := h.handle()
	if err != nil {
		return err
	}
	defer nh.Close()
	if up {
		return nh.LinkSetUp(link)
	}
	return nh.LinkSetDown(link)
}

// Close removes the lab: each host's init (and with it its mount
// namespace and overlay), its network namespace and veth pair, the bridge
// and the lab's directory. It goes on past errors and returns them all.
// SwitchFrames is how many frames the hosts sent through the delay switch
// (0 without one).
func (l *Lab) SwitchFrames() uint64 {
	if l.sw == nil {
		return 0
	}
	return l.sw.frames.Load()
}

func (l *Lab) Close() error {
	var errs []error
	switch {
	case l.sw != nil:
		errs = append(errs, l.sw.close())
	default:
		for _, t := range l.taps {
			errs = append(errs, t.Close())
		}
	}
	for _, h := range l.Hosts {
		if h.init != nil && h.init.Process != nil {
			_ = h.init.Process.Kill()
			_ = h.init.Wait()
		}
		if h.veth != "" { // a TAP device goes with the switch's file
			if link, err := netlink.LinkByName(h.veth); err == nil {
				errs = append(errs, netlink.LinkDel(link))
			}
		}
		if err := netns.DeleteNamed(h.ns); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("netns %s: %w", h.ns, err))
		}
	}
	if l.bridge != nil {
		errs = append(errs, netlink.LinkDel(l.bridge))
	}
	if l.dir != "" {
		errs = append(errs, os.RemoveAll(l.dir))
		_ = os.Remove(filepath.Dir(l.dir)) // when no other lab uses it
	}
	return errors.Join(errs...)
}

// limitedBuffer keeps the first 4 KiB written to it (an init's errors).
type limitedBuffer struct{ b []byte }

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (w *limitedBuffer) String() string { return string(w.b) }
