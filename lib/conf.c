/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration parsing with inih: one table of {section, key, parser,
 * offset, default, min, max}; drop-in lookup /etc over /run over /usr/lib;
 * every error names FILE:LINE. No logging above debug: callers print the
 * collected errors.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>

#include "teardownd/budget.h"
#include "teardownd/conf.h"
#include "teardownd/log.h"
#include "teardownd/string-table.h"

#define CHUNK_ALIGN (2ULL << 20)

static const char *const teardown_mode_table[_TEARDOWN_MODE_MAX] = {
	[TEARDOWN_MODE_SYNC] = "sync",
	[TEARDOWN_MODE_ASYNC] = "async",
	[TEARDOWN_MODE_REAPER] = "reaper",
};

DEFINE_STRING_TABLE_LOOKUP(teardown_mode, TeardownMode);

/* ---- value parsers ---- */

int parse_unsigned(const char *s, unsigned *ret) {
	unsigned long long v;
	char *end;

	if (isempty(s) || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	if (errno != 0 || *end != '\0' || end == s)
		return -EINVAL;
	*ret = (unsigned) v;
	return 0;
}

int parse_size(const char *s, uint64_t *ret) {
	static const struct { char c; unsigned shift; } suffixes[] = {
		{ 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 },
	};
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (isempty(s) || !(s[0] >= '0' && s[0] <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || end == s)
		return -EINVAL;
	if (*end != '\0') {
		size_t i;

		for (i = 0; i < ELEMENTSOF(suffixes); i++)
			if (toupper((unsigned char) *end) == suffixes[i].c)
				break;
		if (i < ELEMENTSOF(suffixes)) {
			shift = suffixes[i].shift;
			end++;
		}
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0')
			return -EINVAL;
	}
	if (shift > 0 && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = (uint64_t) v << shift;
	return 0;
}

int parse_permille_percent(const char *s, unsigned *ret) {
	unsigned long long whole;
	unsigned frac = 0;
	char *end;

	if (isempty(s) || !(s[0] >= '0' && s[0] <= '9'))
		return -EINVAL;
	errno = 0;
	whole = strtoull(s, &end, 10);
	if (errno == ERANGE || whole > UINT32_MAX / 1000)
		return -ERANGE;
	if (*end == '.') {
		end++;
		if (!(*end >= '0' && *end <= '9'))
			return -EINVAL;
		frac = (unsigned) (*end - '0');
		end++;
		if (*end >= '0' && *end <= '9')
			return -EINVAL; /* one decimal at most: permille resolution */
	}
	if (strcmp(end, "%") != 0)
		return -EINVAL;
	*ret = (unsigned) whole * 10 + frac;
	return 0;
}

int metrics_listen_sockaddr(const char *s, struct sockaddr_storage *ret, unsigned *ret_len) {
	struct sockaddr_storage ss = {};
	char addr[INET6_ADDRSTRLEN + 2];
	const char *colon;
	unsigned port;
	size_t n;

	if (isempty(s))
		return -EINVAL;
	colon = strrchr(s, ':');
	if (!colon || parse_unsigned(colon + 1, &port) < 0 || port == 0 || port > 65535)
		return -EINVAL;
	n = (size_t) (colon - s);
	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (addr[0] == '[') {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *) &ss;

		if (n < 3 || addr[n - 1] != ']')
			return -EINVAL;
		addr[n - 1] = '\0';
		if (inet_pton(AF_INET6, addr + 1, &sa->sin6_addr) != 1)
			return -EINVAL;
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons((uint16_t) port);
		*ret_len = sizeof(*sa);
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *) &ss;

		if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
			return -EINVAL;
		sa->sin_family = AF_INET;
		sa->sin_port = htons((uint16_t) port);
		*ret_len = sizeof(*sa);
	}
	*ret = ss;
	return 0;
}

int parse_metrics_listen(const char *s, char **ret) {
	static const char *const no[] = { "no", "off", "false", "0" }, *const yes[] = { "yes", "on", "true", "1" };
	struct sockaddr_storage ss;
	unsigned len, port;
	char *d;

	if (isempty(s)) {
		*ret = NULL;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(s, no[i]) == 0) {
			*ret = NULL;
			return 0;
		}
	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(s, yes[i]) == 0) {
			d = strdup(METRICS_LISTEN_DEFAULT);
			goto done;
		}
	if (parse_unsigned(s, &port) >= 0) {
		if (port == 0 || port > 65535)
			return -EINVAL;
		if (asprintf(&d, "127.0.0.1:%u", port) < 0)
			return -ENOMEM;
		goto done;
	}
	if (metrics_listen_sockaddr(s, &ss, &len) < 0)
		return -EINVAL;
	d = strdup(s);
done:
	if (!d)
		return -ENOMEM;
	*ret = d;
	return 0;
}

