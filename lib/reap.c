/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reap engine: N worker threads claim chunks of a dying process's address
 * space through PIDFD_REAP, or one worker calls process_mrelease(2) on a
 * stock kernel. See include/teardownd/reap.h for the contract.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>

#include "teardownd/log.h"
#include "teardownd/procfs.h"
#include "teardownd/reap.h"
#include "teardownd/string-table.h"
#include "teardownd/time-util.h"

#define BUSY_RETRY_DEFAULT_USEC (200 * USEC_PER_MSEC)
/* a process killed but not dying yet: how long a worker naps before it asks again */
#define BUSY_RETRY_USEC (1 * USEC_PER_MSEC)
/*
 * How long workers wait for a dying process' exit to hand its address space
 * over (PIDFD_REAP answers EAGAIN until the final mm_users reference is
 * dropped: other threads, a vfork parent or child, a tracer or a core dump
 * may still use the memory). Past it they leave the teardown to the exit.
 */
#define HANDOVER_WAIT_USEC (10 * USEC_PER_SEC)
#define CHUNK_ALIGN (2ULL << 20)

static const char *const reap_backend_table[] = {
	[REAP_BACKEND_PIDFD_REAP] = "pidfd-reap",
	[REAP_BACKEND_MRELEASE] = "process_mrelease",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(reap_backend, int);

static const char *const reap_state_table[] = {
	[PIDFD_REAP_STATE_ALIVE] = "alive",
	[PIDFD_REAP_STATE_DYING] = "dying",
	[PIDFD_REAP_STATE_STASHED] = "stashed",
	[PIDFD_REAP_STATE_PARKED] = "parked",
	[PIDFD_REAP_STATE_GONE] = "gone",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(reap_state, unsigned);

int reap_pidfd_open(int pid) {
	int fd;

	if (pid <= 0)
		return -EINVAL;
	fd = (int) syscall(__NR_pidfd_open, pid, 0);
	if (fd < 0)
		return negative_errno();
	/* pidfd_open always sets O_CLOEXEC */
	return fd;
}

static int reap_ioctl(int pidfd, uint64_t flags, uint64_t chunk, struct pidfd_reap_args *ret) {
	struct pidfd_reap_args a = { .flags = flags, .chunk = chunk };

	if (ioctl(pidfd, PIDFD_REAP, &a) < 0)
		return negative_errno();
	*ret = a;
	return 0;
}

int reap_watch(int pidfd) {
	if (pidfd < 0)
		return -EBADF;
	if (ioctl(pidfd, PIDFD_REAP_WATCH, 0) < 0)
		return negative_errno();
	return 0;
}

int reap_query(int pidfd, unsigned *ret_state, uint64_t *ret_rss_left, unsigned *ret_info) {
	struct pidfd_reap_args a;
	int r;

	if (pidfd < 0)
		return -EBADF;
	r = reap_ioctl(pidfd, PIDFD_REAP_QUERY, 0, &a);
	if (r < 0)
		return r;
	if (ret_state)
		*ret_state = a.state;
	if (ret_rss_left)
		*ret_rss_left = a.rss_left;
	if (ret_info)
		*ret_info = a.info;
	return 0;
}

int reap_probe_backend(void) {
	_cleanup_close_ int fd = -EBADF;
	unsigned state;
	int r;

	fd = reap_pidfd_open(getpid());
	if (fd < 0)
		return log_debug_errno(fd, "pidfd_open(self) failed: %m");

	r = reap_query(fd, &state, NULL, NULL);
	if (r >= 0)
		return REAP_BACKEND_PIDFD_REAP;
	log_debug_errno(r, "PIDFD_REAP query failed, kernel lacks the pidfd reaper: %m");

	/* process_mrelease(-1) answers EBADF when the syscall exists. */
	if (syscall(__NR_process_mrelease, -1, 0) < 0 && errno == ENOSYS)
		return -ENOSYS;
	return REAP_BACKEND_MRELEASE;
}

typedef struct Shared {
	int pidfd;
	const ReapOptions *o;
	int backend;
	uint64_t chunk;
	uint64_t busy_deadline;
	uint64_t handover_deadline;

	_Atomic uint64_t bytes;
	_Atomic unsigned chunks;
	_Atomic unsigned esrch;
	_Atomic unsigned remaining;
	_Atomic unsigned state;
	_Atomic uint64_t rss_left;
	_Atomic int error;
	_Atomic bool released;
	_Atomic int mrelease_r;    /* process_mrelease: 0 or its -errno, 1 before the call */
	uint64_t t0;
	_Atomic uint64_t join_usec;    /* the slowest cgroup join */
	_Atomic uint64_t first_usec;   /* t0 to the first claim that reaped, 0 before it */

	pthread_mutex_t lock;
	char reason[160];
} Shared;

typedef struct Worker {
	Shared *s;
	pthread_t thread;
	uint64_t cpu_usec;
	bool started;
} Worker;

_printf_(3, 4)
static void set_error(Shared *s, int error, const char *fmt, ...) {
	int expected = 0;
	va_list ap;

	/* first error wins, its sentence too */
	if (!atomic_compare_exchange_strong(&s->error, &expected, error))
		return;
	pthread_mutex_lock(&s->lock);
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&s->lock);
}

static void set_reason(Shared *s, const char *fmt, ...) _printf_(2, 3);
static void set_reason(Shared *s, const char *fmt, ...) {
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (s->reason[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->lock);
}

static int join_cgroup(const ReapOptions *o) {
	static const char self[] = "0\n";
	_cleanup_close_ int fd = -EBADF;

	if (o->cgroup_fd >= 0)
		fd = openat(o->cgroup_fd, "cgroup.threads", O_WRONLY | O_CLOEXEC);
	else if (o->cgroup_path) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/cgroup.threads", o->cgroup_path) < 0)
			return -ENOMEM;
		fd = open(p, O_WRONLY | O_CLOEXEC);
	} else
		return 0;
	if (fd < 0)
		return negative_errno();

	/*
	 * "0" moves the writing thread, and the kernel (6.0 and later) then
	 * skips cgroup_threadgroup_rwsem (cgroup_procs_write_start()). Our
	 * own tid would take it for write, and percpu_down_write() waits for
	 * an RCU grace period while every fork() and every exiting thread on
	 * the machine waits for it: the victim's own threads in exit_signals()
	 * and the service manager forking the new instance among them. Under
	 * TCG that was 15-30 ms per worker of each teardown.
	 */
	if (write(fd, self, sizeof(self) - 1) != (ssize_t) sizeof(self) - 1)
		return negative_errno();
	return 1;
}

/* the first chunk reaped (or process_mrelease returned): the start-up is over */
static void mark_first(Shared *s) {
	uint64_t zero = 0;

	(void) atomic_compare_exchange_strong(&s->first_usec, &zero, now_usec(CLOCK_MONOTONIC) - s->t0 ?: 1);
}

static void worker_pidfd_reap(Shared *s) {
	for (;;) {
		struct pidfd_reap_args a;
		int r;

		if (atomic_load(&s->error) != 0)
			return;

		r = reap_ioctl(s->pidfd, PIDFD_REAP_NEXT, s->chunk, &a);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN) {
			/* dying, the mm not handed over yet: EPOLLPRI (or the exit) comes with it */
			uint64_t now = now_usec(CLOCK_MONOTONIC);
			struct pollfd pfd = { .fd = s->pidfd, .events = POLLPRI | POLLIN };

			if (now >= s->handover_deadline) {
				set_reason(s, "the process is dying but its exit did not hand the address space over "
					   "(a thread still runs, is traced or dumps core, or a vfork parent or child "
					   "shares it): left to its own exit");
				return;
			}
			(void) poll(&pfd, 1, (int) ((s->handover_deadline - now + 999) / 1000));
			continue;
		}
		if (r == -EBUSY && now_usec(CLOCK_MONOTONIC) < s->busy_deadline) {
			/* killed but not DYING yet: we are off the event loop, a short nap is fine */
			sleep_usec(BUSY_RETRY_USEC);
			continue;
		}
		if (r == -ESRCH) {
			atomic_fetch_add(&s->esrch, 1);
			set_reason(s, "PIDFD_REAP answered ESRCH: the process was not watched and already passed exit_mm");
			return;
		}
		if (r < 0) {
			set_error(s, r, "PIDFD_REAP_NEXT failed: %s%s", strerror(-r),
				  r == -EBUSY ? " (the process is alive and not dying)" : "");
			return;
		}

		atomic_fetch_add(&s->chunks, 1);
		atomic_store(&s->state, a.state);
		atomic_store(&s->rss_left, a.rss_left);
		if (a.reaped > 0) {
			uint64_t total;

			mark_first(s);
			total = atomic_fetch_add(&s->bytes, a.reaped) + a.reaped;

			if (s->o->progress)
				s->o->progress(total, s->o->userdata);
		}
		if (a.next == 0 || a.state == PIDFD_REAP_STATE_GONE)
			return;
	}
}

