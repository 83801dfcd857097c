/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the running kernel offers: cgroup2, memory.teardown_mode, PIDFD_REAP, process_mrelease. */
#pragma once

#include <stdbool.h>

typedef struct KernelFeatures {
	bool cgroup2;           /* CgroupRoot is a cgroup2 mount with the memory controller */
	bool teardown_mode;     /* memory.teardown_mode present */
	bool pidfd_reap;        /* PIDFD_REAP answers */
	bool mrelease;          /* process_mrelease exists */
	bool proc_connector;    /* proc connector subscribed */
	int backend;            /* ReapBackend in use, or 0 for none */
} KernelFeatures;

int kernel_features_detect(const char *cgroup_root, KernelFeatures *ret);
int kernel_features_strv(const KernelFeatures *f, char ***ret);
/* One sentence when the daemon runs LIMITED, NULL when it has everything it needs. */
const char *kernel_features_limitations(const KernelFeatures *f);
