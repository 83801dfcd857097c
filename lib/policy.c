/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure policy matching; see teardownd/policy.h. */
#include <fnmatch.h>

#include "teardownd/policy.h"

static bool path_is_under(const char *prefix, const char *path) {
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(prefix, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool path_has_component(const char *path, const char *name) {
	size_t n = strlen(name);

	for (const char *p = path; (p = strstr(p, name)); p++)
		if ((p == path || p[-1] == '/') && (p[n] == '\0' || p[n] == '/'))
			return true;
	return false;
}

bool policy_matches(const Policy *p, const char *cgroup) {
	if (!p || isempty(cgroup) || cgroup[0] != '/')
		return false;
	for (char **i = p->cgroups; i && *i; i++)
		if (path_is_under(*i, cgroup))
			return true;
	for (char **i = p->globs; i && *i; i++)
		if (fnmatch(*i, cgroup, FNM_PATHNAME) == 0)
			return true;
	for (char **i = p->units; i && *i; i++)
		if (path_has_component(cgroup, *i))
			return true;
	return false;
}

const Policy *policy_find(const Policy *v, size_t n, const char *cgroup) {
	for (size_t i = 0; i < n; i++)
		if (policy_matches(&v[i], cgroup))
			return &v[i];
	return NULL;
}

static int append(char **s, size_t *len, const char *key, const char *val) {
	size_t add = strlen(key) + strlen(val) + 2;
	char *n = realloc(*s, *len + add + 1);

	if (!n)
		return -ENOMEM;
	*len += (size_t) sprintf(n + *len, "%s%s=%s", *len > 0 ? " " : "", key, val);
	*s = n;
	return 0;
}

char *policy_match_to_string(const Policy *p) {
	char *s = NULL;
	size_t len = 0;

	for (char **i = p->cgroups; i && *i; i++)
		if (append(&s, &len, "Cgroup", *i) < 0)
			goto oom;
	for (char **i = p->globs; i && *i; i++)
		if (append(&s, &len, "CgroupGlob", *i) < 0)
			goto oom;
	for (char **i = p->units; i && *i; i++)
		if (append(&s, &len, "Unit", *i) < 0)
			goto oom;
	return s ?: strdup("");
oom:
	free(s);
	return NULL;
}

static bool has_suffix(const char *s, size_t len, const char *suffix) {
	size_t b = strlen(suffix);

	return len > b && strncmp(s + len - b, suffix, b) == 0;
}

int cgroup_path_get_unit(const char *cgroup, char **ret) {
	const char *best = NULL, *slice = NULL;
	size_t best_len = 0, slice_len = 0;

	if (!cgroup)
		return -EINVAL;
	for (const char *p = cgroup; *p; ) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (has_suffix(p, len, ".service") || has_suffix(p, len, ".scope")) {
			best = p;
			best_len = len;
		} else if (has_suffix(p, len, ".slice")) {
			slice = p;
			slice_len = len;
		}
		p += len;
	}
	if (!best) {
		best = slice;
		best_len = slice_len;
	}
	if (!best)
		return -ENOENT;
	*ret = strndup(best, best_len);
	return *ret ? 0 : -ENOMEM;
}

const char *cgroup_path_relative(const char *root, const char *path) {
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		n--;
	if (strncmp(root, path, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return "/";
	if (path[n] != '/')
		return NULL;
	return path + n;
}
