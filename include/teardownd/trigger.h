/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ended a process whose teardown we ran: its own exit, a kill, or the
 * OOM killer; and the ring of exit codes from the proc connector that lets
 * a finished job tell a kill from an exit when /proc no longer could (the
 * parent reaped the zombie first). Pure; part of libteardown_shared.
 */
#pragma once

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
