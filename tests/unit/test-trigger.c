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

/*
 * The trigger decision on fixtures: every case the daemon meets, including
 * the two races of issue 11 (the pidfd event before the memory.events
 * inotify; a stale unclaimed OOM kill before an unrelated kill).
 */
static const struct {
	const char *what;
	TriggerEvidence ev;
	TeardownTrigger trigger;
	TriggerSource source;
} decide_cases[] = {
	{ "patched: OOM victim whose pidfd event came before memory.events moved",
	  { .seen = TRIGGER_KILL, .kernel_known = true, .kernel_oom_victim = true },
	  TRIGGER_OOM, TRIGGER_SOURCE_KERNEL },
	{ "patched: plain kill in a cgroup whose oom_kill just moved (another process was the victim)",
	  { .seen = TRIGGER_KILL, .kernel_known = true, .oom_unclaimed = 1 },
	  TRIGGER_KILL, TRIGGER_SOURCE_KERNEL },
	{ "patched: memory.events handler suspected an OOM, the kernel says no",
	  { .seen = TRIGGER_OOM, .kernel_known = true, .oom_unclaimed = 2 },
	  TRIGGER_KILL, TRIGGER_SOURCE_KERNEL },
	{ "patched: OOM victim that was exiting already when chosen",
	  { .seen = TRIGGER_EXIT, .kernel_known = true, .kernel_oom_victim = true },
	  TRIGGER_OOM, TRIGGER_SOURCE_KERNEL },
	{ "patched: normal exit",
	  { .seen = TRIGGER_EXIT, .kernel_known = true },
	  TRIGGER_EXIT, TRIGGER_SOURCE_KERNEL },
	{ "stock: SIGKILL 100 ms after oom_kill moved",
	  { .seen = TRIGGER_KILL, .oom_unclaimed = 1, .oom_unclaimed_age_usec = 100000 },
	  TRIGGER_OOM, TRIGGER_SOURCE_MEMORY_EVENTS },
	{ "stock: SIGKILL at the window's edge",
	  { .seen = TRIGGER_KILL, .oom_unclaimed = 1, .oom_unclaimed_age_usec = TRIGGER_OOM_WINDOW_USEC },
	  TRIGGER_OOM, TRIGGER_SOURCE_MEMORY_EVENTS },
	{ "stock: SIGKILL long after an unclaimed oom_kill move (stale)",
	  { .seen = TRIGGER_KILL, .oom_unclaimed = 1, .oom_unclaimed_age_usec = TRIGGER_OOM_WINDOW_USEC + 1 },
	  TRIGGER_KILL, TRIGGER_SOURCE_SIGNAL },
	{ "stock: SIGKILL, no OOM kill seen",
	  { .seen = TRIGGER_KILL },
	  TRIGGER_KILL, TRIGGER_SOURCE_SIGNAL },
	{ "stock: exit(0) while oom_kill moved (not a victim: it was not killed)",
	  { .seen = TRIGGER_EXIT, .oom_unclaimed = 1 },
	  TRIGGER_EXIT, TRIGGER_SOURCE_SIGNAL },
	{ "stock: the memory.events handler's suspicion, fresh",
	  { .seen = TRIGGER_OOM, .oom_unclaimed = 1 },
	  TRIGGER_OOM, TRIGGER_SOURCE_MEMORY_EVENTS },
};

START_TEST(test_decide) {
	for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		TriggerSource source = _TRIGGER_SOURCE_MAX;
		TeardownTrigger t = teardown_trigger_decide(&decide_cases[i].ev, &source);

		ck_assert_msg(t == decide_cases[i].trigger && source == decide_cases[i].source,
			      "%s: got %s/%s, want %s/%s", decide_cases[i].what,
			      teardown_trigger_to_string(t), trigger_source_to_string(source),
			      teardown_trigger_to_string(decide_cases[i].trigger),
			      trigger_source_to_string(decide_cases[i].source));
	}
	/* ret_source is optional */
	ck_assert_int_eq(teardown_trigger_decide(&decide_cases[0].ev, NULL), TRIGGER_OOM);
	ck_assert_str_eq(trigger_source_to_string(TRIGGER_SOURCE_MEMORY_EVENTS), "memory.events");
	ck_assert_ptr_null(trigger_source_to_string(_TRIGGER_SOURCE_MAX));
}
END_TEST

static const struct {
	const char *what;
	TriggerEvidence ev;
	bool parked;
	unsigned yield_msec;
	bool yield;
} yield_cases[] = {
	{ "a restarted service's exit, parked: the parent reaps first",
	  { .seen = TRIGGER_EXIT, .kernel_known = true }, true, 50, true },
	{ "YieldMSec=0 claims at once",
	  { .seen = TRIGGER_EXIT, .kernel_known = true }, true, 0, false },
	{ "a kill: the memory is wanted now",
	  { .seen = TRIGGER_KILL, .kernel_known = true }, true, 50, false },
	{ "an OOM victim, whatever the signal looked like",
	  { .seen = TRIGGER_EXIT, .kernel_known = true, .kernel_oom_victim = true }, true, 50, false },
	{ "the /proc suspicion of an OOM kill",
	  { .seen = TRIGGER_OOM, .kernel_known = true }, true, 50, false },
	{ "stashed: the exit is still freeing, the workers join it",
	  { .seen = TRIGGER_EXIT, .kernel_known = true }, false, 50, false },
	{ "stock kernel: nothing is parked",
	  { .seen = TRIGGER_EXIT }, true, 50, false },
};

START_TEST(test_yield) {
	for (size_t i = 0; i < sizeof(yield_cases) / sizeof(yield_cases[0]); i++)
		ck_assert_msg(teardown_should_yield(&yield_cases[i].ev, yield_cases[i].parked,
						    yield_cases[i].yield_msec) == yield_cases[i].yield,
			      "%s: want %s", yield_cases[i].what, yield_cases[i].yield ? "yield" : "no yield");
}
END_TEST

DEFINE_TEST_MAIN("trigger", test_names, test_refine, test_notes, test_wrap, test_decide, test_yield);
