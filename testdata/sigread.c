// sigread blocks in read() on a pipe nobody writes to until a timer's
// SIGALRM arrives (200 ms): once with a handler installed without SA_RESTART (the
// read ends with EINTR), once with SA_RESTART (the read goes on; the
// handler rearms the timer, and the next alarm's handler writes a byte
// into the pipe for the read to return).
// Under dmvx the read goes through IP-MON's gate, where the leader blocks:
// CP-MON must get the signal delivered in every variant at the same point.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int fds[2];

// arm sets a one-shot timer of 200 ms (SIGALRM).
static void arm(void) {
	struct itimerval it = {{0, 0}, {0, 200000}};
	setitimer(ITIMER_REAL, &it, NULL);
}
static volatile sig_atomic_t alarms;

static void on_alrm(int sig) {
	(void)sig;
	alarms++;
	if (alarms == 2)
		arm(); /* the read restarts; the next alarm feeds it */
	if (alarms == 3) {
		char c = 'x';
		if (write(fds[1], &c, 1) != 1)
			_exit(2);
	}
}

static void handle(int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0) {
		perror("sigaction");
		exit(1);
	}
}

int main(void) {
	char c;
	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}
	handle(0);
	arm();
	ssize_t n = read(fds[0], &c, 1);
	printf("read without SA_RESTART: %zd %s, alarms %d\n", n, n < 0 ? strerror(errno) : "", (int)alarms);
	handle(SA_RESTART);
	arm();
	n = read(fds[0], &c, 1);
	printf("read with SA_RESTART: %zd '%c', alarms %d\n", n, n == 1 ? c : '?', (int)alarms);
	return 0;
}
