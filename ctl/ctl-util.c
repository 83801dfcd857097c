/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Formatting and small helpers of teardownctl. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "teardownd/reap.h"

char *format_bytes(char *buf, size_t l, uint64_t bytes) {
	static const char suffix[] = "KMGTPE";
	double v = bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, l, "%" PRIu64 "B", bytes);
		return buf;
	}
	while (v >= 1024.0 && i < (int) sizeof(suffix) - 2) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, l, "%.1f%c", v, suffix[i]);
	return buf;
}

char *format_usec(char *buf, size_t l, uint64_t usec) {
	if (usec < USEC_PER_MSEC)
		snprintf(buf, l, "%" PRIu64 "us", usec);
	else if (usec < USEC_PER_SEC)
		snprintf(buf, l, "%.1fms", (double) usec / USEC_PER_MSEC);
	else
		snprintf(buf, l, "%.3fs", (double) usec / USEC_PER_SEC);
	return buf;
}

char *format_timestamp(char *buf, size_t l, uint64_t usec) {
	time_t t = (time_t) (usec / USEC_PER_SEC);
	struct tm tm;

	if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, l, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, l, "n/a");
	return buf;
}

json_object *json_object_put_null(json_object *o) {
	json_object_put(o);
	return NULL;
}

int json_print(json_object *o) {
	int flags = arg.json == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
	const char *s;

	flags |= JSON_C_TO_STRING_NOSLASHESCAPE;
	s = json_object_to_json_string_ext(o, flags);
	if (!s)
		return -ENOMEM;
	if (puts(s) < 0 || fflush(stdout) != 0)
		return -EIO;
	return 0;
}

int exit_code_from_errno(int r) {
	if (r >= 0)
		return CTL_EXIT_SUCCESS;
	switch (-r) {
	case EDOM:
		return CTL_EXIT_USAGE;
	case ENXIO:
		return CTL_EXIT_NOT_RUNNING;
	case EBADMSG:
		return CTL_EXIT_INVALID;
	case ESRCH:
		return CTL_EXIT_NO_PROCESS;
	case EPERM:
	case EACCES:
		return CTL_EXIT_NOT_PERMITTED;
	default:
		return CTL_EXIT_FAILURE;
	}
}

char **strv_free(char **l) {
	if (!l)
		return NULL;
	for (char **i = l; *i; i++)
		free(*i);
	free(l);
	return NULL;
}

static int strv_push_dup(char ***l, size_t *n, const char *s) {
	char **nl = realloc(*l, sizeof(char *) * (*n + 2));
	if (!nl)
		return -ENOMEM;
	*l = nl;
	nl[*n] = strdup(s);
	if (!nl[*n])
		return -ENOMEM;
	nl[++*n] = NULL;
	return 0;
}

/*
 * What this kernel offers, seen from here (no daemon needed): the reaper
 * ioctls (probed by libteardown_shared), process_mrelease(2), the cgroup v2
 * files of the series and the park timeout sysctl.
 */
int kernel_features_local(char ***ret) {
	_cleanup_strv_free_ char **l = NULL;
	struct stat st;
	size_t n = 0;
	int b, r;

	l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;

	b = reap_probe_backend();
	if (b == REAP_BACKEND_PIDFD_REAP) {
		r = strv_push_dup(&l, &n, "pidfd-reap");
		if (r < 0)
			return r;
	}
	if (b >= 0) {
		/* both backends imply process_mrelease(2) exists */
		r = strv_push_dup(&l, &n, "process_mrelease");
		if (r < 0)
			return r;
	}
	/* memory.teardown_mode is not on the root cgroup: look at init.scope or system.slice */
	if (stat("/sys/fs/cgroup/init.scope/" TEARDOWN_MODE_FILE, &st) == 0 ||
	    stat("/sys/fs/cgroup/system.slice/" TEARDOWN_MODE_FILE, &st) == 0) {
		r = strv_push_dup(&l, &n, TEARDOWN_MODE_FILE);
		if (r < 0)
			return r;
	}
	if (stat(TEARDOWN_SYSCTL_TIMEOUT, &st) == 0) {
		r = strv_push_dup(&l, &n, "vm.teardown_park_timeout_ms");
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(l);
	return 0;
}
