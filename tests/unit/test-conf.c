/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config parsing on fixture trees: values, drop-in priority, golden errors naming FILE:LINE. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <syslog.h>

#include "teardownd/conf.h"
#include "teardownd/policy.h"
#include "tap.h"

static const char *fixtures;

START_TEST(test_defaults) {
	Config c;

	ck_assert_int_eq(config_init_defaults(&c), 0);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_str_eq(c.cgroup_root, "/sys/fs/cgroup");
	ck_assert_uint_eq(c.scan_interval_sec, 10);
	ck_assert_uint_eq(c.max_tracked, 4096);
	ck_assert_uint_eq(c.max_concurrent, 4);
	ck_assert_uint_eq(c.park_timeout_msec, 0);
	ck_assert_uint_eq(c.recent_teardowns, 64);
	ck_assert_uint_eq(c.reaper.workers, 2);
	ck_assert_uint_eq(c.reaper.chunk, 32ULL << 20);
	ck_assert_uint_eq(c.reaper.cpu_quota_permille, 1000);
	ck_assert_uint_eq(c.reaper.cpu_weight, 100);
	ck_assert_uint_eq(c.reaper.cpu_period_msec, 100);
	ck_assert_uint_eq(c.reaper.yield_msec, 50);
	ck_assert_ptr_null(c.metrics_listen);
	free(c.cgroup_root);
}
END_TEST

START_TEST(test_empty_root) {
	_cleanup_(config_freep) Config *c = NULL;
	ConfigErrors e = {};
	char tmpl[] = "/tmp/td-empty-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_int_eq(config_load(tmpl, &c, &e), 0);
	ck_assert_uint_eq(e.n, 0);
	ck_assert_uint_eq(c->n_policies, 0);
	ck_assert_uint_eq(c->max_tracked, 4096);
	rmdir(tmpl);
}
END_TEST

START_TEST(test_good) {
	_cleanup_(config_freep) Config *c = NULL;
	_cleanup_free_ char *root = NULL;
	ConfigErrors e = {};
	const Policy *p;

	ck_assert_int_ge(asprintf(&root, "%s/good", fixtures), 0);
	ck_assert_int_eq(config_load(root, &c, &e), 0);
	ck_assert_uint_eq(e.n, 0);

	ck_assert_int_eq(c->log_level, LOG_DEBUG);
	ck_assert_uint_eq(c->scan_interval_sec, 30);
	ck_assert_uint_eq(c->max_tracked, 128);
	ck_assert_uint_eq(c->park_timeout_msec, 5000);
	ck_assert_str_eq(c->metrics_listen, "[::1]:9100");
	/* 10-vendor.conf sets 2, then /etc's 20-override.conf (hiding /usr/lib's) sets 8 */
	ck_assert_uint_eq(c->max_concurrent, 8);
	ck_assert_uint_eq(c->recent_teardowns, 16);
	ck_assert_uint_eq(c->reaper.workers, 4);
	ck_assert_uint_eq(c->reaper.chunk, 64ULL << 20);
	ck_assert_uint_eq(c->reaper.cpu_quota_permille, 1500);
	ck_assert_uint_eq(c->reaper.cpu_period_msec, 50);
	ck_assert_uint_eq(c->reaper.yield_msec, 20);

	ck_assert_uint_eq(c->n_policies, 3);
	/* file-name order across directories; /etc's 10-db hides /usr/lib's */
	ck_assert_str_eq(c->policies[0].name, "10-db");
	ck_assert_str_eq(c->policies[1].name, "20-batch");
	ck_assert_str_eq(c->policies[2].name, "90-catchall");
	ck_assert_ptr_nonnull(strstr(c->policies[0].file, "/etc/teardownd/policy.d/10-db.policy"));
	ck_assert_str_eq(c->policies[0].units[0], "db.service");
	ck_assert_ptr_null(c->policies[0].units[1]);
	ck_assert_str_eq(c->policies[0].cgroups[0], "/system.slice/postgres.service");
	ck_assert_int_eq(c->policies[0].mode, TEARDOWN_MODE_REAPER);
	ck_assert_uint_eq(c->policies[0].min_size, 1ULL << 30);
	ck_assert_uint_eq(c->policies[0].reaper.workers, 8);
	ck_assert_uint_eq(c->policies[0].reaper.cpu_quota_permille, 125);
	ck_assert_uint_eq(c->policies[0].reaper.cpu_period_msec, 20);
	ck_assert_uint_eq(c->policies[0].reaper.yield_msec, 0); /* 0 is a value, not "unset" */
	/* inherited from [Reaper] */
	ck_assert_uint_eq(c->policies[0].reaper.chunk, 64ULL << 20);
	ck_assert_uint_eq(c->policies[1].reaper.workers, 4);
	ck_assert_uint_eq(c->policies[1].reaper.cpu_quota_permille, 1500);
	ck_assert_uint_eq(c->policies[1].reaper.cpu_period_msec, 50); /* inherited */
	ck_assert_uint_eq(c->policies[1].reaper.yield_msec, 20); /* inherited */
	ck_assert_int_eq(c->policies[1].mode, TEARDOWN_MODE_ASYNC);
	ck_assert_uint_eq(c->policies[1].min_size, 256ULL << 20);
	ck_assert_uint_eq(c->policies[2].reaper.chunk, 2ULL << 20);
	ck_assert_uint_eq(c->policies[2].reaper.cpu_weight, 10000);

	/* first match wins, in file-name order */
	p = policy_find(c->policies, c->n_policies, "/system.slice/db.service");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name, "10-db");
	p = policy_find(c->policies, c->n_policies, "/batch.slice/run-1.scope");
	ck_assert_str_eq(p->name, "20-batch");
	p = policy_find(c->policies, c->n_policies, "/user.slice/user-1000.slice");
	ck_assert_str_eq(p->name, "90-catchall");
	ck_assert_ptr_null(policy_find(c->policies, c->n_policies, "/init.scope"));
}
END_TEST

