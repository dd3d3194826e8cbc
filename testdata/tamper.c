// tamper plays a compromised follower that writes its replication buffer.
// tamper_yes (-DTAMPER) finds the buffer as an attacker inside the variant
// could: the %gs base (rdgsbase) is IP-MON's control page, whose rb_rel is
// the buffer's address relative to it; it then moves the buffer's head
// (the leader's count of published bytes) 1 MiB ahead, and makes one more
// IP-MON call. Run as --variant tamper --variant tamper_yes, IP-MON in the
// follower must see a head no leader writes and stop the run as tampered.
// tamper_rec (-DTAMPER_RECORD) plays a compromised leader instead: right
// after a call it changes the sequence number of the record IP-MON just
// wrote for it, before the follower has read it. Run as --variant
// tamper_rec --variant tamper, the follower's IP-MON must refuse the
// record as tampered, not copy its result.
// Without FSGSBASE (no rdgsbase in user mode) it prints "no fsgsbase".
#include <stddef.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "ipmon.h"

#define HWCAP2_FSGSBASE_ 2

// spin burns about n ms of CPU without a system call.
static void spin(int ms) {
	for (volatile long i = 0; i < ms * 1500000L; i++)
		;
}

int main(void) {
	if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_)) {
		printf("no fsgsbase\n");
		return 0;
	}
	char buf[4096];
	for (int i = 0; i < 5; i++)
		if (getcwd(buf, sizeof buf) == NULL) {
			perror("getcwd");
			return 1;
		}
	// Both builds pause here, so that the follower's last look at head
	// (IP-MON caches it) covers no record of the calls below: its next
	// call must read head again. The tampering follower pauses longer,
	// so that the leader has published those records and is parked at
	// exit_group in CP-MON when head moves: the leader does not write
	// head over, nor find it first (CP-MON would then report the leader's
	// buffer as full), and the follower's IP-MON is the one to see it.
	spin(10);
#ifdef TAMPER
	spin(40);
	unsigned long ctl;
	__asm__ volatile("rdgsbase %0" : "=r"(ctl));
	if (ctl != 0) {
		struct dmvx_ctl *c = (struct dmvx_ctl *)ctl;
		struct dmvx_rb_header *rb = (struct dmvx_rb_header *)(ctl + c->rb_rel);
		__atomic_fetch_add(&rb->head, 1ULL << 20, __ATOMIC_SEQ_CST);
	}
#endif
	if (getcwd(buf, sizeof buf) == NULL) {
		perror("getcwd");
		return 1;
	}
#ifdef TAMPER_RECORD
	// The records between the follower's tail and what this leader has
	// written are its own, not read yet (followers read in batches): walk
	// them and change the newest one's sequence number.
	unsigned long base;
	__asm__ volatile("rdgsbase %0" : "=r"(base));
	if (base != 0) {
		struct dmvx_ctl *c = (struct dmvx_ctl *)base;
		struct dmvx_rb_header *rb = (struct dmvx_rb_header *)(base + c->rb_rel);
		unsigned char *data = (unsigned char *)rb + DMVX_RB_HEADER_SIZE;
		unsigned long pos = rb->tail[0], end = rb->written;
		struct dmvx_rb_record *last = NULL;
		while (pos < end) {
			struct dmvx_rb_record *r = (struct dmvx_rb_record *)(data + pos % DMVX_RB_DATA);
			if (r->size < 8)
				break;
			if (r->kind == DMVX_RB_CALL)
				last = r;
			pos += r->size;
		}
		if (last != NULL)
			last->seq += 1000;
	}
#endif
	return write(1, "after\n", 6) == 6 ? 0 : 1;
}
