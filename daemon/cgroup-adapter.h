/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup side of the daemon (cgroup-adapter.c, the only file that
 * includes libcgroup's header): worker cgroups with their CPU budget,
 * memory.teardown_mode, memory.events, cgroup.procs and the park timeout
 * sysctl. Errors are -errno.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "teardownd/conf.h"

int cgroup_adapter_init(void);
int cgroup_get_own(const char *cgroup_root, char **ret);
int cgroup_enter_leaf(const char *cgroup_root, const char *own, const char *leaf, char **ret);
int cgroup_setup_workers(const char *cgroup_root, const char *parent, const char *name,
			 const ReaperSettings *s, int *ret_fd);
void cgroup_remove_workers(const char *cgroup_root, const char *parent, const char *name);
int cgroup_apply_teardown(const char *cgroup_root, const char *path, TeardownMode mode, uint64_t min_size);

/* memory.events of a cgroup: 0 for the keys this kernel lacks */
typedef struct MemoryEvents {
	uint64_t oom_kill;
	uint64_t teardown_timeout;
	uint64_t teardown_async;
	uint64_t teardown_park;
} MemoryEvents;

int cgroup_read_memory_events(const char *cgroup_root, const char *path, MemoryEvents *ret);
int cgroup_read_events(const char *cgroup_root, const char *path, uint64_t *ret_oom_kill, uint64_t *ret_timeout);
int cgroup_read_procs(const char *cgroup_root, const char *path, pid_t **ret, size_t *ret_n);
int cgroup_set_park_timeout(unsigned msec);
