package cpmon

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"dmvx/internal/canon"
	"dmvx/internal/ptrace"

	"golang.org/x/sys/unix"
)

// arrive brings t, stopped at the entry of t.call, to its logical task's
// rendezvous. The tracer that completes it decides for every variant.
func (m *Monitor) arrive(t *task) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failure != nil || m.finished {
		return // killAll has sent SIGKILL; wait4 reports the end.
	}
	lt := t.lt
	v := t.v.idx
	if t.v.rem != nil {
		t.met = max(t.met, t.reportedMet)
		if t.reportedMet < t.owed {
			// The leader made this call ahead of the follower host, and
			// an expectation for it is on its way there: the follower
			// host carries it out (under m.mu, so that the leader's
			// arrival either saw this one or made the expectation).
			return
		}
	}
	t.v.record(t.call)
	if lt.proc.dying != 0 {
		// The process is being killed by a signal the leader received:
		// let the pending signal through instead of running the call.
		t.v.enqueue(func() { t.v.rewindAndCont(t) })
		return
	}
	if !m.markArrivalLocked(t) {
		return
	}
	t.awaiting = true
	lt.arrived[v] = t
	if lt.nArrived == 0 {
		lt.firstArrival = time.Now()
	}
	lt.nArrived++
	if lt.nExited > 0 {
		for i, es := range lt.exited {
			if es != nil {
				m.divergeLocked(lt, t.call.Row.Name, fmt.Sprintf("variant %d made the call %s while variant %d had ended (%s)",
					v, t.call.Row.Name, i, es))
				return
			}
		}
	}
	if lt.nArrived < m.n && !m.virtualLocked(lt) {
		return
	}
	ts := append([]*task(nil), lt.arrived...)
	for i := 1; i < m.n; i++ {
		if mm, ok := spawnMismatch(ts[0], ts[i]); ok {
			if mm != "" {
				m.divergeLocked(lt, ts[0].call.Row.Name, fmt.Sprintf("variants 0 and %d differ: %s", i, mm))
				return
			}
			continue
		}
		if mm := canon.Mismatch(hashedLike(ts[0].call, ts[i].hashed, ts[i].call), ts[i].call); mm != "" {
			m.divergeLocked(lt, ts[0].call.Row.Name, fmt.Sprintf("variants 0 and %d differ: %s", i, mm))
			return
		}
	}
	if !m.consumeMarkersLocked(lt, ts) {
		return
	}
	m.stats.Rendezvous++
	m.stats.LockstepWait += time.Since(lt.firstArrival)
	for i := range lt.arrived {
		lt.arrived[i] = nil
		lt.current[i] = ts[i].call.Row.Name
	}
	lt.nArrived = 0
	if len(lt.pending) > 0 {
		sig := lt.pending[0]
		lt.pending = lt.pending[1:]
		if len(lt.pending) == 0 {
			m.requestSyncLocked(lt, false)
		}
		m.stats.SignalsInjected++
		if code := ts[0].resyncCode; code != 0 {
			// The signal interrupted this very call in the leader, in
			// IP-MON's gate: it ends as the kernel would have ended it
			// there, restarted or with EINTR, in every variant.
			ts[0].resyncCode = 0
			act := lt.proc.sig.get(sig)
			restart := act.disp == dispHandler && (code == -513 || code == -512 && act.flags&saRestart != 0)
			for _, t := range ts {
				t.v.enqueue(func() { t.v.injectNow(t, sig, restart) })
			}
			return
		}
		for _, t := range ts {
			t.v.enqueue(func() { t.v.injectBefore(t, sig) })
		}
		return
	}
	ts[0].resyncCode = 0
	m.dispatchLocked(lt, ts)
}

