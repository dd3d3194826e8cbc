/*
 * IP-MON: the in-process monitor, loaded into every dynamically linked
 * variant with LD_PRELOAD. Freestanding: no libc inside, nothing it needs
 * from the program but errno's location (and malloc for getcwd(NULL, 0)).
 *
 * In a nutshell: it defines libc's wrappers for the hot, non-sensitive calls
 * (read, write, getcwd, ...), so that the program's calls reach it by a plain
 * function call. For each call it looks at its control page (%gs:0, filled by
 * CP-MON): if it may take the call, the leader executes it through the gate
 * (the one syscall instruction the seccomp filter lets these calls through)
 * and appends a record to the thread's replication buffer; a follower reads
 * the record, checks that its own call is the same, and copies the result,
 * or, for calls every variant can execute itself (getcwd, reads of local
 * files), executes it and checks that the results agree. Anything else is
 * issued from IP-MON's own syscall instruction, which the filter sends to
 * CP-MON: IP-MON is a shortcut, never the last word.
 *
 * IP-MON keeps no address of its control page, gate or buffer in memory: it
 * reaches them through %gs, whose base CP-MON sets per thread. The buffer is
 * shared with other variants, which may be compromised: everything read
 * from it is read once and checked.
 */
#include "ipmon.h"

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned long size_t;
typedef long ssize_t;

#define DMVX_STR_(x) #x
#define DMVX_STR(x) DMVX_STR_(x)
#define EXPORT __attribute__((visibility("default")))
#define ALWAYS static inline __attribute__((always_inline))

/* ---- the control page and the buffer ---- */

/* SEG and BASE reach the per-thread area. On x86-64 it is %gs: the
 * address lives in the segment base only, which CP-MON sets per thread and
 * the program has no reason to read. arm64 has no such register to spare
 * (tpidr_el0 is libc's thread pointer, tpidrro_el0 cannot be set by a
 * tracer), so the address is in a slot of IP-MON's own static TLS, which
 * CP-MON writes per thread (at registration, and at each new thread's
 * first stop): a program that reads its own TLS can find it, which x86-64's
 * %gs does not allow (docs/cross-isa.md). A slot of 0 (a thread CP-MON has
 * not given an area yet) sends every call to CP-MON. */
#if defined(__x86_64__)
#define SEG __seg_gs
#define BASE 0UL
#define HAVE_BASE 1
#elif defined(__aarch64__)
#define SEG
static __thread u64 dmvx_base __attribute__((tls_model("initial-exec")));
#define BASE (*(volatile u64 *)&dmvx_base)
#define HAVE_BASE (BASE != 0)
#else
#error "IP-MON: x86-64 or arm64"
#endif

#define CTL ((const volatile struct dmvx_ctl SEG *)BASE)
#define RB ((volatile struct dmvx_rb_header SEG *)(BASE + CTL->rb_rel))
#define FDMAP ((volatile u8 SEG *)(BASE + CTL->fdmap_rel))
#define FDGEN (*(volatile u64 SEG *)(BASE + CTL->fdmap_rel + DMVX_FDMAP_GEN))

/* registered: this image's IP-MON registered with CP-MON, so its threads'
 * per-thread area is a control page (active or dead). It is all IP-MON
 * keeps in ordinary memory besides arm64's slot: flipping it can only send
 * calls to CP-MON or crash the variant. */
static int registered;

/* ---- system calls, and this ISA's numbers ---- */

#if defined(__x86_64__)
/* CALL6 defines a six-argument system call made by insn, in the kernel's
 * register convention (rcx and r11 are the syscall instruction's). */
#define CALL6(name, insn)                                                                    \
	static long name(long nr, long a, long b, long c, long d, long e, long f) {          \
		register long r10 __asm__("r10") = d;                                        \
		register long r8 __asm__("r8") = e;                                          \
		register long r9 __asm__("r9") = f;                                          \
		long ret;                                                                    \
		__asm__ volatile(insn                                                        \
				 : "=a"(ret)                                                 \
				 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) \
				 : "rcx", "r11", "memory");                                  \
		return ret;                                                                  \
	}

/* raw6 makes a call from IP-MON's own instruction: the filter sends it to
 * CP-MON. */
CALL6(raw6, "syscall")

/* gate6 makes a call through the gate, whose address only the control page
 * holds. IP-MON is built without a red zone, so the call's push is safe. */
CALL6(gate6, "call *%%gs:8")

ALWAYS void barrier(void) { __asm__ volatile("" ::: "memory"); }
/* fence orders a store before a later load (the "asleep?" checks): a
 * locked no-op on the stack does it, cheaper than mfence. */
ALWAYS void fence(void) { __asm__ volatile("lock addl $0, (%%rsp)" ::: "memory", "cc"); }
ALWAYS void pause_(void) { __asm__ volatile("pause" ::: "memory"); }
ALWAYS void area_inc32(u64 off) { __asm__ volatile("lock incl %%gs:(%0)" ::"r"(off) : "memory"); }
ALWAYS void area_dec32(u64 off) { __asm__ volatile("lock decl %%gs:(%0)" ::"r"(off) : "memory"); }

#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_fstat 5
#define NR_lseek 8
#define NR_ioctl 16
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_sched_yield 24
#define NR_dup 32
#define NR_dup2 33
#define NR_getpid 39
#define NR_sendfile 40
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_uname 63
#define NR_fcntl 72
#define NR_getcwd 79
#define NR_gettimeofday 96
#define NR_getuid 102
#define NR_getgid 104
#define NR_geteuid 107
#define NR_getegid 108
#define NR_getppid 110
#define NR_fstatfs 138
#define NR_gettid 186
#define NR_time 201
#define NR_futex 202
#define NR_clock_gettime 228
#define NR_exit_group 231
#define NR_epoll_wait 232
#define NR_openat 257
#define NR_epoll_pwait 281
#define NR_eventfd2 290
#define NR_dup3 292
#define NR_getrandom 318
#define SIZEOF_STAT 144
#define STAT_MODE 24
#define STAT_RDEV 40
#define EPOLL_EVENT 12 /* sizeof struct epoll_event: packed on x86-64 */
#define EPOLL_DATA 4   /* offsetof data */
#define O_DIRECTORY_ 0x10000

#elif defined(__aarch64__)
/* CALL6 defines a six-argument system call made by insn in the kernel's
 * convention (number in x8, arguments in x0-x5, the result in x0), with
 * x16 holding target for insn's use. */
#define CALL6(name, insn, target)                                                            \
	static long name(long nr, long a, long b, long c, long d, long e, long f) {          \
		register long x8 __asm__("x8") = nr;                                         \
		register long x0 __asm__("x0") = a;                                          \
		register long x1 __asm__("x1") = b;                                          \
		register long x2 __asm__("x2") = c;                                          \
		register long x3 __asm__("x3") = d;                                          \
		register long x4 __asm__("x4") = e;                                          \
		register long x5 __asm__("x5") = f;                                          \
		register u64 x16 __asm__("x16") = (target);                                  \
		__asm__ volatile(insn                                                        \
				 : "+r"(x0), "+r"(x16)                                       \
				 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)     \
				 : "x30", "memory");                                         \
		return x0;                                                                   \
	}

/* raw6 makes a call from IP-MON's own instruction: the filter sends it to
 * CP-MON. */
CALL6(raw6, "svc #0", 0)

/* gate6 branches to the gate ("svc #0; ret"), whose address only the
 * control page holds; blr sets x30, which the gate's ret uses. */
CALL6(gate6, "blr x16", CTL->gate)

ALWAYS void barrier(void) { __asm__ volatile("" ::: "memory"); }
/* fence orders a store before a later load (the "asleep?" checks). */
ALWAYS void fence(void) { __asm__ volatile("dmb ish" ::: "memory"); }
ALWAYS void pause_(void) { __asm__ volatile("yield" ::: "memory"); }
/* Built with -mno-outline-atomics: an exclusive pair, no libgcc helper. */
ALWAYS void area_inc32(u64 off) { __atomic_fetch_add((volatile u32 *)(BASE + off), 1, __ATOMIC_SEQ_CST); }
ALWAYS void area_dec32(u64 off) { __atomic_fetch_sub((volatile u32 *)(BASE + off), 1, __ATOMIC_SEQ_CST); }

/* The generic table (asm-generic/unistd.h). What it lacks (dup2, time,
 * epoll_wait) is NR_NONE: glibc makes those calls from others there. */
#define NR_NONE 0xfff0
#define NR_read 63
#define NR_write 64
#define NR_close 57
#define NR_fstat 80
#define NR_lseek 62
#define NR_ioctl 29
#define NR_pread64 67
#define NR_pwrite64 68
#define NR_readv 65
#define NR_writev 66
#define NR_sched_yield 124
#define NR_dup 23
#define NR_dup2 NR_NONE
#define NR_getpid 172
#define NR_sendfile 71
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_uname 160
#define NR_fcntl 25
#define NR_getcwd 17
#define NR_gettimeofday 169
#define NR_getuid 174
#define NR_getgid 176
#define NR_geteuid 175
#define NR_getegid 177
#define NR_getppid 173
#define NR_fstatfs 44
#define NR_gettid 178
#define NR_time NR_NONE
#define NR_futex 98
#define NR_clock_gettime 113
#define NR_exit_group 94
#define NR_epoll_wait NR_NONE
#define NR_openat 56
#define NR_epoll_pwait 22
#define NR_eventfd2 19
#define NR_dup3 24
#define NR_getrandom 278
#define SIZEOF_STAT 128
#define STAT_MODE 16
#define STAT_RDEV 32
#define EPOLL_EVENT 16 /* sizeof struct epoll_event: data aligned */
#define EPOLL_DATA 8
#define O_DIRECTORY_ 0x4000
#endif

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

