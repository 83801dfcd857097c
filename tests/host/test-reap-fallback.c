/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process_mrelease fallback of the reap engine, for real, on the host's
 * stock kernel: a 256 MiB child is killed and reaped through reap_run(). The
 * engine either frees memory or says why not (ESRCH: the child's own exit got
 * there first); both are legitimate on a stock kernel, silence is not.
 * TAP output. Exit 77 only when this cannot run at all (no pidfd_open).
 */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <stdarg.h>

#include "teardownd/macro.h"
#include "teardownd/reap.h"

#define SIZE (256ULL << 20)

static int tests;
static int failed;

static void ok(bool cond, const char *fmt, ...) _printf_(2, 3);
static void ok(bool cond, const char *fmt, ...) {
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failed++;
}

/* A child holding SIZE bytes of touched anonymous memory, ready when it wrote to the pipe. */
static pid_t spawn_hog(void) {
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			_exit(1);
		/* MADV_NOHUGEPAGE: 4K pages, the slow teardown we want to race */
		(void) madvise(m, SIZE, MADV_NOHUGEPAGE);
		memset(m, 0x5a, SIZE);
		(void) write(p[1], "r", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return pid;
}

int main(void) {
	ReapOptions o = REAP_OPTIONS_INIT;
	unsigned reaped = 0, esrch = 0;
	int backend, fd, r;
	pid_t pid;

	fd = reap_pidfd_open(getpid());
	if (fd < 0) {
		printf("1..0 # SKIP pidfd_open unavailable: %s\n", strerror(-fd));
		return 77;
	}
	close(fd);

	printf("1..15\n");

	backend = reap_probe_backend();
	ok(backend == REAP_BACKEND_MRELEASE || backend == REAP_BACKEND_PIDFD_REAP,
	   "reap_probe_backend() = %d (%s)", backend, strna(reap_backend_to_string(backend)));

	fd = reap_pidfd_open(getpid());
	r = reap_watch(fd);
	if (backend == REAP_BACKEND_MRELEASE)
		ok(r == -ENOTTY, "PIDFD_REAP_WATCH on a stock kernel answers ENOTTY (got %s)", strerror(-r));
	else
		ok(r == 0, "PIDFD_REAP_WATCH on self works on the patched kernel (got %s)", strerror(-r));
	close(fd);

	/* An alive child: the engine must refuse and say why, not pretend. */
	pid = spawn_hog();
	if (pid < 0) {
		printf("Bail out! fork/mmap of the hog failed\n");
		return 1;
	}
	fd = reap_pidfd_open(pid);
	{
		ReapResult res = {};

		o.backend = REAP_BACKEND_MRELEASE;
		o.busy_retry_usec = 20 * USEC_PER_MSEC;
		r = reap_run(fd, &o, &res);
		ok(r == -EBUSY && res.reason[0] != '\0',
		   "reap_run on a live process refuses with EBUSY and a reason (r=%d: %s)", r, res.reason);
	}
	syscall(__NR_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, 0);
	close(fd);

	/* Five kills: each either reaps through process_mrelease or reports ESRCH with a reason. */
	for (int i = 0; i < 5; i++) {
		ReapResult res = {};

		pid = spawn_hog();
		if (pid < 0) {
			printf("Bail out! fork/mmap of the hog failed\n");
			return 1;
		}
		fd = reap_pidfd_open(pid);
		if (syscall(__NR_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0) {
			printf("Bail out! pidfd_send_signal: %m\n");
			return 1;
		}
		o.backend = REAP_BACKEND_MRELEASE;
		o.busy_retry_usec = 0;
		r = reap_run(fd, &o, &res);
		if (r == 0 && res.esrch == 0) {
			reaped++;
			ok(res.backend == REAP_BACKEND_MRELEASE && res.workers == 1 &&
			   res.rss_before >= SIZE && res.bytes > 0 && res.bytes <= res.rss_before,
			   "kill %d: process_mrelease reaped %llu of %llu bytes in %llu us, worker cpu %llu us",
			   i, (unsigned long long) res.bytes, (unsigned long long) res.rss_before,
			   (unsigned long long) res.duration_usec, (unsigned long long) res.cpu_usec);
		} else if (r == 0 && res.esrch == 1) {
			esrch++;
			ok(res.bytes == 0 && res.reason[0] != '\0',
			   "kill %d: ESRCH reported honestly: %s", i, res.reason);
		} else
			ok(false, "kill %d: reap_run failed: %s (%s)", i, strerror(-r), res.reason);
		waitpid(pid, NULL, 0);

		/* after waitpid the pid is gone: the engine must not reap anything through this pidfd */
		{
			ReapResult res2 = {};

			r = reap_run(fd, &o, &res2);
			ok((r == 0 && res2.bytes == 0 && res2.esrch == 1) || r == -ESRCH || r == -EBUSY,
			   "kill %d: a second reap after waitpid frees nothing (r=%d, bytes=%llu: %s)",
			   i, r, (unsigned long long) res2.bytes, res2.reason);
		}
		close(fd);
	}

	ok(reaped + esrch == 5, "%u of 5 kills reaped by process_mrelease, %u answered ESRCH", reaped, esrch);
	{
		ReapResult res = {};
		ReapOptions bad = REAP_OPTIONS_INIT;

		bad.chunk = 4096;
		ok(reap_run(0, &bad, &res) == -EINVAL, "a chunk that is not a multiple of 2 MiB is rejected");
	}
	return failed ? 1 : 0;
}
