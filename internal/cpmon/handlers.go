package cpmon

import (
	"encoding/binary"
	"fmt"

	"dmvx/internal/canon"
	"dmvx/internal/ptrace"

	"golang.org/x/sys/unix"
)

// preSpecial reads, on the tracer's thread, what a special call needs
// beyond its generic decoding, and replaces per-variant values (addresses,
// epoll data) in the canonical form by what may be compared.
func (v *variant) preSpecial(t *task, c *canon.Call) {
	mem := v.mem(t)
	switch c.Row.Handler {
	case canon.HClone:
		t.clone = cloneInfo{}
		switch c.Row.Name {
		case "clone":
			// In the generic order (flags, stack, ptid, ctid, tls):
			// arm64 passes tls before ctid.
			raw := c.Raw
			if !c.Row.Generic() {
				raw = c.View().Raw
			}
			t.clone = cloneInfo{flags: raw[0], ptid: raw[2], ctid: raw[3]}
		case "clone3":
			var b [40]byte
			if c.Raw[0] != 0 && mem.Read(c.Raw[0], b[:]) == nil {
				t.clone = cloneInfo{
					flags: binary.LittleEndian.Uint64(b[0:]),
					ctid:  binary.LittleEndian.Uint64(b[16:]),
					ptid:  binary.LittleEndian.Uint64(b[24:]),
				}
				// Compare flags and exit signal, not the stack and tid
				// addresses the struct also holds.
				c.Vals[0].Data = nil
				c.Extra = append(append([]byte{}, b[0:8]...), b[32:40]...)
			}
		case "fork":
			t.clone.flags = uint64(unix.SIGCHLD)
		case "vfork":
			t.clone.flags = unix.CLONE_VM | unix.CLONE_VFORK | uint64(unix.SIGCHLD)
		}
	case canon.HEpollCtl:
		size, dataAt := epollLayout(t.regs.Arch)
		b := make([]byte, size)
		if c.Raw[3] != 0 && mem.Read(c.Raw[3], b) == nil {
			c.Vals[3].Data = nil
			c.Extra = append([]byte{}, b[0:4]...) // events; data is per variant
			t.aux = binary.LittleEndian.Uint64(b[dataAt:])
		}
	case canon.HSigaction:
		var b [32]byte
		if c.Raw[1] != 0 && mem.Read(c.Raw[1], b[:]) == nil {
			c.Vals[1].Data = nil
			h := binary.LittleEndian.Uint64(b[0:])
			disp := byte(dispHandler)
			if h <= 1 {
				disp = byte(h) // SIG_DFL, SIG_IGN
			}
			flags := binary.LittleEndian.Uint64(b[8:]) &^ saRestorer
			e := []byte{disp}
			e = binary.LittleEndian.AppendUint64(e, flags)
			c.Extra = append(e, b[24:32]...) // mask
		}
	case canon.HSendmsg:
		if c.Raw[1] == 0 {
			break
		}
		c.Vals[1].Data = nil
		if c.Row.Name != "sendmmsg" {
			c.Extra = readMsghdrInput(mem, c.Raw[1])
			break
		}
		for i := uint64(0); i < min(c.Raw[2], maxMmsg); i++ {
			c.Extra = append(c.Extra, readMsghdrInput(mem, c.Raw[1]+i*mmsghdrSize)...)
			c.Extra = append(c.Extra, '#')
		}
	case canon.HSelect:
		n := fdSetBytes(c.Raw[0])
		var e []byte
		for i := 1; i <= 3; i++ {
			c.Vals[i].Data = nil
			if c.Raw[i] == 0 {
				e = append(e, 0)
				continue
			}
			b := make([]byte, n)
			_ = mem.Read(c.Raw[i], b)
			e = append(append(e, 1), b...)
		}
		c.Extra = e
	}
}

const saRestorer = 0x04000000

