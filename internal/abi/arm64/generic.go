package arm64

import (
	"encoding/binary"

	"dmvx/internal/canon"
)

// How arm64 differs from the generic Linux ABI, the canonical form of every
// call (package canon, generic.go). arm64 has the generic table's calls,
// names, argument orders and struct layouts, with two exceptions it keeps
// from 32-bit ARM:
//
//   - O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE have their own bits
//     (arch/arm64/include/uapi/asm/fcntl.h; asm-generic/fcntl.h's are
//     amd64's): in open flags (openat, open_how.flags of openat2), the
//     flags of pipe2 (O_DIRECT) and mq_open, fcntl F_SETFL's argument and
//     F_GETFL's result.
//   - arm64 selects CONFIG_CLONE_BACKWARDS: clone(flags, stack, parent_tid,
//     tls, child_tid), where the kernel's default, amd64's, is (flags,
//     stack, parent_tid, child_tid, tls). glibc's aarch64 clone.S passes
//     them so.
//
// Checked to be the same as generic (and amd64): signal numbers and SA_*
// (arm64's uapi signal.h adds SA_RESTORER, as x86's, to asm-generic's),
// MAP_* and PROT_* (asm-generic/mman-common.h; arm64 adds PROT_BTI 0x10 and
// PROT_MTE 0x20, which no other ABI has: compared as they are, so a BTI
// mapping diverges from an amd64 one), clone flags (linux/sched.h), errno
// (asm-generic/errno.h), ioctl requests (asm-generic/ioctls.h, which x86's
// ioctls.h includes), fcntl commands, prctl options and futex operations
// (linux/ headers), socket levels and options (asm-generic/socket.h for
// both), the *_CLOEXEC and *_NONBLOCK flags of eventfd2, timerfd_create,
// signalfd4, inotify_init1, epoll_create1, socket, accept4, dup3 and
// pidfd_open (O_CLOEXEC 02000000 and O_NONBLOCK 04000 are the same), AT_*
// flags, and the struct sizes in structs.go.

// oFlags moves the four O_* bits arm64 numbers its own way onto the generic
// ones. It is a permutation of the four bits (O_DIRECTORY 040000 <->
// O_DIRECT 0200000 and O_NOFOLLOW 0100000 <-> O_LARGEFILE 0400000 swap
// places), so O_TMPFILE (__O_TMPFILE | O_DIRECTORY) follows O_DIRECTORY.
var oFlags = canon.BitConv("O_* of arm64",
	[2]uint64{0o40000, 0o200000},  // O_DIRECTORY
	[2]uint64{0o100000, 0o400000}, // O_NOFOLLOW
	[2]uint64{0o200000, 0o40000},  // O_DIRECT
	[2]uint64{0o400000, 0o100000}, // O_LARGEFILE
)

// openHowLayout is struct open_how (flags u64, mode u64, resolve u64): its
// layout is the generic one, its flags are arm64's O_* bits.
var openHowLayout = &canon.Layout{
	Name: "struct open_how", ABISize: SizeofOpenHow, GenericSize: SizeofOpenHow,
	ToGeneric: func(g, a []byte) {
		copy(g, a)
		binary.LittleEndian.PutUint64(g, oFlags.ToGeneric(binary.LittleEndian.Uint64(a)))
	},
	FromGeneric: func(a, g []byte) {
		copy(a, g)
		binary.LittleEndian.PutUint64(a, oFlags.FromGeneric(binary.LittleEndian.Uint64(g)))
	},
}

// override changes an arm64 row copied from amd64's row of the same name.
type override func(row *canon.Row)

// overrides are arm64's differences from amd64, by call name ("fcntl
// F_SETFL" for a sub-command). Struct sizes need none: every struct amd64
// lays out its own way (Arg.Layout) is in the generic layout on arm64, and
// the derivation takes the layout's generic size (struct stat: 128 bytes,
// struct epoll_event: 16).
var overrides = map[string]override{
	"clone": func(r *canon.Row) {
		r.Args = canon.A(canon.FlagsA, canon.IgnoreA, canon.AddrA, canon.IgnoreA, canon.AddrA)
		r.CanonArgs = []canon.CanonArg{canon.Same(0), canon.Same(1), canon.Same(2), canon.Same(4), canon.Same(3)}
	},
	"openat":        convArg(2, oFlags),
	"pipe2":         convArg(1, oFlags),
	"mq_open":       convArg(1, oFlags),
	"openat2":       layoutArg(2, openHowLayout),
	"fcntl F_SETFL": convArg(2, oFlags),
	"fcntl F_GETFL": func(r *canon.Row) { r.RetConv = oFlags },
}

// convArg translates argument i with c.
func convArg(i int, c *canon.Conv) override {
	return func(r *canon.Row) { r.Args[i].Conv = c }
}

// layoutArg translates the struct argument i with l.
func layoutArg(i int, l *canon.Layout) override {
	return func(r *canon.Row) {
		r.Args[i].Layout = l
		r.Args[i].Size = l.ABISize
	}
}
