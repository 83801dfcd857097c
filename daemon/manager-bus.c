/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The D-Bus API (org.teardownd1.Manager at /org/teardownd1) on the system
 * bus, and the same object on the private socket /run/teardownd/private for
 * when there is no bus. Methods that change state (ReapPid, Reload) check
 * that the sender's effective uid is 0 before doing anything.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "config.h"
#include "manager-bus.h"
#include "manager-util.h"
#include "manager.h"
#include "metrics-collect.h"
#include "teardown.h"
#include "tracker.h"
#include "teardownd/log.h"
#include "teardownd/policy.h"

/*
 * The private socket is 0666: anyone may read state (as on the system bus),
 * ReapPid and Reload check the peer's euid. So that one user cannot take
 * every connection (and lock root out), each uid but root has its own
 * small share, and all of them together leave root a reserve.
 */
#define PRIVATE_CONNS_MAX 128
#define PRIVATE_CONNS_PER_UID_MAX 8
#define PRIVATE_CONNS_UNPRIVILEGED_MAX 64
/*
 * ReapPid() on a process that is not dying yet waits this long for it to
 * start dying. A caller can then call ReapPid() first and kill second:
 * for a process teardownd tracks that is the only order in which the reply
 * carries the teardown, since a kill first makes teardownd start its own.
 * The wait is on the event loop (the pidfd, and a recheck for a SIGKILL
 * still pending, which raises no pidfd event): a pool thread is taken only
 * once there is something to reap.
 */
#define REAP_PID_DYING_WAIT_USEC (10 * USEC_PER_SEC)
#define REAP_PID_RECHECK_USEC (10 * USEC_PER_MSEC)

static int check_root(sd_bus_message *msg, sd_bus_error *error) {
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	BusCallerCreds c = {};
	int r;

	/*
	 * The euid the bus (or SO_PEERCRED on the private socket) vouches for,
	 * never one read from /proc afterwards ("augmented": racy, the PID may
	 * be another process by then); systemd refuses those for permission
	 * checks too.
	 */
	r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
	if (r < 0)
		return sd_bus_error_set_errnof(error, r, "Cannot determine the caller's credentials: %m");
	c.mask = sd_bus_creds_get_mask(creds);
	c.augmented = sd_bus_creds_get_augmented_mask(creds);
	(void) sd_bus_creds_get_euid(creds, &c.euid);
	(void) sd_bus_creds_get_uid(creds, &c.uid);
	r = bus_caller_check_root(&c);
	if (r == -EACCES)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
					"The caller's credentials cannot be verified, refusing.");
	if (r < 0)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Only root may change teardownd's state.");
	return 0;
}

static int property_version(sd_bus *bus, const char *path, const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_backend(sd_bus *bus, const char *path, const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	Manager *m = userdata;

	return sd_bus_message_append(reply, "s", reap_backend_to_string(m->features.backend) ?: "none");
}

static int property_features(sd_bus *bus, const char *path, const char *interface, const char *property,
			     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	Manager *m = userdata;
	char **v = NULL;
	int r;

	r = kernel_features_strv(&m->features, &v);
	if (r < 0)
		return r;
	r = sd_bus_message_append_strv(reply, v);
	for (char **i = v; *i; i++)
		free(*i);
	free(v);
	return r;
}

/* Why the daemon runs LIMITED, one sentence each; empty when it runs with every function. */
static int property_limitations(sd_bus *bus, const char *path, const char *interface, const char *property,
				sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	Manager *m = userdata;
	const char *v[] = { kernel_features_limitations(&m->features), manager_cpu_budget_limitation(m) };
	int r;

	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(v); i++)
		if (v[i]) {
			r = sd_bus_message_append(reply, "s", v[i]);
			if (r < 0)
				return r;
		}
	return sd_bus_message_close_container(reply);
}

static int property_tracked(sd_bus *bus, const char *path, const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	Manager *m = userdata;

	return sd_bus_message_append(reply, "u", (uint32_t) m->n_tracked);
}

