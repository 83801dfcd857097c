/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metrics of teardownd as text for Prometheus: a plain snapshot of
 * counters, gauges and histograms, and a pure renderer of it. The daemon
 * fills the snapshot on its event loop (daemon/metrics-collect.c); the
 * renderer touches nothing else, so the HTTP threads and the unit tests
 * call it alike. Part of libteardown_shared. The metrics are listed in
 * docs/metrics.md and teardownd(8).
 *
 * Naming follows Prometheus: one prefix "teardownd_", base units (seconds,
 * bytes), "_total" on counters, histograms as _bucket{le=}/_sum/_count, no
 * PID labels. The only unbounded-looking label, policy, is bounded by the
 * number of policy files.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teardownd/conf.h"
#include "teardownd/trigger.h"

/* Upper bounds of the duration histograms, in microseconds; +Inf is implied. */
#define METRICS_BUCKETS_USEC \
	{ 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, \
	  1000000, 2500000, 5000000, 10000000, 30000000, 60000000 }
#define METRICS_N_BUCKETS 15

typedef struct MetricsHistogram {
	uint64_t bucket[METRICS_N_BUCKETS + 1]; /* per bucket, not cumulative; the last one is +Inf */
	uint64_t count;
	uint64_t sum_usec;
} MetricsHistogram;

/* Add one observation of usec microseconds. */
void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec);

typedef struct MetricsPolicy {
	char *name;          /* policy name; "" for teardowns no policy matched (ReapPid) */
	uint64_t teardowns[_TEARDOWN_MODE_MAX][_TRIGGER_MAX];
	uint64_t bytes_reaped;
	uint64_t cpu_usec;   /* the workers' CPU time */
	/* memory.events of the policy's cgroups, summed as they moved while the daemon saw them */
	uint64_t kernel_async;    /* teardown_async */
	uint64_t kernel_park;     /* teardown_park (teardown_timeout: MetricsSnapshot.park_timeouts) */
} MetricsPolicy;

typedef struct MetricsSnapshot {
	const char *version;
	const char *backend;        /* "pidfd-reap", "process_mrelease" or "none" */
	uint64_t start_time_usec;   /* CLOCK_REALTIME of the daemon's start */

	MetricsPolicy *policies;    /* the policies of the config in force, then "" */
	size_t n_policies;

	MetricsHistogram duration;  /* first claim to release (ReapResult.duration_usec) */
	MetricsHistogram latency;   /* the daemon saw it dying (job queued) to teardown done */

	/* counters */
	uint64_t fallbacks;         /* kernel fallbacks: the kernel's own exit freed the memory */
	uint64_t fallback_esrch;    /* process_mrelease answered ESRCH */
	uint64_t park_timeouts;     /* memory.events teardown_timeout moves in managed cgroups */
	uint64_t oom_kills_seen;
	uint64_t tracking_refused;
	uint64_t reloads;
	uint64_t reload_failures;

	/* gauges */
	uint64_t tracked;
	uint64_t managed_cgroups;
	uint64_t inflight;          /* teardown jobs queued or running */
	uint64_t inflight_bytes;    /* still mapped in them: rss_left, or the RSS last seen */
	uint64_t parked;            /* of those, address spaces the kernel holds parked */
	uint64_t parked_bytes;
} MetricsSnapshot;

typedef enum MetricsFormat {
	METRICS_FORMAT_PROMETHEUS,  /* text/plain; version=0.0.4 (node_exporter's textfile collector, promtool) */
	METRICS_FORMAT_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
	_METRICS_FORMAT_MAX,
	_METRICS_FORMAT_INVALID = -EINVAL,
} MetricsFormat;

/* "prometheus", "openmetrics"; and back ("" is prometheus). */
const char *metrics_format_to_string(MetricsFormat f);
MetricsFormat metrics_format_from_string(const char *s);
/* The HTTP Content-Type of f. */
const char *metrics_format_content_type(MetricsFormat f);
/* What an HTTP Accept header asks for: openmetrics if it names application/openmetrics-text. */
MetricsFormat metrics_format_from_accept(const char *accept);

/*
 * Renders s. Returns 0 and a NUL-terminated string in *ret (its length in
 * *ret_len if not NULL), -ENOMEM.
 */
int metrics_render(const MetricsSnapshot *s, MetricsFormat f, char **ret, size_t *ret_len);

/* Deep copy and free (for snapshots handed between threads). */
int metrics_snapshot_copy(const MetricsSnapshot *s, MetricsSnapshot *ret);
void metrics_snapshot_done(MetricsSnapshot *s);
