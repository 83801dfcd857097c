/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text of /metrics from a MetricsSnapshot: Prometheus text format 0.0.4
 * or OpenMetrics 1.0. Pure: no I/O, no logging, no state. The two formats
 * differ in the family names of counters (OpenMetrics drops "_total" from
 * the TYPE line), the info type, UNIT lines and the closing "# EOF".
 */
#include <strings.h>

#include "teardownd/metrics.h"
#include "teardownd/string-table.h"

static const uint64_t bucket_usec[METRICS_N_BUCKETS] = METRICS_BUCKETS_USEC;

void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec) {
	size_t i;

	for (i = 0; i < METRICS_N_BUCKETS; i++)
		if (usec <= bucket_usec[i])
			break;
	h->bucket[i]++;
	h->count++;
	h->sum_usec += usec;
}

static const char *const metrics_format_table[_METRICS_FORMAT_MAX] = {
	[METRICS_FORMAT_PROMETHEUS] = "prometheus",
	[METRICS_FORMAT_OPENMETRICS] = "openmetrics",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(metrics_format, MetricsFormat);

MetricsFormat metrics_format_from_string(const char *s) {
	if (isempty(s))
		return METRICS_FORMAT_PROMETHEUS;
	return (MetricsFormat) string_table_lookup(metrics_format_table, ELEMENTSOF(metrics_format_table), s);
}

const char *metrics_format_content_type(MetricsFormat f) {
	return f == METRICS_FORMAT_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
					       : "text/plain; version=0.0.4; charset=utf-8";
}

MetricsFormat metrics_format_from_accept(const char *accept) {
	if (accept && strcasestr(accept, "application/openmetrics-text"))
		return METRICS_FORMAT_OPENMETRICS;
	return METRICS_FORMAT_PROMETHEUS;
}

typedef struct Out {
	FILE *f;
	MetricsFormat format;
} Out;

typedef enum Kind { COUNTER, GAUGE, HISTOGRAM, INFO } Kind;

/*
 * The HELP/TYPE (and UNIT) lines of a family. name is the family name as
 * OpenMetrics has it (without "_total" or "_info"); unit "" for none.
 */
static void family(Out *o, const char *name, Kind kind, const char *unit, const char *help) {
	static const char *const types[] = { "counter", "gauge", "histogram", "info" };
	const char *suffix = "";

	if (o->format == METRICS_FORMAT_OPENMETRICS) {
		fprintf(o->f, "# TYPE teardownd_%s %s\n", name, types[kind]);
		if (*unit)
			fprintf(o->f, "# UNIT teardownd_%s %s\n", name, unit);
		fprintf(o->f, "# HELP teardownd_%s %s\n", name, help);
		return;
	}
	if (kind == COUNTER)
		suffix = "_total";
	else if (kind == INFO)
		suffix = "_info";
	fprintf(o->f, "# HELP teardownd_%s%s %s\n", name, suffix, help);
	fprintf(o->f, "# TYPE teardownd_%s%s %s\n", name, suffix, kind == INFO ? "gauge" : types[kind]);
}

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(FILE *f, const char *v) {
	fputc('"', f);
	for (const char *p = v ?: ""; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void sample_u64(Out *o, const char *name, uint64_t v) {
	fprintf(o->f, "teardownd_%s %llu\n", name, (unsigned long long) v);
}

/* usec as seconds, exact: 6 decimals */
static void print_seconds(FILE *f, uint64_t usec) {
	fprintf(f, "%llu.%06llu", (unsigned long long) (usec / 1000000), (unsigned long long) (usec % 1000000));
}

static void counter(Out *o, const char *name, const char *unit, const char *help, uint64_t v) {
	family(o, name, COUNTER, unit, help);
	fprintf(o->f, "teardownd_%s_total %llu\n", name, (unsigned long long) v);
}

static void gauge(Out *o, const char *name, const char *unit, const char *help, uint64_t v) {
	family(o, name, GAUGE, unit, help);
	sample_u64(o, name, v);
}

static void histogram(Out *o, const char *name, const char *help, const MetricsHistogram *h) {
	uint64_t cum = 0;

	family(o, name, HISTOGRAM, "seconds", help);
	for (size_t i = 0; i < METRICS_N_BUCKETS; i++) {
		cum += h->bucket[i];
		fprintf(o->f, "teardownd_%s_bucket{le=\"", name);
		/* the bounds are whole microseconds: print them without trailing zeros */
		{
			char buf[32];
			size_t n;

			snprintf(buf, sizeof(buf), "%llu.%06llu", (unsigned long long) (bucket_usec[i] / 1000000),
				 (unsigned long long) (bucket_usec[i] % 1000000));
			n = strlen(buf);
			while (buf[n - 1] == '0')
				buf[--n] = '\0';
			if (buf[n - 1] == '.')
				buf[n++] = '0'; /* "1.0": OpenMetrics wants floats for le */
			buf[n] = '\0';
			fputs(buf, o->f);
		}
		fprintf(o->f, "\"} %llu\n", (unsigned long long) cum);
	}
	cum += h->bucket[METRICS_N_BUCKETS];
	fprintf(o->f, "teardownd_%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long) cum);
	fprintf(o->f, "teardownd_%s_sum ", name);
	print_seconds(o->f, h->sum_usec);
	fprintf(o->f, "\nteardownd_%s_count %llu\n", name, (unsigned long long) h->count);
}

/* One counter family with a sample per policy, value from get(). */
static void policy_counter(Out *o, const MetricsSnapshot *s, const char *name, const char *unit,
			   const char *help, size_t offset, bool usec) {
	family(o, name, COUNTER, unit, help);
	for (size_t i = 0; i < s->n_policies; i++) {
		uint64_t v = *(const uint64_t *) ((const uint8_t *) &s->policies[i] + offset);

		fprintf(o->f, "teardownd_%s_total{policy=", name);
		label_value(o->f, s->policies[i].name);
		fputs("} ", o->f);
		if (usec)
			print_seconds(o->f, v);
		else
			fprintf(o->f, "%llu", (unsigned long long) v);
		fputc('\n', o->f);
	}
}

int metrics_render(const MetricsSnapshot *s, MetricsFormat format, char **ret, size_t *ret_len) {
	char *buf = NULL;
	size_t len = 0;
	Out o = { .format = format };
	int r;

	o.f = open_memstream(&buf, &len);
	if (!o.f)
		return -ENOMEM;

	family(&o, "build", INFO, "", "Version of teardownd and the reap backend it uses.");
	fputs("teardownd_build_info{version=", o.f);
	label_value(o.f, s->version);
	fputs(",backend=", o.f);
	label_value(o.f, s->backend);
	fputs("} 1\n", o.f);

	family(&o, "start_time_seconds", GAUGE, "seconds", "Start time of the daemon since the Unix epoch.");
	fputs("teardownd_start_time_seconds ", o.f);
	print_seconds(o.f, s->start_time_usec);
	fputc('\n', o.f);

	family(&o, "teardowns", COUNTER, "", "Teardowns finished, by policy, teardown mode and what ended the process.");
	for (size_t i = 0; i < s->n_policies; i++)
		for (int mode = 0; mode < _TEARDOWN_MODE_MAX; mode++)
			for (int t = 0; t < _TRIGGER_MAX; t++) {
				fputs("teardownd_teardowns_total{policy=", o.f);
				label_value(o.f, s->policies[i].name);
				fprintf(o.f, ",mode=\"%s\",trigger=\"%s\"} %llu\n", teardown_mode_to_string(mode),
					teardown_trigger_to_string(t),
					(unsigned long long) s->policies[i].teardowns[mode][t]);
			}

	policy_counter(&o, s, "reaped_bytes", "bytes", "Bytes of memory the workers unmapped, by policy.",
		       offsetof(MetricsPolicy, bytes_reaped), false);
	policy_counter(&o, s, "worker_cpu_seconds", "seconds", "CPU time of the teardown workers, by policy.",
		       offsetof(MetricsPolicy, cpu_usec), true);
	policy_counter(&o, s, "kernel_async_teardowns", "",
		       "Address spaces handed to the kernel's asynchronous teardown in the policy's cgroups (memory.events teardown_async).",
		       offsetof(MetricsPolicy, kernel_async), false);
	policy_counter(&o, s, "kernel_parks", "",
		       "Address spaces the kernel parked for the workers in the policy's cgroups (memory.events teardown_park).",
		       offsetof(MetricsPolicy, kernel_park), false);

	histogram(&o, "teardown_duration_seconds", "Wall time of a teardown, first claim to release.", &s->duration);
	histogram(&o, "teardown_latency_seconds",
		  "From the daemon seeing the process dying to its teardown finished (queueing included).", &s->latency);

	counter(&o, "park_timeouts", "", "Parked address spaces not released in time, torn down by the kernel (memory.events teardown_timeout).",
		s->park_timeouts);
	counter(&o, "kernel_fallbacks", "", "Teardowns left to the kernel: nothing was reaped, the process's own exit freed it.",
		s->fallbacks);
	counter(&o, "fallback_esrch", "", "process_mrelease calls that answered ESRCH: the victim was past exit_mm.",
		s->fallback_esrch);
	counter(&o, "oom_kills_seen", "", "OOM kills in managed cgroups (memory.events oom_kill).", s->oom_kills_seen);
	counter(&o, "tracking_refused", "", "Processes not tracked because MaxTracked= was reached.", s->tracking_refused);
	counter(&o, "config_reloads", "", "Configuration reloads that took effect.", s->reloads);
	counter(&o, "config_reload_failures", "", "Configuration reloads refused; the last good configuration was kept.",
		s->reload_failures);

	gauge(&o, "tracked_processes", "", "Processes at or above their policy's MinSize, held by pidfd.", s->tracked);
	gauge(&o, "managed_cgroups", "", "Cgroups a policy matches.", s->managed_cgroups);
	gauge(&o, "teardowns_in_flight", "", "Teardowns queued or running.", s->inflight);
	gauge(&o, "in_flight_bytes", "bytes", "Memory still mapped in the address spaces of the teardowns in flight.",
	      s->inflight_bytes);
	gauge(&o, "parked", "", "Address spaces the kernel holds parked for the workers.", s->parked);
	gauge(&o, "parked_bytes", "bytes", "Memory still mapped in parked address spaces.", s->parked_bytes);

	if (format == METRICS_FORMAT_OPENMETRICS)
		fputs("# EOF\n", o.f);

	r = ferror(o.f) ? -ENOMEM : 0;
	if (fclose(o.f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

void metrics_snapshot_done(MetricsSnapshot *s) {
	if (!s)
		return;
	for (size_t i = 0; i < s->n_policies; i++)
		free(s->policies[i].name);
	free(s->policies);
	s->policies = NULL;
	s->n_policies = 0;
}

int metrics_snapshot_copy(const MetricsSnapshot *s, MetricsSnapshot *ret) {
	MetricsSnapshot c = *s;

	c.policies = NULL;
	c.n_policies = 0;
	if (s->n_policies > 0) {
		c.policies = calloc(s->n_policies, sizeof(MetricsPolicy));
		if (!c.policies)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_policies; i++) {
		c.policies[i] = s->policies[i];
		c.policies[i].name = strdup(s->policies[i].name ?: "");
		c.n_policies++;
		if (!c.policies[i].name) {
			metrics_snapshot_done(&c);
			return -ENOMEM;
		}
	}
	*ret = c;
	return 0;
}
