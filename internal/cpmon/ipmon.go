package cpmon

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/policy"
	"dmvx/internal/ptrace"
	"dmvx/internal/rb"
	"dmvx/internal/report"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// IP-MON in a nutshell (CP-MON's side): every variant of a dynamically
// linked program gets IP-MON with LD_PRELOAD and a seccomp filter that lets
// the calls IP-MON may take through from one address, its gate, which
// CP-MON maps at a random address of its choosing. IP-MON's constructor
// makes a registration call; CP-MON checks where it comes from, in lockstep
// with the other variants, and only then maps the gate, the control pages
// and the replication buffers into the variant (by injecting the calls),
// and points the thread's %gs base at its control page. From then on the
// program's hot calls reach IP-MON by a function call and the kernel by the
// gate, with no stop; CP-MON still sees every other call, and adds a record
// to the thread's buffer whenever the leader stops at one, so that a
// follower's IP-MON and CP-MON both know where the leader's thread went.

// ipmonRun is a run's IP-MON setup.
type ipmonRun struct {
	on      bool
	why     string // why it is off
	path    string // the installed object
	level   canon.Level
	allowed []uint32 // calls IP-MON takes at this level
	// subs are the sub-commands it takes of multiplexed calls in allowed.
	subs    map[uint32]policy.Sub
	gates   []uint64 // per variant
	key     uint64
	spin    uint32
	sockets uint32
	// counters of released regions.
	counters rb.Counters
	procs    map[*ipmonProc]bool
	// remotes: some variants run on follower hosts (ipmonremote.go),
	// whose objects must have the digests the hello names (ipmonHashes).
	remotes bool
}

// ipmonProc is one process image's IP-MON: its region and, per variant,
// the process it lives in.
type ipmonProc struct {
	m    *Monitor
	reg  *ipmon.Region
	pids []int
	live int // slots in use
	// epoll is each follower's epoll map (index 0 unused); noEpoll the
	// epoll descriptors whose map did not fit, left to CP-MON.
	epoll   []*ipmon.EpollMap
	noEpoll map[int]bool
	// fdGen is the leader's map counter CP-MON last reconciled with.
	fdGen uint64
	// sites is each variant's stub area for patched syscall sites;
	// siteSeen the sites (the leader's addresses) already looked at.
	sites    []siteArea
	siteSeen map[uint64]bool
	// sharedVM: a process made with CLONE_VM (not vfork) shares the
	// image's memory, so its code is no longer patched.
	sharedVM bool
	// For a forked process: the parent's region in each variant, which
	// the child inherited and unmaps, the leader's pid that the descriptor
	// classes are read from, and how many variants have mapped the new
	// region.
	inherited []uint64
	fdPid     int
	mapped    int
	// injected says, per variant, that the child mapped its region;
	// noInject that it made a thread first, so it never will.
	injected []bool
	noInject bool
	// tls is, per variant, the distance of arm64 IP-MON's TLS slot from
	// the thread pointer (ipmonarea.go); nil on x86-64.
	tls []uint64
}

// mappedBase is the base of the region that variant v's process has
// mapped: its own, or, for a forked process that has not mapped its own
// yet, the one it inherited.
func (ip *ipmonProc) mappedBase(v int) uint64 {
	if ip.inherited != nil && !ip.injected[v] {
		return ip.inherited[v]
	}
	return ip.reg.Bases[v]
}

// epollSync brings every follower's epoll map up to date for the leader's
// data values keys of epfd, from CP-MON's own map. Called with m.mu held.
func (ip *ipmonProc) epollSync(epfd int, em *epollMap, keys ...uint64) {
	if epfd < 0 || epfd >= ipmon.MaxFD || ip.noEpoll[epfd] {
		return
	}
	for _, key := range keys {
		vals, have := []uint64(nil), false
		if em != nil {
			if fd, ok := em.rev[key]; ok {
				vals, have = em.data[fd]
			}
		}
		for v := 1; v < len(ip.pids); v++ {
			var e ipmon.EpollEntry
			var ok bool
			if have && v < len(vals) {
				if e, ok = ip.epoll[v].Set(uint32(epfd), key, vals[v]); !ok {
					// Full: this epoll descriptor becomes CP-MON's.
					ip.noEpoll[epfd] = true
					ip.fdChanged(epfd, fdInfo{}, true)
					return
				}
			} else if e, ok = ip.epoll[v].Delete(uint32(epfd), key); !ok {
				continue
			}
			ip.write(v, ip.reg.EpollAddr(v)+e.Off, e.Data[:])
		}
	}
}

// epollDrop forgets an epoll descriptor that was closed.
func (ip *ipmonProc) epollDrop(epfd int, em *epollMap) {
	if em == nil {
		delete(ip.noEpoll, epfd)
		return
	}
	ip.epollSync(epfd, nil, em.keys()...)
	delete(ip.noEpoll, epfd)
}

const hIPMONRegister = "ipmon_register"

var registerRow = &canon.Row{Name: "ipmon_register", Args: canon.A(canon.IntA, canon.IntA),
	Exec: canon.ExecSpecial, Handler: hIPMONRegister}