/* The reply of a List*() method: an array of type "a" element, filled by append (its items only). */
static int reply_array(sd_bus_message *msg, const char *element, int (*append)(sd_bus_message *reply, Manager *m),
		       Manager *m) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	r = sd_bus_message_new_method_return(msg, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', element);
	if (r >= 0)
		r = append(reply, m);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int append_policies(sd_bus_message *reply, Manager *m) {
	for (size_t i = 0; i < m->config->n_policies; i++) {
		const Policy *p = &m->config->policies[i];
		_cleanup_free_ char *match = policy_match_to_string(p);
		int r;

		if (!match)
			return -ENOMEM;
		r = sd_bus_message_append(reply, "(sssstuu)", p->name, p->file, teardown_mode_to_string(p->mode),
					  match, p->min_size, p->reaper.workers, p->reaper.cpu_quota_permille);
		if (r < 0)
			return r;
	}
	return 0;
}

static int method_list_policies(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	return reply_array(msg, "(sssstuu)", append_policies, userdata);
}

static int append_tracked(sd_bus_message *reply, Manager *m) {
	for (Tracked *t = m->tracked; t; t = t->hh.next) {
		_cleanup_free_ char *unit = NULL;
		int r;

		r = cgroup_path_get_unit(t->cgroup, &unit);
		if (r == -ENOMEM)
			return r;
		r = sd_bus_message_append(reply, "(ussst)", (uint32_t) t->pid, t->comm, t->cgroup, unit ?: "", t->rss);
		if (r < 0)
			return r;
	}
	return 0;
}

static int method_list_tracked(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	return reply_array(msg, "(ussst)", append_tracked, userdata);
}

static int append_teardowns(sd_bus_message *reply, Manager *m) {
	/* oldest first */
	for (size_t i = 0; i < m->n_recent; i++) {
		const TeardownRecord *rec = &m->recent[(m->recent_next + m->recent_cap - m->n_recent + i) % m->recent_cap];
		int r;

		r = sd_bus_message_append(reply, "(tusssssttut)", rec->timestamp_usec, rec->pid, rec->comm,
					  rec->cgroup, rec->unit ?: "", rec->mode, rec->trigger, rec->bytes,
					  rec->duration_usec, rec->workers, rec->cpu_usec);
		if (r < 0)
			return r;
	}
	return 0;
}

static int method_list_teardowns(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	return reply_array(msg, "(tusssssttut)", append_teardowns, userdata);
}

static void reap_wait_stop(TeardownJob *j) {
	j->wait_io = sd_event_source_disable_unref(j->wait_io);
	j->wait_timer = sd_event_source_disable_unref(j->wait_timer);
}

/* Dying now, or given up on: submit the job, or answer the caller and drop it. 1 while it still waits. */
static int reap_wait_check(TeardownJob *j, uint64_t now) {
	Manager *m = j->manager;
	int r;

	if (tracker_pidfd_dying(m, j->pid, j->pidfd)) {
		reap_wait_stop(j);
		r = job_submit(m, j);
		if (r < 0) {
			(void) sd_bus_reply_method_errnof(j->reply, r, "Cannot queue the teardown of %d: %m", (int) j->pid);
			job_free(j);
		}
		return 0;
	}
	if (now >= j->wait_until_usec) {
		(void) sd_bus_reply_method_errorf(j->reply, SD_BUS_ERROR_FAILED,
						  "Process %d did not start dying within %llu s: kill it, then call ReapPid().",
						  (int) j->pid, (unsigned long long) (REAP_PID_DYING_WAIT_USEC / USEC_PER_SEC));
		job_free(j);
		return 0;
	}
	r = sd_event_source_set_time(j->wait_timer, MIN(now + REAP_PID_RECHECK_USEC, j->wait_until_usec));
	if (r >= 0)
		r = sd_event_source_set_enabled(j->wait_timer, SD_EVENT_ONESHOT);
	if (r < 0) {
		/* returning < 0 would only switch the source off: answer and drop the job */
		(void) sd_bus_reply_method_errnof(j->reply, r, "Cannot wait for %d to start dying: %m", (int) j->pid);
		job_free(j);
		return 0;
	}
	return 1;
}

static int on_reap_wait_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	TeardownJob *j = userdata;
	uint64_t now = 0;

	(void) sd_event_now(j->manager->event, CLOCK_MONOTONIC, &now);
	if (reap_wait_check(j, now) > 0)
		/* an event that is not the start of dying: level-triggered, it would spin; the timer rechecks */
		(void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

static int on_reap_wait_timer(sd_event_source *s, uint64_t usec, void *userdata) {
	(void) reap_wait_check(userdata, usec);
	return 0;
}

static int reap_wait_start(Manager *m, TeardownJob *j) {
	uint64_t now = 0;
	int r;

	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	j->wait_until_usec = now + REAP_PID_DYING_WAIT_USEC;
	/* EPOLLPRI when its teardown starts (a tracked pidfd is watched already), EPOLLIN when it exits */
	if (m->features.backend == REAP_BACKEND_PIDFD_REAP)
		(void) reap_watch(j->pidfd);
	r = sd_event_add_io(m->event, &j->wait_io, j->pidfd, EPOLLIN | EPOLLPRI, on_reap_wait_io, j);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(j->wait_io, "reap-pid-wait");
	r = sd_event_add_time(m->event, &j->wait_timer, CLOCK_MONOTONIC, now + REAP_PID_RECHECK_USEC, 0,
			      on_reap_wait_timer, j);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(j->wait_timer, "reap-pid-recheck");
	return 0;
}

/* At shutdown: every ReapPid() still waiting for its process gets its answer. */
static void reap_wait_cancel_all(Manager *m) {
	for (TeardownJob *j = m->jobs, *next; j; j = next) {
		next = j->jobs_next;
		if (!j->wait_timer && !j->wait_io)
			continue;
		(void) sd_bus_reply_method_errorf(j->reply, SD_BUS_ERROR_FAILED, "teardownd is stopping.");
		job_free(j);
	}
}

static int method_reap_pid(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	_cleanup_(job_freep) TeardownJob *j = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	_cleanup_free_ char *cgroup = NULL;
	Manager *m = userdata;
	const Policy *p;
	Tracked *t;
	uint32_t pid, workers;
	char comm[16] = "";
	uint64_t rss = 0;
	int r;

	r = sd_bus_message_read(msg, "uu", &pid, &workers);
	if (r < 0)
		return r;
	r = check_root(msg, error);
	if (r < 0)
		return r;
	if (pid == 0 || pid > INT32_MAX || workers > REAP_WORKERS_MAX)
		return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid pid or worker count.");
	if (m->features.backend == 0)
		return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
					"This kernel offers neither PIDFD_REAP nor process_mrelease.");

	if (job_find(m, (pid_t) pid))
		return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Process %u is being torn down already.", pid);
	t = tracker_find(m, (pid_t) pid);
	if (!t) {
		pidfd = reap_pidfd_open((pid_t) pid);
		if (pidfd < 0)
			return sd_bus_error_set_errnof(error, -pidfd, "Cannot open a pidfd for %u: %m", pid);
		r = proc_read_stat("/proc", (pid_t) pid, comm, NULL, NULL);
		if (r < 0)
			return sd_bus_error_set_errnof(error, -r, "Cannot read /proc/%u/stat: %m", pid);
		r = proc_read_cgroup("/proc", (pid_t) pid, &cgroup);
		if (r == -ENOMEM)
			return r;
		(void) proc_read_rss("/proc", (pid_t) pid, &rss);
		/* what /proc said is the pidfd's process only if it is still there: PID may be reused by now */
		if (proc_read_pidfd_pid("/proc", pidfd) != (int) pid)
			return sd_bus_error_setf(error, "org.freedesktop.DBus.Error.UnixProcessIdUnknown",
						 "Process %u exited before it could be verified.", pid);
	}

	/* prepare everything, then take the process over: all or nothing */
	p = policy_find(m->config->policies, m->config->n_policies, t ? t->cgroup : cgroup ?: "/");
	r = job_new(m, (pid_t) pid, t ? t->comm : comm, t ? t->cgroup : cgroup, p, t ? t->rss : rss, workers, &j);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "Cannot prepare the teardown of %u: %m", pid);
	j->trigger = TRIGGER_KILL;
	j->evidence.seen = TRIGGER_KILL;
	j->trigger_source = TRIGGER_SOURCE_SIGNAL;
	(void) sd_event_now(m->event, CLOCK_MONOTONIC, &j->since_usec);
	j->pidfd = t ? t->pidfd : TAKE_FD(pidfd);
	if (!tracker_pidfd_dying(m, j->pid, j->pidfd)) {
		/* one epoll registration per fd: the tracker's source makes way for ours */
		if (t)
			(void) sd_event_source_set_enabled(t->io, SD_EVENT_OFF);
		r = reap_wait_start(m, j);
		if (r < 0) {
			reap_wait_stop(j);
			if (t) {
				j->pidfd = -EBADF; /* still the tracker's */
				(void) sd_event_source_set_enabled(t->io, SD_EVENT_ON);
			}
			return sd_bus_error_set_errnof(error, -r, "Cannot wait for %u to start dying: %m", pid);
		}
	}
	/* committed: the job owns the process now, the tracker lets go of it */
	j->reply = sd_bus_message_ref(msg);
	if (t) {
		t->pidfd = -EBADF;
		tracker_forget(m, t);
	}
	if (!j->wait_timer) {
		r = job_submit(m, j);
		if (r < 0)
			return r;
	}
	TAKE_PTR(j);
	return 1; /* replied to when the job finishes, or when waiting gives up */
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	_cleanup_free_ char *why = NULL;
	Manager *m = userdata;
	int r;

	r = check_root(msg, error);
	if (r < 0)
		return r;
	r = manager_reload(m, &why);
	if (r == -EINVAL)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "Config has errors, kept the last good config: %s", strna(why));
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "Reload failed, kept the last good config: %m");
	return sd_bus_reply_method_return(msg, NULL);
}

