package cpmon

import (
	"fmt"

	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"

	"golang.org/x/sys/unix"
)

// IP-MON in forked children. A child made by fork (a new process with its
// own memory and descriptor table) inherits its parent's IP-MON mapped at
// the parent's addresses, buffers included: used as it is, the child would
// write into its parent's buffers. So the child starts on the dead page
// (every call to CP-MON), and at its first system call, in every variant,
// CP-MON maps a region of the child's own, unmaps the parent's, and points
// %gs at the child's control page; the call is then made again. Children
// that share memory or descriptors with their parent (vfork, CLONE_VM,
// CLONE_FILES) stay on CP-MON until they exec.

// forkIPMONAfter is how many calls IP-MON would take a forked child makes
// on CP-MON before it gets IP-MON of its own. Mapping a region costs about
// seven injected calls per variant, which a child that soon execs (most of
// a shell's) would pay for nothing; these calls are the same logical ones
// in every variant, so all switch at the same point.
const forkIPMONAfter = 8

// forkIPMONLocked prepares the region of clt, the first thread of a
// process forked from parent.
func (m *Monitor) forkIPMONLocked(parent *lproc, clt *ltask) {
	pip := parent.ipm
	if m.ipm == nil || !m.ipm.on || pip == nil || pip.reg == nil {
		return
	}
	reg, err := ipmon.NewRegion(m.n)
	if err != nil {
		m.log.Warn("IP-MON off in a forked child", "err", err)
		return
	}
	slot, _ := reg.Alloc()
	ip := &ipmonProc{
		m: m, reg: reg, pids: make([]int, m.n), live: 1, noEpoll: make(map[int]bool),
		// The child's copy of IP-MON holds the stubs its parent had
		// written, and its libc the patched sites.
		sites: append([]siteArea(nil), pip.sites...), siteSeen: make(map[uint64]bool, len(pip.siteSeen)),
		inherited: make([]uint64, m.n), injected: make([]bool, m.n), fdPid: pip.pids[0],
		// The child's static TLS is a copy of its parent's.
		tls: pip.tls,
	}
	for v := range m.n {
		ip.inherited[v] = pip.mappedBase(v)
		reg.Avoid(v, ipmon.Span{Lo: m.ipm.gates[v], Size: ipmon.Page}, ipmon.Span{Lo: ip.inherited[v], Size: ipmon.RegionSize})
	}
	for k := range pip.siteSeen {
		ip.siteSeen[k] = true
	}
	for range m.n {
		ip.epoll = append(ip.epoll, &ipmon.EpollMap{})
	}
	m.ipm.procs[ip] = true
	clt.proc.ipm = ip
	clt.proc.fds.ipm = ip
	clt.slot = slot
	m.stats.IPMONRegistered++
}

// injectFork maps the region of t's process into t (its first thread, at
// its first system call), unmaps the parent's, and lets the call be made
// again with %gs on the child's control page.
func (v *variant) injectFork(t *task, ip *ipmonProc) {
	m := v.m
	m.mu.Lock()
	if ip.reg == nil || t.lt.proc.ipm != ip || t.lt.slot < 0 || ip.noInject || m.otherThreadsLocked(t.lt) {
		// Released already (the child exec'd or ended), or it has
		// threads, which could be running IP-MON's code: stay on CP-MON.
		ip.noInject = true
		m.mu.Unlock()
		v.entry(t)
		return
	}
	reg, slot := ip.reg, t.lt.slot
	// The descriptor classes come from the leader's own child, or, before
	// it has started, from its parent, whose descriptors it copies.
	pid := ip.pids[0]
	if pid == 0 {
		pid = ip.fdPid
	}
	fdmap := m.fdMapLocked(t.lt.proc.fds, pid)
	ctl := reg.Ctl(m.ctlSpec(v.idx, slot))
	m.mu.Unlock()

	if r := v.rem; r != nil {
		// Its executor maps the region on its host, unmaps the parent's,
		// and has the task make the call again; the records go from now.
		var seq uint64
		if b := reg.Buffer(slot); b != nil {
			seq = b.Seen(v.idx - 1) // consumed here so far (consumeMarkersLocked)
		}
		r.push(&command{op: opFork, tid: t.tid, base: reg.Bases[v.idx], parent: ip.inherited[v.idx],
			seq: seq, slot: slot, ctl: ctl, fdmap: fdmap})
		r.ship.start(reg, slot)
		m.mu.Lock()
		defer m.mu.Unlock()
		v.forkMappedLocked(t, ip)
		return
	}

	in := &injector{v: v, t: t, saved: t.regs}
	err := in.mapRegion(reg)
	if err == nil {
		var r int64
		r, err = in.call(unix.SYS_MUNMAP, ip.inherited[v.idx], ipmon.CtlSpan+ipmon.Slots*ipmon.RBSpan)
		if err == nil && r != 0 {
			err = fmt.Errorf("unmapping the parent's region: %d", r)
		}
	}
	if err == nil {
		err = in.fill(reg, slot, ctl, fdmap)
	}
	if err == nil {
		err = in.again(ip.tlsOff(v.idx), reg.CtlAddr(v.idx, slot))
	}
	if err != nil && in.lost != nil {
		v.gone(t, *in.lost)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.errorLocked("variant %d: setting up IP-MON in forked child %d: %v", v.idx, t.tid, err)
		return
	}
	v.forkMappedLocked(t, ip)
}

// forkMappedLocked: variant v's child has its region.
func (v *variant) forkMappedLocked(t *task, ip *ipmonProc) {
	m := v.m
	ip.injected[v.idx] = true
	if ip.mapped++; ip.mapped == m.n && t.lt.proc.ipm == ip {
		// Every variant's child has the region: the epoll descriptors it
		// inherited get their maps.
		for epfd, em := range t.lt.proc.fds.epoll {
			ip.epollSync(epfd, em, em.keys()...)
		}
	}
}

// again puts the task back at the entry of the call it was stopped at, with
// its %gs base at gs: resumed, it makes the call again and stops for it at
// seccomp. Signals put off on the way are sent again.
func (in *injector) again(tls, gs uint64) error {
	if !in.atExit {
		return fmt.Errorf("nothing was injected")
	}
	// Stopped at an injected call's exit: back to the syscall
	// instruction, with the original number.
	r := in.saved
	if err := setArea(in.t, &r, tls, gs); err != nil {
		return err
	}
	ptrace.RedoAs(&r, ptrace.Nr(&r))
	return in.resume(r)
}