// setupIPMON decides whether this run uses IP-MON and prepares what the
// variants start with: the environment and each variant's filter.
func (m *Monitor) setupIPMON() (env []string, filters [][]bpf.RawInstruction) {
	ip := &ipmonRun{level: m.cfg.Policy, procs: make(map[*ipmonProc]bool)}
	m.ipm = ip
	env = m.cfg.Env
	ip.remotes = len(m.cfg.Remotes) > 0
	switch {
	case m.cfg.NoIPMON:
		ip.why = "switched off (--no-ipmon)"
	case m.n < 2 || m.n > rb.MaxFollowers+1:
		ip.why = fmt.Sprintf("%d variants: IP-MON takes 2 to %d", m.n, rb.MaxFollowers+1)
	}
	for i, p := range m.cfg.Paths {
		if ip.why != "" {
			break
		}
		if static, err := staticBinary(p); err != nil || static {
			ip.why = fmt.Sprintf("variant %d (%s) is statically linked: LD_PRELOAD cannot load IP-MON, every call goes to CP-MON", i, p)
		}
	}
	var obj []byte
	var err error
	if ip.why == "" {
		if obj, err = ipmon.Object(); err != nil {
			ip.why = err.Error()
		}
	}
	var impl []uint32
	var implSubs map[uint32][]uint32
	if ip.why == "" {
		if impl, err = ipmon.Calls(obj); err == nil {
			implSubs, err = ipmon.Subs(obj)
		}
		if err != nil {
			ip.why = err.Error()
		}
	}
	if ip.why == "" {
		if ip.path, err = ipmon.Install(obj); err != nil {
			ip.why = err.Error()
			m.log.Warn("IP-MON off", "err", err)
		}
	}
	if ip.why != "" {
		return env, nil
	}
	ip.on = true
	ip.allowed, ip.subs = allowedCalls(m.cfg.Policy, impl, implSubs)
	ip.key = ipmon.RandomKey()
	if m.n <= runtime.NumCPU() {
		// Followers poll a little before they sleep, when each variant
		// can have a CPU of its own (on fewer CPUs, polling steals the
		// leader's). A little: waking a sleeping vCPU is dear on these
		// VMs, but a follower that polls long takes the CPU a server's
		// clients need (measured: lighttpd keeps less throughput with
		// 2000 polls than with 256; docs/performance.md).
		ip.spin = 256
	}
	if m.cfg.Policy >= canon.SocketRO {
		ip.sockets |= ipmon.SockRead
	}
	if m.cfg.Policy >= canon.SocketRW {
		ip.sockets |= ipmon.SockWr
	}
	gateSet := gateCalls(ip.allowed, ip.subs)
	for v := 0; v < m.n; v++ {
		g := ipmon.RandomBase(ipmon.Page)
		ip.gates = append(ip.gates, g)
		prog, err := policy.Filter(policy.FilterSpec{ARM64: ptrace.Native == ptrace.ArchARM64,
			Gate: g + uint64(ptrace.Native.SyscallLen()), IPMON: gateSet, Subs: ip.subs})
		if err != nil {
			ip.on, ip.why = false, err.Error()
			return m.cfg.Env, nil
		}
		filters = append(filters, prog)
	}
	preload := ip.path
	var out []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "LD_PRELOAD="); ok && v != "" {
			preload = ip.path + ":" + v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LD_PRELOAD="+preload), filters
}

// gateCalls are the calls the filter lets through from the gate: those
// IP-MON takes, and futex, which IP-MON's buffer waits need (the program's
// own futex calls do not come from the gate), and restart_syscall, how the
// kernel resumes such a wait (a timed futex) that a signal interrupted:
// from the gate again.
func gateCalls(allowed []uint32, subs map[uint32]policy.Sub) []uint32 {
	set := append(append([]uint32(nil), allowed...), unix.SYS_FUTEX, unix.SYS_RESTART_SYSCALL)
	if _, ok := subs[unix.SYS_OPENAT]; ok {
		// IP-MON's openat tells a file from a pipe (fstatfs),
		// and a follower makes a placeholder for the leader's pipe or
		// device (eventfd2), as CP-MON does.
		set = append(set, unix.SYS_FSTATFS, unix.SYS_EVENTFD2)
	}
	sortU32(set)
	return set
}

// allowedCalls returns the calls IP-MON takes at level: those it
// implements that the level gives it, and the multiplexed ones (fcntl,
// ioctl) it implements some sub-commands of that the level gives it, with
// those sub-commands. Every other sub-command of theirs goes to CP-MON.
func allowedCalls(level canon.Level, impl []uint32, implSubs map[uint32][]uint32) ([]uint32, map[uint32]policy.Sub) {
	subs := policy.IPMONSubs(nativeABI.Table, level, implSubs)
	openNr, openSub, openOK := policy.IPMONOpenAt(level, unix.SYS_OPENAT)
	var out []uint32
	for _, nr := range impl {
		row := nativeABI.Table[uint64(nr)]
		if row == nil {
			continue
		}
		if openOK && nr == openNr {
			out = append(out, nr)
			subs[nr] = openSub
			continue
		}
		if row.Sub != nil {
			if _, ok := subs[nr]; ok {
				out = append(out, nr)
			}
			continue
		}
		if policy.ForIPMON(row, level) {
			out = append(out, nr)
		}
	}
	sortU32(out)
	return out, subs
}

