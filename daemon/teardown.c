/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Teardown jobs: made by job_new() for the tracker and ReapPid alike, run
 * on the job pool (job-pool.c), recorded here on the event loop when done:
 * the ReapPid() reply, the journal event, the D-Bus signal, the recent
 * list and the counters.
 */
#include <fcntl.h>
#include <stdint.h>

#include "journal.h"
#include "manager-bus.h"
#include "manager.h"
#include "metrics-collect.h"
#include "procconn.h"
#include "teardown.h"
#include "teardownd/budget.h"
#include "teardownd/log.h"
#include "teardownd/policy.h"

TeardownJob *job_free(TeardownJob *j) {
	if (!j)
		return NULL;
	if (j->manager)
		for (TeardownJob **p = &j->manager->jobs; *p; p = &(*p)->jobs_next)
			if (*p == j) {
				*p = j->jobs_next;
				break;
			}
	sd_event_source_disable_unref(j->wait_io);
	sd_event_source_disable_unref(j->wait_timer);
	safe_close(j->pidfd);
	safe_close(j->worker_cgroup_fd);
	sd_bus_message_unref(j->reply);
	free(j->cgroup);
	free(j->unit);
	free(j);
	return NULL;
}

int job_new(Manager *m, pid_t pid, const char *comm, const char *cgroup, const Policy *p, uint64_t rss,
	    unsigned workers, TeardownJob **ret) {
	_cleanup_(job_freep) TeardownJob *j = NULL;
	ReaperSettings s = p ? p->reaper : m->config->reaper;
	size_t idx = p ? (size_t) (p - m->config->policies) : SIZE_MAX;
	ChunkPlan plan;
	int r;

	if (!job_pool_is_running(&m->pool))
		return -ESHUTDOWN; /* job_submit() would refuse it */
	if (workers > 0)
		s.workers = workers;
	r = budget_plan_chunks(rss, s.workers, s.cpu_quota_permille, s.chunk, &plan);
	if (r < 0)
		return r;

	j = calloc(1, sizeof(TeardownJob));
	if (!j)
		return -ENOMEM;
	j->manager = m;
	j->pidfd = -EBADF;
	j->worker_cgroup_fd = -EBADF;
	j->pid = pid;
	if (comm)
		strncpy(j->comm, comm, sizeof(j->comm) - 1);
	j->cgroup = strdup(cgroup ?: "/");
	if (!j->cgroup)
		return -ENOMEM;
	r = cgroup_path_get_unit(j->cgroup, &j->unit);
	if (r == -ENOMEM)
		return r;
	j->mode = p ? p->mode : TEARDOWN_MODE_SYNC;
	j->rss_seen = rss;
	j->options = (ReapOptions) REAP_OPTIONS_INIT;
	j->options.workers = workers > 0 ? workers : plan.workers;
	j->options.chunk = plan.chunk;
	j->options.backend = m->features.backend;
	if (idx < m->n_worker_cgroup_fds && m->worker_cgroup_fds[idx] >= 0) {
		j->worker_cgroup_fd = fcntl(m->worker_cgroup_fds[idx], F_DUPFD_CLOEXEC, 3);
		if (j->worker_cgroup_fd < 0)
			return negative_errno();
	}
	j->options.cgroup_fd = j->worker_cgroup_fd;
	j->jobs_next = m->jobs;
	m->jobs = j;
	*ret = TAKE_PTR(j);
	return 0;
}

TeardownJob *job_find(Manager *m, pid_t pid) {
	for (TeardownJob *j = m->jobs; j; j = j->jobs_next)
		if (j->pid == pid)
			return j;
	return NULL;
}

static void reply(TeardownJob *j) {
	int r;

	if (!j->reply)
		return;
	if (j->r < 0)
		r = sd_bus_reply_method_errorf(j->reply, SD_BUS_ERROR_FAILED, "Teardown of %d failed: %s%s%s",
					       (int) j->pid, strerror(-j->r), j->result.reason[0] ? ": " : "",
					       j->result.reason);
	else
		r = sd_bus_reply_method_return(j->reply, "tt", j->result.bytes, j->result.duration_usec);
	if (r < 0)
		log_debug_errno(r, "Failed to reply to ReapPid(), ignoring: %m");
	j->reply = sd_bus_message_unref(j->reply);
}

