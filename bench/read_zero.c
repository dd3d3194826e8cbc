// read_zero reads 512 bytes from /dev/zero N times (argv[1], default 1000000).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char buf[512];
	int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0) {
		perror("open /dev/zero");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
			perror("read");
			return 1;
		}
	}
	close(fd);
	printf("read_zero: %ld reads of %zu bytes\n", n, sizeof buf);
	return 0;
}
