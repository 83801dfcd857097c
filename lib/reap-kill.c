/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The arranged kill of a stock kernel: win the process_mrelease race by not
 * letting the victim run between the SIGKILL and the reap.
 *
 * process_mrelease(2) reaps only while some thread of the victim still holds
 * the mm (find_lock_task_mm) and the victim is known to be dying
 * (task_will_free_mem: SIGNAL_GROUP_EXIT, set by complete_signal() before
 * pidfd_send_signal() returns). After a plain kill the victim's threads wake
 * on their own CPUs and run do_exit -> exit_mm within microseconds, while the
 * killer still returns from one syscall and enters the next: ESRCH. Pinning
 * every victim thread to the reaper's CPU, the reaper at SCHED_FIFO, leaves
 * the victim no CPU until the reaper sleeps, and it does not sleep between
 * the two calls. See include/teardownd/reap.h and docs/stock-kernels.md.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "teardownd/log.h"
#include "teardownd/procfs.h"
#include "teardownd/reap.h"
#include "teardownd/string-table.h"

#define WAIT_EXIT_DEFAULT_USEC (10 * USEC_PER_SEC)
#define PIN_PASSES_MAX 64

static const char *const reap_outcome_table[] = {
	[REAP_OUTCOME_REAPED] = "reaped",
	[REAP_OUTCOME_OVERLAPPED] = "overlapped",
	[REAP_OUTCOME_LOST] = "lost",
	[REAP_OUTCOME_EXITED] = "exited",
	[REAP_OUTCOME_FAILED] = "failed",
};

static const char *const reap_kill_mode_table[] = {
	[REAP_KILL_ARRANGED] = "arranged",
	[REAP_KILL_MRELEASE] = "mrelease",
	[REAP_KILL_PLAIN] = "plain",
};

/* REAP_OUTCOME_NONE has no name: its slot stays NULL */
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(reap_outcome, int);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(reap_kill_mode, int);

ReapOutcome reap_outcome_classify(bool attempted, int mrelease_r, int rss_after_r,
				  uint64_t rss_before, uint64_t rss_after,
				  uint64_t *ret_reaped, uint64_t *ret_by_exit) {
	uint64_t reaped = 0, by_exit = rss_before;
	ReapOutcome o;

	if (!attempted)
		o = REAP_OUTCOME_EXITED;
	else if (mrelease_r == -ESRCH)
		o = REAP_OUTCOME_LOST;
	else if (mrelease_r < 0 && mrelease_r != -EAGAIN)
		/* EAGAIN: a VMA's mmu notifier (KVM, a device) would have blocked, the others were
		 * reaped: counted like success, the RSS after says how much */
		o = REAP_OUTCOME_FAILED;
	else if (rss_after_r < 0)
		/* the exit got past exit_mm during or right after our call: who freed what is unknown */
		o = REAP_OUTCOME_OVERLAPPED;
	else {
		o = REAP_OUTCOME_REAPED;
		reaped = rss_before > rss_after ? rss_before - rss_after : 0;
		by_exit = rss_before - reaped;
	}
	if (ret_reaped)
		*ret_reaped = reaped;
	if (ret_by_exit)
		*ret_by_exit = by_exit;
	return o;
}

