package cpmon

import (
	"slices"
	"syscall"
	"time"

	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"

	"golang.org/x/sys/unix"
)

// Signals in a nutshell: a fault (SIGSEGV from a bad access, ...) belongs to
// the variant that caused it and is delivered at once. Every other signal
// is asynchronous: followers never take one on their own (their I/O is not
// real, so e.g. SIGPIPE or SIGCHLD from their own children would come at
// other points than the leader's); the leader's are delivered to every
// variant at the same point of their call streams:
//   - when it interrupted a call the leader executes for all (the followers
//     are stopped at that call's entry), right there: the followers' call
//     ends as the leader's did (restarted or EINTR) with the signal pending;
//   - when its default action kills, at once in every variant;
//   - otherwise at the task's next rendezvous, before the call, which every
//     variant then makes again (the kernel's own restart mechanism).

const (
	sigRTMin  = 32
	siKernel  = 0x80
	saRestart = 0x10000000
	eintr     = 4
)

// signalStop handles a signal-delivery stop.
func (v *variant) signalStop(t *task, sig syscall.Signal) {
	if t.expected(sig) {
		v.cont(t, sig)
		return
	}
	si, err := v.siginfo(t)
	if err != nil {
		v.cont(t, 0)
		return
	}
	if err := v.getRegs(t); err != nil {
		return
	}
	if sig == syscall.SIGSEGV && v.m.cfg.TrapTSC && si.Code == siKernel {
		if n := tscInsnLen(t); n > 0 {
			v.rdtscEntry(t, n)
			return
		}
	}
	if t.entry != nil && sig == syscall.SIGTRAP && t.entry.hit(&t.regs) {
		v.entryReached(t)
		return
	}
	if synchronous(sig, si) {
		v.cont(t, sig)
		return
	}
	// A call made through IP-MON's gate is not one CP-MON knows of: the
	// kernel restarts it by itself, or CP-MON redirects it (resync).
	gate := v.inGate(t)
	inSyscall := interruptedCall(t, v.mem(t)) && !gate
	v.m.log.Debug("signal", "variant", v.idx, "tid", t.tid, "signal", sig, "code", si.Code,
		"in_syscall", inSyscall, "nr", int64(ptrace.Nr(&t.regs)), "ret", ptrace.Ret(&t.regs),
		"interrupted", t.interrupted, "followers_wait", t.followersWait)
	if !v.leader() {
		if inSyscall && !v.inMetCall() {
			t.silentRestart = true
		}
		v.cont(t, 0)
		return
	}
	v.leaderSignal(t, sig, inSyscall, gate)
}

// synchronous: a fault the kernel raised for an instruction of this task.
func synchronous(sig syscall.Signal, si ptrace.Siginfo) bool {
	switch sig {
	case syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGILL, syscall.SIGFPE, syscall.SIGTRAP, syscall.SIGSYS:
		return si.Code > 0
	}
	return false
}

func (v *variant) leaderSignal(t *task, sig syscall.Signal, inSyscall, gate bool) {
	m := v.m
	m.mu.Lock()
	m.leaderGot[sig] = time.Now()
	lt := t.lt
	act := lt.proc.sig.get(sig)

	ignored := act.disp == dispIgnore ||
		act.disp == dispDefault && (defaultIgnored(sig) || stopSignal(sig))
	switch {
	case ignored:
		m.mu.Unlock()
		if inSyscall {
			t.silentRestart = true
		}
		v.cont(t, 0)
	case t.followersWait && t.interrupted != 0:
		code := t.interrupted
		t.interrupted, t.onExit, t.followersWait = 0, nil, false
		restart := act.disp == dispHandler &&
			(code == -513 || code == -512 && act.flags&saRestart != 0)
		m.stats.SignalsInjected++
		for i := 1; i < m.n; i++ {
			if f := lt.tasks[i]; f != nil {
				f.v.enqueue(func() { f.v.injectNow(f, sig, restart) })
			}
		}
		m.mu.Unlock()
		v.cont(t, sig)
	case inSyscall && act.disp == dispHandler && t.call != nil && !t.call.Row.InLockstep(t.call.Raw):
		// It interrupted an unsynced blocking call (a futex wait), whose
		// end may depend on the handler (sem_post in a handler). Run the
		// handler now, and interrupt the followers' same task with the
		// same signal: blocked in their own wait, they take it there too.
		m.stats.SignalsInjected++
		for i := 1; i < m.n; i++ {
			if f := lt.tasks[i]; f != nil {
				f.v.enqueue(func() {
					f.expect(sig)
					f.v.tgkill(f, sig)
				})
			}
		}
		m.mu.Unlock()
		v.cont(t, sig)
	case act.disp == dispDefault:
		// The default action ends the process: do it everywhere now,
		// wherever each variant is (it may never make another call).
		m.stats.SignalsInjected++
		lt.proc.dying = sig
		for _, olt := range m.lts {
			if olt.proc != lt.proc {
				continue
			}
			for i := range olt.arrived {
				olt.arrived[i] = nil
			}
			olt.nArrived = 0
		}
		for i := 1; i < m.n; i++ {
			fv := m.variants[i]
			p := lt.proc
			tgid := lt.tids[i]
			fv.enqueue(func() { fv.terminate(p, tgid, sig) })
		}
		m.mu.Unlock()
		v.cont(t, sig)
	default:
		// A standard signal already pending is not queued twice, as in
		// the kernel; real-time signals are.
		if sig >= sigRTMin || !slices.Contains(lt.pending, sig) {
			lt.pending = append(lt.pending, sig)
		}
		// With IP-MON, the leader's thread may never stop at CP-MON by
		// itself: ask its IP-MON to bring the next call, and end a call
		// it waits in at the gate with the code that makes IP-MON remake
		// it through CP-MON, where the signal is delivered everywhere.
		m.requestSyncLocked(lt, true)
		if gate {
			// Under m.mu: the rendezvous that reads it may complete
			// on another tracer.
			t.resyncCode = gateRestartCode(&t.regs)
		}
		m.mu.Unlock()
		if inSyscall {
			t.silentRestart = true
		}
		if gate {
			v.gateReturn(t, ipmon.Resync)
			if !v.setRegs(t) {
				return
			}
		}
		v.cont(t, 0)
	}
}

