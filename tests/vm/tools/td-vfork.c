/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * td-vfork SIZE SECONDS: fills SIZE bytes of anonymous memory with a
 * pattern, then vfork()s a child that prints "child PID", sleeps SECONDS on
 * the parent's address space and _exit(0)s. The parent then checks every
 * page of the pattern and prints "intact PID" (or "corrupt PID OFFSET" and
 * exits 1), and sleeps until killed. A process whose memory a teardown of
 * its vfork child must not touch (issue 12).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int main(int argc, char *argv[]) {
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long size;
	unsigned secs;
	pid_t child;
	char *p;

	if (argc != 3 || sscanf(argv[1], "%llu", &size) != 1 || sscanf(argv[2], "%u", &secs) != 1 || size == 0) {
		fprintf(stderr, "usage: %s SIZE_BYTES SECONDS\n", argv[0]);
		return 2;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		return 1;
	}
	(void) madvise(p, size, MADV_POPULATE_WRITE);
	for (unsigned long long off = 0; off < size; off += (unsigned long long) page)
		*(unsigned long long *) (p + off) = off ^ 0x5a5a5a5a5a5a5a5aULL;
	setvbuf(stdout, NULL, _IONBF, 0);

	child = vfork();
	if (child == 0) {
		/* only async-signal-safe calls on the borrowed mm */
		struct timespec ts = { .tv_sec = secs };
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "child %d\n", (int) getpid());

		if (write(STDOUT_FILENO, buf, (size_t) n) < 0)
			_exit(3);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (child < 0) {
		fprintf(stderr, "vfork: %s\n", strerror(errno));
		return 1;
	}
	for (unsigned long long off = 0; off < size; off += (unsigned long long) page)
		if (*(unsigned long long *) (p + off) != (off ^ 0x5a5a5a5a5a5a5a5aULL)) {
			printf("corrupt %d %llu\n", (int) getpid(), off);
			return 1;
		}
	printf("intact %d\n", (int) getpid());
	for (;;)
		pause();
}
