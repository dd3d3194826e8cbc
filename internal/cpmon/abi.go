package cpmon

import (
	"dmvx/internal/abi"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/abi/arm64"
	"dmvx/internal/ptrace"
)

// abiOf is the system-call table of tasks of instruction set a.
func abiOf(a ptrace.Arch) *abi.ABI {
	if a == ptrace.ArchARM64 {
		return arm64.ABI
	}
	return amd64.ABI
}

// nativeABI is the table of this machine's tasks: the variants this
// monitor or executor traces itself, and the numbers of this machine's
// IP-MON records.
var nativeABI = abiOf(ptrace.Native)

// abi is the system-call table of v's tasks: a follower host's own, or
// this machine's.
func (v *variant) abi() *abi.ABI {
	if v.rem != nil {
		return v.rem.abi
	}
	return nativeABI
}