// dispatchLocked decides who executes an agreed call.
func (m *Monitor) dispatchLocked(lt *ltask, ts []*task) {
	m.reconcileFDsLocked(lt)
	c := ts[0].call
	row := c.Row
	exec := row.Exec
	lt.mirrorCall = m.hasRemotes && mirrored(row)
	if exec == canon.ExecByFD {
		exec = canon.ExecLeader
		fd := int(int32(c.Raw[row.FDArg]))
		info, ok := lt.proc.fds.get(fd)
		if fd == unix.AT_FDCWD || ok && info.local {
			// AT_FDCWD: a path relative to the working directory, which
			// every variant has of its own (newfstatat, statx, ...).
			exec = canon.ExecAll
		} else if ok && info.mirror && m.hasRemotes {
			lt.mirrorCall = true
		}
	}
	if m.hasRemotes && exec == canon.ExecLeader && !lt.mirrorCall && onFilesOnly(lt.proc.fds, c) {
		// copy_file_range between files, and the like.
		lt.mirrorCall = true
	}
	if target := m.sigkillTargetLocked(c); target != nil {
		// SIGKILL cannot be caught, so there is no point to deliver it
		// at: every variant kills its own instance of the target (the pid
		// arguments are mapped), and that process's end is expected.
		target.proc.dying = unix.SIGKILL
		exec = canon.ExecAll
	}
	if target := m.pidfdSigkillTargetLocked(lt, ts[0], c); target != nil {
		// The followers hold placeholders, not pidfds: the leader sends
		// it through its pidfd, the monitor kills the followers' instances.
		target.proc.dying = unix.SIGKILL
		for v := 1; v < m.n; v++ {
			if target.tids[v] > 0 {
				m.variants[v].kill(target.tids[v], unix.SIGKILL)
			}
		}
	}
	if c.Row.Name == "rt_sigprocmask" {
		m.unblockPendingLocked(lt, ts)
	}
	if m.gsLocked(ts) {
		return
	}
	m.patchSiteLocked(lt, ts)
	if m.log.Enabled(context.Background(), slog.LevelDebug) {
		m.log.Debug("lockstep", "task", lt.id, "call", c.String(), "exec", exec.String())
	}
	switch exec {
	case canon.ExecAll:
		m.countLocked(c, "all")
		// A call that reads the file system (stat, access, a read of a
		// local file): the followers make theirs first. Were the leader
		// first, it could run on and write to the file through IP-MON
		// (asynchronously) before a follower reads it, which would then
		// read something else.
		if m.hasRemotes && (hostDependent(row) || ownEffect(row) || limitCall(row) || checkedCall(lt.proc.fds, c)) {
			m.execAllReplicatedLocked(lt, ts, row.Level == canon.NonsocketRO, row)
			break
		}
		m.execAllLocked(lt, ts, row.Level == canon.NonsocketRO, nil)
	case canon.ExecLeader:
		m.countLocked(c, "leader")
		m.execLeaderLocked(lt, ts)
	case canon.ExecOpen:
		m.countLocked(c, "leader-then-local")
		m.execOpenLocked(lt, ts)
	case canon.ExecNone:
		m.countLocked(c, "none")
		for _, t := range ts {
			t.v.enqueue(func() { t.v.skip(t, row.Fixed, nil) })
		}
	case canon.ExecSpecial:
		m.specialLocked(lt, ts)
	default:
		m.errorLocked("call %s has no execution rule", row.Name)
	}
}

// sigkillTargetLocked returns the logical task that a kill, tgkill or tkill
// with SIGKILL targets, when it is a task of this run.
func (m *Monitor) sigkillTargetLocked(c *canon.Call) *ltask {
	target, sig, _, ok := signalTarget(c)
	if !ok || sig != unix.SIGKILL || target <= 0 {
		return nil
	}
	return m.byVtid[target]
}

// signalTarget reads the target and signal of a kill-family call; thread
// says the target is a thread id rather than a process id.
func signalTarget(c *canon.Call) (target int, sig syscall.Signal, thread, ok bool) {
	a := c.Raw
	switch c.Row.Name {
	case "kill", "rt_sigqueueinfo":
		return int(int32(a[0])), syscall.Signal(a[1]), false, true
	case "tkill":
		return int(int32(a[0])), syscall.Signal(a[1]), true, true
	case "tgkill", "rt_tgsigqueueinfo":
		return int(int32(a[1])), syscall.Signal(a[2]), true, true
	}
	return 0, 0, false, false
}

// pidfdSigkillTargetLocked returns the task of the run that a
// pidfd_send_signal with SIGKILL targets, from the leader's pidfd.
func (m *Monitor) pidfdSigkillTargetLocked(lt *ltask, leader *task, c *canon.Call) *ltask {
	if c.Row.Name != "pidfd_send_signal" || c.Raw[1] != uint64(unix.SIGKILL) {
		return nil
	}
	pid := procField(fmt.Sprintf("/proc/%d/fdinfo/%d", leader.tid, int32(c.Raw[0])), "Pid:", 10)
	if pid <= 0 {
		return nil
	}
	return m.byVtid[int(pid)]
}