static uint64_t now_usec(void) {
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

typedef struct Pinned {
	pid_t tid;
	cpu_set_t mask;            /* the thread's affinity before we pinned it */
	int policy;                /* its policy (with SCHED_RESET_ON_FORK) if we changed it, -1 */
	struct sched_param param;
} Pinned;

typedef struct Arrangement {
	pid_t pid;
	int cpu;
	bool idle;                 /* victim threads go to SCHED_IDLE (no FIFO for the reaper) */
	Pinned *threads;
	size_t n, allocated;
} Arrangement;

static Pinned *arrangement_find(Arrangement *a, pid_t tid) {
	for (size_t i = 0; i < a->n; i++)
		if (a->threads[i].tid == tid)
			return &a->threads[i];
	return NULL;
}

/* Puts every pinned thread back as it was; threads that exited meanwhile are fine. */
static void arrangement_restore(Arrangement *a) {
	for (size_t i = 0; i < a->n; i++) {
		Pinned *p = &a->threads[i];

		if (p->policy >= 0 && sched_setscheduler(p->tid, p->policy, &p->param) < 0 && errno != ESRCH)
			log_debug_errno(negative_errno(), "Failed to restore the policy of thread %d: %m", (int) p->tid);
		if (sched_setaffinity(p->tid, sizeof(p->mask), &p->mask) < 0 && errno != ESRCH)
			log_debug_errno(negative_errno(), "Failed to restore the affinity of thread %d: %m", (int) p->tid);
	}
	a->n = 0;
}

static void arrangement_done(Arrangement *a) {
	free(a->threads);
	a->threads = NULL;
	a->n = a->allocated = 0;
}

/* Pins one thread (and, in the idle form, demotes it); 0, 1 when it exited meanwhile, -errno. */
static int pin_thread(Arrangement *a, pid_t tid) {
	cpu_set_t one;
	Pinned *p;
	int policy;

	if (a->n == a->allocated) {
		size_t m = a->allocated ? a->allocated * 2 : 16;
		Pinned *t = reallocarray(a->threads, m, sizeof(Pinned));

		if (!t)
			return -ENOMEM;
		a->threads = t;
		a->allocated = m;
	}
	p = &a->threads[a->n];
	*p = (Pinned) { .tid = tid, .policy = -1 };

	policy = sched_getscheduler(tid);
	if (policy < 0)
		return errno == ESRCH ? 1 : negative_errno();
	switch (policy & ~SCHED_RESET_ON_FORK) {
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
		break;
	default:
		/* a real-time thread would preempt the reaper: not ours to demote */
		return -EPERM;
	}
	if (sched_getaffinity(tid, sizeof(p->mask), &p->mask) < 0)
		return errno == ESRCH ? 1 : negative_errno();

	CPU_ZERO(&one);
	CPU_SET(a->cpu, &one);
	if (sched_setaffinity(tid, sizeof(one), &one) < 0)
		return errno == ESRCH ? 1 : negative_errno();
	a->n++; /* from here on restore puts it back */

	if (a->idle && (policy & ~SCHED_RESET_ON_FORK) != SCHED_IDLE) {
		struct sched_param zero = {};

		if (sched_getparam(tid, &p->param) < 0)
			return errno == ESRCH ? 1 : negative_errno();
		if (sched_setscheduler(tid, SCHED_IDLE | (policy & SCHED_RESET_ON_FORK), &zero) < 0)
			return errno == ESRCH ? 1 : negative_errno();
		p->policy = policy;
	}
	return 0;
}

/* One pass over /proc/PID/task: pins the threads not pinned yet. Returns how many were new, or -errno. */
static int pin_pass(Arrangement *a) {
	_cleanup_closedir_ DIR *d = NULL;
	char path[64];
	struct dirent *de;
	int added = 0, r;

	snprintf(path, sizeof(path), "/proc/%d/task", (int) a->pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : negative_errno();
	while ((errno = 0, de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end != '\0' || tid <= 0)
			continue;
		if (arrangement_find(a, (pid_t) tid))
			continue;
		r = pin_thread(a, (pid_t) tid);
		if (r < 0)
			return r;
		if (r == 0)
			added++;
	}
	if (errno != 0)
		return negative_errno();
	return added;
}

/* The CPU of the arrangement: one the reaper and the victim's main thread may both use; -errno. */
static int pick_cpu(pid_t pid) {
	cpu_set_t ours, theirs, both;
	int cur;

	if (sched_getaffinity(0, sizeof(ours), &ours) < 0 ||
	    sched_getaffinity(pid, sizeof(theirs), &theirs) < 0)
		return negative_errno();
	CPU_AND(&both, &ours, &theirs);
	if (CPU_COUNT(&both) == 0)
		return -EXDEV;
	/* where we are: no migration for the reaper */
	cur = sched_getcpu();
	if (cur >= 0 && CPU_ISSET(cur, &both))
		return cur;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &both))
			return c;
	return -EXDEV;
}

/*
 * The helper of o->helper: pinned to another CPU than the arrangement's, it
 * spins until the reaper has sent the kill, then calls process_mrelease on
 * the same mm; the reaper spins (never sleeps: the victim would run) until it
 * is done. Measures whether two concurrent walks of one mm help.
 */
typedef struct Helper {
	int pidfd;
	int cpu;
	pthread_t thread;
	_Atomic int go;            /* 1: kill sent, -1: give up */
	_Atomic bool ready;
	_Atomic bool done;
	int r;
} Helper;

#if defined(__x86_64__) || defined(__i386__)
#  define cpu_relax() __builtin_ia32_pause()
#else
#  define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

static void *helper_main(void *p) {
	Helper *h = p;
	int go;

	atomic_store(&h->ready, true);
	while ((go = atomic_load(&h->go)) == 0)
		cpu_relax();
	if (go > 0)
		h->r = syscall(__NR_process_mrelease, h->pidfd, 0) < 0 ? negative_errno() : 0;
	atomic_store(&h->done, true);
	return NULL;
}