struct timespec_ {
	long sec, nsec;
};

static void futex_wait(u64 off, u32 val) {
	struct timespec_ ts = {0, 100 * 1000 * 1000};
	gate6(NR_futex, (long)(CTL->rb_addr + off), FUTEX_WAIT, val, (long)&ts, 0, 0);
}

static void futex_wake(u64 off) {
	gate6(NR_futex, (long)(CTL->rb_addr + off), FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
}

#define OFF_LEADER_FUTEX __builtin_offsetof(struct dmvx_rb_header, leader_futex)
#define OFF_FOLLOWER_FUTEX __builtin_offsetof(struct dmvx_rb_header, follower_futex)
#define OFF_FOLLOWERS_SLEEPING __builtin_offsetof(struct dmvx_rb_header, followers_sleeping)

/* ---- digests ---- */

#define EFAULT_ 14

ALWAYS u64 mix(u64 h, u64 v) {
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static u64 hash_bytes(u64 h, const u8 *p, u64 n) {
	h = mix(h, n);
	if (n >= 32) {
		/* Four independent lanes: the multiplies overlap instead of
		 * waiting for each other (a 512-byte read hashes 4x faster). */
		u64 l0 = h, l1 = h ^ 1, l2 = h ^ 2, l3 = h ^ 3;
		for (; n >= 32; p += 32, n -= 32) {
			u64 w[4];
			__builtin_memcpy(w, p, 32);
			l0 = mix(l0, w[0]);
			l1 = mix(l1, w[1]);
			l2 = mix(l2, w[2]);
			l3 = mix(l3, w[3]);
		}
		h = mix(mix(mix(l0, l1), l2), l3);
	}
	for (; n >= 8; p += 8, n -= 8) {
		u64 w;
		__builtin_memcpy(&w, p, 8);
		h = mix(h, w);
	}
	u64 w = 0;
	for (u64 i = 0; i < n; i++)
		w |= (u64)p[i] << (8 * i);
	return mix(h, w);
}

struct iovec_ {
	const u8 *base;
	u64 len;
};

/* ---- the calls IP-MON takes ---- */

/* X_LOCAL: every variant executes, results compared (on one host, where
 * copying a small result is cheaper than a kernel entry, CP-MON may ask
 * for X_LEADER instead: ctl.copy_local). X_UNSYNCED: every variant
 * executes, nothing is recorded (sched_yield: no result, no effect on the
 * outside). X_LEADER: the leader executes, followers copy. X_BYFD: by the descriptor's class (local
 * files: every variant; the leader's: the leader). X_BYFD_OWN: the same,
 * but a local result is not compared (fstat: inodes of memfds differ).
 * X_LOCALFD: local descriptors only, any other goes to CP-MON. X_FDOP:
 * a descriptor-table call (close, dup*, fcntl's F_DUPFD, F_GETFD, F_SETFD,
 * F_GETFL, F_SETFL): every variant runs it on its own descriptor (a real
 * one or CP-MON's placeholder), so numbers stay the same everywhere; the
 * leader's result is returned, a new descriptor number must match, and
 * each variant's IP-MON updates its own descriptor map (CP-MON reads the
 * leader's back before it next decides anything). X_OPEN: a read-only
 * openat; the leader opens and tells what it opened (a local file, or the
 * leader's pipe or device); a follower opens its own local file, or makes
 * a placeholder, under the same number. */
enum { X_LOCAL = 1, X_LEADER, X_BYFD, X_LOCALFD, X_BYFD_OWN, X_UNSYNCED, X_FDOP, X_OPEN };
enum { K_NONE, K_VAL, K_PTR, K_IN, K_OUT, K_IOVIN, K_IOVOUT, K_IN8, K_NULL, K_STR };
enum { O_NONE, O_RET, O_FIXED, O_IOV, O_EPOLL };
enum { RW_NONE, RW_READ, RW_WRITE };

struct spec {
	u16 nr;
	u8 exec;
	u8 rw;    /* how it uses its descriptor (arg 0), for the policy */
	u8 out;   /* what it writes: O_* */
	u8 outarg;
	u8 caparg; /* O_RET/O_IOV: the length or count argument */
	u16 size;  /* O_FIXED: bytes */
	u8 kind[6];
	u8 len[6]; /* K_IN, K_IOVIN, K_IOVOUT: the length/count argument */
};

#define A(...) {__VA_ARGS__}

static const struct spec specs[] = {
	/* nr                exec       rw        out      outarg cap size  kinds                                  lens */
	{NR_read,           X_BYFD,    RW_READ,  O_RET,   1, 2, 0,   A(K_VAL, K_OUT, K_VAL),                 A(0, 2)},        /* read */
	{NR_write,          X_BYFD,    RW_WRITE, O_NONE,  0, 0, 0,   A(K_VAL, K_IN, K_VAL),                  A(0, 2)},        /* write */
	{NR_fstat,          X_BYFD_OWN, RW_READ, O_FIXED, 1, 0, SIZEOF_STAT, A(K_VAL, K_PTR),                        A(0)},           /* fstat */
	{NR_lseek,          X_BYFD,    RW_READ,  O_NONE,  0, 0, 0,   A(K_VAL, K_VAL, K_VAL),                 A(0)},           /* lseek */
	{NR_pread64,        X_BYFD,    RW_READ,  O_RET,   1, 2, 0,   A(K_VAL, K_OUT, K_VAL, K_VAL),          A(0, 2)},        /* pread64 */
	{NR_pwrite64,       X_BYFD,    RW_WRITE, O_NONE,  0, 0, 0,   A(K_VAL, K_IN, K_VAL, K_VAL),           A(0, 2)},        /* pwrite64 */
	{NR_readv,          X_LOCALFD, RW_READ,  O_IOV,   1, 2, 0,   A(K_VAL, K_IOVOUT, K_VAL),              A(0, 2)},        /* readv */
	{NR_writev,         X_BYFD,    RW_WRITE, O_NONE,  0, 0, 0,   A(K_VAL, K_IOVIN, K_VAL),               A(0, 2)},        /* writev */
	{NR_epoll_wait,     X_LEADER,  RW_READ,  O_EPOLL, 1, 2, 0,   A(K_VAL, K_OUT, K_VAL, K_VAL),          A(0)},           /* epoll_wait */
	{NR_epoll_pwait,    X_LEADER,  RW_READ,  O_EPOLL, 1, 2, 0,   A(K_VAL, K_OUT, K_VAL, K_VAL, K_NULL, K_VAL), A(0)},   /* epoll_pwait */
	{NR_openat,         X_OPEN,    RW_NONE,  O_NONE,  0, 0, 0,   A(K_VAL, K_STR, K_VAL),                 A(0)},           /* openat, read-only */
	{NR_close,          X_FDOP,    RW_NONE,  O_NONE,  0, 0, 0,   A(K_VAL),                               A(0)},           /* close */
	{NR_dup,            X_FDOP,    RW_NONE,  O_NONE,  0, 0, 0,   A(K_VAL),                               A(0)},           /* dup */
	{NR_dup2,           X_FDOP,    RW_NONE,  O_NONE,  0, 0, 0,   A(K_VAL, K_VAL),                        A(0)},           /* dup2 */
	{NR_fcntl,          X_FDOP,    RW_NONE,  O_NONE,  0, 0, 0,   A(K_VAL, K_VAL, K_VAL),                 A(0)},           /* fcntl */
	{NR_dup3,           X_FDOP,    RW_NONE,  O_NONE,  0, 0, 0,   A(K_VAL, K_VAL, K_VAL),                 A(0)},           /* dup3 */
	{NR_sched_yield,    X_UNSYNCED, RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* sched_yield */
	{NR_getpid,         X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* getpid */
	{NR_sendfile,       X_LEADER,  RW_WRITE, O_FIXED, 2, 0, 8,   A(K_VAL, K_VAL, K_IN8, K_VAL),          A(0)},           /* sendfile */
	{NR_sendto,         X_LEADER,  RW_WRITE, O_NONE,  0, 0, 0,   A(K_VAL, K_IN, K_VAL, K_VAL, K_NULL, K_VAL), A(0, 2)},   /* sendto */
	{NR_recvfrom,       X_LEADER,  RW_READ,  O_RET,   1, 2, 0,   A(K_VAL, K_OUT, K_VAL, K_VAL, K_NULL, K_NULL), A(0, 2)}, /* recvfrom */
	{NR_uname,          X_LOCAL,   RW_NONE,  O_FIXED, 0, 0, 390, A(K_PTR),                               A(0)},           /* uname */
	{NR_getcwd,         X_LOCAL,   RW_NONE,  O_RET,   0, 1, 0,   A(K_OUT, K_VAL),                        A(1)},           /* getcwd */
	{NR_gettimeofday,   X_LEADER,  RW_NONE,  O_FIXED, 0, 0, 16,  A(K_PTR, K_NULL),                       A(0)},           /* gettimeofday */
	{NR_getuid,         X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* getuid */
	{NR_getgid,         X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* getgid */
	{NR_geteuid,        X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* geteuid */
	{NR_getegid,        X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* getegid */
	{NR_getppid,        X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* getppid */
	{NR_gettid,         X_LEADER,  RW_NONE,  O_NONE,  0, 0, 0,   A(0),                                   A(0)},           /* gettid */
	{NR_time,           X_LEADER,  RW_NONE,  O_FIXED, 0, 0, 8,   A(K_PTR),                               A(0)},           /* time */
	{NR_clock_gettime,  X_LEADER,  RW_NONE,  O_FIXED, 1, 0, 16,  A(K_VAL, K_PTR),                        A(0)},           /* clock_gettime */
	{NR_getrandom,      X_LEADER,  RW_NONE,  O_RET,   0, 1, 0,   A(K_OUT, K_VAL, K_VAL),                 A(1)},           /* getrandom */
};

#define NSPECS (sizeof specs / sizeof specs[0])

/* ioctl's requests IP-MON takes, each a row of its own: what the kernel
 * writes depends on the request. struct termios (kernel) is 36 bytes,
 * struct winsize 8. */
#define TCGETS_ 0x5401
#define TIOCGWINSZ_ 0x5413
static const struct spec ioctl_tcgets = {NR_ioctl, X_BYFD, RW_READ, O_FIXED, 2, 0, 36, A(K_VAL, K_VAL, K_PTR), A(0)};
static const struct spec ioctl_winsz = {NR_ioctl, X_BYFD, RW_READ, O_FIXED, 2, 0, 8, A(K_VAL, K_VAL, K_PTR), A(0)};

/* dmvx_ipmon_calls lists the calls IP-MON implements, for CP-MON, which
 * reads it from this object's symbol table and lets the filter allow from
 * the gate only calls that are both in the active policy and in this list. */
EXPORT const u16 dmvx_ipmon_calls[] = {NR_read, NR_write, NR_close, NR_fstat, NR_lseek, NR_ioctl, NR_pread64, NR_pwrite64,
				       NR_readv, NR_writev, NR_sched_yield, NR_dup, NR_getpid, NR_sendfile, NR_sendto,
				       NR_recvfrom, NR_uname, NR_fcntl, NR_getcwd, NR_gettimeofday, NR_openat, NR_dup3,
				       NR_getuid, NR_getgid, NR_geteuid, NR_getegid, NR_getppid, NR_gettid,
				       NR_clock_gettime, NR_epoll_pwait, NR_getrandom,
#if defined(__x86_64__)
				       /* NR_NONE on arm64, whose table lacks them. */
				       NR_dup2, NR_time, NR_epoll_wait,
#endif
				       0xffff};

/* spec_of maps a call number to its row + 1 (0: none); filled once by the
 * constructor. It holds row numbers only. */
static u8 spec_of[DMVX_MAX_NR];

/* dmvx_ipmon_subs lists, as (call, sub-command) pairs ending with ~0, the
 * sub-commands of multiplexed calls IP-MON implements: the filter lets
 * only those through from the gate. */
EXPORT const u32 dmvx_ipmon_subs[] = {
	NR_fcntl, 0 /* F_DUPFD */, NR_fcntl, 1 /* F_GETFD */, NR_fcntl, 2 /* F_SETFD */, NR_fcntl, 3 /* F_GETFL */,
	NR_fcntl, 4 /* F_SETFL */, NR_fcntl, 1030 /* F_DUPFD_CLOEXEC */,
	NR_ioctl, TCGETS_, NR_ioctl, TIOCGWINSZ_, 0xffffffff, 0xffffffff,
};

static const struct spec *lookup(u64 nr) {
	u8 i = nr < DMVX_MAX_NR ? spec_of[nr] : 0;
	return i ? &specs[i - 1] : 0;
}

/* The most output a record carries; larger reads go to CP-MON. */
#define MAX_OUT 16384

/* ---- the replication buffer ---- */

#define REC(pos) ((volatile struct dmvx_rb_record SEG *)(BASE + CTL->rb_rel + DMVX_RB_HEADER_SIZE + (pos)))

static u64 min_tail(u32 nf) {
	u64 t = RB->tail[0];
	for (u32 i = 1; i < nf && i < DMVX_RB_MAX_FOLLOWERS; i++) {
		u64 x = RB->tail[i];
		if (x < t)
			t = x;
	}
	return t;
}

static void tampered(u64 nr, long *a);

/* copy_in and copy_out move bytes between the buffer (%gs space) and the
 * program's memory, a word at a time where they can. */
static void copy_in(u64 off, const u8 *src, u64 n) {
	volatile u8 SEG *dst = (volatile u8 SEG *)(BASE + off);
	u64 i = 0;
	for (; i + 8 <= n; i += 8) {
		u64 w;
		__builtin_memcpy(&w, src + i, 8);
		*(volatile u64 SEG *)(dst + i) = w;
	}
	for (; i < n; i++)
		dst[i] = src[i];
}

static void copy_out(u8 *dst, u64 off, u64 n) {
	const volatile u8 SEG *src = (const volatile u8 SEG *)(BASE + off);
	u64 i = 0;
	for (; i + 8 <= n; i += 8) {
		u64 w = *(const volatile u64 SEG *)(src + i);
		__builtin_memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++)
		dst[i] = src[i];
}

/* Room kept free for the record CP-MON adds when the leader's thread
 * stops at a CP-MON call (and a pad before it): CP-MON never waits. */
#define MARKER_ROOM (2 * DMVX_RB_RECORD_SIZE)

#define DATA_OFF(pos) (CTL->rb_rel + DMVX_RB_HEADER_SIZE + (pos))

/* wait_tails waits until every follower has consumed want bytes, polling
 * the tails sparingly, then sleeping; head is what the leader wrote. */
static void wait_tails(u64 want, u64 head, u64 nr) {
	u32 nf = RB->nfollowers;
	u64 t;
	for (u32 spins = 0;;) {
		t = min_tail(nf);
		if (t > head)
			tampered(nr, 0);
		if (t >= want)
			break;
		if (spins < CTL->spin) {
			spins += 32;
			for (int i = 0; i < 32; i++)
				pause_();
			continue;
		}
		u32 v = RB->leader_futex;
		RB->wake_at = want;
		RB->leader_sleeping = 1;
		fence();
		if (min_tail(nf) < want)
			futex_wait(OFF_LEADER_FUTEX, v);
		RB->leader_sleeping = 0;
	}
	RB->min_tail = t;
}

/* append publishes one record with out (len bytes) after its header. The
 * leader only looks at the followers' tails when its last look says the
 * record would not fit: their line stays in the followers' caches. */
static void rb_append(u64 nr, u64 digest, long ret, const u8 *out, u64 len, int lazy) {
	u64 need = (DMVX_RB_RECORD_SIZE + len + 7) & ~7UL;
	u64 head = RB->written;
	u64 pos = head & (DMVX_RB_DATA - 1);
	u64 pad = pos + need > DMVX_RB_DATA ? DMVX_RB_DATA - pos : 0;
	u64 room = pad + need + MARKER_ROOM;
	if (head + room - RB->min_tail > DMVX_RB_DATA) {
		u32 nf = RB->nfollowers;
		u64 t = min_tail(nf);
		if (t > head)
			tampered(nr, 0);
		RB->min_tail = t;
		if (head + room - t > DMVX_RB_DATA) {
			/* Full. Wait for a quarter of the buffer, not just this
			 * record: then the leader writes a run of records while
			 * the follower reads, instead of both pulling the same
			 * lines at every call. */
			RB->leader_waits++;
			wait_tails(head + room + DMVX_RB_DATA / 4 - DMVX_RB_DATA, head, nr);
		}
	}
	if (pad) {
		REC(pos)->size = (u32)pad;
		REC(pos)->kind = DMVX_RB_PAD;
		pos = 0;
	}
	u64 seq = RB->seq + 1;
	volatile struct dmvx_rb_record SEG *r = REC(pos);
	r->size = (u32)need;
	r->kind = DMVX_RB_CALL;
	r->seq = seq;
	r->nr = (u32)nr;
	r->out_len = (u32)len;
	r->digest = digest;
	r->ret = ret;
	copy_in(DATA_OFF(pos + DMVX_RB_RECORD_SIZE), out, len);
	barrier();
	RB->seq = seq;
	RB->written = head + pad + need;
	RB->calls = RB->calls + 1;
	/* Publish. A call that cannot block (local, no I/O) publishes every
	 * eighth record only: a follower then reads lines the leader has
	 * finished with, instead of pulling each line (and head) away from it
	 * while it writes. A sleeping follower, a blocking call, and CP-MON
	 * (which publishes what was written with its own record) see to it
	 * that nothing waits long on an unpublished record. */
	u32 sleeping = RB->followers_sleeping;
	if (lazy && (seq & 7) && !sleeping)
		return;
	RB->head = head + pad + need;
	fence();
	/* A follower that sleeps asked to be woken once a batch is there
	 * (wake_head): waking it for every record costs both sides a kernel
	 * entry per call. Nothing waits for a follower that lags: the leader
	 * does not, and CP-MON wakes it when the leader stops at a CP-MON
	 * call. */
	if (RB->followers_sleeping && head + pad + need >= RB->wake_head) {
		area_inc32(CTL->rb_rel + OFF_FOLLOWER_FUTEX);
		futex_wake(OFF_FOLLOWER_FUTEX);
	}
}

/* wait_local: the leader is about to write to a file (class FILE). A
 * follower makes its own reads of local files when it gets to their
 * records, after the leader made them: had the leader written to the file
 * in between, the follower would read what the leader read only later,
 * and differ. So the write waits until every follower is past the last
 * such read (local_end). A loop that only writes never waits. */
static void wait_local(u64 nr) {
	u64 want = RB->local_end, head = RB->written;
	if (want <= RB->min_tail)
		return;
	if (want > head)
		tampered(nr, 0);
	u64 t = min_tail(RB->nfollowers);
	if (t > head)
		tampered(nr, 0);
	RB->min_tail = t;
	if (t >= want)
		return;
	/* Publish the lazy records too, and wake whoever sleeps. */
	RB->head = head;
	fence();
	if (RB->followers_sleeping) {
		area_inc32(CTL->rb_rel + OFF_FOLLOWER_FUTEX);
		futex_wake(OFF_FOLLOWER_FUTEX);
	}
	RB->leader_waits++;
	wait_tails(want, head, nr);
}

/* A sleeping follower wants to be woken for this much of local records. */
#define WAKE_BATCH (DMVX_RB_DATA / 8)

/* next waits for this follower's next record and returns its position in
 * the data area, or -1 when the leader's thread is gone. */
static i64 rb_next(u64 nr, long *a) {
	u32 f = CTL->follower;
	if (f >= DMVX_RB_MAX_FOLLOWERS)
		tampered(nr, a);
	for (u32 spins = 0, gap = 16;;) {
		u64 tail = RB->tail[f];
		u64 head = RB->head_seen[f];
		if (head - tail - 1 >= DMVX_RB_DATA) {
			/* What we saw of head is used up (or stale: CP-MON
			 * consumes its own records): look again. */
			head = RB->head;
			RB->head_seen[f] = head;
		}
		if (head != tail) {
			if (head - tail > DMVX_RB_DATA || (tail & 7) || head < tail)
				tampered(nr, a);
			u64 pos = tail & (DMVX_RB_DATA - 1);
			u64 size = REC(pos)->size;
			u32 kind = REC(pos)->kind;
			if (size < 8 || (size & 7) || size > DMVX_RB_DATA - pos || size > head - tail)
				tampered(nr, a);
			if (kind == DMVX_RB_PAD) {
				if (pos + size != DMVX_RB_DATA)
					tampered(nr, a);
				RB->tail[f] = tail + size;
				continue;
			}
			if (size < DMVX_RB_RECORD_SIZE)
				tampered(nr, a);
			return (i64)pos;
		}
		if (RB->closed)
			return -1;
		if (spins < CTL->spin) {
			/* Poll the leader's line with growing gaps, not in a
			 * tight loop: each look pulls the line away from the
			 * leader, which writes it at every call, and a follower
			 * that lags a little costs the leader nothing (it does
			 * not wait for followers). */
			spins += gap;
			for (u32 i = 0; i < gap; i++)
				pause_();
			if (gap < 1024)
				gap *= 2;
			continue;
		}
		spins = 0;
		gap = 16;
		u32 v = RB->follower_futex;
		RB->wake_head = tail + WAKE_BATCH;
		area_inc32(CTL->rb_rel + OFF_FOLLOWERS_SLEEPING);
		fence();
		if (RB->head == tail && !RB->closed) {
			RB->follower_waits++;
			futex_wait(OFF_FOLLOWER_FUTEX, v);
		}
		area_dec32(CTL->rb_rel + OFF_FOLLOWERS_SLEEPING);
	}
}

/* consume moves this follower past the record at pos. */
static void rb_consume(u64 size) {
	u32 f = CTL->follower;
	RB->seen[f] = RB->seen[f] + 1;
	barrier();
	u64 tail = RB->tail[f] + size;
	RB->tail[f] = tail;
	fence();
	if (RB->leader_sleeping && tail >= RB->wake_at) {
		area_inc32(CTL->rb_rel + OFF_LEADER_FUTEX);
		futex_wake(OFF_LEADER_FUTEX);
	}
}

/* ---- divergence ---- */

static void diverge(long reason, u64 nr, long *a, u64 seq) {
	long args[6] = {0};
	if (a)
		for (int i = 0; i < 6; i++)
			args[i] = a[i];
	raw6(DMVX_NR_DIVERGE, reason, (long)nr, (long)args, (long)seq, 0, 0);
	/* CP-MON kills every variant; never go on with an unchecked call. */
	for (;;)
		raw6(NR_exit_group, 86, 0, 0, 0, 0, 0);
}

static void tampered(u64 nr, long *a) { diverge(DMVX_DIV_TAMPERED, nr, a, 0); }

/* ---- one call ---- */

/* digest covers the call number, every value argument, and the content of
 * inputs up to what the call used (ret bytes): IP-MON only reads memory the
 * kernel has read successfully. */
/* canon_nr is the number a digest mixes in: the generic table's (arm64's),
 * so that a digest means the same call on both ISAs when the variants'
 * ISAs differ; a call the generic table lacks gets a number above it. */
#if defined(__x86_64__)
static u64 canon_nr(u64 nr) {
	switch (nr) {
	case NR_read: return 63;
	case NR_write: return 64;
	case NR_close: return 57;
	case NR_fstat: return 80;
	case NR_lseek: return 62;
	case NR_ioctl: return 29;
	case NR_pread64: return 67;
	case NR_pwrite64: return 68;
	case NR_readv: return 65;
	case NR_writev: return 66;
	case NR_sched_yield: return 124;
	case NR_dup: return 23;
	case NR_getpid: return 172;
	case NR_sendfile: return 71;
	case NR_sendto: return 206;
	case NR_recvfrom: return 207;
	case NR_uname: return 160;
	case NR_fcntl: return 25;
	case NR_getcwd: return 17;
	case NR_gettimeofday: return 169;
	case NR_getuid: return 174;
	case NR_getgid: return 176;
	case NR_geteuid: return 175;
	case NR_getegid: return 177;
	case NR_getppid: return 173;
	case NR_gettid: return 178;
	case NR_clock_gettime: return 113;
	case NR_openat: return 56;
	case NR_epoll_pwait: return 22;
	case NR_dup3: return 24;
	case NR_getrandom: return 278;
	}
	return 0x10000 | nr;
}
#else
#define canon_nr(nr) (nr)
#endif

static u64 digest(const struct spec *s, u64 nr, long *a, long ret, const u64 *in8) {
	u64 h = mix(CTL->key, canon_nr(nr));
	for (int i = 0; i < 6; i++) {
		u64 v = (u64)a[i];
		switch (s->kind[i]) {
		case K_VAL:
			h = mix(h, v);
			break;
		case K_PTR:
		case K_NULL:
		case K_OUT:
			h = mix(h, v != 0);
			break;
		case K_IN:
			if (ret > 0 && v)
				h = hash_bytes(h, (const u8 *)v, (u64)ret < (u64)a[s->len[i]] ? (u64)ret : (u64)a[s->len[i]]);
			break;
		case K_IN8:
			h = mix(mix(h, v != 0), in8[i]);
			break;
		case K_STR:
			/* A path: the kernel has read it, unless the pointer was
			 * bad. */
			if (v && ret != -EFAULT_) {
				const u8 *p = (const u8 *)v;
				u64 n = 0;
				while (n < 4096 && p[n])
					n++;
				h = hash_bytes(h, p, n);
			} else {
				h = mix(h, v != 0);
			}
			break;
		case K_IOVIN:
		case K_IOVOUT:
			if (ret >= 0 && v) {
				const struct iovec_ *iov = (const struct iovec_ *)v;
				u64 left = (u64)ret;
				for (long j = 0; j < a[s->len[i]] && j < 1024; j++) {
					h = mix(h, iov[j].len);
					if (s->kind[i] == K_IOVIN && left) {
						u64 n = iov[j].len < left ? iov[j].len : left;
						h = hash_bytes(h, iov[j].base, n);
						left -= n;
					}
				}
			}
			break;
		}
	}
	return h;
}

/* output returns the contiguous bytes a call wrote (O_RET, O_FIXED). */
static const u8 *output(const struct spec *s, long *a, long ret, u64 *len) {
	*len = 0;
	if (ret < 0 || !a[s->outarg])
		return 0;
	switch (s->out) {
	case O_RET:
		*len = (u64)ret;
		break;
	case O_EPOLL:
		*len = (u64)ret * EPOLL_EVENT;
		break;
	case O_FIXED:
		*len = s->size;
		break;
	}
	return (const u8 *)a[s->outarg];
}

static u64 out_digest(const struct spec *s, long *a, long ret) {
	if (s->out == O_IOV) {
		u64 h = mix(CTL->key, 1);
		if (ret > 0) {
			const struct iovec_ *iov = (const struct iovec_ *)a[s->outarg];
			u64 left = (u64)ret;
			for (long j = 0; left && j < a[s->caparg] && j < 1024; j++) {
				u64 n = iov[j].len < left ? iov[j].len : left;
				h = hash_bytes(h, iov[j].base, n);
				left -= n;
			}
		}
		return h;
	}
	u64 len;
	const u8 *p = output(s, a, ret, &len);
	return p ? hash_bytes(mix(CTL->key, 1), p, len) : mix(CTL->key, 0);
}

/* epoll_map turns the leader's epoll_event.data into this variant's, for
 * the same descriptor, as CP-MON's map says; data it has no entry for
 * stays as it is (as CP-MON does). */
static void epoll_map(u8 *ev, long n, u32 epfd) {
	const volatile struct dmvx_epoll_entry SEG *tab =
		(const volatile struct dmvx_epoll_entry SEG *)(BASE + CTL->epoll_rel);
	for (long i = 0; i < n; i++) {
		u64 key;
		__builtin_memcpy(&key, ev + EPOLL_EVENT * i + EPOLL_DATA, 8);
		u64 h = dmvx_epoll_hash(epfd, key) % DMVX_EPOLL_SLOTS;
		for (u64 probe = 0; probe < DMVX_EPOLL_SLOTS; probe++) {
			const volatile struct dmvx_epoll_entry SEG *e = &tab[(h + probe) % DMVX_EPOLL_SLOTS];
			u32 st = e->state;
			if (st == 0)
				break;
			if (st == DMVX_EPOLL_USED && e->epfd == epfd && e->key == key) {
				u64 val = e->val;
				__builtin_memcpy(ev + EPOLL_EVENT * i + EPOLL_DATA, &val, 8);
				break;
			}
		}
	}
}

static long forward(u64 nr, long *a) { return raw6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]); }

/* in8 reads the 8-byte inputs a call also writes (sendfile's offset) as
 * they were before it: a follower, which has not run the call, reads them;
 * the leader derives them from what the kernel left (the offset moved by
 * ret bytes). Nothing is read where the kernel found a bad pointer. */
static void in8(const struct spec *s, long *a, long ret, int after, u64 *out) {
	for (int i = 0; i < 6; i++) {
		out[i] = 0;
		if (s->kind[i] != K_IN8 || !a[i] || ret == -EFAULT_)
			continue;
		__builtin_memcpy(&out[i], (const void *)a[i], 8);
		if (after && ret > 0)
			out[i] -= (u64)ret;
	}
}

static long leader(const struct spec *s, u64 nr, long *a, int local, int own) {
	long a2 = a[2];
	if (s->out == O_EPOLL && a2 > MAX_OUT / 12) {
		/* Fewer events per call than the program allows (servers ask
		 * for thousands): the kernel keeps the rest ready for the next
		 * call, and a record stays small. */
		a2 = MAX_OUT / 12;
	}
	long ret = gate6((long)nr, a[0], a[1], a2, a[3], a[4], a[5]);
	if (ret == DMVX_RESYNC)
		return forward(nr, a);
	u64 pre[6];
	in8(s, a, ret, 1, pre);
	u64 d = digest(s, nr, a, ret, pre);
	if (local) {
		/* Own results are not compared: no need to hash them. */
		u64 od = own ? 0 : out_digest(s, a, ret);
		rb_append(nr, d, ret, (const u8 *)&od, 8, 1);
		if (!own && s->exec != X_LOCAL)
			RB->local_end = RB->written; /* a local file read: see wait_local */
	} else {
		u64 len;
		const u8 *p = output(s, a, ret, &len);
		rb_append(nr, d, ret, p, len, s->exec == X_LOCAL);
	}
	return ret;
}

/* rec is a follower's copy of the leader's next record: each field read
 * once from shared memory. */
struct rec {
	u64 pos, seq, digest;
	u32 size, olen;
	long ret;
};

/* take reads this follower's next record for call nr. It returns 0 when
 * the call must go to CP-MON: the leader made it there (a CP-MON record;
 * CP-MON then checks it is the same call), or its thread is gone. A record
 * of another call, or one no leader writes, ends the run. */
static int take(u64 nr, long *a, struct rec *out) {
	i64 pos = rb_next(nr, a);
	if (pos < 0)
		return 0;
	volatile struct dmvx_rb_record SEG *r = REC(pos);
	u32 kind = r->kind, rnr = r->nr;
	out->pos = (u64)pos;
	out->size = r->size;
	out->seq = r->seq;
	out->digest = r->digest;
	out->ret = r->ret;
	out->olen = r->out_len;
	if (kind == DMVX_RB_CPMON)
		return 0;
	if (kind != DMVX_RB_CALL || out->seq != RB->seen[CTL->follower] + 1 ||
	    out->olen > out->size - DMVX_RB_RECORD_SIZE)
		tampered(nr, a);
	if (rnr != nr)
		diverge(DMVX_DIV_CALL, nr, a, out->seq);
	return 1;
}

static long follower(const struct spec *s, u64 nr, long *a, int local, int own) {
	struct rec rc;
	if (!take(nr, a, &rc))
		return forward(nr, a);
	u64 pos = rc.pos, seq = rc.seq, rd = rc.digest;
	u32 size = rc.size, olen = rc.olen;
	long ret = rc.ret;
	long lret = ret; /* the leader's: the digest covers what it used */
	u64 pre[6];
	in8(s, a, ret, 0, pre);
	/* The same call with the same inputs, before anything runs or is
	 * copied: the digest covers what the leader's call used. */
	if (digest(s, nr, a, lret, pre) != rd)
		diverge(DMVX_DIV_ARGS, nr, a, seq);
	if (local) {
		long mine = gate6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (olen != 8)
			tampered(nr, a);
		if (own) {
			/* Content that legitimately differs per variant
			 * (/proc/self/...): each keeps its own result. */
			ret = mine;
			goto checked;
		}
		u64 want = *(const volatile u64 SEG *)(BASE + DATA_OFF((u64)pos + DMVX_RB_RECORD_SIZE));
		if (mine != ret || out_digest(s, a, mine) != want)
			diverge(DMVX_DIV_RESULT, nr, a, seq);
	} else {
		/* The leader's output must fit where ours goes. */
		u64 want = 0;
		if (ret >= 0 && a[s->outarg]) {
			if (s->out == O_RET)
				want = (u64)ret;
			else if (s->out == O_FIXED)
				want = s->size;
		}
		if (s->out == O_RET && ret > 0 && (u64)ret > (u64)a[s->caparg])
			tampered(nr, a);
		if (s->out == O_EPOLL) {
			if (ret > 0 && (u64)ret > (u64)a[2])
				tampered(nr, a);
			want = ret > 0 && a[s->outarg] ? (u64)ret * EPOLL_EVENT : 0;
		}
		if (olen != want)
			tampered(nr, a);
	}
checked:
	if (!local && olen) {
		copy_out((u8 *)a[s->outarg], DATA_OFF((u64)pos + DMVX_RB_RECORD_SIZE), olen);
		if (s->out == O_EPOLL)
			epoll_map((u8 *)a[s->outarg], ret, (u32)a[0]);
	}
	rb_consume(size);
	return ret;
}

/* fcntl commands IP-MON takes (the others go to CP-MON). */
#define F_DUPFD_ 0
#define F_GETFD_ 1
#define F_SETFD_ 2
#define F_GETFL_ 3
#define F_SETFL_ 4
#define F_DUPFD_CLOEXEC_ 1030

/* fdop_new returns the descriptor a table call makes (or -1), and which
 * one it copies, from the call and its result. */
static long fdop_new(u64 nr, long *a, long ret, long *from) {
	*from = a[0];
	switch (nr) {
	case NR_dup:
		return ret;
	case NR_dup2:
	case NR_dup3:
		return a[0] == a[1] ? -1 : a[1];
	case NR_fcntl:
		return a[1] == F_DUPFD_ || a[1] == F_DUPFD_CLOEXEC_ ? ret : -1;
	}
	return -1;
}

/* fdmap_set records descriptor fd's class in this variant's map and bumps
 * the counter that tells CP-MON to read the map back. */
static void fdmap_set(long fd, u64 cls) {
	FDMAP[(u64)fd] = (u8)cls;
	barrier();
	FDGEN = FDGEN + 1;
}

/* fdop_map records a table call's effect in this variant's map. */
static void fdop_map(u64 nr, long *a, long ret) {
	if (ret < 0)
		return;
	if (nr == NR_close) {
		fdmap_set(a[0], DMVX_FD_UNKNOWN);
		return;
	}
	long from, to = fdop_new(nr, a, ret, &from);
	/* A number past the map cannot happen (checked before): never leave
	 * the map wrong all the same. */
	if (to >= 0 && (u64)to < DMVX_MAX_FD)
		fdmap_set(to, FDMAP[(u64)from]);
}

/* fdop_ok says whether IP-MON takes this table call: a descriptor IP-MON
 * knows, results that stay inside the map. */
static int fdop_ok(u64 nr, long *a) {
	if ((u64)a[0] >= DMVX_MAX_FD)
		return 0;
	u8 cls = FDMAP[(u64)a[0]];
	if (cls == DMVX_FD_UNKNOWN || cls == DMVX_FD_CPMON)
		return 0;
	switch (nr) {
	case NR_dup2:
	case NR_dup3:
		if ((u64)a[1] >= DMVX_MAX_FD || FDMAP[(u64)a[1]] == DMVX_FD_CPMON)
			return 0;
		break;
	case NR_fcntl:
		switch (a[1]) {
		case F_GETFD_:
		case F_SETFD_:
		case F_GETFL_:
		case F_SETFL_:
			break;
		case F_DUPFD_:
		case F_DUPFD_CLOEXEC_:
			if ((u64)a[2] >= DMVX_MAX_FD / 2)
				return 0; /* the lowest free number must stay in the map */
			break;
		default:
			return 0;
		}
		break;
	case NR_dup:
		break;
	}
	return 1;
}

static long fdop(const struct spec *s, u64 nr, long *a) {
	if (CTL->role == 0) {
		long ret = gate6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (ret == DMVX_RESYNC)
			return forward(nr, a);
		fdop_map(nr, a, ret);
		rb_append(nr, digest(s, nr, a, ret, (u64[6]){0}), ret, 0, 0, 1);
		return ret;
	}
	struct rec rc;
	if (!take(nr, a, &rc))
		return forward(nr, a);
	u64 seq = rc.seq;
	long ret = rc.ret;
	if (rc.olen != 0)
		tampered(nr, a);
	if (digest(s, nr, a, ret, (u64[6]){0}) != rc.digest)
		diverge(DMVX_DIV_ARGS, nr, a, seq);
	long mine = gate6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	long from;
	if ((mine < 0) != (ret < 0) || (fdop_new(nr, a, ret, &from) >= 0 && mine != ret))
		diverge(DMVX_DIV_RESULT, nr, a, seq);
	fdop_map(nr, a, mine);
	rb_consume(rc.size);
	return ret;
}

/* ---- openat ---- */

#define O_ACCMODE_ 0x3
#define O_CREAT_ 0x40
#define O_EXCL_ 0x80
#define O_TRUNC_ 0x200
#define O_APPEND_ 0x400
#define O_CLOEXEC_ 0x80000
#define O_TMPFILE_ 0x400000 /* __O_TMPFILE: O_TMPFILE without O_DIRECTORY */
#define AT_FDCWD_ (-100)
#define ENOENT_ 2

/* on_procfs: fd is a file of procfs. */
static int on_procfs(long fd) {
	u64 fs[15] = {0};
	return gate6(NR_fstatfs, fd, (long)fs, 0, 0, 0, 0) == 0 && fs[0] == 0x9fa0;
}

/* classify says what the leader just opened, as CP-MON's openIsLocal does.
 * Read-only: what /proc and /sys say depends on who reads (own); regular
 * files and directories give every variant the same (local). For writing,
 * a file is the leader's to write, once (file). In both, /dev/null and /dev/zero
 * say the same to everyone by definition (own: nothing to compare), and
 * the rest (pipes, other devices) is the leader's. */
static u64 classify(long fd, int wr) {
	u64 fs[15] = {0};
	if (!wr && gate6(NR_fstatfs, fd, (long)fs, 0, 0, 0, 0) == 0 &&
	    (fs[0] == 0x9fa0 /* proc */ || fs[0] == 0x62656572 /* sysfs */))
		return DMVX_FD_OWN;
	u8 st[SIZEOF_STAT];
	if (gate6(NR_fstat, fd, (long)st, 0, 0, 0, 0) != 0)
		return DMVX_FD_LEADER;
	u32 mode;
	u64 rdev;
	__builtin_memcpy(&mode, st + STAT_MODE, 4);
	__builtin_memcpy(&rdev, st + STAT_RDEV, 8);
	switch (mode & 0170000) {
	case 0100000: /* regular */
	case 0040000: /* directory */
		return wr ? DMVX_FD_FILE : DMVX_FD_LOCAL;
	case 0020000: /* character device */
		if (rdev == 0x103 || rdev == 0x105) /* /dev/null, /dev/zero */
			return DMVX_FD_OWN;
	}
	return DMVX_FD_LEADER;
}

/* An open takes flags (a[2] as the program gave them: what is compared)
 * and gflags (what goes through the gate: O_CREAT dropped, since the
 * filter lets no open create a file from the gate). */
static long open_leader(const struct spec *s, u64 nr, long *a, long gflags, int wr) {
	long fd = gate6((long)nr, a[0], a[1], gflags, a[3], a[4], a[5]);
	if (fd == DMVX_RESYNC)
		return forward(nr, a);
	if (fd == -ENOENT_ && (a[2] & O_CREAT_))
		/* A new file: creating it is CP-MON's, in lockstep. Nothing
		 * was recorded, so the followers go to CP-MON too. */
		return forward(nr, a);
	u64 cls = 0;
	if (fd >= 0 && wr && on_procfs(fd)) {
		/* A file of /proc opened for writing (a process's mem, which
		 * writes past page protections): CP-MON's to allow or refuse
		 * (docs/security.md). Undo, and open through CP-MON. */
		gate6(NR_close, fd, 0, 0, 0, 0, 0);
		return forward(nr, a);
	}
	if (fd >= 0) {
		if ((u64)fd >= DMVX_MAX_FD) {
			/* Past the map, where CP-MON would never learn of it:
			 * undo, and open through CP-MON. */
			gate6(NR_close, fd, 0, 0, 0, 0, 0);
			return forward(nr, a);
		}
		cls = classify(fd, wr);
		fdmap_set(fd, cls);
	}
	rb_append(nr, digest(s, nr, a, fd, (u64[6]){0}), fd, (const u8 *)&cls, 8, 0);
	return fd;
}

static long open_follower(const struct spec *s, u64 nr, long *a, long gflags, int wr) {
	struct rec rc;
	if (!take(nr, a, &rc))
		return forward(nr, a);
	long ret = rc.ret;
	if (rc.olen != 8)
		tampered(nr, a);
	u64 cls = *(const volatile u64 SEG *)(BASE + DATA_OFF(rc.pos + DMVX_RB_RECORD_SIZE));
	if (digest(s, nr, a, ret, (u64[6]){0}) != rc.digest)
		diverge(DMVX_DIV_ARGS, nr, a, rc.seq);
	if (ret >= 0) {
		/* A file opened for writing is never local: the leader's
		 * alone writes it. */
		if ((u64)ret >= DMVX_MAX_FD ||
		    (cls != DMVX_FD_LOCAL && cls != DMVX_FD_OWN && cls != DMVX_FD_LEADER && cls != DMVX_FD_FILE) ||
		    (wr && cls == DMVX_FD_LOCAL) || (!wr && cls == DMVX_FD_FILE))
			tampered(nr, a);
		long mine;
		if (cls == DMVX_FD_LEADER || cls == DMVX_FD_FILE)
			/* A placeholder nobody uses, as CP-MON makes: every call
			 * on this number is the leader's to execute. */
			mine = gate6(NR_eventfd2, 0, a[2] & O_CLOEXEC_, 0, 0, 0, 0);
		else
			mine = gate6((long)nr, a[0], a[1], gflags, a[3], a[4], a[5]);
		if (mine != ret)
			diverge(DMVX_DIV_RESULT, nr, a, rc.seq);
		fdmap_set(ret, cls);
	}
	rb_consume(rc.size);
	return ret;
}

/* open_call: the opens IP-MON takes. Read-only ones from nonsocket-ro;
 * from nonsocket-rw also opens of existing files for writing, without
 * truncation (an O_CREAT becomes an open of an existing file, and a new
 * file goes to CP-MON). Relative to a directory every variant has its own
 * of, so that a follower's own open finds the same file. */
static long open_call(const struct spec *s, u64 nr, long *a) {
	u64 dirfd = (u64)a[0];
	if (a[0] != AT_FDCWD_ && (dirfd >= DMVX_MAX_FD || (FDMAP[dirfd] != DMVX_FD_LOCAL && FDMAP[dirfd] != DMVX_FD_OWN)))
		return forward(nr, a);
	long flags = a[2];
	int wr = (flags & (O_ACCMODE_ | O_CREAT_ | O_APPEND_)) != 0;
	if ((flags & (O_TRUNC_ | O_TMPFILE_)) || (wr && !CTL->open_write) ||
	    (flags & (O_CREAT_ | O_EXCL_)) == (O_CREAT_ | O_EXCL_))
		return forward(nr, a); /* CP-MON's (the filter says so too) */
	long gflags = flags & ~(long)O_CREAT_;
	return CTL->role == 0 ? open_leader(s, nr, a, gflags, wr) : open_follower(s, nr, a, gflags, wr);
}

/* dmvx_call is every wrapper's way in: the raw kernel convention (-errno). */
static long dmvx_call(u64 nr, long *a) {
	if (!registered || !HAVE_BASE || !CTL->active || CTL->sync_req || nr >= DMVX_MAX_NR ||
	    !(CTL->allowed[nr / 8] & (1 << (nr % 8))))
		return forward(nr, a);
	const struct spec *s = lookup(nr);
	if (nr == NR_ioctl) { /* by request */
		u32 req = (u32)a[1];
		s = req == TCGETS_ ? &ioctl_tcgets : req == TIOCGWINSZ_ ? &ioctl_winsz : 0;
	}
	if (!s)
		return forward(nr, a);
	for (int i = 0; i < 6; i++)
		if (s->kind[i] == K_NULL && a[i])
			return forward(nr, a);
	if (s->exec == X_OPEN)
		return open_call(s, nr, a);
	if (s->exec == X_FDOP) {
		if (nr == NR_fcntl && (a[1] == F_GETFD_ || a[1] == F_GETFL_))
			a[2] = 0; /* no third argument: what the register holds differs */
		return fdop_ok(nr, a) ? fdop(s, nr, a) : forward(nr, a);
	}
	if (s->exec == X_UNSYNCED) {
		if (CTL->role == 0)
			RB->calls = RB->calls + 1; /* the leader's line: only it writes */
		return gate6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	int local = s->exec == X_LOCAL && !CTL->copy_local, own = 0;
	if (s->exec != X_LOCAL && (s->exec != X_LEADER || s->rw != RW_NONE)) {
		u64 fd = (u64)a[0];
		u8 cls = fd < DMVX_MAX_FD ? FDMAP[fd] : DMVX_FD_UNKNOWN;
		if (cls == DMVX_FD_UNKNOWN || cls == DMVX_FD_CPMON)
			return forward(nr, a);
		if (cls == DMVX_FD_SOCKET) {
			u32 want = s->rw == RW_WRITE ? DMVX_SOCK_WRITE : DMVX_SOCK_READ;
			if (!(CTL->sockets & want))
				return forward(nr, a);
		}
		if (cls == DMVX_FD_FILE && s->rw == RW_WRITE && CTL->role == 0)
			wait_local(nr);
		if (s->exec == X_BYFD || s->exec == X_LOCALFD || s->exec == X_BYFD_OWN) {
			local = cls == DMVX_FD_LOCAL || cls == DMVX_FD_OWN;
			own = cls == DMVX_FD_OWN || (local && s->exec == X_BYFD_OWN);
			if (CTL->leader_stat && s->exec == X_BYFD_OWN && cls == DMVX_FD_LOCAL)
				/* Each host's copy of a file has its own inode and
				 * times: every variant sees the leader's, as CP-MON's
				 * stat calls give them. */
				local = own = 0;
		}
		if (s->exec == X_LOCALFD && !local)
			return forward(nr, a);
		if (nr == NR_sendfile) {
			u64 in = (u64)a[1];
			if (in >= DMVX_MAX_FD || FDMAP[in] == DMVX_FD_UNKNOWN || FDMAP[in] == DMVX_FD_CPMON)
				return forward(nr, a);
		}
	}
	if (!local && s->out == O_RET && (u64)a[s->caparg] > MAX_OUT)
		return forward(nr, a);
	if (s->out == O_EPOLL && (a[2] <= 0 || !CTL->epoll_rel))
		return forward(nr, a);
	return CTL->role == 0 ? leader(s, nr, a, local, own) : follower(s, nr, a, local, own);
}

/* ---- libc's wrappers ---- */

extern int *__errno_location(void) __attribute__((weak));
extern void *malloc(size_t) __attribute__((weak));

static long ret_errno(long r) {
	if (r < 0 && r > -4096) {
		if (__errno_location)
			*__errno_location() = (int)-r;
		return -1;
	}
	return r;
}

static long call6(u64 nr, long a0, long a1, long a2, long a3, long a4, long a5) {
	long a[6] = {a0, a1, a2, a3, a4, a5};
	return ret_errno(dmvx_call(nr, a));
}

#define ALIAS(name, target) EXPORT __typeof__(target) name __attribute__((alias(#target)))

EXPORT ssize_t read(int fd, void *buf, size_t n) { return call6(NR_read, fd, (long)buf, (long)n, 0, 0, 0); }
ALIAS(__read, read);
EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
	(void)buflen;
	return read(fd, buf, n);
}
EXPORT ssize_t write(int fd, const void *buf, size_t n) { return call6(NR_write, fd, (long)buf, (long)n, 0, 0, 0); }
ALIAS(__write, write);
EXPORT int close(int fd) { return (int)call6(NR_close, fd, 0, 0, 0, 0, 0); }
ALIAS(__close, close);
/* open and openat are variadic: the mode is there only with O_CREAT or
 * O_TMPFILE. Otherwise pass 0, as glibc does: the register holds whatever
 * it held, which differs between variants. */
EXPORT int openat(int dirfd, const char *path, int flags, int mode) {
	if (!(flags & O_CREAT_) && (flags & (O_TMPFILE_ | O_DIRECTORY_)) != (O_TMPFILE_ | O_DIRECTORY_))
		mode = 0;
	return (int)call6(NR_openat, dirfd, (long)path, flags, mode, 0, 0);
}
ALIAS(openat64, openat);
ALIAS(__openat, openat);
EXPORT int open(const char *path, int flags, int mode) { return openat(AT_FDCWD_, path, flags, mode); }
ALIAS(open64, open);
ALIAS(__open, open);
ALIAS(__open64, open);
EXPORT int __open_2(const char *path, int flags) { return openat(AT_FDCWD_, path, flags, 0); }
ALIAS(__open64_2, __open_2);
EXPORT int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags, 0); }
ALIAS(__openat64_2, __openat_2);

/* ioctl is variadic; its third argument is passed in the same register
 * whatever its type. */
EXPORT int ioctl(int fd, unsigned long req, long arg) { return (int)call6(NR_ioctl, fd, (long)req, arg, 0, 0, 0); }
ALIAS(__ioctl, ioctl);

/* isatty is glibc's TCGETS request, made inside glibc where IP-MON's ioctl
 * does not see it: define it here too (python asks at every open()). */
EXPORT int isatty(int fd) {
	unsigned char termios[64];
	return call6(NR_ioctl, fd, TCGETS_, (long)termios, 0, 0, 0) == 0;
}
ALIAS(__isatty, isatty);

EXPORT int dup(int fd) { return (int)call6(NR_dup, fd, 0, 0, 0, 0, 0); }
#if defined(__x86_64__)
EXPORT int dup2(int fd, int to) { return (int)call6(NR_dup2, fd, to, 0, 0, 0, 0); }
#else
/* No dup2 in the generic table: glibc's, which checks fd when it equals
 * to (dup3 refuses that case), and dup3 otherwise. */
EXPORT int dup2(int fd, int to) {
	if (fd == to)
		return call6(NR_fcntl, fd, F_GETFL_, 0, 0, 0, 0) < 0 ? -1 : to;
	return (int)call6(NR_dup3, fd, to, 0, 0, 0, 0);
}
#endif
ALIAS(__dup2, dup2);
EXPORT int dup3(int fd, int to, int flags) { return (int)call6(NR_dup3, fd, to, flags, 0, 0, 0); }
/* fcntl is variadic; its third argument is an int or a pointer, passed in
 * the same register either way. */
EXPORT int fcntl(int fd, int cmd, long arg) { return (int)call6(NR_fcntl, fd, cmd, arg, 0, 0, 0); }
ALIAS(fcntl64, fcntl);
ALIAS(__fcntl, fcntl);
EXPORT int fstat(int fd, void *st) { return (int)call6(NR_fstat, fd, (long)st, 0, 0, 0, 0); }
ALIAS(fstat64, fstat);
EXPORT long lseek(int fd, long off, int whence) { return call6(NR_lseek, fd, off, whence, 0, 0, 0); }
ALIAS(lseek64, lseek);
ALIAS(__lseek, lseek);
EXPORT ssize_t pread64(int fd, void *buf, size_t n, long off) { return call6(NR_pread64, fd, (long)buf, (long)n, off, 0, 0); }
ALIAS(pread, pread64);
ALIAS(__pread64, pread64);
EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, long off, size_t buflen) {
	(void)buflen;
	return pread64(fd, buf, n, off);
}
ALIAS(__pread_chk, __pread64_chk);
EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, long off) { return call6(NR_pwrite64, fd, (long)buf, (long)n, off, 0, 0); }
ALIAS(pwrite, pwrite64);
ALIAS(__pwrite64, pwrite64);
EXPORT ssize_t readv(int fd, const void *iov, int cnt) { return call6(NR_readv, fd, (long)iov, cnt, 0, 0, 0); }
EXPORT ssize_t writev(int fd, const void *iov, int cnt) { return call6(NR_writev, fd, (long)iov, cnt, 0, 0, 0); }
EXPORT int sched_yield(void) { return (int)call6(NR_sched_yield, 0, 0, 0, 0, 0, 0); }
EXPORT int getpid(void) { return (int)call6(NR_getpid, 0, 0, 0, 0, 0, 0); }
ALIAS(__getpid, getpid);
EXPORT ssize_t sendfile(int out, int in, long *off, size_t n) { return call6(NR_sendfile, out, in, (long)off, (long)n, 0, 0); }
ALIAS(sendfile64, sendfile);
EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const void *addr, unsigned alen) {
	return call6(NR_sendto, fd, (long)buf, (long)n, flags, (long)addr, alen);
}
EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) { return sendto(fd, buf, n, flags, 0, 0); }
ALIAS(__send, send);
EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, void *addr, unsigned *alen) {
	return call6(NR_recvfrom, fd, (long)buf, (long)n, flags, (long)addr, (long)alen);
}
EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) { return recvfrom(fd, buf, n, flags, 0, 0); }
ALIAS(__recv, recv);
#if defined(__x86_64__)
EXPORT int epoll_wait(int epfd, void *ev, int max, int timeout) { return (int)call6(NR_epoll_wait, epfd, (long)ev, max, timeout, 0, 0); }
#else
/* epoll_pwait without a mask, as glibc makes it there. */
EXPORT int epoll_wait(int epfd, void *ev, int max, int timeout) {
	return (int)call6(NR_epoll_pwait, epfd, (long)ev, max, timeout, 0, 8);
}
#endif
EXPORT int epoll_pwait(int epfd, void *ev, int max, int timeout, const void *sigmask) {
	return (int)call6(NR_epoll_pwait, epfd, (long)ev, max, timeout, (long)sigmask, 8);
}
EXPORT int uname(void *buf) { return (int)call6(NR_uname, (long)buf, 0, 0, 0, 0, 0); }
ALIAS(__uname, uname);

