/*
 * The replication buffer (RB): one per logical thread, in memory shared by
 * every variant's IP-MON on a host. The leader's thread appends a record per
 * call (canonical call number, argument digest, result, output bytes); each
 * follower's twin reads it, checks its own call against it and copies the
 * result. The same layout is described in Go (internal/rb/layout.go); a Go
 * test compiles this header and compares every offset.
 *
 * Single producer (the leader), one consumer per follower. The leader only
 * writes head and the records; follower i only writes tail[i]. Everything a
 * reader takes from shared memory is read once and checked before use: a
 * compromised variant can write this memory.
 */
#ifndef DMVX_RB_H
#define DMVX_RB_H

typedef unsigned long long dmvx_u64;
typedef long long dmvx_i64;
typedef unsigned int dmvx_u32;

#define DMVX_RB_MAGIC 0x3130425258564d44ULL /* "DMVXRB01" */
#define DMVX_RB_VERSION 4
#define DMVX_RB_MAX_FOLLOWERS 7
#define DMVX_RB_HEADER_SIZE 512
#define DMVX_RB_ALIGN 8

/* Record kinds. */
#define DMVX_RB_CALL 1 /* one call's result */
#define DMVX_RB_PAD 2  /* filler to the end of the data area */
#define DMVX_RB_CPMON 3 /* the leader made this call through CP-MON (written by CP-MON) */

/*
 * The header is laid out by who writes what: each 64-byte line is written
 * by one side only, so that the leader's publishing and a follower's
 * consuming do not pull one cache line back and forth at every call. The
 * words that say "I am asleep" have lines of their own: they change
 * rarely, and the other side reads them at every call.
 */
struct dmvx_rb_header {
	/* line 0: set once (CP-MON) */
	dmvx_u64 magic;
	dmvx_u32 version;
	dmvx_u32 nfollowers;
	dmvx_u64 data_size; /* bytes of the data area after the header; power of two */
	dmvx_u32 closed;    /* CP-MON: the leader's thread is gone */
	unsigned char pad0[64 - 28];
	/* line 1: the leader */
	dmvx_u64 head;           /* bytes the leader has published (never wraps) */
	dmvx_u64 seq;            /* records the leader published */
	dmvx_u64 calls;          /* calls the leader's IP-MON took */
	dmvx_u64 leader_waits;   /* times the leader found the buffer full */
	dmvx_u64 min_tail;       /* the leader's last look at the followers' tails */
	dmvx_u32 follower_futex; /* bumped when followers must wake; they sleep here */
	dmvx_u32 pad1a;
	dmvx_u64 written;        /* bytes the leader has written; head <= written */
	dmvx_u64 local_end;      /* written, after the last record of a local file read */
	/* lines 2-3: the followers */
	dmvx_u64 tail[DMVX_RB_MAX_FOLLOWERS]; /* bytes each follower has consumed */
	dmvx_u32 leader_futex;                /* bumped when the leader must wake */
	dmvx_u32 pad2;
	dmvx_u64 seen[DMVX_RB_MAX_FOLLOWERS]; /* records each follower consumed */
	dmvx_u64 follower_waits;              /* times a follower slept for a record */
	/* line 4: followers, rarely */
	dmvx_u32 followers_sleeping; /* followers waiting for records: wake them... */
	dmvx_u32 pad4a;
	dmvx_u64 wake_head;          /* ...once written reaches this, or at once for I/O */
	unsigned char pad4[48];
	/* line 5: the leader, rarely */
	dmvx_u32 leader_sleeping; /* the leader waits for room: wake it... */
	dmvx_u32 pad5a;
	dmvx_u64 wake_at;         /* ...once the slowest tail reaches this */
	unsigned char pad5[48];
	/* lines 6-7: each follower's last look at head */
	dmvx_u64 head_seen[DMVX_RB_MAX_FOLLOWERS];
	unsigned char pad6[128 - 56];
};

struct dmvx_rb_record {
	dmvx_u32 size;    /* whole record, header included, a multiple of 8 */
	dmvx_u32 kind;    /* DMVX_RB_CALL or DMVX_RB_PAD */
	dmvx_u64 seq;     /* 1, 2, 3... per buffer */
	dmvx_u32 nr;      /* canonical call number */
	dmvx_u32 out_len; /* bytes of output that follow this header */
	dmvx_u64 digest;  /* digest of the canonical arguments */
	dmvx_i64 ret;     /* the call's result */
};

#define DMVX_RB_RECORD_SIZE 40

_Static_assert(sizeof(struct dmvx_rb_header) == DMVX_RB_HEADER_SIZE, "rb header size");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, closed) == 24, "rb closed");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, head) == 64, "rb head");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, seq) == 72, "rb seq");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, calls) == 80, "rb calls");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, leader_waits) == 88, "rb leader_waits");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, min_tail) == 96, "rb min_tail");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, follower_futex) == 104, "rb follower_futex");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, written) == 112, "rb written");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, local_end) == 120, "rb local_end");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, tail) == 128, "rb tail");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, leader_futex) == 184, "rb leader_futex");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, seen) == 192, "rb seen");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, follower_waits) == 248, "rb follower_waits");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, followers_sleeping) == 256, "rb followers_sleeping");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, wake_head) == 264, "rb wake_head");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, leader_sleeping) == 320, "rb leader_sleeping");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, wake_at) == 328, "rb wake_at");
_Static_assert(__builtin_offsetof(struct dmvx_rb_header, head_seen) == 384, "rb head_seen");
_Static_assert(sizeof(struct dmvx_rb_record) == DMVX_RB_RECORD_SIZE, "rb record size");

#endif
