/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure CPU budget and chunk planning math. No I/O here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUDGET_QUOTA_USEC_MIN 1000ULL        /* the kernel refuses a smaller cpu.max quota */
#define BUDGET_CHUNK_ALIGN (2ULL << 20)      /* PMD size: chunks never split a THP */

/* cpu.max quota in usec for CPUQuota= (permille of one CPU) over period; at least 1000. */
uint64_t budget_quota_usec(unsigned quota_permille, uint64_t period_usec);

/* Formats the cpu.max line "QUOTA PERIOD" into buf; -EINVAL for a 0 period, -ENOBUFS if buf is short. */
int budget_format_cpu_max(unsigned quota_permille, uint64_t period_usec, char *buf, size_t size);

/*
 * Workers worth running under a quota: more threads than ceil(quota/1 CPU)
 * only queue on the same budget (they still hold mmap_read_lock while
 * throttled). At least 1, at most workers.
 */
unsigned budget_effective_workers(unsigned workers, unsigned quota_permille);

/*
 * The most CPU a cgroup with this quota can consume over wall_usec: one
 * quota per started period (cpu.max is enforced per period, so a teardown
 * shorter than a period can burn the full quota of that period).
 */
uint64_t budget_cpu_allowed_usec(unsigned quota_permille, uint64_t period_usec, uint64_t wall_usec);

/* cpu_usec <= allowed * (1000 + slack_permille) / 1000 */
bool budget_within(uint64_t cpu_usec, uint64_t wall_usec, unsigned quota_permille,
		   uint64_t period_usec, unsigned slack_permille);

/* Measured share of one CPU in permille (cpu/wall); 0 for 0 wall time. */
unsigned budget_share_permille(uint64_t cpu_usec, uint64_t wall_usec);

typedef struct ChunkPlan {
	uint64_t chunk;   /* bytes per claim: multiple of 2 MiB, 2 MiB..chunk_max */
	unsigned workers; /* threads to start: <= requested, <= chunks */
	uint64_t chunks;  /* claims needed to cover rss */
} ChunkPlan;

/*
 * Plans a teardown of rss bytes: at most chunk_max per claim (small chunks
 * keep the time a throttled worker holds mmap_read_lock short), at least two
 * claims per worker so they finish together, and no more workers than the
 * quota can run (budget_effective_workers) or than there are claims.
 * -EINVAL if chunk_max is not a multiple of 2 MiB or workers is 0.
 */
int budget_plan_chunks(uint64_t rss, unsigned workers, unsigned quota_permille,
		       uint64_t chunk_max, ChunkPlan *ret);
