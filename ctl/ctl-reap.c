/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownctl kill / reap: pidfd-based, no daemon needed.
 *
 * kill: pidfd_open() first (from then on the pid cannot be recycled under
 * us), PIDFD_REAP_WATCH (so the mm stays reachable after the kill), signal
 * through the pidfd, reap with N workers of our own. On a kernel without the
 * reaper ioctls the watch answers ENOTTY and the reap falls back to
 * process_mrelease(2), which we say, because it is single-threaded, anonymous
 * memory only and races with the victim's exit_mm.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "teardownd/log.h"
#include "teardownd/procfs.h"
#include "teardownd/reap.h"
#include "teardownd/time-util.h"

typedef struct Target {
	int pid;
	int pidfd;
	char comm[32];
	uint64_t rss;
	bool watched;
	char why[512];          /* what went wrong, for the error and for --json */
} Target;

/* The edge of one PID: says why once (stderr, and "message" in --json) and returns r. */
_printf_(3, 4)
static int target_fail(Target *t, int r, const char *fmt, ...) {
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	log_error("%s", t->why);
	return r;
}

static void target_done(Target *t) {
	t->pidfd = safe_close(t->pidfd);
}

static void read_comm(int pid, char comm[16]) {
	if (proc_read_stat("/proc", pid, comm, NULL, NULL) < 0)
		strcpy(comm, "?");
}

static int parse_pid(const char *s, int *ret) {
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > INT32_MAX)
		return -EINVAL;
	*ret = (int) v;
	return 0;
}

/*
 * pidfd_open() refuses a thread ID that is not its process's (ENOENT on the
 * kernels this targets, EINVAL with PIDFD_THREAD ones): say which process it
 * belongs to rather than "No such file or directory".
 */
static int target_open_failed(Target *t, int r) {
	ProcStatus st;
	char comm[32];

	if ((r == -ENOENT || r == -EINVAL) && proc_read_status("/proc", t->pid, &st) >= 0 && st.tgid != t->pid) {
		read_comm(st.tgid, comm);
		return target_fail(t, -ENOENT, "%d is a thread of process %d (%s), not a process: "
				   "give the process ID %d to act on the whole process.",
				   t->pid, (int) st.tgid, comm, (int) st.tgid);
	}
	return target_fail(t, r, "Failed to open process %d: %s", t->pid, strerror(-r));
}

/* Opens the pidfd and arms the watch; ENOTTY (stock kernel) is not an error. */
static int target_open(const char *arg_pid, Target *t) {
	unsigned flags;
	int r;

	r = parse_pid(arg_pid, &t->pid);
	if (r < 0)
		return target_fail(t, r, "Invalid process ID '%s'.", arg_pid);

	r = reap_pidfd_open(t->pid);
	if (r < 0)
		return target_open_failed(t, r);
	t->pidfd = r;

	/* only after pidfd_open: /proc/PID is then known to be this process (or gone) */
	read_comm(t->pid, t->comm);
	if (proc_read_rss("/proc", t->pid, &t->rss) < 0)
		t->rss = 0;
	if (proc_read_flags("/proc", t->pid, &flags) >= 0 && (flags & PROC_PF_KTHREAD))
		return target_fail(t, -EINVAL, "%d (%s) is a kernel thread: it has no memory of its own "
				   "to reap and cannot be killed, refusing.", t->pid, t->comm);

	r = reap_watch(t->pidfd);
	if (r == -ENOTTY)
		log_debug("Kernel lacks PIDFD_REAP_WATCH, process_mrelease fallback.");
	else if (r < 0)
		return target_fail(t, r, "Failed to watch process %d (%s): %s", t->pid, t->comm, strerror(-r));
	else
		t->watched = true;
	return 0;
}

