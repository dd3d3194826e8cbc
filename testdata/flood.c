// flood writes 60000 lines of 100 bytes to stdout, one write(2) per line
// (no stdio buffering): 60000 IP-MON calls, whose records fill the 1 MiB
// replication buffer twice over. flood_slow (-DSLOW) spins about 20 µs
// in pure computation (no system call) before each write: as a follower of
// flood, it makes the leader find the buffer full and wait for it.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINES 60000
#define WIDTH 100

int main(void) {
	char line[WIDTH];
	for (int i = 0; i < LINES; i++) {
#ifdef SLOW
		// About 20 µs on a current x86 core; the volatile keeps the
		// loop, and makes no call.
		for (volatile int j = 0; j < 30000; j++)
			;
#endif
		memset(line, 'a' + i % 26, WIDTH - 1);
		int n = snprintf(line, WIDTH, "%05d ", i);
		line[n] = ' ';
		line[WIDTH - 1] = '\n';
		if (write(1, line, WIDTH) != WIDTH) {
			perror("write");
			return 1;
		}
	}
	return 0;
}
