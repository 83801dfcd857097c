/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shared reap engine (libteardown_shared), used by teardownd and by
 * teardownctl. It drives the pidfd reaper UAPI of include/uapi/pidfd_reap.h
 * and falls back to process_mrelease(2) on a kernel without the patch.
 *
 * Threading: reap_run() blocks its caller and starts o->workers threads; it
 * is meant to be called off any event loop (teardownd runs it on a job pool,
 * teardownctl calls it directly). All functions return 0/positive on success
 * and -errno on failure; nothing here logs above LOG_DEBUG. Out-parameters
 * (ret, ret_*) are left untouched when a function fails.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "uapi/pidfd_reap.h"

typedef enum ReapBackend {
	REAP_BACKEND_AUTO = 0,     /* ReapOptions only: pick what reap_probe_backend() says */
	REAP_BACKEND_PIDFD_REAP = 1, /* PIDFD_REAP ioctls (patched kernel) */
	REAP_BACKEND_MRELEASE = 2,   /* process_mrelease(2): only after a SIGKILL, one thread, anon only */
} ReapBackend;

/* "pidfd-reap", "process_mrelease" (the D-Bus Backend strings), NULL if invalid. */
const char *reap_backend_to_string(int backend);
/* "alive", "dying", "stashed", "parked", "gone", NULL if invalid. */
const char *reap_state_to_string(unsigned state);

/*
 * What this kernel offers: REAP_BACKEND_PIDFD_REAP when PIDFD_REAP answers
 * (probed with a harmless QUERY on a pidfd of the caller), otherwise
 * REAP_BACKEND_MRELEASE when process_mrelease(2) exists, otherwise -ENOSYS.
 * Other negative errno values: pidfd_open() itself failed.
 */
int reap_probe_backend(void);

/* pidfd_open(2) wrapper: returns a new O_CLOEXEC pidfd or -errno. */
int reap_pidfd_open(int pid);

/*
 * PIDFD_REAP_WATCH on pidfd. Returns 0, -ENOTTY on a kernel without the
 * patch, -EPERM without CAP_SYS_NICE/ptrace access, -ESRCH when the process
 * is already past exit_mm, other -errno from the kernel. The watch lives as
 * long as the file behind pidfd (closing it disarms; the kernel then falls
 * back to asynchronous teardown, nothing leaks).
 */
int reap_watch(int pidfd);

/*
 * PIDFD_REAP_QUERY: fills *ret_state (PIDFD_REAP_STATE_*), *ret_rss_left
 * (bytes) and *ret_info (PIDFD_REAP_INFO_*: what the kernel knows about how
 * the process ended); each may be NULL. -ENOTTY without the patch.
 */
int reap_query(int pidfd, unsigned *ret_state, uint64_t *ret_rss_left, unsigned *ret_info);

/*
 * Progress callback, called from worker threads (concurrently: it must be
 * thread-safe and must not block) after every chunk, with the total bytes
 * reaped so far by all workers.
 */
typedef void (*ReapProgressFn)(uint64_t bytes_so_far, void *userdata);

typedef struct ReapOptions {
	unsigned workers;          /* worker threads, 1..REAP_WORKERS_MAX; 0 means 1. process_mrelease uses 1 */
	uint64_t chunk;            /* bytes per PIDFD_REAP_NEXT claim, multiple of 2 MiB; 0: kernel default (32 MiB) */
	int backend;               /* ReapBackend; REAP_BACKEND_AUTO probes */
	/*
	 * Threaded cgroup for the workers: each worker writes its own tid to
	 * cgroup.threads of this directory before it claims anything, so the
	 * cgroup's cpu.max is the CPU budget of the teardown. Use cgroup_fd
	 * (an O_DIRECTORY fd, >= 0) or cgroup_path; neither (-1/NULL): the
	 * workers stay in the caller's cgroup. Failing to join is an error of
	 * reap_run() (-errno, ret->reason says which) unless
	 * cgroup_join_optional is set.
	 */
	int cgroup_fd;
	const char *cgroup_path;
	bool cgroup_join_optional;
	/*
	 * How long a worker keeps retrying while PIDFD_REAP answers EBUSY
	 * (the kill was sent but the victim is not DYING yet); 0: 200 ms.
	 */
	uint64_t busy_retry_usec;
	/*
	 * process_mrelease only: the RSS the caller measured before it sent the
	 * kill (0: read /proc/PID/statm when the reap begins). The syscall
	 * reports no byte count, so bytes is this minus the RSS after it; a
	 * reading taken after the kill races the victim's own exit_mmap and
	 * can show any fraction of the real size.
	 */
	uint64_t rss_before;
	ReapProgressFn progress;
	void *userdata;
} ReapOptions;