// injectNow ends a follower's call, at whose entry it waits, the way the
// signal ended the leader's, and queues the signal so that it is delivered
// on the way back to user mode.
func (v *variant) injectNow(t *task, sig syscall.Signal, restart bool) {
	t.expect(sig)
	if t.call != nil && t.call.Row.Name == "rt_sigsuspend" {
		// Its temporary mask must be in force when the signal arrives:
		// run the call itself; the pending signal ends it at once.
		v.tgkill(t, sig)
		v.cont(t, 0)
		return
	}
	if restart {
		ptrace.Rewind(&t.regs)
	} else {
		ptrace.Skip(&t.regs, -eintr)
	}
	if v.setRegs(t) {
		v.tgkill(t, sig)
		v.cont(t, 0)
	}
}

// injectBefore delivers a pending signal before the call t is entering,
// which t makes again after the handler (as after a kernel restart).
func (v *variant) injectBefore(t *task, sig syscall.Signal) {
	t.expect(sig)
	if v.backOut(t) {
		v.tgkill(t, sig)
		v.cont(t, 0)
	}
}

// rewindAndCont lets a task stopped at a call go back to user mode without
// making it, so that a pending signal is delivered.
func (v *variant) rewindAndCont(t *task) {
	if v.backOut(t) {
		v.cont(t, 0)
	}
}

// backOut undoes the call t is stopped at, so that it makes it again after
// whatever a signal does first. A system call is rewound to its syscall
// instruction; a trapped rdtsc still points at itself and traps again.
func (v *variant) backOut(t *task) bool {
	if t.call != nil && t.call.Row.Handler == hRdtsc {
		return true
	}
	ptrace.Rewind(&t.regs)
	return v.setRegs(t)
}

// terminate kills this variant's instance of process p with sig, as the
// leader's died of it.
func (v *variant) terminate(p *lproc, tgid int, sig syscall.Signal) {
	for _, t := range v.tasks {
		if t.lt == nil || t.lt.proc != p {
			continue
		}
		t.expect(sig)
		if t.awaiting {
			v.rewindAndCont(t)
		}
	}
	if tgid > 0 {
		v.kill(tgid, sig)
	}
}

func (v *variant) tgkill(t *task, sig syscall.Signal) {
	tgid := t.tgid
	if tgid == 0 {
		tgid = t.tid
	}
	if v.rem != nil {
		v.rem.tgkill(tgid, t.tid, sig)
		return
	}
	_ = unix.Tgkill(tgid, t.tid, sig)
}

// kill sends sig to one of this variant's processes or tasks.
func (v *variant) kill(pid int, sig syscall.Signal) {
	if v.rem != nil {
		v.rem.tgkill(0, pid, sig)
		return
	}
	_ = unix.Kill(pid, sig)
}

// rdtsc and rdtscp trap (PR_SET_TSC) as SIGSEGV; they become a call of
// their own in lockstep, whose value the leader's monitor reads.
const hRdtsc = "rdtsc"

var (
	rdtscRow  = &canon.Row{Name: "rdtsc", Exec: canon.ExecSpecial, Handler: hRdtsc}
	rdtscpRow = &canon.Row{Name: "rdtscp", Exec: canon.ExecSpecial, Handler: hRdtsc}
)

func tscInsnLen(t *task) int {
	var b [3]byte
	if t.v.mem(t).Read(ptrace.PC(&t.regs), b[:]) != nil {
		return 0
	}
	return ptrace.CounterReadLen(t.regs.Arch, b)
}

func (v *variant) rdtscEntry(t *task, n int) {
	row := rdtscRow
	if n == 3 {
		row = rdtscpRow
	}
	t.rdtscLen = n
	if v.m.counterUnsynced() {
		// The variants of the other instruction set read no such
		// counter: nothing to meet them at.
		v.finishRdtsc(t, ptrace.Rdtsc())
		return
	}
	t.call = &canon.Call{Row: row, Nr: ^uint64(0)}
	if v.leader() {
		v.m.leaderStops.Add(1)
	}
	v.m.arrive(t)
}

func (v *variant) finishRdtsc(t *task, val uint64) {
	ptrace.StepCounterRead(&t.regs, val, t.rdtscLen)
	if v.setRegs(t) {
		v.cont(t, 0) // the SIGSEGV is consumed
	}
}
