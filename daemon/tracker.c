/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tracking: processes at or above their policy's threshold in managed
 * cgroups, held by pidfd and watched with PIDFD_REAP_WATCH. Found by cgroup
 * scans and proc connector events.
 *
 * Pid reuse: the pidfd is opened first; /proc/PID is read after that and
 * trusted only if the pidfd is still not readable afterwards (the process
 * has not exited, so PID still names it). From then on everything goes
 * through the pidfd. fd use is bounded by MaxTracked and counted.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <linux/kcmp.h>
#include <sys/syscall.h>

#include "cgroup-adapter.h"
#include "journal.h"
#include "manager-util.h"
#include "manager.h"
#include "oom.h"
#include "tracker.h"
#include "teardownd/budget.h"
#include "teardownd/log.h"
#include "teardownd/policy.h"
#include "teardownd/procfs.h"

#define SCAN_DEPTH_MAX 32
/*
 * fds the daemon needs besides the pidfds it holds: its sockets, timers and
 * inotify, a socket per sd_notify() (every watchdog ping), the /proc and
 * cgroup files of a scan, a job's worker cgroup fd, private bus clients.
 * Tracking stops short of RLIMIT_NOFILE by this much: out of fds, the
 * daemon could not even ping the watchdog.
 */
#define FD_RESERVE 48

Tracked *tracker_find(Manager *m, pid_t pid) {
	Tracked *t;

	HASH_FIND(hh, m->tracked, &pid, sizeof(pid), t);
	return t;
}

static void tracked_unlink(Manager *m, Tracked *t) {
	HASH_DELETE(hh, m->tracked, t);
	m->n_tracked--;
}

static Tracked *tracked_free(Tracked *t) {
	if (!t)
		return NULL;
	sd_event_source_disable_unref(t->io);
	sd_event_source_disable_unref(t->yield_timer);
	safe_close(t->pidfd); /* closing the file that armed the watch disarms it */
	free(t->cgroup);
	free(t);
	return NULL;
}

void tracker_forget(Manager *m, Tracked *t) {
	tracked_unlink(m, t);
	tracked_free(t);
}

void tracker_forget_all(Manager *m) {
	while (m->tracked)
		tracker_forget(m, m->tracked);
}

/* ---- managed cgroups ---- */

static ManagedCgroup *mcg_find(Manager *m, uint64_t id) {
	ManagedCgroup *c;

	HASH_FIND(hh, m->cgroups, &id, sizeof(id), c);
	return c;
}

static void mcg_free(Manager *m, ManagedCgroup *c) {
	oom_unwatch_cgroup(m, c);
	free(c->path);
	free(c);
}

static int mcg_apply(Manager *m, ManagedCgroup *c) {
	int r;

	if (!m->features.teardown_mode || c->policy->mode < 0)
		return 0;
	if (c->mode_applied && c->applied_mode == c->policy->mode)
		return 0;
	r = cgroup_apply_teardown(m->config->cgroup_root, c->path, c->policy->mode, c->policy->min_size);
	if (ERRNO_IS_GONE(r))
		return r;
	if (r < 0)
		return log_warning_errno(r, "Failed to set %s of %s from policy %s, ignoring: %m",
					 "memory.teardown_mode", c->path, c->policy->name);
	log_debug("Set %s to %s (teardown_min %llu) from policy %s", c->path,
		  teardown_mode_to_string(c->policy->mode), (unsigned long long) c->policy->min_size, c->policy->name);
	c->applied_mode = c->policy->mode;
	c->mode_applied = true;
	return 0;
}

