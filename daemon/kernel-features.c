/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the running kernel offers: the cgroup2 memory controller, the
 * teardown series (memory.teardown_mode, PIDFD_REAP) and process_mrelease.
 * The daemon says plainly at start and in STATUS what it cannot do.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cgroup-adapter.h"
#include "kernel-features.h"
#include "teardownd/reap.h"
#include "teardownd/log.h"
#include "uapi/pidfd_reap.h"

static bool file_has_word(const char *path, const char *word) {
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char buf[512];

	if (!f || !fgets(buf, sizeof(buf), f))
		return false;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		if (streq(tok, word))
			return true;
	return false;
}

/* memory.teardown_mode exists in any first-level child of the root (it is CFTYPE_NOT_ON_ROOT). */
static bool have_teardown_mode(const char *cgroup_root) {
	_cleanup_closedir_ DIR *d = opendir(cgroup_root);
	struct dirent *de;

	if (!d)
		return false;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s/" TEARDOWN_MODE_FILE, cgroup_root, de->d_name) < 0)
			return false;
		if (access(p, F_OK) >= 0)
			return true;
	}
	return false;
}

int kernel_features_detect(const char *cgroup_root, KernelFeatures *ret) {
	_cleanup_free_ char *controllers = NULL;
	KernelFeatures f = {};
	int b;

	if (asprintf(&controllers, "%s/cgroup.controllers", cgroup_root) < 0)
		return -ENOMEM;
	f.cgroup2 = file_has_word(controllers, "memory");
	f.teardown_mode = f.cgroup2 && have_teardown_mode(cgroup_root);

	b = reap_probe_backend();
	if (b == -ENOMEM)
		return b;
	f.pidfd_reap = b == REAP_BACKEND_PIDFD_REAP;
	f.mrelease = b == REAP_BACKEND_PIDFD_REAP || b == REAP_BACKEND_MRELEASE;
	f.backend = b > 0 ? b : 0;

	*ret = f;
	return 0;
}

int kernel_features_strv(const KernelFeatures *f, char ***ret) {
	const char *names[6];
	size_t n = 0;
	char **v;

	if (f->cgroup2)
		names[n++] = "cgroup2-memory";
	if (f->teardown_mode)
		names[n++] = "memory.teardown_mode";
	if (f->pidfd_reap)
		names[n++] = "pidfd-reap";
	if (f->mrelease)
		names[n++] = "process_mrelease";
	if (f->proc_connector)
		names[n++] = "proc-connector";

	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(names[i]);
		if (!v[i]) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	return 0;
}

/* One sentence about what is missing, NULL when everything is there. */
const char *kernel_features_limitations(const KernelFeatures *f) {
	if (!f->cgroup2)
		return "no cgroup2 memory controller: cannot manage cgroups, policies are not applied";
	if (!f->pidfd_reap && f->mrelease)
		return "kernel lacks the pidfd reaper (PIDFD_REAP): exits are torn down by the kernel itself; "
		       "OOM kills are reaped with process_mrelease when it is not too late";
	if (!f->pidfd_reap)
		return "kernel has neither the pidfd reaper nor process_mrelease: nothing can be reaped";
	if (!f->teardown_mode)
		return "kernel lacks memory.teardown_mode: Mode= of policies cannot be applied";
	return NULL;
}
