/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shipped conf/ examples parse, and the commented defaults equal the built-in ones. */
#include <check.h>
#include <sys/stat.h>

#include "teardownd/conf.h"
#include "teardownd/policy.h"
#include "tap.h"

static const char *conf_dir;

START_TEST(test_examples_load) {
	_cleanup_(config_freep) Config *c = NULL;
	char tmpl[] = "/tmp/td-examples-XXXXXX";
	_cleanup_free_ char *etc = NULL, *link = NULL;
	ConfigErrors e = {};
	Config d;
	int r;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_int_ge(asprintf(&etc, "%s/etc", tmpl), 0);
	ck_assert_int_ge(asprintf(&link, "%s/etc/teardownd", tmpl), 0);
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	ck_assert_int_eq(symlink(conf_dir, link), 0);

	r = config_load(tmpl, &c, &e);
	for (size_t i = 0; i < e.n; i++)
		fprintf(stderr, "%s\n", e.v[i]);
	ck_assert_int_eq(r, 0);

	/* every key in teardownd.conf is commented out: the result equals the defaults */
	ck_assert_int_eq(config_init_defaults(&d), 0);
	ck_assert_str_eq(c->cgroup_root, d.cgroup_root);
	ck_assert_int_eq(c->log_level, d.log_level);
	ck_assert_uint_eq(c->max_tracked, d.max_tracked);
	ck_assert_mem_eq(&c->reaper, &d.reaper, sizeof(d.reaper));
	free(d.cgroup_root);

	ck_assert_uint_eq(c->n_policies, 1);
	ck_assert_str_eq(c->policies[0].name, "50-example");
	ck_assert_int_eq(c->policies[0].mode, TEARDOWN_MODE_REAPER);
	ck_assert_uint_eq(c->policies[0].reaper.cpu_quota_permille, 500);
	ck_assert(policy_matches(&c->policies[0], "/system.slice/teardown-victim.service"));
	ck_assert(policy_matches(&c->policies[0], "/teardown-demo.slice/x.scope"));
	ck_assert(!policy_matches(&c->policies[0], "/system.slice/ssh.service"));

	unlink(link);
	rmdir(etc);
	rmdir(tmpl);
}
END_TEST

int main(int argc, char *argv[]) {
	conf_dir = argc > 1 ? argv[1] : "conf";
	return RUN_TESTS("conf-examples", test_examples_load);
}
