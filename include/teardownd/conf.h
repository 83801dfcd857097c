/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownd configuration: /etc/teardownd/teardownd.conf, drop-ins in
 * teardownd.conf.d/NAME.conf and policies in policy.d/NAME.policy, looked up in
 * /etc/teardownd, /run/teardownd and /usr/lib/teardownd (a file name in /etc
 * hides the same name in /run, which hides /usr/lib). Drop-ins are applied in
 * file-name order after the main file; policies are kept in file-name order.
 * Every key, its default and its range are in the table in daemon/conf.c and
 * in docs/interfaces.md. Part of libteardown_shared (teardownctl uses it for
 * "policy check").
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "teardownd/macro.h"

typedef enum TeardownMode {
	TEARDOWN_MODE_SYNC,
	TEARDOWN_MODE_ASYNC,
	TEARDOWN_MODE_REAPER,
	_TEARDOWN_MODE_MAX,
	_TEARDOWN_MODE_INVALID = -EINVAL,
} TeardownMode;

const char *teardown_mode_to_string(TeardownMode m);
TeardownMode teardown_mode_from_string(const char *s);

typedef struct ReaperSettings {
	unsigned workers;            /* 1..64 */
	uint64_t chunk;              /* 2M..1G, multiple of 2M */
	unsigned cpu_quota_permille; /* 10..64000 (1%..6400%) */
	unsigned cpu_period_msec;    /* cpu.max period: 100, 1..1000 */
	unsigned cpu_weight;         /* 1..10000 */
	unsigned yield_msec;         /* a tracked exit's wait for the parent's reap: 50, 0..1000 */
} ReaperSettings;

typedef struct Policy {
	char *name;          /* file name without ".policy" */
	char *file;          /* full path it was read from */
	char **cgroups;      /* Cgroup=: exact path, also covers its descendants; NULL-terminated */
	char **globs;        /* CgroupGlob=: fnmatch(FNM_PATHNAME) on the cgroup path */
	char **units;        /* Unit=: a path component equal to the unit name */
	TeardownMode mode;   /* default reaper */
	uint64_t min_size;   /* memory.teardown_min and tracking threshold; default 256M */
	ReaperSettings reaper;
} Policy;

typedef struct Config {
	int log_level;                 /* LOG_INFO */
	char *cgroup_root;             /* /sys/fs/cgroup */
	unsigned scan_interval_sec;    /* 10, 1..3600 */
	unsigned max_tracked;          /* 4096, 16..65536 */
	unsigned max_concurrent;       /* 4, 1..64 */
	unsigned park_timeout_msec;    /* 0 = leave the sysctl; else 100..600000 */
	unsigned recent_teardowns;     /* 64, 1..4096 */
	ReaperSettings reaper;         /* [Reaper]: defaults for policies */
	char *metrics_listen;          /* [Metrics] Listen=: "ADDR:PORT" ("[ADDR]:PORT" for IPv6), NULL = off */

	Policy *policies;
	size_t n_policies;
} Config;

/* Error list: each entry "FILE:LINE: message" (or "FILE: message"). */
typedef struct ConfigErrors {
	char **v;
	size_t n;
} ConfigErrors;

void config_errors_done(ConfigErrors *e);

Config *config_free(Config *c);
static inline void config_freep(Config **c) {
	if (*c)
		*c = config_free(*c);
}
void policy_done(Policy *p);

/* Fills c with every documented default (no policies). */
int config_init_defaults(Config *c);

/*
 * Loads everything under root ("" or "/" for the real system; a fixture tree
 * in tests): root/{etc,run,usr/lib}/teardownd. A missing main file is fine
 * (defaults). Returns 0 and *ret on success; -EINVAL when any file has errors,
 * with every error appended to errs (if non-NULL); other -errno (-ENOMEM,
 * unreadable directory). *ret is untouched on failure.
 */
int config_load(const char *root, Config **ret, ConfigErrors *errs);

/*
 * Parses one policy file on its own, with defaults taken from base (NULL:
 * built-in defaults). For "teardownctl policy check FILE".
 */
int config_parse_policy_file(const char *path, const ReaperSettings *base, Policy *ret, ConfigErrors *errs);

/* Parsers shared with the tests: -EINVAL on syntax, -ERANGE on overflow. */
int parse_size(const char *s, uint64_t *ret);          /* 123, 4K, 32M, 1G, 2T (base 1024), optional B */
int parse_permille_percent(const char *s, unsigned *ret); /* "50%", "12.5%" -> 500, 125 */
int parse_unsigned(const char *s, unsigned *ret);

#define METRICS_LISTEN_DEFAULT "127.0.0.1:9477"
/*
 * [Metrics] Listen=: "" or a false boolean (no, off, false, 0) = off (*ret
 * = NULL); a true one (yes, on, true, 1) = METRICS_LISTEN_DEFAULT; PORT =
 * 127.0.0.1:PORT; IPV4:PORT; [IPV6]:PORT. Port 1..65535. *ret is the
 * canonical "ADDR:PORT". -EINVAL, -ENOMEM.
 */
int parse_metrics_listen(const char *s, char **ret);
struct sockaddr_storage;
/* The canonical form of parse_metrics_listen() as a socket address; -EINVAL. */
int metrics_listen_sockaddr(const char *s, struct sockaddr_storage *ret, unsigned *ret_len);
