/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's metrics: counters and histograms fed by hooks, snapshots for the server and D-Bus. */
#pragma once

#include "teardownd/metrics.h"

typedef struct Manager Manager;
typedef struct ManagedCgroup ManagedCgroup;
typedef struct TeardownJob TeardownJob;
typedef struct TeardownRecord TeardownRecord;
typedef struct MetricsState MetricsState;

/* the hooks accept m->metrics == NULL */
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
