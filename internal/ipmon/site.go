package ipmon

import "encoding/binary"

// Syscall-site patching: glibc makes many calls from inside itself (stdio's
// write, fopen's openat, isatty's ioctl), where IP-MON's wrappers never see
// them. CP-MON patches such a site the first time its call stops there, as
// rr's Monkeypatcher and gVisor's systrap do: the 5-byte `mov $nr,%eax`
// before the site's `syscall` becomes a jump to a stub in IP-MON's stub
// area, and the stub calls IP-MON's site entry and jumps back past the
// syscall instruction. The syscall instruction itself stays where it was,
// so a thread that stopped between the two instructions, a signal frame
// that returns there, and code that jumps to it with another number all
// still find it.

// SiteLen is how many bytes before a stopped call's pc MatchSite reads:
// one byte before the mov, the mov, the syscall instruction.
const SiteLen = 8

// siteMovLen is the length of `mov $imm32,%eax`, which the jump replaces.
const siteMovLen = 5

// MatchSite reports whether code, the SiteLen bytes that end at the pc of
// a call stopped at its entry, is `mov $nr,%eax; syscall` with an
// instruction boundary at the mov. The byte before it must not be a prefix
// (a REX prefix would make it `mov $nr,%r8d`, with %eax set elsewhere) or
// the 0x0f escape: x86 cannot be decoded backwards, and glibc's syscall
// templates all look like this.
func MatchSite(code []byte, nr uint64) bool {
	if len(code) != SiteLen || nr > 0xffffffff {
		return false
	}
	switch p := code[0]; {
	case p >= 0x40 && p <= 0x4f, p == 0x0f, p == 0x66, p == 0x67, p == 0xf0, p == 0xf2, p == 0xf3,
		p == 0x26, p == 0x2e, p == 0x36, p == 0x3e, p == 0x64, p == 0x65:
		return false
	}
	return code[1] == 0xb8 && binary.LittleEndian.Uint32(code[2:6]) == uint32(nr) &&
		code[6] == 0x0f && code[7] == 0x05
}

// Stub returns the stub for the site whose mov is at site, to be written at
// at, calling entry (IP-MON's site entry) with number nr, and the jump that
// replaces the mov. ok is false when a jump or call cannot reach (rel32).
//
//	lea -128(%rsp),%rsp     step over the red zone the site's code may use
//	mov $nr,%eax
//	call entry
//	lea 128(%rsp),%rsp
//	jmp site+7              past the syscall instruction
func Stub(at, site, entry uint64, nr uint32) (stub [StubSize]byte, jmp [siteMovLen]byte, ok bool) {
	rel := func(from, to uint64) (uint32, bool) {
		d := int64(to - from)
		return uint32(int32(d)), d == int64(int32(d))
	}
	b := stub[:0]
	b = append(b, 0x48, 0x8d, 0x64, 0x24, 0x80)
	b = append(b, 0xb8)
	b = binary.LittleEndian.AppendUint32(b, nr)
	r1, ok1 := rel(at+uint64(len(b))+5, entry)
	b = binary.LittleEndian.AppendUint32(append(b, 0xe8), r1)
	b = append(b, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00)
	r2, ok2 := rel(at+uint64(len(b))+5, site+siteMovLen+2)
	b = binary.LittleEndian.AppendUint32(append(b, 0xe9), r2)
	for i := len(b); i < StubSize; i++ {
		stub[i] = 0xcc
	}
	r3, ok3 := rel(site+siteMovLen, at)
	jmp[0] = 0xe9
	binary.LittleEndian.PutUint32(jmp[1:], r3)
	return stub, jmp, ok1 && ok2 && ok3
}