// fdSetBytes is the size of the fd_sets select reads for nfds.
func fdSetBytes(nfds uint64) int {
	if nfds > 1<<16 {
		nfds = 1 << 16
	}
	return int((nfds + 63) / 64 * 8)
}

// msghdr field offsets (amd64).
const (
	msgName       = 0
	msgNamelen    = 8
	msgIov        = 16
	msgIovlen     = 24
	msgControl    = 32
	msgControllen = 40
	msgFlags      = 48
	msghdrSize    = 56
	mmsghdrSize   = 64 // msghdr, then the unsigned msg_len the kernel fills
	maxMmsg       = 1024
)

type msghdr struct {
	name, iov, control uint64
	namelen            uint32
	iovlen, controllen uint64
}

func readMsghdr(mem canon.Mem, p uint64) (msghdr, bool) {
	var b [msghdrSize]byte
	if mem.Read(p, b[:]) != nil {
		return msghdr{}, false
	}
	return msghdr{
		name:       binary.LittleEndian.Uint64(b[msgName:]),
		namelen:    binary.LittleEndian.Uint32(b[msgNamelen:]),
		iov:        binary.LittleEndian.Uint64(b[msgIov:]),
		iovlen:     binary.LittleEndian.Uint64(b[msgIovlen:]),
		control:    binary.LittleEndian.Uint64(b[msgControl:]),
		controllen: binary.LittleEndian.Uint64(b[msgControllen:]),
	}, true
}

// readMsghdrInput is the canonical content of a sendmsg: address, data,
// ancillary data.
func readMsghdrInput(mem canon.Mem, p uint64) []byte {
	h, ok := readMsghdr(mem, p)
	if !ok {
		return []byte("unreadable msghdr")
	}
	var e []byte
	if h.name != 0 && h.namelen > 0 && h.namelen <= 128 {
		b := make([]byte, h.namelen)
		_ = mem.Read(h.name, b)
		e = append(e, b...)
	}
	e = append(e, '|')
	iovs, _ := canon.ReadIovecs(mem, h.iov, h.iovlen)
	for _, iov := range iovs {
		if iov.Len == 0 || iov.Len > canon.MaxInput {
			continue
		}
		b := make([]byte, iov.Len)
		_ = mem.Read(iov.Base, b)
		e = append(e, b...)
	}
	e = append(e, '|')
	if h.control != 0 && h.controllen > 0 && h.controllen <= 4096 {
		b := make([]byte, h.controllen)
		_ = mem.Read(h.control, b)
		e = append(e, b...)
	}
	return e
}

