/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc readers. Each takes the proc root as a parameter ("/proc", or a
 * fixture tree in tests) and treats the kernel's text as hostile: stat is
 * parsed from the last ')' (comm may contain anything). A vanished process
 * is -ESRCH. Part of libteardown_shared.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* comm (16 bytes, NUL-terminated, may be NULL), field 22 starttime, field 3 state. */
int proc_read_stat(const char *proc_root, pid_t pid, char comm[16], uint64_t *ret_starttime, char *ret_state);
/* Field 4 of stat: the parent's pid (0 for init and kernel threads' parent). */
int proc_read_ppid(const char *proc_root, pid_t pid, pid_t *ret);
/* The cgroup2 path ("0::" line) of pid, malloc'ed; -ENODATA without a unified line. */
int proc_read_cgroup(const char *proc_root, pid_t pid, char **ret);
/* Resident bytes from statm; -ESRCH when statm is empty (no mm any more). */
int proc_read_rss(const char *proc_root, pid_t pid, uint64_t *ret);
/* Field 52 of stat: the exit code do_exit() stored (0 while running, or without permission). */
int proc_read_exit_code(const char *proc_root, pid_t pid, int *ret);

/* PF_* bits of stat field 9 (include/linux/sched.h) */
#define PROC_PF_EXITING 0x00000004U
#define PROC_PF_KTHREAD 0x00200000U

/* Field 9 of stat: the task's PF_* flags. */
int proc_read_flags(const char *proc_root, pid_t pid, unsigned *ret);

typedef struct ProcStatus {
	pid_t tgid;             /* the process of this task: differs from the pid for a thread */
	bool sigkill_pending;   /* SIGKILL in SigPnd or ShdPnd: it has been killed */
} ProcStatus;

/* Tgid: and the pending signals of /proc/PID/status (also for a thread's ID, which /proc hides from listings). */
int proc_read_status(const char *proc_root, pid_t pid, ProcStatus *ret);

/*
 * The "Pid:" of a pidfd's fdinfo (PROC/self/fdinfo/FD): the pid it names,
 * -ESRCH once the process has been reaped (-1 there), -ENOTTY for an fd that
 * is not a pidfd. The fd is ours, so "self" is the caller.
 */
int proc_read_pidfd_pid(const char *proc_root, int pidfd);

/* Whether a process is being torn down: a zombie, exiting (PF_EXITING), or killed (SIGKILL pending). */
bool proc_is_dying(char state, unsigned flags, const ProcStatus *st);
