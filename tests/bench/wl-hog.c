/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wl-hog SIZE_MB RATE_MB_S LOG: a service whose heap grows to SIZE_MB MiB at
 * RATE_MB_S MiB/s in steps of 8 MiB (anonymous memory, 4K pages, every page
 * written), then holds it until it is killed. The workload of the OOM-killer
 * scenario of tests/bench/workloads: several of these overcommit the guest.
 *
 * Appends to LOG (opened before the first allocation, so writing to it needs
 * no memory of note) one line per event, with CLOCK_MONOTONIC in us:
 *   start T_US PID
 *   grown T_US RSS_KB     the whole SIZE_MB is resident
 * SIGTERM ends it at once like SIGKILL (the default action): a killer that
 * sends SIGTERM first sees the same exit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define STEP_MB 8

static int64_t now_us(void) {
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long vmrss_kb(void) {
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int main(int argc, char *argv[]) {
	long size_mb, rate, page = sysconf(_SC_PAGESIZE);
	int64_t t_start, due;
	size_t size;
	FILE *log;
	char *p;

	if (argc != 4 || (size_mb = atol(argv[1])) <= 0 || (rate = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: wl-hog SIZE_MB RATE_MB_S LOG\n");
		return 2;
	}
	log = fopen(argv[3], "ae");
	if (!log) {
		fprintf(stderr, "wl-hog: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	setvbuf(log, NULL, _IOLBF, 0);
	size = (size_t) size_mb << 20;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "wl-hog: mmap %ld MiB: %s\n", size_mb, strerror(errno));
		return 1;
	}
	(void) madvise(p, size, MADV_NOHUGEPAGE);

	t_start = now_us();
	fprintf(log, "start %" PRId64 " %d\n", t_start, (int) getpid());
	for (long mb = 0; mb < size_mb; mb += STEP_MB) {
		size_t end = (size_t) (mb + STEP_MB < size_mb ? mb + STEP_MB : size_mb) << 20;

		for (size_t off = (size_t) mb << 20; off < end; off += (size_t) page)
			p[off] = 1;
		/* the rate is a ceiling: under pressure the faults themselves are slower */
		due = t_start + (int64_t) (mb + STEP_MB) * 1000000 / rate;
		while (now_us() < due)
			usleep((useconds_t) (due - now_us() > 0 ? due - now_us() : 0));
	}
	fprintf(log, "grown %" PRId64 " %ld\n", now_us(), vmrss_kb());
	for (;;)
		pause();
}
