/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Manager: owns the sd-event loop and every source, the config and the
 * tables. SIGTERM/SIGINT exit cleanly, SIGHUP reloads; sd_notify READY,
 * STATUS, RELOADING and WATCHDOG (sd-event pings the watchdog).
 */
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "cgroup-adapter.h"
#include "instance.h"
#include "manager-bus.h"
#include "manager-util.h"
#include "manager.h"
#include "metrics-collect.h"
#include "oom.h"
#include "procconn.h"
#include "teardownd/log.h"
#include "teardownd/policy.h"
#include "teardownd/time-util.h"

static void close_worker_cgroups(Manager *m) {
	for (size_t i = 0; i < m->n_worker_cgroup_fds; i++) {
		if (m->worker_cgroup_fds[i] >= 0 && m->stopping && m->config && i < m->config->n_policies)
			cgroup_remove_workers(m->config->cgroup_root, m->workers_parent, m->config->policies[i].name);
		safe_close(m->worker_cgroup_fds[i]);
	}
	free(m->worker_cgroup_fds);
	m->worker_cgroup_fds = NULL;
	m->n_worker_cgroup_fds = 0;
}

static bool name_is_safe(const char *s) {
	if (isempty(s) || strlen(s) > 200)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return s[0] != '.';
}

/* One threaded cgroup per policy below our delegated cgroup, cpu.max = the policy's budget. */
static int setup_worker_cgroups(Manager *m) {
	static bool warned;
	int *fds;

	close_worker_cgroups(m);
	if (m->config->n_policies == 0)
		return 0;
	fds = malloc(m->config->n_policies * sizeof(int));
	if (!fds)
		return -ENOMEM;
	for (size_t i = 0; i < m->config->n_policies; i++)
		fds[i] = -EBADF;
	m->worker_cgroup_fds = fds;
	m->n_worker_cgroup_fds = m->config->n_policies;

	if (!m->features.cgroup2 || !m->workers_parent) {
		if (!warned)
			log_warning("Not in a delegated cgroup2 subtree: teardown workers run without a CPU budget (cpu.max)");
		warned = true;
		return 0;
	}
	for (size_t i = 0; i < m->config->n_policies; i++) {
		const Policy *p = &m->config->policies[i];
		int r;

		if (!name_is_safe(p->name)) {
			log_warning("Policy name '%s' cannot name a cgroup, its workers run without a CPU budget", p->name);
			continue;
		}
		r = cgroup_setup_workers(m->config->cgroup_root, m->workers_parent, p->name, &p->reaper, &fds[i]);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !warned) {
			log_warning_errno(r, "Failed to set up the worker cgroup of policy %s below %s "
					  "(is Delegate=cpu set?), workers run without a CPU budget: %m",
					  p->name, m->workers_parent);
			warned = true;
		}
	}
	return 0;
}

/* What the config sets outside the daemon, at start and on every reload: worker cgroups, the park timeout. */
static int apply_config(Manager *m) {
	int r;

	r = setup_worker_cgroups(m);
	if (r < 0)
		return log_error_errno(r, "Failed to set up worker cgroups: %m");
	if (m->config->park_timeout_msec > 0 && m->features.teardown_mode) {
		r = cgroup_set_park_timeout(m->config->park_timeout_msec);
		if (r < 0)
			log_warning_errno(r, "Failed to set vm.teardown_park_timeout_ms, ignoring: %m");
	}
	return 0;
}

const char *manager_cpu_budget_limitation(const Manager *m) {
	if (!m->features.cgroup2 || !m->workers_parent)
		return "not in a delegated cgroup2 subtree (Delegate=cpu): teardown workers run without a CPU budget (cpu.max)";
	for (size_t i = 0; i < m->n_worker_cgroup_fds; i++)
		if (m->worker_cgroup_fds[i] < 0)
			return "a policy's worker cgroup could not be set up (is Delegate=cpu set?): "
			       "its teardown workers run without a CPU budget (cpu.max)";
	return NULL;
}