func sortU32(s []uint32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// staticBinary reports whether path has no program interpreter (a static
// binary, or static-pie), where LD_PRELOAD does nothing.
func staticBinary(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		// Not ELF (a script): its interpreter decides, and is dynamic
		// on any system dmvx supports.
		return false, nil
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// ipmonEntry handles IP-MON's pseudo-calls.
func (v *variant) ipmonEntry(t *task, nr uint64, args [6]uint64) {
	m := v.m
	switch nr {
	case ipmon.NrRegister:
		if !m.ipm.on {
			v.skipNow(t, -int64(unix.ENOSYS))
			return
		}
		c, err := canon.Decode(registerRow, nr, args, ptrace.Mem{Pid: t.tid})
		if err != nil {
			c = &canon.Call{Row: registerRow, Nr: nr, Raw: args}
		}
		t.call = c
		t.ipmonRefused = ""
		if r := v.rem; r != nil && r.ev != nil && r.ev.flags&stCallErr != 0 {
			// The follower host checked where the call comes from.
			t.ipmonRefused = r.ev.callErr
		}
		m.arrive(t)
	case ipmon.NrDiverge:
		v.ipmonDiverge(t, args)
	}
}

// skipNow ends the call t is stopped at with ret, unexecuted.
func (v *variant) skipNow(t *task, ret int64) {
	ptrace.Skip(&t.regs, ret)
	if v.setRegs(t) {
		v.cont(t, 0)
	}
}

// registerLocked: every variant's IP-MON asked to register. Check each,
// then give each its region.
func (m *Monitor) registerLocked(lt *ltask, ts []*task) {
	m.countLocked(ts[0].call, "all")
	refuse := func(errno syscall.Errno, why string) {
		m.log.Warn("IP-MON registration refused", "reason", why)
		for _, t := range ts {
			t.v.enqueue(func() { t.v.skipNow(t, -int64(errno)) })
		}
	}
	if m.otherThreadsLocked(lt) {
		// Other threads would run IP-MON with no control page.
		refuse(unix.EBUSY, "the process has several threads already")
		return
	}
	sites := make([]siteArea, m.n)
	var tls []uint64
	for i, t := range ts {
		a := t.call.Raw
		if a[0] != ipmon.CtlMagic || a[1] != ipmon.ABIVersion {
			refuse(unix.EPROTO, fmt.Sprintf("variant %d: IP-MON of another build (magic %#x, ABI version %d, want %#x, %d)",
				i, a[0], a[1], uint64(ipmon.CtlMagic), ipmon.ABIVersion))
			return
		}
		if t.v.rem != nil {
			// Its executor checked the call against its own copy of the
			// object, as below.
			if t.ipmonRefused != "" {
				refuse(unix.EPERM, fmt.Sprintf("variant %d on %s: %s", i, t.v.rem.spec.Addr, t.ipmonRefused))
				return
			}
			sites[i] = siteArea{next: a[2], end: a[2] + a[3], entry: a[4]}
			continue
		}
		if err := fromObject(t.tid, ptrace.PC(&t.regs), m.ipm.path); err != nil {
			refuse(unix.EPERM, fmt.Sprintf("variant %d: %v", i, err))
			return
		}
		if t.regs.Arch == ptrace.ArchARM64 {
			// No patched sites there yet; a[5] is the TLS slot, checked
			// by the variant's tracer (injectRegister), which alone may
			// read the thread's pointer.
			if err := noStubArea(a); err != nil {
				refuse(unix.EPERM, fmt.Sprintf("variant %d: %v", i, err))
				return
			}
			if tls == nil {
				tls = make([]uint64, m.n)
			}
			continue
		}
		if err := registerArgsOK(t.tid, a, m.ipm.path); err != nil {
			refuse(unix.EPERM, fmt.Sprintf("variant %d: %v", i, err))
			return
		}
		sites[i] = siteArea{next: a[2], end: a[2] + a[3], entry: a[4]}
	}
	reg, err := ipmon.NewRegion(m.n)
	if err != nil {
		refuse(unix.ENOMEM, err.Error())
		return
	}
	for v, g := range m.ipm.gates {
		reg.Avoid(v, ipmon.Span{Lo: g, Size: ipmon.Page})
	}
	m.releaseIPMONLocked(lt.proc)
	slot, _ := reg.Alloc()
	ip := &ipmonProc{m: m, reg: reg, pids: append([]int(nil), lt.tids...), live: 1, noEpoll: make(map[int]bool),
		sites: sites, siteSeen: make(map[uint64]bool), tls: tls}
	for range m.n {
		ip.epoll = append(ip.epoll, &ipmon.EpollMap{})
	}
	m.ipm.procs[ip] = true
	lt.proc.ipm = ip
	lt.proc.fds.ipm = ip
	lt.slot = slot
	fdmap := m.fdMapLocked(lt.proc.fds, lt.tids[0])
	m.stats.IPMONRegistered++
	var pending int
	for i, t := range ts {
		ctl := reg.Ctl(m.ctlSpec(i, slot))
		pending++
		t.v.enqueue(func() {
			var err error
			if r := t.v.rem; r != nil {
				// Mapped there by its executor, which then resumes the
				// task; its records go from now on.
				r.push(&command{op: opRegister, tid: t.tid, base: reg.Bases[i], gate: m.ipm.gates[i], slot: slot, ctl: ctl, fdmap: fdmap})
				r.ship.start(reg, slot)
				t.awaiting = false // resumed there, as v.cont would
			} else {
				err = t.v.injectRegister(t, reg, slot, ctl, fdmap)
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if err != nil {
				m.errorLocked("variant %d: setting up IP-MON: %v", i, err)
				return
			}
			if pending--; pending == 0 && lt.proc.ipm == ip {
				// Epoll descriptors made before IP-MON came (rare: the
				// loader and constructors) get their maps now.
				for epfd, em := range lt.proc.fds.epoll {
					ip.epollSync(epfd, em, em.keys()...)
				}
			}
		})
	}
}

func (m *Monitor) ctlSpec(v, slot int) ipmon.CtlSpec {
	// Small results travel through shared memory for less than a kernel
	// entry costs (measured, docs/performance.md); across hosts getcwd
	// and uname must be the leader's anyway (hostDependent). Opens for
	// writing stay CP-MON's with followers on other hosts: each host
	// writes its own copy of the file (mirrored), which IP-MON's writes,
	// the leader's alone, would not.
	return ipmon.CtlSpec{Variant: v, Slot: slot, Gate: m.ipm.gates[v], Spin: m.ipm.spin,
		Key: m.ipm.key, Sockets: m.ipm.sockets, Allowed: m.allowedInLocked(v), CopyLocal: true,
		OpenWrite: m.ipm.level >= canon.NonsocketRW && !m.ipm.remotes, LeaderStat: m.ipm.remotes,
		Remote: m.remoteOf(v) != nil}
}

// registerArgsOK checks the registration call's stub area (a[2], a[3]
// bytes) and site entry (a[4]) are IP-MON's code.
func registerArgsOK(pid int, a [6]uint64, path string) error {
	if a[3] != ipmon.StubsSize || !inObject(pid, a[2], a[3], path) || !inObject(pid, a[4], 1, path) {
		return fmt.Errorf("the stub area (%#x, %d bytes) or site entry (%#x) is not IP-MON's code", a[2], a[3], a[4])
	}
	return nil
}

// fromObject checks that pc lies in a mapping of the installed IP-MON.
func fromObject(pid int, pc uint64, path string) error {
	mp, err := mappingAt(pid, pc)
	if err != nil {
		return fmt.Errorf("the registration call comes from %w", err)
	}
	if mp.file != path || !mp.exec {
		return fmt.Errorf("the registration call comes from %s, not from IP-MON", mp.file)
	}
	return nil
}

// inObject checks that [addr, addr+n) lies in one executable mapping of the
// installed IP-MON.
func inObject(pid int, addr, n uint64, path string) bool {
	mp, err := mappingAt(pid, addr)
	return err == nil && mp.file == path && mp.exec && addr+n >= addr && addr+n <= mp.hi
}

// mapping is a line of /proc/PID/maps: the file, its range, the file
// offset it starts at, and whether it is executable.
type mapping struct {
	file        string
	lo, hi, off uint64
	exec        bool
}

// mappingAt reads the mapping that holds addr from /proc/PID/maps.
func mappingAt(pid int, addr uint64) (mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return mapping{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		l, h, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		a, err1 := strconv.ParseUint(l, 16, 64)
		b, err2 := strconv.ParseUint(h, 16, 64)
		o, err3 := strconv.ParseUint(fields[2], 16, 64)
		if err1 != nil || err2 != nil || err3 != nil || addr < a || addr >= b {
			continue
		}
		// The path is the rest of the line: it may hold spaces ($TMPDIR).
		return mapping{file: strings.Join(fields[5:], " "), lo: a, hi: b, off: o, exec: strings.Contains(fields[1], "x")}, nil
	}
	return mapping{}, errors.New("unmapped memory")
}

// fdMapLocked encodes a descriptor table as IP-MON's map.
func (m *Monitor) fdMapLocked(fds *fdTable, leaderPid int) []byte {
	b := make([]byte, ipmon.MaxFD)
	for fd, info := range fds.fds {
		if fd >= 0 && fd < ipmon.MaxFD {
			b[fd] = fdClass(info, leaderPid, fd, m.ipm.remotes)
		}
	}
	return b
}

func fdClass(info fdInfo, leaderPid, fd int, remotes bool) byte {
	if remotes && info.mirror && !info.local {
		// A file every host writes its own copy of: CP-MON's, in
		// lockstep (mirrored).
		return ipmon.FDCPMON
	}
	if info.local {
		// What /proc and /sys say depends on who reads: each variant
		// reads its own, and the contents are not compared. /dev/null
		// and /dev/zero say the same to everyone by definition: nothing
		// to compare either.
		if p, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", leaderPid, fd)); err == nil &&
			(strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/") || p == "/dev/null" || p == "/dev/zero") {
			return ipmon.FDOwn
		}
		return ipmon.FDLocal
	}
	st, err := os.Stat(fmt.Sprintf("/proc/%d/fd/%d", leaderPid, fd))
	switch {
	case err == nil && st.Mode()&os.ModeSocket != 0:
		return ipmon.FDSocket
	case err == nil && st.Mode().IsRegular():
		// The leader's file (open for writing): IP-MON's writes to it
		// wait for the followers' own reads of local files.
		return ipmon.FDFile
	}
	return ipmon.FDLeader
}

// fdChanged updates every variant's map for one descriptor. Called with
// m.mu held, from fdTable.
func (ip *ipmonProc) fdChanged(fd int, info fdInfo, open bool) {
	if fd < 0 || fd >= ipmon.MaxFD {
		return
	}
	var c byte
	switch {
	case open && ip.noEpoll[fd]:
		c = ipmon.FDCPMON
	case open:
		c = fdClass(info, ip.pids[0], fd, ip.remotes())
	}
	for v := range ip.pids {
		ip.write(v, ip.reg.FDMapAddr(v)+uint64(fd), []byte{c})
	}
}

// injectRegister maps the region and the gate into t's process and points
// t's %gs at its control page, then ends the registration call with 0.
func (v *variant) injectRegister(t *task, reg *ipmon.Region, slot int, ctl, fdmap []byte) error {
	in := &injector{v: v, t: t, saved: t.regs}
	if ip := t.lt.proc.ipm; t.regs.Arch == ptrace.ArchARM64 && ip != nil && ip.tls != nil {
		off, err := tlsOffset(t.tid, t.call.Raw[5])
		if err != nil {
			return in.abandon(err)
		}
		ip.tls[v.idx] = off
	}
	if err := in.register(reg, slot, ctl, fdmap, v.m.ipm.gates[v.idx]); err != nil {
		return in.abandon(err)
	}
	return in.finish(0, t.lt.proc.ipm.tlsOff(v.idx), reg.CtlAddr(v.idx, slot))
}

// register maps reg and the gate into the task and fills slot's control
// page and the descriptor map.
func (in *injector) register(reg *ipmon.Region, slot int, ctl, fdmap []byte, gate uint64) error {
	if err := in.mapRegion(reg); err != nil {
		return err
	}
	r, err := in.call(unix.SYS_MMAP, gate, ipmon.Page, unix.PROT_READ|unix.PROT_EXEC,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, ^uint64(0), 0)
	if err == nil && uint64(r) != gate {
		err = fmt.Errorf("mapping the gate: %d", r)
	}
	if err == nil {
		err = ptrace.Mem{Pid: in.t.tid}.Write(gate, ipmon.GateFor(in.t.regs.Arch.String()))
	}
	if err == nil {
		err = in.fill(reg, slot, ctl, fdmap)
	}
	return err
}

// mapRegion maps reg into the task at the variant's base: the control
// pages read-only, the buffers shared (from CP-MON's memfd, which the task
// opens through /proc and closes again), the descriptor map writable.
func (in *injector) mapRegion(reg *ipmon.Region) error {
	t, v := in.t, in.v
	mem := ptrace.Mem{Pid: t.tid}
	// The path goes below the red zone of the stack, and away again.
	path := append([]byte(reg.Path()), 0)
	pathAt := (ptrace.SP(&t.regs) - 1024) &^ 15
	if err := mem.Write(pathAt, path); err != nil {
		return err
	}
	atFDCWD := int64(unix.AT_FDCWD)
	fd, err := in.call(unix.SYS_OPENAT, uint64(atFDCWD), pathAt, unix.O_RDWR|unix.O_CLOEXEC)
	_ = mem.Write(pathAt, make([]byte, len(path)))
	if err == nil && fd < 0 {
		err = fmt.Errorf("opening the buffers: %w", syscall.Errno(-fd))
	}
	if err != nil {
		return err
	}
	base := reg.Bases[v.idx]
	steps := []struct {
		what string
		nr   uint64
		args []uint64
		want uint64
	}{
		{"control pages", unix.SYS_MMAP, []uint64{base, ipmon.CtlSpan, unix.PROT_READ,
			unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_FIXED_NOREPLACE, ^uint64(0), 0}, base},
		{"buffers", unix.SYS_MMAP, []uint64{reg.BuffersAddr(v.idx), ipmon.Slots * ipmon.RBSpan, unix.PROT_READ | unix.PROT_WRITE,
			unix.MAP_SHARED | unix.MAP_FIXED_NOREPLACE, uint64(fd), 0}, reg.BuffersAddr(v.idx)},
		{"close", unix.SYS_CLOSE, []uint64{uint64(fd)}, 0},
		// The descriptor map is IP-MON's to write too (close, dup).
		{"descriptor map", unix.SYS_MPROTECT, []uint64{base, ipmon.Page, unix.PROT_READ | unix.PROT_WRITE}, 0},
	}
	for _, s := range steps {
		r, err := in.call(s.nr, s.args...)
		if err == nil && uint64(r) != s.want {
			err = fmt.Errorf("mapping the %s: %d", s.what, r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fill writes the descriptor map and the control page of slot.
func (in *injector) fill(reg *ipmon.Region, slot int, ctl, fdmap []byte) error {
	mem := ptrace.Mem{Pid: in.t.tid}
	if err := mem.Write(reg.FDMapAddr(in.v.idx), fdmap); err != nil {
		return err
	}
	return mem.Write(reg.CtlAddr(in.v.idx, slot), ctl)
}

// injector runs system calls of CP-MON's choosing in a task stopped at a
// seccomp stop, and puts the task back as it was.
type injector struct {
	v        *variant
	t        *task
	saved    ptrace.Regs
	atExit   bool
	deferred []syscall.Signal
	lost     *unix.WaitStatus
}

// call makes the task execute nr(args) and returns its result.
func (in *injector) call(nr uint64, args ...uint64) (int64, error) {
	tid := in.t.tid
	if in.atExit {
		// Back to the syscall instruction with a number the filter
		// sends to CP-MON: the task stops at seccomp again.
		r := in.saved
		ptrace.RedoAs(&r, ipmon.NrRegister)
		if err := ptrace.SetRegs(tid, &r); err != nil {
			return 0, err
		}
		if err := ptrace.Cont(tid, 0); err != nil {
			return 0, err
		}
		if err := in.wait(true); err != nil {
			return 0, err
		}
	}
	r := in.saved
	ptrace.SetNr(&r, nr)
	for i, a := range args {
		ptrace.SetArg(&r, i, a)
	}
	if err := ptrace.SetRegs(tid, &r); err != nil {
		return 0, err
	}
	if err := ptrace.ContToExit(tid); err != nil {
		return 0, err
	}
	if err := in.wait(false); err != nil {
		return 0, err
	}
	if err := ptrace.GetRegs(tid, &r); err != nil {
		return 0, err
	}
	in.atExit = true
	return ptrace.Ret(&r), nil
}

// wait waits for the task's seccomp stop or syscall-exit stop. Signals on
// the way are put off until the end.
func (in *injector) wait(seccomp bool) error {
	tid := in.t.tid
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(tid, &ws, unix.WALL, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if ws.Exited() || ws.Signaled() {
			in.lost = &ws
			return errors.New("the task ended")
		}
		if !ws.Stopped() {
			continue
		}
		sig := ws.StopSignal()
		switch {
		case seccomp && sig == syscall.SIGTRAP && ws.TrapCause() == ptrace.EventSeccomp:
			return nil
		case !seccomp && sig == syscall.SIGTRAP|0x80:
			return nil
		case sig != syscall.SIGTRAP && sig != syscall.SIGTRAP|0x80:
			in.deferred = append(in.deferred, sig)
		}
		if seccomp {
			err = ptrace.Cont(tid, 0)
		} else {
			err = ptrace.ContToExit(tid)
		}
		if err != nil {
			return err
		}
	}
}

// finish ends the original call with ret and the thread's IP-MON area at
// gs (arm64: its TLS slot tls past the thread pointer), and resumes the
// task.
func (in *injector) finish(ret int64, tls, gs uint64) error {
	r := in.saved
	ptrace.SetRet(&r, ret)
	if err := setArea(in.t, &r, tls, gs); err != nil {
		return err
	}
	if !in.atExit {
		ptrace.Skip(&r, ret)
	}
	return in.resume(r)
}

// resume sets the task's registers to r and lets it go on; signals put off
// on the way are sent again.
func (in *injector) resume(r ptrace.Regs) error {
	if err := ptrace.SetRegs(in.t.tid, &r); err != nil {
		return err
	}
	in.t.regs = r
	in.v.cont(in.t, 0)
	for _, s := range in.deferred {
		in.v.tgkill(in.t, s)
	}
	return nil
}

// abandon ends the original call with ENOMEM after a failure; a task that
// ended on the way is reported to the tracer's loop as usual.
func (in *injector) abandon(err error) error {
	if in.lost != nil {
		in.v.gone(in.t, *in.lost)
		return err
	}
	_ = in.finish(-int64(unix.ENOMEM), 0, 0)
	return err
}

// bufferOfLocked is lt's replication buffer, if its thread runs IP-MON.
func (m *Monitor) bufferOfLocked(lt *ltask) *rb.Buffer {
	if lt.slot < 0 || lt.proc.ipm == nil {
		return nil
	}
	return lt.proc.ipm.reg.Buffer(lt.slot)
}

// markArrivalLocked: t arrived at a CP-MON call. The leader's arrival goes
// into the buffer, so that a follower's IP-MON that waits for the leader's
// next record learns where it went; a follower must not arrive where the
// leader made an IP-MON call. Returns false when it reported a divergence.
func (m *Monitor) markArrivalLocked(t *task) bool {
	lt := t.lt
	b := m.bufferOfLocked(lt)
	if b == nil {
		return true
	}
	v := t.v.idx
	if t.v.rem != nil {
		// Its executor looks at its copy of the buffer (executor.stop).
		return true
	}
	if v == 0 {
		if err := b.AppendMarker(uint32(t.call.Nr)); err != nil {
			// An honest leader always leaves room for this record: a
			// position in the buffer was moved, by whichever variant.
			m.ipmonDivergeLocked(lt, 0, t.call.Row.Name, fmt.Sprintf(
				"the replication buffer was tampered with: no room for CP-MON's record, which IP-MON always leaves (%v)", err), nil)
			return false
		}
		if m.ipm.remotes {
			// Followers on other hosts get there only with the records
			// before it: ship them now.
			m.wakeShippersLocked()
		}
		return true
	}
	r, err := b.Peek(v - 1)
	if errors.Is(err, rb.ErrEmpty) {
		return true // the leader has not got this far yet
	}
	return m.followerAtCPMONLocked(lt, v, t.call.Row.Name, r, err)
}

// followerAtCPMONLocked checks follower v's next record, read as it
// stops at CP-MON call name: the buffer must be sound, and the leader must
// not have taken an IP-MON call there. It reports a divergence otherwise.
func (m *Monitor) followerAtCPMONLocked(lt *ltask, v int, name string, r rb.Record, err error) bool {
	switch {
	case err != nil:
		m.ipmonDivergeLocked(lt, v, name, fmt.Sprintf("variant %d's replication buffer: %v", v, err), nil)
		return false
	case r.Kind == rb.KindCall:
		m.ipmonDivergeLocked(lt, v, name, fmt.Sprintf("variant %d made %s through CP-MON where the leader made %s through IP-MON",
			v, name, nativeABI.Name(uint64(r.Nr))), &r)
		return false
	}
	return true
}

// consumeMarkersLocked: a rendezvous is complete; each follower's next
// record is the leader's arrival.
func (m *Monitor) consumeMarkersLocked(lt *ltask, ts []*task) bool {
	b := m.bufferOfLocked(lt)
	if b == nil {
		return true
	}
	ip := lt.proc.ipm
	for i := 1; i < m.n; i++ {
		// A forked child on a follower host that has no region of its
		// own yet is not shipped to: its records are consumed here, as a
		// local follower's are (the region's first records go once it
		// has it: injectFork).
		if rem := ts[i].v.rem; rem != nil && (ip.inherited == nil || ip.injected[i]) {
			// The records up to the leader's arrival go first, then
			// the executor consumes its copy of the arrival's record:
			// now, or, for a task behind, when it gets there (the
			// expectation's marker).
			if err := rem.ship.throughLocked(lt.proc.ipm.reg, lt.slot); err != nil {
				m.errorLocked("shipping records to variant %d on %s: %v", i, rem.spec.Addr, err)
				return false
			}
			if !ts[i].virtual {
				rem.push(&command{op: opMarker, tid: ts[i].tid})
			}
			continue
		}
		r, err := b.Peek(i - 1)
		if !m.followerAtCPMONLocked(lt, i, ts[i].call.Row.Name, r, err) {
			return false
		}
		b.Consume(i-1, r)
	}
	return true
}

// ipmonDiverge: a variant's IP-MON found its call differs from the
// leader's record (or the buffer was tampered with).
func (v *variant) ipmonDiverge(t *task, args [6]uint64) {
	m := v.m
	reason, nr, argp, seq := args[0], args[1], args[2], args[3]
	own := "(unreadable)"
	var raw [6]uint64
	var b [48]byte
	if v.mem(t).Read(argp, b[:]) == nil {
		for i := range raw {
			raw[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
		if row, err := v.abi().Lookup(nr, raw); err == nil {
			if c, err := canon.Decode(row, nr, raw, v.mem(t)); err == nil {
				own = c.String()
			} else {
				own = row.Name
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	lt := t.lt
	var rec *rb.Record
	leaderRec := ""
	if r := v.rem; r != nil {
		// The follower host read the leader's record from its copy.
		if r.ev != nil && r.ev.flags&stCallErr != 0 {
			leaderRec = r.ev.callErr
		}
	} else if buf := m.bufferOfLocked(lt); buf != nil && v.idx > 0 {
		if r, err := buf.Peek(v.idx - 1); err == nil {
			rec = &r
		}
	}
	name := v.abi().Name(nr)
	var why string
	switch reason {
	case ipmon.DivCall:
		why = fmt.Sprintf("variant %d made %s where the leader made another call (IP-MON, record %d)", v.idx, own, seq)
	case ipmon.DivArgs:
		why = fmt.Sprintf("variant %d made %s with other arguments or data than the leader's (IP-MON, record %d)", v.idx, own, seq)
	case ipmon.DivResult:
		why = fmt.Sprintf("variant %d's %s gave another result than the leader's (IP-MON, record %d)", v.idx, own, seq)
	case ipmon.DivTampered:
		why = fmt.Sprintf("variant %d found its replication buffer tampered with at %s: a record no leader writes", v.idx, own)
	default:
		why = fmt.Sprintf("variant %d's IP-MON reported %d at %s", v.idx, reason, own)
	}
	if r := v.rem; r != nil {
		why += fmt.Sprintf(", on %s", r.spec.Addr)
		if reason == ipmon.DivResult {
			// Its own result: of a file of its host's, whose copy there
			// must be the same as the leader host's.
			why += ": its host's files differ from the leader host's, or the variant does"
		}
	}
	m.ipmonDivergeLocked(lt, v.idx, name, why, rec)
	if leaderRec != "" && m.failure != nil && m.failure.div != nil && len(m.failure.div.Variants) > 0 {
		m.failure.div.Variants[0].Call = leaderRec
	}
}

// ipmonDivergeLocked reports a divergence that IP-MON or the buffer
// revealed.
func (m *Monitor) ipmonDivergeLocked(lt *ltask, v int, call, why string, rec *rb.Record) {
	if m.failure != nil {
		return
	}
	m.stats.IPMONDivergences++
	d := &report.Div{Call: call, Reason: why, Task: lt.id, By: "ip-mon"}
	for i := 0; i < m.n; i++ {
		dv := report.DivVariant{Index: i, Call: "(running)"}
		switch {
		case i == 0 && rec != nil:
			dv.Call = fmt.Sprintf("%s = %d (IP-MON record %d)", nativeABI.Name(uint64(rec.Nr)), rec.Ret, rec.Seq)
		case lt.arrived[i] != nil:
			dv.Call = lt.arrived[i].call.String()
		case i == v:
			dv.Call = call
		case lt.exited[i] != nil:
			dv.Call = "(exited: " + lt.exited[i].String() + ")"
		}
		dv.History = m.variants[i].history()
		d.Variants = append(d.Variants, dv)
	}
	m.failLocked(&failure{outcome: report.Divergence, code: ExitDivergence, div: d})
}

// ipmonChildStart points a new task's %gs at its control page: a thread of
// a process with IP-MON gets a slot of its own; any other task that
// inherited a region (a forked child, a thread past the last slot) gets the
// dead page, where IP-MON reads "inactive".
func (v *variant) ipmonChildStart(t *task) {
	m := v.m
	m.mu.Lock()
	ip := t.parentIPM
	if ip == nil || ip.reg == nil {
		m.mu.Unlock()
		return
	}
	gs := ip.mappedBase(v.idx) + ipmon.DeadOffset
	var ctl []byte
	if own := t.lt.proc.ipm; own != nil && own.inherited != nil && !own.injected[v.idx] {
		// A forked process that has not mapped its own region in this
		// variant: the dead page of the region it inherited. Its first
		// thread maps the region later (injectFork); a thread made
		// before that means it never will.
		gs = own.mappedBase(v.idx) + ipmon.DeadOffset
		if own.pids[v.idx] == 0 {
			own.pids[v.idx] = t.tid
			t.ipmFork = own
		} else {
			own.noInject = true
		}
	} else if t.lt.proc.ipm == ip {
		if t.lt.slot == -1 {
			t.lt.slot = -2
			if s, ok := ip.reg.Alloc(); ok {
				t.lt.slot = s
				ip.live++
			}
		}
		if t.lt.slot >= 0 {
			gs = ip.reg.CtlAddr(v.idx, t.lt.slot)
			ctl = ip.reg.Ctl(m.ctlSpec(v.idx, t.lt.slot))
		}
	}
	var reg *ipmon.Region
	slot := -1
	if ctl != nil {
		reg, slot = ip.reg, t.lt.slot
	}
	m.mu.Unlock()
	if r := v.rem; r != nil {
		// Its executor writes the page and sets %gs: registers other
		// than a call's are not the leader host's to set there.
		r.push(&command{op: opThread, tid: t.tid, gs: gs, slot: slot, ctl: ctl, base: ip.mappedBase(v.idx)})
		if reg != nil {
			r.ship.start(reg, slot)
		}
		// What the registers there now hold, for any change CP-MON
		// makes at this stop.
		if v.getRegs(t) == nil {
			ptrace.SetIPMONBase(&t.regs, gs)
		}
		return
	}
	if ctl != nil {
		_ = ptrace.Mem{Pid: t.tid}.Write(gs, ctl)
	}
	if err := ptrace.GetRegs(t.tid, &t.regs); err != nil {
		return
	}
	if t.regs.Arch == ptrace.ArchARM64 && sharesParentTLS(t) {
		// A vfork child, or a process sharing the memory and the TLS of
		// the thread that made it: its slot is its parent's, which must
		// keep pointing at the parent's page. glibc's vfork and
		// posix_spawn children call no wrapper of IP-MON's before they
		// exec (docs/cross-isa.md).
		return
	}
	_ = setArea(t, &t.regs, ip.tlsOff(v.idx), gs)
	v.setRegs(t)
}

// ipmonTaskGoneLocked: variant v's task of lt ended. When the leader's
// ends, followers waiting for its records go to CP-MON; when every
// variant's has, the slot is free again.
func (m *Monitor) ipmonTaskGoneLocked(lt *ltask, v int, everywhere bool) {
	ip := lt.proc.ipm
	if ip == nil || lt.slot < 0 {
		return
	}
	b := ip.reg.Buffer(lt.slot)
	if b == nil {
		return
	}
	if v == 0 {
		b.Close()
	}
	if v == 0 {
		m.wakeShippersLocked()
	}
	if everywhere {
		m.ipm.counters.Add(b.Counters())
		for i := range m.n {
			if r := m.remoteOf(i); r != nil {
				r.ship.drop(ip.reg, lt.slot)
			}
		}
		ip.reg.Free(lt.slot)
		lt.slot = -1
		ip.live--
		if ip.live == 0 {
			m.releaseIPMONLocked(lt.proc)
		}
	}
}

// releaseIPMONLocked drops a process image's region (execve, or the end
// of the process): the variants keep their own mappings.
func (m *Monitor) releaseIPMONLocked(p *lproc) {
	ip := p.ipm
	if ip == nil {
		return
	}
	m.ipm.counters.Add(ip.reg.Counters())
	for v := range m.n {
		if r := m.remoteOf(v); r != nil {
			// Not shipped from any more; the follower host drops its copy
			// (the variant keeps its mappings, as here).
			r.ship.drop(ip.reg, -1)
			r.push(&command{op: opRelease, base: ip.reg.Bases[v]})
			r.wake()
		}
	}
	ip.reg.Close()
	ip.reg = nil
	delete(m.ipm.procs, ip)
	p.ipm = nil
	if p.fds.ipm == ip {
		p.fds.ipm = nil
	}
	for _, lt := range m.lts {
		if lt.proc == p {
			lt.slot = -1
		}
	}
}

// wakeShippersLocked has every shipper look at its buffers now: a
// leader's thread ended, and the close goes after its last records.
func (m *Monitor) wakeShippersLocked() {
	for v := range m.n {
		if r := m.remoteOf(v); r != nil {
			r.ship.wake()
		}
	}
}

// requestSyncLocked asks the leader's IP-MON on lt's thread to take its
// next call through CP-MON (a signal waits for a rendezvous), or stops
// asking.
func (m *Monitor) requestSyncLocked(lt *ltask, on bool) {
	ip := lt.proc.ipm
	if ip == nil || lt.slot < 0 || lt.tids[0] <= 0 {
		return
	}
	var b [4]byte
	if on {
		b[0] = 1
	}
	_ = ptrace.Mem{Pid: lt.tids[0]}.Write(ip.reg.CtlAddr(0, lt.slot)+ipmon.CtlSyncReq, b[:])
}

// inGate reports whether t is stopped inside a call it made through its
// gate (a signal interrupted it there).
func (v *variant) inGate(t *task) bool {
	ip := v.m.ipm
	if ip == nil || !ip.on {
		return false
	}
	if t.regs.Arch == ptrace.ArchARM64 {
		// arm64 rewinds an interrupted call before the tracer sees the
		// stop (ptrace.Interrupted): pc is back on the gate's svc. A task
		// that stopped there before it made the call is sent back the
		// same way (resync), which is right for it too: IP-MON then makes
		// the call through CP-MON.
		return ptrace.PC(&t.regs) == ip.gates[v.idx]
	}
	if ptrace.PC(&t.regs) != ip.gates[v.idx]+uint64(t.regs.Arch.SyscallLen()) {
		return false
	}
	_, ok := ptrace.Interrupted(&t.regs)
	return ok
}

// ipmonStatsLocked fills the report's IP-MON figures.
func (m *Monitor) ipmonStatsLocked(st *report.Stats) {
	ip := m.ipm
	if ip == nil {
		return
	}
	if !ip.on {
		st.IPMON = "off: " + ip.why
		return
	}
	st.IPMON = "on, policy " + ip.level.String()
	if m.stats.IPMONRegistered == 0 {
		st.IPMON += " (no program image loaded it)"
	}
	c := ip.counters
	for p := range ip.procs {
		if p.reg != nil {
			c.Add(p.reg.Counters())
		}
	}
	st.DirectCalls = c.Calls
	st.LeaderCPMONCalls = m.leaderStops.Load()
	st.RBLeaderWaits = c.LeaderWaits
	st.RBFollowerWaits = c.FollowerWaits
}

// arch_prctl codes for the GS base (asm/prctl.h).
const (
	archSetGS = 0x1001
	archGetGS = 0x1004
)

// gsLocked keeps the %gs base, which holds the address of IP-MON's control
// page, out of the program's reach while IP-MON runs: ARCH_GET_GS reads 0
// (what a program that never set it sees natively) and ARCH_SET_GS fails
// with EPERM. It reports whether it took the call.
func (m *Monitor) gsLocked(ts []*task) bool {
	c := ts[0].call
	if m.ipm == nil || !m.ipm.on || c.Row.Name != "arch_prctl" {
		return false
	}
	switch c.Raw[0] {
	case archGetGS:
		m.countLocked(c, "none")
		for _, t := range ts {
			t.v.enqueue(func() {
				ret := int64(0)
				if err := (ptrace.Mem{Pid: t.tid}).Write(t.call.Raw[1], make([]byte, 8)); err != nil {
					ret = -int64(unix.EFAULT)
				}
				t.v.skip(t, ret, nil)
			})
		}
		return true
	case archSetGS:
		m.countLocked(c, "none")
		for _, t := range ts {
			t.v.enqueue(func() { t.v.skip(t, -int64(unix.EPERM), nil) })
		}
		return true
	}
	return false
}

// reconcileFDsLocked brings CP-MON's descriptor table up to date with what
// the leader's IP-MON did to it (close, dup, fcntl's F_DUPFD), from the
// leader's descriptor map, before CP-MON decides anything that depends on
// it. IP-MON bumps a counter in the map at each change: an unchanged
// counter costs one 8-byte read.
func (m *Monitor) reconcileFDsLocked(lt *ltask) {
	ip := lt.proc.ipm
	if ip == nil || ip.reg == nil || lt.proc.fds.ipm != ip {
		return
	}
	mem := ptrace.Mem{Pid: ip.pids[0]}
	var g [8]byte
	if mem.Read(ip.reg.FDMapAddr(0)+ipmon.FDMapGen, g[:]) != nil {
		return
	}
	gen := binary.LittleEndian.Uint64(g[:])
	if gen == ip.fdGen {
		return
	}
	b := make([]byte, ipmon.MaxFD)
	if mem.Read(ip.reg.FDMapAddr(0), b) != nil {
		return
	}
	ip.fdGen = gen
	fds := lt.proc.fds
	fds.ipm = nil // the maps already say this
	defer func() { fds.ipm = ip }()
	for fd, c := range b {
		info, have := fds.get(fd)
		switch {
		case c == ipmon.FDUnknown && have:
			em := fds.epoll[fd]
			fds.close(fd)
			ip.epollDrop(fd, em)
		case c == ipmon.FDUnknown, c == ipmon.FDCPMON:
		case !have:
			fds.set(fd, fdInfo{local: c == ipmon.FDLocal || c == ipmon.FDOwn})
		case info.local != (c == ipmon.FDLocal || c == ipmon.FDOwn):
			fds.close(fd)
			fds.set(fd, fdInfo{local: !info.local})
		}
	}
}