#define RELEASE_WAIT_USEC (2 * USEC_PER_SEC)

static void worker_release(Shared *s) {
	struct pidfd_reap_args a;
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + RELEASE_WAIT_USEC;
	int r;

	/*
	 * The workers stop early while the exit has not handed the mm over
	 * (DYING) only when they gave up waiting: RELEASE would then keep the
	 * mm from being parked. Wait a little longer (off any event loop) for
	 * EPOLLPRI (PARKED, STASHED) or the exit.
	 */
	for (;;) {
		uint64_t now;

		r = reap_ioctl(s->pidfd, PIDFD_REAP_QUERY, 0, &a);
		now = now_usec(CLOCK_MONOTONIC);
		if (r < 0 || a.state != PIDFD_REAP_STATE_DYING || now >= deadline)
			break;
		struct pollfd pfd = { .fd = s->pidfd, .events = POLLPRI | POLLIN };
		(void) poll(&pfd, 1, (int) ((deadline - now + 999) / 1000));
	}
	if (r >= 0 && a.state == PIDFD_REAP_STATE_GONE) {
		atomic_store(&s->state, a.state);
		atomic_store(&s->rss_left, a.rss_left);
		return; /* nothing to release: the exit finished it */
	}

	r = reap_ioctl(s->pidfd, PIDFD_REAP_RELEASE, 0, &a);
	if (r < 0) {
		/* STASHED/GONE mms have no park reference: nothing to release */
		log_debug_errno(r, "PIDFD_REAP_RELEASE failed, ignoring: %m");
		return;
	}
	atomic_store(&s->released, true);
	atomic_store(&s->state, a.state);
	atomic_store(&s->rss_left, a.rss_left);
	if (a.reaped > 0) {
		mark_first(s);
		atomic_fetch_add(&s->bytes, a.reaped);
	}
}

