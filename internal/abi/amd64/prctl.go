package amd64

import "dmvx/internal/canon"

// prctl options with a row.
const (
	PR_SET_PDEATHSIG             = 1
	PR_GET_PDEATHSIG             = 2
	PR_GET_DUMPABLE              = 3
	PR_SET_DUMPABLE              = 4
	PR_GET_KEEPCAPS              = 7
	PR_SET_KEEPCAPS              = 8
	PR_SET_NAME                  = 15
	PR_GET_NAME                  = 16
	PR_GET_SECCOMP               = 21
	PR_SET_SECCOMP               = 22
	PR_CAPBSET_READ              = 23
	PR_CAPBSET_DROP              = 24
	PR_GET_TSC                   = 25
	PR_SET_TSC                   = 26
	PR_GET_SECUREBITS            = 27
	PR_SET_SECUREBITS            = 28
	PR_SET_TIMERSLACK            = 29
	PR_GET_TIMERSLACK            = 30
	PR_SET_CHILD_SUBREAPER       = 36
	PR_GET_CHILD_SUBREAPER       = 37
	PR_SET_NO_NEW_PRIVS          = 38
	PR_GET_NO_NEW_PRIVS          = 39
	PR_SET_THP_DISABLE           = 41
	PR_GET_THP_DISABLE           = 42
	PR_CAP_AMBIENT               = 47
	PR_GET_SPECULATION_CTRL      = 52
	PR_SET_SPECULATION_CTRL      = 53
	PR_SET_IO_FLUSHER            = 57
	PR_GET_IO_FLUSHER            = 58
	PR_SET_SYSCALL_USER_DISPATCH = 59
	PR_SET_VMA                   = 0x53564d41
)

// prctlSubs are the prctl options dmvx supports. prctl changes the calling
// process, so every variant runs it, and every option is sensitive (always
// in lockstep). Arguments the kernel ignores are None; arguments it insists
// be zero are Int, so that a variant passing garbage is caught.
//
// Left out on purpose: PR_SET_MM (rewrites the memory map's bookkeeping),
// PR_GET_TID_ADDRESS and PR_GET_AUXV (return addresses), PR_SET_PTRACER
// (names a tracer pid, with -1 meaning any), PR_SET_MDWE and the
// architecture-specific options of other ISAs.
var prctlSubs = []sub{
	{PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG", prctlRow("", canon.IntA)},
	{PR_GET_PDEATHSIG, "PR_GET_PDEATHSIG", prctlRow("", canon.OutStructA(SizeofInt))},
	{PR_GET_DUMPABLE, "PR_GET_DUMPABLE", prctlRow("")},
	{PR_SET_DUMPABLE, "PR_SET_DUMPABLE", prctlRow("", canon.IntA)},
	{PR_GET_KEEPCAPS, "PR_GET_KEEPCAPS", prctlRow("")},
	{PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS", prctlRow("", canon.IntA)},
	// The kernel copies at most 15 bytes and stops at NUL: a string, so
	// that bytes after the NUL (often stack garbage) are not compared.
	{PR_SET_NAME, "PR_SET_NAME", prctlRow("", canon.StrA)},
	{PR_GET_NAME, "PR_GET_NAME", prctlRow("", canon.OutStructA(SizeofTaskCommLen))},
	{PR_GET_SECCOMP, "PR_GET_SECCOMP", prctlRow("")},
	// The filter is reached through sock_fprog's pointer: not compared.
	{PR_SET_SECCOMP, "PR_SET_SECCOMP", prctlRow(whySeccomp, canon.IntA, canon.AddrA)},
	{PR_CAPBSET_READ, "PR_CAPBSET_READ", prctlRow("", canon.IntA)},
	{PR_CAPBSET_DROP, "PR_CAPBSET_DROP", prctlRow("drops a capability from the bounding set", canon.IntA)},
	{PR_GET_TSC, "PR_GET_TSC", prctlRow("", canon.OutStructA(SizeofInt))},
	// Whether rdtsc then traps is a property of the host (see DESIGN §3).
	{PR_SET_TSC, "PR_SET_TSC", prctlRow("makes rdtsc trap or not", canon.IntA)},
	{PR_GET_SECUREBITS, "PR_GET_SECUREBITS", prctlRow("")},
	{PR_SET_SECUREBITS, "PR_SET_SECUREBITS", prctlRow("changes how root's capabilities work", canon.IntA)},
	{PR_SET_TIMERSLACK, "PR_SET_TIMERSLACK", prctlRow("", canon.IntA)},
	{PR_GET_TIMERSLACK, "PR_GET_TIMERSLACK", prctlRow("")},
	{PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER", prctlRow("", canon.IntA)},
	{PR_GET_CHILD_SUBREAPER, "PR_GET_CHILD_SUBREAPER", prctlRow("", canon.OutStructA(SizeofInt))},
	{PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_SET_THP_DISABLE, "PR_SET_THP_DISABLE", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_GET_THP_DISABLE, "PR_GET_THP_DISABLE", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_CAP_AMBIENT, "PR_CAP_AMBIENT", prctlRow("changes the ambient capability set", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_GET_SPECULATION_CTRL, "PR_GET_SPECULATION_CTRL", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_SET_SPECULATION_CTRL, "PR_SET_SPECULATION_CTRL", prctlRow("changes speculative-execution mitigations", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_SET_IO_FLUSHER, "PR_SET_IO_FLUSHER", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	{PR_GET_IO_FLUSHER, "PR_GET_IO_FLUSHER", prctlRow("", canon.IntA, canon.IntA, canon.IntA, canon.IntA)},
	// Offset and length name a code region (addresses); the selector is a
	// per-variant byte.
	{PR_SET_SYSCALL_USER_DISPATCH, "PR_SET_SYSCALL_USER_DISPATCH",
		prctlRow("redirects system calls to a SIGSYS handler, around the monitor's view", canon.IntA, canon.IgnoreA, canon.IgnoreA, canon.AddrA)},
	// PR_SET_VMA_ANON_NAME: the mapping is an address range (Ignore), the
	// name a string or NULL.
	{PR_SET_VMA, "PR_SET_VMA", prctlRow("", canon.IntA, canon.IgnoreA, canon.IgnoreA, canon.StrA)},
}

// prctlRow is an option whose arguments after the option are args. why is
// the option's own reason to be sensitive, if sharper than whyPrctl.
func prctlRow(why string, args ...canon.Arg) *canon.Row {
	if why == "" {
		why = whyPrctl
	}
	return &canon.Row{
		Name: "prctl", Args: append(canon.A(canon.IntA), args...),
		Exec: canon.ExecAll, Sensitive: true, Why: why,
	}
}
