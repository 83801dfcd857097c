/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * teardownd: arguments, checks, and the loop. Everything else is the
 * Manager's (manager.c).
 */
#include <getopt.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "cgroup-adapter.h"
#include "manager-util.h"
#include "manager.h"
#include "teardownd/log.h"

static const char *arg_root = "";
static bool arg_test_config;
static bool arg_apply_sysctl;
static int arg_log_level = -1;

static void help(void) {
	printf("%s [OPTIONS...]\n\n"
	       "Watches exits and OOM kills in cgroups matched by policies and reaps\n"
	       "their memory in parallel under a CPU budget.\n\n"
	       "  -h --help             Show this help\n"
	       "     --version          Show the version\n"
	       "     --test-config      Check the configuration and policies, exit 0 or 1\n"
	       "     --apply-sysctl     Write ParkTimeoutMSec= to vm.teardown_park_timeout_ms\n"
	       "                        and exit (ExecStartPre=+ of the unit: needs uid 0)\n"
	       "     --root=DIR         Look up etc/, run/ and usr/lib/teardownd below DIR\n"
	       "                        (and put the private socket there); for tests\n"
	       "     --config-dir=DIR   The old name of --root=DIR: a root, not a config directory\n"
	       "     --log-level=LEVEL  debug, info, notice, warning or err; overrides LogLevel=\n",
	       program_invocation_short_name);
}

/* DIR holds teardownd.conf or policy.d/ itself, and no etc/teardownd/: an /etc/teardownd, not a root. */
static bool dir_is_config_dir(const char *dir) {
	_cleanup_free_ char *conf = NULL, *policies = NULL, *etc = NULL;

	if (asprintf(&conf, "%s/teardownd.conf", dir) < 0 || asprintf(&policies, "%s/policy.d", dir) < 0 ||
	    asprintf(&etc, "%s/etc/teardownd", dir) < 0)
		return false;
	return (access(conf, F_OK) >= 0 || access(policies, F_OK) >= 0) && access(etc, F_OK) < 0;
}

static int parse_argv(int argc, char *argv[]) {
	enum {
		ARG_VERSION = 0x100,
		ARG_TEST_CONFIG,
		ARG_APPLY_SYSCTL,
		ARG_ROOT,
		ARG_CONFIG_DIR,
		ARG_LOG_LEVEL,
	};
	static const struct option options[] = {
		{ "help",        no_argument,       NULL, 'h' },
		{ "version",     no_argument,       NULL, ARG_VERSION },
		{ "test-config", no_argument,       NULL, ARG_TEST_CONFIG },
		{ "apply-sysctl", no_argument,      NULL, ARG_APPLY_SYSCTL },
		{ "root",        required_argument, NULL, ARG_ROOT },
		{ "config-dir",  required_argument, NULL, ARG_CONFIG_DIR },
		{ "log-level",   required_argument, NULL, ARG_LOG_LEVEL },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("teardownd %s\n", PACKAGE_VERSION);
			return 0;
		case ARG_TEST_CONFIG:
			arg_test_config = true;
			break;
		case ARG_APPLY_SYSCTL:
			arg_apply_sysctl = true;
			break;
		case ARG_CONFIG_DIR:
			/* the old name of --root=: refuse what it looks like it means but does not */
			if (dir_is_config_dir(optarg))
				return log_error_errno(-EINVAL,
						       "--config-dir=%s names a root (with etc/teardownd/ below it), "
						       "but %s is a configuration directory itself; use --root=ROOT.",
						       optarg, optarg);
			_fallthrough_;
		case ARG_ROOT:
			arg_root = optarg;
			break;
		case ARG_LOG_LEVEL:
			arg_log_level = log_level_from_string(optarg);
			if (arg_log_level < 0)
				return log_error_errno(-EINVAL, "Invalid log level: %s", optarg);
			break;
		case '?':
			return -EINVAL;
		default:
			return -EINVAL;
		}
	if (optind < argc)
		return log_error_errno(-EINVAL, "%s takes no positional arguments.", program_invocation_short_name);
	if (arg_test_config && arg_apply_sysctl)
		return log_error_errno(-EINVAL, "--test-config and --apply-sysctl exclude each other.");
	return 1;
}

