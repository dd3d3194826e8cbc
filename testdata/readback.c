/*
 * readback FILE N: N times, append a line to FILE through one descriptor
 * (the leader's to write), then look at the file through another, opened
 * read-only, which every variant reads for itself: its size (fstat), its
 * last line (pread), and its size by name (stat, made at CP-MON). Prints
 * the sum of the sizes seen.
 *
 * The leader's writes go through IP-MON without waiting for the followers,
 * and a follower makes its own reads later than the leader: unless the
 * leader's next write waits for them, a follower reads a longer file than
 * the leader read, and the run stops on a false divergence.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 3) {
		fputs("usage: readback FILE N\n", stderr);
		return 2;
	}
	const char *path = argv[1];
	int n = atoi(argv[2]);
	int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int r = open(path, O_RDONLY);
	if (w < 0 || r < 0) {
		perror(path);
		return 1;
	}
	static const char line[] = "0123456789\n";
	long sum = 0;
	for (int i = 0; i < n; i++) {
		if (write(w, line, 11) != 11) {
			perror("write");
			return 1;
		}
		struct stat st, byname;
		char buf[16];
		if (fstat(r, &st) != 0 || pread(r, buf, 11, st.st_size - 11) != 11 || memcmp(buf, line, 11) != 0) {
			perror("read back");
			return 1;
		}
		if (i % 10 == 0) {
			if (stat(path, &byname) != 0 || byname.st_size != st.st_size) {
				fputs("stat by name disagrees\n", stderr);
				return 1;
			}
		}
		sum += st.st_size;
	}
	printf("%d lines, sizes summed %ld\n", n, sum);
	return 0;
}