void manager_update_status(Manager *m) {
	const char *limits = kernel_features_limitations(&m->features);

	(void) sd_notifyf(false,
			  "STATUS=Tracking %u processes in %u cgroups, %llu teardowns (%llu MiB), %u running; backend %s%s%s",
			  m->n_tracked, m->n_cgroups, (unsigned long long) m->teardowns_total,
			  (unsigned long long) (m->bytes_reaped >> 20), job_pool_pending(&m->pool),
			  strna(reap_backend_to_string(m->features.backend)),
			  limits ? "; LIMITED: " : "", limits ?: "");
}

/*
 * A handler that returns < 0 switches its source off for good: the
 * handlers of sources whose loss would silently stop detection log and
 * return 0, and those that cannot go on (re-arming failed) are marked
 * sd_event_source_set_exit_on_failure(), so the daemon exits and systemd
 * restarts it.
 */
static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata) {
	Manager *m = userdata;
	int r;

	r = tracker_scan(m);
	if (r == -ENOMEM)
		log_oom_warning();
	else if (r < 0)
		log_warning_errno(r, "Cgroup scan failed, ignoring: %m");
	r = sd_event_source_set_time_relative(s, (uint64_t) m->config->scan_interval_sec * USEC_PER_SEC);
	if (r >= 0)
		r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	if (r < 0)
		return log_error_errno(r, "Failed to re-arm the scan timer: %m");
	return 0;
}

static int on_rescan(sd_event_source *s, void *userdata) {
	Manager *m = userdata;
	int r;

	m->rescan_defer = sd_event_source_disable_unref(m->rescan_defer);
	r = tracker_scan(m);
	if (r == -ENOMEM)
		log_oom_warning();
	else if (r < 0)
		log_warning_errno(r, "Cgroup rescan failed, ignoring: %m");
	return 0;
}

void manager_request_rescan(Manager *m) {
	int r;

	if (m->rescan_defer || m->stopping)
		return;
	r = sd_event_add_defer(m->event, &m->rescan_defer, on_rescan, m);
	if (r < 0) {
		log_warning_errno(r, "Failed to schedule a rescan, ignoring: %m");
		return;
	}
	(void) sd_event_source_set_description(m->rescan_defer, "rescan");
}

static void log_config_errors(const ConfigErrors *e, const char *what) {
	for (size_t i = 0; i < e->n; i++)
		log_error("%s: %s", what, e->v[i]);
}

int manager_reload(Manager *m, char **ret_error) {
	_cleanup_(config_freep) Config *c = NULL;
	ConfigErrors e = {};
	unsigned restart;
	ManagedCgroup *mc, *tmp;
	Config *old;
	int r;

	(void) sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading configuration\nMONOTONIC_USEC=%llu",
			  (unsigned long long) now_usec(CLOCK_MONOTONIC));

	r = config_load(m->root, &c, &e);
	if (r < 0) {
		if (r == -EINVAL) {
			log_config_errors(&e, "Config has errors, not reloading, keeping the last good config");
			if (ret_error) {
				*ret_error = NULL;
				if (e.n > 0)
					*ret_error = strdup(e.v[0]);
			}
		} else
			log_error_errno(r, "Failed to reload the config, keeping the last good config: %m");
		config_errors_done(&e);
		metrics_reloaded(m, r);
		(void) sd_notify(false, "READY=1");
		manager_update_status(m);
		return r;
	}
	config_errors_done(&e);

	/* what a running daemon cannot change keeps its running value, and says so */
	restart = config_reload_restart_keys(m->config, c);
	r = config_keep_running_values(c, m->config, restart);
	if (r < 0) {
		log_error_errno(r, "Failed to reload the config, keeping the last good config: %m");
		(void) sd_notify(false, "READY=1");
		return r;
	}
	for (unsigned k = 1; k & _RELOAD_RESTART_ALL; k <<= 1)
		if (restart & k)
			log_warning("%s= changed: it takes effect when teardownd restarts, not on a reload.",
				    reload_restart_key_to_string(k));

	/* swap; pointers into the old policy table are re-resolved against the new one */
	old = m->config;
	m->config = TAKE_PTR(c);
	log_set_max_level(log_level_effective(m->log_level_override, m->config));
	log_debug("Log level %s after the reload (%s)", log_level_to_string(log_level_effective(m->log_level_override, m->config)),
		  m->log_level_override >= 0 ? "--log-level=" : "LogLevel=");
	HASH_ITER(hh, m->cgroups, mc, tmp) {
		mc->policy = policy_find(m->config->policies, m->config->n_policies, mc->path);
		if (mc->policy)
			mc->mode_applied = mc->mode_applied && mc->applied_mode == mc->policy->mode;
		else
			tracker_drop_cgroup(m, mc); /* no policy matches it any more */
	}
	/* the worker cgroups of policies that are gone go too: a leftover threaded subtree blocks cgroup.kill */
	for (size_t i = 0; i < old->n_policies && i < m->n_worker_cgroup_fds; i++) {
		if (m->worker_cgroup_fds[i] < 0 || config_has_policy(m->config, old->policies[i].name))
			continue;
		m->worker_cgroup_fds[i] = safe_close(m->worker_cgroup_fds[i]);
		cgroup_remove_workers(old->cgroup_root, m->workers_parent, old->policies[i].name);
		log_debug("Removed the worker cgroup of policy %s, which is gone", old->policies[i].name);
	}
	config_free(old);

	r = apply_config(m);
	if (r < 0)
		return r;
	r = tracker_scan(m);
	if (r == -ENOMEM)
		return log_oom();

	metrics_reloaded(m, 0);
	log_info("Reloaded configuration: %zu policies", m->config->n_policies);
	(void) sd_notify(false, "READY=1");
	manager_update_status(m);
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
	Manager *m = userdata;

	/* manager_reload() logs; a failed reload keeps the old config, and SIGHUP must keep working */
	(void) manager_reload(m, NULL);
	return 0;
}

