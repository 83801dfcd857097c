/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's pure decisions: stale managed cgroups, what a reload cannot apply. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "manager-util.h"
#include "tap.h"

static char fixture[] = "/tmp/test-manager-util.XXXXXX";

START_TEST(test_stale) {
	/* systemctl restart: the same path, a new directory */
	ck_assert(managed_cgroup_is_stale("/system.slice/db.service", 100, "/system.slice/db.service", 101));
	ck_assert(!managed_cgroup_is_stale("/system.slice/db.service", 100, "/system.slice/db.service", 100));
	/* another path is another entry, not a stale one */
	ck_assert(!managed_cgroup_is_stale("/system.slice/db.service", 100, "/system.slice/web.service", 101));
	/* an unknown id (0) never makes an entry stale by itself */
	ck_assert(!managed_cgroup_is_stale("/a", 0, "/a", 7));
	ck_assert(!managed_cgroup_is_stale("/a", 7, "/a", 0));
	ck_assert(!managed_cgroup_is_stale(NULL, 7, "/a", 8));
}
END_TEST

START_TEST(test_cgroup_id) {
	char p[PATH_MAX];
	uint64_t a = 0, b = 0, x = 42;
	struct stat st;

	snprintf(p, sizeof(p), "%s/a", fixture);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/b", fixture);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(cgroup_id_read(fixture, "/a", &a), 0);
	ck_assert_int_eq(cgroup_id_read(fixture, "/b", &b), 0);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(b, (uint64_t) st.st_ino); /* not cgroup2: the inode number */
	ck_assert_int_eq(cgroup_id_read(fixture, "/gone", &x), -ENOENT);
	ck_assert_uint_eq(x, 42); /* untouched on failure */
	/* the manager's decision on what the reader sees */
	ck_assert(managed_cgroup_is_stale("/a", a, "/a", b));
	snprintf(p, sizeof(p), "%s/a", fixture);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/b", fixture);
	rmdir(p);
}
END_TEST

#define EUID SD_BUS_CREDS_EUID
#define UID SD_BUS_CREDS_UID

/* ReapPid and Reload: only an euid 0 the bus vouches for */
START_TEST(test_bus_caller_root) {
	/* root, vouched for by SO_PEERCRED or the bus */
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) { .mask = EUID | UID }), 0);
	/* root, but read from /proc after the fact: the PID may be another process by now */
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) { .mask = EUID | UID, .augmented = EUID }),
			 -EACCES);
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) {
				 .mask = EUID | UID, .augmented = EUID | UID }), -EACCES);
	/* no euid at all: the uid (0 here) does not stand in for it */
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) { .mask = UID }), -EACCES);
	/* not root; a setuid-root caller's real uid does not matter, nor a verified uid 0 beside euid 1000 */
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) { .mask = EUID | UID, .euid = 1000 }), -EPERM);
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) {
				 .mask = EUID | UID, .euid = 0, .uid = 1000 }), 0);
	/* augmented bits of other creds do not taint a verified euid */
	ck_assert_int_eq(bus_caller_check_root(&(BusCallerCreds) {
				 .mask = EUID | UID | SD_BUS_CREDS_COMM, .augmented = SD_BUS_CREDS_COMM }), 0);
}
END_TEST

static Config *config_new(void) {
	Config *c = calloc(1, sizeof(Config));

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(config_init_defaults(c), 0);
	return c;
}

START_TEST(test_reload_restart_keys) {
	Config *old = config_new(), *new = config_new();
	unsigned k;

	ck_assert_uint_eq(config_reload_restart_keys(old, new), 0);
	new->max_concurrent = old->max_concurrent + 1;
	new->recent_teardowns = 8;
	free(new->cgroup_root);
	new->cgroup_root = strdup("/tmp/cg");
	new->scan_interval_sec = old->scan_interval_sec + 5; /* applied by a reload: not listed */
	k = config_reload_restart_keys(old, new);
	ck_assert_uint_eq(k, RELOAD_RESTART_CGROUP_ROOT | RELOAD_RESTART_MAX_CONCURRENT | RELOAD_RESTART_RECENT);
	ck_assert_str_eq(reload_restart_key_to_string(RELOAD_RESTART_CGROUP_ROOT), "CgroupRoot");
	ck_assert_str_eq(reload_restart_key_to_string(RELOAD_RESTART_MAX_CONCURRENT), "MaxConcurrentTeardowns");
	ck_assert_str_eq(reload_restart_key_to_string(RELOAD_RESTART_RECENT), "RecentTeardowns");
	ck_assert_ptr_null(reload_restart_key_to_string(_RELOAD_RESTART_ALL));

	/* the running values stay until a restart; the rest is the new config's */
	ck_assert_int_eq(config_keep_running_values(new, old, k), 0);
	ck_assert_uint_eq(config_reload_restart_keys(old, new), 0);
	ck_assert_str_eq(new->cgroup_root, old->cgroup_root);
	ck_assert_uint_eq(new->scan_interval_sec, old->scan_interval_sec + 5);
	config_free(old);
	config_free(new);
}
END_TEST

START_TEST(test_log_level) {
	Config *c = config_new();

	c->log_level = 6;
	ck_assert_int_eq(log_level_effective(-1, c), 6);
	ck_assert_int_eq(log_level_effective(7, c), 7); /* --log-level=debug survives a reload */
	config_free(c);
}
END_TEST

START_TEST(test_has_policy) {
	Config *c = config_new();
	Policy p[2] = { { .name = (char *) "50-db" }, { .name = (char *) "60-web" } };

	c->policies = p;
	c->n_policies = 2;
	ck_assert(config_has_policy(c, "60-web"));
	ck_assert(!config_has_policy(c, "70-gone"));
	c->policies = NULL;
	c->n_policies = 0;
	config_free(c);
}
END_TEST

int main(int argc, char *argv[]) {
	int r;

	if (!mkdtemp(fixture))
		return EXIT_FAILURE;
	r = RUN_TESTS("manager-util", test_stale, test_cgroup_id, test_reload_restart_keys,
				test_log_level, test_has_policy, test_bus_caller_root);
	rmdir(fixture);
	return r;
}