static void worker_mrelease(Shared *s) {
	for (;;) {
		if (syscall(__NR_process_mrelease, s->pidfd, 0) >= 0) {
			mark_first(s);
			atomic_store(&s->mrelease_r, 0);
			atomic_store(&s->state, PIDFD_REAP_STATE_GONE);
			return;
		}
		if (errno == EINTR)
			continue;
		atomic_store(&s->mrelease_r, negative_errno());
		if (errno == EINVAL && now_usec(CLOCK_MONOTONIC) < s->busy_deadline) {
			/* EINVAL: no pending SIGKILL seen yet (task_will_free_mem) */
			sleep_usec(BUSY_RETRY_USEC);
			continue;
		}
		if (errno == ESRCH) {
			atomic_fetch_add(&s->esrch, 1);
			set_reason(s, "process_mrelease answered ESRCH: the victim had already passed exit_mm, "
				   "its own exit tore the memory down (a stock kernel cannot keep the mm reachable)");
			return;
		}
		if (errno == EINVAL) {
			set_error(s, -EBUSY, "process_mrelease answered EINVAL: the process is not being killed "
				  "(no pending SIGKILL, coredumping, or its mm is shared with a live process)");
			return;
		}
		set_error(s, negative_errno(), "process_mrelease failed: %s", strerror(errno));
		return;
	}
}

