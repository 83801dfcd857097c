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

#define CTL_TIMEOUT_DEFAULT_SEC 5
#define CTL_TIMEOUT_MAX_SEC 3600

CtlArgs arg = {
	.legend = true,
	.signal = SIGKILL,
	.timeout_usec = CTL_TIMEOUT_DEFAULT_SEC * USEC_PER_SEC,
};

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* A bit per verb: which options a verb's --help lists. */
enum {
	V_KILL   = 1 << 0,
	V_REAP   = 1 << 1,
	V_STATUS = 1 << 2,
	V_LIST   = 1 << 3,
	V_EVENTS = 1 << 4,
	V_POLICY = 1 << 5,
	V_HELP   = 1 << 6,
	V_METRICS = 1 << 7,
	V_ALL    = (1 << 8) - 1,
};

static const struct {
	const char *text;     /* one line or more, as --help prints them */
	unsigned verbs;       /* 0: only in the main help */
} option_help[] = {
	{ "  -h --help              Show this help (after a COMMAND: its help)\n", V_ALL },
	{ "     --version           Show the package version\n", 0 },
	{ "  -w --workers=N         Reap with N worker threads (1.." STRINGIFY(REAP_WORKERS_MAX) ", default 1)\n",
	  V_KILL | V_REAP },
	{ "  -s --signal=SIG        Signal to kill with (default SIGKILL)\n", V_KILL },
	{ "     --chunk=SIZE        Bytes per reap claim, multiple of 2M (default: kernel's 32M)\n", V_KILL | V_REAP },
	{ "  -f --follow            events: keep waiting for new events\n", V_EVENTS },
	{ "  -n --lines=N           events: show the last N events only\n", V_EVENTS },
	{ "     --json=MODE         Print JSON: short (one line) or pretty\n",
	  V_KILL | V_REAP | V_STATUS | V_LIST | V_EVENTS | V_POLICY },
	{ "     --no-legend         Omit the header and footer of tables\n", V_LIST | V_EVENTS | V_POLICY },
	{ "     --no-pager          Accepted for compatibility (nothing is paged)\n", 0 },
	{ "     --timeout=SEC       Wait SEC seconds for teardownd to answer (1.." STRINGIFY(CTL_TIMEOUT_MAX_SEC) ",\n"
	  "                         default " STRINGIFY(CTL_TIMEOUT_DEFAULT_SEC) "); exit 3 when it does not\n",
	  V_STATUS | V_LIST | V_POLICY | V_METRICS },
	{ "  -o --output=FILE       metrics: replace FILE atomically instead of printing\n", V_METRICS },
	{ "  -q --quiet             Print only errors (status: nothing, the exit status tells)\n",
	  V_KILL | V_REAP | V_STATUS | V_POLICY },
};

typedef struct Verb {
	const char *name;
	int min_args, max_args;   /* counting the verb itself; -1: any */
	bool pids;                /* the arguments are PIDs */
	int (*run)(int argc, char *argv[]);
	unsigned bit;             /* V_* */
	const char *usage;        /* its lines in "Commands:" */
	const char *description;  /* the rest of its --help */
} Verb;

static int verb_help(int argc, char *argv[]);

