/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Manager owns all state of teardownd: the event loop, the bus, the
 * config, managed cgroups, tracked processes, teardown jobs and counters.
 * Internal to the daemon (not part of libteardown_shared).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "teardownd/conf.h"
#include "teardownd/metrics.h"
#include "teardownd/procfs.h"
#include "teardownd/reap.h"
#include "teardownd/trigger.h"

#define TEARDOWND_BUS_NAME "org.teardownd1"
#define TEARDOWND_BUS_PATH "/org/teardownd1"
#define TEARDOWND_BUS_INTERFACE "org.teardownd1.Manager"
#define TEARDOWND_PRIVATE_SOCKET_NAME "private"

typedef struct Manager Manager;
typedef struct Tracked Tracked;
typedef struct ManagedCgroup ManagedCgroup;
typedef struct TeardownJob TeardownJob;
typedef struct MetricsState MetricsState;
typedef struct MetricsServer MetricsServer;

typedef struct KernelFeatures {
	bool cgroup2;           /* CgroupRoot is a cgroup2 mount with the memory controller */
	bool teardown_mode;     /* memory.teardown_mode present */
	bool pidfd_reap;        /* PIDFD_REAP answers */
	bool mrelease;          /* process_mrelease exists */
	bool proc_connector;    /* proc connector subscribed */
	int backend;            /* ReapBackend in use, or 0 for none */
} KernelFeatures;

/* A process at or above its policy's threshold, held by pidfd. */
struct Tracked {
	Manager *manager;
	pid_t pid;
	int pidfd;
	char comm[16];
	char *cgroup;           /* relative to CgroupRoot */
	ManagedCgroup *mcg;
	uint64_t rss;           /* at the last scan */
	uint64_t since_usec;    /* CLOCK_MONOTONIC when tracking began: exit notes after it are this process's */
	bool watched;           /* PIDFD_REAP_WATCH succeeded */
	bool seen;              /* mark for scans */
	sd_event_source *io;
	Tracked *next;
};

/* A cgroup matched by a policy. */
struct ManagedCgroup {
	Manager *manager;
	char *path;             /* relative to CgroupRoot */
	uint64_t id;            /* cgroup id (cgroup_id_read()): a cgroup made again at path has another, 0 unknown */
	const Policy *policy;   /* into manager->config->policies */
	TeardownMode applied_mode;
	bool mode_applied;
	int events_wd;          /* inotify watch on memory.events, -1 if none */
	uint64_t oom_kill;      /* last seen memory.events oom_kill */
	uint64_t teardown_timeout; /* last seen memory.events teardown_timeout */
	unsigned oom_unclaimed; /* OOM kills seen whose victim was not identified yet */
	uint64_t oom_unclaimed_usec; /* CLOCK_MONOTONIC when the newest of them was seen */
	bool seen;
	ManagedCgroup *next;
};

typedef struct TeardownRecord {
	uint64_t timestamp_usec; /* CLOCK_REALTIME at completion */
	uint32_t pid;
	char comm[16];
	char *cgroup;
	char *unit;
	char *mode;
	char *trigger;
	const char *trigger_source; /* static string: trigger_source_to_string() */
	uint64_t bytes;
	uint64_t duration_usec;
	uint32_t workers;
	uint64_t cpu_usec;
} TeardownRecord;

