/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy matching and cgroup path helpers. */
#include <check.h>

#include "teardownd/policy.h"
#include "tap.h"

static char *cg_db[] = { "/system.slice/db.service", NULL };
static char *glob_batch[] = { "/batch.slice/*.scope", NULL };
static char *unit_web[] = { "web.service", NULL };

START_TEST(test_exact_and_descendants) {
	Policy p = { .cgroups = cg_db };

	ck_assert(policy_matches(&p, "/system.slice/db.service"));
	ck_assert(policy_matches(&p, "/system.slice/db.service/worker"));
	ck_assert(!policy_matches(&p, "/system.slice/db.service2"));
	ck_assert(!policy_matches(&p, "/system.slice"));
	ck_assert(!policy_matches(&p, "system.slice/db.service"));
	ck_assert(!policy_matches(&p, ""));
	ck_assert(!policy_matches(&p, NULL));
}
END_TEST

START_TEST(test_root_cgroup_covers_all) {
	char *root[] = { "/", NULL };
	Policy p = { .cgroups = root };

	ck_assert(policy_matches(&p, "/anything/below"));
}
END_TEST

START_TEST(test_glob) {
	Policy p = { .globs = glob_batch };

	ck_assert(policy_matches(&p, "/batch.slice/run-r1.scope"));
	/* '*' does not cross '/' */
	ck_assert(!policy_matches(&p, "/batch.slice/x/run-r1.scope"));
	ck_assert(!policy_matches(&p, "/batch.slice/run-r1.service"));
}
END_TEST

START_TEST(test_unit) {
	Policy p = { .units = unit_web };

	ck_assert(policy_matches(&p, "/system.slice/web.service"));
	ck_assert(policy_matches(&p, "/system.slice/web.service/child"));
	ck_assert(!policy_matches(&p, "/system.slice/myweb.service"));
	ck_assert(!policy_matches(&p, "/system.slice/web.service2"));
}
END_TEST

START_TEST(test_first_match_wins) {
	char *any[] = { "/*", NULL };
	Policy v[] = {
		{ .name = "10-web", .units = unit_web },
		{ .name = "20-all", .globs = any },
		{ .name = "30-db", .cgroups = cg_db },
	};
	const Policy *p;

	p = policy_find(v, ELEMENTSOF(v), "/system.slice/web.service");
	ck_assert_str_eq(p->name, "10-web");
	p = policy_find(v, ELEMENTSOF(v), "/system.slice");
	ck_assert_str_eq(p->name, "20-all");
	/* the glob "/STAR" does not match two levels: falls through to 30-db */
	p = policy_find(v, ELEMENTSOF(v), "/system.slice/db.service");
	ck_assert_str_eq(p->name, "30-db");
	ck_assert_ptr_null(policy_find(v, ELEMENTSOF(v), "/a/b/c"));
	ck_assert_ptr_null(policy_find(v, 0, "/system.slice"));
}
END_TEST

START_TEST(test_match_string) {
	Policy p = { .cgroups = cg_db, .globs = glob_batch, .units = unit_web };
	Policy empty = {};
	_cleanup_free_ char *s = policy_match_to_string(&p), *e = policy_match_to_string(&empty);

	ck_assert_str_eq(s, "Cgroup=/system.slice/db.service CgroupGlob=/batch.slice/*.scope Unit=web.service");
	ck_assert_str_eq(e, "");
}
END_TEST

START_TEST(test_unit_of_path) {
	char *u = NULL;

	ck_assert_int_eq(cgroup_path_get_unit("/system.slice/db.service", &u), 0);
	ck_assert_str_eq(u, "db.service");
	free(u);
	ck_assert_int_eq(cgroup_path_get_unit("/user.slice/user-1000.slice/user@1000.service/app.slice/run-x.scope/sub", &u), 0);
	ck_assert_str_eq(u, "run-x.scope");
	free(u);
	ck_assert_int_eq(cgroup_path_get_unit("/machine.slice/vm1", &u), 0);
	ck_assert_str_eq(u, "machine.slice");
	free(u);
	u = NULL;
	ck_assert_int_eq(cgroup_path_get_unit("/", &u), -ENOENT);
	ck_assert_int_eq(cgroup_path_get_unit("/plain/dir", &u), -ENOENT);
	ck_assert_ptr_null(u);
}
END_TEST

START_TEST(test_relative) {
	ck_assert_str_eq(cgroup_path_relative("/sys/fs/cgroup", "/sys/fs/cgroup/a/b"), "/a/b");
	ck_assert_str_eq(cgroup_path_relative("/sys/fs/cgroup/", "/sys/fs/cgroup/a"), "/a");
	ck_assert_str_eq(cgroup_path_relative("/sys/fs/cgroup", "/sys/fs/cgroup"), "/");
	ck_assert_ptr_null(cgroup_path_relative("/sys/fs/cgroup", "/sys/fs/cgroupx/a"));
	ck_assert_ptr_null(cgroup_path_relative("/sys/fs/cgroup", "/proc"));
}
END_TEST

DEFINE_TEST_MAIN("policy", test_exact_and_descendants, test_root_cgroup_covers_all, test_glob,
	test_unit, test_first_match_wins, test_match_string, test_unit_of_path, test_relative);
