package amd64

import (
	"fmt"
	"maps"
	"slices"

	"dmvx/internal/canon"
)

// Lookup returns the row that describes the call nr made with args. For a
// multiplexed call it returns the sub-command's row, selected by
// args[Row.SubArg] (masked with Row.SubMask when that is not zero). The error,
// a *NoRowError, names the call and the sub-command when there is no row.
func Lookup(nr uint64, args [6]uint64) (*canon.Row, error) {
	row, ok := Table[nr]
	if !ok {
		return nil, &NoRowError{Nr: nr, Reason: noRow[nr]}
	}
	if row.Sub == nil {
		return row, nil
	}
	v := subValue(row, args)
	if sr, ok := row.Sub[v]; ok {
		return sr, nil
	}
	return nil, &NoRowError{Nr: nr, HasSub: true, Sub: v}
}

// subValue is the key that selects a multiplexed call's sub-row.
func subValue(row *canon.Row, args [6]uint64) uint64 {
	v := args[row.SubArg]
	if row.SubMask != 0 {
		v &= row.SubMask
	}
	return v
}

// NoRowError reports a call, or a sub-command of a multiplexed call, that
// has no row and so must not be run under dmvx.
type NoRowError struct {
	Nr     uint64
	HasSub bool   // a multiplexed call whose sub-command has no row
	Sub    uint64 // the sub-command, after the row's SubMask
	Reason string // why the call has no row, when known
}

func (e *NoRowError) Error() string {
	var what string
	switch {
	case e.HasSub:
		what = fmt.Sprintf("%s(%s %#x)", Name(e.Nr), subLabel[e.Nr], e.Sub)
	case e.Nr < uint64(len(names)) && names[e.Nr] != "":
		what = fmt.Sprintf("%s (syscall %d)", names[e.Nr], e.Nr)
	default:
		what = fmt.Sprintf("syscall %d", e.Nr)
	}
	msg := "amd64: unsupported system call " + what
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Name returns the kernel's name for the amd64 call nr, whether or not it
// has a row, or "syscall_N" for a number that the amd64 table does not use.
func Name(nr uint64) string {
	if nr < uint64(len(names)) && names[nr] != "" {
		return names[nr]
	}
	return fmt.Sprintf("syscall_%d", nr)
}

// Number returns the amd64 number of the call the kernel (and strace) names
// name.
func Number(name string) (uint64, bool) {
	nr, ok := numbers[name]
	return nr, ok
}

var numbers = func() map[string]uint64 {
	m := make(map[string]uint64, len(names))
	for nr, n := range names {
		if n != "" {
			m[n] = uint64(nr)
		}
	}
	return m
}()

// SubName returns the name of sub-command v of multiplexed call nr as strace
// prints it ("TCGETS", "F_SETFL", "PR_SET_NAME", "FUTEX_WAIT"), or "" when
// that sub-command has no row. v is taken after the row's SubMask.
func SubName(nr, v uint64) string {
	for _, s := range subs[nr] {
		if s.v == v {
			return s.name
		}
	}
	return ""
}

// SubNumber is the inverse of SubName.
func SubNumber(nr uint64, name string) (uint64, bool) {
	for _, s := range subs[nr] {
		if s.name == name {
			return s.v, true
		}
	}
	return 0, false
}

// WhyNoRow says why the call nr has no row, or "" when it has one or the
// number is unused.
func WhyNoRow(nr uint64) string { return noRow[nr] }

// sub is one sub-command of a multiplexed call: the selecting value, its
// name as strace prints it, and its row.
type sub struct {
	v    uint64
	name string
	row  *canon.Row
}

// subTable builds a Row.Sub map from a sub-command list.
func subTable(list []sub) map[uint64]*canon.Row {
	m := make(map[uint64]*canon.Row, len(list))
	for _, s := range list {
		m[s.v] = s.row
	}
	return m
}

// subs lists the sub-commands of each multiplexed call, for names.
var subs = map[uint64][]sub{
	SYS_IOCTL: ioctlSubs,
	SYS_FCNTL: fcntlSubs,
	SYS_PRCTL: prctlSubs,
	SYS_FUTEX: futexSubs,
}

// subLabel is what the selecting argument of each multiplexed call is called.
var subLabel = map[uint64]string{
	SYS_IOCTL: "request",
	SYS_FCNTL: "cmd",
	SYS_PRCTL: "option",
	SYS_FUTEX: "op",
}

// sortedNumbers returns the keys of Table in increasing order.
func sortedNumbers() []uint64 { return slices.Sorted(maps.Keys(Table)) }
