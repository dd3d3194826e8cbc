// segv dereferences NULL and so dies of SIGSEGV: dmvx must exit 128+11.
#include <stdio.h>

int main(void) {
	volatile int *p = NULL;
	fflush(stdout);
	*p = 1;
	return 0;
}
