// sched_yield calls sched_yield(2) N times (argv[1], default 1000000).
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	for (long i = 0; i < n; i++)
		sched_yield();
	printf("sched_yield: %ld calls\n", n);
	return 0;
}
