/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ended a process whose teardown we ran: its own exit, a kill, or the
 * OOM killer; and the ring of exit codes from the proc connector that lets
 * a finished job tell a kill from an exit when /proc no longer could (the
 * parent reaped the zombie first). Pure; part of libteardown_shared.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum TeardownTrigger {
	TRIGGER_EXIT,
	TRIGGER_OOM,
	TRIGGER_KILL,
	_TRIGGER_MAX,
} TeardownTrigger;

/* "exit", "oom", "kill"; NULL if out of range. */
const char *teardown_trigger_to_string(TeardownTrigger t);

/*
 * t refined by an exit code as do_exit() stores it (task->exit_code): a
 * fatal signal in the low 7 bits turns TRIGGER_EXIT into TRIGGER_KILL; a
 * status (code << 8) leaves it. OOM and KILL are never downgraded.
 */
TeardownTrigger teardown_trigger_refine(TeardownTrigger t, int exit_code);

/* Where a trigger came from, i.e. how far to trust it (TEARDOWN_TRIGGER_SOURCE=). */
typedef enum TriggerSource {
	TRIGGER_SOURCE_KERNEL,        /* PIDFD_REAP said whether the OOM killer chose this process */
	TRIGGER_SOURCE_MEMORY_EVENTS, /* stock kernel: a SIGKILL while memory.events oom_kill moved */
	TRIGGER_SOURCE_SIGNAL,        /* the fatal signal or exit status only */
	_TRIGGER_SOURCE_MAX,
} TriggerSource;

/* "kernel", "memory.events", "signal"; NULL if out of range. */
const char *trigger_source_to_string(TriggerSource s);

/*
 * A memory.events oom_kill move is taken as evidence for a SIGKILL seen at
 * most this long after it; older unclaimed moves were someone else's (a
 * victim below the tracking threshold, or one that exited unseen).
 */
#define TRIGGER_OOM_WINDOW_USEC (5ULL * 1000 * 1000)

typedef struct TriggerEvidence {
	TeardownTrigger seen;        /* EXIT or KILL, from /proc or the exit code (OOM counts as KILL) */
	bool kernel_known;           /* the patched kernel answered PIDFD_REAP: kernel_oom_victim is the truth */
	bool kernel_oom_victim;      /* PIDFD_REAP_INFO_OOM_VICTIM */
	unsigned oom_unclaimed;      /* memory.events oom_kill moves in the cgroup not matched to a victim */
	uint64_t oom_unclaimed_age_usec; /* since the newest of them was seen */
} TriggerEvidence;

/*
 * The trigger of one teardown, from what is known about this process. The
 * kernel's word wins whenever it was given: an OOM victim is one whatever
 * the order in which the pidfd and memory.events told us. On a stock
 * kernel, a SIGKILL in a cgroup whose oom_kill count moved within
 * TRIGGER_OOM_WINDOW_USEC is taken as the OOM victim (source
 * memory.events: a plain kill at the same time would be mislabelled).
 * Sets *ret_source if not NULL.
 */
TeardownTrigger teardown_trigger_decide(const TriggerEvidence *e, TriggerSource *ret_source);

/*
 * Does the teardown of a tracked process wait for its parent to reap it
 * before the workers start (YieldMSec=, yield_msec > 0)? Only for a plain
 * exit whose address space the kernel parked (reaper mode): nothing frees
 * it meanwhile, and the workers, at teardownd.slice's weight, would
 * otherwise share the CPUs with the exit's tail and with the service
 * manager's reap of the zombie. Never for a kill (someone wants the memory
 * now) nor an OOM victim, never for an address space the exit is still
 * freeing (stashed: the workers help that exit), never unless the kernel
 * answered (a stock kernel parks nothing).
 */
bool teardown_should_yield(const TriggerEvidence *e, bool parked, unsigned yield_msec);

#define EXIT_NOTES_MAX 1024

typedef struct ExitNote {
	pid_t pid;              /* thread-group id; 0: empty slot */
	int exit_code;          /* task->exit_code */
	uint64_t at_usec;       /* CLOCK_MONOTONIC when it was read */
} ExitNote;

typedef struct ExitNotes {
	ExitNote ring[EXIT_NOTES_MAX];
	size_t next;
} ExitNotes;

/* Note an exit, overwriting the oldest note when the ring is full. */
void exit_notes_add(ExitNotes *n, pid_t pid, int exit_code, uint64_t at_usec);

/*
 * The newest exit code noted for pid at or after since_usec (when the
 * process was known alive: a pid number is reused only after its process
 * was reaped, so an older note is another process). 0 and *ret_code set,
 * or -ENOENT.
 */
int exit_notes_find(const ExitNotes *n, pid_t pid, uint64_t since_usec, int *ret_code);