static char *read_golden(const char *root) {
	_cleanup_free_ char *path = NULL, *raw = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t n = 0, cap = 0;
	char *out = NULL, line[1024];

	ck_assert_int_ge(asprintf(&path, "%s/bad.expected", fixtures), 0);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char *at = strstr(line, "@ROOT@");
		_cleanup_free_ char *l = NULL;

		if (at) {
			*at = '\0';
			ck_assert_int_ge(asprintf(&l, "%s%s%s", line, root, at + 6), 0);
		} else
			l = strdup(line);
		if (n + strlen(l) + 1 > cap) {
			cap = (n + strlen(l) + 1) * 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		memcpy(out + n, l, strlen(l) + 1);
		n += strlen(l);
	}
	return out;
}

START_TEST(test_bad_golden) {
	_cleanup_(config_freep) Config *c = NULL;
	_cleanup_free_ char *root = NULL, *expected = NULL, *got = NULL;
	ConfigErrors e = {};
	size_t len = 0;

	ck_assert_int_ge(asprintf(&root, "%s/bad", fixtures), 0);
	ck_assert_int_eq(config_load(root, &c, &e), -EINVAL);
	ck_assert_ptr_null(c);

	got = calloc(1, 1);
	for (size_t i = 0; i < e.n; i++) {
		got = realloc(got, len + strlen(e.v[i]) + 2);
		len += (size_t) sprintf(got + len, "%s\n", e.v[i]);
	}
	expected = read_golden(root);
	ck_assert_str_eq(got, expected);
	config_errors_done(&e);
}
END_TEST

