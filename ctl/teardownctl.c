/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownctl: command line arguments and verb dispatch. The verbs live in
 * ctl-reap.c (kill, reap), ctl-bus.c (status, list, policy) and
 * ctl-events.c (events).
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "teardownd/conf.h"
#include "teardownd/log.h"
#include "teardownd/reap.h"

CtlArgs arg = {
	.legend = true,
	.signal = SIGKILL,
};

static void help(void) {
	printf("%s [OPTIONS...] COMMAND ...\n\n"
	       "Kill and reap large processes quickly; query teardownd.\n\n"
	       "Commands:\n"
	       "  kill PID...            Kill and reap processes with our own workers\n"
	       "  reap PID...            Reap processes that are already dying\n"
	       "  status                 Show teardownd's state, kernel features, counters\n"
	       "  list                   List the processes teardownd tracks\n"
	       "  events                 Show teardown events from the journal\n"
	       "  policy [list]          List the loaded policies\n"
	       "  policy show NAME       Show one policy and its file\n"
	       "  policy check FILE      Check a policy file without loading it\n"
	       "  metrics                Print teardownd's metrics (Prometheus text format)\n\n"
	       "Options:\n"
	       "  -h --help              Show this help\n"
	       "     --version           Show the package version\n"
	       "  -w --workers=N         Reap with N worker threads (1..%d, default 1)\n"
	       "  -s --signal=SIG        Signal to kill with (default SIGKILL)\n"
	       "     --chunk=SIZE        Bytes per reap claim, multiple of 2M (default: kernel's 32M)\n"
	       "  -f --follow            events: keep waiting for new events\n"
	       "  -n --lines=N           events: show the last N events only\n"
	       "     --json=MODE         Print JSON: short (one line) or pretty\n"
	       "     --no-legend         Omit the header and footer of tables\n"
	       "     --no-pager          Accepted for compatibility (nothing is paged)\n"
	       "  -q --quiet             Print only errors\n"
	       "  -o --output=FILE       metrics: replace FILE atomically instead of printing\n\n"
	       "See the teardownctl(1) man page for details and exit codes.\n",
	       program_invocation_short_name, REAP_WORKERS_MAX);
}

static int parse_signal(const char *s, int *ret) {
	char *end;
	long v;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *n = sigabbrev_np(i);
		if (n && strcasecmp(n, s) == 0) {
			*ret = i;
			return 0;
		}
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0 || v >= NSIG)
		return -EINVAL;
	*ret = (int) v;
	return 0;
}