static void *worker_main(void *p) {
	Worker *w = p;
	Shared *s = w->s;
	uint64_t t = now_usec(CLOCK_MONOTONIC), join;
	int r;

	r = join_cgroup(s->o);
	join = now_usec(CLOCK_MONOTONIC) - t;
	for (uint64_t cur = atomic_load(&s->join_usec); join > cur &&
	     !atomic_compare_exchange_weak(&s->join_usec, &cur, join);)
		;
	if (r < 0 && !s->o->cgroup_join_optional)
		set_error(s, r, "Failed to join worker cgroup %s: %s",
			  s->o->cgroup_path ?: "(fd)", strerror(-r));
	else if (r < 0)
		log_debug_errno(r, "Failed to join worker cgroup, ignoring: %m");

	if (atomic_load(&s->error) == 0) {
		if (s->backend == REAP_BACKEND_PIDFD_REAP)
			worker_pidfd_reap(s);
		else
			worker_mrelease(s);
	}

	/* the last worker out releases the park reference: final mmput in the worker cgroup */
	if (atomic_fetch_sub(&s->remaining, 1) == 1 &&
	    s->backend == REAP_BACKEND_PIDFD_REAP &&
	    atomic_load(&s->error) == 0)
		worker_release(s);

	w->cpu_usec = now_usec(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

int reap_run(int pidfd, const ReapOptions *o, ReapResult *ret) {
	static const ReapOptions defaults = REAP_OPTIONS_INIT;
	_cleanup_free_ Worker *workers = NULL;
	ReapResult res = {};
	Shared s = {};
	unsigned n, started = 0;
	bool release = false;
	uint64_t t0;
	int pid, backend;
	int r;

	if (pidfd < 0)
		return -EBADF;
	if (!o)
		o = &defaults;
	n = o->workers ?: 1;
	if (n > REAP_WORKERS_MAX)
		return -EINVAL;
	if (o->chunk % CHUNK_ALIGN != 0)
		return -EINVAL;

	backend = o->backend;
	if (backend == REAP_BACKEND_AUTO) {
		backend = reap_probe_backend();
		if (backend < 0)
			return backend;
	}
	if (backend != REAP_BACKEND_PIDFD_REAP && backend != REAP_BACKEND_MRELEASE)
		return -EINVAL;
	if (backend == REAP_BACKEND_MRELEASE)
		n = 1; /* process_mrelease reaps the whole mm in one call */

	pid = proc_read_pidfd_pid("/proc", pidfd);
	if (pid == -ENOTTY)
		return -EBADF;

	/* RSS before: the kernel's view on the patched path, /proc otherwise */
	if (backend == REAP_BACKEND_PIDFD_REAP) {
		unsigned st;

		r = reap_query(pidfd, &st, &res.rss_before, &res.info);
		if (r < 0 && r != -ESRCH)
			return r;
		res.info_known = r >= 0;
		if (r >= 0 && st == PIDFD_REAP_STATE_ALIVE) {
			/* maybe the kill has not landed yet: workers retry EBUSY for a moment */
		}
	} else if (o->rss_before > 0)
		res.rss_before = o->rss_before;
	else if (pid > 0)
		(void) proc_read_rss("/proc", pid, &res.rss_before);

	workers = calloc(n, sizeof(Worker));
	if (!workers)
		return -ENOMEM;

	s.pidfd = pidfd;
	s.o = o;
	s.backend = backend;
	s.chunk = o->chunk;
	pthread_mutex_init(&s.lock, NULL);
	atomic_store(&s.remaining, n);
	atomic_store(&s.mrelease_r, 1);

	t0 = now_usec(CLOCK_MONOTONIC);
	s.t0 = t0;
	s.busy_deadline = t0 + (o->busy_retry_usec ?: BUSY_RETRY_DEFAULT_USEC);
	s.handover_deadline = t0 + HANDOVER_WAIT_USEC;

	for (unsigned i = 0; i < n; i++) {
		char name[16];

		workers[i].s = &s;
		r = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (r != 0) {
			/* fewer workers than asked: the ones that run still finish the job. If they
			 * all finished already, none saw the count reach 0: RELEASE is ours. */
			release = atomic_fetch_sub(&s.remaining, n - i) == n - i;
			log_debug_errno(-r, "pthread_create failed after %u workers: %m", i);
			if (i == 0) {
				pthread_mutex_destroy(&s.lock);
				return -r;
			}
			break;
		}
		workers[i].started = true;
		started++;
		/* top, perf and a core dump tell the reap workers from the pool's threads */
		snprintf(name, sizeof(name), "td-reap-%u", i % 10000000);
		(void) pthread_setname_np(workers[i].thread, name);
	}

	for (unsigned i = 0; i < n; i++)
		if (workers[i].started) {
			pthread_join(workers[i].thread, NULL);
			res.cpu_usec += workers[i].cpu_usec;
		}
	if (release && backend == REAP_BACKEND_PIDFD_REAP && atomic_load(&s.error) == 0)
		worker_release(&s);
	res.duration_usec = now_usec(CLOCK_MONOTONIC) - t0;

	if (backend == REAP_BACKEND_PIDFD_REAP) {
		unsigned info;

		/* the OOM killer marks its victim after the SIGKILL: ask once more */
		if (reap_query(pidfd, NULL, NULL, &info) >= 0) {
			res.info |= info;
			res.info_known = true;
		}
	}

	res.backend = backend;
	res.workers = started;
	res.bytes = atomic_load(&s.bytes);
	res.chunks = atomic_load(&s.chunks);
	res.esrch = atomic_load(&s.esrch);
	res.state = atomic_load(&s.state);
	res.rss_left = atomic_load(&s.rss_left);
	res.released = atomic_load(&s.released);
	res.error = atomic_load(&s.error);
	res.join_usec = atomic_load(&s.join_usec);
	res.startup_usec = atomic_load(&s.first_usec);

	if (backend == REAP_BACKEND_MRELEASE) {
		int mr = atomic_load(&s.mrelease_r), after_r = -ESRCH;
		uint64_t after = 0;

		/*
		 * process_mrelease reports no byte count: measure what went away,
		 * and count it as ours only when the mm is still attached now (the
		 * victim not past exit_mm), else its own exit freed some of it too
		 */
		if (mr == 0)
			after_r = proc_read_rss("/proc", pid, &after);
		res.outcome = reap_outcome_classify(mr <= 0, mr, after_r, res.rss_before, after,
						    &res.bytes, &res.bytes_by_exit);
		res.rss_left = after_r >= 0 ? after : 0;
		if (res.outcome == REAP_OUTCOME_REAPED && after > res.rss_before / 20)
			snprintf(s.reason, sizeof(s.reason),
				 "process_mrelease reaps private anonymous memory only: "
				 "%llu bytes (shared, file-backed, hugetlb) are left to the process's own exit",
				 (unsigned long long) after);
		else if (res.outcome == REAP_OUTCOME_OVERLAPPED)
			snprintf(s.reason, sizeof(s.reason),
				 "the process's own exit passed exit_mm while process_mrelease ran: both freed "
				 "memory, the split is unknown, all of it counted as the exit's");
	}
	memcpy(res.reason, s.reason, sizeof(res.reason));
	if (res.reason[0] == '\0' && res.bytes == 0 && res.error == 0)
		snprintf(res.reason, sizeof(res.reason), "nothing was mapped any more when the workers ran");
	pthread_mutex_destroy(&s.lock);

	*ret = res;
	return res.error;
}