struct TeardownJob {
	Manager *manager;
	/* input, owned by the job */
	pid_t pid;
	int pidfd;
	char comm[16];
	char *cgroup;
	char *unit;
	TeardownMode mode;
	TeardownTrigger trigger;        /* decided at start, decided again on the kernel's last word */
	TriggerSource trigger_source;
	TriggerEvidence evidence;       /* what the start decision saw */
	uint64_t since_usec;    /* the process was alive then (Tracked.since_usec, or the ReapPid call) */
	uint64_t rss_seen;      /* RSS the daemon last saw (Tracked.rss), 0 if unknown */
	ReapOptions options;
	int worker_cgroup_fd;
	sd_bus_message *reply;  /* ReapPid() waiting for this job, or NULL */
	/* ReapPid() of a process not dying yet: on the event loop, until it is (manager-bus.c) */
	sd_event_source *wait_io;    /* its pidfd: exit, or the teardown starting (PIDFD_REAP_WATCH) */
	sd_event_source *wait_timer; /* rechecks; gives up at wait_until_usec */
	uint64_t wait_until_usec;
	/* output */
	int r;
	ReapResult result;
	TeardownJob *next;      /* pool queue or done list */
	TeardownJob *jobs_next; /* Manager.jobs: every job from job_new() to job_free(), event loop only */
};

typedef struct JobPool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	TeardownJob *queue, *queue_tail;
	TeardownJob *done;
	unsigned n_threads;
	pthread_t *threads;
	bool stopping;
	int efd;                /* eventfd: a job finished */
	sd_event_source *source;
	unsigned running;
	unsigned queued;
} JobPool;

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
	ManagedCgroup *cgroups;
	unsigned n_cgroups;
	int inotify_fd;         /* memory.events (IN_MODIFY) and cgroup dirs (IN_CREATE) */
	bool inotify_exhausted;
	sd_event_source *inotify_source;
	sd_event_source *scan_timer;

	/* tracking */
	Tracked *tracked;
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

/* manager.c */
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

/* instance.c */
/* Makes ROOT/run/teardownd and locks it; -EBUSY (and *ret_holder, 0 if unknown) when another instance holds it. */
int instance_lock(const char *root, char **ret_runtime_dir, int *ret_fd, pid_t *ret_holder);

/* kernel-features.c */
int kernel_features_detect(const char *cgroup_root, KernelFeatures *ret);
int kernel_features_strv(const KernelFeatures *f, char ***ret);
const char *kernel_features_limitations(const KernelFeatures *f);

/* cgroup-adapter.c */
int cgroup_adapter_init(void);
int cgroup_get_own(const char *cgroup_root, char **ret);
int cgroup_enter_leaf(const char *cgroup_root, const char *own, const char *leaf, char **ret);
int cgroup_setup_workers(const char *cgroup_root, const char *parent, const char *name,
			 const ReaperSettings *s, int *ret_fd);
void cgroup_remove_workers(const char *cgroup_root, const char *parent, const char *name);
int cgroup_apply_teardown(const char *cgroup_root, const char *path, TeardownMode mode, uint64_t min_size);
/* memory.events of a cgroup: 0 for the keys this kernel lacks */
typedef struct MemoryEvents {
	uint64_t oom_kill;
	uint64_t teardown_timeout;
	uint64_t teardown_async;
	uint64_t teardown_park;
} MemoryEvents;
int cgroup_read_memory_events(const char *cgroup_root, const char *path, MemoryEvents *ret);
int cgroup_read_events(const char *cgroup_root, const char *path, uint64_t *ret_oom_kill, uint64_t *ret_timeout);
int cgroup_read_procs(const char *cgroup_root, const char *path, pid_t **ret, size_t *ret_n);
int cgroup_set_park_timeout(unsigned msec);

/* tracker.c */
int tracker_scan(Manager *m);
int tracker_consider_pid(Manager *m, pid_t pid);
Tracked *tracker_find(Manager *m, pid_t pid);
void tracker_forget(Manager *m, Tracked *t);
void tracker_forget_all(Manager *m);
/*
 * Start the teardown of t, which is dying: trigger is what its signal or
 * exit status says (EXIT or KILL); the job's trigger is decided from that,
 * the kernel's word and memory.events (teardown_trigger_decide()) and
 * stored in *ret_trigger if not NULL. All or nothing: t is forgotten
 * either way; on failure that is logged once and -errno returned.
 */