static const Verb verbs[] = {
	{ "kill",   2, -1, true,  verb_kill, V_KILL,
	  "  kill PID...            Kill and reap processes with our own workers\n",
	  "Open each process by pidfd, send the signal and reap its memory with worker\n"
	  "threads of our own; no daemon needed. With a signal other than KILL, a process\n"
	  "still alive 5s later is reported and nothing is reaped. Kernel threads and\n"
	  "thread IDs are refused.\n" },
	{ "reap",   2, -1, true,  verb_reap, V_REAP,
	  "  reap PID...            Reap processes that are already dying\n",
	  "Reap the memory of processes that are being torn down (killed by someone\n"
	  "else, OOM-killed, exiting). A process that is alive and not being torn down\n"
	  "is refused: use kill. Kernel threads and thread IDs are refused.\n" },
	{ "status", 1, 1,  false, verb_status, V_STATUS,
	  "  status                 Show teardownd's state, kernel features, counters\n",
	  "Show teardownd's version, state, backend, kernel features and counters.\n"
	  "Exit status 3 when it is not running or does not answer within --timeout.\n" },
	{ "list",   1, 1,  false, verb_list, V_LIST,
	  "  list                   List the processes teardownd tracks\n",
	  "List the processes teardownd tracks: PID, command, unit, RSS and cgroup.\n" },
	{ "events", 1, 1,  false, verb_events, V_EVENTS,
	  "  events                 Show teardown events from the journal\n",
	  "Show the teardowns teardownd logged to the journal.\n" },
	{ "policy", 1, 3,  false, verb_policy, V_POLICY,
	  "  policy [list]          List the loaded policies\n"
	  "  policy show NAME       Show one policy and its file\n"
	  "  policy check FILE      Check a policy file without loading it\n",
	  "list and show ask teardownd; check parses FILE with the daemon's parser and\n"
	  "needs no daemon (exit status 6 when the file has errors).\n" },
	{ "metrics", 1, 1, false, verb_metrics, V_METRICS,
	  "  metrics                Print teardownd's metrics (Prometheus text format)\n",
	  "Print teardownd's metrics as its /metrics endpoint serves them (GetMetrics()\n"
	  "over D-Bus). With --output, replace FILE atomically (a temporary file in the\n"
	  "same directory, then rename), for node_exporter's textfile collector.\n" },
	{ "help",   1, 2,  false, verb_help, V_HELP,
	  "  help [COMMAND]         Show this help, or the help of COMMAND\n",
	  "Show the help of teardownctl, or of one COMMAND (also: COMMAND --help).\n" },
};

static const Verb *verb_find(const char *name) {
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (streq(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

static void help(void) {
	printf("%s [OPTIONS...] COMMAND ...\n\n"
	       "Kill and reap large processes quickly; query teardownd.\n\n"
	       "Commands:\n", program_invocation_short_name);
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		fputs(verbs[i].usage, stdout);
	fputs("\nOptions:\n", stdout);
	for (size_t i = 0; i < ELEMENTSOF(option_help); i++)
		fputs(option_help[i].text, stdout);
	fputs("\nSee the teardownctl(1) man page for details and exit codes.\n", stdout);
}

/* The help of one verb; -EDOM (exit 2) for an unknown one. */
static int help_verb(const char *name) {
	const Verb *v = verb_find(name);

	if (!v) {
		log_error("Unknown command '%s'; see --help.", name);
		return CTL_ERR_USAGE;
	}
	printf("%s [OPTIONS...] %s ...\n\n", program_invocation_short_name, v->name);
	fputs(v->usage, stdout);
	printf("\n%s\nOptions:\n", v->description);
	for (size_t i = 0; i < ELEMENTSOF(option_help); i++)
		if (option_help[i].verbs & v->bit)
			fputs(option_help[i].text, stdout);
	fputs("\nSee the teardownctl(1) man page for details and exit codes.\n", stdout);
	return 0;
}

static int verb_help(int argc, char *argv[]) {
	if (argc > 1)
		return help_verb(argv[1]);
	help();
	return 0;
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
		ARG_TIMEOUT,
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
		{ "timeout",   required_argument, NULL, ARG_TIMEOUT   },
		{ "output",    required_argument, NULL, 'o'           },
		{}
	};
	bool show_help = false;
	int c, r;

	/* options may follow the verb ("kill --workers 2 PID"), like systemctl */
	while ((c = getopt_long(argc, argv, "hw:s:fn:qo:", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			show_help = true; /* after the loop: "kill --help" is the help of kill */
			break;
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
		case ARG_TIMEOUT: {
			unsigned sec;

			r = parse_unsigned(optarg, &sec);
			if (r < 0 || sec < 1 || sec > CTL_TIMEOUT_MAX_SEC) {
				log_error("Invalid --timeout=%s: expected seconds, 1..%d.", optarg, CTL_TIMEOUT_MAX_SEC);
				return CTL_ERR_USAGE;
			}
			arg.timeout_usec = (uint64_t) sec * USEC_PER_SEC;
			break;
		}
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

	if (show_help) {
		if (optind < argc)
			return help_verb(argv[optind]);
		help();
		return 0;
	}

	arg.progress = !arg.quiet && arg.json == JSON_OFF && isatty(STDOUT_FILENO);
	return 1;
}

static bool is_pid(const char *s) {
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && v > 0 && v <= INT32_MAX;
}

static int dispatch(int argc, char *argv[]) {
	const Verb *v;

	if (argc < 1) {
		log_error("Command expected; see --help.");
		return CTL_ERR_USAGE;
	}
	v = verb_find(argv[0]);
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