/* Starts the helper on a CPU of ours other than the arrangement's; false if there is none. */
static bool helper_start(Helper *h, int pidfd, int busy_cpu) {
	cpu_set_t ours, one;
	pthread_attr_t attr;
	int r;

	*h = (Helper) { .pidfd = pidfd, .cpu = -1 };
	/* the reaper is pinned already: ask the process's mask, not the thread's */
	if (sched_getaffinity(getpid(), sizeof(ours), &ours) < 0)
		return false;
	for (int c = 0; c < CPU_SETSIZE && h->cpu < 0; c++)
		if (c != busy_cpu && CPU_ISSET(c, &ours))
			h->cpu = c;
	if (h->cpu < 0)
		return false;
	/* born on its CPU: on the reaper's it could not run while the reaper spins at FIFO */
	CPU_ZERO(&one);
	CPU_SET(h->cpu, &one);
	if (pthread_attr_init(&attr) != 0)
		return false;
	r = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	if (r == 0)
		r = pthread_create(&h->thread, &attr, helper_main, h);
	pthread_attr_destroy(&attr);
	if (r != 0)
		return false;
	while (!atomic_load(&h->ready))
		cpu_relax();
	return true;
}

typedef struct Job {
	int pidfd;
	pid_t pid;
	const ReapKillOptions *o;
	ReapKillResult *res;
	int r;
} Job;