/* Whether the process is being torn down (zombie, exiting, SIGKILL pending) or gone already. */
static bool target_dying(const Target *t) {
	ProcStatus st;
	unsigned flags;
	char state;

	if (proc_read_stat("/proc", t->pid, NULL, NULL, &state) < 0 ||
	    proc_read_flags("/proc", t->pid, &flags) < 0 ||
	    proc_read_status("/proc", t->pid, &st) < 0)
		return true; /* gone: the pidfd keeps the PID from being reused meanwhile */
	return proc_is_dying(state, flags, &st);
}

static int target_alive(Target *t) {
	return target_fail(t, -EBUSY, "%d (%s) is alive and not being torn down (not killed, not exiting): "
			   "nothing to reap. 'teardownctl kill %d' kills and reaps it.", t->pid, t->comm, t->pid);
}

/* The reap runs in a thread of its own so that the main thread can draw progress. */
typedef struct ReapJob {
	const Target *target;
	ReapOptions options;
	ReapResult result;
	int r;
	_Atomic uint64_t bytes;
	_Atomic bool done;
} ReapJob;

static void reap_progress(uint64_t bytes_so_far, void *userdata) {
	ReapJob *j = userdata;
	atomic_store(&j->bytes, bytes_so_far);
}

static void *reap_thread(void *p) {
	ReapJob *j = p;
	j->r = reap_run(j->target->pidfd, &j->options, &j->result);
	atomic_store(&j->done, true);
	return NULL;
}

static int reap_target(const Target *t, ReapResult *ret) {
	ReapJob j = {
		.target = t,
		.options = REAP_OPTIONS_INIT,
	};
	pthread_t thread;
	bool drawn = false;
	int r;

	j.options.workers = arg.workers ?: 1;
	j.options.chunk = arg.chunk;
	j.options.backend = t->watched ? REAP_BACKEND_PIDFD_REAP : REAP_BACKEND_MRELEASE;
	/* measured before the kill: afterwards the victim's exit races us */
	if (!t->watched)
		j.options.rss_before = t->rss;
	j.options.progress = reap_progress;
	j.options.userdata = &j;

	if (!arg.progress) {
		reap_thread(&j);
		*ret = j.result;
		return j.r;
	}

	r = -pthread_create(&thread, NULL, reap_thread, &j);
	if (r < 0)
		return r;
	while (!atomic_load(&j.done)) {
		char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];
		uint64_t bytes = atomic_load(&j.bytes);

		if (bytes > 0) {
			fprintf(stdout, "\rReaping %d (%s): %s of %s", t->pid, t->comm,
				format_bytes(a, sizeof(a), bytes), format_bytes(b, sizeof(b), t->rss));
			if (t->rss > 0)
				fprintf(stdout, " (%3.0f%%)", 100.0 * (double) bytes / (double) t->rss);
			fprintf(stdout, "\033[K");
			fflush(stdout);
			drawn = true;
		}
		sleep_usec(100 * USEC_PER_MSEC);
	}
	pthread_join(thread, NULL);
	if (drawn) {
		fputs("\r\033[K", stdout);
		fflush(stdout);
	}
	*ret = j.result;
	return j.r;
}

