package amd64

import (
	"dmvx/internal/abi"
	"dmvx/internal/canon"
)

// ABI is the amd64 table with its names and reasons, as package abi
// resolves and renders it. Read only.
var ABI = abi.New("amd64", Table, names[:], noRow, map[uint64][]abi.Sub{
	SYS_IOCTL: subList(ioctlSubs),
	SYS_FCNTL: subList(fcntlSubs),
	SYS_PRCTL: subList(prctlSubs),
	SYS_FUTEX: subList(futexSubs),
})

// Lookup returns the row that describes the call nr made with args. For a
// multiplexed call it returns the sub-command's row, selected by
// args[Row.SubArg] (masked with Row.SubMask when that is not zero). The error,
// a *NoRowError, names the call and the sub-command when there is no row.
func Lookup(nr uint64, args [6]uint64) (*canon.Row, error) { return ABI.Lookup(nr, args) }

// NoRowError reports a call, or a sub-command of a multiplexed call, that
// has no row and so must not be run under dmvx.
type NoRowError = abi.NoRowError

// Name returns the kernel's name for the amd64 call nr, whether or not it
// has a row, or "syscall_N" for a number that the amd64 table does not use.
func Name(nr uint64) string { return ABI.Name(nr) }

// Number returns the amd64 number of the call the kernel (and strace) names
// name.
func Number(name string) (uint64, bool) { return ABI.Number(name) }

// SubName returns the name of sub-command v of multiplexed call nr as strace
// prints it ("TCGETS", "F_SETFL", "PR_SET_NAME", "FUTEX_WAIT"), or "" when
// that sub-command has no row. v is taken after the row's SubMask.
func SubName(nr, v uint64) string { return ABI.SubName(nr, v) }

// SubNumber is the inverse of SubName.
func SubNumber(nr uint64, name string) (uint64, bool) { return ABI.SubNumber(nr, name) }

// WhyNoRow says why the call nr has no row, or "" when it has one or the
// number is unused.
func WhyNoRow(nr uint64) string { return ABI.WhyNoRow(nr) }

// sub is one sub-command of a multiplexed call, as the lists in ioctl.go,
// fcntl.go, prctl.go and futex.go write it.
type sub struct {
	v    uint64
	name string
	row  *canon.Row
}

// subTable builds a Row.Sub map from a sub-command list.
func subTable(list []sub) map[uint64]*canon.Row { return abi.SubTable(subList(list)) }

func subList(list []sub) []abi.Sub {
	out := make([]abi.Sub, len(list))
	for i, s := range list {
		out[i] = abi.Sub{V: s.v, Name: s.name, Row: s.row}
	}
	return out
}
