package cpmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"dmvx/internal/canon"
	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"

	"golang.org/x/sys/unix"
)

// Variants of two instruction sets start through two dynamic loaders,
// which make different calls: other paths (/lib/x86_64-linux-gnu vs
// /lib/aarch64-linux-gnu), other numbers of reads and mappings, arch_prctl
// on x86-64 only. Their calls are therefore compared from the program's
// entry point (AT_ENTRY) on. Until then each variant runs its loader, and
// the constructors of its libraries, on its own, under the allow-list
// below: it may read files and map them, set up its threads' bookkeeping,
// ask what the system is, and nothing else (no write, no exec, no network,
// no signal handler, no writable and executable memory). A call outside
// the list ends the run as a divergence.
// A breakpoint at the entry point, planted when the exec stops, ends the
// loader phase.
//
// The allow-list is also what every later execve of a cross-ISA run (a
// shell starting a program) goes through.

// loaderCalls are the calls a loader may make before the entry, by
// canonical name, with a check of their generic raw arguments ("" when
// allowed, else why not).
var loaderCalls = map[string]func(raw [6]uint64) string{
	"openat": func(raw [6]uint64) string {
		if raw[2]&(oAccmode|oCreat|oTrunc) != 0 {
			return "an open for writing"
		}
		return ""
	},
	"mmap": func(raw [6]uint64) string { return notWX(raw[2]) },
	"mprotect": func(raw [6]uint64) string {
		return notWX(raw[2])
	},
	"read": none, "pread64": none, "close": none, "newfstatat": none, "fstat": none,
	"statx": none, "faccessat": none, "faccessat2": none, "readlinkat": none, "lseek": none,
	"getdents64": none, "getcwd": none, "statfs": none, "fstatfs": none,
	"brk": none, "munmap": none, "madvise": none, "arch_prctl": none,
	"set_tid_address": none, "set_robust_list": none, "rseq": none, "getrandom": none,
	// Queries that library constructors make (libselinux's, for one).
	"uname": none, "getuid": none, "geteuid": none, "getgid": none, "getegid": none,
	"gettid": none, "sched_getaffinity": none, "sysinfo": none,
	"clock_gettime": none, "clock_getres": none, "gettimeofday": none,
	"prlimit64": func(raw [6]uint64) string {
		if raw[2] != 0 {
			return "a new resource limit"
		}
		return ""
	},
}

// Generic O_* and PROT_* bits (asm-generic: the canonical form's).
const (
	oAccmode  = 0o3
	oCreat    = 0o100
	oTrunc    = 0o1000
	protWrite = 0x2
	protExec  = 0x4
)

func none([6]uint64) string { return "" }

func notWX(prot uint64) string {
	if prot&protWrite != 0 && prot&protExec != 0 {
		return "memory both writable and executable"
	}
	return ""
}

// loaderCheck says why call c may not run before the program's entry, or
// "" when it may.
func loaderCheck(c *canon.Call) string {
	v := c.View()
	check, ok := loaderCalls[v.Name]
	if !ok {
		return fmt.Sprintf("%s before the program's entry: the loaders of variants of two instruction sets may only read and map files (docs/cross-isa.md)", c.Row.Name)
	}
	if why := check(v.Raw); why != "" {
		return fmt.Sprintf("%s before the program's entry: %s", c.Row.Name, why)
	}
	return ""
}

// loaderRow looks up and checks a call made before the program's entry:
// its row, and why it may not run ("" when it may). A call that nobody
// executes (rseq: canon.ExecNone) gets its row's fixed result here too, as
// it will after the entry: glibc must see the same answer in every thread.
func loaderRow(nr uint64, args [6]uint64, mem canon.Mem) (*canon.Row, string) {
	row, err := nativeABI.Lookup(nr, args)
	if err != nil {
		return nil, err.Error() + ", before the program's entry"
	}
	c, err := canon.Decode(row, nr, args, mem)
	if err != nil {
		return nil, err.Error()
	}
	return row, loaderCheck(c)
}

// entryTrap is a breakpoint at a program's entry point.
type entryTrap struct {
	addr uint64
	orig []byte
}

// Trap instructions: int3 (x86-64; the task stops after it), brk #0
// (arm64; the task stops at it).
var trapCode = map[ptrace.Arch][]byte{
	ptrace.ArchAMD64: {0xcc},
	ptrace.ArchARM64: {0x00, 0x00, 0x20, 0xd4},
}

