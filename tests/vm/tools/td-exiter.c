// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * td-exiter MIB: a victim that ends by its own exit, not by a signal (the
 * teardown trigger "exit" of the prometheus suite; test-hog only dies of a
 * kill). Fills MIB of anonymous memory, prints "ready PID", waits for
 * SIGUSR1 and then returns from main with status 0: exit_mm() tears the
 * memory down on a plain exit.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block, old;
	size_t bytes;
	char *p;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: td-exiter MIB\n");
		return 2;
	}
	bytes = (size_t)atoi(argv[1]) << 20;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGUSR1, &sa, NULL);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(p, bytes, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (!go)
		sigsuspend(&old);
	return 0;
}