/* One entry of the --json array; res is NULL when nothing was reaped (r < 0 then); k: the arranged kill, or NULL. */
static json_object *result_to_json(const Target *t, const char *action, int signal, const ReapResult *res,
				   const ReapKillResult *k, int r) {
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "pid", json_object_new_int(t->pid));
	json_object_object_add(o, "comm", json_object_new_string(t->comm[0] ? t->comm : "?"));
	json_object_object_add(o, "action", json_object_new_string(action));
	if (signal > 0)
		json_object_object_add(o, "signal", json_object_new_string(sigabbrev_np(signal) ?: "?"));
	if (res) {
		json_object_object_add(o, "backend", json_object_new_string(reap_backend_to_string(res->backend) ?: "none"));
		json_object_object_add(o, "rss_before", json_object_new_uint64(res->rss_before ?: t->rss));
		json_object_object_add(o, "bytes", json_object_new_uint64(res->bytes));
		json_object_object_add(o, "rss_left", json_object_new_uint64(res->rss_left));
		json_object_object_add(o, "duration_usec", json_object_new_uint64(res->duration_usec));
		json_object_object_add(o, "cpu_usec", json_object_new_uint64(res->cpu_usec));
		json_object_object_add(o, "workers", json_object_new_int((int) res->workers));
		json_object_object_add(o, "chunks", json_object_new_int((int) res->chunks));
		if (res->backend == REAP_BACKEND_PIDFD_REAP)   /* the kernel's state; mrelease has none */
			json_object_object_add(o, "state", json_object_new_string(reap_state_to_string(res->state) ?: "unknown"));
		if (res->outcome != REAP_OUTCOME_NONE) {
			/* stock kernel: who freed what; "bytes" is ours only */
			json_object_object_add(o, "outcome", json_object_new_string(reap_outcome_to_string(res->outcome) ?: "unknown"));
			json_object_object_add(o, "bytes_by_exit", json_object_new_uint64(res->bytes_by_exit));
		}
		if (k) {
			json_object_object_add(o, "arranged", json_object_new_boolean(k->arranged));
			json_object_object_add(o, "arranged_fifo", json_object_new_boolean(k->fifo));
			json_object_object_add(o, "arrange_usec", json_object_new_uint64(k->arrange_usec));
			json_object_object_add(o, "memory_back_usec", json_object_new_uint64(k->back_usec));
			if (k->exited)
				json_object_object_add(o, "exit_usec", json_object_new_uint64(k->exit_usec));
		}
		if (res->reason[0])
			json_object_object_add(o, "reason", json_object_new_string(res->reason));
	}
	if (r < 0)
		json_object_object_add(o, "error", json_object_new_string(strerror(-r)));
	if (t->why[0])
		json_object_object_add(o, "message", json_object_new_string(t->why));
	return o;
}

/* Stock kernel: who freed what, never the exit's bytes as ours. */
static void result_print_stock(const Target *t, const ReapResult *res, const ReapKillResult *k) {
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], e[FORMAT_BYTES_MAX], d[FORMAT_USEC_MAX];
	const char *how = !k ? "" : k->arranged ? ", arranged kill" : ", kill not arranged";

	format_bytes(a, sizeof(a), res->bytes);
	format_bytes(b, sizeof(b), res->rss_before ?: t->rss);
	format_bytes(e, sizeof(e), res->bytes_by_exit);
	format_usec(d, sizeof(d), k ? k->release_usec : res->duration_usec);
	switch (res->outcome) {
	case REAP_OUTCOME_REAPED:
		printf("%d (%s): reaped %s of %s in %s (process_mrelease%s), %s left to its own exit\n",
		       t->pid, t->comm, a, b, d, how, e);
		break;
	case REAP_OUTCOME_LOST:
		printf("%d (%s): lost the race (process_mrelease%s): its own exit freed %s\n", t->pid, t->comm, how, e);
		break;
	case REAP_OUTCOME_OVERLAPPED:
		printf("%d (%s): reaped with its own exit (process_mrelease%s): %s freed, split unknown, counted as the exit's\n",
		       t->pid, t->comm, how, e);
		break;
	default:
		printf("%d (%s): not reaped (process_mrelease%s): its own exit frees %s\n", t->pid, t->comm, how, e);
		break;
	}
	if (res->reason[0])
		printf("  %s\n", res->reason);
}

static void result_print(const Target *t, const ReapResult *res, const ReapKillResult *k) {
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX], d[FORMAT_USEC_MAX], c[FORMAT_USEC_MAX];

	if (arg.quiet)
		return;
	if (res->outcome != REAP_OUTCOME_NONE)
		return result_print_stock(t, res, k);
	printf("%d (%s): freed %s of %s in %s, %u worker%s, %s CPU (%s)\n",
	       t->pid, t->comm,
	       format_bytes(a, sizeof(a), res->bytes),
	       format_bytes(b, sizeof(b), res->rss_before ?: t->rss),
	       format_usec(d, sizeof(d), res->duration_usec),
	       res->workers, res->workers == 1 ? "" : "s",
	       format_usec(c, sizeof(c), res->cpu_usec),
	       reap_backend_to_string(res->backend) ?: "none");
	if (res->reason[0])
		printf("  %s\n", res->reason);
}