START_TEST(test_parse_listen) {
	static const struct { const char *in, *out; } good[] = {
		{ "yes", "127.0.0.1:9477" }, { "True", "127.0.0.1:9477" }, { "on", "127.0.0.1:9477" },
		{ "9100", "127.0.0.1:9100" }, { "0.0.0.0:80", "0.0.0.0:80" }, { "[::1]:9477", "[::1]:9477" },
		{ "[fe80::1]:65535", "[fe80::1]:65535" }, { "no", NULL }, { "0", NULL }, { "", NULL },
	};
	static const char *const bad[] = {
		"localhost:9477", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:9477", "[::1]", "[::1]:",
		"[127.0.0.1]:80", "1.2.3:4", "70000", ":80", "127.0.0.1:+80", "127.0.0.1:80 ", "[]:80", "maybe",
	};
	struct sockaddr_storage ss;
	unsigned len = 0;

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		char *s = (char *) 1;

		ck_assert_msg(parse_metrics_listen(good[i].in, &s) == 0, "%s", good[i].in);
		if (good[i].out) {
			ck_assert_str_eq(s, good[i].out);
			ck_assert_int_eq(metrics_listen_sockaddr(s, &ss, &len), 0);
			ck_assert_uint_eq(len, strchr(s, '[') ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		} else
			ck_assert_ptr_null(s);
		free(s);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *s = (char *) 1;

		ck_assert_msg(parse_metrics_listen(bad[i], &s) == -EINVAL, "%s", bad[i]);
		ck_assert_ptr_eq(s, (char *) 1); /* untouched */
	}
	ck_assert_int_eq(metrics_listen_sockaddr("127.0.0.1:9477", &ss, &len), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *) &ss)->sin_port), 9477);
}
END_TEST

START_TEST(test_parse_size) {
	uint64_t v;

	ck_assert_int_eq(parse_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("32M", &v), 0);
	ck_assert_uint_eq(v, 32ULL << 20);
	ck_assert_int_eq(parse_size("1G", &v), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(parse_size("2tb", &v), 0);
	ck_assert_uint_eq(v, 2ULL << 40);
	ck_assert_int_eq(parse_size("8KB", &v), 0);
	ck_assert_uint_eq(v, 8192);
	ck_assert_int_eq(parse_size("", &v), -EINVAL);
	ck_assert_int_eq(parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(parse_size("1X", &v), -EINVAL);
	ck_assert_int_eq(parse_size("1MM", &v), -EINVAL);
	ck_assert_int_eq(parse_size(" 1M", &v), -EINVAL);
	ck_assert_int_eq(parse_size("99999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(parse_size("17000000T", &v), -ERANGE);
}
END_TEST

START_TEST(test_parse_percent) {
	unsigned v;

	ck_assert_int_eq(parse_permille_percent("50%", &v), 0);
	ck_assert_uint_eq(v, 500);
	ck_assert_int_eq(parse_permille_percent("12.5%", &v), 0);
	ck_assert_uint_eq(v, 125);
	ck_assert_int_eq(parse_permille_percent("6400%", &v), 0);
	ck_assert_uint_eq(v, 64000);
	ck_assert_int_eq(parse_permille_percent("50", &v), -EINVAL);
	ck_assert_int_eq(parse_permille_percent("1.25%", &v), -EINVAL);
	ck_assert_int_eq(parse_permille_percent("1.%", &v), -EINVAL);
	ck_assert_int_eq(parse_permille_percent("%", &v), -EINVAL);
	ck_assert_int_eq(parse_permille_percent("-5%", &v), -EINVAL);
	ck_assert_int_eq(parse_permille_percent("5000000%", &v), -ERANGE);
}
END_TEST

START_TEST(test_policy_file_alone) {
	_cleanup_free_ char *path = NULL;
	ConfigErrors e = {};
	Policy p;

	ck_assert_int_ge(asprintf(&path, "%s/good/run/teardownd/policy.d/20-batch.policy", fixtures), 0);
	ck_assert_int_eq(config_parse_policy_file(path, NULL, &p, &e), 0);
	ck_assert_str_eq(p.name, "20-batch");
	ck_assert_uint_eq(p.reaper.workers, 2); /* built-in [Reaper] default */
	policy_done(&p);
	policy_done(NULL);
}
END_TEST

int main(int argc, char *argv[]) {
	fixtures = argc > 1 ? argv[1] : "fixtures";
	return RUN_TESTS("conf", test_defaults, test_empty_root, test_good, test_bad_golden,
				test_parse_listen, test_parse_size, test_parse_percent,
				test_policy_file_alone);
}
