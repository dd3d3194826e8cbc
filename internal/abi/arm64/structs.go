package arm64

import "dmvx/internal/abi/amd64"

// Byte sizes of the arm64 kernel structures that differ from amd64's. Every
// other size in amd64/structs.go holds on arm64 too: both are LP64 and take
// the rest from the same uapi headers (asm-generic statfs, termbits,
// fcntl's struct flock, signal's struct sigaction with sa_restorer since
// arm64 defines SA_RESTORER for AArch32, stack_t, siginfo; linux/ timex,
// rusage, sysinfo, utsname, statx, open_how, clone_args, msghdr, mq_attr,
// futex_waitv, capabilities).
const (
	// struct stat: include/uapi/asm-generic/stat.h (arm64's uapi stat.h
	// includes it): 32-bit st_nlink after st_mode, 32-bit st_blksize,
	// two u32 of padding at the end.
	SizeofStat = 128
	// struct epoll_event: EPOLL_PACKED is x86-64's only, so data is
	// 8-byte aligned after the 32-bit events.
	SizeofEpollEvent = 16
	// struct open_how: the same 24 bytes, but its flags are O_* bits in
	// arm64's numbering (openHowLayout).
	SizeofOpenHow = amd64.SizeofOpenHow
)