static int method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	_cleanup_free_ char *text = NULL;
	Manager *m = userdata;
	const char *format;
	MetricsFormat f;
	int r;

	r = sd_bus_message_read(msg, "s", &format);
	if (r < 0)
		return r;
	f = metrics_format_from_string(format);
	if (f < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "Unknown metrics format '%s': expected \"\", prometheus or openmetrics.", format);
	r = metrics_render_manager(m, f, &text);
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "Failed to render the metrics: %m");
	return sd_bus_reply_method_return(msg, "s", text);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("KernelFeatures", "as", property_features, 0, 0),
	SD_BUS_PROPERTY("Backend", "s", property_backend, 0, 0),
	SD_BUS_PROPERTY("Limitations", "as", property_limitations, 0, 0),
	SD_BUS_PROPERTY("TeardownsTotal", "t", NULL, offsetof(Manager, teardowns_total), 0),
	SD_BUS_PROPERTY("BytesReaped", "t", NULL, offsetof(Manager, bytes_reaped), 0),
	SD_BUS_PROPERTY("OOMKillsSeen", "t", NULL, offsetof(Manager, oom_kills_seen), 0),
	SD_BUS_PROPERTY("Fallbacks", "t", NULL, offsetof(Manager, fallbacks), 0),
	SD_BUS_PROPERTY("Timeouts", "t", NULL, offsetof(Manager, timeouts), 0),
	SD_BUS_PROPERTY("TrackingRefused", "t", NULL, offsetof(Manager, tracking_refused), 0),
	SD_BUS_PROPERTY("Tracked", "u", property_tracked, 0, 0),
	SD_BUS_METHOD_WITH_ARGS("ListPolicies", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(sssstuu)", policies), method_list_policies, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListTracked", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(ussst)", tracked), method_list_tracked, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListTeardowns", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(tusssssttut)", teardowns), method_list_teardowns, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ReapPid", SD_BUS_ARGS("u", pid, "u", workers),
				SD_BUS_RESULT("t", bytes, "t", duration_usec), method_reap_pid, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetMetrics", SD_BUS_ARGS("s", format), SD_BUS_RESULT("s", text),
				method_get_metrics, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("TeardownFinished",
				SD_BUS_ARGS("t", timestamp_usec, "u", pid, "s", comm, "s", cgroup, "s", unit,
					    "s", mode, "s", trigger, "t", bytes, "t", duration_usec, "u", workers,
					    "t", cpu_usec), 0),
	SD_BUS_VTABLE_END,
};

