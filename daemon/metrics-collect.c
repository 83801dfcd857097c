/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the metrics count, on the event loop: the hooks teardown.c and
 * manager.c call (a job queued, a teardown recorded, a job finished, a
 * reload), and the MetricsSnapshot built from them and the Manager's own
 * counters. With [Metrics] Listen= set, a 1 s timer (and every finished
 * teardown) publishes a copy of the snapshot to the HTTP threads of
 * metrics-server.c, which never see the Manager.
 */
#include <time.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "cgroup-adapter.h"
#include "manager.h"
#include "metrics-collect.h"
#include "metrics-server.h"
#include "teardownd/log.h"
#include "teardownd/metrics.h"
#include "teardownd/policy.h"
#include "teardownd/time-util.h"

#define PUBLISH_INTERVAL_USEC USEC_PER_SEC

typedef struct InflightJob {
	const TeardownJob *job;  /* its pidfd stays open until job_free(), after metrics_job_finished() */
	uint64_t queued_usec;    /* CLOCK_MONOTONIC */
} InflightJob;

/* memory.events of a managed cgroup as last read, to add what moved */
typedef struct SeenEvents {
	char *path;
	uint64_t async, park;
	bool seen;
} SeenEvents;

struct MetricsState {
	uint64_t start_time_usec;
	MetricsPolicy *policies;  /* by name, "" included; pruned to the config in force */
	size_t n_policies;
	MetricsHistogram duration, latency;
	uint64_t fallback_esrch, reloads, reload_failures;
	InflightJob *inflight;
	size_t n_inflight, inflight_cap;
	SeenEvents *events;
	size_t n_events;

	MetricsServer *server;
	sd_event_source *publish_timer;
};


int metrics_new(Manager *m) {
	MetricsState *s = calloc(1, sizeof(MetricsState));

	if (!s)
		return -ENOMEM;
	s->start_time_usec = now_usec(CLOCK_REALTIME);
	m->metrics = s;
	return 0;
}

void metrics_free(Manager *m) {
	MetricsState *s = m->metrics;

	if (!s)
		return;
	s->server = metrics_server_stop(s->server);
	s->publish_timer = sd_event_source_disable_unref(s->publish_timer);
	for (size_t i = 0; i < s->n_policies; i++)
		free(s->policies[i].name);
	free(s->policies);
	for (size_t i = 0; i < s->n_events; i++)
		free(s->events[i].path);
	free(s->events);
	free(s->inflight);
	free(s);
	m->metrics = NULL;
}

/* The accumulator of policy name, added if new; NULL on -ENOMEM. */
static MetricsPolicy *policy_stats(MetricsState *s, const char *name) {
	MetricsPolicy *v;

	for (size_t i = 0; i < s->n_policies; i++)
		if (s->policies[i].name && streq(s->policies[i].name, name)) /* NULL: moved by prune_policies() */
			return &s->policies[i];
	v = realloc(s->policies, (s->n_policies + 1) * sizeof(MetricsPolicy));
	if (!v)
		return NULL;
	s->policies = v;
	v[s->n_policies] = (MetricsPolicy) { .name = strdup(name) };
	if (!v[s->n_policies].name)
		return NULL;
	return &v[s->n_policies++];
}

static const char *policy_name_of(Manager *m, const char *cgroup) {
	const Policy *p = NULL;

	if (cgroup && m->config)
		p = policy_find(m->config->policies, m->config->n_policies, cgroup);
	return p ? p->name : "";
}

void metrics_job_queued(Manager *m, const TeardownJob *j) {
	MetricsState *s = m->metrics;

	if (!s)
		return;
	if (s->n_inflight == s->inflight_cap) {
		size_t cap = MAX(s->inflight_cap * 2, (size_t) 16);
		InflightJob *v = realloc(s->inflight, cap * sizeof(InflightJob));

		if (!v) {
			log_debug("Out of memory, teardown of %d not counted in flight", (int) j->pid);
			return;
		}
		s->inflight = v;
		s->inflight_cap = cap;
	}
	s->inflight[s->n_inflight] = (InflightJob) { .job = j };
	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &s->inflight[s->n_inflight].queued_usec);
	s->n_inflight++;
}

static void request_publish(MetricsState *s) {
	if (s->publish_timer)
		(void) sd_event_source_set_time(s->publish_timer, 1); /* at once: already due */
}

