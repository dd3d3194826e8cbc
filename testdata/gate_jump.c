// gate_jump plays a compromised variant that jumps to IP-MON's gate, the
// "syscall; ret" that the seccomp filter lets IP-MON's calls through, to
// make a call CP-MON would otherwise see. gate_jump_yes (-DJUMP) reads the
// gate's address from the control page (%gs:gate) and calls it in raw
// registers with the call argv[1] names:
//
//	unlinkat (the default)  unlinkat(AT_FDCWD, "victim", 0)
//	execve                  execve("/usr/bin/touch", {"touch", "jumped"}, {})
//	mprotect                mprotect(a page of its data, 4096, RWX)
//	socket                  socket(AF_INET, SOCK_STREAM, 0)
//
// gate_jump makes none of them. The filter allows only IP-MON's calls from
// the gate: each still stops for CP-MON (the last three are sensitive),
// which sees it in the follower alone. Run as --variant gate_jump
// --variant gate_jump_yes in a directory holding "victim", the run must
// stop as divergent, "victim" must survive and "jumped" must not appear.
// Built with -mno-red-zone: the call pushes a return address below the
// stack pointer.
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipmon.h"

#define SYS_unlinkat_ 263
#define SYS_execve_ 59
#define SYS_mprotect_ 10
#define SYS_socket_ 41
#define AT_FDCWD_ (-100L)

static char page[4096] __attribute__((aligned(4096)));

#ifdef JUMP
// gate calls IP-MON's gate with call nr and three arguments.
static long gate(long nr, long a, long b, long c) {
	long ret;
	__asm__ volatile("call *%%gs:%c5"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "i"(offsetof(struct dmvx_ctl, gate))
			 : "rcx", "r11", "memory");
	return ret;
}
#endif

int main(int argc, char **argv) {
	char buf[4096];
	const char *call = argc > 1 ? argv[1] : "unlinkat";
	for (int i = 0; i < 3; i++)
		if (getcwd(buf, sizeof buf) == NULL) {
			perror("getcwd");
			return 1;
		}
	page[0] = 1;
#ifdef JUMP
	static char *targv[] = {"touch", "jumped", NULL}, *tenv[] = {NULL};
	long ret;
	if (strcmp(call, "unlinkat") == 0)
		ret = gate(SYS_unlinkat_, AT_FDCWD_, (long)"victim", 0);
	else if (strcmp(call, "execve") == 0)
		ret = gate(SYS_execve_, (long)"/usr/bin/touch", (long)targv, (long)tenv);
	else if (strcmp(call, "mprotect") == 0)
		ret = gate(SYS_mprotect_, (long)page, sizeof page, 7);
	else if (strcmp(call, "socket") == 0)
		ret = gate(SYS_socket_, 2, 1, 0);
	else {
		fprintf(stderr, "gate_jump: unknown call %s\n", call);
		return 2;
	}
	printf("%s through the gate: %ld\n", call, ret);
#else
	(void)call;
#endif
	printf("done\n");
	return 0;
}
