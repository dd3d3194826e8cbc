// escape plays a compromised variant that tries to leave dmvx's
// monitoring, then deletes "victim" in its working directory with a raw
// unlinkat: a call that, if monitoring were gone, would run unchecked.
// escape_yes (-DESCAPE) makes the attempt argv[1] names; escape makes
// none and only prints "done". Run as --variant escape --variant
// escape_yes, the run must stop (the follower alone makes the attempt or
// the unlinkat) and "victim" must survive. The attempts:
//
//	sigsys-block    block SIGSYS (the signal of seccomp's RET_TRAP)
//	sigsys-handler  a SIGSYS handler that ignores it
//	seccomp         a seccomp filter of its own that allows everything
//	sud             Syscall User Dispatch on, for all of its code
//	ptrace          PTRACE_ATTACH to process argv[2] (another variant,
//	                the monitor, any process)
//	vm-write        process_vm_writev into process argv[2]
//	proc-mem        opens /proc/self/mem for writing, to patch what
//	                IP-MON keeps read-only
//	personality     ADDR_NO_RANDOMIZE, to undo ASLR in a later exec
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif
#define ADDR_NO_RANDOMIZE_ 0x0040000

#ifdef ESCAPE
static void ignore(int sig) { (void)sig; }

static volatile char selector;

// attempt makes the escape attempt named what; it returns the result of
// its last call, or -2 for an unknown name.
static long attempt(const char *what, pid_t target) {
	if (strcmp(what, "sigsys-block") == 0) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSYS);
		return sigprocmask(SIG_BLOCK, &s, NULL);
	}
	if (strcmp(what, "sigsys-handler") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = ignore;
		return sigaction(SIGSYS, &sa, NULL);
	}
	if (strcmp(what, "seccomp") == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = {.len = 1, .filter = &allow};
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	}
	if (strcmp(what, "sud") == 0)
		return prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector);
	if (strcmp(what, "ptrace") == 0)
		return syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, target, 0, 0);
	if (strcmp(what, "vm-write") == 0) {
		static char word[8];
		struct iovec local = {word, sizeof word}, remote = {(void *)0x400000, sizeof word};
		return syscall(SYS_process_vm_writev, target, &local, 1, &remote, 1, 0);
	}
	if (strcmp(what, "proc-mem") == 0)
		return open("/proc/self/mem", O_RDWR);
	if (strcmp(what, "personality") == 0)
		return syscall(SYS_personality, ADDR_NO_RANDOMIZE_);
	return -2;
}
#endif

int main(int argc, char **argv) {
	const char *what = argc > 1 ? argv[1] : "";
	char buf[256];
	// A few calls alike in every variant first.
	for (int i = 0; i < 3; i++)
		if (getcwd(buf, sizeof buf) == NULL)
			return 1;
#ifdef ESCAPE
	long r = attempt(what, argc > 2 ? (pid_t)atol(argv[2]) : 1);
	if (r == -2) {
		fprintf(stderr, "escape: unknown attempt %s\n", what);
		return 2;
	}
	long u = syscall(SYS_unlinkat, AT_FDCWD, "victim", 0);
	printf("%s: %ld, unlinkat: %ld\n", what, r, u);
#else
	(void)what;
#endif
	printf("done\n");
	return 0;
}