void tracker_drop_cgroup(Manager *m, ManagedCgroup *c) {
	Tracked *t, *tmp;

	HASH_ITER(hh, m->tracked, t, tmp)
		if (t->mcg == c) {
			/*
			 * Exited and parked, waiting for the reap: systemd may
			 * remove the cgroup, or make the next instance's at its
			 * path, before we see the pidfd's EPOLLHUP. Drop the
			 * wait, not the teardown. Not when no policy matches
			 * any more (a reload): forgotten, its pidfd closed,
			 * the kernel frees the parked mm itself.
			 */
			if (t->yield_since_usec > 0 && c->policy) {
				t->yield_end = "cgroup";
				(void) tracker_start_teardown(m, t, t->yield_trigger, NULL);
			} else {
				tracker_forget(m, t);
			}
		}
	HASH_DELETE(hh, m->cgroups, c);
	m->n_cgroups--;
	log_debug("No longer managing %s (cgroup id %llu)", c->path, (unsigned long long) c->id);
	mcg_free(m, c);
}

/*
 * The entry for the cgroup at path, made when there is none. Entries are
 * keyed by cgroup id: `systemctl restart` removes the cgroup and makes it
 * again at the same path, and the new one has its inherited
 * memory.teardown_mode, an unwatched memory.events and its own oom_kill
 * count. So it gets an entry of its own, the policy applied anew, a fresh
 * watch and baseline; the entry of the old one at that path is dropped.
 * -errno when the cgroup's id cannot be read: a cgroup that cannot be told
 * apart from the next one at its path is not managed.
 */
static int mcg_ensure(Manager *m, const char *path, const Policy *p, ManagedCgroup **ret) {
	_cleanup_free_ ManagedCgroup *new = NULL;
	ManagedCgroup *c, *o, *tmp;
	uint64_t id;
	int r;

	r = cgroup_id_read(m->config->cgroup_root, path, &id);
	if (r < 0)
		return r;

	c = mcg_find(m, id);
	if (c) {
		if (!streq(c->path, path)) {
			/* renamed (cgroup2 allows it within the parent): the same cgroup */
			char *s = strdup(path);

			if (!s)
				return -ENOMEM;
			free_and_replace(c->path, s);
		}
		if (c->policy != p) {
			c->policy = p;
			c->mode_applied = c->mode_applied && c->applied_mode == p->mode;
		}
	} else {
		new = calloc(1, sizeof(ManagedCgroup));
		if (!new)
			return -ENOMEM;
		new->path = strdup(path);
		if (!new->path)
			return -ENOMEM;
		new->manager = m;
		new->id = id;
		new->policy = p;
		new->events_wd = -1;
		HASH_ADD(hh, m->cgroups, id, sizeof(new->id), new);
		if (HASH_ADD_FAILED(new)) {
			free(new->path);
			return -ENOMEM;
		}
		c = TAKE_PTR(new);
		m->n_cgroups++;

		/* a cgroup made again at a known path (systemctl restart): the old one's entry goes */
		HASH_ITER(hh, m->cgroups, o, tmp)
			if (managed_cgroup_is_stale(o->path, o->id, path, id)) {
				log_debug("%s was made again (cgroup id %llu, was %llu): applying policy %s anew", path,
					  (unsigned long long) id, (unsigned long long) o->id, p->name);
				tracker_drop_cgroup(m, o);
			}

		(void) cgroup_read_events(m->config->cgroup_root, path, &c->oom_kill, &c->teardown_timeout);
		(void) oom_watch_cgroup(m, c);
		log_debug("Managing %s (cgroup id %llu) with policy %s", path, (unsigned long long) id, p->name);
	}
	(void) mcg_apply(m, c);
	c->seen = true;
	*ret = c;
	return 0;
}

/* Called on a clean stop: reaper mode needs the daemon, async does not. */
void tracker_release_cgroups(Manager *m) {
	for (ManagedCgroup *c = m->cgroups; c; c = c->hh.next) {
		int r;

		if (!c->mode_applied || c->applied_mode != TEARDOWN_MODE_REAPER)
			continue;
		r = cgroup_apply_teardown(m->config->cgroup_root, c->path, TEARDOWN_MODE_ASYNC, c->policy->min_size);
		if (r < 0 && !ERRNO_IS_GONE(r))
			log_warning_errno(r, "Failed to set %s back to async, ignoring: %m", c->path);
		c->mode_applied = false;
	}
}

