/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One teardownd per root: a lock in ROOT/run/teardownd. */
#pragma once

#include <sys/types.h>

/* Makes ROOT/run/teardownd and locks it; -EBUSY (and *ret_holder, 0 if unknown) when another instance holds it. */
int instance_lock(const char *root, char **ret_runtime_dir, int *ret_fd, pid_t *ret_holder);
