// leak_ptr writes the address of a stack variable to stdout. Under ASLR each
// variant writes different bytes, so the write must be stopped as a
// divergence before anything reaches stdout.
#include <stdio.h>

int main(void) {
	int local = 0;
	printf("%p\n", (void *)&local);
	return local;
}