/* ---- error list ---- */

void config_errors_done(ConfigErrors *e) {
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	*e = (ConfigErrors) {};
}

_printf_(2, 3)
static int errors_add(ConfigErrors *e, const char *fmt, ...) {
	char *s, **v;
	va_list ap;
	int r;

	if (!e)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	v = realloc(e->v, (e->n + 2) * sizeof(char *));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	v[e->n++] = s;
	v[e->n] = NULL;
	e->v = v;
	return 0;
}

static int strv_push(char ***l, const char *s) {
	size_t n = 0;
	char **v, *d;

	for (char **i = *l; i && *i; i++)
		n++;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	v = realloc(*l, (n + 2) * sizeof(char *));
	if (!v) {
		free(d);
		return -ENOMEM;
	}
	v[n] = d;
	v[n + 1] = NULL;
	*l = v;
	return 0;
}

static char **strv_free(char **l) {
	for (char **i = l; i && *i; i++)
		free(*i);
	free(l);
	return NULL;
}

/* ---- the table ---- */

typedef struct ParseContext ParseContext;
typedef int (*ConfigParser)(ParseContext *ctx, const char *value, void *field, const void *item);

typedef struct ConfigItem {
	const char *section;
	const char *key;
	ConfigParser parser;
	size_t offset;
	const char *def;  /* documented default, parsed by the same parser; NULL: inherited */
	uint64_t min, max;
} ConfigItem;

struct ParseContext {
	const char *file;
	unsigned line;
	ConfigErrors *errs;
	int error;      /* -ENOMEM etc. */
	bool failed;
	void *target;   /* Config or Policy */
	const ConfigItem *table;
	size_t n_table;
	bool seen_sections;
	unsigned budget_line; /* last line that set CPUQuota= or CPUQuotaPeriodMSec= */
};

_printf_(2, 3)
static void ctx_error(ParseContext *ctx, const char *fmt, ...) {
	_cleanup_free_ char *m = NULL;
	va_list ap;

	ctx->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0) {
		va_end(ap);
		ctx->error = -ENOMEM;
		return;
	}
	va_end(ap);
	if (errors_add(ctx->errs, "%s:%u: %s", ctx->file, ctx->line, m) < 0)
		ctx->error = -ENOMEM;
}

static int parse_item_unsigned(ParseContext *ctx, const char *v, void *field, const void *p) {
	const ConfigItem *it = p;
	unsigned u;
	int r;

	r = parse_unsigned(v, &u);
	if (r < 0 || u < it->min || u > it->max) {
		ctx_error(ctx, "%s=%s: expected an integer in %llu..%llu", it->key, v,
			  (unsigned long long) it->min, (unsigned long long) it->max);
		return -EINVAL;
	}
	*(unsigned *) field = u;
	return 0;
}

/* empty means 0 = "not set" */
static int parse_item_unsigned_optional(ParseContext *ctx, const char *v, void *field, const void *p) {
	if (isempty(v)) {
		*(unsigned *) field = 0;
		return 0;
	}
	return parse_item_unsigned(ctx, v, field, p);
}