// specialLocked runs the rendezvous decision of a call with its own handler.
func (m *Monitor) specialLocked(lt *ltask, ts []*task) {
	c := ts[0].call
	switch c.Row.Handler {
	case canon.HClone:
		m.countLocked(c, "all")
		m.cloneLocked(lt, ts)
	case canon.HExecve, canon.HSigaction:
		m.countLocked(c, "all")
		if c.Row.Handler == canon.HSigaction && len(c.Extra) >= 9 {
			sig := int(int32(c.Raw[0]))
			if sig > 0 && sig < len(lt.proc.sig.acts) {
				lt.proc.sig.acts[sig] = sigAction{disp: int(c.Extra[0]), flags: binary.LittleEndian.Uint64(c.Extra[1:])}
			}
		}
		for _, t := range ts {
			t.v.enqueue(func() { t.v.cont(t, 0) })
		}
	case canon.HClose:
		m.countLocked(c, "all")
		fds := lt.proc.fds
		// A follower on another host closes after the leader's exit, when
		// the command that clears the descriptor in its IP-MON map is on
		// its way: it must not reuse the number first (an open through
		// IP-MON that the late command would undo).
		var later []*task
		for _, t := range ts[1:] {
			if t.v.rem != nil && lt.proc.ipm != nil {
				later = append(later, t)
			} else {
				t.v.enqueue(func() { t.v.cont(t, 0) })
			}
		}
		leader := ts[0]
		leader.v.enqueue(func() {
			leader.v.contToExit(leader, func(ret int64) {
				if ret == 0 {
					m.mu.Lock()
					closeFDs(fds, c)
					m.mu.Unlock()
				}
				for _, f := range later {
					f.v.enqueue(func() { f.v.cont(f, 0) })
				}
				leader.v.cont(leader, 0)
			})
		})
	case canon.HPipe:
		m.countLocked(c, "leader-then-dummy")
		m.pipeLocked(lt, ts)
	case canon.HWait:
		m.countLocked(c, "leader-then-same-child")
		m.waitLocked(lt, ts)
	case canon.HEpollCtl:
		m.countLocked(c, "leader")
		m.execLeaderThenLocked(lt, ts, m.epollCtlAfter(lt, ts))
	case canon.HSendmsg:
		m.countLocked(c, "leader")
		if c.Row.Name == "sendmmsg" {
			m.leaderCustomLocked(lt, ts)
		} else {
			m.execLeaderLocked(lt, ts)
		}
	case canon.HEpollWait, canon.HRecvmsg, canon.HSelect:
		m.countLocked(c, "leader")
		m.leaderCustomLocked(lt, ts)
	case hIPMONRegister:
		m.registerLocked(lt, ts)
	case hRdtsc:
		m.stats.RdtscCalls++
		m.countLocked(c, "leader")
		val := ptrace.Rdtsc()
		for _, t := range ts {
			t.v.enqueue(func() { t.v.finishRdtsc(t, val) })
		}
	default:
		m.errorLocked("call %s names an unknown handler %q", c.Row.Name, c.Row.Handler)
	}
}

func closeFDs(fds *fdTable, c *canon.Call) {
	if c.Row.Name == "close_range" {
		first, last := uint32(c.Raw[0]), uint32(c.Raw[1])
		if c.Raw[2]&unix.CLOSE_RANGE_CLOEXEC != 0 {
			return // pruned at the next execve
		}
		for fd := range fds.fds {
			if uint32(fd) >= first && uint32(fd) <= last {
				fds.close(fd)
			}
		}
		return
	}
	fds.close(int(int32(c.Raw[0])))
}

// cloneLocked: every variant clones; the children become one new logical
// task, whose virtual tid is the leader's child's tid. Followers' results
// and the tids the kernel stores for them are rewritten to it.
func (m *Monitor) cloneLocked(lt *ltask, ts []*task) {
	flags := ts[0].clone.flags
	var p *lproc
	switch {
	case flags&unix.CLONE_THREAD != 0:
		p = lt.proc
	default:
		p = &lproc{fds: lt.proc.fds, sig: lt.proc.sig}
		if flags&(unix.CLONE_VM|unix.CLONE_VFORK) == unix.CLONE_VM && lt.proc.ipm != nil {
			// Another process runs in this memory from now on, with
			// no stop when its parent does: no more site patching.
			lt.proc.ipm.sharedVM = true
		}
		if flags&unix.CLONE_FILES == 0 {
			p.fds = lt.proc.fds.clone()
		}
		if flags&unix.CLONE_SIGHAND == 0 {
			p.sig = lt.proc.sig.clone()
		}
	}
	clt := m.newLtask(p)
	if p != lt.proc && flags&(unix.CLONE_VM|unix.CLONE_FILES) == 0 {
		m.forkIPMONLocked(lt.proc, clt)
	}
	lt.cloneChild = clt
	lt.cloneFlags = flags
	for i, t := range ts {
		if i == 0 {
			t.v.enqueue(func() { t.v.cont(t, 0) })
			continue
		}
		t.v.enqueue(func() {
			t.v.contToExit(t, func(ret int64) {
				if ret < 0 {
					t.v.cont(t, 0)
					return
				}
				m.mu.Lock()
				clt.whenVtidLocked(func(vtid int) {
					t.v.enqueue(func() {
						if t.clone.flags&(unix.CLONE_PARENT_SETTID|unix.CLONE_VM) == unix.CLONE_PARENT_SETTID && t.clone.ptid != 0 {
							var b [4]byte
							binary.LittleEndian.PutUint32(b[:], uint32(vtid))
							_ = t.v.mem(t).Write(t.clone.ptid, b[:])
						}
						ptrace.SetRet(&t.regs, int64(vtid))
						if t.v.setRegs(t) {
							t.v.cont(t, 0)
						}
					})
				})
				m.mu.Unlock()
			})
		})
	}
}

