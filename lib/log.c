/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr with journald priority prefixes; see teardownd/log.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <strings.h>

#include "teardownd/log.h"
#include "teardownd/string-table.h"

static int max_level = LOG_INFO;
static const char *ident = "teardownd";

/* indexed by the syslog level, LOG_EMERG (0) to LOG_DEBUG (7) */
static const char *const log_level_table[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void log_set_max_level(int level) {
	if (level >= LOG_EMERG && level <= LOG_DEBUG)
		max_level = level;
}

int log_get_max_level(void) {
	return max_level;
}

void log_set_ident(const char *s) {
	ident = s;
}

int log_level_from_string(const char *s) {
	char *end;
	long v;

	if (isempty(s))
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(log_level_table); i++)
		if (strcasecmp(s, log_level_table[i]) == 0)
			return (int) i;
	if (strcasecmp(s, "error") == 0)
		return LOG_ERR;
	if (strcasecmp(s, "warn") == 0)
		return LOG_WARNING;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < LOG_EMERG || v > LOG_DEBUG)
		return -EINVAL;
	return (int) v;
}

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(log_level, int);

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
	int e = error < 0 ? -error : error;
	char buf[2048];
	va_list ap;

	if (level > max_level)
		return -e;

	errno = e;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", level, buf);
	else if (level == LOG_DEBUG)
		fprintf(stderr, "%s: %s:%d: %s\n", ident, file, line, buf);
	else
		fprintf(stderr, "%s: %s\n", ident, buf);
	errno = e;
	return -e;
}
