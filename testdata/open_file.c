// open_file opens PATH (set at build time: open_a and open_b are built with
// different paths), reads it and prints the byte count. Run as two
// --variant builds, the variants' openat calls differ.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef PATH
#error "build with -DPATH='\"/some/file\"'"
#endif

int main(void) {
	int fd = open(PATH, O_RDONLY);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	char buf[4096];
	long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		total += n;
	close(fd);
	if (n < 0) {
		perror("read");
		return 1;
	}
	printf("read %ld bytes\n", total);
	return 0;
}
