package amd64

import "dmvx/internal/canon"

// futex operations with a row, and the option bits masked off before lookup.
const (
	FUTEX_WAIT            = 0
	FUTEX_WAKE            = 1
	FUTEX_REQUEUE         = 3
	FUTEX_CMP_REQUEUE     = 4
	FUTEX_WAKE_OP         = 5
	FUTEX_LOCK_PI         = 6
	FUTEX_UNLOCK_PI       = 7
	FUTEX_TRYLOCK_PI      = 8
	FUTEX_WAIT_BITSET     = 9
	FUTEX_WAKE_BITSET     = 10
	FUTEX_WAIT_REQUEUE_PI = 11
	FUTEX_CMP_REQUEUE_PI  = 12
	FUTEX_LOCK_PI2        = 13

	FUTEX_PRIVATE_FLAG   = 128
	FUTEX_CLOCK_REALTIME = 256
)

// futexOpMask keeps the operation of a futex op word (an int) without its
// option bits. The full word is still compared as Flags.
const futexOpMask = 0xffffffff &^ (FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)

// futexSubs are the futex operations dmvx supports. Futex words live in each
// variant's own memory, so every variant runs every operation. Addresses
// (uaddr, uaddr2) are compared as NULL / non-NULL only, and so is the
// timeout: an absolute deadline (FUTEX_WAIT_BITSET, LOCK_PI) comes from a
// clock reading that may have been taken in the vDSO, unreplicated, and a
// timeout does not change what the call does, only when it gives up. The
// expected values of WAIT-type operations (val, and val3 of CMP_REQUEUE*) are
// futex words, which legitimately differ between variants when they hold
// tids or pointers: Ignore. Wake counts and bitsets are compared.
//
// FUTEX_FD (2) was removed from Linux in 2.6.26: no row.
var futexSubs = []sub{
	{FUTEX_WAIT, "FUTEX_WAIT", futexRow(canon.IgnoreA, canon.AddrA)},
	{FUTEX_WAKE, "FUTEX_WAKE", futexRow(canon.IntA)},
	// val2 (nr_requeue) travels in the timeout slot.
	{FUTEX_REQUEUE, "FUTEX_REQUEUE", futexRow(canon.IntA, canon.IntA, canon.AddrA)},
	{FUTEX_CMP_REQUEUE, "FUTEX_CMP_REQUEUE", futexRow(canon.IntA, canon.IntA, canon.AddrA, canon.IgnoreA)},
	// val3 encodes the operation applied to *uaddr2: compared.
	{FUTEX_WAKE_OP, "FUTEX_WAKE_OP", futexRow(canon.IntA, canon.IntA, canon.AddrA, canon.IntA)},
	{FUTEX_LOCK_PI, "FUTEX_LOCK_PI", futexRow(noneA, canon.AddrA)},
	{FUTEX_LOCK_PI2, "FUTEX_LOCK_PI2", futexRow(noneA, canon.AddrA)},
	{FUTEX_UNLOCK_PI, "FUTEX_UNLOCK_PI", futexRow()},
	{FUTEX_TRYLOCK_PI, "FUTEX_TRYLOCK_PI", futexRow()},
	{FUTEX_WAIT_BITSET, "FUTEX_WAIT_BITSET", futexRow(canon.IgnoreA, canon.AddrA, noneA, canon.FlagsA)},
	{FUTEX_WAKE_BITSET, "FUTEX_WAKE_BITSET", futexRow(canon.IntA, noneA, noneA, canon.FlagsA)},
	{FUTEX_WAIT_REQUEUE_PI, "FUTEX_WAIT_REQUEUE_PI", futexRow(canon.IgnoreA, canon.AddrA, canon.AddrA)},
	{FUTEX_CMP_REQUEUE_PI, "FUTEX_CMP_REQUEUE_PI", futexRow(canon.IntA, canon.IntA, canon.AddrA, canon.IgnoreA)},
}

// futexRow is an operation whose arguments after uaddr and op are args.
//
// Futex calls are unsynced: whether a thread waits or wakes at all depends
// on how the variant's own threads were scheduled (a joined thread that has
// already exited needs no wait), so their number differs between variants
// that behave the same. They only touch the variant's own memory.
func futexRow(args ...canon.Arg) *canon.Row {
	return &canon.Row{
		Name: "futex", Args: append(canon.A(canon.AddrA, canon.FlagsA), args...),
		Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced,
	}
}
