/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Teardown triggers and the exit-code ring: pure, see teardownd/trigger.h. */
#include <errno.h>

#include "teardownd/string-table.h"
#include "teardownd/trigger.h"

static const char *const teardown_trigger_table[_TRIGGER_MAX] = {
	[TRIGGER_EXIT] = "exit",
	[TRIGGER_OOM] = "oom",
	[TRIGGER_KILL] = "kill",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(teardown_trigger, TeardownTrigger);

TeardownTrigger teardown_trigger_refine(TeardownTrigger t, int exit_code) {
	if (t == TRIGGER_EXIT && (exit_code & 0x7f) != 0)
		return TRIGGER_KILL;
	return t;
}

static const char *const trigger_source_table[_TRIGGER_SOURCE_MAX] = {
	[TRIGGER_SOURCE_KERNEL] = "kernel",
	[TRIGGER_SOURCE_MEMORY_EVENTS] = "memory.events",
	[TRIGGER_SOURCE_SIGNAL] = "signal",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(trigger_source, TriggerSource);

TeardownTrigger teardown_trigger_decide(const TriggerEvidence *e, TriggerSource *ret_source) {
	TeardownTrigger seen = e->seen == TRIGGER_OOM ? TRIGGER_KILL : e->seen;
	TriggerSource source = TRIGGER_SOURCE_SIGNAL;
	TeardownTrigger t = seen;

	if (e->kernel_known) {
		source = TRIGGER_SOURCE_KERNEL;
		if (e->kernel_oom_victim)
			t = TRIGGER_OOM;
	} else if (seen == TRIGGER_KILL && e->oom_unclaimed > 0 &&
		   e->oom_unclaimed_age_usec <= TRIGGER_OOM_WINDOW_USEC) {
		source = TRIGGER_SOURCE_MEMORY_EVENTS;
		t = TRIGGER_OOM;
	}
	if (ret_source)
		*ret_source = source;
	return t;
}

bool teardown_should_yield(const TriggerEvidence *e, bool parked, unsigned yield_msec) {
	return yield_msec > 0 && parked && e->kernel_known && !e->kernel_oom_victim && e->seen == TRIGGER_EXIT;
}

void exit_notes_add(ExitNotes *n, pid_t pid, int exit_code, uint64_t at_usec) {
	if (pid <= 0)
		return;
	n->ring[n->next] = (ExitNote) { .pid = pid, .exit_code = exit_code, .at_usec = at_usec };
	n->next = (n->next + 1) % EXIT_NOTES_MAX;
}

int exit_notes_find(const ExitNotes *n, pid_t pid, uint64_t since_usec, int *ret_code) {
	/* newest first: walk back from the slot before next */
	for (size_t k = 1; k <= EXIT_NOTES_MAX; k++) {
		const ExitNote *e = &n->ring[(n->next + EXIT_NOTES_MAX - k) % EXIT_NOTES_MAX];

		if (e->pid == 0)
			break; /* never written: nothing older either */
		if (e->pid == pid && e->at_usec >= since_usec) {
			*ret_code = e->exit_code;
			return 0;
		}
	}
	return -ENOENT;
}
