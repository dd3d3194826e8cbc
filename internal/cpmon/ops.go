package cpmon

import (
	"dmvx/internal/canon"
	"dmvx/internal/ptrace"
)

// The operations on a variant's stopped tasks that the rest of CP-MON uses.
// For a local variant they are ptrace and process_vm_* on this host. For a
// variant on a follower host (v.rem) the stop's registers, siginfo, event
// message and decoded call came with the stop from that host's executor,
// and what is done to the task goes back to it as commands.

// mem is the memory of one of this variant's tasks.
func (v *variant) mem(t *task) canon.Mem {
	if v.rem != nil {
		return remoteMem{r: v.rem, tid: t.tid}
	}
	return ptrace.Mem{Pid: t.tid}
}

// apply writes the leader's outputs into t's own output arguments of the
// call it is stopped at.
func (v *variant) apply(t *task, outs []canon.Out) error {
	if v.rem != nil {
		v.rem.apply(t.tid, outs)
		return nil
	}
	return canon.Apply(t.call, outs, ptrace.Mem{Pid: t.tid})
}

// getRegs loads t's registers at its current stop into t.regs.
func (v *variant) getRegs(t *task) error {
	if v.rem != nil {
		return v.rem.regs(t)
	}
	return ptrace.GetRegs(t.tid, &t.regs)
}

// siginfo is the siginfo of t's signal-delivery stop.
func (v *variant) siginfo(t *task) (ptrace.Siginfo, error) {
	if v.rem != nil {
		return v.rem.siginfo(t)
	}
	return ptrace.GetSiginfo(t.tid)
}

// eventMsg is PTRACE_GETEVENTMSG at t's event stop.
func (v *variant) eventMsg(t *task) (uint64, error) {
	if v.rem != nil {
		return v.rem.eventMsg(t)
	}
	return ptrace.EventMsg(t.tid)
}

// decode reads t's call into canonical form.
func (v *variant) decode(t *task, row *canon.Row, nr uint64, args [6]uint64) (*canon.Call, error) {
	if v.rem != nil {
		return v.rem.decode(t, row, nr, args)
	}
	return canon.Decode(row, nr, args, ptrace.Mem{Pid: t.tid})
}
