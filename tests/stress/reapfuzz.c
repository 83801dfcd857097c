/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reapfuzz: random pidfd reaper ioctls from an unprivileged user.
 *
 * Root starts two target processes that each fill a buffer with a known
 * pattern, opens pidfds to them, then drops to nobody (no capabilities) and
 * throws random ioctl numbers and random struct pidfd_reap_args at those
 * pidfds and at fds that are not pidfds. Afterwards, as root again, it
 * checks that every privileged call was refused and that the targets are
 * alive with their memory intact. Kernel warnings are caught by the VM
 * runner's console scan. TAP on stdout.
 *
 * usage: reapfuzz [ITERATIONS] [SEED]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/pidfd_reap.h"

#define TARGET_BYTES (16u << 20)

static unsigned int tap_n, tap_fail;

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_fail++;
}

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ (uint64_t)random();
}

/* Interesting values more often than uniform noise. */
static uint64_t rnd_val(void)
{
	static const uint64_t special[] = {
		0, 1, 4096, 4095, 2u << 20, (2u << 20) + 4096, 32u << 20, 1ull << 47,
		(1ull << 47) - 4096, ~0ull, ~0ull - 4095, 0x7fffffffffffull, 1ull << 63,
	};

	if (random() % 3)
		return special[random() % (sizeof(special) / sizeof(*special))];
	return rnd64();
}

static pid_t spawn_target(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		unsigned char *buf = mmap(NULL, TARGET_BYTES, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int bad = 0;

		if (buf == MAP_FAILED)
			_exit(2);
		for (size_t i = 0; i < TARGET_BYTES; i++)
			buf[i] = (unsigned char)(i * 7);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		/* SIGUSR1: verify the pattern and exit 0 if intact */
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sigwait(&set, &sig);
		for (size_t i = 0; i < TARGET_BYTES; i++)
			bad |= buf[i] != (unsigned char)(i * 7);
		_exit(bad ? 3 : 0);
	}
	close(p[1]);
	*ready = read(p[0], &c, 1) == 1;
	close(p[0]);
	return pid;
}

struct fuzz_counts {
	unsigned long refused, allowed_query, bad_success;
	unsigned long by_errno[256];
};

static void fuzz(const int *fds, int nfds, unsigned long iters, struct fuzz_counts *fc)
{
	for (unsigned long i = 0; i < iters; i++) {
		struct pidfd_reap_args a = {
			.flags = random() % 4 ? (uint64_t)(random() % 8) : rnd64(),
			.start = rnd_val(), .end = rnd_val(), .chunk = rnd_val(),
			.reaped = rnd64(), .next = rnd64(), .rss_left = rnd64(),
			.state = (uint32_t)random(), .info = random() % 4 ? 0 : (uint32_t)random(),
		};
		int fd = fds[random() % nfds];
		unsigned long cmd;
		long r;

		switch (random() % 6) {
		case 0: cmd = PIDFD_REAP_WATCH; break;
		case 1: cmd = PIDFD_REAP_UNWATCH; break;
		case 2: case 3: cmd = PIDFD_REAP; break;
		case 4: cmd = _IOC(random() % 4, PIDFS_IOCTL_MAGIC, 0x40 + random() % 8, random() % 128); break;
		default: cmd = _IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC, 0x42, 32 + random() % 64); break;
		}
		if (random() % 50 == 0)
			a.start = a.end = 0;
		/* one call in twenty passes a wild pointer instead of &a */
		r = ioctl(fd, cmd, random() % 20 ? (unsigned long)&a : (unsigned long)rnd64());
		if (r < 0) {
			fc->refused++;
			fc->by_errno[errno & 255]++;
		} else if (cmd == PIDFD_REAP && a.flags == PIDFD_REAP_QUERY) {
			fc->allowed_query++;	/* QUERY is information, like /proc/PID/status */
		} else {
			fc->bad_success++;
			if (fc->bad_success <= 5)
				printf("# unprivileged call succeeded: cmd %#lx flags %#llx on fd %d\n",
				       cmd, (unsigned long long)a.flags, fd);
		}
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	unsigned int seed = argc > 2 ? strtoul(argv[2], NULL, 10) : (unsigned int)getpid();
	struct pidfd_reap_args probe = { .flags = PIDFD_REAP_QUERY };
	int fds[6], nfds = 0, ready[2] = { 0, 0 }, status = 0;
	struct fuzz_counts *fc;
	pid_t targets[2], fuzzer;

	printf("TAP version 13\n");
	if (geteuid() != 0) {
		printf("1..0 # SKIP must start as root to set up the targets\n");
		return 0;
	}
	srandom(seed);
	printf("# seed %u, %lu iterations\n", seed, iters);
	for (int i = 0; i < 2; i++) {
		targets[i] = spawn_target(&ready[i]);
		fds[nfds++] = syscall(__NR_pidfd_open, targets[i], 0);
	}
	tap(ready[0] && ready[1] && fds[0] >= 0 && fds[1] >= 0, "two root-owned targets with pidfds");
	if (ioctl(fds[0], PIDFD_REAP, &probe) < 0 && errno == ENOTTY) {
		printf("ok %u - # SKIP kernel without the pidfd reaper API\n1..%u\n", tap_n + 1, tap_n + 1);
		kill(targets[0], SIGKILL);
		kill(targets[1], SIGKILL);
		return 0;
	}
	fds[nfds++] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds[nfds++] = eventfd(0, EFD_CLOEXEC);
	fds[nfds++] = syscall(__NR_pidfd_open, getpid(), 0);
	fds[nfds++] = -1;

	fc = mmap(NULL, sizeof(*fc), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fc == MAP_FAILED) {
		tap(0, "mmap: %s", strerror(errno));
		return 1;
	}
	memset(fc, 0, sizeof(*fc));
	fflush(stdout);
	fuzzer = fork();
	if (fuzzer == 0) {
		/* nobody: no capabilities, not the targets' owner */
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		fuzz(fds, nfds, iters, fc);
		_exit(0);
	}
	tap(fuzzer > 0 && waitpid(fuzzer, &status, 0) == fuzzer && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "fuzzer ran as nobody to completion (status %#x)", status);
	printf("# refused %lu (EPERM %lu, EINVAL %lu, ENOTTY %lu, EBADF %lu, EFAULT %lu, EBUSY %lu), "
	       "queries answered %lu, privileged successes %lu\n",
	       fc->refused, fc->by_errno[EPERM], fc->by_errno[EINVAL], fc->by_errno[ENOTTY],
	       fc->by_errno[EBADF], fc->by_errno[EFAULT], fc->by_errno[EBUSY], fc->allowed_query,
	       fc->bad_success);
	tap(fc->refused + fc->allowed_query + fc->bad_success == iters, "all %lu calls returned", iters);
	tap(fc->bad_success == 0, "no privileged reaper call succeeded for an unprivileged caller (%lu)",
	    fc->bad_success);
	tap(fc->by_errno[EPERM] > 0, "EPERM seen (%lu): the permission check is reached",
	    fc->by_errno[EPERM]);

	/* root again: the targets must be alive with their memory intact */
	for (int i = 0; i < 2; i++) {
		int ok = kill(targets[i], SIGUSR1) == 0 && waitpid(targets[i], &status, 0) == targets[i] &&
			 WIFEXITED(status) && WEXITSTATUS(status) == 0;

		tap(ok, "target %d alive with its memory pattern intact (status %#x)", i, status);
	}
	printf("1..%u\n", tap_n);
	return tap_fail ? 1 : 0;
}