void metrics_teardown_done(Manager *m, const TeardownJob *j, const TeardownRecord *rec) {
	MetricsState *s = m->metrics;
	MetricsPolicy *p;

	if (!s)
		return;
	p = policy_stats(s, policy_name_of(m, rec->cgroup));
	if (!p) {
		log_debug("Out of memory, teardown of %d not counted", (int) j->pid);
		return;
	}
	if (j->mode >= 0 && j->mode < _TEARDOWN_MODE_MAX && j->trigger < _TRIGGER_MAX)
		p->teardowns[j->mode][j->trigger]++;
	p->bytes_reaped += rec->bytes;
	p->cpu_usec += rec->cpu_usec;
	metrics_histogram_observe(&s->duration, rec->duration_usec);
	for (size_t i = 0; i < s->n_inflight; i++)
		if (s->inflight[i].job == j) {
			uint64_t now = 0;

			(void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
			metrics_histogram_observe(&s->latency, now > s->inflight[i].queued_usec ?
						  now - s->inflight[i].queued_usec : 0);
			break;
		}
	request_publish(s);
}

void metrics_job_finished(Manager *m, const TeardownJob *j) {
	MetricsState *s = m->metrics;

	if (!s)
		return;
	if (j->result.backend == REAP_BACKEND_MRELEASE && j->result.esrch > 0)
		s->fallback_esrch += j->result.esrch;
	for (size_t i = 0; i < s->n_inflight; i++)
		if (s->inflight[i].job == j) {
			s->inflight[i] = s->inflight[--s->n_inflight];
			break;
		}
	request_publish(s);
}

void metrics_reloaded(Manager *m, int r) {
	if (!m->metrics)
		return;
	if (r < 0)
		m->metrics->reload_failures++;
	else
		m->metrics->reloads++;
	request_publish(m->metrics);
}

/*
 * Add what memory.events teardown_async/teardown_park of c moved by since
 * the last look to its policy. A cgroup seen for the first time counts
 * from its creation (the kernel's counts are that). Called when inotify
 * says memory.events changed (a victim's cgroup may be gone by the next
 * snapshot) and for every managed cgroup at each snapshot.
 */
static int account_events(Manager *m, ManagedCgroup *c) {
	MetricsState *s = m->metrics;
	SeenEvents *e = NULL, *v;
	MetricsPolicy *p;
	MemoryEvents ev;
	uint64_t async, park;
	int r;

	if (!s || !c->policy)
		return 0;
	r = cgroup_read_memory_events(m->config->cgroup_root, c->path, &ev);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* gone: normal */
	async = ev.teardown_async;
	park = ev.teardown_park;
	for (size_t i = 0; i < s->n_events && !e; i++)
		if (streq(s->events[i].path, c->path))
			e = &s->events[i];
	if (!e) {
		v = realloc(s->events, (s->n_events + 1) * sizeof(SeenEvents));
		if (!v)
			return -ENOMEM;
		s->events = v;
		e = &v[s->n_events];
		*e = (SeenEvents) { .path = strdup(c->path) };
		if (!e->path)
			return -ENOMEM;
		s->n_events++;
	}
	e->seen = true;
	p = policy_stats(s, c->policy->name);
	if (!p)
		return -ENOMEM;
	/* a counter going back means a new cgroup of the same path */
	p->kernel_async += async >= e->async ? async - e->async : async;
	p->kernel_park += park >= e->park ? park - e->park : park;
	e->async = async;
	e->park = park;
	return 0;
}

void metrics_cgroup_events(Manager *m, ManagedCgroup *c) {
	if (account_events(m, c) < 0)
		log_debug("Out of memory, memory.events of %s not counted", c->path);
}

/* account_events() for every managed cgroup; forget the cgroups no longer managed */
static int collect_events(Manager *m) {
	MetricsState *s = m->metrics;
	size_t k = 0;
	int r;

	for (size_t i = 0; i < s->n_events; i++)
		s->events[i].seen = false;
	for (ManagedCgroup *c = m->cgroups; c; c = c->hh.next) {
		r = account_events(m, c);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < s->n_events; i++) {
		if (s->events[i].seen)
			s->events[k++] = s->events[i];
		else
			free(s->events[i].path);
	}
	s->n_events = k;
	return 0;
}

/* The accumulators of the config's policies, in its order, then "": others go. */
static int prune_policies(Manager *m) {
	MetricsState *s = m->metrics;
	MetricsPolicy *v;
	size_t n = m->config->n_policies + 1;

	v = calloc(n, sizeof(MetricsPolicy));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name = i < m->config->n_policies ? m->config->policies[i].name : "";
		MetricsPolicy *p = policy_stats(s, name);

		if (!p) {
			for (size_t k = 0; k < i; k++)
				free(v[k].name);
			free(v);
			return -ENOMEM;
		}
		v[i] = *p;
		p->name = NULL; /* moved */
	}
	for (size_t i = 0; i < s->n_policies; i++)
		free(s->policies[i].name);
	free(s->policies);
	s->policies = v;
	s->n_policies = n;
	return 0;
}

