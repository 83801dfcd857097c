/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Mirror of the pidfd reaper UAPI added to include/uapi/linux/pidfd.h by
 * kernel/patches/. Userspace includes this header so that it builds on stock
 * kernel headers; every definition is guarded so that it yields to the real
 * one when the installed headers already carry it. Keep in sync with the
 * patch series (tests/unit/test-uapi.c checks the layout).
 */
#ifndef TEARDOWND_UAPI_PIDFD_REAP_H
#define TEARDOWND_UAPI_PIDFD_REAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC 0xFF
#endif

#ifndef PIDFD_REAP_WATCH

/*
 * PIDFD_REAP_WATCH: arm the teardown record of the process behind the pidfd.
 * From now on its exit keeps the mm reachable: the last exit_mm either parks
 * the mm for userspace reapers (cgroup memory.teardown_mode=reaper and at
 * least memory.teardown_min bytes) or stashes a reference while the exiting
 * task tears it down itself, so that reapers can join instead of getting
 * ESRCH. Allocates everything up front: the exit path never allocates.
 * Only what the exit hands over is reaped: PIDFD_REAP answers EAGAIN while
 * the process is dying and its final mm_users reference has not been
 * dropped (other threads, a vfork parent or child, a tracer may still use
 * the memory), EBUSY while it is alive. The pidfd becomes readable with
 * EPOLLPRI at the hand-over (STASHED, PARKED).
 * Closing the file that armed the watch disarms it (a parked mm falls back
 * to the kernel, which reaps and releases it).
 */
#define PIDFD_REAP_WATCH	_IO(PIDFS_IOCTL_MAGIC, 0x40)
/*
 * Disarm the watch armed through this file (EPERM if another file armed
 * it); a parked mm falls back to the kernel's reapers.
 */
#define PIDFD_REAP_UNWATCH	_IO(PIDFS_IOCTL_MAGIC, 0x41)
/* Reap, query or release; see struct pidfd_reap_args. */
#define PIDFD_REAP		_IOWR(PIDFS_IOCTL_MAGIC, 0x42, struct pidfd_reap_args)

/* pidfd_reap_args.flags (at most one of NEXT, QUERY, RELEASE) */
#define PIDFD_REAP_NEXT		(1ULL << 0) /* claim the next chunk from the kernel cursor */
#define PIDFD_REAP_QUERY	(1ULL << 1) /* report state only, reap nothing */
#define PIDFD_REAP_RELEASE	(1ULL << 2) /* drop the park reference: final mmput here */
#define PIDFD_REAP_FLAGS_ALL	(PIDFD_REAP_NEXT | PIDFD_REAP_QUERY | PIDFD_REAP_RELEASE)

/* pidfd_reap_args.state */
#define PIDFD_REAP_STATE_ALIVE		0 /* running, mm in use */
#define PIDFD_REAP_STATE_DYING		1 /* group exiting, mm not handed over: EAGAIN */
#define PIDFD_REAP_STATE_STASHED	2 /* exit_mmap running in the task; reapers may join */
#define PIDFD_REAP_STATE_PARKED		3 /* task gone, mm held for the reapers */
#define PIDFD_REAP_STATE_GONE		4 /* nothing left to reap */

/*
 * Default chunk for PIDFD_REAP_NEXT when chunk == 0: 32 MiB. A claim is
 * about chunk bytes of address space. In a parked mm, the VMAs with a file
 * (hugetlb aside) that map 32 MiB or more are claimed first, in chunks of
 * their own, and a smaller VMA with a file whole, so a claim may be larger
 * or smaller. With NEXT, next is 0 once everything is claimed, which is
 * not reaped: other workers may still be reaping their claims, so RELEASE
 * only once every worker has returned. A call before that may claim
 * nothing (others took the rest, or it passed over claimed mappings):
 * call again. While the large file mappings are claimed, next does not
 * measure progress: it is a position in the cursor's pass, which comes
 * after them.
 */
#define PIDFD_REAP_CHUNK_DEFAULT	(32ULL << 20)
/*
 * At most this much mapped address space is reaped by one call: larger NEXT
 * chunks are capped; an explicit range stops there, and next is where it
 * stopped (0 if the whole range was done).
 */
#define PIDFD_REAP_CHUNK_MAX		(256ULL << 20)

struct pidfd_reap_args {
	__u64 flags;	/* in: PIDFD_REAP_* flags */
	__u64 start;	/* in: range start, page aligned (0, 0: whole mm) */
	__u64 end;	/* in: range end, page aligned, exclusive */
	__u64 chunk;	/* in: claim size with NEXT, multiple of PMD_SIZE, 0: default */
	__u64 reaped;	/* out: rss bytes unmapped by this call (no hugetlb) */
	__u64 next;	/* out: NEXT: 0 once all is claimed; range: its stop, 0 if done */
	__u64 rss_left;	/* out: bytes still mapped (anon + file + shmem rss) */
	__u32 state;	/* out: PIDFD_REAP_STATE_* */
	__u32 info;	/* in: must be 0; out: PIDFD_REAP_INFO_* */
};

/* pidfd_reap_args.info */
#define PIDFD_REAP_INFO_OOM_VICTIM	(1U << 0) /* killed by the kernel's OOM killer */
#define PIDFD_REAP_INFO_SHARED		(1U << 1) /* exited without the last reference */

#endif /* PIDFD_REAP_WATCH */

/* cgroup v2 files and memory.events keys added by the series */
#define TEARDOWN_MODE_FILE	"memory.teardown_mode"	/* sync | async | reaper */
#define TEARDOWN_MIN_FILE	"memory.teardown_min"	/* bytes, or "max" */
#define TEARDOWN_EVENT_PARK	"teardown_park"
#define TEARDOWN_EVENT_TIMEOUT	"teardown_timeout"
#define TEARDOWN_EVENT_ASYNC	"teardown_async"
#define TEARDOWN_SYSCTL_TIMEOUT	"/proc/sys/vm/teardown_park_timeout_ms"

#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

#endif /* TEARDOWND_UAPI_PIDFD_REAP_H */
