/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownctl status / list / policy: the D-Bus client of teardownd.
 * The system bus first; without one (early boot, a container) teardownd's
 * private socket /run/teardownd/private, where there is no bus name.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "teardownd/conf.h"
#include "teardownd/log.h"
#include "teardownd/time-util.h"

typedef struct Conn {
	sd_bus *bus;
	const char *destination;   /* NULL on the private socket */
	const char *via;
} Conn;

/* no flush: on a connection still authenticating sd_bus_flush() waits for the daemon, up to 90 s */
static void conn_done(Conn *c) {
	c->bus = sd_bus_close_unref(c->bus);
}

/* $TEARDOWNCTL_PRIVATE_SOCKET (a teardownd started with --root, the tests) or /run/teardownd/private */
static const char *private_socket(void) {
	return getenv("TEARDOWNCTL_PRIVATE_SOCKET") ?: TEARDOWND_PRIVATE_SOCKET;
}

/*
 * sd-bus waits for the authentication of a new connection with a timeout of
 * its own (90 s), not the method call timeout: a stopped teardownd accepts
 * the connection (the listen backlog does) and never answers. So wait for
 * the connection to be ready here, against --timeout.
 */
static int bus_wait_ready(sd_bus *bus, uint64_t timeout_usec) {
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	int r;

	for (;;) {
		uint64_t n;

		r = sd_bus_is_ready(bus);
		if (r != 0)
			return r < 0 ? r : 0;
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		n = now_usec(CLOCK_MONOTONIC);
		if (n >= deadline)
			return -ETIMEDOUT;
		r = sd_bus_wait(bus, deadline - n);
		if (r < 0)
			return r;
	}
}

static int open_private(Conn *c) {
	_cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ char *address = NULL;
	int r;

	if (asprintf(&address, "unix:path=%s", private_socket()) < 0)
		return -ENOMEM;
	r = sd_bus_new(&bus);
	if (r < 0)
		return r;
	r = sd_bus_set_address(bus, address);
	if (r < 0)
		return r;
	r = sd_bus_set_method_call_timeout(bus, arg.timeout_usec);
	if (r < 0)
		return r;
	r = sd_bus_start(bus);
	if (r < 0)
		return r;
	r = bus_wait_ready(bus, arg.timeout_usec);
	if (r < 0)
		return r;
	c->bus = TAKE_PTR(bus);
	c->destination = NULL;
	c->via = private_socket();
	return 0;
}

/* A bus error at the edge: a call that timed out means teardownd does not answer (exit 3). */
static int bus_log_error(int r, const char *action, const char *what, const sd_bus_error *error) {
	if (r == -ETIMEDOUT) {
		log_error("teardownd did not answer within %" PRIu64 "s (%s): stopped or hung? See --timeout=.",
			  (uint64_t) (arg.timeout_usec / USEC_PER_SEC), what);
		return -ENXIO;
	}
	return log_error_errno(r, "Failed to %s %s: %s", action, what,
			       error && error->message ? error->message : strerror(-r));
}

/*
 * Connects and pings teardownd. Returns 0; -ENXIO when it is reachable
 * neither on the system bus nor on its private socket; -ETIMEDOUT when it
 * is there but did not answer within --timeout (other -errno only for local
 * failures such as -ENOMEM).
 */
static int conn_open(Conn *c) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	if (getenv("TEARDOWNCTL_PRIVATE_SOCKET"))
		r = -EHOSTDOWN; /* that daemon is not on the system bus */
	else
		r = sd_bus_open_system(&c->bus);
	if (r >= 0)
		r = sd_bus_set_method_call_timeout(c->bus, arg.timeout_usec);
	if (r >= 0) {
		c->destination = TEARDOWND_BUS_NAME;
		c->via = "system bus";
		r = sd_bus_call_method(c->bus, c->destination, TEARDOWND_BUS_PATH, "org.freedesktop.DBus.Peer",
				       "Ping", &error, NULL, NULL);
		if (r >= 0 || r == -ENOMEM || r == -ETIMEDOUT)
			return r;
		log_debug_errno(r, "teardownd not on the system bus: %s",
				error.message ?: strerror(-r));
		c->bus = sd_bus_close_unref(c->bus);
	} else
		log_debug_errno(r, "No system bus: %m");

	r = open_private(c);
	if (r == -ENOMEM || r == -ETIMEDOUT)
		return r;
	if (r < 0) {
		log_debug_errno(r, "No private socket %s: %m", private_socket());
		return -ENXIO;
	}
	return 0;
}