#define REAP_WORKERS_MAX 64
#define REAP_OPTIONS_INIT { .workers = 1, .cgroup_fd = -1 }

/*
 * What happened to a process's memory on a stock kernel (process_mrelease),
 * where the syscall reports no byte count and races the victim's own exit.
 */
typedef enum ReapOutcome {
	REAP_OUTCOME_NONE = 0,       /* not known: the patched path (its byte counts are the kernel's) */
	REAP_OUTCOME_REAPED,         /* process_mrelease tore the mm down while the victim still held it */
	REAP_OUTCOME_OVERLAPPED,     /* process_mrelease returned 0 but the victim passed exit_mm meanwhile:
				      * both tore the mm down, the split is unknown, counted as the exit's */
	REAP_OUTCOME_LOST,           /* ESRCH: the victim passed exit_mm first, its own exit freed the memory */
	REAP_OUTCOME_EXITED,         /* no reap was tried (plain kill): the exit freed the memory */
	REAP_OUTCOME_FAILED,         /* process_mrelease failed otherwise (EINVAL: mm shared, coredump) */
	_REAP_OUTCOME_MAX,
} ReapOutcome;

/* "reaped", "overlapped", "lost", "exited", "failed"; NULL for NONE or invalid. */
const char *reap_outcome_to_string(int outcome);

/*
 * Pure: classifies one process_mrelease attempt. attempted: the call was
 * made; mrelease_r: its 0 or -errno (-EAGAIN: a VMA was skipped because its
 * mmu notifier would block, the rest reaped: a partial success); rss_after_r: 0 when the RSS after it
 * could be read (the victim still held its mm, rss_after valid), -errno
 * otherwise; rss_before: the RSS read before the kill. Fills *ret_reaped
 * (bytes our call freed: only when the mm was still attached afterwards, so
 * the difference is ours alone) and *ret_by_exit (the rest, which the
 * victim's own exit frees or freed). Both may be NULL.
 */
ReapOutcome reap_outcome_classify(bool attempted, int mrelease_r, int rss_after_r,
				  uint64_t rss_before, uint64_t rss_after,
				  uint64_t *ret_reaped, uint64_t *ret_by_exit);

typedef struct ReapResult {
	int backend;               /* ReapBackend actually used */
	uint64_t bytes;            /* bytes freed: sum of args.reaped (pidfd-reap) or RSS before - after (mrelease) */
	uint64_t rss_before;       /* RSS when the reap began (0 if unknown) */
	uint64_t rss_left;         /* bytes still mapped when the workers stopped (pidfd-reap: kernel's rss_left) */
	uint64_t duration_usec;    /* wall time, CLOCK_MONOTONIC, first claim to release */
	uint64_t cpu_usec;         /* sum of the workers' CLOCK_THREAD_CPUTIME_ID */
	uint64_t join_usec;        /* the slowest worker's move into the worker cgroup */
	uint64_t startup_usec;     /* reap_run() start to the first chunk reaped, or to process_mrelease's
				    * return, which reaps in one call (0: nothing was reaped) */
	unsigned workers;          /* threads that ran */
	unsigned chunks;           /* successful claims */
	unsigned esrch;            /* calls that answered ESRCH (the process was already torn down) */
	unsigned state;            /* last PIDFD_REAP_STATE_* seen (GONE after mrelease success) */
	bool released;             /* PIDFD_REAP_RELEASE done by one worker */
	bool info_known;           /* pidfd-reap: the kernel's QUERY answered, info is its word */
	unsigned info;             /* PIDFD_REAP_INFO_* from the kernel's QUERY before and after the workers */
	int outcome;               /* ReapOutcome: process_mrelease only, NONE on the patched path */
	uint64_t bytes_by_exit;    /* process_mrelease: bytes the victim's own exit freed (bytes is ours only) */
	int error;                 /* 0, or the -errno that stopped the reap (also the return value) */
	char reason[160];          /* human sentence when bytes == 0 or error != 0: why nothing/less was reaped */
} ReapResult;

