/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Structured journal entries with stable MESSAGE_IDs (teardownd/messages.h,
 * documented in units/teardownd.catalog). Fields: docs/interfaces.md.
 */
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "journal.h"
#include "teardownd/log.h"
#include "teardownd/messages.h"

void journal_teardown(const TeardownRecord *rec, const char *backend, const ReapResult *res,
		      uint64_t queued_usec, uint64_t yield_usec, const char *yield_end) {
	int r;

	r = sd_journal_send(
		"MESSAGE=Tore down %s[%u] (%s, %s): %llu MiB in %llu ms with %u workers, %llu ms CPU%s%s",
		rec->comm, rec->pid, strna(rec->unit), rec->trigger,
		(unsigned long long) (rec->bytes >> 20),
		(unsigned long long) (rec->duration_usec / 1000), rec->workers,
		(unsigned long long) (rec->cpu_usec / 1000),
		res->reason[0] ? "; " : "", res->reason,
		"MESSAGE_ID=" TEARDOWND_MESSAGE_TEARDOWN_STR,
		"PRIORITY=%d", LOG_INFO,
		"TEARDOWN_PID=%u", rec->pid,
		"TEARDOWN_COMM=%s", rec->comm,
		"TEARDOWN_CGROUP=%s", rec->cgroup,
		"TEARDOWN_UNIT=%s", rec->unit ?: "",
		"TEARDOWN_MODE=%s", rec->mode,
		"TEARDOWN_TRIGGER=%s", rec->trigger,
		"TEARDOWN_TRIGGER_SOURCE=%s", strna(rec->trigger_source),
		"TEARDOWN_BYTES=%llu", (unsigned long long) rec->bytes,
		"TEARDOWN_DURATION_USEC=%llu", (unsigned long long) rec->duration_usec,
		"TEARDOWN_WORKERS=%u", rec->workers,
		"TEARDOWN_CPU_USEC=%llu", (unsigned long long) rec->cpu_usec,
		"TEARDOWN_YIELD_USEC=%llu", (unsigned long long) yield_usec,
		"TEARDOWN_YIELD=%s", yield_end ?: "none",
		"TEARDOWN_QUEUED_USEC=%llu", (unsigned long long) queued_usec,
		"TEARDOWN_JOIN_USEC=%llu", (unsigned long long) res->join_usec,
		"TEARDOWN_STARTUP_USEC=%llu", (unsigned long long) res->startup_usec,
		"TEARDOWN_BACKEND=%s", backend,
		"TEARDOWN_RSS_BEFORE=%llu", (unsigned long long) res->rss_before,
		"TEARDOWN_ESRCH=%u", res->esrch,
		"TEARDOWN_OUTCOME=%s", reap_outcome_to_string(res->outcome) ?: "",
		"TEARDOWN_BYTES_BY_EXIT=%llu", (unsigned long long) res->bytes_by_exit,
		"TEARDOWN_REASON=%s", res->reason,
		NULL);
	if (r < 0)
		log_debug_errno(r, "Failed to send teardown event to the journal, ignoring: %m");
}

void journal_oom(const char *cgroup, const char *unit, uint64_t kills, pid_t victim) {
	int r;

	r = sd_journal_send(
		"MESSAGE=OOM kill in %s (%s): %llu so far, victim %d",
		cgroup, strna(unit), (unsigned long long) kills, (int) victim,
		"MESSAGE_ID=" TEARDOWND_MESSAGE_OOM_STR,
		"PRIORITY=%d", LOG_NOTICE,
		"TEARDOWN_CGROUP=%s", cgroup,
		"TEARDOWN_UNIT=%s", unit ?: "",
		"TEARDOWN_OOM_KILLS=%llu", (unsigned long long) kills,
		"TEARDOWN_PID=%d", (int) victim,
		NULL);
	if (r < 0)
		log_debug_errno(r, "Failed to send OOM event to the journal, ignoring: %m");
}

void journal_timeout(const char *cgroup, pid_t pid, const char *reason) {
	int r;

	r = sd_journal_send(
		"MESSAGE=Teardown timeout in %s: %s", cgroup, reason,
		"MESSAGE_ID=" TEARDOWND_MESSAGE_TIMEOUT_STR,
		"PRIORITY=%d", LOG_WARNING,
		"TEARDOWN_CGROUP=%s", cgroup,
		"TEARDOWN_PID=%d", (int) pid,
		"TEARDOWN_REASON=%s", reason,
		NULL);
	if (r < 0)
		log_debug_errno(r, "Failed to send timeout event to the journal, ignoring: %m");
}

void journal_fallback(pid_t pid, const char *cgroup, const char *backend, const char *reason) {
	int r;

	r = sd_journal_send(
		"MESSAGE=Fallback for pid %d in %s (%s): %s", (int) pid, strna(cgroup), backend, reason,
		"MESSAGE_ID=" TEARDOWND_MESSAGE_FALLBACK_STR,
		"PRIORITY=%d", LOG_NOTICE,
		"TEARDOWN_PID=%d", (int) pid,
		"TEARDOWN_CGROUP=%s", strna(cgroup),
		"TEARDOWN_BACKEND=%s", backend,
		"TEARDOWN_REASON=%s", reason,
		NULL);
	if (r < 0)
		log_debug_errno(r, "Failed to send fallback event to the journal, ignoring: %m");
}
