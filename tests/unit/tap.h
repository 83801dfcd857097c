/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a Check suite with TAP on stdout (meson protocol: 'tap'). */
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
