package canon

import "fmt"

// Replication between ABIs: the leader's outputs (Capture) travel in the
// generic form, argument numbers and layouts both, and each follower turns
// them into its own ABI's form before Apply.
//
//	leader:   outs := Capture(c, ret, mem)
//	          g, _ := OutsToGeneric(c.Row, outs); gret := RetToGeneric(c.Row, ret)
//	follower: outs, _ := OutsFromGeneric(fc.Row, g); ret := RetFromGeneric(fc.Row, gret)
//	          Apply(fc, outs, mem)
//
// For a row whose canonical form is its own, both are the identity and
// allocate nothing.

// OutsToGeneric re-encodes outputs that Capture read for a call of row:
// each Out.Arg becomes the generic argument's position, and a struct or
// array with a Layout is translated into the generic layout. An output of
// an argument that the generic call does not have is an error (a table
// mistake), as is data whose length the layout does not fit.
func OutsToGeneric(row *Row, outs []Out) ([]Out, error) {
	if !reencodes(row) {
		return outs, nil
	}
	res := make([]Out, 0, len(outs))
	for _, o := range outs {
		if o.Arg < 0 || o.Arg >= len(row.Args) || o.Arg >= 6 {
			return nil, fmt.Errorf("%s: output for argument %d", row.Name, o.Arg)
		}
		a := row.Args[o.Arg]
		g := int(canonIndex(row, int8(o.Arg)))
		if g < 0 {
			return nil, fmt.Errorf("%s: argument %d has no place in %s", row.Name, o.Arg, row.CanonName())
		}
		n := o
		n.Arg = g
		if a.Layout != nil && len(o.Data) > 0 {
			d, ok := relayout(a.Layout, a.Kind, o.Data, true)
			if !ok {
				return nil, fmt.Errorf("%s arg %d: %d bytes do not fit %s (%d bytes)", row.Name, o.Arg, len(o.Data), a.Layout.Name, a.Layout.ABISize)
			}
			n.Data = d
		}
		res = append(res, n)
	}
	return res, nil
}

// OutsFromGeneric turns generic outputs (OutsToGeneric on another ABI, or
// the same one) into outputs of a call of row, ready for Apply. Outputs
// are checked as what they may be, input from another host: the argument
// must be one of row's output arguments, a struct no larger than the
// row's, an array a whole number of elements. An output of a generic
// argument that row's call does not have (ppoll's remaining time, for a
// poll, whose timeout is a number) is dropped: the call has nowhere to
// put it.
func OutsFromGeneric(row *Row, outs []Out) ([]Out, error) {
	if !reencodes(row) {
		for _, o := range outs {
			if err := checkOut(row, o.Arg, o); err != nil {
				return nil, err
			}
		}
		return outs, nil
	}
	res := make([]Out, 0, len(outs))
	for _, o := range outs {
		i := o.Arg
		if row.CanonArgs != nil {
			if o.Arg < 0 || o.Arg >= len(row.CanonArgs) || o.Arg >= 6 {
				return nil, fmt.Errorf("%s: output for generic argument %d of %s", row.Name, o.Arg, row.CanonName())
			}
			ca := row.CanonArgs[o.Arg]
			if ca.From < 0 || ca.Map != nil || int(ca.From) >= len(row.Args) || !row.Args[ca.From].Kind.IsOutput() {
				continue
			}
			i = int(ca.From)
		}
		n := o
		n.Arg = i
		if i >= 0 && i < len(row.Args) && i < 6 {
			if a := row.Args[i]; a.Layout != nil && len(o.Data) > 0 {
				d, ok := relayout(a.Layout, a.Kind, o.Data, false)
				if !ok {
					return nil, fmt.Errorf("%s arg %d: %d bytes do not fit generic %s (%d bytes)", row.Name, i, len(o.Data), a.Layout.Name, a.Layout.GenericSize)
				}
				n.Data = d
			}
		}
		if err := checkOut(row, i, n); err != nil {
			return nil, err
		}
		res = append(res, n)
	}
	return res, nil
}

// checkOut checks an output about to be applied to a call of row.
func checkOut(row *Row, i int, o Out) error {
	if i < 0 || i >= len(row.Args) || i >= 6 || !row.Args[i].Kind.IsOutput() {
		return fmt.Errorf("%s: output for argument %d, which is not an output", row.Name, o.Arg)
	}
	a := row.Args[i]
	switch a.Kind {
	case OutStruct, InOutStruct:
		if len(o.Data) > a.Size {
			return fmt.Errorf("%s arg %d: %d bytes for a %d-byte struct", row.Name, i, len(o.Data), a.Size)
		}
	case OutArray, InOutArray:
		if a.Size <= 0 || len(o.Data)%a.Size != 0 {
			return fmt.Errorf("%s arg %d: %d bytes for %d-byte elements", row.Name, i, len(o.Data), a.Size)
		}
	}
	return nil
}

// reencodes reports whether outputs of row's calls change between the
// ABI's form and the generic one.
func reencodes(row *Row) bool {
	if row.CanonArgs != nil {
		return true
	}
	for _, a := range row.Args {
		if a.Layout != nil && a.Kind.IsOutput() {
			return true
		}
	}
	return false
}

// RetToGeneric translates a call's non-negative result into the generic
// encoding (fcntl F_GETFL's O_* bits); other results are unchanged.
func RetToGeneric(row *Row, ret int64) int64 {
	if row.RetConv == nil || ret < 0 {
		return ret
	}
	return int64(row.RetConv.ToGeneric(uint64(ret)))
}

// RetFromGeneric is the inverse of RetToGeneric, for a follower's row.
func RetFromGeneric(row *Row, ret int64) int64 {
	if row.RetConv == nil || ret < 0 {
		return ret
	}
	return int64(row.RetConv.FromGeneric(uint64(ret)))
}

// ResultMap converts a call's result between its ABI's form and the
// generic call's, for a row whose result has another shape than the
// generic call's (Row.Result). FromGeneric reads output that came from
// another host: it must check it.
type ResultMap struct {
	Name        string
	ToGeneric   func(ret int64, outs []Out) (int64, []Out)
	FromGeneric func(ret int64, outs []Out) (int64, []Out, error)
}

// ResultToGeneric is the generic form of the result ret and outputs outs
// of a call of row: what crosses to a follower of another ABI.
func ResultToGeneric(row *Row, ret int64, outs []Out) (int64, []Out, error) {
	if row.Result != nil {
		if ret < 0 {
			return ret, nil, nil // an error is the same errno in every form
		}
		r, o := row.Result.ToGeneric(ret, outs)
		return r, o, nil
	}
	g, err := OutsToGeneric(row, outs)
	return RetToGeneric(row, ret), g, err
}

// ResultFromGeneric turns a generic result into that of a call of row,
// ready for Apply; the inverse of ResultToGeneric.
func ResultFromGeneric(row *Row, ret int64, outs []Out) (int64, []Out, error) {
	if row.Result != nil {
		if ret < 0 {
			return ret, nil, nil
		}
		return row.Result.FromGeneric(ret, outs)
	}
	own, err := OutsFromGeneric(row, outs)
	if err != nil {
		return ret, nil, err
	}
	return RetFromGeneric(row, ret), own, nil
}
