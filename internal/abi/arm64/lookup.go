package arm64

import (
	"dmvx/internal/abi"
	"dmvx/internal/canon"
)

// Lookup returns the row that describes the arm64 call nr made with args.
// For a multiplexed call it returns the sub-command's row. The error, a
// *NoRowError, names the call and the sub-command when there is no row.
func Lookup(nr uint64, args [6]uint64) (*canon.Row, error) { return ABI.Lookup(nr, args) }

// NoRowError reports a call, or a sub-command of a multiplexed call, that
// has no row and so must not be run under dmvx.
type NoRowError = abi.NoRowError

// Name returns the kernel's name for the arm64 call nr, whether or not it
// has a row, or "syscall_N" for a number that arm64 does not use.
func Name(nr uint64) string { return ABI.Name(nr) }

// Number returns the arm64 number of the call the kernel (and strace) names
// name.
func Number(name string) (uint64, bool) { return ABI.Number(name) }

// SubName returns the name of sub-command v of multiplexed call nr as strace
// prints it, or "" when that sub-command has no row.
func SubName(nr, v uint64) string { return ABI.SubName(nr, v) }

// SubNumber is the inverse of SubName.
func SubNumber(nr uint64, name string) (uint64, bool) { return ABI.SubNumber(nr, name) }

// WhyNoRow says why the call nr has no row, or "" when it has one or the
// number is unused.
func WhyNoRow(nr uint64) string { return ABI.WhyNoRow(nr) }
