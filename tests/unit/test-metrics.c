/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The /metrics renderer on a fixed snapshot, compared byte for byte with
 * tests/unit/fixtures/metrics/ (promtool checks the same files, suite
 * host); histogram buckets, label escaping, format negotiation, copies.
 * usage: test-metrics FIXTURES_DIR [--write] (--write regenerates the files)
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teardownd/metrics.h"
#include "tap.h"

static const char *fixtures;
static bool write_fixtures;

/* Two policies, one whose name needs every escape, and the no-policy entry. */
static void fill(MetricsSnapshot *s, MetricsPolicy p[3]) {
	*s = (MetricsSnapshot) {
		.version = "0.1.0",
		.backend = "pidfd-reap",
		.start_time_usec = 1764684000123456ULL,
		.policies = p,
		.n_policies = 3,
		.fallbacks = 2,
		.fallback_esrch = 1,
		.park_timeouts = 3,
		.oom_kills_seen = 4,
		.tracking_refused = 5,
		.reloads = 6,
		.reload_failures = 7,
		.tracked = 8,
		.managed_cgroups = 9,
		.inflight = 2,
		.inflight_bytes = 268435456,
		.parked = 1,
		.parked_bytes = 134217728,
	};
	p[0] = (MetricsPolicy) { .name = (char *) "50-batch", .bytes_reaped = 3ULL << 30, .cpu_usec = 1500000,
				 .kernel_async = 1, .kernel_park = 10 };
	p[0].teardowns[TEARDOWN_MODE_REAPER][TRIGGER_KILL] = 2;
	p[0].teardowns[TEARDOWN_MODE_REAPER][TRIGGER_OOM] = 1;
	p[0].teardowns[TEARDOWN_MODE_REAPER][TRIGGER_EXIT] = 7;
	p[1] = (MetricsPolicy) { .name = (char *) "we\"ird\\na\nme", .bytes_reaped = 1, .cpu_usec = 7 };
	p[1].teardowns[TEARDOWN_MODE_ASYNC][TRIGGER_EXIT] = 1;
	p[2] = (MetricsPolicy) { .name = (char *) "" };
	metrics_histogram_observe(&s->duration, 1000);      /* le 0.001: the bound is inclusive */
	metrics_histogram_observe(&s->duration, 1001);      /* le 0.0025 */
	metrics_histogram_observe(&s->duration, 750000);    /* le 1.0 */
	metrics_histogram_observe(&s->duration, 61000000);  /* +Inf only */
	metrics_histogram_observe(&s->latency, 0);
	metrics_histogram_observe(&s->latency, 30000000);
}

