package abi

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dmvx/internal/canon"
)

// Markdown renders an ABI's table as docs/ has it: intro (hand-written),
// the rows in number order (sub-commands after their call, in value order),
// then the named calls without a row, introduced by noRowIntro.
func (a *ABI) Markdown(intro, noRowIntro string) string {
	var b strings.Builder
	b.WriteString(intro)
	b.WriteString("\n## Calls with a row\n\n")
	b.WriteString("| name | nr | args | exec | sync | ret | sensitive | level | why |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, nr := range a.Numbers() {
		row := a.Table[nr]
		writeRow(&b, row.Name+canonSuffix(row), nr, row)
		if row.Sub == nil {
			continue
		}
		for _, s := range a.sortedSubs(nr) {
			writeRow(&b, fmt.Sprintf("↳ %s %s (%#x)", row.Name, s.Name, s.V)+canonSuffix(s.Row), nr, s.Row)
		}
	}
	b.WriteString("\n## Calls without a row\n\n")
	b.WriteString(noRowIntro)
	b.WriteString("| name | nr | why there is no row |\n|---|---|---|\n")
	for _, nr := range a.Named() {
		if _, ok := a.Table[nr]; ok {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s |\n", a.names[nr], nr, cell(a.noRow[nr]))
	}
	return b.String()
}

// canonSuffix shows the generic call a row maps onto: " → openat(AT_FDCWD,
// a0, a1, a2)", or " → name" when only the name changes.
func canonSuffix(row *canon.Row) string {
	if row.CanonArgs == nil {
		if row.Canon == "" {
			return ""
		}
		return " → " + row.Canon
	}
	parts := make([]string, len(row.CanonArgs))
	for g, ca := range row.CanonArgs {
		parts[g] = canonArgString(ca)
	}
	return " → " + row.CanonName() + "(" + strings.Join(parts, ", ") + ")"
}

func canonArgString(ca canon.CanonArg) string {
	if ca.From >= 0 {
		s := fmt.Sprintf("a%d", ca.From)
		if ca.MapName != "" {
			s = ca.MapName + "(" + s + ")"
		}
		return s
	}
	switch {
	case ca.Kind == canon.FD && ca.Const == canon.AtFDCWD:
		return "AT_FDCWD"
	case ca.Kind == canon.Ignore:
		return "_"
	case ca.Kind == canon.Flags:
		return fmt.Sprintf("%#x", ca.Const)
	case ca.Kind == canon.Int || ca.Kind == canon.FD || ca.Kind == canon.PID:
		return strconv.FormatInt(int64(ca.Const), 10)
	case ca.Const == 0:
		return "NULL"
	}
	return "&"
}

func writeRow(b *strings.Builder, name string, nr uint64, row *canon.Row) {
	sens := ""
	if row.Sensitive {
		sens = "yes"
	}
	ret := retString(row.Ret)
	if row.RetConv != nil {
		ret += " ⇄ " + row.RetConv.Name
	}
	fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
		cell(name), nr, cell(argsString(row)), cell(execString(row)), syncString(row),
		ret, sens, row.Level, cell(row.Why))
}

// argsString renders a row's arguments, and what selects a sub-command.
func argsString(row *canon.Row) string {
	parts := make([]string, len(row.Args))
	for i, a := range row.Args {
		parts[i] = argString(a)
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		s = "–"
	}
	if row.Sub != nil {
		mask := ""
		if row.SubMask != 0 {
			mask = fmt.Sprintf(" & %#x", row.SubMask)
		}
		s += fmt.Sprintf("; sub-command: a%d%s", row.SubArg, mask)
	}
	return s
}

func argString(a canon.Arg) string {
	s := a.Kind.String()
	if a.Len >= 0 {
		s += fmt.Sprintf("[a%d]", a.Len)
	}
	switch {
	case a.Layout != nil:
		s += fmt.Sprintf("(%d ⇄ %d %s)", a.Size, a.Layout.GenericSize, a.Layout.Name)
	case a.Size > 0:
		s += fmt.Sprintf("(%d)", a.Size)
	}
	if a.Conv != nil {
		s += " ⇄ " + a.Conv.Name
	}
	return s
}

func execString(row *canon.Row) string {
	switch row.Exec {
	case canon.ExecByFD:
		return fmt.Sprintf("by-fd(a%d)", row.FDArg)
	case canon.ExecNone:
		return fmt.Sprintf("none: %d", row.Fixed)
	case canon.ExecSpecial:
		return "special: " + row.Handler
	}
	return row.Exec.String()
}

func syncString(row *canon.Row) string {
	switch row.Sync {
	case canon.Lockstep:
		return "lockstep"
	case canon.Unsynced:
		return "unsynced"
	case canon.UnsyncedUnlessExec:
		return "unsynced unless PROT_EXEC"
	}
	return "sync?"
}

func retString(r canon.Ret) string {
	switch r {
	case canon.RetInt:
		return "int"
	case canon.RetFD:
		return "fd"
	case canon.RetPID:
		return "pid"
	case canon.RetAddr:
		return "addr"
	}
	return "ret?"
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// sortedSubs returns the sub-commands of call nr in value order.
func (a *ABI) sortedSubs(nr uint64) []Sub {
	list := slices.Clone(a.subs[nr])
	slices.SortFunc(list, func(x, y Sub) int { return cmp.Compare(x.V, y.V) })
	return list
}
