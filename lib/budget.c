/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure CPU budget and chunk planning math; see teardownd/budget.h. */
#include <errno.h>
#include <stdio.h>

#include "teardownd/budget.h"
#include "teardownd/macro.h"

uint64_t budget_quota_usec(unsigned quota_permille, uint64_t period_usec) {
	uint64_t q = period_usec * quota_permille / 1000;

	return MAX(q, BUDGET_QUOTA_USEC_MIN);
}

int budget_format_cpu_max(unsigned quota_permille, uint64_t period_usec, char *buf, size_t size) {
	int n;

	if (period_usec == 0)
		return -EINVAL;
	n = snprintf(buf, size, "%llu %llu",
		     (unsigned long long) budget_quota_usec(quota_permille, period_usec),
		     (unsigned long long) period_usec);
	if (n < 0 || (size_t) n >= size)
		return -ENOBUFS;
	return 0;
}

unsigned budget_effective_workers(unsigned workers, unsigned quota_permille) {
	unsigned cpus = DIV_ROUND_UP(quota_permille, 1000);

	return MAX(1u, MIN(workers, MAX(cpus, 1u)));
}

uint64_t budget_cpu_allowed_usec(unsigned quota_permille, uint64_t period_usec, uint64_t wall_usec) {
	if (period_usec == 0)
		return 0;
	unsigned __int128 a = (unsigned __int128) budget_quota_usec(quota_permille, period_usec) *
			      (wall_usec / period_usec + 1);

	return a > UINT64_MAX ? UINT64_MAX : (uint64_t) a; /* saturate */
}

bool budget_within(uint64_t cpu_usec, uint64_t wall_usec, unsigned quota_permille,
		   uint64_t period_usec, unsigned slack_permille) {
	unsigned __int128 allowed = budget_cpu_allowed_usec(quota_permille, period_usec, wall_usec);

	return (unsigned __int128) cpu_usec * 1000 <= allowed * (1000 + slack_permille);
}

unsigned budget_share_permille(uint64_t cpu_usec, uint64_t wall_usec) {
	if (wall_usec == 0)
		return 0;
	return (unsigned) MIN((unsigned __int128) cpu_usec * 1000 / wall_usec, (unsigned __int128) UINT32_MAX);
}

int budget_plan_chunks(uint64_t rss, unsigned workers, unsigned quota_permille,
		       uint64_t chunk_max, ChunkPlan *ret) {
	uint64_t chunk, chunks;
	unsigned w;

	if (workers == 0 || chunk_max < BUDGET_CHUNK_ALIGN || chunk_max % BUDGET_CHUNK_ALIGN != 0)
		return -EINVAL;

	w = budget_effective_workers(workers, quota_permille);
	/* two claims per worker, rounded up to the PMD size, within 2 MiB..chunk_max */
	chunk = DIV_ROUND_UP(rss, (uint64_t) w * 2);
	chunk = DIV_ROUND_UP(chunk, BUDGET_CHUNK_ALIGN) * BUDGET_CHUNK_ALIGN;
	chunk = MAX(chunk, BUDGET_CHUNK_ALIGN);
	chunk = MIN(chunk, chunk_max);
	chunks = DIV_ROUND_UP(rss, chunk);
	if (chunks < w)
		w = (unsigned) MAX(chunks, (uint64_t) 1);

	*ret = (ChunkPlan) { .chunk = chunk, .workers = w, .chunks = chunks };
	return 0;
}
