/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Manager owns all state of teardownd: the event loop, the bus, the
 * config, managed cgroups, tracked processes, teardown jobs and counters.
 * Internal to the daemon (not part of libteardown_shared).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "job-pool.h"
#include "kernel-features.h"
#include "teardown.h"
#include "teardownd/conf.h"
#include "teardownd/procfs.h"
#include "teardownd/trigger.h"
#include "tracker.h"

typedef struct Manager Manager;
typedef struct MetricsState MetricsState;

struct Manager {
	sd_event *event;
	sd_bus *bus;            /* system bus, or NULL */
	int private_fd;         /* listening socket for the private bus */
	sd_event_source *private_source;
	sd_event_source *private_kick; /* drains private connections that just finished authenticating */
	sd_bus **private_conns;
	uid_t *private_uids;    /* the peer of each (SO_PEERCRED): connections are limited per uid */
	size_t n_private_conns;

	char *root;             /* config root for tests ("" = /) */
	char *runtime_dir;      /* ROOT/run/teardownd, made by instance_lock() */
	int lock_fd;            /* flock()ed ROOT/run/teardownd/lock: one instance per root */
	Config *config;
	int log_level_override; /* --log-level=, -1 if none: wins over LogLevel= on every reload */
	KernelFeatures features;

	/* cgroups */
	char *own_cgroup;       /* relative path of our own (delegated) cgroup: never scanned */
	char *workers_parent;   /* OWN/daemon: our process, threaded root of the w-* worker cgroups */
	int *worker_cgroup_fds; /* one per policy, -1 when unusable */
	size_t n_worker_cgroup_fds;
	ManagedCgroup *cgroups; /* uthash by cgroup id */
	unsigned n_cgroups;
	int inotify_fd;         /* memory.events (IN_MODIFY) and cgroup dirs (IN_CREATE) */
	bool inotify_exhausted;
	sd_event_source *inotify_source;
	sd_event_source *scan_timer;

	/* tracking */
	Tracked *tracked;       /* uthash by pid: up to MaxTracked (65536) */
	unsigned n_tracked;
	uint64_t tracking_refused; /* MaxTracked reached */

	/* proc connector */
	void *procconn;         /* opaque, procconn.c */
	sd_event_source *procconn_source;
	sd_event_source *rescan_defer;
	/*
	 * exit codes from the proc connector's exit events: a job whose trigger
	 * was read as "exit" looks here when it finishes. When the parent reaps
	 * the zombie before the daemon reads /proc (many kills at once), the
	 * exit event is the only place left where the fatal signal shows (a
	 * pidfd gives no exit status to a non-parent on 6.12).
	 */
	ExitNotes exit_notes;

	/* new processes in managed cgroups, rechecked until they reach the threshold */
	struct Candidate { pid_t pid; uint64_t until_usec; } *candidates;
	size_t n_candidates;
	sd_event_source *candidate_timer;

	JobPool pool;
	TeardownJob *jobs;      /* every job not freed yet: one job per process */

	TeardownRecord *recent; /* ring of config->recent_teardowns */
	size_t n_recent, recent_next, recent_cap;

	/* counters (D-Bus properties) */
	uint64_t teardowns_total;
	uint64_t bytes_reaped;
	uint64_t oom_kills_seen;
	uint64_t fallbacks;
	uint64_t timeouts;

	MetricsState *metrics;  /* metrics-collect.c */

	bool stopping;
};

/* Takes config on success; on failure the caller keeps it. */
int manager_new(const char *root, Config *config, Manager **ret);
Manager *manager_free(Manager *m);
int manager_startup(Manager *m);
int manager_run(Manager *m);
int manager_reload(Manager *m, char **ret_error);
void manager_update_status(Manager *m);
/* One sentence when teardown workers run without their CPU budget, NULL when each policy has its worker cgroup. */
const char *manager_cpu_budget_limitation(const Manager *m);
void manager_request_rescan(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
