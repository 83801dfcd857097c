/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hog SIZE [--exit-on-term]: maps SIZE bytes of anonymous memory in 4K
 * pages (whatever the THP setting: the figures the suites assert are for 4K
 * pages), writes every page, prints "ready PID RSS_BYTES" and sleeps until
 * killed. With --exit-on-term it shuts down on SIGTERM as a server does,
 * exit(0) from its main loop, rather than dying of the signal. A victim for
 * the teardownctl and daemon tests (the VM has no compiler and no python).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "teardownd/conf.h"
#include "teardownd/procfs.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static volatile sig_atomic_t terminate;

static void on_term(int sig) {
	(void) sig;
	terminate = 1;
}

int main(int argc, char *argv[]) {
	uint64_t size, rss;
	long page = sysconf(_SC_PAGESIZE);
	bool exit_on_term = argc == 3 && strcmp(argv[2], "--exit-on-term") == 0;
	sigset_t term, old;
	char *p;
	int r;

	if ((argc != 2 && !exit_on_term) || parse_size(argv[1], &size) < 0 || size == 0) {
		fprintf(stderr, "usage: %s SIZE [--exit-on-term] (e.g. 1G)\n", argv[0]);
		return 2;
	}
	/* blocked until sigsuspend(): a SIGTERM between the check and the wait is not lost */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (exit_on_term) {
		struct sigaction sa = { .sa_handler = on_term };

		(void) sigaction(SIGTERM, &sa, NULL);
		(void) sigprocmask(SIG_BLOCK, &term, &old);
		/* sigsuspend() lets SIGTERM in even if it came blocked from the parent */
		sigdelset(&old, SIGTERM);
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap %llu: %s\n", (unsigned long long) size, strerror(errno));
		return 1;
	}
	(void) madvise(p, size, MADV_NOHUGEPAGE);
	/* one call instead of a fault per page: ~1.4x faster to fill under TCG */
	if (madvise(p, size, MADV_POPULATE_WRITE) < 0)
		for (uint64_t i = 0; i < size; i += (uint64_t) page)
			p[i] = 1;

	r = proc_read_rss("/proc", getpid(), &rss);
	if (r < 0) {
		fprintf(stderr, "statm: %s\n", strerror(-r));
		return 1;
	}
	printf("ready %d %llu\n", getpid(), (unsigned long long) rss);
	fflush(stdout);
	if (!exit_on_term)
		for (;;)
			pause();
	while (!terminate)
		sigsuspend(&old);
	return 0;
}
