/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownctl: shared declarations of the verbs and their helpers.
 * teardownctl.c parses arguments and dispatches; ctl-bus.c talks to teardownd
 * (status, list, policy); ctl-reap.c kills and reaps with libteardown_shared
 * and needs no daemon; ctl-events.c reads teardown events from the journal;
 * ctl-util.c formats sizes, times and tables.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "teardownd/macro.h"
#include "teardownd/bus.h"

/* Exit codes, documented in teardownctl(1). */
enum {
	CTL_EXIT_SUCCESS = 0,
	CTL_EXIT_FAILURE = 1,       /* the operation failed */
	CTL_EXIT_USAGE = 2,         /* bad command line */
	CTL_EXIT_NOT_RUNNING = 3,   /* status/list/policy list: teardownd not reachable or not answering */
	CTL_EXIT_NO_PROCESS = 4,    /* kill/reap: no such process */
	CTL_EXIT_NOT_PERMITTED = 5, /* kill/reap/ReapPid: permission denied */
	CTL_EXIT_INVALID = 6,       /* policy check: the file has errors */
};

/* Returned by verbs for a bad command line: exit code 2, no further message. */
#define CTL_ERR_USAGE (-EDOM)

typedef enum JsonMode {
	JSON_OFF,
	JSON_SHORT,
	JSON_PRETTY,
} JsonMode;

typedef struct CtlArgs {
	JsonMode json;
	bool legend;
	bool follow;
	bool quiet;
	unsigned workers;      /* 0: default */
	int signal;
	uint64_t chunk;        /* 0: kernel default */
	unsigned lines;        /* events: last N, 0 = all */
	bool progress;         /* stdout is a tty and not --quiet/--json */
	uint64_t timeout_usec; /* --timeout: for every call to teardownd */
	const char *output;    /* metrics --output=FILE */
} CtlArgs;

extern CtlArgs arg;

#define TEARDOWND_PRIVATE_SOCKET RUNSTATEDIR "/teardownd/" TEARDOWND_PRIVATE_SOCKET_NAME

int verb_status(int argc, char *argv[]);
int verb_list(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_kill(int argc, char *argv[]);
int verb_reap(int argc, char *argv[]);
int verb_events(int argc, char *argv[]);
int verb_metrics(int argc, char *argv[]);

/* ctl-util.c */
char *format_bytes(char *buf, size_t l, uint64_t bytes);
char *format_usec(char *buf, size_t l, uint64_t usec);
char *format_timestamp(char *buf, size_t l, uint64_t usec);
#define FORMAT_BYTES_MAX 16
#define FORMAT_USEC_MAX 32
#define FORMAT_TIMESTAMP_MAX 64
int json_print(json_object *o);
int exit_code_from_errno(int r);
/* Local kernel features as strings, NULL-terminated; free with strv_free(). */
int kernel_features_local(char ***ret);
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)
/* json_object_put() that returns NULL, for the cleanup attribute. */
json_object *json_object_put_null(json_object *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put_null);
#define _cleanup_json_ _cleanup_(json_object_put_nullp)
