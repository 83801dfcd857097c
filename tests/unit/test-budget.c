/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU budget math and chunk planning. */
#include <check.h>

#include "teardownd/budget.h"
#include "teardownd/macro.h"
#include "tap.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

START_TEST(test_cpu_max) {
	char buf[64];

	ck_assert_uint_eq(budget_quota_usec(500, 100000), 50000);
	ck_assert_uint_eq(budget_quota_usec(2000, 100000), 200000);
	ck_assert_uint_eq(budget_quota_usec(125, 100000), 12500);
	/* 1% of 100 ms is 1 ms, the kernel's minimum; 1% of 50 ms would be below it */
	ck_assert_uint_eq(budget_quota_usec(10, 100000), 1000);
	ck_assert_uint_eq(budget_quota_usec(10, 50000), 1000);
	ck_assert_int_eq(budget_format_cpu_max(500, 100000, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "50000 100000");
	ck_assert_int_eq(budget_format_cpu_max(500, 0, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(budget_format_cpu_max(500, 100000, buf, 5), -ENOBUFS);
}
END_TEST

START_TEST(test_effective_workers) {
	ck_assert_uint_eq(budget_effective_workers(4, 500), 1);
	ck_assert_uint_eq(budget_effective_workers(4, 1000), 1);
	ck_assert_uint_eq(budget_effective_workers(4, 1001), 2);
	ck_assert_uint_eq(budget_effective_workers(4, 2500), 3);
	ck_assert_uint_eq(budget_effective_workers(4, 64000), 4);
	ck_assert_uint_eq(budget_effective_workers(0, 64000), 1);
}
END_TEST

START_TEST(test_allowed_and_within) {
	/* 50% with 100 ms periods: 50 ms per started period */
	ck_assert_uint_eq(budget_cpu_allowed_usec(500, 100000, 0), 50000);
	ck_assert_uint_eq(budget_cpu_allowed_usec(500, 100000, 99999), 50000);
	ck_assert_uint_eq(budget_cpu_allowed_usec(500, 100000, 100000), 100000);
	ck_assert_uint_eq(budget_cpu_allowed_usec(500, 100000, 1000000), 550000);
	ck_assert_uint_eq(budget_cpu_allowed_usec(500, 0, 1000000), 0);

	ck_assert(budget_within(550000, 1000000, 500, 100000, 0));
	ck_assert(!budget_within(550001, 1000000, 500, 100000, 0));
	/* +5% slack */
	ck_assert(budget_within(577500, 1000000, 500, 100000, 50));
	ck_assert(!budget_within(577501, 1000000, 500, 100000, 50));
	/* no overflow with huge numbers */
	ck_assert(budget_within(UINT64_MAX / 2, UINT64_MAX / 2, 64000, 100000, 50));
}
END_TEST

START_TEST(test_share) {
	ck_assert_uint_eq(budget_share_permille(500000, 1000000), 500);
	ck_assert_uint_eq(budget_share_permille(3000000, 1000000), 3000);
	ck_assert_uint_eq(budget_share_permille(1, 0), 0);
}
END_TEST

START_TEST(test_plan) {
	ChunkPlan p;

	/* 1 GiB, 2 workers, 200%: 2 claims per worker -> 256 MiB, capped at 32 MiB -> 32 claims */
	ck_assert_int_eq(budget_plan_chunks(GiB, 2, 2000, 32 * MiB, &p), 0);
	ck_assert_uint_eq(p.chunk, 32 * MiB);
	ck_assert_uint_eq(p.workers, 2);
	ck_assert_uint_eq(p.chunks, 32);

	/* 50% quota: a second worker only queues on the same budget */
	ck_assert_int_eq(budget_plan_chunks(GiB, 2, 500, 32 * MiB, &p), 0);
	ck_assert_uint_eq(p.workers, 1);

	/* 10 MiB, 4 workers at 400%: 10/8 -> 2 MiB claims, 5 claims, 4 workers */
	ck_assert_int_eq(budget_plan_chunks(10 * MiB, 4, 4000, 32 * MiB, &p), 0);
	ck_assert_uint_eq(p.chunk, 2 * MiB);
	ck_assert_uint_eq(p.chunks, 5);
	ck_assert_uint_eq(p.workers, 4);

	/* 3 MiB, 8 workers: 2 claims of 2 MiB, so only 2 workers */
	ck_assert_int_eq(budget_plan_chunks(3 * MiB, 8, 8000, 32 * MiB, &p), 0);
	ck_assert_uint_eq(p.chunk, 2 * MiB);
	ck_assert_uint_eq(p.chunks, 2);
	ck_assert_uint_eq(p.workers, 2);

	/* unaligned request rounds up to a PMD multiple */
	ck_assert_int_eq(budget_plan_chunks(100 * MiB + 1, 4, 4000, 64 * MiB, &p), 0);
	ck_assert_uint_eq(p.chunk % (2 * MiB), 0);
	ck_assert_uint_eq(p.chunk, 14 * MiB);
	ck_assert_uint_ge(p.chunk * p.chunks, 100 * MiB + 1);

	/* nothing mapped: one worker, no claims */
	ck_assert_int_eq(budget_plan_chunks(0, 4, 4000, 32 * MiB, &p), 0);
	ck_assert_uint_eq(p.chunks, 0);
	ck_assert_uint_eq(p.workers, 1);

	ck_assert_int_eq(budget_plan_chunks(GiB, 0, 1000, 32 * MiB, &p), -EINVAL);
	ck_assert_int_eq(budget_plan_chunks(GiB, 2, 1000, 3 * MiB, &p), -EINVAL);
	ck_assert_int_eq(budget_plan_chunks(GiB, 2, 1000, MiB, &p), -EINVAL);
}
END_TEST

DEFINE_TEST_MAIN("budget", test_cpu_max, test_effective_workers, test_allowed_and_within, test_share,
	test_plan);