/* The edge of conn_open(): one message; -ENXIO (exit 3) when teardownd is not there or does not answer. */
static int log_conn_error(int r) {
	if (r == -ENXIO) {
		log_error("teardownd is not running (neither %s on the system bus nor %s answer).",
			  TEARDOWND_BUS_NAME, private_socket());
		return r;
	}
	if (r == -ETIMEDOUT)
		return bus_log_error(r, "connect", "connecting", NULL);
	return log_error_errno(r, "Failed to connect to teardownd: %m");
}

static int call(Conn *c, const char *method, sd_bus_message **reply) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(c->bus, c->destination, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE,
			       method, &error, reply, NULL);
	if (r < 0) {
		char what[64];

		snprintf(what, sizeof(what), "%s()", method);
		return bus_log_error(r, "call", what, &error);
	}
	return 0;
}

/* conn_open() and call() for the verbs that need a running daemon. */
static int open_and_call(Conn *c, const char *method, sd_bus_message **reply) {
	int r;

	r = conn_open(c);
	if (r < 0)
		return log_conn_error(r);
	return call(c, method, reply);
}

/* ---- status ---- */

typedef struct Status {
	char *version;
	char **features;
	char **limitations;          /* NULL: the daemon has no such property */
	char *backend;
	uint64_t teardowns, bytes, oom_kills, fallbacks, timeouts;
	uint64_t tracking_refused;   /* UINT64_MAX: the daemon has no such property */
	uint32_t tracked;
} Status;

static void status_done(Status *s) {
	free(s->version);
	free(s->backend);
	strv_free(s->features);
	strv_free(s->limitations);
}

static int get_property(Conn *c, const char *name, char type, void *ret) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	char what[64];
	int r;

	if (type == 's')
		r = sd_bus_get_property_string(c->bus, c->destination, TEARDOWND_BUS_PATH,
					       TEARDOWND_BUS_INTERFACE, name, &error, ret);
	else if (type == 'S') /* as */
		r = sd_bus_get_property_strv(c->bus, c->destination, TEARDOWND_BUS_PATH,
					     TEARDOWND_BUS_INTERFACE, name, &error, ret);
	else
		r = sd_bus_get_property_trivial(c->bus, c->destination, TEARDOWND_BUS_PATH,
						TEARDOWND_BUS_INTERFACE, name, &error, type, ret);
	if (r < 0) {
		snprintf(what, sizeof(what), "property %s", name);
		return bus_log_error(r, "get", what, &error);
	}
	return 0;
}

static int status_get(Conn *c, Status *s) {
	int r;

	if ((r = get_property(c, "Version", 's', &s->version)) < 0 ||
	    (r = get_property(c, "Backend", 's', &s->backend)) < 0 ||
	    (r = get_property(c, "KernelFeatures", 'S', &s->features)) < 0 ||
	    (r = get_property(c, "Tracked", 'u', &s->tracked)) < 0 ||
	    (r = get_property(c, "TeardownsTotal", 't', &s->teardowns)) < 0 ||
	    (r = get_property(c, "BytesReaped", 't', &s->bytes)) < 0 ||
	    (r = get_property(c, "OOMKillsSeen", 't', &s->oom_kills)) < 0 ||
	    (r = get_property(c, "Fallbacks", 't', &s->fallbacks)) < 0 ||
	    (r = get_property(c, "Timeouts", 't', &s->timeouts)) < 0)
		return r;
	/* newer than the first API: optional */
	r = sd_bus_get_property_trivial(c->bus, c->destination, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE,
					"TrackingRefused", NULL, 't', &s->tracking_refused);
	if (r < 0)
		s->tracking_refused = UINT64_MAX;
	(void) sd_bus_get_property_strv(c->bus, c->destination, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE,
					"Limitations", NULL, &s->limitations);
	return 0;
}