// unblockPendingLocked: an rt_sigprocmask that unblocks signals pending in
// the leader makes the kernel deliver them on the way out of the call.
// Queue the same signals in each follower before its own rt_sigprocmask,
// so that its unblocking delivers them at the same point, and let the
// leader's copies through.
func (m *Monitor) unblockPendingLocked(lt *ltask, ts []*task) {
	c := ts[0].call
	how, set := c.Raw[0], c.Vals[1]
	if set.V == 0 || len(set.Data) < 8 || how == unix.SIG_BLOCK {
		return
	}
	leader := ts[0]
	status := fmt.Sprintf("/proc/%d/status", leader.tid)
	pending := procField(status, "SigPnd:", 16) | procField(status, "ShdPnd:", 16)
	if pending == 0 {
		return
	}
	mask := binary.LittleEndian.Uint64(set.Data)
	unblocked := mask // SIG_UNBLOCK
	if how == unix.SIG_SETMASK {
		unblocked = procField(status, "SigBlk:", 16) &^ mask
	}
	sigs := pending & unblocked
	if sigs == 0 {
		return
	}
	m.stats.SignalsInjected++
	for i, t := range ts {
		t.v.enqueue(func() {
			for s := syscall.Signal(1); s <= 64; s++ {
				if sigs&sigBit(s) == 0 {
					continue
				}
				t.expect(s)
				if i > 0 {
					t.v.tgkill(t, s)
				}
			}
		})
	}
}

// procField reads one numeric field of a /proc file ("Pid:", "SigPnd:").
func procField(path, key string, base int) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), base, 64)
			return n
		}
	}
	return 0
}

// execAllLocked lets every variant execute the call itself. Followers'
// pid arguments are mapped to their own pids, and pid results back.
//
// With followersFirst, the leader runs its call only once every follower
// has finished its own.
//
// leaderExit, if set, runs at the leader's syscall exit before it goes on.
func (m *Monitor) execAllLocked(lt *ltask, ts []*task, followersFirst bool, leaderExit func(ret int64)) {
	row := ts[0].call.Row
	// A follower on another host reads its own host's files, which the
	// leader's writes do not reach: the leader need not wait for it.
	left := 0
	for _, t := range ts[1:] {
		if t.v.rem == nil {
			left++
		}
	}
	var runLeader func()
	// A new descriptor's class goes into every variant's IP-MON map at the
	// leader's exit. A follower on another host gets it as a command, which
	// must come before the follower runs on: it makes its call after the
	// leader's exit, then.
	var later, starts []func()
	deferRemote := row.Ret == canon.RetFD && lt.proc.ipm != nil
	for i, t := range ts {
		var rewrite map[int]uint64
		if i > 0 {
			rewrite = m.mapPIDArgsLocked(t.v.idx, t.call)
		}
		var onExit func(ret int64)
		switch {
		case i == 0 && row.Ret == canon.RetFD:
			fds, src := lt.proc.fds, -1
			if int(row.FDArg) < len(row.Args) && row.Args[row.FDArg].Kind == canon.FD {
				src = int(int32(t.call.Raw[row.FDArg]))
			}
			onExit = func(ret int64) {
				if ret >= 0 {
					m.mu.Lock()
					info := fdInfo{local: true}
					if src >= 0 {
						info, _ = fds.get(src)
					}
					fds.set(int(ret), info)
					m.mu.Unlock()
				}
				for _, run := range later {
					run()
				}
				t.v.cont(t, 0)
			}
		case i > 0 && row.Ret == canon.RetPID, rewrite != nil:
			onExit = func(ret int64) { t.v.finishMapped(t, ret, row.Ret == canon.RetPID) }
		}
		if i == 0 && leaderExit != nil {
			inner := onExit
			onExit = func(ret int64) {
				leaderExit(ret)
				if inner != nil {
					inner(ret)
				} else {
					t.v.cont(t, 0)
				}
			}
		}
		switch {
		case i > 0 && t.v.rem != nil && deferRemote:
			later = append(later, func() { t.v.enqueue(func() { t.v.runAll(t, rewrite, onExit) }) })
		case !followersFirst || left == 0 || t.v.rem != nil:
			// Started once every variant's part is known (later
			// included: the leader's exit may come before this loop
			// ends).
			starts = append(starts, func() { t.v.enqueue(func() { t.v.runAll(t, rewrite, onExit) }) })
		case i == 0:
			runLeader = func() { t.v.enqueue(func() { t.v.runAll(t, nil, onExit) }) }
		default:
			done := onExit
			onExit = func(ret int64) {
				if done != nil {
					done(ret)
				} else {
					t.v.cont(t, 0)
				}
				m.mu.Lock()
				left--
				last := left == 0
				m.mu.Unlock()
				if last {
					runLeader()
				}
			}
			starts = append(starts, func() { t.v.enqueue(func() { t.v.runAll(t, rewrite, onExit) }) })
		}
	}
	for _, start := range starts {
		start()
	}
}

