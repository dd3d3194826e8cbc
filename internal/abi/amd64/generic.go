package amd64

import (
	"encoding/binary"
	"fmt"

	"dmvx/internal/canon"
)

// How amd64 differs from the generic Linux ABI, the canonical form of every
// call (package canon, generic.go):
//
//   - Calls the generic table lacks (open, stat, poll, fork, ...) map onto
//     generic ones, argument by argument: their rows' CanonArgs, written
//     after what an arm64 glibc calls for the same function (open(p, f, m)
//     is openat(AT_FDCWD, p, f, m), lstat is newfstatat(AT_FDCWD, p, buf,
//     AT_SYMLINK_NOFOLLOW), pipe(fds) is pipe2(fds, 0)).
//   - struct stat (144 bytes, nlink before mode, 64-bit blksize) and the
//     packed struct epoll_event (12 bytes) have their own layouts.
//   - O_* bits, clone's argument order, signal numbers, SA_*, MAP_*, PROT_*
//     (but amd64's MAP_32BIT and MAP_ABOVE4G, which nothing else has),
//     ioctl, fcntl, prctl and futex numbers, socket constants, errno, and
//     every other struct the table names are the generic ones.
//
// time and alarm map onto clock_gettime and setitimer, which return their
// results otherwise: their rows' Result converts the whole result.
//
// Calls with no generic equivalent keep their own name, and a variant of
// another ABI that does the same thing makes another call, so that the
// comparison reports a divergence naming both: getdents (linux_dirent
// records; arm64 has getdents64 only),
// arch_prctl (arm64 sets its thread pointer in a register), and the calls
// that are ENOSYS on amd64 (create_module, tuxcall, ...).

// Generic constants that the canonical forms pass.
const (
	atSymlinkNofollow = 0x100 // AT_SYMLINK_NOFOLLOW
	atRemovedir       = 0x200 // AT_REMOVEDIR
	sigchld           = 17    // SIGCHLD
	cloneVM           = 0x100 // CLONE_VM
	cloneVfork        = 0x4000
	oWronly           = 0o1
	oCreat            = 0o100
	oTrunc            = 0o1000
	nsigBytes         = 8 // _NSIG / 8: the sigsetsize glibc passes
)

// Shorthands for the CanonArgs of the rows.
var (
	same   = canon.Same
	fdcwd  = canon.FDCWD
	flags0 = canon.Const(canon.Flags, 0)
)

func flagsC(v uint64) canon.CanonArg { return canon.Const(canon.Flags, v) }

func generic(args ...canon.CanonArg) []canon.CanonArg { return args }

var le = binary.LittleEndian

// statLayout is struct stat: amd64's (arch/x86/include/uapi/asm/stat.h) and
// the generic one (include/uapi/asm-generic/stat.h, arm64's):
//
//	field        amd64        generic
//	st_dev       u64 @0       u64 @0
//	st_ino       u64 @8       u64 @8
//	st_nlink     u64 @16      u32 @20
//	st_mode      u32 @24      u32 @16
//	st_uid       u32 @28      u32 @24
//	st_gid       u32 @32      u32 @28
//	st_rdev      u64 @40      u64 @32 (__pad1 u64 @40)
//	st_size      i64 @48      i64 @48
//	st_blksize   i64 @56      i32 @56 (__pad2 @60)
//	st_blocks    i64 @64      i64 @64
//	st_[amc]time 6 x u64 @72..112, the same in both
//	unused       3 x i64 @120 2 x u32 @120; sizes 144 and 128
//
// The kernel's st_nlink and st_blksize are 32-bit (struct kstat), so
// narrowing them loses nothing; widening zero-extends.
var statLayout = &canon.Layout{
	Name: "struct stat", ABISize: SizeofStat, GenericSize: 128,
	ToGeneric: func(g, a []byte) {
		copy(g[0:16], a[0:16])                          // dev, ino
		le.PutUint32(g[16:], le.Uint32(a[24:]))         // mode
		le.PutUint32(g[20:], uint32(le.Uint64(a[16:]))) // nlink
		copy(g[24:32], a[28:36])                        // uid, gid
		copy(g[32:40], a[40:48])                        // rdev
		copy(g[48:56], a[48:56])                        // size
		le.PutUint32(g[56:], uint32(le.Uint64(a[56:]))) // blksize
		copy(g[64:120], a[64:120])                      // blocks, times
	},
	FromGeneric: func(a, g []byte) {
		copy(a[0:16], g[0:16])
		le.PutUint64(a[16:], uint64(le.Uint32(g[20:])))
		le.PutUint32(a[24:], le.Uint32(g[16:]))
		copy(a[28:36], g[24:32])
		copy(a[40:48], g[32:40])
		copy(a[48:56], g[48:56])
		le.PutUint64(a[56:], uint64(le.Uint32(g[56:])))
		copy(a[64:120], g[64:120])
	},
}