/* "running", or "LIMITED" when the daemon says something is missing */
static bool status_limited(const Status *s) {
	return s->limitations && s->limitations[0];
}

static json_object *strv_to_json(char **l) {
	json_object *a = json_object_new_array();
	for (char **i = l; a && i && *i; i++)
		json_object_array_add(a, json_object_new_string(*i));
	return a;
}

static void print_features(const char *label, char **l) {
	printf("%16s:", label);
	if (!l || !*l)
		printf(" none");
	for (char **i = l; i && *i; i++)
		printf(" %s", *i);
	putchar('\n');
}

int verb_status(int argc, char *argv[]) {
	_cleanup_(conn_done) Conn c = {};
	_cleanup_(status_done) Status s = {};
	int r;

	r = conn_open(&c);
	if (r == -ENXIO && arg.quiet)
		return r; /* -q: the exit status says it all */
	if (r == -ENXIO) {
		_cleanup_strv_free_ char **local = NULL;

		r = kernel_features_local(&local);
		if (r < 0)
			return log_error_errno(r, "Failed to probe the kernel: %m");
		if (arg.json != JSON_OFF) {
			_cleanup_json_ json_object *o = json_object_new_object();
			if (!o)
				return log_oom();
			json_object_object_add(o, "running", json_object_new_boolean(false));
			json_object_object_add(o, "kernel_features", strv_to_json(local));
			r = json_print(o);
			if (r < 0)
				return r;
		} else {
			printf("teardownd is not running.\n");
			print_features("Kernel features", local);
			printf("%16s  (probed locally by teardownctl)\n", "");
		}
		return -ENXIO;
	}
	if (r == -ETIMEDOUT && arg.json != JSON_OFF) {
		_cleanup_json_ json_object *o = json_object_new_object();
		if (!o)
			return log_oom();
		json_object_object_add(o, "running", json_object_new_boolean(true));
		json_object_object_add(o, "responding", json_object_new_boolean(false));
		(void) json_print(o);
	}
	if (r < 0)
		return log_conn_error(r);
	if (arg.quiet)
		return 0; /* it answered Ping */

	r = status_get(&c, &s);
	if (r < 0)
		return r;

	if (arg.json != JSON_OFF) {
		_cleanup_json_ json_object *o = json_object_new_object();
		if (!o)
			return log_oom();
		json_object_object_add(o, "running", json_object_new_boolean(true));
		json_object_object_add(o, "state", json_object_new_string(status_limited(&s) ? "limited" : "running"));
		if (s.limitations)
			json_object_object_add(o, "limitations", strv_to_json(s.limitations));
		json_object_object_add(o, "version", json_object_new_string(s.version));
		json_object_object_add(o, "backend", json_object_new_string(s.backend));
		json_object_object_add(o, "kernel_features", strv_to_json(s.features));
		json_object_object_add(o, "tracked", json_object_new_uint64(s.tracked));
		json_object_object_add(o, "teardowns_total", json_object_new_uint64(s.teardowns));
		json_object_object_add(o, "bytes_reaped", json_object_new_uint64(s.bytes));
		json_object_object_add(o, "oom_kills_seen", json_object_new_uint64(s.oom_kills));
		json_object_object_add(o, "fallbacks", json_object_new_uint64(s.fallbacks));
		json_object_object_add(o, "timeouts", json_object_new_uint64(s.timeouts));
		if (s.tracking_refused != UINT64_MAX)
			json_object_object_add(o, "tracking_refused", json_object_new_uint64(s.tracking_refused));
		return json_print(o);
	}

	char b[FORMAT_BYTES_MAX];
	printf("teardownd %s (running, via %s)\n", s.version, c.via);
	printf("%16s: %s\n", "State", status_limited(&s) ? "LIMITED" : "running");
	for (char **i = s.limitations; i && *i; i++)
		printf("%16s  %s\n", "", *i);
	printf("%16s: %s\n", "Backend", s.backend);
	print_features("Kernel features", s.features);
	printf("%16s: %" PRIu32 " processes\n", "Tracked", s.tracked);
	printf("%16s: %" PRIu64 " (%s reaped)\n", "Teardowns", s.teardowns, format_bytes(b, sizeof(b), s.bytes));
	printf("%16s: %" PRIu64 "\n", "OOM kills seen", s.oom_kills);
	printf("%16s: %" PRIu64 "\n", "Fallbacks", s.fallbacks);
	printf("%16s: %" PRIu64 "\n", "Timeouts", s.timeouts);
	if (s.tracking_refused != UINT64_MAX)
		printf("%16s: %" PRIu64 " (MaxTracked= reached)\n", "Refused", s.tracking_refused);
	return 0;
}

