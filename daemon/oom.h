/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OOM kills and new cgroups, seen through inotify on memory.events and cgroup directories. */
#pragma once

typedef struct Manager Manager;
typedef struct ManagedCgroup ManagedCgroup;

int oom_setup(Manager *m);
int oom_watch_cgroup(Manager *m, ManagedCgroup *c);
void oom_unwatch_cgroup(Manager *m, ManagedCgroup *c);
void oom_check_cgroup(Manager *m, ManagedCgroup *c);
