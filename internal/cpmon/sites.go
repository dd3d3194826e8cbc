package cpmon

import (
	"fmt"
	"slices"

	"dmvx/internal/ipmon"
	"dmvx/internal/ptrace"
)

// siteArea is one variant's stub area in its IP-MON (the registration call
// names it; CP-MON checks it is the object's code).
type siteArea struct {
	next, end uint64 // the next free stub, the area's end
	entry     uint64 // IP-MON's site entry, which every stub calls
}

// patchSiteLocked redirects the syscall site the agreed call ts stopped at
// to IP-MON, in every variant or in none, when the call is one IP-MON takes
// at this level and the site was not looked at before. The call itself
// stays CP-MON's; the next one from the same site reaches IP-MON by a
// function call (see internal/ipmon/site.go for the stub).
//
// Every variant patches the same logical site at the same rendezvous, or
// none does: a leader whose call went to IP-MON while a follower's went to
// CP-MON would look like a divergence. Only a single-threaded process is
// patched, and none that shares its memory with another process (clone
// with CLONE_VM, not vfork, whose parent waits): another thread might be
// executing the very bytes being rewritten. A site patched then stays
// patched when threads come.
func (m *Monitor) patchSiteLocked(lt *ltask, ts []*task) {
	ip := lt.proc.ipm
	nr := ts[0].call.Nr
	if ip == nil || lt.slot < 0 || nr >= ipmon.MaxNr {
		return
	}
	if !m.ipm.takes(nr) || ts[0].regs.Arch == ptrace.ArchARM64 || m.crossISA {
		// arm64's IP-MON has no stub area yet: its wrappers alone
		// reach it; so, in a run with arm64 variants, the others'
		// sites stay as they are (each variant's call must take the
		// same way).
		return
	}
	key := ptrace.PC(&ts[0].regs)
	if ip.siteSeen[key] || ip.sharedVM || m.otherThreadsLocked(lt) {
		return
	}
	ip.siteSeen[key] = true
	type patch struct {
		stub, site uint64
		code       [ipmon.StubSize]byte
		jmp        [5]byte
	}
	patches := make([]patch, len(ts))
	for i, t := range ts {
		pc := ptrace.PC(&t.regs)
		var code [ipmon.SiteLen]byte
		area := &ip.sites[i]
		leave := func(why string) {
			m.stats.SitesLeft++
			m.log.Debug("syscall site left to CP-MON", "variant", i, "call", ts[0].call.Row.Name,
				"pc", fmt.Sprintf("%#x", pc), "code", fmt.Sprintf("% x", code), "why", why)
		}
		// A follower host's task is read by a round trip (once per site);
		// whether the site is IP-MON's own, the leader's tells: every
		// variant runs the same object (its digest is checked at the
		// start).
		switch {
		case pc < ipmon.SiteLen || t.v.mem(t).Read(pc-ipmon.SiteLen, code[:]) != nil:
			leave("unreadable")
			return
		case !ipmon.MatchSite(code[:], nr):
			leave("not mov $nr,%eax; syscall")
			return
		case t.v.rem == nil && inObject(t.tid, pc-2, 2, m.ipm.path):
			leave("IP-MON's own")
			return
		case area.next+ipmon.StubSize > area.end:
			leave("the stub area is full")
			return
		}
		p := &patches[i]
		p.stub, p.site = area.next, pc-7
		var ok bool
		if p.code, p.jmp, ok = ipmon.Stub(p.stub, p.site, area.entry, uint32(nr)); !ok {
			leave("out of a jump's reach")
			return
		}
	}
	for i, t := range ts {
		p := &patches[i]
		mem := t.v.mem(t)
		// The stub first: until the jump is written, nothing reaches it.
		if err := mem.Write(p.stub, p.code[:]); err != nil {
			m.errorLocked("variant %d: patching the syscall site at %#x: %v", i, p.site, err)
			return
		}
		if err := mem.Write(p.site, p.jmp[:]); err != nil {
			m.errorLocked("variant %d: patching the syscall site at %#x: %v", i, p.site, err)
			return
		}
		ip.sites[i].next += ipmon.StubSize
	}
	m.stats.SitesPatched++
}

// takes reports whether IP-MON may take call nr at this run's level.
func (ip *ipmonRun) takes(nr uint64) bool {
	if ip == nil || !ip.on || nr >= ipmon.MaxNr {
		return false
	}
	_, ok := slices.BinarySearch(ip.allowed, uint32(nr))
	return ok
}

// otherThreadsLocked reports whether lt's process has another live thread.
func (m *Monitor) otherThreadsLocked(lt *ltask) bool {
	for _, o := range m.lts {
		if o != lt && o.proc == lt.proc && o.nExited < m.n {
			return true
		}
	}
	return false
}