static int parse_item_size(ParseContext *ctx, const char *v, void *field, const void *p) {
	const ConfigItem *it = p;
	uint64_t u;
	int r;

	r = parse_size(v, &u);
	if (r < 0) {
		ctx_error(ctx, "%s=%s: not a size (bytes, or with K, M, G, T suffix)", it->key, v);
		return -EINVAL;
	}
	if (u < it->min || u > it->max) {
		ctx_error(ctx, "%s=%s: out of range %llu..%llu bytes", it->key, v,
			  (unsigned long long) it->min, (unsigned long long) it->max);
		return -EINVAL;
	}
	*(uint64_t *) field = u;
	return 0;
}

static int parse_item_chunk(ParseContext *ctx, const char *v, void *field, const void *p) {
	uint64_t u;
	int r;

	r = parse_item_size(ctx, v, &u, p);
	if (r < 0)
		return r;
	if (u % CHUNK_ALIGN != 0) {
		ctx_error(ctx, "%s=%s: must be a multiple of 2M (PMD size)", ((const ConfigItem *) p)->key, v);
		return -EINVAL;
	}
	*(uint64_t *) field = u;
	return 0;
}

static int parse_item_percent(ParseContext *ctx, const char *v, void *field, const void *p) {
	const ConfigItem *it = p;
	unsigned u;
	int r;

	r = parse_permille_percent(v, &u);
	if (r < 0 || u < it->min || u > it->max) {
		ctx_error(ctx, "%s=%s: expected a percentage in %llu%%..%llu%%", it->key, v,
			  (unsigned long long) it->min / 10, (unsigned long long) it->max / 10);
		return -EINVAL;
	}
	*(unsigned *) field = u;
	return 0;
}

static int parse_item_log_level(ParseContext *ctx, const char *v, void *field, const void *p) {
	int l = log_level_from_string(v);

	if (l < 0) {
		ctx_error(ctx, "LogLevel=%s: expected debug, info, notice, warning or err", v);
		return -EINVAL;
	}
	*(int *) field = l;
	return 0;
}

static int parse_item_abs_path(ParseContext *ctx, const char *v, void *field, const void *p) {
	const ConfigItem *it = p;
	char **s = field, *d;

	if (isempty(v) || v[0] != '/' || strstr(v, "/../") || strstr(v, "/./")) {
		ctx_error(ctx, "%s=%s: expected an absolute, normalized path", it->key, v);
		return -EINVAL;
	}
	d = strdup(v);
	if (!d) {
		ctx->error = -ENOMEM;
		return -ENOMEM;
	}
	/* drop trailing slashes but keep "/" */
	for (size_t n = strlen(d); n > 1 && d[n - 1] == '/'; n--)
		d[n - 1] = '\0';
	free(*s);
	*s = d;
	return 0;
}

static int parse_item_mode(ParseContext *ctx, const char *v, void *field, const void *p) {
	TeardownMode m = teardown_mode_from_string(v);

	if (m < 0) {
		ctx_error(ctx, "Mode=%s: expected sync, async or reaper", v);
		return -EINVAL;
	}
	*(TeardownMode *) field = m;
	return 0;
}

static int push_or_oom(ParseContext *ctx, char ***l, const char *v) {
	int r = strv_push(l, v);

	if (r < 0)
		ctx->error = r;
	return r;
}

static int parse_item_cgroup(ParseContext *ctx, const char *v, void *field, const void *p) {
	if (isempty(v) || v[0] != '/' || strstr(v, "..")) {
		ctx_error(ctx, "Cgroup=%s: expected a cgroup path starting with '/', relative to the cgroup root", v);
		return -EINVAL;
	}
	return push_or_oom(ctx, field, v);
}

static int parse_item_glob(ParseContext *ctx, const char *v, void *field, const void *p) {
	if (isempty(v) || v[0] != '/') {
		ctx_error(ctx, "CgroupGlob=%s: expected a pattern starting with '/'", v);
		return -EINVAL;
	}
	return push_or_oom(ctx, field, v);
}