// execAllReplicatedLocked is execAllLocked for a call whose result depends
// on the host's files (a stat, a directory listing, a readlink): this
// host's variants make it, and followers on other hosts, whose files do not
// have what the program wrote here, get the leader's result instead. A
// call with an effect on the process (ownEffect: a chdir, whose working
// directory must follow) they make too, and then get the leader's result;
// one whose result they compute themselves (checked: a read of their own
// copy of a file) they make, and compare their result's digest with the
// leader's.
func (m *Monitor) execAllReplicatedLocked(lt *ltask, ts []*task, followersFirst bool, row *canon.Row) {
	var here, away []*task
	for i, t := range ts {
		if i > 0 && t.v.rem != nil {
			away = append(away, t)
		} else {
			here = append(here, t)
		}
	}
	leader := ts[0]
	m.execAllLocked(lt, here, followersFirst, func(ret int64) {
		outs, _ := canon.Capture(leader.call, ret, ptrace.Mem{Pid: leader.tid})
		m.mu.Lock()
		if !checked(row) {
			m.stats.BytesReplicated += uint64(canon.OutBytes(outs)) * uint64(len(away))
		}
		for _, f := range away {
			switch {
			case ownEffect(row):
				ret, _ := toGenericFor(f, row, ret, nil)
				f.v.enqueue(func() { f.v.runThenApply(f, ret, nil) })
			case limitCall(row):
				// Its own limit set, the leader's old one seen.
				ret, outs := toGenericFor(f, row, ret, outs)
				f.v.enqueue(func() { f.v.runThenApply(f, ret, outs) })
			case checked(row):
				d := resultDigestFor(f, row, ret, outs)
				f.v.enqueue(func() { f.v.runCheck(f, d) })
			default:
				ret, outs := toGenericFor(f, row, ret, outs)
				f.v.enqueue(func() { f.v.skip(f, ret, outs) })
			}
		}
		m.mu.Unlock()
	})
}

// ownEffect: calls with a result from the host's files that a follower host
// makes too, for their effect on the process: its working directory
// (chdir) or a descriptor's flags (ioctl FIOCLEX, FIONBIO).
func ownEffect(row *canon.Row) bool {
	return row.Name == "chdir" || row.Name == "fchdir" || row.Name == "ioctl"
}

// mirrored: changes to files and directories by path that follower hosts
// make on their own copies as well, as they make the calls on the files
// they opened (fdInfo.mirror): each host's files then stay as the
// leader's, without shipping them.
func mirrored(row *canon.Row) bool {
	switch row.Name {
	case "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2",
		"symlink", "symlinkat", "link", "linkat", "chmod", "fchmodat", "fchmodat2", "chown", "lchown",
		"fchownat", "truncate", "utime", "utimes", "utimensat", "futimesat", "mknod", "mknodat",
		"setxattr", "lsetxattr", "removexattr", "lremovexattr":
		return true
	}
	return false
}

// onFilesOnly: every descriptor argument of c is a file or directory that
// follower hosts have a copy of (and there is one).
func onFilesOnly(fds *fdTable, c *canon.Call) bool {
	n := 0
	for i, a := range c.Row.Args {
		if i >= 6 || a.Kind != canon.FD {
			continue
		}
		info, ok := fds.get(int(int32(c.Raw[i])))
		if !ok || !info.local && !info.mirror {
			return false
		}
		n++
	}
	return n > 0
}

// checked: calls whose result a follower host computes itself, from its
// own copy of the files (selective replication), and compares by digest
// with the leader's: a difference means the hosts' files differ.
func checked(row *canon.Row) bool {
	return readsOwn(row) || row.Name == "lseek" || row.Name == "getcwd"
}

