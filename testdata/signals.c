// signals exercises signal delivery with output that is the same on every
// run: a handler for a raised (synchronous) SIGUSR1, an alarm(1) SIGALRM
// caught in pause(), an ignored SIGPIPE turning a write into EPIPE, and
// SIGCHLD counted once per child while three children exit with 1, 2, 3.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_alrm, got_chld;

static void on_usr1(int sig) { got_usr1 = sig; }
static void on_alrm(int sig) { got_alrm = sig; }
static void on_chld(int sig) {
	(void)sig;
	got_chld++;
}

static void handle(int sig, void (*fn)(int)) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		perror("sigaction");
		exit(1);
	}
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);

	handle(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("SIGUSR1 handled: %s\n", got_usr1 == SIGUSR1 ? "yes" : "no");

	handle(SIGALRM, on_alrm);
	alarm(1);
	while (!got_alrm)
		pause();
	printf("SIGALRM handled after pause: %s\n", got_alrm == SIGALRM ? "yes" : "no");

	signal(SIGPIPE, SIG_IGN);
	int p[2];
	if (pipe(p) != 0) {
		perror("pipe");
		return 1;
	}
	close(p[0]);
	ssize_t n = write(p[1], "x", 1);
	printf("write to closed pipe: %zd %s\n", n, n < 0 && errno == EPIPE ? "EPIPE" : "unexpected");
	close(p[1]);

	// SIGCHLD stays blocked while each child is reaped, then sigsuspend
	// lets exactly one pending SIGCHLD in: the count cannot depend on how
	// the children's exits interleave with the parent.
	handle(SIGCHLD, on_chld);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (int i = 1; i <= 3; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(i);
		int status;
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return 1;
		}
		printf("child %d: exited=%d status=%d\n", i, WIFEXITED(status), WEXITSTATUS(status));
		while (got_chld < i)
			sigsuspend(&old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("SIGCHLD handled %d times\n", (int)got_chld);
	return 0;
}
