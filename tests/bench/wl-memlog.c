/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wl-memlog CGDIR INTERVAL_MS SECONDS: what a userspace OOM killer reads,
 * sampled every INTERVAL_MS for SECONDS (or until SIGTERM), one line each:
 *
 *   T_US MEMAVAILABLE_KB CG_CURRENT_KB SOME_TOTAL_US FULL_TOTAL_US
 *
 * T_US is CLOCK_MONOTONIC; MemAvailable from /proc/meminfo (earlyoom's
 * figure); memory.current of CGDIR, and the "some" and "full" total stall
 * time of CGDIR/memory.pressure (systemd-oomd's figure: it derives its
 * averages from these). The files stay open: a sample costs three preads,
 * no allocation, so sampling goes on while memory is short.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig) {
	(void) sig;
	stop = 1;
}

static int64_t now_us(void) {
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static ssize_t pread_str(int fd, char *buf, size_t size) {
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static int open_in(const char *dir, const char *name) {
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char *argv[]) {
	long interval_ms, seconds;
	int meminfo, current, pressure;
	struct sigaction sa = { .sa_handler = on_term };
	int64_t end;
	char buf[4096];

	if (argc != 4 || (interval_ms = atol(argv[2])) <= 0 || (seconds = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: wl-memlog CGDIR INTERVAL_MS SECONDS\n");
		return 2;
	}
	meminfo = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	current = open_in(argv[1], "memory.current");
	pressure = open_in(argv[1], "memory.pressure");
	if (meminfo < 0 || current < 0 || pressure < 0) {
		fprintf(stderr, "wl-memlog: cannot open /proc/meminfo or %s/memory.{current,pressure}: %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	(void) mlockall(MCL_CURRENT | MCL_FUTURE);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	end = now_us() + (int64_t) seconds * 1000000;
	while (!stop && now_us() < end) {
		long long avail = -1, cur = -1, some = -1, full = -1;
		struct timespec ts = { .tv_sec = interval_ms / 1000, .tv_nsec = (interval_ms % 1000) * 1000000 };
		int64_t t = now_us();
		char *s;

		if (pread_str(meminfo, buf, sizeof(buf)) > 0 && (s = strstr(buf, "MemAvailable:")))
			avail = strtoll(s + strlen("MemAvailable:"), NULL, 10);
		if (pread_str(current, buf, sizeof(buf)) > 0)
			cur = strtoll(buf, NULL, 10) >> 10;
		if (pread_str(pressure, buf, sizeof(buf)) > 0) {
			if ((s = strstr(buf, "some ")) && (s = strstr(s, "total=")))
				some = strtoll(s + 6, NULL, 10);
			if ((s = strstr(buf, "full ")) && (s = strstr(s, "total=")))
				full = strtoll(s + 6, NULL, 10);
		}
		printf("%" PRId64 " %lld %lld %lld %lld\n", t, avail, cur, some, full);
		nanosleep(&ts, NULL);
	}
	fflush(stdout);
	return 0;
}