// pipeLocked: the leader makes the real pipe (or socket pair); each
// follower makes its own, which nobody uses, so that descriptor numbers stay
// the same everywhere.
func (m *Monitor) pipeLocked(lt *ltask, ts []*task) {
	leader := ts[0]
	fdsArg := 0
	if leader.call.Row.Name == "socketpair" {
		fdsArg = 3
	}
	leader.v.enqueue(func() {
		// Set on the leader's tracer, the only thread that reads it.
		leader.followersWait = true
		leader.v.contToExit(leader, func(ret int64) {
			leader.followersWait = false
			if ret < 0 {
				m.skipFollowers(ts, ret)
				leader.v.cont(leader, 0)
				return
			}
			var b [8]byte
			_ = ptrace.Mem{Pid: leader.tid}.Read(leader.call.Raw[fdsArg], b[:])
			fd0 := int(int32(binary.LittleEndian.Uint32(b[0:])))
			fd1 := int(int32(binary.LittleEndian.Uint32(b[4:])))
			m.mu.Lock()
			lt.proc.fds.set(fd0, fdInfo{})
			lt.proc.fds.set(fd1, fdInfo{})
			for _, f := range ts[1:] {
				f.v.enqueue(func() {
					f.v.contToExit(f, func(ret int64) {
						var fb [8]byte
						_ = f.v.mem(f).Read(f.call.Raw[fdsArg], fb[:])
						if ret < 0 || fb != b {
							m.mu.Lock()
							m.errorLocked("variant %d: descriptor tables out of step at %s", f.v.idx, f.call.Row.Name)
							m.mu.Unlock()
							return
						}
						f.v.cont(f, 0)
					})
				})
			}
			m.mu.Unlock()
			leader.v.cont(leader, 0)
		})
	})
}

// waitLocked: the leader waits first; each follower then reaps the same
// logical child (blocking: it is in lockstep, so it ends too), and the
// exit statuses must agree. Without this, followers whose children end in
// another order would reap other children and diverge for nothing.
func (m *Monitor) waitLocked(lt *ltask, ts []*task) {
	leader := ts[0]
	c := leader.call
	isWaitid := c.Row.Name == "waitid"
	leader.v.enqueue(func() {
		// Set on the leader's tracer, the only thread that reads it.
		leader.followersWait = true
		leader.v.contToExit(leader, func(ret int64) {
			leader.followersWait = false
			outs, _ := canon.Capture(c, ret, ptrace.Mem{Pid: leader.tid})
			var childVtid int
			if isWaitid && ret == 0 {
				// The reaped child's pid is in siginfo.si_pid (offset 16).
				var b [4]byte
				if c.Raw[2] != 0 && (ptrace.Mem{Pid: leader.tid}).Read(c.Raw[2]+16, b[:]) == nil {
					childVtid = int(int32(binary.LittleEndian.Uint32(b[:])))
				}
			} else if !isWaitid && ret > 0 {
				childVtid = int(ret)
			}
			var status [4]byte
			if !isWaitid && ret > 0 && c.Raw[1] != 0 {
				_ = ptrace.Mem{Pid: leader.tid}.Read(c.Raw[1], status[:])
			}
			m.mu.Lock()
			child := m.byVtid[childVtid]
			opts := c.Raw[2]
			if isWaitid {
				opts = c.Raw[3]
			}
			if child != nil && child.nExited == m.n && opts&unix.WNOWAIT == 0 {
				// Reaped: its pid may be reused from now on.
				delete(m.byVtid, childVtid)
			}
			for i, f := range ts[1:] {
				v := i + 1
				if childVtid <= 0 || child == nil || child.tids[v] == 0 {
					ret, outs := toGenericFor(f, c.Row, ret, outs)
					f.v.enqueue(func() { f.v.skip(f, ret, outs) })
					continue
				}
				real := child.tids[v]
				f.v.enqueue(func() { f.v.waitSame(f, real, ret, outs, status, isWaitid) })
			}
			m.mu.Unlock()
			leader.v.cont(leader, 0)
		})
	})
}

