// nondet prints values that differ from run to run (clocks, random bytes,
// pids) and checks that they are consistent with each other within the run.
// Under dmvx it must raise no alarm: the leader's values are replicated.
// Exit status 0 when everything is consistent, 1 otherwise.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int bad;

static void check(int ok, const char *what) {
	if (!ok) {
		printf("INCONSISTENT: %s\n", what);
		bad = 1;
	}
}

static void hex(const char *label, const unsigned char *b, size_t n) {
	printf("%s: ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void) {
	time_t t = time(NULL);
	struct timespec rt, mono1, mono2;
	struct timeval tv;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	gettimeofday(&tv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &mono2);
	printf("time: %lld\n", (long long)t);
	printf("realtime: %lld.%09ld\n", (long long)rt.tv_sec, rt.tv_nsec);
	printf("monotonic: %lld.%09ld\n", (long long)mono1.tv_sec, mono1.tv_nsec);
	printf("gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	check(rt.tv_sec - t >= 0 && rt.tv_sec - t <= 2, "time vs realtime");
	check(tv.tv_sec - rt.tv_sec >= 0 && tv.tv_sec - rt.tv_sec <= 2, "realtime vs gettimeofday");
	check(mono2.tv_sec > mono1.tv_sec ||
	          (mono2.tv_sec == mono1.tv_sec && mono2.tv_nsec >= mono1.tv_nsec),
	      "monotonic goes backwards");

	unsigned char rnd[16];
	check(getrandom(rnd, sizeof rnd, 0) == (ssize_t)sizeof rnd, "getrandom length");
	hex("getrandom", rnd, sizeof rnd);

	unsigned char urnd[16];
	int fd = open("/dev/urandom", O_RDONLY);
	check(fd >= 0, "open /dev/urandom");
	check(read(fd, urnd, sizeof urnd) == (ssize_t)sizeof urnd, "read /dev/urandom length");
	close(fd);
	hex("urandom", urnd, sizeof urnd);

	pid_t pid = getpid(), ppid = getppid(), tid = gettid();
	printf("pid: %d\nppid: %d\ntid: %d\n", pid, ppid, tid);
	check(tid == pid, "main thread's tid != pid");
	check(getpid() == pid, "getpid changed");

	int p[2];
	check(pipe(p) == 0, "pipe");
	fflush(stdout);
	pid_t child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		pid_t self = getpid();
		pid_t parent = getppid();
		int ok = write(p[1], &self, sizeof self) == sizeof self &&
		         write(p[1], &parent, sizeof parent) == sizeof parent;
		_exit(ok ? 0 : 1);
	}
	close(p[1]);
	pid_t seen = -1, seen_parent = -1;
	check(read(p[0], &seen, sizeof seen) == sizeof seen, "read child's pid");
	check(read(p[0], &seen_parent, sizeof seen_parent) == sizeof seen_parent, "read child's ppid");
	close(p[0]);
	int status;
	pid_t waited = waitpid(child, &status, 0);
	printf("fork returned: %d\nchild's getpid: %d\nwaitpid returned: %d\n", child, seen, waited);
	check(seen == child, "fork's return != child's getpid");
	check(waited == child, "waitpid's return != fork's return");
	check(seen_parent == pid, "child's getppid != parent's getpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child's status");
	printf("%s\n", bad ? "inconsistent" : "consistent");
	return bad;
}