EXPORT char *getcwd(char *buf, size_t size) {
	if (buf) {
		long r = call6(NR_getcwd, (long)buf, (long)size, 0, 0, 0, 0);
		if (r < 0)
			return 0;
		if (r == 0 || buf[0] != '/') {
			/* Unreachable working directory: glibc says ENOENT. */
			ret_errno(-2);
			return 0;
		}
		return buf;
	}
	/* getcwd(NULL, size): glibc's extension, which allocates. */
	char tmp[4096];
	long r = call6(NR_getcwd, (long)tmp, sizeof tmp, 0, 0, 0, 0);
	if (r < 0)
		return 0;
	if (r == 0 || tmp[0] != '/') {
		ret_errno(-2);
		return 0;
	}
	size_t n = size ? size : (size_t)r;
	if ((size_t)r > n) {
		ret_errno(-34); /* ERANGE */
		return 0;
	}
	char *p = malloc ? malloc(n) : 0;
	if (!p) {
		ret_errno(-12); /* ENOMEM */
		return 0;
	}
	for (long i = 0; i < r; i++)
		p[i] = tmp[i];
	return p;
}
ALIAS(__getcwd, getcwd);
EXPORT char *__getcwd_chk(char *buf, size_t size, size_t buflen) {
	(void)buflen;
	return getcwd(buf, size);
}
EXPORT int gettimeofday(void *tv, void *tz) { return (int)call6(NR_gettimeofday, (long)tv, (long)tz, 0, 0, 0, 0); }
ALIAS(__gettimeofday, gettimeofday);
EXPORT unsigned getuid(void) { return (unsigned)call6(NR_getuid, 0, 0, 0, 0, 0, 0); }
EXPORT unsigned getgid(void) { return (unsigned)call6(NR_getgid, 0, 0, 0, 0, 0, 0); }
EXPORT unsigned geteuid(void) { return (unsigned)call6(NR_geteuid, 0, 0, 0, 0, 0, 0); }
EXPORT unsigned getegid(void) { return (unsigned)call6(NR_getegid, 0, 0, 0, 0, 0, 0); }
EXPORT int getppid(void) { return (int)call6(NR_getppid, 0, 0, 0, 0, 0, 0); }
EXPORT int gettid(void) { return (int)call6(NR_gettid, 0, 0, 0, 0, 0, 0); }
#if defined(__x86_64__)
/* arm64 has no time call: glibc's time() is a clock_gettime made inside
 * glibc, which goes to CP-MON. */
