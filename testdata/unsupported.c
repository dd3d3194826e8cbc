// unsupported makes a system call that dmvx has no rule for (io_uring_setup):
// natively it just fails or succeeds; under dmvx the run must stop with 125
// and a message naming the call and the variant, never let it pass.
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	unsigned char params[120];
	memset(params, 0, sizeof params);
	long r = syscall(SYS_io_uring_setup, 1, params);
	printf("io_uring_setup returned %ld\n", r);
	return 0;
}