static void record(Manager *m, TeardownJob *j) {
	TeardownRecord *rec;
	const char *backend = strna(reap_backend_to_string(j->result.backend));

	reply(j);

	if (j->r < 0 && (j->result.workers == 0 || j->result.bytes == 0)) {
		/* nothing ran, or nothing was reaped (ReapPid on a process that
		 * never started dying): not a teardown, no event, no record */
		m->fallbacks++;
		log_warning_errno(j->r, "Teardown of %s[%d] in %s failed: %m", j->comm, (int) j->pid, j->cgroup);
		journal_fallback(j->pid, j->cgroup, backend, strerror(-j->r));
		return;
	}
	if (j->r < 0) {
		log_warning("Teardown of %s[%d] in %s stopped early: %s", j->comm, (int) j->pid, j->cgroup,
			    j->result.reason);
		journal_fallback(j->pid, j->cgroup, backend, j->result.reason);
	}
	if (j->result.esrch > 0 && j->result.bytes == 0) {
		/* stock kernel or an unwatched process: the kernel's own exit freed it */
		m->fallbacks++;
		journal_fallback(j->pid, j->cgroup, backend, j->result.reason);
	}

	if (j->result.info_known) {
		/* the kernel's last word: the OOM killer marks its victim just after the SIGKILL */
		j->evidence.kernel_known = true;
		j->evidence.kernel_oom_victim = j->result.info & PIDFD_REAP_INFO_OOM_VICTIM;
		j->trigger = teardown_trigger_decide(&j->evidence, &j->trigger_source);
	}

	if (j->trigger == TRIGGER_OOM && j->r >= 0 && j->result.bytes == 0)
		/* the OOM killer wakes the kernel's oom_reaper (and flushes parked
		 * memory) at once; often it frees the victim before the workers run */
		snprintf(j->result.reason, sizeof(j->result.reason),
			 "the kernel's OOM path freed it first (%llu MiB at the last scan)",
			 (unsigned long long) (j->rss_seen >> 20));

	if (j->trigger == TRIGGER_EXIT) {
		int code;

		/* /proc said exit, maybe only because the zombie was gone: ask the exit event */
		procconn_drain(m);
		if (exit_notes_find(&m->exit_notes, j->pid, j->since_usec, &code) >= 0)
			j->trigger = teardown_trigger_refine(j->trigger, code);
	}

	if (m->recent_cap == 0)
		return;
	rec = &m->recent[m->recent_next];
	free(rec->cgroup);
	free(rec->unit);
	*rec = (TeardownRecord) {
		.pid = (uint32_t) j->pid,
		.cgroup = TAKE_PTR(j->cgroup),
		.unit = TAKE_PTR(j->unit),
		.mode = (char *) teardown_mode_to_string(j->mode),
		.trigger = (char *) teardown_trigger_to_string(j->trigger),
		.trigger_source = trigger_source_to_string(j->trigger_source),
		.bytes = j->result.bytes,
		.duration_usec = j->result.duration_usec,
		.workers = j->result.workers,
		.cpu_usec = j->result.cpu_usec,
	};
	(void) sd_event_now(m->event, CLOCK_REALTIME, &rec->timestamp_usec);
	memcpy(rec->comm, j->comm, sizeof(rec->comm));
	m->recent_next = (m->recent_next + 1) % m->recent_cap;
	if (m->n_recent < m->recent_cap)
		m->n_recent++;

	m->teardowns_total++;
	m->bytes_reaped += rec->bytes;
	journal_teardown(rec, backend, &j->result, j->queued_usec, j->yield_usec, j->yield_end);
	manager_bus_send_finished(m, rec);
	metrics_teardown_done(m, j, rec);
}

void job_done(TeardownJob *done, void *userdata) {
	Manager *m = userdata;

	while (done) {
		TeardownJob *j = done;

		done = j->next;
		record(m, j);
		metrics_job_finished(m, j);
		job_free(j);
	}
	manager_update_status(m);
}

int job_submit(Manager *m, TeardownJob *j) {
	int r;

	r = job_pool_submit(&m->pool, j);
	if (r < 0)
		return r; /* job_new() checked that the pool runs: only when called without it */
	/* safe after the submit: the loop (us) is the only one that takes finished jobs */
	metrics_job_queued(m, j);
	log_debug("Queued teardown of %s[%d] (%s, %u workers, chunk %llu MiB)", j->comm, (int) j->pid,
		  teardown_trigger_to_string(j->trigger), j->options.workers,
		  (unsigned long long) (j->options.chunk >> 20));
	return 0;
}