// atAuxEntry is AT_ENTRY, the program's entry point in its auxiliary vector.
const atAuxEntry = 9

// plantEntry puts a breakpoint at the entry point of the program task tid
// just exec'd.
func plantEntry(tid int, arch ptrace.Arch, mem ptrace.Mem) (*entryTrap, error) {
	aux, err := os.ReadFile(fmt.Sprintf("/proc/%d/auxv", tid))
	if err != nil {
		return nil, err
	}
	var addr uint64
	for i := 0; i+16 <= len(aux); i += 16 {
		if binary.LittleEndian.Uint64(aux[i:]) == atAuxEntry {
			addr = binary.LittleEndian.Uint64(aux[i+8:])
		}
	}
	if addr == 0 {
		return nil, fmt.Errorf("task %d: no AT_ENTRY in its auxiliary vector", tid)
	}
	code := trapCode[arch]
	e := &entryTrap{addr: addr, orig: make([]byte, len(code))}
	if err := mem.Read(addr, e.orig); err != nil {
		return nil, fmt.Errorf("task %d: reading its entry point: %w", tid, err)
	}
	if err := mem.Write(addr, code); err != nil {
		return nil, fmt.Errorf("task %d: planting a breakpoint at its entry point: %w", tid, err)
	}
	return e, nil
}

// hit reports whether a task stopped by SIGTRAP with registers r stopped at
// the breakpoint.
func (e *entryTrap) hit(r *ptrace.Regs) bool {
	pc := ptrace.PC(r)
	if r.Arch == ptrace.ArchAMD64 {
		return pc == e.addr+1
	}
	return pc == e.addr
}

// remove puts the entry point's code back and the task at it.
func (e *entryTrap) remove(mem ptrace.Mem, r *ptrace.Regs) error {
	if err := mem.Write(e.addr, e.orig); err != nil {
		return err
	}
	ptrace.SetPC(r, e.addr)
	return nil
}

// remoteUp: a follower host answered its hello (ok) or failed to.
func (m *Monitor) remoteUp(arch ptrace.Arch, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok && arch != ptrace.Native {
		m.fromEntry, m.crossISA = true, true
	}
	if m.remotesLeft--; m.remotesLeft == 0 {
		close(m.remotesUp)
	}
}