int metrics_snapshot(Manager *m, MetricsSnapshot *ret) {
	MetricsState *s = m->metrics;
	MetricsSnapshot snap;
	int r;

	if (!s)
		return -ENODATA;
	r = collect_events(m);
	if (r < 0)
		return r;
	r = prune_policies(m);
	if (r < 0)
		return r;

	snap = (MetricsSnapshot) {
		.version = PACKAGE_VERSION,
		.backend = reap_backend_to_string(m->features.backend) ?: "none",
		.start_time_usec = s->start_time_usec,
		.policies = s->policies,
		.n_policies = s->n_policies,
		.duration = s->duration,
		.latency = s->latency,
		.fallbacks = m->fallbacks,
		.fallback_esrch = s->fallback_esrch,
		.park_timeouts = m->timeouts,
		.oom_kills_seen = m->oom_kills_seen,
		.tracking_refused = m->tracking_refused,
		.reloads = s->reloads,
		.reload_failures = s->reload_failures,
		.tracked = m->n_tracked,
		.managed_cgroups = m->n_cgroups,
		.inflight = s->n_inflight,
	};
	for (size_t i = 0; i < s->n_inflight; i++) {
		const TeardownJob *j = s->inflight[i].job;
		unsigned state;
		uint64_t left;

		/* the kernel's word where it has one (pidfd-reap), else the RSS seen last */
		if (j->pidfd >= 0 && reap_query(j->pidfd, &state, &left, NULL) >= 0) {
			snap.inflight_bytes += left;
			if (state == PIDFD_REAP_STATE_PARKED) {
				snap.parked++;
				snap.parked_bytes += left;
			}
		} else
			snap.inflight_bytes += j->rss_seen;
	}
	/* a copy: the accumulators go on changing */
	return metrics_snapshot_copy(&snap, ret);
}

int metrics_render_manager(Manager *m, MetricsFormat format, char **ret) {
	MetricsSnapshot snap;
	int r;

	r = metrics_snapshot(m, &snap);
	if (r < 0)
		return r;
	r = metrics_render(&snap, format, ret, NULL);
	metrics_snapshot_done(&snap);
	return r;
}

static int publish(Manager *m) {
	MetricsSnapshot snap;
	int r;

	r = metrics_snapshot(m, &snap);
	if (r < 0)
		return r;
	metrics_server_publish(m->metrics->server, &snap); /* takes it */
	return 0;
}

static int on_publish_timer(sd_event_source *source, uint64_t usec, void *userdata) {
	Manager *m = userdata;
	int r;

	r = publish(m);
	if (r == -ENOMEM)
		log_warning_errno(r, "Failed to publish metrics, serving the last ones: %m");
	else if (r < 0)
		log_debug_errno(r, "Failed to publish metrics, ignoring: %m");
	r = sd_event_source_set_time_relative(source, PUBLISH_INTERVAL_USEC);
	if (r >= 0)
		r = sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
	if (r < 0)
		return log_error_errno(r, "Failed to re-arm the metrics timer: %m");
	return 0;
}

/* The socket teardownd-metrics.socket passed as "metrics", or -ENOENT. Others are closed. */
static int inherited_fd(void) {
	char **names = NULL;
	int n, fd = -ENOENT;

	n = sd_listen_fds_with_names(true, &names);
	if (n <= 0)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		if (fd < 0 && names && names[i] && streq(names[i], "metrics") &&
		    sd_is_socket(SD_LISTEN_FDS_START + i, 0, SOCK_STREAM, 1) > 0)
			fd = SD_LISTEN_FDS_START + i;
		else {
			log_warning("Ignoring a socket passed as '%s': only 'metrics' is served", names && names[i] ? names[i] : "");
			safe_close(SD_LISTEN_FDS_START + i);
		}
	}
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return fd;
}

int metrics_start(Manager *m) {
	MetricsState *s = m->metrics;
	MetricsSnapshot first;
	const char *where;
	int fd, r;

	if (!s)
		return 0;
	fd = inherited_fd();
	if (fd < 0 && !m->config->metrics_listen)
		return 0;
	if (fd >= 0 && m->config->metrics_listen)
		log_notice("Serving metrics on the socket systemd passed, not on Listen=%s", m->config->metrics_listen);
	where = fd >= 0 ? "the socket of teardownd-metrics.socket" : m->config->metrics_listen;
	r = metrics_snapshot(m, &first);
	if (r < 0) {
		safe_close(fd);
		return log_error_errno(r, "Failed to collect the first metrics: %m");
	}
	r = metrics_server_start(fd >= 0 ? NULL : m->config->metrics_listen, fd, &first, &s->server);
	if (r < 0) {
		metrics_snapshot_done(&first);
		safe_close(fd);
		if (r == -ENOMEM)
			return log_oom();
		/* teardowns matter more than their metrics: go on without the endpoint */
		log_error_errno(r, "Failed to serve metrics on %s, running without the endpoint%s: %m", where,
				r == -EAFNOSUPPORT || r == -EPERM || r == -EACCES
				? " (the unit's sandbox denies AF_INET/AF_INET6: enable teardownd-metrics.socket instead)" : "");
		return 0;
	}
	r = sd_event_add_time_relative(m->event, &s->publish_timer, CLOCK_MONOTONIC, PUBLISH_INTERVAL_USEC,
				       USEC_PER_MSEC * 10, on_publish_timer, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the metrics timer: %m");
	(void) sd_event_source_set_description(s->publish_timer, "metrics-publish");
	log_info("Serving metrics on %s%s%s", fd >= 0 ? "" : "http://", where, fd >= 0 ? "" : "/metrics");
	return 0;
}
