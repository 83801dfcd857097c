/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's event sources stay on when their handler fails (issue 13):
 * a handler returning < 0 makes sd-event switch its source off for good,
 * and SIGHUP, the scan timer and inotify on memory.events then stopped
 * without a word. This drives the real Manager (manager_new(),
 * manager_startup() on a --root tree) on its own loop, with the failures
 * injected by the linker (-Wl,--wrap): config_load() and tracker_scan()
 * answer -ENOMEM, read() on the inotify fd -EIO. After each failure, the
 * same source must run again.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manager.h"
#include "teardownd/log.h"
#include "tap.h"

/* the injected failures, and how often each wrapped call ran */
static bool fail_load, fail_scan, fail_inotify_read;
static unsigned n_load, n_scan, n_inotify_read;
static int inotify_fd = -1;

int __real_config_load(const char *root, Config **ret, ConfigErrors *errs);
int __wrap_config_load(const char *root, Config **ret, ConfigErrors *errs);
int __real_tracker_scan(Manager *m);
int __wrap_tracker_scan(Manager *m);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

int __wrap_config_load(const char *root, Config **ret, ConfigErrors *errs) {
	n_load++;
	if (fail_load)
		return -ENOMEM;
	return __real_config_load(root, ret, errs);
}

int __wrap_tracker_scan(Manager *m) {
	n_scan++;
	if (fail_scan)
		return -ENOMEM;
	return __real_tracker_scan(m);
}

ssize_t __wrap_read(int fd, void *buf, size_t n) {
	if (fd >= 0 && fd == inotify_fd) {
		n_inotify_read++;
		if (fail_inotify_read) {
			errno = EIO;
			return -1;
		}
	}
	return __real_read(fd, buf, n);
}

static char root[] = "/tmp/test-event-sources.XXXXXX";
static char cgroot[PATH_MAX];
static Manager *m;

/* runs the loop for usec, whatever it dispatches; the loop must not have exited */
static void run_for(uint64_t usec) {
	uint64_t until;

	ck_assert_int_ge(sd_event_now(m->event, CLOCK_MONOTONIC, &until), 0);
	until += usec;
	for (;;) {
		uint64_t now;

		ck_assert_int_ge(sd_event_run(m->event, 50 * USEC_PER_MSEC), 0);
		ck_assert_int_ne(sd_event_get_state(m->event), SD_EVENT_FINISHED);
		ck_assert_int_ge(sd_event_now(m->event, CLOCK_MONOTONIC, &now), 0);
		if (now >= until)
			break;
	}
}

static void setup(void) {
	_cleanup_(config_freep) Config *c = NULL;
	ConfigErrors e = {};

	ck_assert_ptr_nonnull(mkdtemp(root));
	/* CgroupRoot=: a plain directory, so nothing of the host's cgroups is touched */
	snprintf(cgroot, sizeof(cgroot), "%s/cgroup", root);
	ck_assert_int_eq(mkdir(cgroot, 0755), 0);
	ck_assert_int_eq(__real_config_load(root, &c, &e), 0);
	config_errors_done(&e);
	free(c->cgroup_root);
	c->cgroup_root = strdup(cgroot);
	ck_assert_ptr_nonnull(c->cgroup_root);
	c->scan_interval_sec = 1;
	ck_assert_int_eq(manager_new(root, c, &m), 0);
	TAKE_PTR(c);
	ck_assert_int_eq(manager_startup(m), 0);
	inotify_fd = m->inotify_fd;
}

static void teardown(void) {
	char cmd[PATH_MAX + 16];

	inotify_fd = -1;
	m = manager_free(m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void) system(cmd);
}

START_TEST(test_sighup_after_failed_reload) {
	unsigned before;

	fail_load = true;
	before = n_load;
	ck_assert_int_eq(raise(SIGHUP), 0);
	run_for(200 * USEC_PER_MSEC);
	ck_assert_uint_eq(n_load, before + 1); /* the reload ran, and failed with -ENOMEM */

	fail_load = false;
	ck_assert_int_eq(raise(SIGHUP), 0);
	run_for(200 * USEC_PER_MSEC);
	ck_assert_msg(n_load == before + 2, "SIGHUP no longer reloads after a reload failed with -ENOMEM");
}
END_TEST

START_TEST(test_scan_timer_after_failed_scan) {
	unsigned before = n_scan;

	fail_scan = true;
	run_for(2500 * USEC_PER_MSEC); /* ScanIntervalSec=1: two or three rounds */
	fail_scan = false;
	ck_assert_msg(n_scan >= before + 2, "the scan timer stopped after a scan failed with -ENOMEM (%u scans)",
		      n_scan - before);
}
END_TEST

START_TEST(test_inotify_after_failed_read) {
	char d[PATH_MAX + 8];
	unsigned before;

	ck_assert_int_ge(inotify_fd, 0);
	ck_assert_int_ge(inotify_add_watch(inotify_fd, cgroot, IN_CREATE | IN_ONLYDIR), 0);
	fail_inotify_read = true;
	before = n_inotify_read;
	snprintf(d, sizeof(d), "%s/a", cgroot);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	run_for(100 * USEC_PER_MSEC);
	ck_assert_uint_gt(n_inotify_read, before); /* the handler ran and its read failed */

	fail_inotify_read = false;
	before = n_inotify_read;
	snprintf(d, sizeof(d), "%s/b", cgroot);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	run_for(100 * USEC_PER_MSEC);
	ck_assert_msg(n_inotify_read > before, "inotify on memory.events and cgroups is off after a failed read");
}
END_TEST

int main(void) {
	Suite *s = suite_create("event-sources");
	TCase *tc = tcase_create("event-sources");

	log_set_max_level(LOG_ERR);
	/* one Manager per test, in this process: the wraps count in our globals */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sighup_after_failed_reload);
	tcase_add_test(tc, test_scan_timer_after_failed_scan);
	tcase_add_test(tc, test_inotify_after_failed_read);
	suite_add_tcase(s, tc);
	return run_suite_tap(s);
}
