// getcwd calls getcwd(2) N times (argv[1], default 1000000).
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char buf[4096];
	for (long i = 0; i < n; i++) {
		if (getcwd(buf, sizeof buf) == NULL) {
			perror("getcwd");
			return 1;
		}
	}
	printf("getcwd: %ld calls\n", n);
	return 0;
}
