/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Teardown jobs (teardown.c): one per dying process, made by job_new() for
 * the tracker and ReapPid alike, run on the job pool (job-pool.c) and
 * recorded on the event loop when done (journal, D-Bus signal, recent
 * list, counters).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "teardownd/conf.h"
#include "teardownd/macro.h"
#include "teardownd/reap.h"
#include "teardownd/trigger.h"

typedef struct Manager Manager;
typedef struct TeardownJob TeardownJob;
typedef struct TeardownRecord TeardownRecord;

struct TeardownRecord {
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
};

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
	uint64_t submitted_usec; /* CLOCK_MONOTONIC: job_pool_submit() */
	uint64_t queued_usec;    /* submitted to reap_run() starting: waited for a pool thread */
	uint64_t yield_usec;     /* before the job: the tracker let the parent reap the process (YieldMSec=) */
	const char *yield_end;   /* TEARDOWN_YIELD=: none, reaped, timeout, cgroup, already-reaped (static) */
	int worker_cgroup_fd;
	sd_bus_message *reply;  /* ReapPid() waiting for this job, or NULL */
	/* ReapPid() of a process not dying yet: on the event loop, until it is (manager-bus.c) */
	sd_event_source *wait_io;    /* its pidfd: exit, or the teardown starting (PIDFD_REAP_WATCH) */
	sd_event_source *wait_timer; /* rechecks; gives up at wait_until_usec */
	uint64_t wait_until_usec;
	/* output */
	int r;
	ReapResult result;
	TeardownJob *next;      /* pool queue or done list (job-pool.c) */
	TeardownJob *jobs_next; /* Manager.jobs: every job from job_new() to job_free(), event loop only */
};

/*
 * The one constructor of a teardown job, for the tracker and ReapPid: pid
 * in cgroup under policy p (NULL: the [Reaper] defaults, mode sync), its
 * chunks planned for rss bytes, workers > 0 overriding the plan, a copy of
 * the policy's worker cgroup fd. The caller sets the pidfd and the trigger.
 * All or nothing: -ESHUTDOWN when the pool is stopped, -ENOMEM, -EMFILE.
 */
int job_new(Manager *m, pid_t pid, const char *comm, const char *cgroup, const Policy *p, uint64_t rss,
	    unsigned workers, TeardownJob **ret);
/* Hands j to the pool; the pool owns it from here and the loop records it when done. */
int job_submit(Manager *m, TeardownJob *j);
/* The job for pid, waiting, queued or running, or NULL. */
TeardownJob *job_find(Manager *m, pid_t pid);
TeardownJob *job_free(TeardownJob *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(TeardownJob *, job_free);
/* The pool's done callback: records each finished job and frees it. */
void job_done(TeardownJob *done, void *userdata);
