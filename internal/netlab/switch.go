package netlab

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The delay switch: this kernel has no netem, so a lab made WithDelay
// joins its hosts through a switch in user space instead of the kernel's
// bridge. Each host's eth0 is a TAP device whose other end is a file in
// this process; the switch reads every frame a host sends and hands it to
// the other hosts after that host's delay (SetDelay), in order. It floods
// (a lab has a few hosts, and a host's kernel drops frames that are not
// for its address), and a full queue drops, as netem's limit does.

// queueLen is the frames that may wait in one direction: at 1 Gbit/s and
// 200 ms, far more would be in flight, but the tests send little.
const queueLen = 4096

type frame struct {
	b   []byte
	due int64 // CLOCK_MONOTONIC, in nanoseconds
}

type tapSwitch struct {
	ports  []*port
	wg     sync.WaitGroup
	frames atomic.Uint64 // frames the hosts sent through it
}

type port struct {
	tap   *os.File
	delay atomic.Int64 // nanoseconds added to each frame this host sends
	out   []chan frame // to each other port, by index
}

// openTAP makes a TAP device named name (no packet information header) and
// returns its file, non-blocking so that Go's poller serves reads and
// Close ends them.
func openTAP(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	// A virtio-net header in front of each frame, and offloads on: the
	// host's kernel hands the switch segments of up to 64 KiB (TSO) and
	// takes them so on the other side, as a virtual machine's NIC does,
	// instead of a frame every 1500 bytes, whose per-frame cost in this
	// process took the CPU the hosts' programs measure with (a million
	// getcwd records cross as 30 000 frames).
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI | unix.IFF_VNET_HDR)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, err
	}
	const offloads = unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6
	if err := unix.IoctlSetInt(fd, unix.TUNSETOFFLOAD, offloads); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TAP offloads: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun:"+name), nil
}

func newSwitch(taps []*os.File) *tapSwitch {
	s := &tapSwitch{}
	for _, t := range taps {
		s.ports = append(s.ports, &port{tap: t, out: make([]chan frame, len(taps))})
	}
	for i, p := range s.ports {
		for j, q := range s.ports {
			if i == j {
				continue
			}
			ch := make(chan frame, queueLen)
			p.out[j] = ch
			s.wg.Add(1)
			go s.deliver(ch, q)
		}
		s.wg.Add(1)
		go s.receive(p)
	}
	return s
}

// receive reads the frames a port's host sends and queues them for the
// others, due after the sender's delay.
func (s *tapSwitch) receive(p *port) {
	defer s.wg.Done()
	defer func() {
		for _, ch := range p.out {
			if ch != nil {
				close(ch)
			}
		}
	}()
	buf := make([]byte, 128<<10) // a 64 KiB segment and its header
	for {
		n, err := p.tap.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			// EIO while the host's interface is down, until it is up
			// again.
			time.Sleep(time.Millisecond)
			continue
		}
		s.frames.Add(1)
		due := monotonic() + p.delay.Load()
		for _, ch := range p.out {
			if ch == nil {
				continue
			}
			select {
			case ch <- frame{b: append([]byte(nil), buf[:n]...), due: due}:
			default: // full: dropped
			}
		}
	}
}

// deliver writes the frames of one direction to the receiving host when
// they are due. A frame it cannot write (the host's interface is down) is
// lost, as on a cut cable.
func (s *tapSwitch) deliver(ch <-chan frame, to *port) {
	defer s.wg.Done()
	for f := range ch {
		if f.due > monotonic() {
			sleepUntil(f.due)
		}
		_, _ = to.tap.Write(f.b)
	}
}

// close ends the switch: closing the TAP files ends the reads, which close
// the queues, which ends the deliveries.
func (s *tapSwitch) close() error {
	var errs []error
	for _, p := range s.ports {
		errs = append(errs, p.tap.Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// monotonic is CLOCK_MONOTONIC in nanoseconds.
func monotonic() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// sleepUntil sleeps until CLOCK_MONOTONIC reaches due, with the kernel's
// timer precision. Go's timers wait in epoll with a timeout in whole
// milliseconds, rounding a wait under one up to one: a 0.5 ms delay took
// 1.1-1.3 ms each way (a 2.5 ms round trip).
func sleepUntil(due int64) {
	ts := unix.NsecToTimespec(due)
	for unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil) == unix.EINTR {
	}
}
