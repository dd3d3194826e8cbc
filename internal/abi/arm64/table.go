package arm64

import (
	"dmvx/internal/abi"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/canon"
)

// Table holds one row per supported arm64 call, keyed by its arm64 number.
// Multiplexed calls (ioctl, fcntl, prctl, futex) have a parent row whose
// Sub holds the sub-commands; use Lookup to resolve them. Calls without a
// row have a reason (WhyNoRow). The conventions of amd64.Table hold.
var Table = ABI.Table

// ABI is the arm64 table with its names and reasons, as package abi
// resolves and renders it. Read only.
var ABI = derive()

// derive builds the arm64 tables from amd64's, by name: for every arm64
// number, the amd64 row of the call the kernel names the same, made
// arm64's (own). The sub-command values of ioctl, fcntl, prctl and futex
// are the same on both (asm-generic/ioctls.h, and linux/ headers for the
// rest), so the sub-tables are amd64's, made arm64's the same way. A call
// without a row has amd64's reason for the call of that name.
func derive() *abi.ABI {
	table := map[uint64]*canon.Row{}
	subs := map[uint64][]abi.Sub{}
	noRow := map[uint64]string{}
	for nr, name := range names {
		if name == "" {
			continue
		}
		anr, ok := amd64.Number(name)
		if !ok {
			noRow[uint64(nr)] = "not a call amd64 has: no row describes it yet"
			continue
		}
		src := amd64.Table[anr]
		if src == nil {
			noRow[uint64(nr)] = amd64.WhyNoRow(anr)
			continue
		}
		row := own(src, name)
		if src.Sub != nil {
			row.Sub = map[uint64]*canon.Row{}
			for _, s := range amd64.ABI.Subs(anr) {
				sr := own(s.Row, name+" "+s.Name)
				row.Sub[s.V] = sr
				subs[uint64(nr)] = append(subs[uint64(nr)], abi.Sub{V: s.V, Name: s.Name, Row: sr})
			}
		}
		table[uint64(nr)] = row
	}
	return abi.New("arm64", table, names[:], noRow, subs)
}

// own is the arm64 row of a call whose amd64 row is src: the same
// semantics, without amd64's own translation to the generic ABI (arm64's
// names are generic, and its structs generic in layout), with arm64's
// overrides (key: the call's name, "fcntl F_SETFL" for a sub-command).
func own(src *canon.Row, key string) *canon.Row {
	r := *src
	r.Canon, r.CanonArgs, r.RetConv, r.Sub = "", nil, nil, nil
	r.Args = make([]canon.Arg, len(src.Args))
	for i, a := range src.Args {
		if a.Layout != nil {
			a.Size = a.Layout.GenericSize
		}
		a.Conv, a.Layout = nil, nil
		r.Args[i] = a
	}
	if o := overrides[key]; o != nil {
		o(&r)
	}
	return &r
}
