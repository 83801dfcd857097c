/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Managed cgroups (matched by a policy) and tracked processes (at or above
 * their policy's threshold, held by pidfd), found by cgroup scans and proc
 * connector events (tracker.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "teardownd/conf.h"
#include "teardownd/hash.h"
#include "teardownd/trigger.h"

typedef struct Manager Manager;
typedef struct ManagedCgroup ManagedCgroup;
typedef struct Tracked Tracked;

/* A process at or above its policy's threshold, held by pidfd. In Manager.tracked by pid. */
struct Tracked {
	Manager *manager;
	pid_t pid;              /* the key */
	int pidfd;
	char comm[16];
	char *cgroup;           /* relative to CgroupRoot */
	ManagedCgroup *mcg;
	uint64_t rss;           /* at the last scan */
	uint64_t since_usec;    /* CLOCK_MONOTONIC when tracking began: exit notes after it are this process's */
	bool watched;           /* PIDFD_REAP_WATCH succeeded */
	sd_event_source *io;
	/* exited, parked, waiting for the parent's reap (YieldMSec=): io waits for EPOLLHUP only */
	sd_event_source *yield_timer;
	TeardownTrigger yield_trigger;  /* what /proc said when the wait began */
	uint64_t yield_since_usec;      /* CLOCK_MONOTONIC, 0: not waiting */
	const char *yield_end;          /* how the wait ended (TEARDOWN_YIELD=), static; NULL: "none" */
	UT_hash_handle hh;
};

/*
 * A cgroup matched by a policy. In Manager.cgroups by cgroup id, not path:
 * `systemctl restart` removes a cgroup and makes another at the same path,
 * which is another cgroup to manage (its own memory.teardown_mode,
 * memory.events and oom_kill count), and a renamed cgroup is still the same.
 */
struct ManagedCgroup {
	Manager *manager;
	uint64_t id;            /* the key: cgroup_id_read() */
	char *path;             /* relative to CgroupRoot, where it is now */
	const Policy *policy;   /* into manager->config->policies */
	TeardownMode applied_mode;
	bool mode_applied;
	int events_wd;          /* inotify watch on memory.events, -1 if none */
	uint64_t oom_kill;      /* last seen memory.events oom_kill */
	uint64_t teardown_timeout; /* last seen memory.events teardown_timeout */
	unsigned oom_unclaimed; /* OOM kills seen whose victim was not identified yet */
	uint64_t oom_unclaimed_usec; /* CLOCK_MONOTONIC when the newest of them was seen */
	bool seen;
	UT_hash_handle hh;
};

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
