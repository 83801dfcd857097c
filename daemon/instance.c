/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime directory (ROOT/run/teardownd) and the instance lock in it:
 * one teardownd per root. A second one used to start, unlink the first
 * one's private socket and bind its own, so the first became unreachable.
 *
 * The lock is flock(2) on ROOT/run/teardownd/lock, taken before anything an
 * instance owns (the private socket, the worker cgroups, the sysctl) is
 * touched. The kernel drops it when its holder exits, however it exits, so
 * a file left behind never blocks a start; it holds the holder's PID only
 * for the message of the instance that is refused.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"
#include "teardownd/conf.h"
#include "teardownd/log.h"

#define INSTANCE_LOCK_NAME "lock"

/* mkdir -p: below --root the parents may be missing */
static int mkdir_parents_and(char *dir, mode_t mode) {
	for (char *slash = dir + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		if (mkdir(dir, mode) < 0 && errno != EEXIST) {
			*slash = '/';
			return negative_errno();
		}
		*slash = '/';
	}
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static pid_t read_holder(int fd) {
	char buf[16] = {};
	unsigned v;

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_unsigned(buf, &v) < 0 || v == 0 || v > INT32_MAX)
		return 0;
	return (pid_t) v;
}

int instance_lock(const char *root, char **ret_runtime_dir, int *ret_fd, pid_t *ret_holder) {
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	char pid[16];
	int r;

	if (asprintf(&dir, "%s/run/teardownd", root) < 0 ||
	    asprintf(&path, "%s/" INSTANCE_LOCK_NAME, dir) < 0)
		return -ENOMEM;
	r = mkdir_parents_and(dir, 0755);
	if (r < 0)
		return r;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return negative_errno();
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = negative_errno();
		if (r != -EWOULDBLOCK)
			return r;
		if (ret_holder)
			*ret_holder = read_holder(fd);
		return -EBUSY;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int) getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		log_debug_errno(negative_errno(), "Failed to write our PID to %s, ignoring: %m", path);

	*ret_runtime_dir = TAKE_PTR(dir);
	*ret_fd = TAKE_FD(fd);
	return 0;
}
