/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the configuration and policy parsers.
 *
 * The first input byte picks where the rest goes: the main file, a
 * teardownd.conf.d drop-in, or a policy (loaded both through config_load()
 * and through config_parse_policy_file(), as `teardownctl policy check`
 * does). Whatever the input, the parsers must return 0 or -EINVAL with
 * every error naming its file, and leak nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "teardownd/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX];

static void write_all(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

static void setup_root(void)
{
	char p[PATH_MAX + 64];
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/fuzz-conf.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		abort();
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/teardownd", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/teardownd/policy.d", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/teardownd/teardownd.conf.d", root);
	mkdir(p, 0755);
}

static void check_errors(const ConfigErrors *e, int r)
{
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		abort();	/* only "bad input" may come back */
	if (r == -EINVAL && e->n == 0)
		abort();	/* rejected without saying why */
	for (size_t i = 0; i < e->n; i++)
		if (!e->v[i] || strncmp(e->v[i], root, strlen(root)))
			abort();	/* every error names the file */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"etc/teardownd/teardownd.conf",
		"etc/teardownd/teardownd.conf.d/50-fuzz.conf",
		"etc/teardownd/policy.d/50-fuzz.policy",
	};
	char path[PATH_MAX + 64];
	ConfigErrors errs = {};
	Config *c = NULL;
	unsigned int which;
	int r;

	if (!root[0])
		setup_root();
	if (size < 1)
		return 0;
	which = data[0] % 3;
	for (unsigned int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", root, names[which]);
	write_all(path, data + 1, size - 1);

	r = config_load(root, &c, &errs);
	check_errors(&errs, r);
	if (r == 0 && !c)
		abort();
	config_free(c);
	config_errors_done(&errs);

	if (which == 2) {
		Policy p = {};

		errs = (ConfigErrors) {};
		r = config_parse_policy_file(path, NULL, &p, &errs);
		check_errors(&errs, r);
		if (r == 0)
			policy_done(&p);
		config_errors_done(&errs);
	}
	return 0;
}
