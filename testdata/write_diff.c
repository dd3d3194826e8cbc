// write_diff is built twice: write_a writes "hello\n", write_b "jello\n"
// (MSG, set at build time; same length). Both make a few getcwd calls first,
// so that IP-MON is running, then write MSG through libc's write wrapper,
// which IP-MON takes: run as --variant write_a --variant write_b, the
// follower's check of the write against the leader's record is what finds
// the divergence, not CP-MON.
//
// The leader does not wait for followers at IP-MON's calls (asynchronous
// replication, docs/limits.md): its MSG is out before the follower checks
// it, and so would be a "done" written right after. Opening /dev/null for
// writing is sensitive: the leader waits there, in lockstep, for a follower
// that never arrives, so "done" must never be written.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef MSG
#error "build with -DMSG='\"hello\\n\"'"
#endif

int main(void) {
	char buf[4096];
	for (int i = 0; i < 5; i++)
		if (getcwd(buf, sizeof buf) == NULL) {
			perror("getcwd");
			return 1;
		}
	if (write(1, MSG, 6) != 6)
		return 1;
	int fd = open("/dev/null", O_WRONLY | O_TRUNC);
	if (fd < 0) {
		perror("open /dev/null");
		return 1;
	}
	close(fd);
	return write(1, "done\n", 5) == 5 ? 0 : 1;
}