static void compare(MetricsFormat f, const char *file) {
	MetricsPolicy p[3];
	MetricsSnapshot s;
	char path[4096], *text = NULL, *want = NULL;
	size_t len = 0, wlen = 0;
	FILE *fp;

	fill(&s, p);
	ck_assert_int_eq(metrics_render(&s, f, &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	snprintf(path, sizeof(path), "%s/metrics/%s", fixtures, file);
	if (write_fixtures) {
		fp = fopen(path, "we");
		ck_assert_ptr_nonnull(fp);
		fputs(text, fp);
		fclose(fp);
	}
	fp = fopen(path, "re");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_ge(getdelim(&want, &wlen, '\0', fp), 0);
	fclose(fp);
	ck_assert_str_eq(text, want);
	free(text);
	free(want);
}

START_TEST(test_prometheus) {
	compare(METRICS_FORMAT_PROMETHEUS, "prometheus.txt");
}
END_TEST

START_TEST(test_openmetrics) {
	compare(METRICS_FORMAT_OPENMETRICS, "openmetrics.txt");
}
END_TEST

START_TEST(test_histogram) {
	MetricsHistogram h = {};
	const uint64_t bounds[METRICS_N_BUCKETS] = METRICS_BUCKETS_USEC;

	for (size_t i = 0; i < METRICS_N_BUCKETS; i++) {
		metrics_histogram_observe(&h, bounds[i]);
		ck_assert_uint_eq(h.bucket[i], 1);
		metrics_histogram_observe(&h, bounds[i] + 1);
		ck_assert_uint_eq(h.bucket[i + 1], 1);
		h = (MetricsHistogram) {};
	}
	metrics_histogram_observe(&h, UINT64_MAX / 2);
	metrics_histogram_observe(&h, 0);
	ck_assert_uint_eq(h.bucket[METRICS_N_BUCKETS], 1);
	ck_assert_uint_eq(h.bucket[0], 1);
	ck_assert_uint_eq(h.count, 2);
	ck_assert_uint_eq(h.sum_usec, UINT64_MAX / 2);
}
END_TEST

START_TEST(test_escape_and_shape) {
	MetricsPolicy p[3];
	MetricsSnapshot s;
	char *text = NULL;

	fill(&s, p);
	ck_assert_int_eq(metrics_render(&s, METRICS_FORMAT_PROMETHEUS, &text, NULL), 0);
	/* the raw newline never reaches the text: one sample per line */
	ck_assert_ptr_nonnull(strstr(text, "teardownd_reaped_bytes_total{policy=\"we\\\"ird\\\\na\\nme\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "a\nme"));
	ck_assert_ptr_nonnull(strstr(text, "teardownd_reaped_bytes_total{policy=\"\"} 0\n"));
	/* no PID label anywhere, no EOF in the 0.0.4 form */
	ck_assert_ptr_null(strstr(text, "pid="));
	ck_assert_ptr_null(strstr(text, "# EOF"));
	ck_assert_ptr_nonnull(strstr(text, "teardownd_worker_cpu_seconds_total{policy=\"50-batch\"} 1.500000\n"));
	free(text);

	ck_assert_int_eq(metrics_render(&s, METRICS_FORMAT_OPENMETRICS, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "# TYPE teardownd_build info\n"));
	ck_assert_int_eq(strcmp(text + strlen(text) - 6, "# EOF\n"), 0);
	free(text);
}
END_TEST

START_TEST(test_formats) {
	ck_assert_int_eq(metrics_format_from_string(""), METRICS_FORMAT_PROMETHEUS);
	ck_assert_int_eq(metrics_format_from_string(NULL), METRICS_FORMAT_PROMETHEUS);
	ck_assert_int_eq(metrics_format_from_string("openmetrics"), METRICS_FORMAT_OPENMETRICS);
	ck_assert_int_eq(metrics_format_from_string("json"), -EINVAL);
	ck_assert_str_eq(metrics_format_to_string(METRICS_FORMAT_PROMETHEUS), "prometheus");
	ck_assert_ptr_null(metrics_format_to_string(_METRICS_FORMAT_MAX));
	/* what Prometheus 2.x sends */
	ck_assert_int_eq(metrics_format_from_accept("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			 METRICS_FORMAT_OPENMETRICS);
	ck_assert_int_eq(metrics_format_from_accept("*/*"), METRICS_FORMAT_PROMETHEUS);
	ck_assert_int_eq(metrics_format_from_accept(NULL), METRICS_FORMAT_PROMETHEUS);
	ck_assert_ptr_nonnull(strstr(metrics_format_content_type(METRICS_FORMAT_PROMETHEUS), "version=0.0.4"));
}
END_TEST

START_TEST(test_copy) {
	MetricsPolicy p[3];
	MetricsSnapshot s, c;
	char *a = NULL, *b = NULL;

	fill(&s, p);
	ck_assert_int_eq(metrics_snapshot_copy(&s, &c), 0);
	ck_assert_ptr_ne(c.policies, s.policies);
	ck_assert_ptr_ne(c.policies[0].name, s.policies[0].name);
	ck_assert_int_eq(metrics_render(&s, METRICS_FORMAT_PROMETHEUS, &a, NULL), 0);
	ck_assert_int_eq(metrics_render(&c, METRICS_FORMAT_PROMETHEUS, &b, NULL), 0);
	ck_assert_str_eq(a, b);
	metrics_snapshot_done(&c);
	ck_assert_ptr_null(c.policies);
	metrics_snapshot_done(&c); /* twice is fine */
	metrics_snapshot_done(NULL);
	free(a);
	free(b);
}
END_TEST

int main(int argc, char **argv) {
	fixtures = argc > 1 ? argv[1] : "tests/unit/fixtures";
	write_fixtures = argc > 2 && strcmp(argv[2], "--write") == 0;
	return RUN_TESTS("metrics", test_prometheus, test_openmetrics, test_histogram,
				test_escape_and_shape, test_formats, test_copy);
}