static int parse_argv(int argc, char *argv[]) {
	enum {
		ARG_VERSION = 0x100,
		ARG_JSON,
		ARG_NO_LEGEND,
		ARG_NO_PAGER,
		ARG_CHUNK,
	};
	static const struct option options[] = {
		{ "help",      no_argument,       NULL, 'h'           },
		{ "version",   no_argument,       NULL, ARG_VERSION   },
		{ "workers",   required_argument, NULL, 'w'           },
		{ "signal",    required_argument, NULL, 's'           },
		{ "chunk",     required_argument, NULL, ARG_CHUNK     },
		{ "follow",    no_argument,       NULL, 'f'           },
		{ "lines",     required_argument, NULL, 'n'           },
		{ "json",      optional_argument, NULL, ARG_JSON      },
		{ "no-legend", no_argument,       NULL, ARG_NO_LEGEND },
		{ "no-pager",  no_argument,       NULL, ARG_NO_PAGER  },
		{ "quiet",     no_argument,       NULL, 'q'           },
		{ "output",    required_argument, NULL, 'o'           },
		{}
	};
	int c, r;

	/* options may follow the verb ("kill --workers 2 PID"), like systemctl */
	while ((c = getopt_long(argc, argv, "hw:s:fn:qo:", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("teardownctl %s\n", PACKAGE_VERSION);
			return 0;
		case 'w':
			r = parse_unsigned(optarg, &arg.workers);
			if (r < 0 || arg.workers < 1 || arg.workers > REAP_WORKERS_MAX) {
				log_error("Invalid --workers=%s: expected 1..%d.", optarg, REAP_WORKERS_MAX);
				return CTL_ERR_USAGE;
			}
			break;
		case 's':
			if (parse_signal(optarg, &arg.signal) < 0) {
				log_error("Invalid --signal=%s: expected a name (KILL, SIGTERM) or a number.", optarg);
				return CTL_ERR_USAGE;
			}
			break;
		case ARG_CHUNK:
			r = parse_size(optarg, &arg.chunk);
			if (r < 0 || arg.chunk == 0 || arg.chunk % (2ULL << 20) != 0 || arg.chunk > (1ULL << 30)) {
				log_error("Invalid --chunk=%s: expected a multiple of 2M up to 1G.", optarg);
				return CTL_ERR_USAGE;
			}
			break;
		case 'f':
			arg.follow = true;
			break;
		case 'n':
			r = parse_unsigned(optarg, &arg.lines);
			if (r < 0) {
				log_error("Invalid --lines=%s: expected a number.", optarg);
				return CTL_ERR_USAGE;
			}
			break;
		case ARG_JSON:
			if (!optarg || streq(optarg, "short"))
				arg.json = JSON_SHORT;
			else if (streq(optarg, "pretty"))
				arg.json = JSON_PRETTY;
			else if (streq(optarg, "off"))
				arg.json = JSON_OFF;
			else {
				log_error("Invalid --json=%s: expected short, pretty or off.", optarg);
				return CTL_ERR_USAGE;
			}
			break;
		case ARG_NO_LEGEND:
			arg.legend = false;
			break;
		case ARG_NO_PAGER:
			break;
		case 'q':
			arg.quiet = true;
			break;
		case 'o':
			arg.output = optarg;
			break;
		case '?':
			return CTL_ERR_USAGE;   /* getopt said why */
		default:
			log_error("Unhandled option %c.", c);
			return -EINVAL;
		}

	arg.progress = !arg.quiet && arg.json == JSON_OFF && isatty(STDOUT_FILENO);
	return 1;
}

typedef struct Verb {
	const char *name;
	int min_args, max_args;   /* counting the verb itself; -1: any */
	bool pids;                /* the arguments are PIDs */
	int (*run)(int argc, char *argv[]);
} Verb;

static const Verb verbs[] = {
	{ "kill",   2, -1, true,  verb_kill   },
	{ "reap",   2, -1, true,  verb_reap   },
	{ "status", 1, 1,  false, verb_status },
	{ "list",   1, 1,  false, verb_list   },
	{ "events", 1, 1,  false, verb_events },
	{ "policy", 1, 3,  false, verb_policy },
	{ "metrics", 1, 1, false, verb_metrics },
};

static bool is_pid(const char *s) {
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && v > 0 && v <= INT32_MAX;
}

static int dispatch(int argc, char *argv[]) {
	const Verb *v = NULL;

	if (argc < 1) {
		log_error("Command expected; see --help.");
		return CTL_ERR_USAGE;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (streq(verbs[i].name, argv[0]))
			v = &verbs[i];
	if (!v) {
		log_error("Unknown command '%s'; see --help.", argv[0]);
		return CTL_ERR_USAGE;
	}
	if (argc < v->min_args) {
		log_error("Too few arguments for '%s'; see --help.", v->name);
		return CTL_ERR_USAGE;
	}
	if (v->max_args >= 0 && argc > v->max_args) {
		log_error("Too many arguments for '%s'; see --help.", v->name);
		return CTL_ERR_USAGE;
	}
	for (int i = 1; v->pids && i < argc; i++)
		if (!is_pid(argv[i])) {
			log_error("Invalid process ID '%s'.", argv[i]);
			return CTL_ERR_USAGE;
		}
	return v->run(argc, argv);
}

/*
 * JOURNAL_STREAM is inherited by every child of a service, but it only
 * describes our stderr if device and inode match (see systemd.exec(5)).
 * Otherwise "teardownctl ... 2>file" inside a unit would print "<3>" prefixes.
 */
static void journal_stream_verify(void) {
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e)
		return;
	if (sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0 ||
	    (unsigned long long) st.st_dev != dev || (unsigned long long) st.st_ino != ino)
		(void) unsetenv("JOURNAL_STREAM");
}

int main(int argc, char *argv[]) {
	int r;

	journal_stream_verify();
	log_set_ident("teardownctl");
	r = parse_argv(argc, argv);
	if (r <= 0)
		return exit_code_from_errno(r);

	r = dispatch(argc - optind, argv + optind);
	return exit_code_from_errno(r);
}