/* Waits up to timeout_ms for the pidfd to report the exit. */
static bool wait_exit(int pidfd, int timeout_ms) {
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, timeout_ms) > 0;
}

/* Waits up to timeout_ms for the process to start dying or to be gone. */
static bool wait_dying(const Target *t, int timeout_ms) {
	for (int waited = 0;; waited += 50) {
		if (target_dying(t))
			return true;
		if (waited >= timeout_ms)
			return false;
		if (wait_exit(t->pidfd, 50))
			return true;
	}
}

#define KILL_EXIT_WAIT_MSEC 5000
#define REAP_DYING_GRACE_MSEC 200

/*
 * Stock kernel, SIGKILL: the arranged kill (reap_kill(), see reap.h), which
 * sends the signal and calls process_mrelease before the victim can reach
 * exit_mm. Fills *res as reap_run() would, *k with the rest.
 */
static int kill_arranged(Target *t, ReapResult *res, ReapKillResult *k) {
	ReapKillOptions o = {
		.mode = REAP_KILL_ARRANGED,
		.wait_exit_usec = KILL_EXIT_WAIT_MSEC * USEC_PER_MSEC,
		/* --workers 2 or more: a second process_mrelease on another CPU (docs/stock-kernels.md) */
		.helper = arg.workers > 1,
	};
	int r;

	r = reap_kill(t->pidfd, &o, k);
	if (r < 0)
		return target_fail(t, r, "Failed to send SIGKILL to %d (%s): %s", t->pid, t->comm, strerror(-r));
	*res = (ReapResult) {
		.backend = REAP_BACKEND_MRELEASE,
		.bytes = k->bytes_reaped,
		.bytes_by_exit = k->bytes_by_exit,
		.rss_before = k->rss_before,
		.rss_left = k->rss_after,
		.duration_usec = k->release_usec,
		.workers = 1 + k->helped,
		.esrch = k->outcome == REAP_OUTCOME_LOST,
		.state = k->outcome == REAP_OUTCOME_REAPED ? PIDFD_REAP_STATE_GONE : PIDFD_REAP_STATE_ALIVE,
		.outcome = k->outcome,
	};
	snprintf(res->reason, sizeof(res->reason), "%s", k->reason);
	if (!k->exited)
		log_warning("Process %d (%s) has not exited %ds after SIGKILL.", t->pid, t->comm,
			    KILL_EXIT_WAIT_MSEC / 1000);
	return 0;
}