void tracker_free_cgroups(Manager *m) {
	ManagedCgroup *c, *tmp;

	HASH_ITER(hh, m->cgroups, c, tmp) {
		HASH_DELETE(hh, m->cgroups, c);
		mcg_free(m, c);
	}
	m->n_cgroups = 0;
}

/* ---- tracking ---- */

/*
 * Killed or exited? A pending SIGKILL (before do_exit dequeues it), or the
 * exit code do_exit() stores before exit_mm (/proc/PID/stat field 52: the
 * low 7 bits are the fatal signal). Read through /proc, so only trusted
 * while the pidfd still names PID (checked after reading).
 */
TeardownTrigger tracker_trigger_from_proc(pid_t pid, int pidfd) {
	TeardownTrigger t = TRIGGER_EXIT;
	ProcStatus st;

	if (proc_read_status("/proc", pid, &st) >= 0 && st.sigkill_pending)
		t = TRIGGER_KILL;
	if (t == TRIGGER_EXIT) {
		int code;

		if (proc_read_exit_code("/proc", pid, &code) >= 0)
			t = teardown_trigger_refine(t, code);
	}
	if (proc_read_pidfd_pid("/proc", pidfd) != pid)
		return TRIGGER_EXIT; /* reaped meanwhile: what we read may be another process */
	return t;
}

static int on_yield_timer(sd_event_source *s, uint64_t usec, void *userdata) {
	Tracked *t = userdata;

	/* the parent has not reaped it within YieldMSec=: start anyway */
	t->yield_end = "timeout";
	(void) tracker_start_teardown(t->manager, t, t->yield_trigger, NULL);
	return 0;
}

/*
 * A plain exit whose address space the kernel parked: let the parent reap
 * the zombie before the workers take the CPUs (teardown_should_yield()).
 * The exit no longer needs the mm and nothing frees it meanwhile; a
 * restarted service's stop ends with systemd's reap and its new instance
 * starts right after. Waits for the pidfd's EPOLLHUP (the kernel wakes pidfd pollers when
 * the pid is released) or YieldMSec=, whichever comes first. Returns true
 * if t now waits; on any error it does not, and the caller starts at once.
 */
static bool tracker_yield(Manager *m, Tracked *t, TeardownTrigger trigger) {
	TriggerEvidence ev = { .seen = trigger };
	unsigned state, info, yield_msec = t->mcg->policy->reaper.yield_msec;
	struct pollfd p = { .fd = t->pidfd, .events = POLLIN };
	uint64_t now;

	/* the kernel takes a parked mm over at ParkTimeoutMSec=: start well before that */
	if (m->config->park_timeout_msec > 0)
		yield_msec = MIN(yield_msec, m->config->park_timeout_msec / 2);
	if (yield_msec == 0 || m->features.backend != REAP_BACKEND_PIDFD_REAP ||
	    reap_query(t->pidfd, &state, NULL, &info) < 0)
		return false;
	ev.kernel_known = true;
	ev.kernel_oom_victim = info & PIDFD_REAP_INFO_OOM_VICTIM;
	if (!teardown_should_yield(&ev, state == PIDFD_REAP_STATE_PARKED, yield_msec))
		return false;
	/*
	 * Reaped already, by the time we got here: nothing to wait for. (And
	 * the trigger read from /proc may be a dead pid's, see
	 * tracker_trigger_from_proc(): do not wait on its word.)
	 */
	if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP)) {
		t->yield_end = "already-reaped";
		return false;
	}
	if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0 ||
	    sd_event_add_time(m->event, &t->yield_timer, CLOCK_MONOTONIC, now + yield_msec * USEC_PER_MSEC,
			      USEC_PER_MSEC, on_yield_timer, t) < 0)
		return false;
	(void) sd_event_source_set_description(t->yield_timer, "yield-to-reap");
	/* epoll reports EPOLLHUP whatever was asked: the level-triggered EPOLLIN/EPOLLPRI must not spin */
	if (sd_event_source_set_io_events(t->io, 0) < 0) {
		t->yield_timer = sd_event_source_disable_unref(t->yield_timer);
		return false;
	}
	t->yield_trigger = trigger;
	t->yield_since_usec = now;
	log_debug("%s[%d] exited and is parked: letting its parent reap it first (at most %u ms)",
		  t->comm, (int) t->pid, yield_msec);
	return true;
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Tracked *t = userdata;
	Manager *m = t->manager;
	TeardownTrigger trigger;

	if (t->yield_since_usec > 0) {
		/* only EPOLLHUP (or EPOLLERR) is asked for: reaped */
		t->yield_end = "reaped";
		(void) tracker_start_teardown(m, t, t->yield_trigger, NULL);
		return 0;
	}
	if (t->watched && (revents & (EPOLLPRI | EPOLLIN))) {
		/* EPOLLPRI: the exit handed the mm over (STASHED/PARKED); EPOLLIN: exited */
		trigger = tracker_trigger_from_proc(t->pid, t->pidfd);
		if (tracker_yield(m, t, trigger))
			return 0;
		(void) tracker_start_teardown(m, t, trigger, NULL); /* logs, and forgets t either way */
		return 0;
	}

	if (revents & EPOLLIN) {
		/* stock kernel: the exit already freed everything before the pidfd became readable */
		m->fallbacks++;
		journal_fallback(t->pid, t->cgroup, "kernel",
				 "exit seen after the kernel tore the address space down itself (no pidfd reaper)");
		log_debug("Tracked %s[%d] exited, the kernel tore it down itself", t->comm, (int) t->pid);
		tracker_forget(m, t);
		manager_update_status(m);
	}
	return 0;
}