EXPORT long time(long *t) { return call6(NR_time, (long)t, 0, 0, 0, 0, 0); }
#endif
EXPORT int clock_gettime(int clk, void *ts) { return (int)call6(NR_clock_gettime, clk, (long)ts, 0, 0, 0, 0); }
ALIAS(__clock_gettime, clock_gettime);
EXPORT ssize_t getrandom(void *buf, size_t n, unsigned flags) { return call6(NR_getrandom, (long)buf, (long)n, flags, 0, 0, 0); }
ALIAS(__getrandom, getrandom);

/* ---- patched syscall sites ---- */

/* glibc makes many calls from inside itself, where no wrapper of ours sees
 * them: stdio's write, fopen's openat, isatty's ioctl. The first time such
 * a call stops at CP-MON, CP-MON patches its site (rr and gVisor do the
 * same): the `mov $nr,%eax` before the site's syscall instruction becomes a
 * jump to a stub that CP-MON writes into the area below, which steps over
 * the red zone, calls dmvx_site_entry and jumps back past the syscall
 * instruction. The instruction itself stays, for a thread that was between
 * the two, or code that jumps to it with another number.
 *
 * dmvx_site_entry takes the kernel's convention (number in %rax, arguments
 * in %rdi, %rsi, %rdx, %r10, %r8, %r9) and keeps every register the syscall
 * instruction keeps: the code around a site may hold live values in any of
 * them. IP-MON is built with general registers only, so the vector
 * registers are never touched. */

