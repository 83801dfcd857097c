/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Structured journal events (MESSAGE_IDs in teardownd/messages.h). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "teardownd/reap.h"
#include "teardown.h"

void journal_teardown(const TeardownRecord *rec, const char *backend, const ReapResult *res,
		      uint64_t queued_usec, uint64_t yield_usec, const char *yield_end);
void journal_oom(const char *cgroup, const char *unit, uint64_t kills, pid_t victim);
void journal_timeout(const char *cgroup, pid_t pid, const char *reason);
void journal_fallback(pid_t pid, const char *cgroup, const char *backend, const char *reason);
