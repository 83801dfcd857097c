/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wl-restart: time one "systemctl restart UNIT" of a big server, as its
 * clients and the machine see it.
 *
 * usage: wl-restart --unit UNIT --pid PID --slice CGDIR --unit-cgroup CGDIR
 *                   (--redis HOST:PORT | --probe-cmd CMD) [--tolerance-mb N]
 *                   [--timeout SEC]
 *
 * PID is the unit's main process before the restart; the unit sits alone in
 * the slice CGDIR. The program opens a pidfd on PID, reads the charges of
 * the slice and of the unit, takes t0 = CLOCK_MONOTONIC and runs
 * "systemctl restart UNIT". Then it waits in poll() for:
 *
 *   exit_ms    PID's pidfd polls readable: the old instance has exited
 *              (a zombie: in sync mode only after exit_mmap freed its
 *              memory, in async and reaper mode at once)
 *   gone_ms    PID's pidfd polls POLLHUP: systemd has reaped it (the
 *              kernel wakes pidfd pollers when the pid is released)
 *   ready_ms   the first answer of the new instance: a +PONG to an inline
 *              PING on HOST:PORT, or CMD exiting 0 (each tried every 10 ms).
 *              Only asked once the old instance has exited, so no answer
 *              can come from it
 *   cmd_ms     systemctl restart returned
 *   memback_ms the slice gave back what the old instance held: its charge
 *              minus the new instance's is within N MiB (default 16) of
 *              what the slice held besides the unit before. systemd
 *              removes the unit's cgroup when the old instance is gone and
 *              makes a new one for the next: a unit cgroup with the old
 *              inode is the old instance's (parked memory stays charged
 *              there), and only one with a new inode counts as the new
 *              instance's
 *
 * and systemctl's exit (a pidfd, too). memback_ms is sampled every 2 ms, on
 * memory.current files kept open. The poller is the benchmark's own load on
 * the guest, competing with what it measures: its CPU time (and that of its
 * children: systemctl, CMD) is printed as self_cpu_ms and child_cpu_ms. It
 * used to poll every figure every 2 ms, with an open() per read: 225-415 ms
 * of CPU per restart of Redis at 1.5 GiB (workloads-raw.csv of 2026-12-03
 * and 2026-12-04), a sixth of a vCPU while it ran.
 *
 * Prints one line of key=value pairs, t0_us among them, so that systemd's
 * own monotonic timestamps of the same restart can be put beside these.
 * A figure that never happened within the timeout is -1. Exit status 0
 * when every figure was seen, 1 otherwise, 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void) {
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* CPU time of this process (RUSAGE_SELF) or its waited-for children, in ms */
static double cpu_ms(int who) {
	struct rusage r = {};

	(void) getrusage(who, &r);
	return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000.0 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1000.0;
}

static ino_t dir_ino(const char *dir) {
	struct stat st;

	return stat(dir, &st) < 0 ? 0 : st.st_ino;
}

/* DIR/memory.current opened, -1 if it cannot be (the unit's cgroup is
 * removed and made anew during the restart) */
static int cg_open(const char *dir) {
	char path[4096];

	snprintf(path, sizeof(path), "%s/memory.current", dir);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* the value of an open memory.current in bytes, -1 if it cannot be read
 * (the cgroup was removed) */
static int64_t cg_read(int fd) {
	char buf[64];
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

static int64_t cg_current(const char *dir) {
	int fd = cg_open(dir);
	int64_t v = cg_read(fd);

	if (fd >= 0)
		close(fd);
	return v;
}

static long vmrss_kb(pid_t pid) {
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* true when HOST:PORT answers an inline PING with +PONG within 200 ms */
static bool redis_pong(const struct sockaddr_in *sa) {
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	char buf[16] = "";
	bool ok = false;
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) == 0 &&
	    write(fd, "PING\r\n", 6) == 6) {
		n = read(fd, buf, sizeof(buf) - 1);
		ok = n >= 5 && memcmp(buf, "+PONG", 5) == 0;
	}
	close(fd);
	return ok;
}

static bool cmd_ok(const char *cmd) {
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void usage(FILE *f) {
	fputs("usage: wl-restart --unit UNIT --pid PID --slice CGDIR --unit-cgroup CGDIR\n"
	      "                  (--redis HOST:PORT | --probe-cmd CMD) [--tolerance-mb N] [--timeout SEC]\n", f);
}

static double ms(int64_t t, int64_t t0) {
	return t < 0 ? -1.0 : (double) (t - t0) / 1000.0;
}

int main(int argc, char *argv[]) {
	static const struct option opts[] = {
		{ "unit", required_argument, NULL, 'u' },
		{ "pid", required_argument, NULL, 'p' },
		{ "slice", required_argument, NULL, 's' },
		{ "unit-cgroup", required_argument, NULL, 'c' },
		{ "redis", required_argument, NULL, 'r' },
		{ "probe-cmd", required_argument, NULL, 'x' },
		{ "tolerance-mb", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *unit = NULL, *slice = NULL, *unit_cg = NULL, *redis = NULL, *probe_cmd = NULL;
	int64_t t0, t_exit = -1, t_gone = -1, t_ready = -1, t_cmd = -1, t_memback = -1, t_probe = 0, next_sample = 0;
	int64_t slice_before, unit_before, other_before, tolerance = 16LL << 20, deadline;
	long timeout_s = 120, rss_kb;
	ino_t old_ino;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	pid_t pid = 0, cmd;
	int c, pidfd, cmdfd, slicefd, unitfd = -1, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': unit = optarg; break;
		case 'p': pid = (pid_t) atol(optarg); break;
		case 's': slice = optarg; break;
		case 'c': unit_cg = optarg; break;
		case 'r': redis = optarg; break;
		case 'x': probe_cmd = optarg; break;
		case 't': tolerance = atoll(optarg) << 20; break;
		case 'T': timeout_s = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!unit || pid <= 0 || !slice || !unit_cg || !!redis == !!probe_cmd || timeout_s <= 0) {
		usage(stderr);
		return 2;
	}
	if (redis) {
		char host[64];
		unsigned port;

		if (sscanf(redis, "%63[^:]:%u", host, &port) != 2 || port > 65535 ||
		    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
			fprintf(stderr, "wl-restart: --redis wants IPV4:PORT, got '%s'\n", redis);
			return 2;
		}
		sa.sin_port = htons((uint16_t) port);
	}

	pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "wl-restart: pidfd_open(%d): %s\n", (int) pid, strerror(errno));
		return 1;
	}
	rss_kb = vmrss_kb(pid);
	slice_before = cg_current(slice);
	unit_before = cg_current(unit_cg);
	if (slice_before < 0 || unit_before < 0) {
		fprintf(stderr, "wl-restart: cannot read memory.current of %s or %s\n", slice, unit_cg);
		return 1;
	}
	other_before = slice_before - unit_before;
	old_ino = dir_ino(unit_cg);

	t0 = now_us();
	cmd = fork();
	if (cmd < 0) {
		fprintf(stderr, "wl-restart: fork: %s\n", strerror(errno));
		return 1;
	}
	if (cmd == 0) {
		execlp("systemctl", "systemctl", "restart", unit, (char *) NULL);
		_exit(127);
	}
	deadline = t0 + (int64_t) timeout_s * 1000000;
	cmdfd = (int) syscall(SYS_pidfd_open, cmd, 0);
	slicefd = cg_open(slice);

	for (;;) {
		struct pollfd p[2] = {
			/* POLLHUP is reported without being asked for */
			{ .fd = t_gone < 0 ? pidfd : -1, .events = t_exit < 0 ? POLLIN : 0 },
			{ .fd = t_cmd < 0 ? cmdfd : -1, .events = POLLIN },
		};
		int64_t t = now_us(), wake = deadline;

		if (t_memback < 0 || (t_cmd < 0 && cmdfd < 0))
			wake = next_sample;
		if (t_exit >= 0 && t_ready < 0 && t_probe + 10000 < wake)
			wake = t_probe + 10000;
		if (poll(p, 2, wake > t ? (int) ((wake - t + 999) / 1000) : 0) < 0 && errno != EINTR) {
			fprintf(stderr, "wl-restart: poll: %s\n", strerror(errno));
			break;
		}
		t = now_us();
		if (t_exit < 0 && (p[0].revents & (POLLIN | POLLHUP)))
			t_exit = t;
		if (t_gone < 0 && (p[0].revents & POLLHUP))
			t_gone = t;
		if (t_cmd < 0 && (cmdfd < 0 || (p[1].revents & POLLIN)) &&
		    waitpid(cmd, &status, WNOHANG) == cmd) {
			t_cmd = t;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				fprintf(stderr, "wl-restart: systemctl restart %s failed (status %#x)\n", unit, status);
		}
		if (t >= next_sample) {
			next_sample = t + 2000;
			if (t_memback < 0) {
				int64_t sl = cg_read(slicefd), u = 0;
				ino_t ino;

				if (unitfd < 0 && (ino = dir_ino(unit_cg)) != 0 && ino != old_ino)
					unitfd = cg_open(unit_cg);
				if (unitfd >= 0)
					u = cg_read(unitfd);
				if (sl >= 0 && sl - (u > 0 ? u : 0) <= other_before + tolerance)
					t_memback = t;
			}
		}
		/* last: a probe may block (a PING up to 200 ms), the figures above use t */
		if (t_exit >= 0 && t_ready < 0 && t - t_probe >= 10000) {
			t_probe = t;
			if (redis ? redis_pong(&sa) : cmd_ok(probe_cmd))
				t_ready = now_us();
		}
		if ((t_exit >= 0 && t_gone >= 0 && t_ready >= 0 && t_cmd >= 0 && t_memback >= 0) || t > deadline)
			break;
	}
	if (t_cmd < 0 && waitpid(cmd, &status, 0) == cmd)
		t_cmd = now_us(); /* past the deadline: reported, but flagged by the others */

	printf("t0_us=%" PRId64 " old_pid=%d old_rss_kb=%ld slice_before_kb=%" PRId64 " unit_before_kb=%" PRId64
	       " exit_ms=%.1f gone_ms=%.1f ready_ms=%.1f cmd_ms=%.1f memback_ms=%.1f self_cpu_ms=%.1f child_cpu_ms=%.1f\n",
	       t0, (int) pid, rss_kb, slice_before >> 10, unit_before >> 10,
	       ms(t_exit, t0), ms(t_gone, t0), ms(t_ready, t0), ms(t_cmd, t0), ms(t_memback, t0), cpu_ms(RUSAGE_SELF),
	       cpu_ms(RUSAGE_CHILDREN));
	return t_exit >= 0 && t_gone >= 0 && t_ready >= 0 && t_memback >= 0 ? 0 : 1;
}