/*
 * --apply-sysctl: the unit runs it as ExecStartPre=+ and ExecReload=+ (as
 * root, outside the sandbox), because the kernel lets only uid 0 write a
 * sysctl and the daemon runs as user teardownd. A kernel without the
 * sysctl is not an error: there is nothing to apply.
 */
static int apply_sysctl(const Config *config) {
	int r;

	if (config->park_timeout_msec == 0) {
		log_info("ParkTimeoutMSec= is not set, leaving vm.teardown_park_timeout_ms as it is.");
		return 0;
	}
	r = cgroup_set_park_timeout(config->park_timeout_msec);
	if (r == -ENOENT) {
		log_notice("This kernel has no vm.teardown_park_timeout_ms (no teardown patch series), "
			   "ParkTimeoutMSec=%u does not apply.", config->park_timeout_msec);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "Failed to set vm.teardown_park_timeout_ms=%u: %m", config->park_timeout_msec);
	log_info("Set vm.teardown_park_timeout_ms=%u (ParkTimeoutMSec=).", config->park_timeout_msec);
	return 0;
}

/* Touch a stack reserve so that it is resident before mlockall: the daemon must not fault when memory is short. */
static void prefault_stack(void) {
	volatile char reserve[256 * 1024];

	memset((char *) reserve, 0, sizeof(reserve));
}

int main(int argc, char *argv[]) {
	_cleanup_(manager_freep) Manager *m = NULL;
	_cleanup_(config_freep) Config *config = NULL;
	ConfigErrors errs = {};
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	if (arg_log_level >= 0)
		log_set_max_level(arg_log_level);

	r = config_load(arg_root, &config, &errs);
	for (size_t i = 0; i < errs.n; i++)
		log_error("%s", errs.v[i]);
	config_errors_done(&errs);
	if (arg_test_config) {
		if (r < 0) {
			if (r != -EINVAL)
				log_error_errno(r, "Failed to load the configuration: %m");
			return EXIT_FAILURE;
		}
		printf("Configuration OK: %zu policies\n", config->n_policies);
		for (size_t i = 0; i < config->n_policies; i++)
			printf("  %s (%s): mode %s, min %llu bytes, %u workers, CPUQuota %u.%u%% per %u ms\n",
			       config->policies[i].name, config->policies[i].file,
			       teardown_mode_to_string(config->policies[i].mode),
			       (unsigned long long) config->policies[i].min_size,
			       config->policies[i].reaper.workers,
			       config->policies[i].reaper.cpu_quota_permille / 10,
			       config->policies[i].reaper.cpu_quota_permille % 10,
			       config->policies[i].reaper.cpu_period_msec);
		return EXIT_SUCCESS;
	}
	if (arg_apply_sysctl) {
		if (r == -EINVAL)
			return log_error_errno(r, "Configuration has errors, not applying ParkTimeoutMSec=."), EXIT_FAILURE;
		if (r < 0)
			return log_error_errno(r, "Failed to load the configuration: %m"), EXIT_FAILURE;
		return apply_sysctl(config) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (r == -EINVAL)
		return log_error_errno(r, "Configuration has errors, refusing to start."), EXIT_FAILURE;
	if (r < 0)
		return log_error_errno(r, "Failed to load the configuration: %m"), EXIT_FAILURE;
	log_set_max_level(log_level_effective(arg_log_level, config));

	r = manager_new(arg_root, config, &m);
	if (r < 0)
		return log_error_errno(r, "Failed to create the manager: %m"), EXIT_FAILURE;
	TAKE_PTR(config); /* the manager owns it now */
	m->log_level_override = arg_log_level;

	r = manager_startup(m);
	if (r < 0) {
		(void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%d", strerror(-r), -r);
		return EXIT_FAILURE;
	}

	prefault_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		log_warning_errno(negative_errno(), "Failed to lock memory, ignoring: %m");

	r = manager_run(m);
	(void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