// waitSame makes a follower reap its own instance of the child the leader
// reaped, and checks that it ended the same way.
func (v *variant) waitSame(t *task, real int, ret int64, outs []canon.Out, status [4]byte, isWaitid bool) {
	entry := t.regs
	args := ptrace.Args(&t.regs)
	if isWaitid {
		ptrace.SetArg(&t.regs, 0, unix.P_PID)
		ptrace.SetArg(&t.regs, 1, uint64(real))
		ptrace.SetArg(&t.regs, 3, args[3]&^unix.WNOHANG)
	} else {
		ptrace.SetArg(&t.regs, 0, uint64(real))
		ptrace.SetArg(&t.regs, 2, args[2]&^unix.WNOHANG)
	}
	if !v.setRegs(t) {
		return
	}
	v.contToExit(t, func(got int64) {
		m := v.m
		var mine [4]byte
		if !isWaitid && t.call.Raw[1] != 0 {
			_ = v.mem(t).Read(t.call.Raw[1], mine[:])
		}
		if got < 0 || (!isWaitid && mine != status) {
			m.mu.Lock()
			m.divergeLocked(t.lt, t.call.Row.Name, fmt.Sprintf(
				"a child process ended differently in variant %d than in the leader (status %#x vs %#x, result %d)",
				v.idx, binary.LittleEndian.Uint32(mine[:]), binary.LittleEndian.Uint32(status[:]), got))
			m.mu.Unlock()
			return
		}
		if len(outs) > 0 {
			_ = v.apply(t, outs)
		}
		t.regs = entry
		ptrace.SetRet(&t.regs, ret)
		if v.setRegs(t) {
			v.cont(t, 0)
		}
	})
}

// epollCtlAfter records, once the leader's epoll_ctl has succeeded, each
// variant's epoll_event.data for the descriptor (a failed ADD, say EEXIST,
// must not replace the mapping of the one that is registered).
func (m *Monitor) epollCtlAfter(lt *ltask, ts []*task) func(ret int64) {
	c := ts[0].call
	epfd, op, fd := int(int32(c.Raw[0])), int(c.Raw[1]), int(int32(c.Raw[2]))
	d := make([]uint64, m.n)
	for i, t := range ts {
		d[i] = t.aux
	}
	return func(ret int64) {
		if ret != 0 {
			return
		}
		em := lt.proc.fds.epoll[epfd]
		if em == nil {
			em = &epollMap{data: make(map[int][]uint64), rev: make(map[uint64]int)}
			lt.proc.fds.epoll[epfd] = em
		}
		old, had := em.data[fd]
		switch op {
		case unix.EPOLL_CTL_ADD, unix.EPOLL_CTL_MOD:
			em.data[fd] = d
			em.rev[d[0]] = fd
		case unix.EPOLL_CTL_DEL:
			delete(em.data, fd)
		}
		if had && em.rev[old[0]] == fd && (op == unix.EPOLL_CTL_DEL || old[0] != d[0]) {
			// Programs may register several descriptors with the same
			// data: the value still names whichever of them remains.
			delete(em.rev, old[0])
			for ofd, od := range em.data {
				if od[0] == old[0] {
					em.rev[old[0]] = ofd
					break
				}
			}
		}
		if ip := lt.proc.fds.ipm; ip != nil {
			keys := []uint64{d[0]}
			if had {
				keys = append(keys, old[0])
			}
			ip.epollSync(epfd, em, keys...)
		}
	}
}