/* ---- list ---- */

int verb_list(int argc, char *argv[]) {
	_cleanup_(conn_done) Conn c = {};
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_json_ json_object *array = NULL;
	unsigned n = 0;
	int r;

	r = open_and_call(&c, "ListTracked", &reply);
	if (r < 0)
		return r;

	if (arg.json != JSON_OFF) {
		array = json_object_new_array();
		if (!array)
			return log_oom();
	} else if (arg.legend)
		printf("%-8s %-16s %-24s %9s %s\n", "PID", "COMM", "UNIT", "RSS", "CGROUP");

	r = sd_bus_message_enter_container(reply, 'a', "(ussst)");
	if (r < 0)
		return log_error_errno(r, "Failed to parse ListTracked() reply: %m");
	for (;;) {
		const char *comm, *cgroup, *unit;
		uint64_t rss;
		uint32_t pid;

		r = sd_bus_message_read(reply, "(ussst)", &pid, &comm, &cgroup, &unit, &rss);
		if (r < 0)
			return log_error_errno(r, "Failed to parse ListTracked() reply: %m");
		if (r == 0)
			break;
		n++;
		if (array) {
			json_object *o = json_object_new_object();
			if (!o)
				return log_oom();
			json_object_object_add(o, "pid", json_object_new_int64(pid));
			json_object_object_add(o, "comm", json_object_new_string(comm));
			json_object_object_add(o, "cgroup", json_object_new_string(cgroup));
			json_object_object_add(o, "unit", json_object_new_string(unit));
			json_object_object_add(o, "rss_bytes", json_object_new_uint64(rss));
			json_object_array_add(array, o);
		} else {
			char b[FORMAT_BYTES_MAX];
			printf("%-8" PRIu32 " %-16s %-24s %9s %s\n", pid, comm, isempty(unit) ? "-" : unit,
			       format_bytes(b, sizeof(b), rss), cgroup);
		}
	}

	if (array)
		return json_print(array);
	if (arg.legend)
		printf("\n%u tracked processes listed.\n", n);
	return 0;
}

/* ---- policy ---- */

typedef struct PolicyRow {
	const char *name, *file, *mode, *match;
	uint64_t min_bytes;
	uint32_t workers, cpu_quota_permille;
} PolicyRow;

static json_object *policy_row_to_json(const PolicyRow *p) {
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "file", json_object_new_string(p->file));
	json_object_object_add(o, "mode", json_object_new_string(p->mode));
	json_object_object_add(o, "match", json_object_new_string(p->match));
	json_object_object_add(o, "min_bytes", json_object_new_uint64(p->min_bytes));
	json_object_object_add(o, "workers", json_object_new_int64(p->workers));
	json_object_object_add(o, "cpu_quota_permille", json_object_new_int64(p->cpu_quota_permille));
	return o;
}

static void policy_row_print(const PolicyRow *p) {
	char b[FORMAT_BYTES_MAX], q[16];
	snprintf(q, sizeof(q), "%u.%u%%", p->cpu_quota_permille / 10, p->cpu_quota_permille % 10);
	printf("%-20s %-7s %8s %7" PRIu32 " %8s  %s\n", p->name, p->mode, format_bytes(b, sizeof(b), p->min_bytes),
	       p->workers, q, p->match);
}

