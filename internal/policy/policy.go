// Package policy decides, per policy level, which system calls the
// in-process monitor (IP-MON) may handle without the cross-process monitor,
// and builds the seccomp filter that enforces it.
//
// In a nutshell: a call made from IP-MON's own syscall gate (its address
// compared in full, 64 bits) whose number the level gives to IP-MON is
// allowed; a sensitive or unknown call always traps to CP-MON (RET_TRACE),
// from the gate or not; any other known, non-sensitive call made from
// anywhere else traps into IP-MON as SIGSYS (RET_TRAP), the slow path that
// lets IP-MON take calls its direct path missed. So jumping to the gate
// with a sensitive call gains an attacker nothing: the filter, not IP-MON,
// decides.
//
// The level is a run-time value (ReMon made it a compile-time constant).
package policy

import (
	"fmt"
	"sort"
	"strings"

	"dmvx/internal/canon"
)

// Levels, least permissive first (cumulative, as in ReMon).
var Levels = []canon.Level{canon.Base, canon.NonsocketRO, canon.NonsocketRW, canon.SocketRO, canon.SocketRW}

// Default is the level when none is asked for.
const Default = canon.SocketRW

// ParseLevel reads a level by name ("base", ..., "socket-rw").
func ParseLevel(s string) (canon.Level, error) {
	var names []string
	for _, l := range Levels {
		if l.String() == s {
			return l, nil
		}
		names = append(names, l.String())
	}
	return 0, fmt.Errorf("unknown policy level %q: want one of %s", s, strings.Join(names, ", "))
}

// ForIPMON reports whether, at level, IP-MON may take the call that row
// describes. A multiplexed call (ioctl, fcntl, prctl, futex) qualifies only
// when every sub-command does: the filter sees the call number, and the
// sub-command is an argument it does not inspect.
func ForIPMON(row *canon.Row, level canon.Level) bool {
	if row == nil || row.Sensitive || row.Level == canon.Never || row.Level > level {
		return false
	}
	for _, sub := range row.Sub {
		if !ForIPMON(sub, level) {
			return false
		}
	}
	return true
}

// Sensitive reports whether a call must always go to CP-MON: sensitive, or
// multiplexed with a sensitive sub-command.
func Sensitive(row *canon.Row) bool {
	if row.Sensitive {
		return true
	}
	for _, sub := range row.Sub {
		if Sensitive(sub) {
			return true
		}
	}
	return false
}

// IPMONSubs returns, for each multiplexed call in table that IP-MON
// implements some sub-commands of (impl: call number -> sub-command
// values), the sub-commands it may take at level: not sensitive, within the
// level. Calls with none are left out.
func IPMONSubs(table map[uint64]*canon.Row, level canon.Level, impl map[uint32][]uint32) map[uint32]Sub {
	out := make(map[uint32]Sub)
	for nr, vals := range impl {
		row := table[uint64(nr)]
		if row == nil || row.Sub == nil || row.Sensitive || row.Level == canon.Never {
			continue
		}
		var ok []uint32
		for _, v := range vals {
			if s := row.Sub[uint64(v)]; s != nil && ForIPMON(s, level) {
				ok = append(ok, v)
			}
		}
		if len(ok) > 0 {
			sort.Slice(ok, func(i, j int) bool { return ok[i] < ok[j] })
			out[nr] = Sub{Arg: int(row.SubArg), Values: ok}
		}
	}
	return out
}

// ReadOnlyOpen is the flags of an open that writes, creates or truncates:
// an openat with none of them only reads, which is not sensitive (the
// table's openat row is, for every other open).
const ReadOnlyOpen = 0x3 | 0x40 | 0x200 | 0x400 | 0x400000 // O_ACCMODE, O_CREAT, O_TRUNC, O_APPEND, __O_TMPFILE

// ExistingOpen is the flags of an open that may make a new file or empty
// one: an openat with none of them opens an existing file as it is, for
// reading or writing. What DESIGN.md calls sensitive is opening *new*
// files for writing (and truncation destroys what was there); writing to
// a file already open is nonsocket-rw's, and so is opening an existing
// file to write to it. IP-MON turns an O_CREAT (without O_EXCL) into an
// open of an existing file, and sends it to CP-MON when there is none.
const ExistingOpen = 0x40 | 0x200 | 0x400000 // O_CREAT, O_TRUNC, __O_TMPFILE

// IPMONOpenAt returns the check that lets IP-MON take openat calls at
// level: read-only opens from nonsocket-ro, the level of read-only file
// calls; opens of existing files for writing too from nonsocket-rw.
//
// openat is the call's number in the variant's ABI (257 on amd64, 56 on
// arm64); the flags are the same bits in both.
func IPMONOpenAt(level canon.Level, openat uint32) (nr uint32, s Sub, ok bool) {
	switch {
	case level >= canon.NonsocketRW:
		return openat, Sub{Arg: 2, Clear: ExistingOpen}, true
	case level >= canon.NonsocketRO:
		return openat, Sub{Arg: 2, Clear: ReadOnlyOpen}, true
	}
	return 0, Sub{}, false
}

// IPMONCalls lists, sorted, the numbers of the calls in table that IP-MON
// may take at level. Every other number (sensitive calls, calls the level
// keeps for CP-MON, numbers with no row) goes to CP-MON.
func IPMONCalls(table map[uint64]*canon.Row, level canon.Level) []uint32 {
	var nrs []uint32
	for nr, row := range table {
		if ForIPMON(row, level) {
			nrs = append(nrs, uint32(nr))
		}
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	return nrs
}
