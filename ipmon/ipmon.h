/*
 * What CP-MON and IP-MON agree on: the pseudo-calls IP-MON makes to CP-MON,
 * the per-thread control page that CP-MON fills and IP-MON reads through
 * %gs, and the region that holds control pages, the descriptor map and the
 * replication buffers. The same values are in Go (internal/ipmon/abi.go); a
 * Go test compiles this header and compares them.
 *
 * Region of one process image in one variant (at a random address that
 * only CP-MON and the %gs base of the process's threads know):
 *
 *   +0                 descriptor map: one byte per fd (DMVX_FD_*);  read+write
 *                      CP-MON writes it, IP-MON too when it runs close,
 *                      dup or fcntl(F_DUPFD), and CP-MON reads it back
 *   +4096              epoll map: the leader's epoll_event.data to this
 *                      variant's, per epoll descriptor (followers)   read-only
 *   +4096*(1+EP)       control page of thread slot 0                 read-only
 *   ...                control pages of slots 1..DMVX_SLOTS-1
 *   +4096*(1+EP+SLOTS) the dead page: active == 0, for tasks that must not
 *                      use IP-MON (forked children, threads past the last slot)
 *   +DMVX_CTL_SPAN     replication buffers, DMVX_RB_SPAN bytes per slot,
 *                      shared with the same process of every other variant
 *
 * Read-only pages are written by CP-MON through /proc/PID/mem. IP-MON never
 * holds their addresses in memory: it reaches its page as %gs:offset, and
 * the rest by offsets stored there.
 */
#ifndef DMVX_IPMON_H
#define DMVX_IPMON_H

#include "rb.h"

#define DMVX_ABI_VERSION 3
#define DMVX_CTL_MAGIC 0x4c544358564d44ULL /* "DMVXCTL" */

/* Pseudo-calls: numbers no kernel has; the filter sends them to CP-MON. */
/* (magic, version, stubs, stubs_len, site_entry): register this image's
 * IP-MON, with the area CP-MON writes site stubs into and their target. */
#define DMVX_NR_REGISTER 0xd4d0
#define DMVX_NR_DIVERGE 0xd4d1  /* (reason, nr, args[6]*, record seq): a follower's call differs */

/* Reasons given with DMVX_NR_DIVERGE. */
#define DMVX_DIV_CALL 1     /* another call than the leader's */
#define DMVX_DIV_ARGS 2     /* same call, other arguments */
#define DMVX_DIV_RESULT 3   /* a call every variant executes gave another result */
#define DMVX_DIV_TAMPERED 4 /* the buffer holds what no leader writes */

#define DMVX_PAGE 4096
#define DMVX_SLOTS 64
#define DMVX_RB_DATA 1048576                             /* data area per buffer */
#define DMVX_RB_SPAN (DMVX_RB_HEADER_SIZE + DMVX_RB_DATA + DMVX_PAGE - DMVX_RB_HEADER_SIZE) /* 1028 KiB */
#define DMVX_EPOLL_PAGES 24
#define DMVX_EPOLL_SLOTS (DMVX_EPOLL_PAGES * DMVX_PAGE / 24)
#define DMVX_CTL_SPAN (DMVX_PAGE * (2 + DMVX_EPOLL_PAGES + DMVX_SLOTS))
#define DMVX_MAX_FD 4088     /* the descriptor map's entries... */
#define DMVX_FDMAP_GEN 4088  /* ...then a u64 IP-MON bumps at each change it makes */
#define DMVX_MAX_NR 512
#define DMVX_STUBS_SIZE 16384 /* the stub area: DMVX_STUB_SIZE bytes a patched site */
#define DMVX_STUB_SIZE 32

/* Descriptor classes in the map. */
#define DMVX_FD_UNKNOWN 0 /* not IP-MON's: the call goes to CP-MON */
#define DMVX_FD_LOCAL 1   /* every variant has its own open file */
#define DMVX_FD_LEADER 2  /* the leader's; followers get its results */
#define DMVX_FD_SOCKET 3  /* the leader's, and a socket (policy levels socket-*) */
#define DMVX_FD_OWN 4     /* every variant's own, with content that differs
			   * between variants (/proc, /sys): not compared */
