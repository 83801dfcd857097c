/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "teardownd/macro.h"
#include "manager-util.h"

int cgroup_id_read(const char *cgroup_root, const char *path, uint64_t *ret) {
	_cleanup_free_ char *p = NULL;
	union {
		struct file_handle fh;
		uint8_t space[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = { .fh.handle_bytes = sizeof(uint64_t) };
	struct statfs sfs;
	struct stat st;
	int mnt_id;

	if (asprintf(&p, "%s%s", cgroup_root, streq(path, "/") ? "" : path) < 0)
		return -ENOMEM;
	if (statfs(p, &sfs) < 0)
		return negative_errno();
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		uint64_t id;

		if (name_to_handle_at(AT_FDCWD, p, &h.fh, &mnt_id, 0) < 0)
			return negative_errno();
		if (h.fh.handle_bytes != sizeof(uint64_t))
			return -EOPNOTSUPP;
		memcpy(&id, h.fh.f_handle, sizeof(id));
		*ret = id;
		return 0;
	}
	if (stat(p, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*ret = (uint64_t) st.st_ino;
	return 0;
}

bool managed_cgroup_is_stale(const char *known_path, uint64_t known_id, const char *path, uint64_t id) {
	if (!known_path || !path || !streq(known_path, path))
		return false;
	return known_id != 0 && id != 0 && known_id != id;
}

unsigned config_reload_restart_keys(const Config *old, const Config *new) {
	unsigned k = 0;

	if (!streq(old->cgroup_root ?: "", new->cgroup_root ?: ""))
		k |= RELOAD_RESTART_CGROUP_ROOT;
	if (old->max_concurrent != new->max_concurrent)
		k |= RELOAD_RESTART_MAX_CONCURRENT;
	if (old->recent_teardowns != new->recent_teardowns)
		k |= RELOAD_RESTART_RECENT;
	return k;
}

const char *reload_restart_key_to_string(ReloadRestartKey k) {
	switch (k) {
	case RELOAD_RESTART_CGROUP_ROOT:
		return "CgroupRoot";
	case RELOAD_RESTART_MAX_CONCURRENT:
		return "MaxConcurrentTeardowns";
	case RELOAD_RESTART_RECENT:
		return "RecentTeardowns";
	default:
		return NULL;
	}
}

int config_keep_running_values(Config *new, const Config *old, unsigned mask) {
	if (mask & RELOAD_RESTART_CGROUP_ROOT) {
		char *s = strdup(old->cgroup_root ?: "");

		if (!s)
			return -ENOMEM;
		free(new->cgroup_root);
		new->cgroup_root = s;
	}
	if (mask & RELOAD_RESTART_MAX_CONCURRENT)
		new->max_concurrent = old->max_concurrent;
	if (mask & RELOAD_RESTART_RECENT)
		new->recent_teardowns = old->recent_teardowns;
	return 0;
}

int log_level_effective(int arg_log_level, const Config *c) {
	return arg_log_level >= 0 ? arg_log_level : c->log_level;
}

int bus_caller_check_root(const BusCallerCreds *c) {
	if (!(c->mask & SD_BUS_CREDS_EUID) || (c->augmented & SD_BUS_CREDS_EUID))
		return -EACCES;
	return c->euid == 0 ? 0 : -EPERM;
}

bool config_has_policy(const Config *c, const char *name) {
	for (size_t i = 0; i < c->n_policies; i++)
		if (streq(c->policies[i].name, name))
			return true;
	return false;
}
