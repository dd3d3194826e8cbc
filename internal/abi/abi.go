// Package abi is what the per-ABI system-call tables of dmvx (packages
// abi/amd64 and abi/arm64) share.
//
// In a nutshell: an ABI value holds one ABI's table (raw number -> canonical
// row, package canon), the kernel's name of every number, and why each named
// call without a row has none. Lookup resolves a raw call, and a
// multiplexed call's sub-command (ioctl by request, fcntl by command, prctl
// by option, futex by operation), onto its row, and fails, naming the call,
// where there is none. Markdown renders the table for docs/.
//
// The package holds data and pure functions; an ABI is read-only once
// built.
package abi

import (
	"fmt"
	"maps"
	"slices"

	"dmvx/internal/canon"
)

// Sub is one sub-command of a multiplexed call: the selecting value (after
// the row's SubMask), its name as strace prints it, and its row.
type Sub struct {
	V    uint64
	Name string
	Row  *canon.Row
}

// SubTable builds a Row.Sub map from a sub-command list.
func SubTable(list []Sub) map[uint64]*canon.Row {
	m := make(map[uint64]*canon.Row, len(list))
	for _, s := range list {
		m[s.V] = s.Row
	}
	return m
}

// subLabels says what the selecting argument of each multiplexed call is
// called, in error messages and docs.
var subLabels = map[string]string{
	"ioctl": "request",
	"fcntl": "cmd",
	"prctl": "option",
	"futex": "op",
}

// SubLabel is what the selecting argument of the multiplexed call name is
// called ("request" for ioctl), or "" for a call that is not multiplexed.
func SubLabel(name string) string { return subLabels[name] }

// ABI is one system-call ABI as dmvx sees it.
type ABI struct {
	// Arch names the ABI in messages ("amd64").
	Arch string
	// Table maps a raw number onto its row.
	Table   map[uint64]*canon.Row
	names   []string
	numbers map[string]uint64
	noRow   map[uint64]string
	subs    map[uint64][]Sub
}

// New builds an ABI from its table, the kernel's names indexed by number
// ("" for unused numbers), the reasons calls have no row, and the
// sub-command lists of its multiplexed calls, by number.
func New(arch string, table map[uint64]*canon.Row, names []string, noRow map[uint64]string, subs map[uint64][]Sub) *ABI {
	a := &ABI{Arch: arch, Table: table, names: names, noRow: noRow, subs: subs,
		numbers: make(map[string]uint64, len(names))}
	for nr, n := range names {
		if n != "" {
			a.numbers[n] = uint64(nr)
		}
	}
	return a
}

// Lookup returns the row that describes the call nr made with args. For a
// multiplexed call it returns the sub-command's row, selected by
// args[Row.SubArg] (masked with Row.SubMask when that is not zero). The
// error, a *NoRowError, names the call and the sub-command when there is no
// row.
func (a *ABI) Lookup(nr uint64, args [6]uint64) (*canon.Row, error) {
	row, ok := a.Table[nr]
	if !ok {
		return nil, &NoRowError{abi: a, Nr: nr, Reason: a.noRow[nr]}
	}
	if row.Sub == nil {
		return row, nil
	}
	v := args[row.SubArg]
	if row.SubMask != 0 {
		v &= row.SubMask
	}
	if sr, ok := row.Sub[v]; ok {
		return sr, nil
	}
	return nil, &NoRowError{abi: a, Nr: nr, HasSub: true, Sub: v}
}

// NoRowError reports a call, or a sub-command of a multiplexed call, that
// has no row and so must not be run under dmvx.
type NoRowError struct {
	abi    *ABI
	Nr     uint64
	HasSub bool   // a multiplexed call whose sub-command has no row
	Sub    uint64 // the sub-command, after the row's SubMask
	Reason string // why the call has no row, when known
}

func (e *NoRowError) Error() string {
	a := e.abi
	var what string
	switch {
	case e.HasSub:
		what = fmt.Sprintf("%s(%s %#x)", a.Name(e.Nr), SubLabel(a.Name(e.Nr)), e.Sub)
	case e.Nr < uint64(len(a.names)) && a.names[e.Nr] != "":
		what = fmt.Sprintf("%s (syscall %d)", a.names[e.Nr], e.Nr)
	default:
		what = fmt.Sprintf("syscall %d", e.Nr)
	}
	msg := a.Arch + ": unsupported system call " + what
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Name returns the kernel's name for call nr, whether or not it has a row,
// or "syscall_N" for a number that the ABI does not use.
func (a *ABI) Name(nr uint64) string {
	if nr < uint64(len(a.names)) && a.names[nr] != "" {
		return a.names[nr]
	}
	return fmt.Sprintf("syscall_%d", nr)
}

// Number returns the number of the call the kernel (and strace) names name.
func (a *ABI) Number(name string) (uint64, bool) {
	nr, ok := a.numbers[name]
	return nr, ok
}

// Named returns every number the ABI names, in increasing order.
func (a *ABI) Named() []uint64 {
	var nrs []uint64
	for nr, n := range a.names {
		if n != "" {
			nrs = append(nrs, uint64(nr))
		}
	}
	return nrs
}

// Numbers returns the numbers that have a row, in increasing order.
func (a *ABI) Numbers() []uint64 { return slices.Sorted(maps.Keys(a.Table)) }

// SubName returns the name of sub-command v of multiplexed call nr as
// strace prints it ("TCGETS", "F_SETFL", "PR_SET_NAME", "FUTEX_WAIT"), or ""
// when that sub-command has no row. v is taken after the row's SubMask.
func (a *ABI) SubName(nr, v uint64) string {
	for _, s := range a.subs[nr] {
		if s.V == v {
			return s.Name
		}
	}
	return ""
}

// SubNumber is the inverse of SubName.
func (a *ABI) SubNumber(nr uint64, name string) (uint64, bool) {
	for _, s := range a.subs[nr] {
		if s.Name == name {
			return s.V, true
		}
	}
	return 0, false
}

// Subs returns the sub-commands of multiplexed call nr, in the order they
// were listed (nil for other calls). The slice is the ABI's own: read only.
func (a *ABI) Subs(nr uint64) []Sub { return a.subs[nr] }

// NoRow returns the numbers that have a reason to have no row, in
// increasing order.
func (a *ABI) NoRow() []uint64 { return slices.Sorted(maps.Keys(a.noRow)) }

// WhyNoRow says why the call nr has no row, or "" when it has one or the
// number is unused.
func (a *ABI) WhyNoRow(nr uint64) string { return a.noRow[nr] }
