/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A teardown start is all or nothing (issue 13): when starting the teardown
 * of a tracked process fails (EMFILE on the copy of the worker cgroup fd,
 * strdup), the tracker must not keep a half-started entry, whose
 * level-triggered pidfd source spins and which a scan can leave pointing
 * at a freed cgroup entry, nor leak a job or an fd. This drives the real
 * tracker: a child in this test's own cgroup is tracked through
 * tracker_consider_pid() under a policy for that cgroup (CgroupRoot= a
 * directory tree that mirrors it), then tracker_start_teardown() fails.
 * strdup() is wrapped at the linker (-Wl,--wrap=strdup) to fail on demand.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manager.h"
#include "teardownd/log.h"
#include "teardownd/procfs.h"
#include "tap.h"

static bool fail_strdup;

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);

char *__wrap_strdup(const char *s) {
	if (fail_strdup) {
		fail_strdup = false; /* the next one only */
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

static char root[] = "/tmp/test-teardown-start.XXXXXX";
static char *own_cgroup; /* this process' cgroup2 path, "0::" of /proc/self/cgroup */
static Manager *m;
static pid_t child;

static unsigned count_fds(void) {
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own */
}

static void write_file(const char *path, const char *text) {
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void) {
	_cleanup_(config_freep) Config *c = NULL;
	char p[PATH_MAX * 2], cmd[PATH_MAX * 3];
	ConfigErrors e = {};
	uint64_t rss = 0;

	ck_assert_ptr_nonnull(mkdtemp(root));
	/* a policy for our own cgroup, and CgroupRoot= a tree with that cgroup as a directory */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/teardownd/policy.d %s/cgroup%s", root, root, own_cgroup);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/etc/teardownd/teardownd.conf", root);
	snprintf(cmd, sizeof(cmd), "[Manager]\nCgroupRoot=%s/cgroup\n", root);
	write_file(p, cmd);
	snprintf(p, sizeof(p), "%s/etc/teardownd/policy.d/10-test.policy", root);
	snprintf(cmd, sizeof(cmd), "[Match]\nCgroup=%s\n[Teardown]\nMinSize=1M\n", own_cgroup);
	write_file(p, cmd);
	ck_assert_int_eq(config_load(root, &c, &e), 0);
	config_errors_done(&e);
	ck_assert_uint_eq(c->n_policies, 1);
	ck_assert_int_eq(manager_new(root, c, &m), 0);
	TAKE_PTR(c);
	ck_assert_int_eq(manager_startup(m), 0);

	/* the policy's worker cgroup: any directory fd does, the start copies it */
	ck_assert_uint_eq(m->n_worker_cgroup_fds, 1);
	safe_close(m->worker_cgroup_fds[0]);
	m->worker_cgroup_fds[0] = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(m->worker_cgroup_fds[0], 0);

	/* a victim with 16 MiB resident, in our cgroup */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		size_t size = 16 << 20;
		char *x = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (x == MAP_FAILED)
			_exit(1);
		memset(x, 1, size);
		for (;;)
			pause();
	}
	for (int i = 0; i < 200 && rss < (8 << 20); i++) {
		usleep(10000);
		(void) proc_read_rss("/proc", child, &rss);
	}
	ck_assert_uint_ge(rss, 8 << 20);
	ck_assert_int_ge(tracker_consider_pid(m, child), 0);
	ck_assert_ptr_nonnull(tracker_find(m, child));
}

static void teardown(void) {
	char cmd[PATH_MAX + 16];

	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	m = manager_free(m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void) system(cmd);
}

/* what a failed start must leave: no entry for the process, its pidfd closed, no job holding fds */
static void check_nothing_left(unsigned fds_before) {
	ck_assert_msg(!tracker_find(m, child), "a failed start left the tracked entry behind (half started)");
	ck_assert_uint_eq(m->n_tracked, 0);
	/* the tracked pidfd is closed; a job would still hold a pidfd and a worker cgroup fd */
	ck_assert_uint_eq(count_fds(), fds_before - 1);
}

START_TEST(test_emfile_on_worker_fd_copy) {
	struct rlimit old, rl;
	int fillers[1024];
	unsigned n = 0, fds;
	int r;

	fds = count_fds();
	/* no fd left to copy the worker cgroup fd into */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = (struct rlimit) { .rlim_cur = MIN(old.rlim_cur, 512), .rlim_max = old.rlim_max };
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < ELEMENTSOF(fillers)) {
		int fd = dup(0);

		if (fd < 0) {
			ck_assert_int_eq(errno, EMFILE);
			break;
		}
		fillers[n++] = fd;
	}

	r = tracker_start_teardown(m, tracker_find(m, child), TRIGGER_KILL, NULL);

	for (unsigned i = 0; i < n; i++)
		close(fillers[i]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_int_eq(r, -EMFILE);
	check_nothing_left(fds);
}
END_TEST

START_TEST(test_enomem_on_strdup) {
	unsigned fds = count_fds();
	int r;

	fail_strdup = true;
	r = tracker_start_teardown(m, tracker_find(m, child), TRIGGER_KILL, NULL);
	fail_strdup = false;
	ck_assert_int_eq(r, -ENOMEM);
	check_nothing_left(fds);
}
END_TEST

/* the cgroup2 path of this process, or NULL on a host without a unified hierarchy line */
static char *read_own_cgroup(void) {
	char *line = NULL, *path = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			path = strdup(line + 3);
			break;
		}
	free(line);
	fclose(f);
	return path;
}

int main(void) {
	Suite *s = suite_create("teardown-start");
	TCase *tc = tcase_create("teardown-start");
	int r;

	own_cgroup = read_own_cgroup();
	if (!own_cgroup) {
		printf("1..0 # SKIP no cgroup2 line in /proc/self/cgroup\n");
		return EXIT_SUCCESS;
	}
	log_set_max_level(LOG_ERR);
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_emfile_on_worker_fd_copy);
	tcase_add_test(tc, test_enomem_on_strdup);
	suite_add_tcase(s, tc);
	r = run_suite_tap(s);
	free(own_cgroup);
	return r;
}