static bool pidfd_exited(int pidfd) {
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

bool tracker_pidfd_dying(Manager *m, pid_t pid, int pidfd) {
	unsigned state;

	if (pidfd_exited(pidfd))
		return true;
	if (m->features.backend == REAP_BACKEND_PIDFD_REAP && reap_query(pidfd, &state, NULL, NULL) >= 0 &&
	    state != PIDFD_REAP_STATE_ALIVE)
		return true;
	return tracker_trigger_from_proc(pid, pidfd) == TRIGGER_KILL;
}

/* pidfds held: tracked processes and teardown jobs not finished yet */
static bool fd_budget_left(Manager *m) {
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return true;
	return (uint64_t) m->n_tracked + job_pool_pending(&m->pool) + FD_RESERVE < rl.rlim_cur;
}

static int refuse_fd_limit(Manager *m, int r) {
	static bool warned;

	m->tracking_refused++;
	if (!warned)
		log_warning_errno(r, "Near the fd limit (RLIMIT_NOFILE), not tracking more processes "
				  "(counted in TrackingRefused): %m");
	warned = true;
	return r;
}

/*
 * A vfork child (until it execs) and a CLONE_VM child run on their parent's
 * mm: /proc/PID/statm shows the parent's memory, and their exit frees
 * nothing. kcmp(KCMP_VM) compares the mm pointers (we are root).
 */
static bool mm_shared_with_parent(pid_t pid) {
	pid_t ppid;

	if (proc_read_ppid("/proc", pid, &ppid) < 0 || ppid <= 0)
		return false;
	return syscall(SYS_kcmp, pid, ppid, KCMP_VM, 0, 0) == 0;
}

static int track(Manager *m, pid_t pid, ManagedCgroup *c, uint64_t rss) {
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *cg = NULL;
	Tracked *t;
	char comm[16];
	int r;

	if (m->n_tracked >= m->config->max_tracked) {
		if (m->tracking_refused++ == 0)
			log_warning("MaxTracked=%u reached, not tracking more processes (counted in TrackingRefused)",
				    m->config->max_tracked);
		return -EMFILE;
	}
	if (!fd_budget_left(m))
		return refuse_fd_limit(m, -EMFILE);

	fd = reap_pidfd_open(pid);
	if (fd == -EMFILE || fd == -ENFILE)
		return refuse_fd_limit(m, fd);
	if (fd < 0)
		return fd;

	/* only now read /proc/PID: while the pidfd is not readable, PID is the pidfd's process */
	r = proc_read_stat("/proc", pid, comm, NULL, NULL);
	if (r < 0)
		return r;
	r = proc_read_cgroup("/proc", pid, &cg);
	if (r < 0)
		return r;
	if (mm_shared_with_parent(pid)) {
		/* statm is the parent's memory; the parent is the one to track */
		log_debug("Not tracking %s[%d]: it shares its parent's address space (vfork or CLONE_VM)",
			  comm, (int) pid);
		return 0;
	}
	if (pidfd_exited(fd))
		return -ESRCH;
	if (!streq(cg, c->path))
		return -ESTALE; /* moved meanwhile: the next scan finds it where it is */

	t = calloc(1, sizeof(Tracked));
	if (!t)
		return -ENOMEM;
	t->manager = m;
	t->pid = pid;
	memcpy(t->comm, comm, sizeof(comm));
	t->cgroup = TAKE_PTR(cg);
	t->mcg = c;
	t->rss = rss;
	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &t->since_usec);
	t->pidfd = TAKE_FD(fd);

	if (m->features.pidfd_reap) {
		r = reap_watch(t->pidfd);
		if (r >= 0)
			t->watched = true;
		else if (r == -ENOMEM) {
			tracked_free(t);
			return r;
		} else
			log_debug_errno(r, "PIDFD_REAP_WATCH on %s[%d] failed, ignoring: %m", comm, (int) pid);
	}

	r = sd_event_add_io(m->event, &t->io, t->pidfd, EPOLLIN | EPOLLPRI, on_pidfd, t);
	if (r < 0) {
		tracked_free(t);
		return r;
	}
	(void) sd_event_source_set_description(t->io, "pidfd");

	HASH_ADD(hh, m->tracked, pid, sizeof(t->pid), t);
	if (HASH_ADD_FAILED(t)) {
		tracked_free(t);
		return -ENOMEM;
	}
	m->n_tracked++;
	log_debug("Tracking %s[%d] in %s (%llu MiB, policy %s%s)", t->comm, (int) pid, t->cgroup,
		  (unsigned long long) (rss >> 20), c->policy->name, t->watched ? ", watched" : "");
	return 1;
}