int manager_new(const char *root, Config *config, Manager **ret) {
	_cleanup_(manager_freep) Manager *m = NULL;
	sd_event_source *s;
	int r;

	m = calloc(1, sizeof(Manager));
	if (!m)
		return -ENOMEM;
	m->private_fd = -EBADF;
	m->lock_fd = -EBADF;
	m->log_level_override = -1;
	m->inotify_fd = -EBADF;
	m->pool = (JobPool) JOB_POOL_INIT;
	m->root = strdup(root ?: "");
	if (!m->root)
		return -ENOMEM;

	r = sd_event_default(&m->event);
	if (r < 0)
		return r;
	/* like systemd-oomd: a bad WATCHDOG_USEC= (0, garbage) is the environment's, not fatal */
	r = sd_event_set_watchdog(m->event, true);
	if (r < 0)
		log_warning_errno(r, "Failed to enable the watchdog (WATCHDOG_USEC=%s), ignoring: %m",
				  strna(getenv("WATCHDOG_USEC")));

	/*
	 * SIGTERM and SIGINT exit the loop, SIGHUP reloads; sd-event blocks
	 * them (SD_EVENT_SIGNAL_PROCMASK), before any thread exists, so the
	 * pool's threads and their workers inherit the mask.
	 */
	r = sd_event_set_signal_exit(m->event, true);
	if (r < 0)
		return r;
	r = sd_event_add_signal(m->event, &s, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_sighup, m);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(s, "sighup");
	(void) sd_event_source_set_floating(s, true);
	sd_event_source_unref(s);

	r = metrics_new(m);
	if (r < 0)
		return r;

	m->recent_cap = config->recent_teardowns;
	m->recent = calloc(m->recent_cap, sizeof(TeardownRecord));
	if (!m->recent)
		return -ENOMEM;

	/* the config is ours only on success: on failure the caller still owns it (and frees it) */
	m->config = config;
	*ret = TAKE_PTR(m);
	return 0;
}