static int add_object(Manager *m, sd_bus *bus) {
	return sd_bus_add_object_vtable(bus, NULL, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE, manager_vtable, m);
}

static void prune_private(Manager *m) {
	size_t k = 0;

	for (size_t i = 0; i < m->n_private_conns; i++) {
		if (sd_bus_is_open(m->private_conns[i]) > 0) {
			m->private_uids[k] = m->private_uids[i];
			m->private_conns[k++] = m->private_conns[i];
		} else
			sd_bus_flush_close_unref(m->private_conns[i]);
	}
	m->n_private_conns = k;
}

/* Room for one more connection from uid? Root only needs a free slot; the others share what root leaves. */
static bool private_conn_allowed(const Manager *m, uid_t uid) {
	size_t same = 0, unprivileged = 0;

	if (m->n_private_conns >= PRIVATE_CONNS_MAX)
		return false;
	if (uid == 0)
		return true;
	for (size_t i = 0; i < m->n_private_conns; i++) {
		unprivileged += m->private_uids[i] != 0;
		same += m->private_uids[i] == uid;
	}
	return same < PRIVATE_CONNS_PER_UID_MAX && unprivileged < PRIVATE_CONNS_UNPRIVILEGED_MAX;
}

/*
 * sd-bus (252) reads up to 256 bytes at a time while authenticating a peer,
 * and after BEGIN leaves whatever it read beyond it in its buffer. A peer
 * that sends BEGIN and its first call in one packet (libdbus does, when the
 * server is slow to read) then waits forever: the call is in the buffer, not
 * in the socket, and nothing wakes the connection. So every private
 * connection asks for the local Connected signal, which sd-bus queues on
 * entering the running state, and on it the loop is kicked to process the
 * connection until nothing is left.
 */
