/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only file that includes libcgroup.h: worker cgroups with cpu.max and
 * cpu.weight, memory.teardown_mode/teardown_min of managed cgroups,
 * memory.events and cgroup.procs. libcgroup's error codes become -errno here.
 *
 * libcgroup 2.0 writes controller files through cgroup_modify_cgroup(); it
 * knows nothing about cgroup.type or cgroup.subtree_control of a threaded
 * subtree, and fails on files of controllers it did not discover (the new
 * memory.teardown_* files on a kernel it predates), so those are written
 * directly, and a libcgroup failure falls back to a direct write (logged at
 * debug).
 */
#include <fcntl.h>
#include <libcgroup.h>
#include <sys/stat.h>

#include "cgroup-adapter.h"
#include "teardownd/budget.h"
#include "teardownd/log.h"
#include "teardownd/procfs.h"
#include "uapi/pidfd_reap.h"

static bool libcgroup_ready;

static int cgroup_error_to_errno(int e) {
	switch (e) {
	case 0:
		return 0;
	case ECGROUPNOTEXIST:
	case ECGROUPNOTMOUNTED:
		return -ENOENT;
	case ECGROUPNOTOWNER:
	case ECGROUPNOTALLOWED:
		return -EPERM;
	case ECGROUPVALUENOTEXIST:
		return -ENOENT;
	case ECGOTHER: {
		int err = cgroup_get_last_errno();
		return err > 0 ? -err : -EIO;
	}
	default:
		return -EIO;
	}
}

int cgroup_adapter_init(void) {
	int r;

	r = cgroup_init();
	if (r != 0) {
		r = cgroup_error_to_errno(r);
		return log_debug_errno(r, "libcgroup initialization failed (%s), using direct writes: %m",
				       cgroup_strerror(r));
	}
	libcgroup_ready = true;
	return 0;
}

static int write_file_at(const char *dir, const char *file, const char *value) {
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t n = strlen(value);

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (write(fd, value, n) != (ssize_t) n)
		return negative_errno();
	return 0;
}

static int read_file_at(const char *dir, const char *file, char *buf, size_t size) {
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return 0;
}

/* Writes controller files of path (relative to the mount) with libcgroup, direct write as fallback. */
static int set_values(const char *cgroup_root, const char *path, const char *controller,
		      const char *const *files, const char *const *values, size_t n) {
	_cleanup_free_ char *dir = NULL;
	int r;

	if (libcgroup_ready) {
		struct cgroup *cg = cgroup_new_cgroup(path[0] == '/' ? path + 1 : path);
		struct cgroup_controller *ctl;

		if (!cg)
			return -ENOMEM;
		ctl = cgroup_add_controller(cg, controller);
		r = ctl ? 0 : ECGINVAL;
		for (size_t i = 0; r == 0 && i < n; i++)
			r = cgroup_add_value_string(ctl, files[i], values[i]);
		if (r == 0)
			r = cgroup_modify_cgroup(cg);
		cgroup_free(&cg);
		if (r == 0)
			return 0;
		log_debug_errno(cgroup_error_to_errno(r), "libcgroup could not write %s of %s (%s), writing directly",
				controller, path, cgroup_strerror(r));
	}

	if (asprintf(&dir, "%s%s", cgroup_root, path) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = write_file_at(dir, files[i], values[i]);
		if (r < 0)
			return log_debug_errno(r, "Failed to write %s/%s=%s: %m", dir, files[i], values[i]);
	}
	return 0;
}

int cgroup_get_own(const char *cgroup_root, char **ret) {
	char *path;
	int r;

	r = proc_read_cgroup("/proc", getpid(), &path);
	if (r < 0)
		return r;
	*ret = path;
	return 0;
}

/*
 * systemd's delegation rules: the delegated cgroup OWN gets a ".control"
 * child for ExecReload= and friends, a domain cgroup, which cannot live next
 * to (or below) a threaded subtree. So the daemon moves its whole process to
 * the domain leaf OWN/LEAF, enables cpu below OWN, and LEAF becomes the
 * threaded domain root of the worker cgroups. Returns the new path.
 */
int cgroup_enter_leaf(const char *cgroup_root, const char *own, const char *leaf, char **ret) {
	_cleanup_free_ char *owndir = NULL, *rel = NULL, *dir = NULL;
	char pid[32];
	int r;

	if (asprintf(&owndir, "%s%s", cgroup_root, streq(own, "/") ? "" : own) < 0 ||
	    asprintf(&rel, "%s/%s", streq(own, "/") ? "" : own, leaf) < 0 ||
	    asprintf(&dir, "%s%s", cgroup_root, rel) < 0)
		return -ENOMEM;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_debug_errno(negative_errno(), "Failed to create %s: %m", dir);
	snprintf(pid, sizeof(pid), "%d", (int) getpid());
	r = write_file_at(dir, "cgroup.procs", pid);
	if (r < 0)
		return log_debug_errno(r, "Failed to move ourselves to %s: %m", dir);
	/* OWN has no processes now: the cpu controller may be enabled below it */
	r = write_file_at(owndir, "cgroup.subtree_control", "+cpu");
	if (r < 0)
		return log_debug_errno(r, "Failed to enable the cpu controller below %s: %m", owndir);
	*ret = TAKE_PTR(rel);
	return 0;
}

/*
 * Creates (or updates) the threaded worker cgroup PARENT/w-NAME with cpu.max
 * and cpu.weight from s, and returns an O_DIRECTORY fd for reap_run().
 * PARENT holds the daemon's process (cgroup_enter_leaf()) and becomes a
 * threaded domain root: only the cpu controller (threaded-capable) is
 * enabled in its subtree.
 */
