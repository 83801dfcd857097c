/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal logging shared by teardownd and teardownctl. Messages go to stderr;
 * when stderr is connected to journald (JOURNAL_STREAM) they carry a "<N>"
 * priority prefix so journald files them at the right level. The error
 * variants set errno from the (negative) error so "%m" prints it, and return
 * the negative error so the edge can "return log_error_errno(r, ...)".
 * Library-like code logs only at LOG_DEBUG.
 */
#pragma once

#include <syslog.h>
#include "teardownd/macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
/* Parses debug|info|notice|warning|err|crit|alert|emerg or a number 0..7. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
void log_set_ident(const char *ident);

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) _printf_(5, 6);

#define log_full_errno(level, error, ...) \
	log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_notice_errno(e, ...)  log_full_errno(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
#define log_oom_warning() log_warning_errno(-ENOMEM, "Out of memory, ignoring.")