_printf_(2, 3)
static void say(ReapKillResult *res, const char *fmt, ...) {
	va_list ap;

	if (res->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/*
 * Arranges the victim; on any failure it is left (or put back) as it was and
 * the kill goes ahead unarranged, with the reason said. Returns 0 arranged,
 * -errno not.
 */
static int arrange(Arrangement *a, const ReapKillOptions *o, ReapKillResult *res) {
	struct sched_param fifo = { .sched_priority = 1 };
	cpu_set_t one;
	int r, passes;

	r = pick_cpu(a->pid);
	if (r < 0) {
		say(res, "not arranged: no CPU both the reaper and the victim may use (%s)", strerror(-r));
		return r;
	}
	a->cpu = r;
	CPU_ZERO(&one);
	CPU_SET(a->cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0) {
		r = negative_errno();
		say(res, "not arranged: cannot pin the reaper to CPU %d (%s)", a->cpu, strerror(-r));
		return r;
	}
	/* FIFO first: the victim threads that land on our CPU while we pin cannot run until we sleep */
	if (!o->no_fifo) {
		if (sched_setscheduler(0, SCHED_FIFO, &fifo) < 0) {
			/*
			 * No CAP_SYS_NICE, or RT throttled to 0. The SCHED_IDLE-victim
			 * form (no_fifo) lost more races than no arrangement at all on a
			 * loaded host (docs/stock-kernels.md): kill unarranged.
			 */
			r = negative_errno();
			say(res, "not arranged: SCHED_FIFO refused (%s), process_mrelease right after the kill",
			    strerror(-r));
			return r;
		}
		res->fifo = true;
	} else
		a->idle = true; /* measurement only: the victim gives way instead */

	for (passes = 0; passes < PIN_PASSES_MAX; passes++) {
		r = pin_pass(a);
		if (r <= 0)
			break;
	}
	if (r == 0 && passes == PIN_PASSES_MAX)
		r = -EAGAIN;
	if (r < 0) {
		arrangement_restore(a);
		if (res->fifo)
			(void) sched_setscheduler(0, SCHED_OTHER, &(struct sched_param) {});
		res->fifo = false;
		if (r == -EPERM)
			say(res, "not arranged: the victim has a real-time thread, or its threads may not be moved");
		else if (r == -EAGAIN)
			say(res, "not arranged: the victim kept creating threads");
		else
			say(res, "not arranged: pinning the victim's threads failed (%s)", strerror(-r));
		return r;
	}
	res->cpu = a->cpu;
	res->threads = (unsigned) a->n;
	res->arranged = true;
	return 0;
}

static void *kill_thread(void *p) {
	Job *j = p;
	const ReapKillOptions *o = j->o;
	ReapKillResult *res = j->res;
	Arrangement a = { .pid = j->pid, .cpu = -1 };
	uint64_t t0, t_kill, wait = o->wait_exit_usec ?: WAIT_EXIT_DEFAULT_USEC;
	int mr = 0, after_r = -ESRCH;
	bool attempted = false, helping = false;
	Helper h;

	t0 = now_usec();
	if (o->mode == REAP_KILL_ARRANGED)
		(void) arrange(&a, o, res);
	res->arrange_usec = now_usec() - t0;
	if (o->helper && res->arranged)
		helping = helper_start(&h, j->pidfd, a.cpu);

	/* the last reading before the kill: what the victim holds, ours or its exit's to free */
	if (proc_read_rss("/proc", j->pid, &res->rss_before) < 0)
		res->rss_before = 0;

	t_kill = now_usec();
	if (syscall(__NR_pidfd_send_signal, j->pidfd, SIGKILL, NULL, 0) < 0) {
		j->r = negative_errno();
		if (helping) {
			atomic_store(&h.go, -1);
			pthread_join(h.thread, NULL);
		}
		arrangement_restore(&a);
		arrangement_done(&a);
		res->arranged = false;
		return NULL;
	}

	if (o->mode != REAP_KILL_PLAIN) {
		attempted = true;
		if (helping)
			atomic_store(&h.go, 1);
		/* no sleep between the two calls: in the arranged form the victim has no CPU until we do */
		while (syscall(__NR_process_mrelease, j->pidfd, 0) < 0) {
			mr = negative_errno();
			if (mr != -EINTR)
				break;
			mr = 0;
		}
		if (helping) {
			/* spin, not join: a sleeping reaper would hand the CPU to the victim */
			while (!atomic_load(&h.done))
				cpu_relax();
			pthread_join(h.thread, NULL);
			res->helped = h.r == 0;
		}
		res->release_usec = now_usec() - t_kill;
		/* still before exit_mm in the arranged form: the difference is ours alone */
		after_r = proc_read_rss("/proc", j->pid, &res->rss_after);
	}
	/*
	 * The reap is done: the dying threads get their masks and policies back,
	 * so that what is left of their exit (all of it, if we lost) runs where
	 * and as it would have. Kept pinned, a SCHED_IDLE victim on a busy CPU
	 * took more than 10 s to exit in the benchmark.
	 */
	arrangement_restore(&a);
	if (res->fifo)
		(void) sched_setscheduler(0, SCHED_OTHER, &(struct sched_param) {});
	arrangement_done(&a);

	res->mrelease_error = mr;
	res->outcome = reap_outcome_classify(attempted, mr, after_r, res->rss_before, res->rss_after,
					     &res->bytes_reaped, &res->bytes_by_exit);
	if (after_r < 0)
		res->rss_after = 0;
	switch (res->outcome) {
	case REAP_OUTCOME_LOST:
		say(res, "lost the race: the victim had passed exit_mm before process_mrelease (ESRCH), "
		    "its own exit freed the memory");
		break;
	case REAP_OUTCOME_OVERLAPPED:
		say(res, "the victim's exit ran during process_mrelease: both freed memory, counted as the exit's");
		break;
	case REAP_OUTCOME_FAILED:
		say(res, "process_mrelease failed (%s): the victim's exit frees the memory", strerror(-mr));
		break;
	default:
		break;
	}

	{
		struct pollfd pfd = { .fd = j->pidfd, .events = POLLIN };
		uint64_t now;

		for (;;) {
			now = now_usec();
			if (now - t_kill >= wait)
				break;
			if (poll(&pfd, 1, (int) DIV_ROUND_UP(wait - (now - t_kill), USEC_PER_MSEC)) > 0) {
				res->exited = true;
				res->exit_usec = now_usec() - t_kill;
				break;
			}
		}
	}
	if (res->outcome == REAP_OUTCOME_REAPED)
		res->back_usec = res->release_usec;
	else
		res->back_usec = res->exit_usec;
	j->r = 0;
	return NULL;
}

int reap_kill(int pidfd, const ReapKillOptions *o, ReapKillResult *ret) {
	ReapKillResult res = { .cpu = -1 };
	pthread_t thread;
	Job j;
	int pid, r;

	if (pidfd < 0)
		return -EBADF;
	if (!o || o->mode < 0 || o->mode >= _REAP_KILL_MODE_MAX)
		return -EINVAL;
	pid = proc_read_pidfd_pid("/proc", pidfd);
	if (pid < 0)
		return pid == -ENOTTY ? -EBADF : pid;

	res.mode = o->mode;
	j = (Job) { .pidfd = pidfd, .pid = pid, .o = o, .res = &res };
	/* a thread of its own: its affinity and policy change, the caller's do not */
	r = -pthread_create(&thread, NULL, kill_thread, &j);
	if (r < 0)
		return r;
	pthread_join(thread, NULL);
	if (j.r < 0)
		return j.r;
	*ret = res;
	return 0;
}