static int consider(Manager *m, pid_t pid, ManagedCgroup *c) {
	uint64_t rss;
	int r;

	if (pid == getpid())
		return 0;
	if (tracker_find(m, pid) || job_find(m, pid))
		return 0; /* one job per process: not one that ReapPid (or a teardown) has already */
	r = proc_read_rss("/proc", pid, &rss);
	if (r < 0)
		return r;
	if (rss < c->policy->min_size || rss == 0)
		return 0;
	return track(m, pid, c, rss);
}

int tracker_consider_pid(Manager *m, pid_t pid) {
	_cleanup_free_ char *cg = NULL;
	const Policy *p;
	ManagedCgroup *c;
	int r;

	if (tracker_find(m, pid))
		return 0;
	r = proc_read_cgroup("/proc", pid, &cg);
	if (r < 0)
		return r;
	p = policy_find(m->config->policies, m->config->n_policies, cg);
	if (!p)
		return 0;
	/* by id: the cgroup at that path may be a new one */
	r = mcg_ensure(m, cg, p, &c);
	if (r < 0)
		return r;
	return consider(m, pid, c);
}

static int scan_cgroup(Manager *m, const char *rel, unsigned depth) {
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	const Policy *p;
	struct dirent *de;
	int r;

	if (depth > SCAN_DEPTH_MAX)
		return 0;
	if (m->own_cgroup && streq(rel, m->own_cgroup))
		return 0; /* never our own workers */

	p = policy_find(m->config->policies, m->config->n_policies, rel);
	if (p && !streq(rel, "/")) {
		_cleanup_free_ pid_t *pids = NULL;
		ManagedCgroup *c;
		size_t n;

		r = mcg_ensure(m, rel, p, &c);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !ERRNO_IS_GONE(r))
			log_debug_errno(r, "Failed to read the cgroup id of %s, not managing it: %m", rel);
		if (r >= 0)
			r = cgroup_read_procs(m->config->cgroup_root, rel, &pids, &n);
		if (r == -ENOMEM)
			return r;
		for (size_t i = 0; r >= 0 && i < n; i++) {
			int q = consider(m, pids[i], c);

			if (q == -ENOMEM)
				return q;
		}
	}

	if (asprintf(&dir, "%s%s", m->config->cgroup_root, streq(rel, "/") ? "" : rel) < 0)
		return -ENOMEM;
	/* a new child cgroup (mkdir: IN_CREATE) triggers a rescan, so policies apply when it appears */
	if (m->inotify_fd >= 0 && inotify_add_watch(m->inotify_fd, dir, IN_CREATE | IN_ONLYDIR) < 0 &&
	    errno == ENOSPC && !m->inotify_exhausted) {
		log_warning("Out of inotify watches, new cgroups are found by periodic scans only");
		m->inotify_exhausted = true;
	}
	d = opendir(dir);
	if (!d)
		return ERRNO_IS_GONE(errno) ? 0 : negative_errno();
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (asprintf(&child, "%s/%s", streq(rel, "/") ? "" : rel, de->d_name) < 0)
			return -ENOMEM;
		r = scan_cgroup(m, child, depth + 1);
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