// epollEventLayout is struct epoll_event: packed on amd64 (events u32 @0,
// data u64 @4: 12 bytes), naturally aligned everywhere else (data @8: 16
// bytes). include/uapi/linux/eventpoll.h, EPOLL_PACKED.
var epollEventLayout = &canon.Layout{
	Name: "struct epoll_event", ABISize: SizeofEpollEvent, GenericSize: 16,
	ToGeneric: func(g, a []byte) {
		copy(g[0:4], a[0:4])
		copy(g[8:16], a[4:12])
	},
	FromGeneric: func(a, g []byte) {
		copy(a[0:4], g[0:4])
		copy(a[4:12], g[8:16])
	},
}

// timevalToTimespec is select's timeout read as pselect6's: the kernel
// normalises the microseconds into seconds first (kern_select), as an arm64
// glibc's select does before it calls pselect6. Back, the remaining time
// the kernel writes is cut to microseconds.
var timevalToTimespec = &canon.Layout{
	Name: "struct timeval as timespec", ABISize: SizeofTimeval, GenericSize: SizeofTimespec,
	ToGeneric: func(g, a []byte) {
		sec, usec := int64(le.Uint64(a[0:])), int64(le.Uint64(a[8:]))
		le.PutUint64(g[0:], uint64(sec+usec/1e6))
		le.PutUint64(g[8:], uint64(usec%1e6*1000))
	},
	FromGeneric: func(a, g []byte) {
		le.PutUint64(a[0:], le.Uint64(g[0:]))
		le.PutUint64(a[8:], uint64(int64(le.Uint64(g[8:]))/1000))
	},
}

// timeval2ToTimespec2 is utimes' and futimesat's struct timeval[2] read as
// utimensat's struct timespec[2]: microseconds times 1000, with no
// normalisation (do_futimesat; glibc's timeval64_to_timespec64).
var timeval2ToTimespec2 = &canon.Layout{
	Name: "struct timeval[2] as timespec[2]", ABISize: SizeofTimeval2, GenericSize: SizeofTimespec2,
	ToGeneric: func(g, a []byte) {
		for i := 0; i < 32; i += 16 {
			le.PutUint64(g[i:], le.Uint64(a[i:]))
			le.PutUint64(g[i+8:], uint64(int64(le.Uint64(a[i+8:]))*1000))
		}
	},
	FromGeneric: func(a, g []byte) {
		for i := 0; i < 32; i += 16 {
			le.PutUint64(a[i:], le.Uint64(g[i:]))
			le.PutUint64(a[i+8:], uint64(int64(le.Uint64(g[i+8:]))/1000))
		}
	},
}

// utimbufToTimespec2 is utime's struct utimbuf {actime, modtime} read as
// utimensat's struct timespec[2] with no nanoseconds (glibc's __utime64).
var utimbufToTimespec2 = &canon.Layout{
	Name: "struct utimbuf as timespec[2]", ABISize: SizeofUtimbuf, GenericSize: SizeofTimespec2,
	ToGeneric: func(g, a []byte) {
		copy(g[0:8], a[0:8])
		copy(g[16:24], a[8:16])
	},
	FromGeneric: func(a, g []byte) {
		copy(a[0:8], g[0:8])
		copy(a[8:16], g[16:24])
	},
}

// pollTimeout is poll's timeout in milliseconds as ppoll's struct timespec,
// the way an arm64 glibc's poll passes it: NULL for a negative timeout (wait
// for ever), else {ms / 1000, ms % 1000 * 10^6}. The timespec is the
// canonical form because it is the generic call's, and because the mapping
// loses nothing poll compared: every non-negative timeout has its own
// timespec, and every negative one means the same to the kernel.
var pollTimeout = canon.CanonArg{
	From: 2, Kind: canon.InOutStruct, Size: SizeofTimespec, MapName: "ms→timespec",
	Map: func(v canon.Value) canon.Value {
		ms := int64(int32(v.V))
		if ms < 0 {
			return canon.Value{}
		}
		b := make([]byte, SizeofTimespec)
		le.PutUint64(b[0:], uint64(ms/1000))
		le.PutUint64(b[8:], uint64(ms%1000*1e6))
		return canon.Value{V: 1, Data: b}
	},
}