int tracker_start_teardown(Manager *m, Tracked *t, TeardownTrigger trigger, TeardownTrigger *ret_trigger);
TeardownTrigger tracker_trigger_from_proc(pid_t pid, int pidfd);
/* Has the process of pidfd started dying (or exited)? A SIGKILL pending counts. */
bool tracker_pidfd_dying(Manager *m, pid_t pid, int pidfd);
void tracker_release_cgroups(Manager *m);
/* Forgets c and what is tracked there (not the jobs already started); the next scan manages it anew. */
void tracker_drop_cgroup(Manager *m, ManagedCgroup *c);
void tracker_add_candidate(Manager *m, pid_t pid);
void tracker_free_candidates(Manager *m);
void tracker_free_cgroups(Manager *m);

/* teardown.c */
int job_pool_start(Manager *m, unsigned n_threads);
void job_pool_stop(Manager *m);
/*
 * The one constructor of a teardown job, for the tracker and ReapPid: pid
 * in cgroup under policy p (NULL: the [Reaper] defaults, mode sync), its
 * chunks planned for rss bytes, workers > 0 overriding the plan, a copy of
 * the policy's worker cgroup fd. The caller sets the pidfd and the trigger.
 * All or nothing: -ESHUTDOWN when the pool is stopped, -ENOMEM, -EMFILE.
 */
int job_new(Manager *m, pid_t pid, const char *comm, const char *cgroup, const Policy *p, uint64_t rss,
	    unsigned workers, TeardownJob **ret);
int job_submit(Manager *m, TeardownJob *j);
/* The job for pid, waiting, queued or running, or NULL. */
TeardownJob *job_find(Manager *m, pid_t pid);
TeardownJob *job_free(TeardownJob *j);
static inline void job_freep(TeardownJob **j) {
	if (*j)
		*j = job_free(*j);
}

/* journal.c */
void journal_teardown(const TeardownRecord *rec, const char *backend, const ReapResult *res);
void journal_oom(const char *cgroup, const char *unit, uint64_t kills, pid_t victim);
void journal_timeout(const char *cgroup, pid_t pid, const char *reason);
void journal_fallback(pid_t pid, const char *cgroup, const char *backend, const char *reason);

/* oom.c */
int oom_setup(Manager *m);
int oom_watch_cgroup(Manager *m, ManagedCgroup *c);
void oom_unwatch_cgroup(Manager *m, ManagedCgroup *c);
void oom_check_cgroup(Manager *m, ManagedCgroup *c);

/* procconn.c */
int procconn_setup(Manager *m);
void procconn_free(Manager *m);
void procconn_drain(Manager *m);

/* metrics-collect.c: the hooks accept m->metrics == NULL */
int metrics_new(Manager *m);
void metrics_free(Manager *m);
int metrics_start(Manager *m);
int metrics_snapshot(Manager *m, MetricsSnapshot *ret);
int metrics_render_manager(Manager *m, MetricsFormat format, char **ret);
void metrics_job_queued(Manager *m, const TeardownJob *j);
void metrics_teardown_done(Manager *m, const TeardownJob *j, const TeardownRecord *rec);
void metrics_job_finished(Manager *m, const TeardownJob *j);
void metrics_reloaded(Manager *m, int r);
void metrics_cgroup_events(Manager *m, ManagedCgroup *c);

/* metrics-server.c */
/*
 * Binds listen ("ADDR:PORT"), or serves the listening socket fd (>= 0),
 * starting with the snapshot first; on success fd and *first are taken.
 */
int metrics_server_start(const char *listen, int fd, MetricsSnapshot *first, MetricsServer **ret);
void metrics_server_publish(MetricsServer *s, MetricsSnapshot *snap);
MetricsServer *metrics_server_stop(MetricsServer *s);

/* manager-bus.c */
int manager_bus_setup(Manager *m);
void manager_bus_free(Manager *m);
void manager_bus_send_finished(Manager *m, const TeardownRecord *rec);