int tracker_scan(Manager *m) {
	ManagedCgroup *c, *tmp;
	int r;

	if (!m->features.cgroup2)
		return 0;
	for (c = m->cgroups; c; c = c->hh.next)
		c->seen = false;

	r = scan_cgroup(m, "/", 0);
	if (r < 0)
		return r;

	/* cgroups gone or no longer matched: drop them and what we track there */
	HASH_ITER(hh, m->cgroups, c, tmp)
		if (!c->seen)
			tracker_drop_cgroup(m, c);
	manager_update_status(m);
	return 0;
}

int tracker_start_teardown(Manager *m, Tracked *t, TeardownTrigger trigger, TeardownTrigger *ret_trigger) {
	_cleanup_(job_freep) TeardownJob *j = NULL;
	ManagedCgroup *c = t->mcg;
	TriggerEvidence ev = { .seen = trigger };
	uint64_t rss = t->rss, oom_kill = 0, now = 0;
	unsigned info = 0;
	bool oom_moved;
	int r;

	/* prepare what can fail, changing nothing */
	if (m->features.backend == REAP_BACKEND_PIDFD_REAP &&
	    reap_query(t->pidfd, NULL, &rss, &info) >= 0) {
		ev.kernel_known = true;
		ev.kernel_oom_victim = info & PIDFD_REAP_INFO_OOM_VICTIM;
	}
	r = job_new(m, t->pid, t->comm, t->cgroup, c->policy, rss ?: t->rss, 0, &j);
	if (r < 0) {
		/* one line, and the entry goes: its level-triggered pidfd source must not spin */
		log_warning_errno(r, "Failed to start the teardown of %s[%d] in %s, no longer tracking it: %m",
				  t->comm, (int) t->pid, t->cgroup);
		tracker_forget(m, t);
		return r;
	}

	/*
	 * Commit. An OOM kill is a SIGKILL too. The patched kernel says which
	 * process its OOM killer chose; on a stock kernel memory.events is the
	 * best evidence, and its inotify event may come before or after the
	 * pidfd's.
	 */
	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	oom_moved = cgroup_read_events(m->config->cgroup_root, c->path, &oom_kill, NULL) >= 0 &&
		    oom_kill > c->oom_kill;
	if (oom_moved) {
		m->oom_kills_seen += oom_kill - c->oom_kill;
		c->oom_unclaimed += (unsigned) MIN(oom_kill - c->oom_kill, (uint64_t) 16);
		c->oom_unclaimed_usec = now;
		c->oom_kill = oom_kill;
	}
	ev.oom_unclaimed = c->oom_unclaimed;
	ev.oom_unclaimed_age_usec = now > c->oom_unclaimed_usec ? now - c->oom_unclaimed_usec : 0;
	trigger = teardown_trigger_decide(&ev, &j->trigger_source);
	if (trigger == TRIGGER_OOM && c->oom_unclaimed > 0)
		c->oom_unclaimed--;
	if (ret_trigger)
		*ret_trigger = trigger;
	if (oom_moved)
		journal_oom(c->path, j->unit, c->oom_kill, trigger == TRIGGER_OOM ? t->pid : 0);

	j->trigger = trigger;
	j->evidence = ev;
	if (t->yield_since_usec > 0 && now > t->yield_since_usec)
		j->yield_usec = now - t->yield_since_usec;
	j->yield_end = t->yield_end;
	j->since_usec = t->since_usec;
	j->rss_seen = t->rss;
	j->pidfd = TAKE_FD(t->pidfd);
	tracker_forget(m, t);

	r = job_submit(m, j); /* cannot fail: job_new() checked that the pool runs */
	if (r < 0)
		return log_warning_errno(r, "Failed to queue the teardown of %s[%d]: %m", j->comm, (int) j->pid);
	TAKE_PTR(j);
	manager_update_status(m);
	return 0;
}

