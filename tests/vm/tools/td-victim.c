// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * td-victim: victims for the faults and load suites (the guest has no
 * compiler). Every mode prints "ready ..." on stdout once its memory is
 * resident, then waits to be killed.
 *
 *   td-victim clonevm MIB   MIB of anonymous memory filled with a pattern,
 *                           shared with a CLONE_VM child process (not a
 *                           thread: its own pid, same mm). Prints
 *                           "ready PARENT CHILD". On SIGUSR1 the child checks
 *                           the pattern and prints "verify ok" or
 *                           "verify bad N" (N pages not as written).
 *   td-victim hogs N MIB    forks N children of MIB each; prints
 *                           "ready PID..." when all are resident.
 *   td-victim forkstorm N   N vfork()ed children that exit at once, waited
 *                           for; prints "forked N in MS ms". Floods the proc
 *                           connector with fork/exit events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static size_t page;

static char *fill(size_t bytes, unsigned char seed)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	/* fault everything in with one call (cheaper under TCG), then the pattern */
	(void) madvise(p, bytes, MADV_POPULATE_WRITE);
	for (size_t i = 0; i < bytes; i += page)
		p[i] = (char)(seed + i / page);
	return p;
}

static void say(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* ---- clonevm ---- */
static char *shared;
static size_t shared_bytes;
static volatile sig_atomic_t verify_requested;

static void on_usr1(int sig)
{
	(void)sig;
	verify_requested = 1;
}

static int clone_child(void *arg)
{
	char buf[64];

	(void)arg;
	for (;;) {
		size_t bad = 0;

		while (!verify_requested)
			pause();
		verify_requested = 0;
		for (size_t i = 0; i < shared_bytes; i += page)
			if (shared[i] != (char)(0x5a + i / page))
				bad++;
		if (bad)
			snprintf(buf, sizeof(buf), "verify bad %zu\n", bad);
		else
			snprintf(buf, sizeof(buf), "verify ok\n");
		say(buf);
	}
	return 0;
}

static int mode_clonevm(size_t mib)
{
	size_t stack_size = 1 << 20;
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	struct sigaction sa = { .sa_handler = on_usr1 };
	char buf[64];
	pid_t child;

	if (stack == MAP_FAILED) {
		perror("mmap stack");
		return 1;
	}
	shared_bytes = mib << 20;
	shared = fill(shared_bytes, 0x5a);
	sigaction(SIGUSR1, &sa, NULL);
	/* no CLONE_THREAD, no CLONE_SIGHAND: a process of its own on the same mm */
	child = clone(clone_child, stack + stack_size, CLONE_VM | SIGCHLD, NULL);
	if (child < 0) {
		perror("clone");
		return 1;
	}
	snprintf(buf, sizeof(buf), "ready %d %d\n", (int)getpid(), (int)child);
	say(buf);
	for (;;)
		pause();
}

/* ---- hogs ---- */
static int mode_hogs(int n, size_t mib)
{
	int pfd[2];
	pid_t *pids = calloc((size_t)n, sizeof(pid_t));
	char buf[32];

	if (!pids || pipe(pfd) < 0) {
		perror("setup");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(pfd[0]);
			fill(mib << 20, (unsigned char)i);
			if (write(pfd[1], "r", 1) != 1)
				_exit(1);
			close(pfd[1]);
			for (;;)
				pause();
		}
	}
	close(pfd[1]);
	for (int got = 0; got < n; ) {
		ssize_t r = read(pfd[0], buf, 1);

		if (r == 1)
			got++;
		else if (r == 0 || errno != EINTR) {
			fprintf(stderr, "hogs: only %d of %d ready\n", got, n);
			return 1;
		}
	}
	say("ready");
	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), " %d", (int)pids[i]);
		say(buf);
	}
	say("\n");
	for (;;)
		pause();
}

/* ---- forkstorm ---- */
static __attribute__((noinline)) int fork_one(void)
{
	pid_t p = vfork();

	if (p == 0)
		_exit(0);
	if (p < 0)
		return -1;
	waitpid(p, NULL, 0);
	return 0;
}

static int mode_forkstorm(int n)
{
	struct timespec a, b;
	char buf[64];
	int done = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n && fork_one() == 0; i++)
		done++;
	clock_gettime(CLOCK_MONOTONIC, &b);
	snprintf(buf, sizeof(buf), "forked %d in %ld ms\n", done,
		 (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
	say(buf);
	return done == n ? 0 : 1;
}

int main(int argc, char *argv[])
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "clonevm"))
		return mode_clonevm(strtoul(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "hogs"))
		return mode_hogs(atoi(argv[2]), strtoul(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "forkstorm"))
		return mode_forkstorm(atoi(argv[2]));
	fprintf(stderr, "usage: %s clonevm MIB | hogs N MIB | forkstorm N\n", argv[0]);
	return 2;
}
