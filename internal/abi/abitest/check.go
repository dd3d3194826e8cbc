package abitest

import (
	"fmt"
	"testing"

	"dmvx/internal/abi"
	"dmvx/internal/canon"
)

// AllRows calls f for every row and sub-row of a, with a label for
// messages.
func AllRows(a *abi.ABI, f func(label string, nr uint64, row *canon.Row)) {
	for _, nr := range a.Numbers() {
		row := a.Table[nr]
		f(row.Name, nr, row)
		for _, s := range a.Subs(nr) {
			f(fmt.Sprintf("%s(%s)", row.Name, s.Name), nr, s.Row)
		}
	}
}

// lenKinds are the kinds whose Len names another argument.
var lenKinds = map[canon.Kind]bool{
	canon.InBuf: true, canon.OutBuf: true, canon.InIovec: true, canon.OutIovec: true,
	canon.InSockaddr: true, canon.OutSockaddr: true, canon.InArray: true,
	canon.OutArray: true, canon.InOutArray: true,
}

// sizeKinds are the kinds that need a Size.
var sizeKinds = map[canon.Kind]bool{
	canon.InStruct: true, canon.OutStruct: true, canon.InOutStruct: true,
	canon.InArray: true, canon.OutArray: true, canon.InOutArray: true,
}

var handlers = map[string]bool{
	canon.HClone: true, canon.HExecve: true, canon.HWait: true, canon.HPipe: true,
	canon.HClose: true, canon.HEpollCtl: true, canon.HEpollWait: true,
	canon.HSigaction: true, canon.HSendmsg: true, canon.HRecvmsg: true, canon.HSelect: true,
}

// CheckArgs checks every row's argument descriptions: lengths name a value
// argument in range, sizes are where kinds need them, translations are
// where they can apply.
func CheckArgs(t *testing.T, a *abi.ABI) {
	AllRows(a, func(label string, nr uint64, row *canon.Row) {
		if len(row.Args) > 6 {
			t.Errorf("%s: %d arguments", label, len(row.Args))
		}
		for i, a := range row.Args {
			switch {
			case lenKinds[a.Kind]:
				if a.Len < 0 || int(a.Len) >= len(row.Args) || int(a.Len) == i {
					t.Errorf("%s: arg %d (%s) has length arg %d out of range", label, i, a.Kind, a.Len)
					continue
				}
				// OutSockaddr's length is a socklen_t*, every other one a value.
				want := canon.Int
				if a.Kind == canon.OutSockaddr {
					want = canon.Addr
				}
				if got := row.Args[a.Len].Kind; got != want {
					t.Errorf("%s: arg %d (%s) takes its length from arg %d, a %s, want %s", label, i, a.Kind, a.Len, got, want)
				}
			case a.Len != -1:
				t.Errorf("%s: arg %d (%s) has Len %d, want -1", label, i, a.Kind, a.Len)
			}
			if sizeKinds[a.Kind] != (a.Size > 0) {
				t.Errorf("%s: arg %d (%s) has Size %d", label, i, a.Kind, a.Size)
			}
			if a.Kind > canon.InArray {
				t.Errorf("%s: arg %d has unknown kind %d", label, i, a.Kind)
			}
			if l := a.Layout; l != nil && (!sizeKinds[a.Kind] || l.ABISize != a.Size || l.GenericSize <= 0 ||
				l.ToGeneric == nil || l.FromGeneric == nil || l.Name == "") {
				t.Errorf("%s: arg %d (%s, %d bytes) has a layout that does not fit it: %+v", label, i, a.Kind, a.Size, l)
			}
			if c := a.Conv; c != nil && (a.Kind != canon.Flags && a.Kind != canon.Int || c.ToGeneric == nil || c.FromGeneric == nil || c.Name == "") {
				t.Errorf("%s: arg %d (%s) has a conversion that does not fit it", label, i, a.Kind)
			}
		}
	})
}