/* One PID: open, check, signal, reap. Fills *res (and *k for an arranged kill); every failure is said once, into t->why. */
static int kill_or_reap(const char *arg_pid, bool kill, Target *t, ReapResult *res, ReapKillResult *k,
			bool *reaped, bool *arranged) {
	const char *sig = sigabbrev_np(arg.signal) ?: "?";
	int r;

	r = target_open(arg_pid, t);
	if (r < 0)
		return r;

	/*
	 * reap only takes what is being torn down: a live process would answer EINVAL/EBUSY after a
	 * useless try. A short grace covers the moment between SIGKILL leaving the pending set and
	 * PF_EXITING being set.
	 */
	if (!kill && !wait_dying(t, REAP_DYING_GRACE_MSEC))
		return target_alive(t);

	if (kill && !t->watched && arg.signal == SIGKILL) {
		if (!arg.quiet && arg.json == JSON_OFF)
			fprintf(stderr, "Kernel has no pidfd reaper (PIDFD_REAP_WATCH: ENOTTY): arranged kill, then "
				"process_mrelease(2), anonymous memory only.\n");
		r = kill_arranged(t, res, k);
		if (r < 0)
			return r;
		*reaped = *arranged = true;
		return 0;
	}

	if (kill) {
		if (syscall(__NR_pidfd_send_signal, t->pidfd, arg.signal, NULL, 0) < 0) {
			r = negative_errno();
			return target_fail(t, r, "Failed to send SIG%s to %d (%s): %s", sig, t->pid, t->comm, strerror(-r));
		}
		/* a signal other than KILL may be handled, blocked or ignored: reap only what it kills */
		if (arg.signal != SIGKILL && !wait_dying(t, KILL_EXIT_WAIT_MSEC))
			return target_fail(t, -EBUSY, "%d (%s) is still alive %ds after SIG%s (it handles, blocks or "
					   "ignores the signal): nothing reaped. Send SIGKILL to kill it.",
					   t->pid, t->comm, KILL_EXIT_WAIT_MSEC / 1000, sig);
	}

	if (!t->watched && !arg.quiet && arg.json == JSON_OFF)
		fprintf(stderr, "Kernel has no pidfd reaper (PIDFD_REAP_WATCH: ENOTTY): "
			"falling back to process_mrelease(2), one worker, anonymous memory only.\n");
	r = reap_target(t, res);
	if (r < 0 && res->bytes == 0) {
		if ((r == -EBUSY || r == -EINVAL) && !target_dying(t))
			return target_alive(t);
		return target_fail(t, r, "Failed to reap %d (%s): %s%s%s", t->pid, t->comm,
				   res->reason, res->reason[0] ? ": " : "", strerror(-r));
	}
	*reaped = true;
	if (r < 0) {
		snprintf(t->why, sizeof(t->why), "Reap of %d (%s) stopped early: %s", t->pid, t->comm, strerror(-r));
		return r; /* said after the result */
	}

	/* Report a victim that does not go away: it is in D state or ignores the signal. */
	if (kill && !wait_exit(t->pidfd, KILL_EXIT_WAIT_MSEC))
		log_warning("Process %d (%s) has not exited %ds after SIG%s.", t->pid, t->comm,
			    KILL_EXIT_WAIT_MSEC / 1000, sig);
	return 0;
}

static int do_one(const char *arg_pid, bool kill, json_object *array) {
	_cleanup_(target_done) Target t = { .pidfd = -EBADF };
	ReapResult res = {};
	ReapKillResult k = {};
	bool reaped = false, arranged = false;
	int r;

	r = kill_or_reap(arg_pid, kill, &t, &res, &k, &reaped, &arranged);
	if (array) {
		/* every PID has its entry, failed ones with their error */
		json_object *o = result_to_json(&t, kill ? "kill" : "reap", kill ? arg.signal : 0,
						reaped ? &res : NULL, arranged ? &k : NULL, r);
		if (!o || json_object_array_add(array, o) < 0) {
			json_object_put(o);
			return log_oom();
		}
	} else if (reaped)
		result_print(&t, &res, arranged ? &k : NULL);
	if (r < 0 && reaped)
		log_error("%s", t.why);
	return r;
}

static int do_all(int argc, char *argv[], bool kill) {
	_cleanup_json_ json_object *array = NULL;
	int r, ret = 0;

	if (argc < 2) {
		log_error("%s: expected at least one PID.", argv[0]);
		return -EINVAL;
	}
	if (arg.json != JSON_OFF) {
		array = json_object_new_array();
		if (!array)
			return log_oom();
	}

	for (int i = 1; i < argc; i++) {
		r = do_one(argv[i], kill, array);
		if (r < 0 && ret == 0)
			ret = r;
	}

	if (array) {
		r = json_print(array);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int verb_kill(int argc, char *argv[]) {
	return do_all(argc, argv, true);
}

int verb_reap(int argc, char *argv[]) {
	return do_all(argc, argv, false);
}
