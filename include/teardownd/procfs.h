/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc readers. Each takes the proc root as a parameter ("/proc", or a
 * fixture tree in tests) and treats the kernel's text as hostile: stat is
 * parsed from the last ')' (comm may contain anything). A vanished process
 * is -ESRCH. Part of libteardown_shared.
 */
#pragma once

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
