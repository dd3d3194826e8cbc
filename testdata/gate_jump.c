// gate_jump plays a compromised variant that jumps to IP-MON's gate, the
// "syscall; ret" that the seccomp filter lets IP-MON's calls through, to
// make a call CP-MON would otherwise see. gate_jump_yes (-DJUMP) reads the
// gate's address from the control page (%gs:gate) and calls it with
// unlinkat(AT_FDCWD, "victim", 0) in raw registers; gate_jump does not.
// The filter allows only IP-MON's calls from the gate: unlinkat still stops
// for CP-MON, which sees it in the follower alone. Run as --variant
// gate_jump --variant gate_jump_yes in a directory holding "victim", the
// run must stop as divergent and "victim" must survive. Built with
// -mno-red-zone: the call pushes a return address below the stack pointer.
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "ipmon.h"

#define SYS_unlinkat_ 263
#define AT_FDCWD_ (-100L)

int main(void) {
	char buf[4096];
	for (int i = 0; i < 3; i++)
		if (getcwd(buf, sizeof buf) == NULL) {
			perror("getcwd");
			return 1;
		}
#ifdef JUMP
	long ret;
	__asm__ volatile("call *%%gs:%c5"
			 : "=a"(ret)
			 : "0"((long)SYS_unlinkat_), "D"(AT_FDCWD_), "S"("victim"), "d"(0L),
			   "i"(offsetof(struct dmvx_ctl, gate))
			 : "rcx", "r11", "memory");
	printf("unlinkat through the gate: %ld\n", ret);
#endif
	printf("done\n");
	return 0;
}