static int cat_file(const char *path) {
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char buf[4096];
	size_t n;

	if (!f)
		return log_error_errno(negative_errno(), "Failed to open %s: %m", path);
	printf("# %s\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	if (ferror(f))
		return log_error_errno(-EIO, "Failed to read %s.", path);
	return 0;
}

static int policy_list_or_show(const char *show) {
	_cleanup_(conn_done) Conn c = {};
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_json_ json_object *array = NULL;
	bool found = false;
	unsigned n = 0;
	int r;

	r = open_and_call(&c, "ListPolicies", &reply);
	if (r < 0)
		return r;

	if (arg.json != JSON_OFF) {
		array = json_object_new_array();
		if (!array)
			return log_oom();
	} else if (!show && arg.legend)
		printf("%-20s %-7s %8s %7s %8s  %s\n", "NAME", "MODE", "MIN", "WORKERS", "CPU", "MATCH");

	r = sd_bus_message_enter_container(reply, 'a', "(sssstuu)");
	if (r < 0)
		return log_error_errno(r, "Failed to parse ListPolicies() reply: %m");
	for (;;) {
		PolicyRow p;

		r = sd_bus_message_read(reply, "(sssstuu)", &p.name, &p.file, &p.mode, &p.match,
					&p.min_bytes, &p.workers, &p.cpu_quota_permille);
		if (r < 0)
			return log_error_errno(r, "Failed to parse ListPolicies() reply: %m");
		if (r == 0)
			break;
		if (show && !streq(show, p.name))
			continue;
		found = true;
		n++;
		if (array) {
			json_object *o = policy_row_to_json(&p);
			if (!o)
				return log_oom();
			json_object_array_add(array, o);
		} else if (show) {
			if (arg.legend) {
				printf("%-20s %-7s %8s %7s %8s  %s\n", "NAME", "MODE", "MIN", "WORKERS", "CPU", "MATCH");
				policy_row_print(&p);
				putchar('\n');
			}
			r = cat_file(p.file);
			if (r < 0)
				return r;
		} else
			policy_row_print(&p);
	}

	if (show && !found) {
		log_error("No policy '%s' loaded by teardownd.", show);
		return -ENOENT;
	}
	if (array)
		return json_print(array);
	if (!show && arg.legend)
		printf("\n%u policies listed.\n", n);
	return 0;
}

/* "FILE:LINE: message" or "FILE: message", as the config parser words its errors, as JSON. */
static json_object *config_error_to_json(const char *path, const char *e) {
	json_object *o = json_object_new_object();
	size_t l = strlen(path);
	const char *m = e;
	unsigned line = 0;
	int k = 0;

	if (!o)
		return NULL;
	if (strneq(e, path, l) && e[l] == ':') {
		m = e + l + 1;
		if (sscanf(m, "%u: %n", &line, &k) == 1 && k > 0)
			m += k;
		else
			m += strspn(m, " ");
	}
	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "line", line > 0 ? json_object_new_int64(line) : NULL);
	json_object_object_add(o, "message", json_object_new_string(m));
	return o;
}

/* policy check --json on a file that is refused: {"file", "valid": false, "errors": [{"file", "line", "message"}]} */
static int policy_check_json_errors(const char *path, char **errors, size_t n) {
	_cleanup_json_ json_object *o = json_object_new_object(), *a = json_object_new_array();

	if (!o || !a)
		return log_oom();
	for (size_t i = 0; i < n; i++) {
		json_object *e = config_error_to_json(path, errors[i]);

		if (!e || json_object_array_add(a, e) < 0) {
			json_object_put(e);
			return log_oom();
		}
	}
	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "valid", json_object_new_boolean(false));
	json_object_object_add(o, "errors", TAKE_PTR(a));
	return json_print(o);
}

