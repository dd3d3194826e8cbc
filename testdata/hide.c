// hide checks IP-MON's information hiding: nothing in the variant's
// writable memory may point at IP-MON's control page, its replication
// buffer or its gate, so that a memory disclosure cannot find them. It makes
// a few IP-MON calls (getcwd, a write to stdout, a read of a file), learns
// the three addresses through %gs as an attacker could (rdgsbase: the
// control page; its rb_rel and gate fields), keeps them only XOR-masked,
// then scans every writable mapping in /proc/self/maps, word by word, for
// any of them, and prints "hits: N". The scanner compares word ^ MASK with
// the masked targets, so that it never stores a raw address itself.
//
// "hide leak" stores the buffer's raw address in a global first: the scan
// must then find it (hits: 1 or more), which shows it can find one.
//
// Natively (no IP-MON) the %gs base is 0: it prints "no ipmon". Without
// FSGSBASE it prints "no fsgsbase".
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "ipmon.h"

#define HWCAP2_FSGSBASE_ 2
#define MASK 0x5bd1e9955bd1e995UL

// The masked addresses of the control page, the buffer and the gate. Each
// is computed from %gs in one asm statement, so that the raw address lives
// in a register only.
static unsigned long m_ctl, m_rb, m_gate;

static void learn(void) {
	unsigned long t;
	__asm__ volatile("rdgsbase %0\n\txor %1, %0" : "=&r"(t) : "r"(MASK));
	m_ctl = t;
	__asm__ volatile("rdgsbase %0\n\tadd %%gs:%c1, %0\n\txor %2, %0"
			 : "=&r"(t)
			 : "i"(offsetof(struct dmvx_ctl, rb_rel)), "r"(MASK));
	m_rb = t;
	__asm__ volatile("mov %%gs:%c1, %0\n\txor %2, %0"
			 : "=&r"(t)
			 : "i"(offsetof(struct dmvx_ctl, gate)), "r"(MASK));
	m_gate = t;
}

// within says whether the masked address m lies in [lo, hi).
static int within(unsigned long m, unsigned long lo, unsigned long hi) {
	return ((m ^ MASK) >= lo) & ((m ^ MASK) < hi);
}

static char maps[1 << 20];

// leaked holds the buffer's address with "hide leak".
static volatile unsigned long leaked;

int main(int argc, char **argv) {
	if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_)) {
		printf("no fsgsbase\n");
		return 0;
	}
	unsigned long gs;
	__asm__ volatile("rdgsbase %0" : "=r"(gs));
	if (gs == 0) {
		printf("no ipmon\n");
		return 0;
	}
	gs = 0;

	// IP-MON calls of several kinds first: whatever they leave behind
	// (stack, IP-MON's own data) is part of the scan.
	char cwd[4096];
	if (getcwd(cwd, sizeof cwd) == NULL) {
		perror("getcwd");
		return 1;
	}
	// The output's first half, written now so that a write is among them.
	if (write(1, "hits: ", 6) != 6) {
		perror("write");
		return 1;
	}
	int fd = open("/etc/passwd", O_RDONLY);
	if (fd < 0) {
		perror("open /etc/passwd");
		return 1;
	}
	char buf[512];
	if (read(fd, buf, sizeof buf) < 0) {
		perror("read");
		return 1;
	}
	close(fd);
	learn();
	if (argc > 1 && strcmp(argv[1], "leak") == 0)
		leaked = m_rb ^ MASK;

	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0) {
		perror("open /proc/self/maps");
		return 1;
	}
	size_t len = 0;
	ssize_t n;
	while (len < sizeof maps - 1 && (n = read(fd, maps + len, sizeof maps - 1 - len)) > 0)
		len += n;
	close(fd);
	maps[len] = 0;

	long hits = 0, mappings = 0;
	for (char *line = maps, *next; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		unsigned long lo, hi;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
			continue;
		if (perms[0] != 'r' || perms[1] != 'w')
			continue;
		if (strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		// IP-MON's own pages know where they are.
		if (within(m_ctl, lo, hi) || within(m_rb, lo, hi) || within(m_gate, lo, hi))
			continue;
		mappings++;
		for (const volatile unsigned long *p = (void *)lo; p < (const unsigned long *)hi; p++) {
			unsigned long w = *p ^ MASK;
			hits += (w == m_ctl) + (w == m_rb) + (w == m_gate);
		}
	}
	if (mappings == 0) {
		fprintf(stderr, "no writable mapping scanned\n");
		return 1;
	}
	printf("%ld\n", hits);
	return 0;
}
