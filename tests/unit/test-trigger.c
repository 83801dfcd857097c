/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trigger refinement and the exit-code ring. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "teardownd/trigger.h"
#include "tap.h"

START_TEST(test_names) {
	ck_assert_str_eq(teardown_trigger_to_string(TRIGGER_EXIT), "exit");
	ck_assert_str_eq(teardown_trigger_to_string(TRIGGER_OOM), "oom");
	ck_assert_str_eq(teardown_trigger_to_string(TRIGGER_KILL), "kill");
	ck_assert_ptr_null(teardown_trigger_to_string(_TRIGGER_MAX));
	ck_assert_ptr_null(teardown_trigger_to_string((TeardownTrigger) -1));
}
END_TEST

START_TEST(test_refine) {
	/* SIGKILL: exit_code 9; with a core dump the 0x80 bit is set too */
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_EXIT, SIGKILL), TRIGGER_KILL);
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_EXIT, SIGSEGV | 0x80), TRIGGER_KILL);
	/* exit(0) and exit(3): status << 8, no signal */
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_EXIT, 0), TRIGGER_EXIT);
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_EXIT, 3 << 8), TRIGGER_EXIT);
	/* never downgraded */
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_OOM, 0), TRIGGER_OOM);
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_OOM, SIGKILL), TRIGGER_OOM);
	ck_assert_int_eq(teardown_trigger_refine(TRIGGER_KILL, 1 << 8), TRIGGER_KILL);
}
END_TEST

START_TEST(test_notes) {
	ExitNotes *n = calloc(1, sizeof(ExitNotes));
	int code = -1;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(exit_notes_find(n, 100, 0, &code), -ENOENT);
	ck_assert_int_eq(code, -1); /* untouched on failure */

	exit_notes_add(n, 100, 1 << 8, 1000);
	exit_notes_add(n, 200, SIGKILL, 2000);
	ck_assert_int_eq(exit_notes_find(n, 200, 1500, &code), 0);
	ck_assert_int_eq(code, SIGKILL);
	/* a note older than the time the process was known alive is another process */
	ck_assert_int_eq(exit_notes_find(n, 100, 1001, &code), -ENOENT);
	ck_assert_int_eq(exit_notes_find(n, 100, 1000, &code), 0);
	ck_assert_int_eq(code, 1 << 8);

	/* pid reused: the newest note wins */
	exit_notes_add(n, 100, SIGKILL, 3000);
	ck_assert_int_eq(exit_notes_find(n, 100, 0, &code), 0);
	ck_assert_int_eq(code, SIGKILL);

	/* invalid pids are not noted */
	exit_notes_add(n, 0, SIGKILL, 4000);
	exit_notes_add(n, -5, SIGKILL, 4000);
	ck_assert_int_eq(exit_notes_find(n, 0, 0, &code), -ENOENT);
	ck_assert_int_eq(exit_notes_find(n, -5, 0, &code), -ENOENT);
	free(n);
}
END_TEST

START_TEST(test_wrap) {
	ExitNotes *n = calloc(1, sizeof(ExitNotes));
	int code = -1;

	ck_assert_ptr_nonnull(n);
	/* pid 1 noted first, then a full ring of others: pid 1 is overwritten */
	exit_notes_add(n, 1, SIGKILL, 10);
	for (int i = 0; i < EXIT_NOTES_MAX; i++)
		exit_notes_add(n, 1000 + i, i << 8, 100 + (uint64_t) i);
	ck_assert_int_eq(exit_notes_find(n, 1, 0, &code), -ENOENT);
	/* the oldest survivor and the newest are found */
	ck_assert_int_eq(exit_notes_find(n, 1000, 0, &code), 0);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(exit_notes_find(n, 1000 + EXIT_NOTES_MAX - 1, 0, &code), 0);
	ck_assert_int_eq(code, (EXIT_NOTES_MAX - 1) << 8);
	free(n);
}
END_TEST

int main(void) {
	Suite *s = suite_create("trigger");
	TCase *tc = tcase_create("trigger");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_refine);
	tcase_add_test(tc, test_notes);
	tcase_add_test(tc, test_wrap);
	suite_add_tcase(s, tc);
	return run_suite_tap(s);
}