int cgroup_setup_workers(const char *cgroup_root, const char *parent, const char *name,
			 const ReaperSettings *s, int *ret_fd) {
	_cleanup_free_ char *parentdir = NULL, *rel = NULL, *dir = NULL;
	char type[32], cpu_max[64], weight[16];
	const char *files[2] = { "cpu.max", "cpu.weight" }, *values[2] = { cpu_max, weight };
	int fd, r;

	if (asprintf(&parentdir, "%s%s", cgroup_root, parent) < 0 ||
	    asprintf(&rel, "%s/w-%s", parent, name) < 0 ||
	    asprintf(&dir, "%s%s", cgroup_root, rel) < 0)
		return -ENOMEM;

	r = write_file_at(parentdir, "cgroup.subtree_control", "+cpu");
	if (r < 0)
		return log_debug_errno(r, "Failed to enable the cpu controller below %s: %m", parentdir);

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_debug_errno(negative_errno(), "Failed to create %s: %m", dir);

	r = read_file_at(dir, "cgroup.type", type, sizeof(type));
	if (r < 0)
		return r;
	if (!strneq(type, "threaded", 8)) {
		r = write_file_at(dir, "cgroup.type", "threaded");
		if (r < 0)
			return log_debug_errno(r, "Failed to make %s threaded: %m", dir);
	}

	r = budget_format_cpu_max(s->cpu_quota_permille, (uint64_t) s->cpu_period_msec * USEC_PER_MSEC, cpu_max, sizeof(cpu_max));
	if (r < 0)
		return r;
	snprintf(weight, sizeof(weight), "%u", s->cpu_weight);
	r = set_values(cgroup_root, rel, "cpu", files, values, 2);
	if (r < 0)
		return r;

	fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	*ret_fd = fd;
	return 0;
}

/* On a clean stop: an empty threaded subtree left behind would keep systemd from using cgroup.kill. */
void cgroup_remove_workers(const char *cgroup_root, const char *parent, const char *name) {
	_cleanup_free_ char *dir = NULL;

	if (asprintf(&dir, "%s%s/w-%s", cgroup_root, parent, name) < 0)
		return;
	if (rmdir(dir) < 0 && errno != ENOENT)
		log_debug_errno(negative_errno(), "Failed to remove %s, ignoring: %m", dir);
}

int cgroup_apply_teardown(const char *cgroup_root, const char *path, TeardownMode mode, uint64_t min_size) {
	const char *files[2] = { TEARDOWN_MODE_FILE, TEARDOWN_MIN_FILE };
	char min[32];
	const char *values[2] = { teardown_mode_to_string(mode), min };

	if (streq(path, "/"))
		return -EINVAL; /* the files are not on the root cgroup */
	snprintf(min, sizeof(min), "%llu", (unsigned long long) min_size);
	return set_values(cgroup_root, path, "memory", files, values, 2);
}

int cgroup_read_memory_events(const char *cgroup_root, const char *path, MemoryEvents *ret) {
	_cleanup_free_ char *p = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	MemoryEvents ev = {};
	char key[64];
	unsigned long long v;

	if (asprintf(&p, "%s%s/memory.events", cgroup_root, streq(path, "/") ? "" : path) < 0)
		return -ENOMEM;
	f = fopen(p, "re");
	if (!f)
		return negative_errno();
	while (fscanf(f, "%63s %llu", key, &v) == 2) {
		if (streq(key, "oom_kill"))
			ev.oom_kill = v;
		else if (streq(key, TEARDOWN_EVENT_TIMEOUT))
			ev.teardown_timeout = v;
		else if (streq(key, TEARDOWN_EVENT_ASYNC))
			ev.teardown_async = v;
		else if (streq(key, TEARDOWN_EVENT_PARK))
			ev.teardown_park = v;
	}
	*ret = ev;
	return 0;
}

int cgroup_read_events(const char *cgroup_root, const char *path, uint64_t *ret_oom_kill, uint64_t *ret_timeout) {
	MemoryEvents ev;
	int r;

	r = cgroup_read_memory_events(cgroup_root, path, &ev);
	if (r < 0)
		return r;
	*ret_oom_kill = ev.oom_kill;
	if (ret_timeout)
		*ret_timeout = ev.teardown_timeout;
	return 0;
}

int cgroup_read_procs(const char *cgroup_root, const char *path, pid_t **ret, size_t *ret_n) {
	_cleanup_free_ char *p = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ pid_t *v = NULL;
	size_t n = 0, cap = 0;
	int pid;

	if (asprintf(&p, "%s%s/cgroup.procs", cgroup_root, streq(path, "/") ? "" : path) < 0)
		return -ENOMEM;
	f = fopen(p, "re");
	if (!f)
		return negative_errno();
	while (fscanf(f, "%d", &pid) == 1) {
		if (n == cap) {
			pid_t *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(pid_t));
			if (!nv)
				return -ENOMEM;
			v = nv;
		}
		v[n++] = pid;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int cgroup_set_park_timeout(unsigned msec) {
	char buf[32], cur[32];

	snprintf(buf, sizeof(buf), "%u", msec);
	/* set already (ExecStartPre=+teardownd --apply-sysctl): the daemon itself may not write it */
	if (read_file_at("/proc/sys/vm", "teardown_park_timeout_ms", cur, sizeof(cur)) >= 0 &&
	    strtoul(cur, NULL, 10) == msec)
		return 0;
	return write_file_at("/proc/sys/vm", "teardown_park_timeout_ms", buf);
}