#define DMVX_FD_CPMON 5   /* open, but only CP-MON may handle it (an epoll
			   * descriptor whose map did not fit) */
#define DMVX_FD_FILE 6    /* the leader's, a file it writes: as LEADER, and
			   * a write waits until every follower has made its
			   * own reads of local files that came before */

/* ctl.sockets: what the policy lets IP-MON do on sockets. */
#define DMVX_SOCK_READ 1
#define DMVX_SOCK_WRITE 2

/* A gate call returns this when CP-MON wants the call made through it
 * instead (a signal is waiting to be delivered at a rendezvous). */
#define DMVX_RESYNC (-4090L)

/* The gate that CP-MON maps (read+exec) at a random address per variant:
 * "syscall; ret". The filter allows the IP-MON calls of the active policy
 * from gate + 2 only. */
#define DMVX_GATE_LEN 3

struct dmvx_ctl {
	dmvx_u64 magic;   /* DMVX_CTL_MAGIC */
	dmvx_u64 gate;    /* address of the gate */
	dmvx_u32 active;  /* 0: take every call to CP-MON */
	dmvx_u32 role;    /* 0 leader, 1 follower */
	dmvx_u32 follower; /* this follower's index in the buffer (0..) */
	dmvx_u32 spin;    /* polls of the buffer before sleeping; 0: never spin */
	dmvx_u32 sync_req; /* CP-MON asks for the next call to come to it */
	dmvx_u32 variant; /* this variant's index (counters) */
	dmvx_i64 fdmap_rel; /* descriptor map, relative to this page */
	dmvx_i64 rb_rel;    /* this slot's buffer, relative to this page */
	dmvx_u64 rb_addr;   /* its absolute address, for futex calls only */
	dmvx_u64 key;       /* digest key of the run */
	dmvx_u32 sockets;   /* DMVX_SOCK_* */
	dmvx_i64 epoll_rel; /* epoll map, relative to this page */
	dmvx_u32 copy_local; /* ship small results of calls every variant could run */
	dmvx_u32 open_write; /* openat may open existing files for writing (nonsocket-rw) */
	dmvx_u32 leader_stat; /* fstat of a local file gives the leader's result (variants on several hosts) */
	unsigned char reserved[128 - 100];
	unsigned char allowed[DMVX_MAX_NR / 8]; /* calls IP-MON may take */
};

_Static_assert(__builtin_offsetof(struct dmvx_ctl, gate) == 8, "ctl gate");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, active) == 16, "ctl active");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, sync_req) == 32, "ctl sync_req");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, fdmap_rel) == 40, "ctl fdmap_rel");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, key) == 64, "ctl key");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, sockets) == 72, "ctl sockets");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, epoll_rel) == 80, "ctl epoll_rel");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, copy_local) == 88, "ctl copy_local");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, open_write) == 92, "ctl open_write");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, leader_stat) == 96, "ctl leader_stat");
_Static_assert(__builtin_offsetof(struct dmvx_ctl, allowed) == 128, "ctl allowed");

/* One entry of the epoll map: open addressing, linear probing from
 * dmvx_epoll_hash(epfd, key) % DMVX_EPOLL_SLOTS, up to an empty entry. */
struct dmvx_epoll_entry {
	dmvx_u32 epfd;
	dmvx_u32 state; /* 0 empty, 1 used, 2 deleted */
	dmvx_u64 key;   /* the leader's data */
	dmvx_u64 val;   /* this variant's data for the same descriptor */
};
_Static_assert(sizeof(struct dmvx_epoll_entry) == 24, "epoll entry");
#define DMVX_EPOLL_USED 1
#define DMVX_EPOLL_DELETED 2

static inline dmvx_u64 dmvx_epoll_hash(dmvx_u32 epfd, dmvx_u64 key) {
	dmvx_u64 h = (key ^ ((dmvx_u64)epfd << 32)) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}
_Static_assert(DMVX_RB_SPAN == 1052672, "rb span");

#endif
