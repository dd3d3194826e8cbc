/*
 * stdio writes and reads through glibc's own syscall sites: fflush's write
 * and fgets's read are made from inside libc, where no wrapper of IP-MON
 * sees them. The first such call stops at CP-MON, which patches its site;
 * from the next one on IP-MON takes them by a function call.
 *
 * stdio N FILE appends N numbered lines to FILE (opened once,
 * for appending), flushing each, then reads them back and prints how many
 * lines and bytes it read, and a checksum.
 *
 * Built twice more for the divergence test: stdio_a and stdio_b differ only
 * in MSG (same length), which they print and flush after N lines of their
 * own, so that IP-MON, not CP-MON, meets the difference at a patched site.
 * Then comes an open that truncates (sensitive): the leader waits there,
 * in lockstep, for a follower that never arrives, so "done" never appears.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef MSG
#define MSG "hello\n"
#endif

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 100;
#ifdef DIVERGE
	for (int i = 0; i < n; i++) {
		printf("line %d\n", i);
		fflush(stdout);
	}
	fputs(MSG, stdout);
	fflush(stdout);
	int fd = open("/dev/null", O_WRONLY | O_TRUNC);
	if (fd < 0) {
		perror("open /dev/null");
		return 1;
	}
	close(fd);
	puts("done");
	return 0;
#else
	if (argc != 3) {
		fputs("usage: stdio N FILE\n", stderr);
		return 2;
	}
	const char *path = argv[2];
	FILE *f = fopen(path, "a+");
	if (!f) {
		perror(path);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (fprintf(f, "line %d of %d\n", i, n) < 0 || fflush(f) != 0) {
			perror("write");
			return 1;
		}
	}
	rewind(f);
	char buf[256];
	unsigned long lines = 0, bytes = 0, sum = 0;
	while (fgets(buf, sizeof buf, f)) {
		lines++;
		for (char *p = buf; *p; p++, bytes++)
			sum = sum * 31 + (unsigned char)*p;
	}
	fclose(f);
	printf("%lu lines, %lu bytes, checksum %lx\n", lines, bytes, sum);
	return 0;
#endif
}