// CheckCanon checks every row's mapping onto its generic call: a row with
// another generic name says how its arguments map, every mapped argument
// exists, every constant has a kind, every output argument has a generic
// place (or replication could not carry it), and a decoded call's View
// matches the mapping.
func CheckCanon(t *testing.T, a *abi.ABI) {
	AllRows(a, func(label string, nr uint64, row *canon.Row) {
		if row.Canon != "" && row.CanonArgs == nil && len(row.Args) > 0 {
			t.Errorf("%s: maps onto %s with no argument mapping", label, row.Canon)
		}
		if row.Canon == row.Name {
			t.Errorf("%s: maps onto itself", label)
		}
		if len(row.CanonArgs) > 6 {
			t.Errorf("%s: %d generic arguments", label, len(row.CanonArgs))
		}
		used := map[int8]bool{}
		for g, ca := range row.CanonArgs {
			switch {
			case ca.From == canon.FromConst:
				if ca.Kind == canon.None || ca.Map != nil || sizeKinds[ca.Kind] != (ca.Size > 0) {
					t.Errorf("%s: generic arg %d: constant of kind %s, size %d", label, g, ca.Kind, ca.Size)
				}
			case ca.From < 0 || int(ca.From) >= len(row.Args):
				t.Errorf("%s: generic arg %d from arg %d, out of range", label, g, ca.From)
			default:
				used[ca.From] = true
				if (ca.Map != nil) != (ca.Kind != canon.None) || (ca.Map != nil) != (ca.MapName != "") {
					t.Errorf("%s: generic arg %d: a kind without a map, or a map without a kind or name", label, g)
				}
			}
		}
		if row.CanonArgs != nil {
			for i, arg := range row.Args {
				if row.Result != nil && arg.Kind.IsOutput() {
					continue // the row's Result places it
				}
				if arg.Kind != canon.None && arg.Kind != canon.Ignore && !used[int8(i)] {
					t.Errorf("%s: arg %d (%s) has no place in %s", label, i, arg.Kind, row.CanonName())
				}
			}
		}
		c := &canon.Call{Row: row}
		v := c.View()
		if v.Name != row.CanonName() || v.Own != row.Name {
			t.Errorf("%s: view named %q (own %q)", label, v.Name, v.Own)
		}
		if row.CanonArgs != nil && v.N != len(row.CanonArgs) || row.CanonArgs == nil && v.N != len(row.Args) {
			t.Errorf("%s: view has %d arguments", label, v.N)
		}
		for g, ga := range v.Args[:v.N] {
			if ga.Conv != nil || ga.Layout != nil {
				t.Errorf("%s: generic arg %d keeps a translation", label, g)
			}
			constant := row.CanonArgs != nil && row.CanonArgs[g].From == canon.FromConst
			if lenKinds[ga.Kind] && !constant && (ga.Len < 0 || int(ga.Len) >= v.N) {
				t.Errorf("%s: generic arg %d (%s) has length %d", label, g, ga.Kind, ga.Len)
			}
		}
		_ = v.String()
	})
}

// CheckExec checks the execution rules every row must follow.
func CheckExec(t *testing.T, a *abi.ABI) {
	AllRows(a, func(label string, nr uint64, row *canon.Row) {
		if (row.Exec == canon.ExecSpecial) != (row.Handler != "") {
			t.Errorf("%s: exec %s with handler %q", label, row.Exec, row.Handler)
		}
		if row.Handler != "" && !handlers[row.Handler] {
			t.Errorf("%s: unknown handler %q", label, row.Handler)
		}
		if (row.Exec == canon.ExecNone) != (row.Fixed < 0) || row.Fixed > 0 {
			t.Errorf("%s: exec %s with fixed result %d", label, row.Exec, row.Fixed)
		}
		if row.Exec == canon.ExecByFD {
			if int(row.FDArg) >= len(row.Args) || row.Args[row.FDArg].Kind != canon.FD {
				t.Errorf("%s: by-fd on arg %d, which is not an fd", label, row.FDArg)
			}
		} else if row.FDArg != 0 {
			t.Errorf("%s: FDArg %d on a %s row", label, row.FDArg, row.Exec)
		}
		if row.Exec == canon.ExecOpen && row.Ret != canon.RetFD {
			t.Errorf("%s: open row returns %v, want an fd", label, row.Ret)
		}
		if row.Ret == canon.RetAddr && row.Exec != canon.ExecAll {
			t.Errorf("%s: returns an address but runs %s", label, row.Exec)
		}
		if row.Sensitive && row.Why == "" {
			t.Errorf("%s: sensitive without a why", label)
		}
		if !row.Sensitive && row.Why != "" {
			t.Errorf("%s: a why (%q) on a row that is not sensitive", label, row.Why)
		}
		if row.Sensitive != (row.Level == canon.Never) {
			t.Errorf("%s: sensitive %v at level %s", label, row.Sensitive, row.Level)
		}
	})
}