static int parse_item_unit(ParseContext *ctx, const char *v, void *field, const void *p) {
	static const char *const suffixes[] = { ".service", ".scope", ".slice" };
	const char *dot = v ? strrchr(v, '.') : NULL;
	bool good = false;

	if (dot && !strchr(v, '/') && dot != v)
		for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
			good = good || streq(dot, suffixes[i]);
	if (!good) {
		ctx_error(ctx, "Unit=%s: expected a unit name ending in .service, .scope or .slice", strna(v));
		return -EINVAL;
	}
	return push_or_oom(ctx, field, v);
}

static int parse_item_listen(ParseContext *ctx, const char *v, void *field, const void *p) {
	char **s = field, *d = NULL;
	int r;

	r = parse_metrics_listen(v, &d);
	if (r == -ENOMEM) {
		ctx->error = r;
		return r;
	}
	if (r < 0) {
		ctx_error(ctx, "Listen=%s: expected yes (%s), no, PORT, IPV4:PORT or [IPV6]:PORT with a port in 1..65535",
			  v, METRICS_LISTEN_DEFAULT);
		return -EINVAL;
	}
	free(*s);
	*s = d;
	return 0;
}

#define CFG(f) offsetof(Config, f)
#define POL(f) offsetof(Policy, f)

static const ConfigItem config_table[] = {
	{ "Manager", "LogLevel",               parse_item_log_level,          CFG(log_level),         "info",           0, 7 },
	{ "Manager", "CgroupRoot",             parse_item_abs_path,           CFG(cgroup_root),       "/sys/fs/cgroup", 0, 0 },
	{ "Manager", "ScanIntervalSec",        parse_item_unsigned,           CFG(scan_interval_sec), "10",             1, 3600 },
	{ "Manager", "MaxTracked",             parse_item_unsigned,           CFG(max_tracked),       "4096",           16, 65536 },
	{ "Manager", "MaxConcurrentTeardowns", parse_item_unsigned,           CFG(max_concurrent),    "4",              1, 64 },
	{ "Manager", "ParkTimeoutMSec",        parse_item_unsigned_optional,  CFG(park_timeout_msec), "",               100, 600000 },
	{ "Manager", "RecentTeardowns",        parse_item_unsigned,           CFG(recent_teardowns),  "64",             1, 4096 },
	{ "Reaper",  "Workers",                parse_item_unsigned,           CFG(reaper.workers),    "2",              1, 64 },
	{ "Reaper",  "ChunkSize",              parse_item_chunk,              CFG(reaper.chunk),      "32M",            2ULL << 20, 1ULL << 30 },
	{ "Reaper",  "CPUQuota",               parse_item_percent,            CFG(reaper.cpu_quota_permille), "100%",   10, 64000 },
	{ "Reaper",  "CPUWeight",              parse_item_unsigned,           CFG(reaper.cpu_weight), "100",            1, 10000 },
	{ "Reaper",  "CPUQuotaPeriodMSec",     parse_item_unsigned,           CFG(reaper.cpu_period_msec), "100",       1, 1000 },
	{ "Reaper",  "YieldMSec",              parse_item_unsigned,           CFG(reaper.yield_msec), "50",             0, 1000 },
	{ "Metrics", "Listen",                 parse_item_listen,             CFG(metrics_listen),    "",               0, 0 },
};

