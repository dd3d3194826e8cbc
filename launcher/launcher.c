/*
 * dmvx-launch: the first program of every variant.
 *
 * dmvx starts it with PTRACE_TRACEME already done (by the Go runtime's
 * ForkExec), so the tracer holds it from its first instruction. It installs
 * the seccomp filter that dmvx built (RET_TRACE for what CP-MON must see),
 * then execs the real program; from that execve on, every system call of the
 * variant is seen by its tracer. It is freestanding: no libc, raw syscalls,
 * so that nothing runs between the tracer's attach and the program but this.
 *
 * Usage: dmvx-launch OPTS FILTER_HEX PATH ARGV0 [ARGS...]
 *        OPTS is "-" or "t" (trap rdtsc: PR_SET_TSC(PR_TSC_SIGSEGV), so that
 *        the monitor can replicate the leader's counter)
 *        dmvx-launch --probe-tsc      (exits 0 if rdtsc still runs after
 *                                      PR_SET_TSC(PR_TSC_SIGSEGV))
 *        dmvx-launch --doorbell       (sleeps in pause() for ever: a traced
 *                                      child whose signal stops wake its
 *                                      tracer out of wait4; a 10 ms timer
 *                                      bounds every such wait, so that the
 *                                      Go runtime can always stop the world)
 */

typedef unsigned long u64;
typedef unsigned short u16;
typedef unsigned char u8;

#if defined(__x86_64__)
#define SYS_write 1
#define SYS_execve 59
#define SYS_exit_group 231
#define SYS_prctl 157
#define SYS_pause 34
#define SYS_setitimer 38
#define SYS_seccomp 317
#define SYS_close_range 436
#elif defined(__aarch64__)
/* The generic table (include/uapi/asm-generic/unistd.h): no pause, so the
 * doorbell waits in ppoll with no descriptors and no timeout instead. */
#define SYS_write 64
#define SYS_execve 221
#define SYS_exit_group 94
#define SYS_prctl 167
#define SYS_ppoll 73
#define SYS_setitimer 103
#define SYS_seccomp 277
#define SYS_close_range 436
#else
#error "dmvx-launch: x86_64 or aarch64 only"
#endif
#define ITIMER_REAL 0

#define PR_SET_NO_NEW_PRIVS 38
#define PR_SET_PDEATHSIG 1
#define PR_SET_TSC 26
#define PR_TSC_SIGSEGV 2
#define SECCOMP_SET_MODE_FILTER 1
#define EACCES 13

/* Names we must not call: there is no libc behind them. */
#define memcpy you_must_not_use_libc_memcpy
#define strlen you_must_not_use_libc_strlen

struct sock_filter {
	u16 code;
	u8 jt;
	u8 jf;
	unsigned int k;
};

struct sock_fprog {
	u16 len;
	struct sock_filter *filter;
};

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#endif
}

#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void die(const char *msg, long err)
{
	static const char pre[] = "dmvx-launch: ";
	char num[24];
	int i = sizeof(num);
	unsigned long v = err < 0 ? -err : err;

	sys3(SYS_write, 2, pre, sizeof(pre) - 1);
	sys3(SYS_write, 2, msg, slen(msg));
	num[--i] = '\n';
	do {
		num[--i] = '0' + v % 10;
		v /= 10;
	} while (v && i > 1);
	num[--i] = ' ';
	sys3(SYS_write, 2, num + i, sizeof(num) - i);
	sys3(SYS_exit_group, 125, 0, 0);
	for (;;)
		;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Room for any filter dmvx builds; BPF_MAXINSNS is 4096. */
static struct sock_filter prog[4096];

static int run(long argc, char **argv, char **envp)
{
	if (argc == 2 && argv[1][0] == '-' && argv[1][1] == '-' && argv[1][2] == 'd') {
		/* it_interval then it_value, each {seconds, microseconds} */
		long tv[4] = { 0, 10000, 0, 10000 };
		sys3(SYS_setitimer, ITIMER_REAL, tv, 0);
		for (;;)
#ifdef SYS_pause
			sys3(SYS_pause, 0, 0, 0);
#else
			sys3(SYS_ppoll, 0, 0, 0);
#endif
	}
	if (argc == 2 && argv[1][0] == '-' && argv[1][1] == '-' && argv[1][2] == 'p') {
		/* PR_SET_TSC is x86's: arm64's kernel answers EINVAL. */
		long r = sys3(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0);
		if (r < 0)
			return 2;
#if defined(__x86_64__)
		unsigned int lo, hi;
		/* Dies of SIGSEGV here when the CPU honours the prctl. */
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		(void)lo;
		(void)hi;
#endif
		return 0;
	}
	if (argc < 5)
		die("usage: dmvx-launch OPTS FILTER_HEX PATH ARGV0 [ARGS...]", 0);

	if (argv[1][0] == 't') {
		long r = sys3(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0);
		if (r < 0)
			die("prctl(PR_SET_TSC) failed: errno", r);
	}
	const char *hex = argv[2];
	unsigned long n = slen(hex);
	if (n == 0 || n % 16 != 0 || n / 16 > sizeof(prog) / sizeof(prog[0]))
		die("bad filter length", (long)n);
	u8 *out = (u8 *)prog;
	for (unsigned long i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
		if (hi < 0 || lo < 0)
			die("bad filter hex at", (long)i);
		out[i / 2] = (u8)(hi << 4 | lo);
	}
	struct sock_fprog fprog = { .len = (u16)(n / 16), .filter = prog };

	/* Root may install a filter without no_new_privs; others need it. */
	long r = sys3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
	if (r == -EACCES) {
		r = sys6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
		if (r < 0)
			die("prctl(PR_SET_NO_NEW_PRIVS) failed: errno", r);
		r = sys3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
	}
	if (r < 0)
		die("seccomp(SET_MODE_FILTER) failed: errno", r);

	/*
	 * dmvx started us with PR_SET_PDEATHSIG(SIGKILL) to cover the moment
	 * before its tracer set PTRACE_O_EXITKILL; that is set by now, and the
	 * program must find the parent-death signal unset, as a fresh child of
	 * its parent would.
	 */
	sys3(SYS_prctl, PR_SET_PDEATHSIG, 0, 0);

	/*
	 * The program gets stdin, stdout and stderr, nothing else: a
	 * descriptor that dmvx itself inherited without close-on-exec (from a
	 * shell, say) would otherwise reach the leader alone where followers
	 * started elsewhere (by an agent) lack it, and descriptor numbers
	 * would differ between the variants from then on.
	 */
	sys3(SYS_close_range, 3, ~0UL, 0);

	/* argv[4..] becomes the program's argv; argv[4] is its argv[0]. */
	r = sys3(SYS_execve, argv[3], argv + 4, envp);
	die("execve failed: errno", r);
	return 125;
}

__attribute__((used)) void launch_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	sys3(SYS_exit_group, run(argc, argv, envp), 0, 0);
}

#if defined(__x86_64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call launch_main\n"
	"  hlt\n");
#else
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  mov x0, sp\n"
	"  bl launch_main\n"
	"  brk #0\n");
#endif