#if defined(__x86_64__)
__attribute__((used, noinline)) static long site_call(u64 nr, const long *regs) {
	long a[6] = {regs[0], regs[1], regs[2], regs[3], regs[4], regs[5]};
	return dmvx_call(nr, a);
}

__asm__(".text\n"
	".p2align 4\n"
	".type dmvx_site_entry, @function\n"
	"dmvx_site_entry:\n"
	"	push %r9\n"
	"	push %r8\n"
	"	push %r10\n"
	"	push %rdx\n"
	"	push %rsi\n"
	"	push %rdi\n"
	"	mov %rsp, %rsi\n"
	"	mov %rax, %rdi\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	and $-16, %rsp\n"
	"	call site_call\n"
	"	mov %rbp, %rsp\n"
	"	pop %rbp\n"
	"	pop %rdi\n"
	"	pop %rsi\n"
	"	pop %rdx\n"
	"	pop %r10\n"
	"	pop %r8\n"
	"	pop %r9\n"
	"	ret\n"
	".size dmvx_site_entry, . - dmvx_site_entry\n"
	/* The stub area: int3 until CP-MON writes a stub (through
	 * /proc/PID/mem, as a debugger does), so a stray jump into it traps. */
	".section .text.dmvx_stubs, \"ax\", @progbits\n"
	".p2align 12\n"
	"dmvx_stubs:\n"
	".fill " DMVX_STR(DMVX_STUBS_SIZE) ", 1, 0xcc\n"
	".text\n");