// withLayout is a with its bytes translated by l.
func withLayout(a canon.Arg, l *canon.Layout) canon.Arg {
	a.Layout = l
	return a
}

// Arguments whose structs amd64 lays out its own way.
var (
	statOutA      = withLayout(canon.OutStructA(SizeofStat), statLayout)
	epollEventsA  = withLayout(canon.OutArrayA(2, SizeofEpollEvent), epollEventLayout)
	epollEventInA = withLayout(canon.InStructA(SizeofEpollEvent), epollEventLayout)
)

// Two calls an amd64 glibc makes where an arm64 one makes another, whose
// result is shaped otherwise: Row.Result converts the whole of it.
//
// time(tloc) is clock_gettime(CLOCK_REALTIME_COARSE, &ts) (arm64 glibc's
// time with no vDSO: dmvx hides it): the seconds are ts.tv_sec, and an
// amd64 follower's time gets ts.tv_sec. From the seconds alone the generic
// timespec has no nanoseconds; glibc's time reads tv_sec only.
var timeArgs = generic(
	canon.Const(canon.Int, 5), // CLOCK_REALTIME_COARSE
	canon.CanonArg{From: canon.FromConst, Kind: canon.OutStruct, Size: SizeofTimespec, Const: 1}, // &ts
)

var timeResult = &canon.ResultMap{
	Name: "seconds ↔ timespec",
	ToGeneric: func(ret int64, _ []canon.Out) (int64, []canon.Out) {
		ts := make([]byte, SizeofTimespec)
		le.PutUint64(ts, uint64(ret))
		return 0, []canon.Out{{Arg: 1, Data: ts}}
	},
	FromGeneric: func(ret int64, outs []canon.Out) (int64, []canon.Out, error) {
		for _, o := range outs {
			if o.Arg == 1 && len(o.Data) == SizeofTimespec {
				sec := o.Data[:SizeofTimeT]
				return int64(le.Uint64(sec)), []canon.Out{{Arg: 0, Data: append([]byte(nil), sec...)}}, nil
			}
		}
		return ret, nil, fmt.Errorf("time: no timespec in the generic result")
	},
}

// alarm(s) is setitimer(ITIMER_REAL, {{0, 0}, {s, 0}}, &old) (arm64
// glibc's alarm), whose result is the old timer: alarm returns its
// seconds, rounded as glibc rounds them (up from half a second, and a
// timer under a second that is still running is 1).
var alarmArgs = generic(
	canon.Const(canon.Int, 0), // ITIMER_REAL
	canon.CanonArg{From: 0, Kind: canon.InStruct, Size: SizeofItimerval, MapName: "s→itimerval",
		Map: func(v canon.Value) canon.Value {
			b := make([]byte, SizeofItimerval)
			le.PutUint64(b[16:], uint64(uint32(v.V))) // it_value.tv_sec
			return canon.Value{V: 1, Data: b}
		}},
	canon.CanonArg{From: canon.FromConst, Kind: canon.OutStruct, Size: SizeofItimerval, Const: 1}, // &old
)

var alarmResult = &canon.ResultMap{
	Name: "seconds ↔ itimerval",
	ToGeneric: func(ret int64, _ []canon.Out) (int64, []canon.Out) {
		old := make([]byte, SizeofItimerval)
		le.PutUint64(old[16:], uint64(ret))
		return 0, []canon.Out{{Arg: 2, Data: old}}
	},
	FromGeneric: func(ret int64, outs []canon.Out) (int64, []canon.Out, error) {
		for _, o := range outs {
			if o.Arg == 2 && len(o.Data) == SizeofItimerval {
				sec, usec := int64(le.Uint64(o.Data[16:])), int64(le.Uint64(o.Data[24:]))
				if usec >= 500000 || sec == 0 && usec > 0 {
					sec++
				}
				return sec, nil, nil
			}
		}
		return ret, nil, fmt.Errorf("alarm: no itimerval in the generic result")
	},
}
