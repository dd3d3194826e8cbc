// fileio creates a file named after its pid in the directory argv[1],
// writes, appends, reads back, seeks, stats and unlinks it, printing each
// result (never the name).
//
// NB: not mkstemp. glibc 2.36 seeds mkstemp's names with a stack address and
// the clock, not getrandom, so under ASLR each variant asks for a different
// name: an address-derived value reaching a system call, which dmvx rightly
// calls a divergence (see docs/limits.md).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *s) {
	size_t n = strlen(s);
	return write(fd, s, n) == (ssize_t)n ? 0 : -1;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: fileio DIR\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/fileio-%d.tmp", argv[1], (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	for (int i = 1; i <= 3; i++) {
		char line[64];
		snprintf(line, sizeof line, "line %d\n", i);
		if (write_all(fd, line) != 0) {
			perror("write");
			return 1;
		}
	}
	close(fd);
	printf("wrote 3 lines\n");

	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write_all(fd, "appended line\n") != 0) {
		perror("append");
		return 1;
	}
	close(fd);
	printf("appended 1 line\n");

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	char buf[256];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0) {
		perror("read");
		return 1;
	}
	buf[n] = 0;
	printf("read %zd bytes:\n%s", n, buf);

	off_t off = lseek(fd, 7, SEEK_SET);
	n = read(fd, buf, 6);
	if (n < 0) {
		perror("read");
		return 1;
	}
	buf[n] = 0;
	printf("lseek to %lld, read \"%s\"\n", (long long)off, buf);
	printf("lseek SEEK_END: %lld\n", (long long)lseek(fd, 0, SEEK_END));

	struct stat st;
	if (fstat(fd, &st) != 0) {
		perror("fstat");
		return 1;
	}
	printf("fstat size: %lld, regular: %d, mode: %o\n", (long long)st.st_size,
	       S_ISREG(st.st_mode), (unsigned)(st.st_mode & 0777));
	close(fd);

	if (unlink(path) != 0) {
		perror("unlink");
		return 1;
	}
	errno = 0;
	int gone = stat(path, &st) != 0 && errno == ENOENT;
	printf("after unlink: %s\n", gone ? "ENOENT" : "still there");
	return gone ? 0 : 1;
}