int manager_startup(Manager *m) {
	const char *limits;
	pid_t holder = 0;
	int r;

	/* first: before anything another instance owns is touched */
	r = instance_lock(m->root, &m->runtime_dir, &m->lock_fd, &holder);
	if (r == -EBUSY) {
		if (holder > 0)
			return log_error_errno(r, "Another teardownd (PID %d) is running for %s/run/teardownd, refusing to start.",
					       (int) holder, m->root);
		return log_error_errno(r, "Another teardownd is running for %s/run/teardownd, refusing to start.", m->root);
	}
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0)
		return log_error_errno(r, "Failed to lock %s/run/teardownd/lock: %m", m->root);

	r = kernel_features_detect(m->config->cgroup_root, &m->features);
	if (r < 0)
		return log_error_errno(r, "Failed to detect kernel features: %m");

	(void) cgroup_adapter_init();
	if (m->features.cgroup2) {
		r = cgroup_get_own(m->config->cgroup_root, &m->own_cgroup);
		if (r == -ENOMEM)
			return log_oom();
		if (r < 0)
			log_warning_errno(r, "Failed to find our own cgroup, ignoring: %m");
	}
	if (m->own_cgroup && !streq(m->own_cgroup, "/")) {
		r = cgroup_enter_leaf(m->config->cgroup_root, m->own_cgroup, "daemon", &m->workers_parent);
		if (r == -ENOMEM)
			return log_oom();
		if (r < 0)
			log_warning_errno(r, "Cannot use our cgroup %s for workers (is Delegate=cpu set?), "
					  "teardown workers run without a CPU budget: %m", m->own_cgroup);
	}

	r = apply_config(m);
	if (r < 0)
		return r;

	r = oom_setup(m);
	if (r < 0)
		return log_error_errno(r, "Failed to set up inotify for memory.events: %m");

	r = procconn_setup(m);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0)
		log_warning_errno(r, "Proc connector unavailable, discovering processes by periodic scans only: %m");
	else
		m->features.proc_connector = true;

	r = job_pool_start(&m->pool, m->event, m->config->max_concurrent, job_done, m);
	if (r < 0)
		return log_error_errno(r, "Failed to start the teardown thread pool: %m");

	r = manager_bus_setup(m);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0)
		return log_error_errno(r, "Failed to set up the D-Bus API: %m");

	r = tracker_scan(m);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0)
		log_warning_errno(r, "Initial cgroup scan failed, ignoring: %m");

	r = metrics_start(m);
	if (r < 0)
		return r;

	r = sd_event_add_time_relative(m->event, &m->scan_timer, CLOCK_MONOTONIC,
				       (uint64_t) m->config->scan_interval_sec * USEC_PER_SEC, 0,
				       on_scan_timer, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the scan timer: %m");
	(void) sd_event_source_set_description(m->scan_timer, "scan-timer");
	(void) sd_event_source_set_exit_on_failure(m->scan_timer, true); /* it fails only when it cannot re-arm */

	limits = kernel_features_limitations(&m->features);
	log_info("Started: backend %s, %zu policies, %u cgroups managed, %u processes tracked.",
		 strna(reap_backend_to_string(m->features.backend)), m->config->n_policies,
		 m->n_cgroups, m->n_tracked);
	if (limits)
		log_warning("Running with reduced function: %s.", limits);
	return 0;
}

int manager_run(Manager *m) {
	int r;

	(void) sd_notify(false, "READY=1");
	manager_update_status(m);
	r = sd_event_loop(m->event);
	m->stopping = true;
	if (r < 0)
		return log_error_errno(r, "Event loop failed: %m");
	log_info("Exiting.");
	return r;
}

Manager *manager_free(Manager *m) {
	if (!m)
		return NULL;

	m->stopping = true;
	job_pool_stop(&m->pool);
	manager_bus_free(m);
	procconn_free(m);
	tracker_free_candidates(m);
	tracker_forget_all(m);
	if (m->config)
		tracker_release_cgroups(m); /* reaper mode needs us: hand the cgroups back to async */
	tracker_free_cgroups(m);
	close_worker_cgroups(m);
	m->scan_timer = sd_event_source_disable_unref(m->scan_timer);
	m->rescan_defer = sd_event_source_disable_unref(m->rescan_defer);
	m->inotify_source = sd_event_source_disable_unref(m->inotify_source);
	m->inotify_fd = safe_close(m->inotify_fd);
	for (size_t i = 0; i < m->recent_cap; i++) {
		free(m->recent[i].cgroup);
		free(m->recent[i].unit);
	}
	free(m->recent);
	metrics_free(m);
	free(m->own_cgroup);
	free(m->workers_parent);
	free(m->runtime_dir);
	m->lock_fd = safe_close(m->lock_fd); /* last: the next instance may start from here */
	free(m->root);
	config_free(m->config);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}