// checkedCall: c is checked, and not on a file of /proc or /sys.
func checkedCall(fds *fdTable, c *canon.Call) bool {
	if !checked(c.Row) {
		return false
	}
	if int(c.Row.FDArg) < len(c.Row.Args) && c.Row.Args[c.Row.FDArg].Kind == canon.FD {
		if info, ok := fds.get(int(int32(c.Raw[c.Row.FDArg]))); ok && info.pseudo {
			return false
		}
	}
	return true
}

// runCheck lets a follower on another host make its call, whose result
// and outputs must then have digest d, the leader's.
func (v *variant) runCheck(t *task, d [canon.DigestSize]byte) {
	if t.virtual {
		v.rem.expectChecked(t, d)
		return
	}
	v.rem.push(&command{op: opRunCheck, tid: t.tid, exp: expectation{result: d}})
}

// readsOwn: reads of a mirrored file, whose data a follower host has in
// its own copy: it keeps its own result rather than receiving the leader's.
func readsOwn(row *canon.Row) bool {
	switch row.Name {
	case "read", "pread64", "readv", "preadv", "preadv2":
		return true
	}
	return false
}

// runThenApply lets t make its call, then gives it the leader's result and
// output.
func (v *variant) runThenApply(t *task, ret int64, outs []canon.Out) {
	if t.virtual {
		v.rem.expect(t, actRunThen, ret, 0, false, outs)
		return
	}
	v.contToExit(t, func(int64) {
		if len(outs) > 0 {
			_ = v.apply(t, outs)
		}
		ptrace.SetRet(&t.regs, ret)
		if v.setRegs(t) {
			v.cont(t, 0)
		}
	})
}

// hostDependent: queries that every variant makes itself whose result
// depends on the host: how it stores its files (inode and device numbers,
// times, the order of directory entries), its name. Followers on other
// hosts get the leader's.
func hostDependent(row *canon.Row) bool {
	switch row.Name {
	case "stat", "lstat", "fstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
		"readlink", "readlinkat", "statfs", "fstatfs", "getdents", "getdents64",
		"getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
		"uname",     // the host's name
		"getrlimit": // the host's limits (a program sizes its tables by them)
		return true
	}
	return false
}

// limitCall: a call that may set a resource limit and returns the old one:
// every host sets its own, and a follower on another host sees the
// leader's old limit, as for getrlimit.
func limitCall(row *canon.Row) bool {
	return row.Name == "prlimit64" || row.Name == "setrlimit"
}

// mapPIDArgsLocked maps the leader's pids in a follower's arguments to the
// follower's own.
func (m *Monitor) mapPIDArgsLocked(v int, c *canon.Call) map[int]uint64 {
	var rw map[int]uint64
	for i, a := range c.Row.Args {
		if a.Kind != canon.PID || i >= 6 {
			continue
		}
		p := int64(int32(c.Raw[i]))
		neg := p < -1
		if neg {
			p = -p
		}
		if p <= 0 {
			continue
		}
		lt := m.byVtid[int(p)]
		if lt == nil || lt.tids[v] == 0 {
			continue
		}
		r := int64(lt.tids[v])
		if neg {
			r = -r
		}
		if rw == nil {
			rw = make(map[int]uint64)
		}
		rw[i] = uint64(r)
	}
	return rw
}

// vtidOfLocked maps a follower's real pid to the leader's.
func (m *Monitor) vtidOfLocked(v int, real int) int {
	if lt := m.byReal[v][real]; lt != nil && lt.tids[0] > 0 {
		return lt.tids[0]
	}
	for _, lt := range m.lts {
		if lt.tids[v] == real && lt.tids[0] > 0 {
			return lt.tids[0]
		}
	}
	return real
}

// runAll resumes t to execute its call itself.
func (v *variant) runAll(t *task, rewrite map[int]uint64, onExit func(ret int64)) {
	if t.virtual && len(rewrite) == 0 && onExit == nil {
		v.rem.expect(t, actRun, 0, 0, false, nil)
		return
	}
	if len(rewrite) > 0 {
		saved := t.regs
		for i, val := range rewrite {
			ptrace.SetArg(&t.regs, i, val)
		}
		if !v.setRegs(t) {
			return
		}
		t.regs = saved
	}
	if onExit != nil {
		v.contToExit(t, onExit)
		return
	}
	v.cont(t, 0)
}

