/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who freed what on a stock kernel: reap_outcome_classify() and the names. */
#include <check.h>
#include <errno.h>

#include "teardownd/macro.h"
#include "teardownd/reap.h"
#include "tap.h"

#define MiB (1ULL << 20)

START_TEST(test_reaped) {
	uint64_t ours = 1, exit = 1;

	/* the mm was still attached after the call: the difference is ours alone */
	ck_assert_int_eq(reap_outcome_classify(true, 0, 0, 1024 * MiB, 4 * MiB, &ours, &exit), REAP_OUTCOME_REAPED);
	ck_assert_uint_eq(ours, 1020 * MiB);
	ck_assert_uint_eq(exit, 4 * MiB);
	/* RSS grew meanwhile (the counters are per-CPU approximations): never negative */
	ck_assert_int_eq(reap_outcome_classify(true, 0, 0, 10 * MiB, 11 * MiB, &ours, &exit), REAP_OUTCOME_REAPED);
	ck_assert_uint_eq(ours, 0);
	ck_assert_uint_eq(exit, 10 * MiB);
	/* EAGAIN: a VMA with a blocking mmu notifier (a KVM guest's memory) was skipped, the rest reaped */
	ck_assert_int_eq(reap_outcome_classify(true, -EAGAIN, 0, 1024 * MiB, 512 * MiB, &ours, &exit), REAP_OUTCOME_REAPED);
	ck_assert_uint_eq(ours, 512 * MiB);
	ck_assert_uint_eq(exit, 512 * MiB);
	/* NULL out-parameters are fine */
	ck_assert_int_eq(reap_outcome_classify(true, 0, 0, 10 * MiB, 0, NULL, NULL), REAP_OUTCOME_REAPED);
}
END_TEST

START_TEST(test_not_ours) {
	uint64_t ours = 1, exit = 0;

	/* ESRCH: the exit passed exit_mm first, whatever the RSS after says */
	ck_assert_int_eq(reap_outcome_classify(true, -ESRCH, -ESRCH, 512 * MiB, 0, &ours, &exit), REAP_OUTCOME_LOST);
	ck_assert_uint_eq(ours, 0);
	ck_assert_uint_eq(exit, 512 * MiB);

	/* success, but the mm was gone right after: the exit ran at the same time, nothing claimed */
	ours = 1;
	ck_assert_int_eq(reap_outcome_classify(true, 0, -ESRCH, 512 * MiB, 0, &ours, &exit), REAP_OUTCOME_OVERLAPPED);
	ck_assert_uint_eq(ours, 0);
	ck_assert_uint_eq(exit, 512 * MiB);

	/* EINVAL (mm shared with a live process, coredump): failed, the exit frees it */
	ours = 1;
	ck_assert_int_eq(reap_outcome_classify(true, -EINVAL, 0, 64 * MiB, 64 * MiB, &ours, &exit), REAP_OUTCOME_FAILED);
	ck_assert_uint_eq(ours, 0);
	ck_assert_uint_eq(exit, 64 * MiB);

	/* not attempted (plain kill) */
	ours = 1;
	ck_assert_int_eq(reap_outcome_classify(false, 0, 0, 64 * MiB, 0, &ours, &exit), REAP_OUTCOME_EXITED);
	ck_assert_uint_eq(ours, 0);
	ck_assert_uint_eq(exit, 64 * MiB);
}
END_TEST

START_TEST(test_names) {
	ck_assert_ptr_null(reap_outcome_to_string(REAP_OUTCOME_NONE));
	ck_assert_str_eq(reap_outcome_to_string(REAP_OUTCOME_REAPED), "reaped");
	ck_assert_str_eq(reap_outcome_to_string(REAP_OUTCOME_OVERLAPPED), "overlapped");
	ck_assert_str_eq(reap_outcome_to_string(REAP_OUTCOME_LOST), "lost");
	ck_assert_str_eq(reap_outcome_to_string(REAP_OUTCOME_EXITED), "exited");
	ck_assert_str_eq(reap_outcome_to_string(REAP_OUTCOME_FAILED), "failed");
	ck_assert_ptr_null(reap_outcome_to_string(_REAP_OUTCOME_MAX));
	ck_assert_ptr_null(reap_outcome_to_string(-1));
	ck_assert_str_eq(reap_kill_mode_to_string(REAP_KILL_ARRANGED), "arranged");
	ck_assert_str_eq(reap_kill_mode_to_string(REAP_KILL_MRELEASE), "mrelease");
	ck_assert_str_eq(reap_kill_mode_to_string(REAP_KILL_PLAIN), "plain");
	ck_assert_ptr_null(reap_kill_mode_to_string(_REAP_KILL_MODE_MAX));
}
END_TEST

int main(void) {
	Suite *s = suite_create("reap-outcome");
	TCase *tc = tcase_create("reap-outcome");

	tcase_add_test(tc, test_reaped);
	tcase_add_test(tc, test_not_ours);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return run_suite_tap(s);
}
