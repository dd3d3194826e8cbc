// Package arm64 is the AArch64 Linux system-call ABI as dmvx sees it: the
// call numbers, the struct sizes where they differ from amd64's, and one
// canonical row (package canon) per call that dmvx supports.
//
// In a nutshell: arm64 is the generic Linux ABI (asm-generic/unistd.h), so
// its rows are amd64's rows of the same names: Table is derived from
// amd64.Table by name, and what arm64 does differently is a short list of
// overrides (generic.go). Lookup resolves a raw arm64 number, and the
// sub-command of a multiplexed call, onto its row, exactly as amd64's does;
// a call without a row fails with the reason amd64 gives for the call of
// the same name.
//
// The package holds data only; it has no state and no locks. It builds on
// every GOARCH, since a monitor on one machine may trace arm64 variants on
// another.
package arm64