// finishMapped ends a follower's own call whose arguments were mapped: the
// argument registers get their values back (the syscall ABI preserves them)
// and a pid result is mapped to the leader's numbering.
func (v *variant) finishMapped(t *task, ret int64, pidRet bool) {
	entry := t.call.Raw
	for i, val := range entry {
		ptrace.SetArg(&t.regs, i, val)
	}
	if pidRet && ret > 0 {
		v.m.mu.Lock()
		ret = int64(v.m.vtidOfLocked(v.idx, int(ret)))
		v.m.mu.Unlock()
	}
	ptrace.SetRet(&t.regs, ret)
	if v.setRegs(t) {
		v.cont(t, 0)
	}
}

// execLeaderLocked: the leader executes, followers receive the result.
func (m *Monitor) execLeaderLocked(lt *ltask, ts []*task) {
	m.execLeaderThenLocked(lt, ts, nil)
}

// execLeaderThenLocked is execLeaderLocked with after run, under m.mu, on
// the leader's result before the followers are released: the monitor's
// own bookkeeping that depends on the call having succeeded.
func (m *Monitor) execLeaderThenLocked(lt *ltask, ts []*task, after func(ret int64)) {
	leader := ts[0]
	leader.v.enqueue(func() {
		// Set on the leader's tracer, the only thread that reads it.
		leader.followersWait = true
		leader.v.contToExit(leader, func(ret int64) {
			if after != nil {
				m.mu.Lock()
				after(ret)
				m.mu.Unlock()
			}
			leader.v.leaderDone(lt, ts, ret)
		})
	})
}

// leaderDone runs at the leader's syscall exit: capture what the kernel
// wrote, and let each follower skip the call with the same effect.
func (v *variant) leaderDone(lt *ltask, ts []*task, ret int64) {
	t := ts[0]
	t.followersWait = false
	c := t.call
	outs, err := canon.Capture(c, ret, ptrace.Mem{Pid: t.tid})
	if err != nil {
		v.m.log.Warn("could not read the leader's output", "call", c.Row.Name, "err", err)
	}
	newFD := c.Row.Ret == canon.RetFD && ret >= 0
	cloexec := newFD && fdCloexec(t.tid, int(ret))
	m := v.m
	release := func(sig syscall.Signal) {
		m.mu.Lock()
		m.stats.BytesReplicated += uint64(canon.OutBytes(outs)) * uint64(m.n-1)
		if newFD {
			lt.proc.fds.set(int(ret), fdInfo{})
		}
		mirror := lt.mirrorCall
		check := readsOwn(c.Row) && checkedCall(lt.proc.fds, c)
		for _, f := range ts[1:] {
			fret, fouts := toGenericFor(f, c.Row, ret, outs)
			switch {
			case mirror && f.v.rem != nil && !newFD && sig == 0:
				if check {
					d := canon.ResultDigest(fret, fouts)
					f.v.enqueue(func() { f.v.runCheck(f, d) })
				} else if readsOwn(c.Row) {
					f.v.enqueue(func() { f.v.runAll(f, nil, nil) })
				} else {
					f.v.enqueue(func() { f.v.runThenApply(f, fret, fouts) })
				}
			case newFD:
				f.v.enqueue(func() { f.v.placeholder(f, int(ret), cloexec, fouts) })
			case sig != 0:
				f.v.enqueue(func() { f.v.skipAndInject(f, fret, fouts, sig) })
			default:
				f.v.enqueue(func() { f.v.skip(f, fret, fouts) })
			}
		}
		m.mu.Unlock()
	}
	var mirror syscall.Signal
	if ret == 0 {
		mirror = m.selfSignal(t, c)
	}
	if mirror != 0 {
		// The call made a signal pending for the caller itself (raise).
		// Make it pending in every variant at this same point: the kernel
		// then delivers it in each at once, or when the program unblocks
		// it, and the leader's copy goes straight through.
		t.expect(mirror)
	}
	release(mirror)
	v.cont(t, 0)
}

// selfSignal returns the signal a kill-family call that the leader
// completed sent to the calling task's own thread or process, if any.
func (m *Monitor) selfSignal(t *task, c *canon.Call) syscall.Signal {
	target, s, thread, ok := signalTarget(c)
	if !ok || s <= 0 || s == syscall.SIGKILL || s == syscall.SIGSTOP || sigBit(s) == 0 {
		return 0
	}
	if !(thread && target == t.tid || !thread && target == t.tgid) {
		return 0
	}
	if blockedSignals(t.tid)&sigBit(s) != 0 {
		// Blocked: the program may take it with signalfd or sigwait,
		// which only the leader executes; a copy left pending in a
		// follower would be delivered when the program unblocks it. The
		// leader's copy is then delivered as an asynchronous signal.
		return 0
	}
	return s
}