// leaderCustomLocked: the leader executes a call whose output the followers
// need in their own form (epoll data, msghdr, fd_sets).
func (m *Monitor) leaderCustomLocked(lt *ltask, ts []*task) {
	leader := ts[0]
	c := leader.call
	leader.v.enqueue(func() {
		// Set on the leader's tracer, the only thread that reads it.
		leader.followersWait = true
		leader.v.contToExit(leader, func(ret int64) {
			leader.followersWait = false
			mem := ptrace.Mem{Pid: leader.tid}
			var write func(m *Monitor, v int, f *task)
			switch c.Row.Handler {
			case canon.HEpollWait:
				write = epollWaitOutput(lt, c, ret, mem, leader.regs.Arch)
			case canon.HRecvmsg:
				write = recvmsgOutput(c, ret, mem)
			case canon.HSelect:
				write = selectOutput(c, ret, mem)
			case canon.HSendmsg:
				write = sendmmsgOutput(c, ret, mem)
			}
			m.mu.Lock()
			for i, f := range ts[1:] {
				v := i + 1
				f.v.enqueue(func() {
					if write != nil {
						write(m, v, f)
					}
					f.v.skip(f, ret, nil)
				})
			}
			m.mu.Unlock()
			leader.v.cont(leader, 0)
		})
	})
}

// epollWaitOutput maps each event's data from the leader's value to the
// follower's value for the same descriptor, in each one's layout.
func epollWaitOutput(lt *ltask, c *canon.Call, ret int64, mem canon.Mem, arch ptrace.Arch) func(*Monitor, int, *task) {
	if ret <= 0 || c.Raw[1] == 0 || ret > 1<<16 {
		return nil
	}
	size, dataAt := epollLayout(arch)
	evs := make([]byte, size*int(ret))
	if mem.Read(c.Raw[1], evs) != nil {
		return nil
	}
	epfd := int(int32(c.Raw[0]))
	return func(m *Monitor, v int, f *task) {
		fsize, fdataAt := epollLayout(f.regs.Arch)
		out := make([]byte, fsize*int(ret))
		m.mu.Lock()
		em := lt.proc.fds.epoll[epfd]
		for i := 0; i < int(ret); i++ {
			ev, o := evs[size*i:], out[fsize*i:]
			copy(o[:4], ev[:4]) // events
			d := binary.LittleEndian.Uint64(ev[dataAt:])
			if em != nil {
				if fd, ok := em.rev[d]; ok {
					if vals, ok := em.data[fd]; ok && v < len(vals) {
						d = vals[v]
					}
				}
			}
			binary.LittleEndian.PutUint64(o[fdataAt:], d)
		}
		m.mu.Unlock()
		_ = f.v.mem(f).Write(f.call.Raw[1], out)
	}
}

// epollLayout is struct epoll_event on an instruction set: its size and
// where its data sits. x86-64 packs it (12 bytes, data at 4); every other
// ISA aligns data (16 bytes, data at 8).
func epollLayout(a ptrace.Arch) (size, dataAt int) {
	if a == ptrace.ArchAMD64 {
		return 12, 4
	}
	return 16, 8
}