static int policy_check(const char *path) {
	_cleanup_(config_errors_done) ConfigErrors errs = {};
	_cleanup_(policy_done) Policy p = {};
	int r;

	if (access(path, R_OK) < 0) {
		r = negative_errno();
		if (arg.json != JSON_OFF) {
			char m[256];
			char *v[] = { m };

			snprintf(m, sizeof(m), "%s: cannot read: %s", path, strerror(-r));
			(void) policy_check_json_errors(path, v, 1);
		}
		return log_error_errno(r, "Failed to read %s: %m", path);
	}

	r = config_parse_policy_file(path, NULL, &p, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	if (r == -EINVAL && arg.json != JSON_OFF)
		(void) policy_check_json_errors(path, errs.v, errs.n);
	if (r == -EINVAL) {
		log_error("%s: %zu error%s, the policy would be rejected.", path, errs.n, errs.n == 1 ? "" : "s");
		return -EBADMSG;
	}
	if (r < 0)
		return log_error_errno(r, "Failed to read %s: %m", path);

	if (arg.json != JSON_OFF) {
		_cleanup_json_ json_object *o = json_object_new_object();
		if (!o)
			return log_oom();
		json_object_object_add(o, "name", json_object_new_string(p.name));
		json_object_object_add(o, "file", json_object_new_string(p.file));
		json_object_object_add(o, "valid", json_object_new_boolean(true));
		json_object_object_add(o, "mode", json_object_new_string(teardown_mode_to_string(p.mode)));
		json_object_object_add(o, "cgroups", strv_to_json(p.cgroups));
		json_object_object_add(o, "cgroup_globs", strv_to_json(p.globs));
		json_object_object_add(o, "units", strv_to_json(p.units));
		json_object_object_add(o, "min_bytes", json_object_new_uint64(p.min_size));
		json_object_object_add(o, "workers", json_object_new_int64(p.reaper.workers));
		json_object_object_add(o, "chunk_bytes", json_object_new_uint64(p.reaper.chunk));
		json_object_object_add(o, "cpu_quota_permille", json_object_new_int64(p.reaper.cpu_quota_permille));
		json_object_object_add(o, "cpu_weight", json_object_new_int64(p.reaper.cpu_weight));
		json_object_object_add(o, "yield_msec", json_object_new_int64(p.reaper.yield_msec));
		return json_print(o);
	}
	if (!arg.quiet) {
		char b[FORMAT_BYTES_MAX], ch[FORMAT_BYTES_MAX];
		printf("%s: OK\n", path);
		printf("%12s: %s\n", "Name", p.name);
		printf("%12s: %s\n", "Mode", teardown_mode_to_string(p.mode));
		for (char **i = p.cgroups; i && *i; i++)
			printf("%12s: %s\n", "Cgroup", *i);
		for (char **i = p.globs; i && *i; i++)
			printf("%12s: %s\n", "CgroupGlob", *i);
		for (char **i = p.units; i && *i; i++)
			printf("%12s: %s\n", "Unit", *i);
		printf("%12s: %s\n", "MinSize", format_bytes(b, sizeof(b), p.min_size));
		printf("%12s: %u, chunk %s, CPUQuota=%u.%u%%, CPUWeight=%u, YieldMSec=%u\n", "Workers", p.reaper.workers,
		       format_bytes(ch, sizeof(ch), p.reaper.chunk),
		       p.reaper.cpu_quota_permille / 10, p.reaper.cpu_quota_permille % 10, p.reaper.cpu_weight,
		       p.reaper.yield_msec);
	}
	return 0;
}

int verb_policy(int argc, char *argv[]) {
	const char *sub = argc > 1 ? argv[1] : "list";

	if (streq(sub, "list") && argc <= 2)
		return policy_list_or_show(NULL);
	if (streq(sub, "show") && argc == 3)
		return policy_list_or_show(argv[2]);
	if (streq(sub, "check") && argc == 3)
		return policy_check(argv[2]);

	log_error("Usage: teardownctl policy [list | show NAME | check FILE]");
	return CTL_ERR_USAGE;
}