// blockedSignals reads a task's blocked-signal mask (bit sig-1).
func blockedSignals(tid int) uint64 {
	return procField(fmt.Sprintf("/proc/%d/status", tid), "SigBlk:", 16)
}

// skipFollowers lets every follower skip its call with the leader's
// result, when the leader's call failed and left nothing to replicate.
func (m *Monitor) skipFollowers(ts []*task, ret int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range ts[1:] {
		f.v.enqueue(func() { f.v.skip(f, ret, nil) })
	}
}

// skipAndInject ends a follower's call like skip, with sig delivered on the
// way back to user mode, as it was to the leader.
func (v *variant) skipAndInject(t *task, ret int64, outs []canon.Out, sig syscall.Signal) {
	if len(outs) > 0 {
		_ = v.apply(t, outs)
	}
	ptrace.Skip(&t.regs, ret)
	t.expect(sig)
	if v.setRegs(t) {
		v.tgkill(t, sig)
		v.cont(t, 0)
	}
}

// skip makes a follower skip its call with the leader's result and output.
func (v *variant) skip(t *task, ret int64, outs []canon.Out) {
	if t.virtual {
		v.rem.expect(t, actSkip, ret, 0, false, outs)
		return
	}
	if len(outs) > 0 {
		if err := v.apply(t, outs); err != nil {
			v.m.log.Warn("could not write the leader's output", "variant", v.idx, "call", t.call.Row.Name, "err", err)
		}
	}
	ptrace.Skip(&t.regs, ret)
	if v.setRegs(t) {
		v.cont(t, 0)
	}
}

// placeholder gives a follower a descriptor with the number of the
// leader's new one: an eventfd nobody uses, since every call on that number
// is the leader's to execute. Its close-on-exec flag follows the leader's,
// so that execve closes it in every variant alike.
func (v *variant) placeholder(t *task, fd int, cloexec bool, outs []canon.Out) {
	if t.virtual {
		v.rem.expect(t, actPlaceholder, 0, fd, cloexec, outs)
		return
	}
	entry := t.regs
	eventfd2, _ := v.abi().Number("eventfd2")
	ptrace.SetNr(&t.regs, eventfd2)
	ptrace.SetArg(&t.regs, 0, 0)
	flags := uint64(0)
	if cloexec {
		flags = unix.EFD_CLOEXEC
	}
	ptrace.SetArg(&t.regs, 1, flags)
	if !v.setRegs(t) {
		return
	}
	v.contToExit(t, func(got int64) {
		if got != int64(fd) {
			v.m.mu.Lock()
			v.m.errorLocked("variant %d: descriptor tables out of step at %s: placeholder is %d, the leader's descriptor is %d",
				v.idx, t.call.Row.Name, got, fd)
			v.m.mu.Unlock()
			return
		}
		if len(outs) > 0 {
			_ = v.apply(t, outs)
		}
		t.regs = entry
		ptrace.SetRet(&t.regs, int64(fd))
		if v.setRegs(t) {
			v.cont(t, 0)
		}
	})
}

// execOpenLocked: the leader opens first; then each follower opens the same
// file itself if the result is local (regular file or directory, read-only),
// or gets a placeholder.
func (m *Monitor) execOpenLocked(lt *ltask, ts []*task) {
	leader := ts[0]
	leader.v.enqueue(func() {
		// Set on the leader's tracer, the only thread that reads it.
		leader.followersWait = true
		leader.v.contToExit(leader, func(ret int64) {
			leader.followersWait = false
			v := leader.v
			if ret < 0 {
				m.skipFollowers(ts, ret)
				v.cont(leader, 0)
				return
			}
			fd := int(ret)
			if name, ok := procMemForWriting(leader.tid, fd); ok {
				// Ends the run before anything is written through it.
				m.mu.Lock()
				m.errorLocked("variant 0: %s opened %s for writing, which writes memory past its page protections: refused (docs/security.md)",
					leader.call.Row.Name, name)
				m.mu.Unlock()
				return
			}
			local := openIsLocal(leader.tid, fd, leader.call)
			mirror := m.hasRemotes && isFileOrDir(leader.tid, fd)
			pseudo := m.hasRemotes && pseudoFS(leader.tid, fd)
			cloexec := fdCloexec(leader.tid, fd)
			m.mu.Lock()
			lt.proc.fds.set(fd, fdInfo{local: local, mirror: mirror, pseudo: pseudo})
			for _, f := range ts[1:] {
				if local || mirror && f.v.rem != nil {
					f.v.enqueue(func() { f.v.ownFD(f, fd) })
				} else {
					f.v.enqueue(func() { f.v.placeholder(f, fd, cloexec, nil) })
				}
			}
			m.mu.Unlock()
			v.cont(leader, 0)
		})
	})
}

