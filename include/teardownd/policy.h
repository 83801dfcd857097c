/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure policy decisions: which policy covers a cgroup. Cgroup paths are
 * relative to the cgroup2 mount and start with '/', e.g.
 * "/system.slice/db.service". No I/O here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "teardownd/conf.h"

/*
 * True when p covers cgroup: Cgroup= equals it or is an ancestor of it;
 * CgroupGlob= matches it with fnmatch(FNM_PATHNAME); Unit= equals one of its
 * path components.
 */
bool policy_matches(const Policy *p, const char *cgroup);

/* First match in file-name order (the order of v); NULL when none. */
const Policy *policy_find(const Policy *v, size_t n, const char *cgroup);

/*
 * "Cgroup=/a Cgroup=/b CgroupGlob=/x/STAR Unit=db.service": a one-line summary
 * for ListPolicies. Returns a malloc'ed string or NULL on ENOMEM.
 */
char *policy_match_to_string(const Policy *p);

/*
 * The innermost unit of a cgroup path: the last component ending in
 * .service or .scope (or .slice when there is none). Returns 0 and a
 * malloc'ed name, -ENOENT when the path has no unit component, -ENOMEM.
 */
int cgroup_path_get_unit(const char *cgroup, char **ret);

/* "/sys/fs/cgroup" + "/a/b" -> "/a/b"; NULL when path is not under root. */
const char *cgroup_path_relative(const char *root, const char *path);
