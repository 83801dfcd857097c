/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownctl events [--follow]: the teardown events teardownd logged, read
 * from the journal by MESSAGE_ID (see units/teardownd.catalog and
 * docs/interfaces.md for the fields). Needs no daemon.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "ctl.h"
#include "teardownd/log.h"
#include "teardownd/messages.h"

/* Value of FIELD in the current entry, malloc'ed, or NULL if absent. */
static char *field(sd_journal *j, const char *name) {
	const void *data;
	size_t len, nl = strlen(name);

	if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= nl || ((const char *) data)[nl] != '=')
		return NULL;
	return strndup((const char *) data + nl + 1, len - nl - 1);
}

static uint64_t field_u64(sd_journal *j, const char *name) {
	_cleanup_free_ char *s = field(j, name);
	char *end;
	unsigned long long v;

	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' ? v : 0;
}

static int print_entry(sd_journal *j) {
	_cleanup_free_ char *comm = field(j, "TEARDOWN_COMM"), *cgroup = field(j, "TEARDOWN_CGROUP"),
		*unit = field(j, "TEARDOWN_UNIT"), *mode = field(j, "TEARDOWN_MODE"),
		*trigger = field(j, "TEARDOWN_TRIGGER");
	uint64_t pid = field_u64(j, "TEARDOWN_PID"), bytes = field_u64(j, "TEARDOWN_BYTES"),
		duration = field_u64(j, "TEARDOWN_DURATION_USEC"), workers = field_u64(j, "TEARDOWN_WORKERS"),
		cpu = field_u64(j, "TEARDOWN_CPU_USEC"), ts = 0;
	int r;

	r = sd_journal_get_realtime_usec(j, &ts);
	if (r < 0)
		return log_error_errno(r, "Failed to read the timestamp of a journal entry: %m");

	if (arg.json != JSON_OFF) {
		/* one object per line, like journalctl -o json: jq reads the stream */
		_cleanup_json_ json_object *o = json_object_new_object();
		if (!o)
			return log_oom();
		json_object_object_add(o, "timestamp_usec", json_object_new_uint64(ts));
		json_object_object_add(o, "pid", json_object_new_uint64(pid));
		json_object_object_add(o, "comm", json_object_new_string(strna(comm)));
		json_object_object_add(o, "cgroup", json_object_new_string(strna(cgroup)));
		json_object_object_add(o, "unit", json_object_new_string(unit ?: ""));
		json_object_object_add(o, "mode", json_object_new_string(strna(mode)));
		json_object_object_add(o, "trigger", json_object_new_string(strna(trigger)));
		json_object_object_add(o, "bytes", json_object_new_uint64(bytes));
		json_object_object_add(o, "duration_usec", json_object_new_uint64(duration));
		json_object_object_add(o, "workers", json_object_new_uint64(workers));
		json_object_object_add(o, "cpu_usec", json_object_new_uint64(cpu));
		return json_print(o);
	}

	char t[FORMAT_TIMESTAMP_MAX], b[FORMAT_BYTES_MAX], d[FORMAT_USEC_MAX];
	printf("%-19s %-7" PRIu64 " %-15s %-7s %-7s %8s %10s %7" PRIu64 "  %s\n",
	       format_timestamp(t, sizeof(t), ts), pid, strna(comm), strna(mode), strna(trigger),
	       format_bytes(b, sizeof(b), bytes), format_usec(d, sizeof(d), duration), workers,
	       !isempty(unit) ? unit : strna(cgroup));
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int verb_events(int argc, char *argv[]) {
	_cleanup_(sd_journal_closep) sd_journal *j = NULL;
	unsigned n = 0;
	int r;

	r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r < 0)
		return log_error_errno(r, "Failed to open the journal: %m");
	/*
	 * Anyone may log an entry with this MESSAGE_ID: only trust the ones
	 * journald itself attributes to teardownd.service or to root (a
	 * teardownd run by hand): MESSAGE_ID=... AND (_SYSTEMD_UNIT=... OR _UID=0).
	 */
	r = sd_journal_add_match(j, "MESSAGE_ID=" TEARDOWND_MESSAGE_TEARDOWN_STR, 0);
	if (r >= 0)
		r = sd_journal_add_conjunction(j);
	if (r >= 0)
		r = sd_journal_add_match(j, "_SYSTEMD_UNIT=teardownd.service", 0);
	if (r >= 0)
		r = sd_journal_add_disjunction(j);
	if (r >= 0)
		r = sd_journal_add_match(j, "_UID=0", 0);
	if (r < 0)
		return log_error_errno(r, "Failed to add a journal match: %m");

	bool have_current = false;
	if (arg.lines > 0) {
		/* like journalctl -n: the last N entries, oldest first */
		r = sd_journal_seek_tail(j);
		if (r >= 0)
			r = sd_journal_previous_skip(j, arg.lines);
		if (r < 0)
			return log_error_errno(r, "Failed to seek in the journal: %m");
		have_current = r > 0;
	} else {
		r = sd_journal_seek_head(j);
		if (r < 0)
			return log_error_errno(r, "Failed to seek in the journal: %m");
	}

	if (arg.json == JSON_OFF && arg.legend)
		printf("%-19s %-7s %-15s %-7s %-7s %8s %10s %7s  %s\n",
		       "TIME", "PID", "COMM", "MODE", "TRIGGER", "BYTES", "DURATION", "WORKERS", "UNIT/CGROUP");

	for (;;) {
		if (have_current) {
			have_current = false;
			r = 1;
		} else
			r = sd_journal_next(j);
		if (r < 0)
			return log_error_errno(r, "Failed to iterate the journal: %m");
		if (r > 0) {
			r = print_entry(j);
			if (r < 0)
				return r;
			n++;
			continue;
		}
		if (!arg.follow)
			break;
		r = sd_journal_wait(j, UINT64_MAX);
		if (r < 0)
			return log_error_errno(r, "Failed to wait for the journal: %m");
	}

	if (arg.json == JSON_OFF && arg.legend)
		printf("\n%u teardown events.\n", n);
	return 0;
}
