// Package amd64 is the x86-64 Linux system-call ABI as dmvx sees it: the
// call numbers, the sizes of the structures the calls read and write, and one
// canonical row (package canon) per call that dmvx supports.
//
// In a nutshell: Table maps a raw amd64 number onto its row, Lookup also
// resolves the multiplexed calls (ioctl by request, fcntl by command, prctl by
// option, futex by operation) and fails, naming the call, for every call or
// sub-command without a row. A call without a row is unsupported on purpose:
// its replication semantics cannot be described honestly by a row, and dmvx
// must stop rather than guess. noRow says why for each of them.
//
// Rows also say how each call differs from its canonical form, the generic
// Linux ABI's (generic.go): the generic call an amd64-only call is, and the
// structs amd64 lays out its own way. The lookup machinery and the docs'
// rendering are package abi's, shared with abi/arm64, whose table is
// derived from this one.
//
// The package holds data only; it has no state and no locks. It builds on
// every GOARCH, since a monitor may trace amd64 variants from another machine.
package amd64
