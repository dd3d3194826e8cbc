/*
 * vulnsvc: a deliberately vulnerable network service, the target of
 * dmvx's security tests (docs/security.md). Never run it anywhere else.
 *
 * It listens on ADDR:PORT (argv[2], 127.0.0.1 when not given; argv[1], 0
 * picks a free port) and prints "listening PORT" once it does. Clients come one at a time; each gets
 * "vulnsvc ready" and sends commands, a line each:
 *
 *   NOTE text      keeps text as the session's note          -> OK
 *   PEEK i         the i-th 8-byte word of the session's      -> VAL hex
 *                  buffer; i is not checked (the information leak: the
 *                  words after the buffer are a libc function pointer
 *                  and a pointer into this program)
 *   DATA n         then n raw bytes, read into the session's  -> GOT n
 *                  64-byte buffer; n is not checked (the overflow: it
 *                  runs over the function pointer and its argument)
 *   LOGIN n        then n raw bytes, the user name, read into -> HELLO
 *                  a 16-byte field; n is not checked (a data-only
 *                  overflow: the next field says whether the user is
 *                  an administrator)
 *   SECRET         the secret, for an administrator           -> SECRET s
 *                                                             or DENIED
 *   QUIT           logs the note (the session's function     -> BYE
 *                  pointer, puts, called with its argument) and ends
 *                  the session
 *   SHUTDOWN       ends the session and the service          -> BYE
 *
 * Built as a distribution builds a program: PIE, with the stack
 * protector (which none of these bugs meets: they stay inside structs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char note[256] = "(no note)";

struct session {
	char buf[64];
	void (*log)(const char *);
	const char *arg;
};

struct account {
	char name[16];
	int admin;
};

static int reply(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* readn reads exactly n bytes: the bugs are in its callers, which trust
 * the client's n. */
static __attribute__((noinline)) int readn(int fd, void *p, size_t n)
{
	char *c = p;
	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* readline reads one line (without its newline) byte by byte, so that
 * raw bytes after it stay in the socket for DATA and LOGIN. */
static int readline(int fd, char *line, size_t size)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (n + 1 < size)
			line[n++] = c;
	}
	line[n] = 0;
	return 0;
}

/* session serves one client; it returns 1 when the service is to stop. */
static __attribute__((noinline)) int session(int fd)
{
	struct session s = {.log = (void (*)(const char *))puts, .arg = note};
	struct account a = {.admin = 0};
	char line[512], out[128];

	memset(s.buf, 0, sizeof s.buf);
	memset(a.name, 0, sizeof a.name);
	if (reply(fd, "vulnsvc ready\n") < 0)
		return 0;
	while (readline(fd, line, sizeof line) == 0) {
		if (strncmp(line, "NOTE ", 5) == 0) {
			size_t n = strnlen(line + 5, sizeof note - 1);
			memcpy(note, line + 5, n);
			note[n] = 0;
			reply(fd, "OK\n");
		} else if (strncmp(line, "PEEK ", 5) == 0) {
			long i = strtol(line + 5, NULL, 10);
			uint64_t w;
			memcpy(&w, s.buf + 8 * i, sizeof w); /* i unchecked */
			snprintf(out, sizeof out, "VAL %016llx\n", (unsigned long long)w);
			reply(fd, out);
		} else if (strncmp(line, "DATA ", 5) == 0) {
			size_t n = strtoul(line + 5, NULL, 10);
			if (readn(fd, s.buf, n) < 0) /* n unchecked */
				break;
			snprintf(out, sizeof out, "GOT %zu\n", n);
			reply(fd, out);
		} else if (strncmp(line, "LOGIN ", 6) == 0) {
			size_t n = strtoul(line + 6, NULL, 10);
			if (readn(fd, a.name, n) < 0) /* n unchecked */
				break;
			reply(fd, "HELLO\n");
		} else if (strcmp(line, "SECRET") == 0) {
			reply(fd, a.admin ? "SECRET the-cake-is-a-lie\n" : "DENIED\n");
		} else if (strcmp(line, "QUIT") == 0) {
			s.log(s.arg);
			fflush(stdout);
			reply(fd, "BYE\n");
			return 0;
		} else if (strcmp(line, "SHUTDOWN") == 0) {
			reply(fd, "BYE\n");
			return 1;
		} else {
			reply(fd, "ERR unknown command\n");
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: vulnsvc PORT [ADDR]\n");
		return 2;
	}
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (argc == 3 && inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "vulnsvc: %s is not an IPv4 address\n", argv[2]);
		return 2;
	}
	socklen_t len = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 4) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) < 0) {
		perror("vulnsvc: listen");
		return 1;
	}
	printf("listening %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("vulnsvc: accept");
			return 1;
		}
		int stop = session(fd);
		close(fd);
		if (stop)
			break;
	}
	close(ls);
	return 0;
}