// compareFromEntry reports whether the run compares calls from the
// program's entry (Config.FromEntry, or variants of two instruction sets).
// A local variant asks when its program starts, and waits until every
// follower host has said which set it is.
func (m *Monitor) compareFromEntry() bool {
	select {
	case <-m.remotesUp:
	case <-time.After(welcomeTimeout + time.Second):
		// r.start gave up by now: the run is failing.
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fromEntry
}

// loaderEntry: a local task's loader makes a call before the program's
// entry in a run of two instruction sets. It runs if the allow-list lets
// it; any other call is a divergence.
func (v *variant) loaderEntry(t *task, nr uint64, args [6]uint64) {
	if nr == ipmon.NrRegister {
		path := ""
		if ip := v.m.ipm; ip != nil && ip.on {
			path = ip.path
		}
		v.skip(t, deferRegistration(t, path, v.m.log.With("variant", v.idx)), nil)
		return
	}
	row, why := loaderRow(nr, args, v.mem(t))
	v.m.log.Debug("loader call", "variant", v.idx, "tid", t.tid, "call", nativeABI.Name(nr), "refused", why)
	if why == "" {
		if row.Exec == canon.ExecNone {
			v.skip(t, row.Fixed, nil)
			return
		}
		v.cont(t, 0)
		return
	}
	m := v.m
	m.mu.Lock()
	m.divergeLocked(t.lt, nativeABI.Name(nr), fmt.Sprintf("variant %d: %s", v.idx, why))
	m.mu.Unlock()
}

// plantLocalEntry starts the loader phase of a local task that exec'd a
// program in a run of two instruction sets.
func (v *variant) plantLocalEntry(t *task) bool {
	e, err := plantEntry(t.tid, ptrace.Native, ptrace.Mem{Pid: t.tid})
	if err != nil {
		v.m.mu.Lock()
		v.m.errorLocked("variant %d: %v", v.idx, err)
		v.m.mu.Unlock()
		return false
	}
	t.entry = e
	return true
}

// entryReached: a local task stopped at its program's entry breakpoint:
// the loader phase is over, and its calls are compared from here on.
func (v *variant) entryReached(t *task) {
	if atEntry(t, v.m.log.With("variant", v.idx)) {
		if v.setRegs(t) {
			v.cont(t, 0)
		}
		return
	}
	if err := t.entry.remove(ptrace.Mem{Pid: t.tid}, &t.regs); err != nil {
		v.m.mu.Lock()
		v.m.errorLocked("variant %d: removing the breakpoint at the entry point: %v", v.idx, err)
		v.m.mu.Unlock()
		return
	}
	t.entry = nil
	v.m.log.Debug("program entry", "variant", v.idx, "tid", t.tid, "pc", fmt.Sprintf("%#x", ptrace.PC(&t.regs)))
	if v.setRegs(t) {
		v.cont(t, 0)
	}
}

// IP-MON registers from its constructor, which the loader runs before the
// entry, where calls are not compared. In this mode the constructor's
// registration is answered "later" (EAGAIN: IP-MON stays off, and the
// loader's calls go on to the allow-list), and at the entry breakpoint the
// task is made to call IP-MON's registration function, with the entry as
// its return address, as a debugger calls a function in its inferior. The
// registration then stops for CP-MON after the entry, compared like any
// call; the function returns onto the breakpoint, which was left in place,
// and the task resumes at the entry with the registers it had there (its
// new %gs base kept).

// deferRegistration answers the registration call t's IP-MON makes before
// the entry, with IP-MON's object installed at path ("" when IP-MON is
// off): it returns the call's result and notes in t the function to call
// at the entry.
func deferRegistration(t *task, path string, log *slog.Logger) int64 {
	fn, err := uint64(0), errors.New("IP-MON is off")
	if path != "" {
		fn, err = deferRegister(t.tid, ptrace.PC(&t.regs), path)
	}
	t.ipmonAt = fn
	if err != nil {
		log.Info("IP-MON's registration refused before the entry", "err", err)
		return -int64(unix.EPERM)
	}
	return -int64(unix.EAGAIN) // later
}

// atEntry: t stopped at its entry breakpoint. It reports whether t is to
// call IP-MON's registration function first (t.regs set up for it);
// otherwise t.regs are the entry's, for the breakpoint's removal.
func atEntry(t *task, log *slog.Logger) bool {
	switch {
	case t.entrySaved != nil:
		backAtEntry(&t.regs, *t.entrySaved)
		t.entrySaved = nil
	case t.ipmonAt != 0:
		saved, err := callAtEntry(&t.regs, t.entry, t.ipmonAt, ptrace.Mem{Pid: t.tid})
		t.ipmonAt = 0
		if err == nil {
			t.entrySaved = &saved
			return true
		}
		log.Info("IP-MON not registered at the entry", "err", err)
		t.regs = saved
	}
	return false
}

// deferRegister finds IP-MON's registration function in task tid, whose
// IP-MON (the object at path) asked to register from pc.
func deferRegister(tid int, pc uint64, path string) (uint64, error) {
	mp, err := mappingAt(tid, pc)
	if err != nil {
		return 0, err
	}
	if mp.file != path || !mp.exec {
		return 0, fmt.Errorf("a registration from %s, not IP-MON's code", mp.file)
	}
	obj, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return ipmon.FuncAt(obj, ipmon.RegisterFunc, mp.lo, mp.off)
}

// callAtEntry points r, a task at its entry breakpoint e, at a call of fn
// that returns onto the breakpoint, and returns the registers to resume
// the entry with afterwards.
func callAtEntry(r *ptrace.Regs, e *entryTrap, fn uint64, mem ptrace.Mem) (ptrace.Regs, error) {
	saved := *r
	ptrace.SetPC(&saved, e.addr)
	if r.Arch == ptrace.ArchAMD64 {
		// At the entry the stack is 16-aligned; the pushed return
		// address leaves it as a call would.
		sp := r.X86.Rsp - 8
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], e.addr)
		if err := mem.Write(sp, b[:]); err != nil {
			return saved, err
		}
		r.X86.Rsp = sp
	} else {
		r.A64.Regs[30] = e.addr // the link register
	}
	ptrace.SetPC(r, fn)
	return saved, nil
}

// backAtEntry: the registration function returned onto the breakpoint:
// r gets the entry's registers back, with the area IP-MON got (x86-64's
// %gs base; arm64's is in memory).
func backAtEntry(r *ptrace.Regs, saved ptrace.Regs) {
	if r.Arch == ptrace.ArchAMD64 {
		saved.X86.Gs_base = r.X86.Gs_base
	}
	*r = saved
}
