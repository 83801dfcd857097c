/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs Check tests with TAP on stdout (meson protocol: 'tap'):
 *
 *	DEFINE_TEST_MAIN("budget", test_cpu_max, test_plan);
 *
 * or, for a main() that reads its arguments first,
 *
 *	return RUN_TESTS("conf", test_defaults, test_good);
 */
#pragma once

#include <check.h>
#include <stdlib.h>

static inline int run_suite_tap(Suite *s) {
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The tests (NULL-terminated) as one suite of one case, both called name. */
static inline int run_tests_tap(const char *name, const TTest *const *tests) {
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);

	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return run_suite_tap(s);
}

#define RUN_TESTS(name, ...) run_tests_tap((name), (const TTest *const[]) { __VA_ARGS__, NULL })

#define DEFINE_TEST_MAIN(name, ...)                     \
	int main(void) {                                \
		return RUN_TESTS(name, __VA_ARGS__);    \
	}