// CheckMultiplexed checks the sub-tables: exactly the calls in multiplexed
// have one, every sub-command is named once, kept by the mask, and resolved
// by Lookup.
func CheckMultiplexed(t *testing.T, a *abi.ABI, multiplexed ...uint64) {
	want := map[uint64]bool{}
	for _, nr := range multiplexed {
		want[nr] = true
	}
	for nr, row := range a.Table {
		if want[nr] != (row.Sub != nil) {
			t.Errorf("%s: multiplexed %v, sub-table %v", row.Name, want[nr], row.Sub != nil)
		}
		if row.Sub == nil {
			if row.SubArg != 0 || row.SubMask != 0 {
				t.Errorf("%s: SubArg/SubMask without a sub-table", row.Name)
			}
			continue
		}
		if len(row.Sub) == 0 || len(row.Sub) != len(a.Subs(nr)) {
			t.Errorf("%s: %d sub-rows, %d named", row.Name, len(row.Sub), len(a.Subs(nr)))
		}
		if int(row.SubArg) >= len(row.Args) || abi.SubLabel(row.Name) == "" {
			t.Errorf("%s: bad SubArg %d or no label", row.Name, row.SubArg)
		}
		seen := map[string]bool{}
		for _, s := range a.Subs(nr) {
			if row.Sub[s.V] != s.Row || seen[s.Name] {
				t.Errorf("%s(%s): duplicate value or name", row.Name, s.Name)
			}
			seen[s.Name] = true
			if s.V&row.SubMask != s.V {
				t.Errorf("%s(%s): value %#x not kept by mask %#x", row.Name, s.Name, s.V, row.SubMask)
			}
			if s.Row.Name != row.Name || s.Row.Sub != nil {
				t.Errorf("%s(%s): sub-row named %q or itself multiplexed", row.Name, s.Name, s.Row.Name)
			}
			if len(s.Row.Args) <= int(row.SubArg) || s.Row.Args[row.SubArg].Kind != row.Args[row.SubArg].Kind {
				t.Errorf("%s(%s): selector argument differs from the call's", row.Name, s.Name)
			}
			if got := a.SubName(nr, s.V); got != s.Name {
				t.Errorf("SubName(%s, %#x) = %q", row.Name, s.V, got)
			}
			if v, ok := a.SubNumber(nr, s.Name); !ok || v != s.V {
				t.Errorf("SubNumber(%s, %s) = %#x, %v", row.Name, s.Name, v, ok)
			}
			var args [6]uint64
			args[row.SubArg] = s.V
			if got, err := a.Lookup(nr, args); err != nil || got != s.Row {
				t.Errorf("Lookup(%s %s) = %v, %v", row.Name, s.Name, got, err)
			}
		}
	}
}

// CheckNames checks that every row is named as its number, and that every
// named call has a row or a reason to have none, never both.
func CheckNames(t *testing.T, a *abi.ABI) {
	for nr, row := range a.Table {
		if a.Name(nr) != row.Name {
			t.Errorf("row %d is named %q, the number list says %q", nr, row.Name, a.Name(nr))
		}
	}
	named := map[uint64]bool{}
	for _, nr := range a.Named() {
		named[nr] = true
		n := a.Name(nr)
		_, has := a.Table[nr]
		if why := a.WhyNoRow(nr); has == (why != "") {
			t.Errorf("%s (%d): a row %v and a reason for none %q", n, nr, has, why)
		}
		if got, ok := a.Number(n); !ok || got != nr {
			t.Errorf("Number(%q) = %d, %v", n, got, ok)
		}
	}
	for _, nr := range a.NoRow() {
		if !named[nr] {
			t.Errorf("a reason for unnamed call %d", nr)
		}
	}
}