static const ConfigItem policy_table[] = {
	{ "Match",    "Cgroup",     parse_item_cgroup,   POL(cgroups),    NULL, 0, 0 },
	{ "Match",    "CgroupGlob", parse_item_glob,     POL(globs),      NULL, 0, 0 },
	{ "Match",    "Unit",       parse_item_unit,     POL(units),      NULL, 0, 0 },
	{ "Teardown", "Mode",       parse_item_mode,     POL(mode),       "reaper", 0, 0 },
	{ "Teardown", "MinSize",    parse_item_size,     POL(min_size),   "256M", 0, 1ULL << 50 },
	/* NULL default: inherited from [Reaper] of teardownd.conf */
	{ "Teardown", "Workers",    parse_item_unsigned, POL(reaper.workers), NULL, 1, 64 },
	{ "Teardown", "CPUQuota",   parse_item_percent,  POL(reaper.cpu_quota_permille), NULL, 10, 64000 },
	{ "Teardown", "CPUWeight",  parse_item_unsigned, POL(reaper.cpu_weight), NULL, 1, 10000 },
	{ "Teardown", "CPUQuotaPeriodMSec", parse_item_unsigned, POL(reaper.cpu_period_msec), NULL, 1, 1000 },
	{ "Teardown", "ChunkSize",  parse_item_chunk,    POL(reaper.chunk), NULL, 2ULL << 20, 1ULL << 30 },
	{ "Teardown", "YieldMSec",  parse_item_unsigned, POL(reaper.yield_msec), NULL, 0, 1000 },
};

static int apply_defaults(void *target, const ConfigItem *table, size_t n) {
	ParseContext ctx = { .file = "(built-in default)" };

	for (size_t i = 0; i < n; i++) {
		if (!table[i].def)
			continue;
		if (table[i].parser(&ctx, table[i].def, (uint8_t *) target + table[i].offset, &table[i]) < 0)
			return ctx.error ?: -EINVAL; /* a bad built-in default is a bug */
	}
	return 0;
}

static int ini_handler_cb(void *user, const char *section, const char *name, const char *value) {
	ParseContext *ctx = user;

	if (ctx->error < 0)
		return 0;
	if (!name) /* new section (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	for (size_t i = 0; i < ctx->n_table; i++) {
		const ConfigItem *it = &ctx->table[i];

		if (!streq(it->section, section) || !streq(it->key, name))
			continue;
		if (it->parser(ctx, value, (uint8_t *) ctx->target + it->offset, it) >= 0 &&
		    (streq(name, "CPUQuota") || streq(name, "CPUQuotaPeriodMSec")))
			ctx->budget_line = ctx->line;
		return 1; /* errors are collected; inih need not count them */
	}
	if (isempty(section))
		ctx_error(ctx, "%s=%s: assignment outside of a section", name, value);
	else {
		bool known_section = false;

		for (size_t i = 0; i < ctx->n_table; i++)
			known_section = known_section || streq(ctx->table[i].section, section);
		if (known_section)
			ctx_error(ctx, "unknown key '%s' in section [%s]", name, section);
		else
			ctx_error(ctx, "unknown section [%s]", section);
	}
	return 1;
}

typedef struct LineReader {
	FILE *f;
	ParseContext *ctx;
} LineReader;

/* fgets that counts lines, so the handler knows FILE:LINE of each key */
static char *line_reader(char *str, int num, void *stream) {
	LineReader *lr = stream;
	char *s = fgets(str, num, lr->f);

	if (s)
		lr->ctx->line++;
	return s;
}

/*
 * The kernel refuses a cpu.max quota below 1 ms, and budget_quota_usec()
 * would round it up to that, granting more than configured: refuse the pair
 * at the line that made it so.
 */
static void check_budget(ParseContext *ctx, const ReaperSettings *s) {
	uint64_t q;

	if (ctx->budget_line == 0)
		return;
	q = (uint64_t) s->cpu_period_msec * USEC_PER_MSEC * s->cpu_quota_permille / 1000;
	if (q >= BUDGET_QUOTA_USEC_MIN)
		return;
	ctx->line = ctx->budget_line;
	ctx_error(ctx, "CPUQuota=%u.%u%% of CPUQuotaPeriodMSec=%u is a %llu us quota per period, below the kernel's %llu us minimum",
		  s->cpu_quota_permille / 10, s->cpu_quota_permille % 10, s->cpu_period_msec,
		  (unsigned long long) q, (unsigned long long) BUDGET_QUOTA_USEC_MIN);
}

