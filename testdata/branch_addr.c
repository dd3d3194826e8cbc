// branch_addr takes 16 branches on bits of a stack address and a heap
// address, making getppid() for a set bit and getuid() for a clear one.
// Under ASLR the variants' call streams differ with probability 1-2^-16,
// and dmvx must stop the run at the first differing call.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
	volatile int local = 0;
	void *heap = malloc(64);
	uintptr_t bits = ((uintptr_t)&local >> 12) ^ ((uintptr_t)heap >> 4);
	for (int i = 0; i < 16; i++) {
		if (bits & ((uintptr_t)1 << i))
			local += (int)getppid();
		else
			local += (int)getuid();
	}
	free(heap);
	printf("done\n");
	return 0;
}
