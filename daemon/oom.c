/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OOM kills in managed cgroups: memory.events is watched with inotify (the
 * kernel raises IN_MODIFY on it); when oom_kill moved, the victim is the
 * tracked process of that cgroup that is dying of a signal, and its teardown
 * starts at once (on a stock kernel: process_mrelease, before the victim's
 * own exit gets there). teardown_timeout moving means a parked mm was left to
 * the kernel: journal it. The same inotify fd watches cgroup directories
 * for IN_CREATE (added by the tracker's scan): a new cgroup means a rescan.
 */
#include <sys/inotify.h>
#include <sys/epoll.h>

#include "cgroup-adapter.h"
#include "journal.h"
#include "manager.h"
#include "metrics-collect.h"
#include "oom.h"
#include "teardownd/log.h"
#include "teardownd/policy.h"

void oom_check_cgroup(Manager *m, ManagedCgroup *c) {
	_cleanup_free_ char *unit = NULL;
	uint64_t oom_kill, timeout;
	Tracked *t, *tmp;
	pid_t victim = 0;
	int r;

	metrics_cgroup_events(m, c);
	r = cgroup_read_events(m->config->cgroup_root, c->path, &oom_kill, &timeout);
	if (r < 0)
		return;
	(void) cgroup_path_get_unit(c->path, &unit);

	if (timeout > c->teardown_timeout) {
		m->timeouts += timeout - c->teardown_timeout;
		journal_timeout(c->path, 0, "a parked mm was not claimed in time, the kernel tore it down (teardown_timeout)");
		c->teardown_timeout = timeout;
	}

	if (oom_kill <= c->oom_kill)
		return;
	m->oom_kills_seen += oom_kill - c->oom_kill;
	c->oom_unclaimed += (unsigned) MIN(oom_kill - c->oom_kill, (uint64_t) 16);
	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &c->oom_unclaimed_usec);
	c->oom_kill = oom_kill;

	/* whoever is dying of SIGKILL now: tracker_start_teardown() decides if it is the victim */
	HASH_ITER(hh, m->tracked, t, tmp) {
		TeardownTrigger trigger = TRIGGER_KILL;
		pid_t pid = t->pid;

		if (t->mcg != c || tracker_trigger_from_proc(t->pid, t->pidfd) != TRIGGER_KILL)
			continue;
		r = tracker_start_teardown(m, t, TRIGGER_KILL, &trigger); /* logs its failure */
		if (r >= 0 && trigger == TRIGGER_OOM) {
			victim = pid;
			journal_oom(c->path, unit, oom_kill, victim);
		}
	}
	if (victim == 0) {
		/* not dying visibly yet (its pidfd will tell), below the threshold, or gone */
		journal_oom(c->path, unit, oom_kill, 0);
		log_info("OOM kill in %s, victim not identified yet", c->path);
	}
	manager_update_status(m);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Manager *m = userdata;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			/* < 0 would switch OOM and new-cgroup detection off for good: rescan instead */
			log_warning_errno(negative_errno(), "Failed to read inotify events, rescanning: %m");
			manager_request_rescan(m);
			return 0;
		}
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *e = (struct inotify_event *) p;

			if ((size_t) (buf + n - p) < sizeof(*e) || (size_t) (buf + n - p) < sizeof(*e) + e->len)
				break; /* truncated: never trust the length blindly */
			p += sizeof(*e) + e->len;
			if (e->mask & IN_Q_OVERFLOW) {
				manager_request_rescan(m);
				for (ManagedCgroup *c = m->cgroups; c; c = c->hh.next)
					oom_check_cgroup(m, c);
				continue;
			}
			if ((e->mask & IN_CREATE) && (e->mask & IN_ISDIR)) {
				manager_request_rescan(m); /* a cgroup appeared: apply policies now */
				continue;
			}
			for (ManagedCgroup *c = m->cgroups; c; c = c->hh.next)
				if (c->events_wd == e->wd) {
					if (e->mask & IN_IGNORED) {
						/* removed (systemctl restart makes it again at the same
						 * path): a cgroup made there gets the policy anew */
						c->events_wd = -1;
						tracker_drop_cgroup(m, c);
						manager_request_rescan(m);
					} else
						oom_check_cgroup(m, c);
					break;
				}
		}
	}
}

int oom_setup(Manager *m) {
	int r;

	m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->inotify_fd < 0)
		return negative_errno();
	r = sd_event_add_io(m->event, &m->inotify_source, m->inotify_fd, EPOLLIN, on_inotify, m);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(m->inotify_source, "memory-events");
	(void) sd_event_source_set_exit_on_failure(m->inotify_source, true); /* its handler recovers: never */
	return 0;
}

int oom_watch_cgroup(Manager *m, ManagedCgroup *c) {
	_cleanup_free_ char *p = NULL;
	int wd;

	if (m->inotify_fd < 0 || c->events_wd >= 0)
		return 0;
	if (asprintf(&p, "%s%s/memory.events", m->config->cgroup_root, c->path) < 0)
		return -ENOMEM;
	wd = inotify_add_watch(m->inotify_fd, p, IN_MODIFY);
	if (wd < 0)
		return log_debug_errno(negative_errno(), "Failed to watch %s, ignoring: %m", p);
	c->events_wd = wd;
	return 0;
}

void oom_unwatch_cgroup(Manager *m, ManagedCgroup *c) {
	if (c->events_wd >= 0 && m->inotify_fd >= 0)
		(void) inotify_rm_watch(m->inotify_fd, c->events_wd);
	c->events_wd = -1;
}