// ownFD lets a follower make its own descriptor, which must get the
// leader's number.
func (v *variant) ownFD(t *task, fd int) {
	if t.virtual {
		v.rem.expect(t, actOwnFD, 0, fd, false, nil)
		return
	}
	v.contToExit(t, func(got int64) {
		if got < 0 && v.rem != nil {
			v.m.mu.Lock()
			v.m.errorLocked("variant %d on %s: %s of the same file failed there (%v) where the leader's succeeded: the hosts' files differ (docs/hosts.md)",
				v.idx, v.rem.spec.Addr, t.call.String(), unix.Errno(-got))
			v.m.mu.Unlock()
			return
		}
		if got != int64(fd) {
			v.m.mu.Lock()
			v.m.errorLocked("variant %d: descriptor tables out of step at %s: got %d, the leader got %d",
				v.idx, t.call.Row.Name, got, fd)
			v.m.mu.Unlock()
			return
		}
		v.cont(t, 0)
	})
}

// openIsLocal says whether every variant should have its own open file:
// a regular file or directory that the call opened without write access,
// creation or truncation, or /dev/null or /dev/zero. Other devices, FIFOs
// and sockets stay the leader's.
func openIsLocal(pid, fd int, c *canon.Call) bool {
	var flags uint64
	switch c.Row.Name {
	case "open":
		flags = c.Raw[1]
	case "openat":
		flags = c.Raw[2]
	default: // creat, openat2: leader's
		return false
	}
	var st unix.Stat_t
	if unix.Stat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), &st) != nil {
		return false
	}
	if st.Mode&unix.S_IFMT == unix.S_IFCHR && (st.Rdev == unix.Mkdev(1, 3) || st.Rdev == unix.Mkdev(1, 5)) {
		// /dev/null and /dev/zero have no state and give every
		// variant the same: each uses its own, whatever the mode.
		return true
	}
	// O_TMPFILE includes O_DIRECTORY's bit: test it whole.
	if flags&unix.O_ACCMODE != unix.O_RDONLY || flags&(unix.O_CREAT|unix.O_TRUNC) != 0 ||
		flags&unix.O_TMPFILE == unix.O_TMPFILE {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFREG || st.Mode&unix.S_IFMT == unix.S_IFDIR
}

// procMemForWriting: the descriptor is a process's memory file
// (/proc/PID/mem, /proc/PID/task/TID/mem) open for writing. Through it a
// variant writes any of its pages, read-only or executable ones included
// (IP-MON's gate, code it has not run yet), without the mprotect that
// CP-MON would see: no program under dmvx may have one.
func procMemForWriting(pid, fd int) (string, bool) {
	name, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
	if err != nil || !strings.HasPrefix(name, "/proc/") || path.Base(name) != "mem" || !pseudoFS(pid, fd) {
		return "", false
	}
	info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return name, true // cannot tell: refuse
	}
	for _, line := range strings.Split(string(info), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return name, err != nil || flags&unix.O_ACCMODE != unix.O_RDONLY
		}
	}
	return name, true
}

// pseudoFS: the descriptor is a file of procfs or sysfs.
func pseudoFS(pid, fd int) bool {
	var st unix.Statfs_t
	if unix.Statfs(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), &st) != nil {
		return false
	}
	return st.Type == unix.PROC_SUPER_MAGIC || st.Type == unix.SYSFS_MAGIC
}

// isFileOrDir: the descriptor is a regular file or a directory, or
// /dev/null or /dev/zero, which each host has of its own.
func isFileOrDir(pid, fd int) bool {
	var st unix.Stat_t
	if unix.Stat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), &st) != nil {
		return false
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
		return true
	case unix.S_IFCHR:
		return st.Rdev == unix.Mkdev(1, 3) || st.Rdev == unix.Mkdev(1, 5)
	}
	return false
}

// fdCloexec reads a descriptor's close-on-exec flag from /proc.
func fdCloexec(pid, fd int) bool {
	return procField(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd), "flags:", 8)&unix.O_CLOEXEC != 0
}