/*
 * Reap the process behind pidfd, blocking until done. The process must be
 * dying: killed (SIGKILL), exiting, OOM-killed, or (pidfd-reap) parked.
 *
 * pidfd-reap: o->workers threads join the cgroup, then each loops
 * PIDFD_REAP_NEXT with o->chunk until next == 0 or state == GONE; the last
 * worker to finish calls PIDFD_REAP_RELEASE (the final mmput runs in it, so
 * in the worker cgroup).
 * process_mrelease: one worker joins the cgroup and calls process_mrelease;
 * ESRCH (the victim already passed exit_mm) is reported, not hidden: the
 * call returns 0 with ret->esrch = 1, bytes = 0 and ret->reason set.
 *
 * Returns 0 and fills *ret (also with partial results when a worker hit an
 * error after others reaped: then ret->error is set and the return value is
 * that error; *ret is filled in that case as well, the one exception to the
 * "untouched on failure" rule, so callers can report what happened).
 * -EINVAL for bad options, -EBUSY when the process is alive and not dying,
 * -ENOTTY/-ENOSYS when the backend is missing, -ENOMEM.
 */
int reap_run(int pidfd, const ReapOptions *o, ReapResult *ret);

/*
 * Kill and reap on a stock kernel (process_mrelease), where the reap after a
 * plain kill loses the race to the victim's own exit_mm most of the time.
 *
 * REAP_KILL_ARRANGED: a reaper thread of ours pins itself and every thread
 * of the victim (/proc/PID/task, until a pass finds no new one; new threads
 * inherit the mask) to one CPU both may use, takes SCHED_FIFO (refused: the
 * kill is not arranged, see no_fifo), then sends SIGKILL
 * through the pidfd and calls process_mrelease at once: the victim cannot
 * run between the two, so it is still before exit_mm when the reap starts.
 * Every victim thread gets its mask and policy back once the reap is done
 * (or the kill failed), so its exit runs where and as it would have. A
 * victim with real-time threads, or one no CPU of ours can run, is killed
 * unarranged (said in reason).
 * REAP_KILL_MRELEASE: kill, then process_mrelease at once, no arrangement.
 * REAP_KILL_PLAIN: kill, no reap (for comparison).
 * All wait up to wait_exit_usec for the exit (pidfd readable) to time it.
 */
typedef enum ReapKillMode {
	REAP_KILL_ARRANGED = 0,
	REAP_KILL_MRELEASE,
	REAP_KILL_PLAIN,
	_REAP_KILL_MODE_MAX,
} ReapKillMode;

typedef struct ReapKillOptions {
	int mode;                  /* ReapKillMode */
	bool no_fifo;              /* ARRANGED, measurement only: no SCHED_FIFO, the victim's threads at
				    * SCHED_IDLE instead (measured no better than no arrangement; without
				    * this, a refused SCHED_FIFO means the kill is not arranged) */
	bool helper;               /* ARRANGED, measurement only: a second thread, on another CPU, calls
				    * process_mrelease on the same mm at the same time (docs/stock-kernels.md) */
	uint64_t wait_exit_usec;   /* 0: 10 s */
} ReapKillOptions;

typedef struct ReapKillResult {
	int mode;
	int outcome;               /* ReapOutcome */
	bool arranged;             /* the victim was pinned and the reaper could not be preempted by it */
	bool fifo;                 /* ... by the reaper at SCHED_FIFO (false: the victim at SCHED_IDLE) */
	bool exited;               /* the pidfd reported the exit within wait_exit_usec */
	int cpu;                   /* the CPU of the arrangement, -1 */
	unsigned threads;          /* victim threads pinned */
	bool helped;               /* the helper thread ran its process_mrelease too */
	int mrelease_error;        /* 0 or the -errno of process_mrelease */
	uint64_t rss_before;       /* read just before the kill */
	uint64_t rss_after;        /* read just after process_mrelease, if the mm was still attached */
	uint64_t bytes_reaped;     /* freed by our process_mrelease (see reap_outcome_classify()) */
	uint64_t bytes_by_exit;    /* freed by the victim's own exit */
	uint64_t arrange_usec;     /* pinning and policy, before the kill */
	uint64_t release_usec;     /* kill sent -> process_mrelease returned (0: not called) */
	uint64_t exit_usec;        /* kill sent -> pidfd readable (the exit, after exit_mm) */
	uint64_t back_usec;        /* kill sent -> the anonymous memory was back: release (reaped) or exit */
	char reason[160];          /* why not reaped or not arranged, "" otherwise */
} ReapKillResult;

/* "arranged", "mrelease", "plain"; NULL if invalid. */
const char *reap_kill_mode_to_string(int mode);

/*
 * Returns 0 when the SIGKILL was sent (whatever the outcome: *ret says),
 * -errno when it could not be (the victim is as it was), -EINVAL on bad
 * options. Blocks until the exit or wait_exit_usec.
 */
int reap_kill(int pidfd, const ReapKillOptions *o, ReapKillResult *ret);