static int on_private_kick(sd_event_source *s, void *userdata) {
	Manager *m = userdata;

	for (size_t i = 0; i < m->n_private_conns; i++)
		for (unsigned k = 0; k < 64; k++) {
			int r = sd_bus_process(m->private_conns[i], NULL);

			if (r <= 0) {
				if (r < 0 && r != -ENOTCONN)
					log_debug_errno(r, "Failed to process a private bus connection, ignoring: %m");
				break;
			}
		}
	return 0;
}

static int on_private_connected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
	Manager *m = userdata;

	return sd_event_source_set_enabled(m->private_kick, SD_EVENT_ONESHOT);
}

static int on_private_connection(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_close_ int cfd = -EBADF;
	Manager *m = userdata;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	sd_id128_t id;
	int r;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		log_warning_errno(negative_errno(), "Failed to accept a private bus connection, ignoring: %m");
		return 0;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		log_warning_errno(negative_errno(), "Failed to read the credentials of a private bus peer, refusing it: %m");
		return 0;
	}
	prune_private(m);
	if (!private_conn_allowed(m, cred.uid)) {
		log_warning("Too many private bus connections from uid %u, refusing one.", (unsigned) cred.uid);
		return 0;
	}

	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_fd(bus, cfd, cfd);
	if (r >= 0) {
		TAKE_FD(cfd);
		r = sd_id128_randomize(&id);
	}
	if (r >= 0)
		r = sd_bus_set_server(bus, 1, id);
	if (r >= 0)
		r = sd_bus_negotiate_creds(bus, 1, SD_BUS_CREDS_UID | SD_BUS_CREDS_EUID);
	if (r >= 0)
		r = sd_bus_set_connected_signal(bus, true);
	if (r >= 0)
		r = sd_bus_match_signal(bus, NULL, NULL, "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
					"Connected", on_private_connected, m);
	if (r >= 0)
		r = add_object(m, bus);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0)
		r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0) {
		/* < 0 would stop the listener for good: refuse this one client only */
		log_warning_errno(r, "Failed to set up a private bus connection, ignoring: %m");
		return 0;
	}
	m->private_uids[m->n_private_conns] = cred.uid;
	m->private_conns[m->n_private_conns++] = TAKE_PTR(bus);
	return 0;
}

