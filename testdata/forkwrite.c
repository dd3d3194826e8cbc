/*
 * forkwrite N: forks; the child writes N numbered lines and then MSG, each
 * with its own write(2), and exits; the parent waits for it and says how
 * it ended. The child is a forked process that does not exec: it gets
 * IP-MON of its own after a few calls, and its writes take the direct
 * path.
 *
 * Built twice more as fork_a and fork_b, which differ in MSG only (same
 * length): the follower's IP-MON in the child finds the difference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MSG
#define MSG "hello\n"
#endif

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 100;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		char line[64];
		for (int i = 0; i < n; i++) {
			int len = snprintf(line, sizeof line, "child line %d\n", i);
			if (write(1, line, len) != len)
				_exit(1);
		}
		if (write(1, MSG, strlen(MSG)) != (ssize_t)strlen(MSG))
			_exit(1);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
