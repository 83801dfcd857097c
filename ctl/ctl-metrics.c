/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownctl metrics [--output=FILE]: teardownd's metrics as GetMetrics()
 * renders them, the same text as GET /metrics (Prometheus text format
 * 0.0.4). With --output the text replaces FILE atomically (a temporary file
 * in the same directory, fsync, rename), so node_exporter's textfile
 * collector never reads half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "teardownd/log.h"

/* GetMetrics("") on the system bus, else on the private socket. -ENXIO: teardownd not reachable. */
static int get_metrics(char **ret) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	const char *private = getenv("TEARDOWNCTL_PRIVATE_SOCKET") ?: TEARDOWND_PRIVATE_SOCKET;
	_cleanup_free_ char *address = NULL;
	const char *text;
	int r;

	if (!getenv("TEARDOWNCTL_PRIVATE_SOCKET") && sd_bus_open_system(&bus) >= 0) {
		(void) sd_bus_set_method_call_timeout(bus, arg.timeout_usec);
		r = sd_bus_call_method(bus, TEARDOWND_BUS_NAME, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE,
				       "GetMetrics", &error, &reply, "s", "");
		if (r >= 0)
			goto done;
		if (r == -ENOMEM)
			return r;
		if (!sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
			return log_error_errno(r, "Failed to call GetMetrics(): %s", error.message ?: strerror(-r));
		log_debug("teardownd not on the system bus: %s", error.message);
		sd_bus_error_free(&error);
		bus = sd_bus_flush_close_unref(bus);
	}

	if (asprintf(&address, "unix:path=%s", private) < 0)
		return -ENOMEM;
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_set_method_call_timeout(bus, arg.timeout_usec);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_error("teardownd is not running (neither %s on the system bus nor %s answer).",
			  TEARDOWND_BUS_NAME, private);
		return -ENXIO;
	}
	r = sd_bus_call_method(bus, NULL, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE, "GetMetrics", &error,
			       &reply, "s", "");
	if (r == -ETIMEDOUT) {
		log_error("teardownd did not answer within %llu s (--timeout=).",
			  (unsigned long long) (arg.timeout_usec / USEC_PER_SEC));
		return -ENXIO;
	}
	if (r < 0)
		return log_error_errno(r, "Failed to call GetMetrics(): %s", error.message ?: strerror(-r));
done:
	r = sd_bus_message_read(reply, "s", &text);
	if (r < 0)
		return log_error_errno(r, "Failed to parse the reply of GetMetrics(): %m");
	*ret = strdup(text);
	return *ret ? 0 : -ENOMEM;
}

/* Replace path with text: temporary file in the same directory, 0644, fsync, rename. */
static int write_atomic(const char *path, const char *text) {
	_cleanup_free_ char *dir_copy = NULL, *base_copy = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(text), done = 0;
	int r;

	dir_copy = strdup(path);
	base_copy = strdup(path);
	if (!dir_copy || !base_copy)
		return -ENOMEM;
	/* a name without ".prom" is read by nobody, and a leading dot hides it from the collector meanwhile */
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dirname(dir_copy), basename(base_copy)) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create a temporary file next to %s: %m", path);
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = log_error_errno(negative_errno(), "Failed to write %s: %m", tmp);
			goto fail;
		}
		done += (size_t) n;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		r = log_error_errno(negative_errno(), "Failed to finish %s: %m", tmp);
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = log_error_errno(negative_errno(), "Failed to rename %s to %s: %m", tmp, path);
		goto fail;
	}
	return 0;
fail:
	(void) unlink(tmp);
	return r;
}

int verb_metrics(int argc, char *argv[]) {
	_cleanup_free_ char *text = NULL;
	int r;

	r = get_metrics(&text);
	if (r < 0)
		return r;
	if (arg.output)
		return write_atomic(arg.output, text);
	fputs(text, stdout);
	if (fflush(stdout) != 0)
		return log_error_errno(-EIO, "Failed to write the metrics: %m");
	return 0;
}