static int setup_private(Manager *m) {
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	/* the instance lock (instance.c) made the directory and makes the socket ours to replace */
	if (asprintf(&path, "%s/" TEARDOWND_PRIVATE_SOCKET_NAME, m->runtime_dir) < 0)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	(void) unlink(path);
	if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
		return negative_errno();
	/* anyone may read state; ReapPid/Reload check the peer's euid; each uid has its share of connections */
	(void) chmod(path, 0666);
	if (listen(fd, SOMAXCONN) < 0)
		return negative_errno();

	m->private_conns = calloc(PRIVATE_CONNS_MAX, sizeof(sd_bus *));
	m->private_uids = calloc(PRIVATE_CONNS_MAX, sizeof(uid_t));
	if (!m->private_conns || !m->private_uids)
		return -ENOMEM;
	r = sd_event_add_io(m->event, &m->private_source, fd, EPOLLIN, on_private_connection, m);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(m->private_source, "private-bus");
	r = sd_event_add_defer(m->event, &m->private_kick, on_private_kick, m);
	if (r < 0)
		return r;
	(void) sd_event_source_set_enabled(m->private_kick, SD_EVENT_OFF);
	(void) sd_event_source_set_description(m->private_kick, "private-bus-kick");
	m->private_fd = TAKE_FD(fd);
	return 0;
}

int manager_bus_setup(Manager *m) {
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	r = setup_private(m);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		log_warning_errno(r, "Failed to listen on %s/" TEARDOWND_PRIVATE_SOCKET_NAME ", ignoring: %m",
				  m->runtime_dir);

	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = add_object(m, bus);
	if (r >= 0)
		r = sd_bus_request_name(bus, TEARDOWND_BUS_NAME, 0);
	if (r >= 0)
		r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (m->private_fd < 0)
			return r; /* neither: nobody could talk to us */
		log_notice_errno(r, "No system bus (%m), serving the D-Bus API on the private socket only.");
		return 0;
	}
	m->bus = TAKE_PTR(bus);
	return 0;
}

void manager_bus_free(Manager *m) {
	reap_wait_cancel_all(m);
	m->bus = sd_bus_flush_close_unref(m->bus);
	for (size_t i = 0; i < m->n_private_conns; i++)
		sd_bus_flush_close_unref(m->private_conns[i]);
	free(m->private_conns);
	m->private_conns = NULL;
	free(m->private_uids);
	m->private_uids = NULL;
	m->n_private_conns = 0;
	m->private_source = sd_event_source_disable_unref(m->private_source);
	m->private_kick = sd_event_source_disable_unref(m->private_kick);
	if (m->private_fd >= 0) {
		_cleanup_free_ char *path = NULL;

		if (m->runtime_dir && asprintf(&path, "%s/" TEARDOWND_PRIVATE_SOCKET_NAME, m->runtime_dir) >= 0)
			(void) unlink(path);
	}
	m->private_fd = safe_close(m->private_fd);
}

static int emit(sd_bus *bus, const TeardownRecord *rec) {
	return sd_bus_emit_signal(bus, TEARDOWND_BUS_PATH, TEARDOWND_BUS_INTERFACE, "TeardownFinished",
				  "tusssssttut", rec->timestamp_usec, rec->pid, rec->comm, rec->cgroup,
				  rec->unit ?: "", rec->mode, rec->trigger, rec->bytes, rec->duration_usec,
				  rec->workers, rec->cpu_usec);
}

void manager_bus_send_finished(Manager *m, const TeardownRecord *rec) {
	int r;

	if (m->bus) {
		r = emit(m->bus, rec);
		if (r < 0)
			log_debug_errno(r, "Failed to emit TeardownFinished, ignoring: %m");
	}
	for (size_t i = 0; i < m->n_private_conns; i++)
		if (sd_bus_is_open(m->private_conns[i]) > 0)
			(void) emit(m->private_conns[i], rec);
}