extern const char dmvx_site_entry[] __attribute__((visibility("hidden")));
extern const char dmvx_stubs[] __attribute__((visibility("hidden")));
#else
/* No patched sites on arm64 yet: only the wrappers reach IP-MON. */
#define dmvx_stubs 0
#define dmvx_site_entry 0
#endif

/* ---- registration ---- */

/* dmvx_ipmon_register asks CP-MON for IP-MON; the constructor calls it.
 * When calls are compared from the program's entry (variants of two
 * instruction sets, --from-entry), CP-MON answers the constructor's call
 * "later" (EAGAIN), and has the program call this again at its entry
 * point, where the registration is compared like any call. */
EXPORT void dmvx_ipmon_register(void) {
	if (registered)
		return;
	/* CP-MON checks that the call comes from this object's code, maps the
	 * gate, the control pages and the buffers, and sets the thread's area
	 * (%gs, or arm64's slot); 0 means done.
	 * The stub area and the entry are where patched sites go.
	 * Anything else (no CP-MON, IP-MON switched off) leaves every call to
	 * the kernel's filter, that is, to CP-MON. */
#if defined(__x86_64__)
	long slot = 0, stubs_size = DMVX_STUBS_SIZE;
#else
	/* arm64: where CP-MON writes this thread's area (its TLS slot). */
	long slot = (long)&dmvx_base, stubs_size = 0;
#endif
	if (raw6(DMVX_NR_REGISTER, (long)DMVX_CTL_MAGIC, DMVX_ABI_VERSION, (long)dmvx_stubs, stubs_size,
		 (long)dmvx_site_entry, slot) == 0)
		registered = 1;
}

__attribute__((constructor)) static void ipmon_init(void) {
	for (u64 i = 0; i < NSPECS; i++)
		if (specs[i].nr < DMVX_MAX_NR)
			spec_of[specs[i].nr] = (u8)(i + 1);
	dmvx_ipmon_register();
}
