// gsbase asks the kernel for its %gs base (arch_prctl ARCH_GET_GS), which
// is where IP-MON's control page is under dmvx: the program must see 0,
// as it does natively. It then tries to set the base, which dmvx refuses
// while IP-MON runs.
#include <asm/prctl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	unsigned long gs = 123;
	long r = syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	printf("ARCH_GET_GS: %ld, base %#lx\n", r, gs);
	r = syscall(SYS_arch_prctl, ARCH_SET_GS, 0x1000UL);
	printf("ARCH_SET_GS: %s\n", r == 0 ? "ok" : "refused");
	return 0;
}