// recvmsgOutput copies the leader's received address, data, ancillary data
// and flags into the follower's own msghdr.
func recvmsgOutput(c *canon.Call, ret int64, mem canon.Mem) func(*Monitor, int, *task) {
	if ret < 0 || c.Raw[1] == 0 {
		return nil
	}
	h, ok := readMsghdr(mem, c.Raw[1])
	if !ok {
		return nil
	}
	var flags [4]byte
	_ = mem.Read(c.Raw[1]+msgFlags, flags[:])
	name := make([]byte, min(h.namelen, 128))
	if h.name != 0 {
		_ = mem.Read(h.name, name)
	}
	data := make([]byte, 0, ret)
	left := uint64(ret)
	iovs, _ := canon.ReadIovecs(mem, h.iov, h.iovlen)
	for _, iov := range iovs {
		n := min(left, iov.Len)
		if n == 0 {
			continue
		}
		b := make([]byte, n)
		_ = mem.Read(iov.Base, b)
		data = append(data, b...)
		left -= n
	}
	control := make([]byte, min(h.controllen, 4096))
	if h.control != 0 {
		_ = mem.Read(h.control, control)
	}
	return func(_ *Monitor, _ int, f *task) {
		fm := f.v.mem(f)
		fh, ok := readMsghdr(fm, f.call.Raw[1])
		if !ok {
			return
		}
		var b [8]byte
		if fh.name != 0 {
			_ = fm.Write(fh.name, name[:min(uint32(len(name)), fh.namelen)])
		}
		binary.LittleEndian.PutUint32(b[:4], h.namelen)
		_ = fm.Write(f.call.Raw[1]+msgNamelen, b[:4])
		rest := data
		fiovs, _ := canon.ReadIovecs(fm, fh.iov, fh.iovlen)
		for _, iov := range fiovs {
			n := min(uint64(len(rest)), iov.Len)
			if n == 0 {
				continue
			}
			_ = fm.Write(iov.Base, rest[:n])
			rest = rest[n:]
		}
		if fh.control != 0 {
			_ = fm.Write(fh.control, control[:min(uint64(len(control)), fh.controllen)])
		}
		binary.LittleEndian.PutUint64(b[:], h.controllen)
		_ = fm.Write(f.call.Raw[1]+msgControllen, b[:])
		_ = fm.Write(f.call.Raw[1]+msgFlags, flags[:])
	}
}

// sendmmsgOutput copies the byte counts the kernel stored in the leader's
// mmsghdr array for the messages it sent.
func sendmmsgOutput(c *canon.Call, ret int64, mem canon.Mem) func(*Monitor, int, *task) {
	if ret <= 0 || c.Raw[1] == 0 || uint64(ret) > maxMmsg {
		return nil
	}
	lens := make([][4]byte, ret)
	for i := range lens {
		_ = mem.Read(c.Raw[1]+uint64(i)*mmsghdrSize+msghdrSize, lens[i][:])
	}
	return func(_ *Monitor, _ int, f *task) {
		for i := range lens {
			_ = f.v.mem(f).Write(f.call.Raw[1]+uint64(i)*mmsghdrSize+msghdrSize, lens[i][:])
		}
	}
}

// selectOutput copies the leader's resulting fd_sets and timeout.
func selectOutput(c *canon.Call, ret int64, mem canon.Mem) func(*Monitor, int, *task) {
	if ret < 0 {
		return nil
	}
	n := fdSetBytes(c.Raw[0])
	var sets [3][]byte
	for i := 1; i <= 3; i++ {
		if c.Raw[i] != 0 {
			sets[i-1] = make([]byte, n)
			_ = mem.Read(c.Raw[i], sets[i-1])
		}
	}
	var tv []byte
	if c.Raw[4] != 0 {
		tv = make([]byte, 16)
		_ = mem.Read(c.Raw[4], tv)
	}
	return func(_ *Monitor, _ int, f *task) {
		fm := f.v.mem(f)
		for i := 1; i <= 3; i++ {
			if sets[i-1] != nil && f.call.Raw[i] != 0 {
				_ = fm.Write(f.call.Raw[i], sets[i-1])
			}
		}
		if tv != nil && f.call.Raw[4] != 0 {
			_ = fm.Write(f.call.Raw[4], tv)
		}
	}
}
