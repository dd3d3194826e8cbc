package policy

import (
	"errors"

	"golang.org/x/net/bpf"
)

// Seccomp return values and the amd64 audit arch.
const (
	RetKillProcess = 0x80000000
	RetTrap        = 0x00030000
	RetTrace       = 0x7ff00000
	RetAllow       = 0x7fff0000

	auditArchAMD64 = 0xc000003e
	auditArchARM64 = 0xc00000b7
	x32Bit         = 0x40000000
)

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offIPLo = 8  // instruction_pointer, low half (little-endian)
	offIPHi = 12 // high half
	offArgs = 16 // args[6], each 8 bytes; the low half first
)

// FilterSpec is what one variant's filter enforces.
type FilterSpec struct {
	// ARM64 builds the filter of an arm64 variant; amd64's otherwise.
	ARM64 bool
	// Gate is the address right after IP-MON's syscall instruction (svc
	// on arm64), which is what the kernel reports as instruction_pointer.
	Gate uint64
	// IPMON is the sorted list of call numbers that IP-MON may take.
	IPMON []uint32
	// Subs restricts multiplexed calls of IPMON (fcntl, ioctl) to the
	// sub-commands IP-MON may take: from the gate, any other value of the
	// sub-command argument goes to CP-MON, so that a request dmvx has no
	// row for never passes unchecked.
	Subs map[uint32]Sub
	// Trap sends IP-MON's calls made from anywhere but the gate to IP-MON
	// as SIGSYS (RET_TRAP) instead of to CP-MON (RET_TRACE). dmvx runs
	// without it: under ptrace every signal stops the variant for the
	// tracer first, so a SIGSYS costs a ptrace stop as well (see
	// docs/architecture.md), and a filter with RET_TRAP outlives execve
	// into images whose loader has no IP-MON to catch the signal.
	Trap bool
}

// Sub is the sub-command argument of a multiplexed call and the values of
// it that IP-MON may take (compared on the low 32 bits: ioctl's request
// and fcntl's command are ints to the kernel).
//
// With Clear set instead, the call passes when none of Clear's bits is set
// in the argument: openat's flags, read-only.
type Sub struct {
	Arg    int
	Values []uint32
	Clear  uint32
}

// ErrTooLarge: seccomp takes at most 4096 instructions.
var ErrTooLarge = errors.New("policy filter exceeds BPF_MAXINSNS")

// Filter builds the seccomp filter of a variant with IP-MON:
//
//	arch != amd64 or x32 call            -> KILL_PROCESS
//	  (arm64: arch != aarch64)
//	from the gate, number in IPMON       -> ALLOW (IP-MON executes it)
//	elsewhere,     number in IPMON       -> TRAP (SIGSYS into IP-MON) if Trap
//	                                        TRACE (CP-MON) otherwise
//	anything else, from anywhere         -> TRACE (CP-MON, in lockstep)
//
// The gate is compared on all 64 bits. Each set membership test is a run of
// "jeq nr; ret" pairs, whose jumps never exceed BPF's 8-bit offsets
// however long the list.
func Filter(spec FilterSpec) ([]bpf.RawInstruction, error) {
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchAMD64, SkipTrue: 1},
		bpf.RetConstant{Val: RetKillProcess},
		bpf.LoadAbsolute{Off: offNr, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: x32Bit, SkipFalse: 1},
		bpf.RetConstant{Val: RetKillProcess},
	}
	if spec.ARM64 {
		// One ABI, no x32 numbers to refuse.
		prog = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offArch, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchARM64, SkipTrue: 1},
			bpf.RetConstant{Val: RetKillProcess},
		}
	}
	// From the gate? A mismatch on either half jumps to the "elsewhere"
	// block, whose start is 2*len+2 instructions after the gate block's
	// own start: too far for an 8-bit jump, so the test is inverted into a
	// short jump over an unconditional one.
	gateBlock, err := membership(spec.IPMON, spec.Subs, RetAllow)
	if err != nil {
		return nil, err
	}
	prog = append(prog,
		bpf.LoadAbsolute{Off: offIPLo, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(spec.Gate), SkipTrue: 1},
		bpf.Jump{Skip: uint32(3 + len(gateBlock))},
		bpf.LoadAbsolute{Off: offIPHi, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(spec.Gate >> 32), SkipTrue: 1},
		bpf.Jump{Skip: uint32(len(gateBlock))},
	)
	prog = append(prog, gateBlock...)
	if spec.Trap {
		trapBlock, err := membership(spec.IPMON, spec.Subs, RetTrap)
		if err != nil {
			return nil, err
		}
		prog = append(prog, trapBlock...)
	} else {
		prog = append(prog, bpf.RetConstant{Val: RetTrace})
	}
	if len(prog) > 4096 {
		return nil, ErrTooLarge
	}
	return bpf.Assemble(prog)
}

// membership loads the call number and returns ret for each number in nrs,
// RET_TRACE for any other. A number with sub-commands returns ret only for
// the listed values of its sub-command argument: its check is inlined
// after its own test, which jumps over it when the number differs.
func membership(nrs []uint32, subs map[uint32]Sub, ret uint32) ([]bpf.Instruction, error) {
	out := []bpf.Instruction{bpf.LoadAbsolute{Off: offNr, Size: 4}}
	for _, nr := range nrs {
		s, ok := subs[nr]
		if !ok {
			out = append(out,
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 1},
				bpf.RetConstant{Val: ret},
			)
			continue
		}
		if s.Arg < 0 || s.Arg > 5 {
			return nil, errors.New("policy: sub-command argument out of range")
		}
		check := []bpf.Instruction{bpf.LoadAbsolute{Off: offArgs + 8*uint32(s.Arg), Size: 4}}
		if s.Clear != 0 {
			check = append(check,
				bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: s.Clear},
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 1},
				bpf.RetConstant{Val: ret},
			)
		}
		for _, v := range s.Values {
			check = append(check,
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: v, SkipFalse: 1},
				bpf.RetConstant{Val: ret},
			)
		}
		check = append(check, bpf.RetConstant{Val: RetTrace})
		if len(check) > 255 {
			return nil, ErrTooLarge
		}
		out = append(out, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: uint8(len(check))})
		out = append(out, check...)
	}
	return append(out, bpf.RetConstant{Val: RetTrace}), nil
}
