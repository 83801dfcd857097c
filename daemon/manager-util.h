/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure decisions of the manager, on plain values and structs, so that unit
 * tests can drive them: which managed cgroup entry is stale, what a reload
 * cannot apply. The one reader of the kernel here takes the cgroup root as
 * a parameter, so tests use a fixture tree.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "teardownd/conf.h"

/*
 * The id of the cgroup ROOT/PATH (PATH relative, "/a/b"): on cgroup2 the
 * kernfs node id from name_to_handle_at(), as systemd's
 * cg_path_get_cgroupid(); elsewhere (a fixture tree) the directory's inode
 * number. A cgroup removed and made again at the same path (systemctl
 * restart) has another id. -errno on failure, *ret untouched.
 */
int cgroup_id_read(const char *cgroup_root, const char *path, uint64_t *ret);

/*
 * True when an entry known as (known_path, known_id) no longer names the
 * cgroup now at path with id: the same path, another id. An id of 0 is
 * unknown and never makes an entry stale.
 */
bool managed_cgroup_is_stale(const char *known_path, uint64_t known_id, const char *path, uint64_t id);

/* Keys a reload reads but cannot apply to a running daemon. */
typedef enum ReloadRestartKey {
	RELOAD_RESTART_CGROUP_ROOT     = 1 << 0, /* CgroupRoot= */
	RELOAD_RESTART_MAX_CONCURRENT  = 1 << 1, /* MaxConcurrentTeardowns=: the pool's threads */
	RELOAD_RESTART_RECENT          = 1 << 2, /* RecentTeardowns=: the size of the ring */
	_RELOAD_RESTART_ALL            = (1 << 3) - 1,
} ReloadRestartKey;

/* The keys (ReloadRestartKey bits) whose value differs between old and new. */
unsigned config_reload_restart_keys(const Config *old, const Config *new);
/* "CgroupRoot" for one bit, NULL otherwise. */
const char *reload_restart_key_to_string(ReloadRestartKey k);
/*
 * Carries the running values of the keys in mask from old into new, so the
 * daemon stays consistent until it restarts. 0 or -ENOMEM (new unchanged).
 */
int config_keep_running_values(Config *new, const Config *old, unsigned mask);

/* The log level in force: --log-level= (>= 0) wins over LogLevel=. */
int log_level_effective(int arg_log_level, const Config *c);

/*
 * What sd-bus says of a D-Bus caller, for bus_caller_check_root(): the
 * SD_BUS_CREDS_* bits it has (sd_bus_creds_get_mask()) and those of them
 * that were read from /proc after the fact (sd_bus_creds_get_augmented_mask()).
 */
typedef struct BusCallerCreds {
	uint64_t mask;
	uint64_t augmented;
	uid_t euid;             /* valid when mask has SD_BUS_CREDS_EUID */
	uid_t uid;              /* valid when mask has SD_BUS_CREDS_UID */
} BusCallerCreds;

/*
 * May this caller change teardownd's state (ReapPid, Reload)? Only an
 * effective uid 0 that the bus or SO_PEERCRED vouches for: an augmented
 * one was read from /proc, racily (the PID may be another process by
 * then), and systemd refuses those for permission checks too; the real
 * uid is not the one that decides. 0 when it may, -EACCES when its euid is
 * unknown or unverified, -EPERM when it is not root.
 */
int bus_caller_check_root(const BusCallerCreds *c);

/* True when c has a policy called name. */
bool config_has_policy(const Config *c, const char *name);