/* ---- candidates from the proc connector ---- */

#define CANDIDATES_MAX 1024
#define CANDIDATE_RECHECK_USEC (250 * USEC_PER_MSEC)
#define CANDIDATE_LIFETIME_USEC (60 * USEC_PER_SEC)

static int on_candidate_timer(sd_event_source *s, uint64_t usec, void *userdata) {
	Manager *m = userdata;
	uint64_t now = usec;
	size_t k = 0;

	for (size_t i = 0; i < m->n_candidates; i++) {
		struct Candidate c = m->candidates[i];
		int r;

		if (c.until_usec < now || tracker_find(m, c.pid))
			continue;
		r = tracker_consider_pid(m, c.pid);
		if (r == -ENOMEM)
			log_oom_warning(); /* kept: rechecked on the next round */
		if (r < 0 || tracker_find(m, c.pid))
			continue; /* gone, or tracked now */
		m->candidates[k++] = c;
	}
	m->n_candidates = k;
	if (k > 0) {
		(void) sd_event_source_set_time_relative(s, CANDIDATE_RECHECK_USEC);
		(void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	}
	return 0;
}

void tracker_add_candidate(Manager *m, pid_t pid) {
	_cleanup_free_ char *cg = NULL;
	uint64_t now = 0;
	int r;

	if (m->n_cgroups == 0 || tracker_find(m, pid))
		return;
	/* only processes in cgroups a policy matches */
	if (proc_read_cgroup("/proc", pid, &cg) < 0 ||
	    !policy_find(m->config->policies, m->config->n_policies, cg))
		return;
	for (size_t i = 0; i < m->n_candidates; i++)
		if (m->candidates[i].pid == pid)
			return;
	if (m->n_candidates >= CANDIDATES_MAX)
		return; /* the periodic scan still finds it */
	if (!m->candidates) {
		m->candidates = calloc(CANDIDATES_MAX, sizeof(struct Candidate));
		if (!m->candidates)
			return;
	}
	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	m->candidates[m->n_candidates++] = (struct Candidate) { pid, now + CANDIDATE_LIFETIME_USEC };

	if (!m->candidate_timer) {
		r = sd_event_add_time_relative(m->event, &m->candidate_timer, CLOCK_MONOTONIC,
					       CANDIDATE_RECHECK_USEC, 0, on_candidate_timer, m);
		if (r < 0) {
			log_debug_errno(r, "Failed to add the candidate timer, ignoring: %m");
			return;
		}
		(void) sd_event_source_set_description(m->candidate_timer, "candidates");
	} else if (sd_event_source_get_enabled(m->candidate_timer, NULL) == 0) {
		(void) sd_event_source_set_time_relative(m->candidate_timer, CANDIDATE_RECHECK_USEC);
		(void) sd_event_source_set_enabled(m->candidate_timer, SD_EVENT_ONESHOT);
	}
}

void tracker_free_candidates(Manager *m) {
	m->candidate_timer = sd_event_source_disable_unref(m->candidate_timer);
	free(m->candidates);
	m->candidates = NULL;
	m->n_candidates = 0;
}