/* reaper: the ReaperSettings inside target whose budget to check, or NULL */
static int parse_file(const char *path, void *target, const ConfigItem *table, size_t n,
		      const ReaperSettings *reaper, ConfigErrors *errs) {
	_cleanup_fclose_ FILE *f = NULL;
	ParseContext ctx = {
		.file = path, .errs = errs, .target = target, .table = table, .n_table = n,
	};
	LineReader lr = { .ctx = &ctx };
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = negative_errno();
		if (errors_add(errs, "%s: cannot open: %s", path, strerror(-r)) < 0)
			return -ENOMEM;
		return r == -ENOMEM ? r : -EINVAL;
	}
	lr.f = f;

	/* systemd-style: no continuation lines, '#' and ';' start comments only at line start */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;

	r = ini_parse_stream(line_reader, &lr, ini_handler_cb, &ctx);
	if (ctx.error < 0)
		return ctx.error;
	if (r == -2)
		return -ENOMEM;
	if (r > 0) {
		/* inih reports only the first syntax error; it may be one we already named */
		char prefix[64];
		bool dup = false;

		snprintf(prefix, sizeof(prefix), ":%d: ", r);
		for (size_t i = 0; errs && i < errs->n; i++)
			dup = dup || (strneq(errs->v[i], path, strlen(path)) &&
				      strneq(errs->v[i] + strlen(path), prefix, strlen(prefix)));
		if (!dup && errors_add(errs, "%s:%d: syntax error: expected [Section] or Key=Value", path, r) < 0)
			return -ENOMEM;
		return -EINVAL;
	}
	if (!ctx.failed && reaper)
		check_budget(&ctx, reaper);
	if (ctx.error < 0)
		return ctx.error;
	return ctx.failed ? -EINVAL : 0;
}

/* ---- lookup of drop-ins: /etc over /run over /usr/lib ---- */

typedef struct FoundFile {
	char *name;
	char *path;
} FoundFile;

static int found_cmp(const void *a, const void *b) {
	return strcmp(((const FoundFile *) a)->name, ((const FoundFile *) b)->name);
}

static void found_free(FoundFile *v, size_t n) {
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

static bool has_suffix(const char *s, const char *suffix) {
	size_t a = strlen(s), b = strlen(suffix);

	return a > b && streq(s + a - b, suffix);
}

static const char *const search_dirs[] = { "etc/teardownd", "run/teardownd", "usr/lib/teardownd" };

static int collect(const char *root, const char *sub, const char *suffix, FoundFile **ret, size_t *ret_n) {
	FoundFile *v = NULL;
	size_t n = 0;

	for (size_t d = 0; d < ELEMENTSOF(search_dirs); d++) {
		_cleanup_free_ char *dir = NULL;
		_cleanup_closedir_ DIR *dp = NULL;
		struct dirent *de;

		if (asprintf(&dir, "%s/%s/%s", root, search_dirs[d], sub) < 0)
			goto oom;
		dp = opendir(dir);
		if (!dp) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			int r = negative_errno();
			found_free(v, n);
			return r;
		}
		while ((de = readdir(dp))) {
			bool hidden = false;
			FoundFile *nv;

			if (de->d_name[0] == '.' || !has_suffix(de->d_name, suffix))
				continue;
			for (size_t i = 0; i < n; i++)
				hidden = hidden || streq(v[i].name, de->d_name);
			if (hidden) /* a higher-priority directory already has this name */
				continue;
			nv = realloc(v, (n + 1) * sizeof(FoundFile));
			if (!nv)
				goto oom;
			v = nv;
			v[n].name = strdup(de->d_name);
			if (asprintf(&v[n].path, "%s/%s", dir, de->d_name) < 0)
				v[n].path = NULL;
			n++;
			if (!v[n - 1].name || !v[n - 1].path)
				goto oom;
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(FoundFile), found_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	found_free(v, n);
	return -ENOMEM;
}

/* ---- public ---- */

void policy_done(Policy *p) {
	if (!p)
		return;
	free(p->name);
	free(p->file);
	strv_free(p->cgroups);
	strv_free(p->globs);
	strv_free(p->units);
	*p = (Policy) {};
}

Config *config_free(Config *c) {
	if (!c)
		return NULL;
	free(c->cgroup_root);
	free(c->metrics_listen);
	for (size_t i = 0; i < c->n_policies; i++)
		policy_done(&c->policies[i]);
	free(c->policies);
	free(c);
	return NULL;
}

int config_init_defaults(Config *c) {
	*c = (Config) {};
	return apply_defaults(c, config_table, ELEMENTSOF(config_table));
}

int config_parse_policy_file(const char *path, const ReaperSettings *base, Policy *ret, ConfigErrors *errs) {
	Policy p = {};
	const char *slash;
	size_t len;
	int r;

	if (base)
		p.reaper = *base;
	else {
		Config d;

		r = config_init_defaults(&d);
		if (r < 0)
			return r;
		p.reaper = d.reaper;
		free(d.cgroup_root);
	}
	r = apply_defaults(&p, policy_table, ELEMENTSOF(policy_table));
	if (r < 0)
		return r;

	r = parse_file(path, &p, policy_table, ELEMENTSOF(policy_table), &p.reaper, errs);
	if (r == -EINVAL)
		goto fail;
	if (r < 0)
		goto fail;
	if (!p.cgroups && !p.globs && !p.units) {
		r = errors_add(errs, "%s: no [Match] Cgroup=, CgroupGlob= or Unit=: the policy would match nothing", path);
		r = r < 0 ? r : -EINVAL;
		goto fail;
	}

	slash = strrchr(path, '/');
	slash = slash ? slash + 1 : path;
	len = has_suffix(slash, ".policy") ? strlen(slash) - strlen(".policy") : strlen(slash);
	p.name = strndup(slash, len);
	p.file = strdup(path);
	if (!p.name || !p.file) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	policy_done(&p);
	return r;
}

int config_load(const char *root, Config **ret, ConfigErrors *errs) {
	_cleanup_(config_freep) Config *c = NULL;
	FoundFile *files = NULL;
	size_t n = 0;
	bool failed = false;
	int r;

	if (!root || streq(root, "/"))
		root = "";

	c = calloc(1, sizeof(Config));
	if (!c)
		return -ENOMEM;
	r = config_init_defaults(c);
	if (r < 0)
		return r;

	/* main file: the first directory that has one */
	for (size_t d = 0; d < ELEMENTSOF(search_dirs); d++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/%s/teardownd.conf", root, search_dirs[d]) < 0)
			return -ENOMEM;
		if (access(p, F_OK) < 0)
			continue;
		r = parse_file(p, c, config_table, ELEMENTSOF(config_table), &c->reaper, errs);
		if (r == -EINVAL)
			failed = true;
		else if (r < 0)
			return r;
		break;
	}

	r = collect(root, "teardownd.conf.d", ".conf", &files, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = parse_file(files[i].path, c, config_table, ELEMENTSOF(config_table), &c->reaper, errs);
		if (r == -EINVAL)
			failed = true;
		else if (r < 0) {
			found_free(files, n);
			return r;
		}
	}
	found_free(files, n);
	files = NULL;

	r = collect(root, "policy.d", ".policy", &files, &n);
	if (r < 0)
		return r;
	if (n > 0) {
		c->policies = calloc(n, sizeof(Policy));
		if (!c->policies) {
			found_free(files, n);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		/* a symlink to /dev/null masks a policy of the same name, like systemd */
		if (stat(files[i].path, &st) >= 0 && S_ISCHR(st.st_mode))
			continue;
		r = config_parse_policy_file(files[i].path, &c->reaper, &c->policies[c->n_policies], errs);
		if (r == -EINVAL)
			failed = true;
		else if (r < 0) {
			found_free(files, n);
			return r;
		} else
			c->n_policies++;
	}
	found_free(files, n);

	if (failed)
		return -EINVAL;
	*ret = TAKE_PTR(c);
	return 0;
}
