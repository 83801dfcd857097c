/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tdbench: measure one teardown strategy on one victim shape, N times.
 *
 * A victim child maps and touches SIZE bytes (4K pages or THP; optionally
 * from several threads; optionally part shmem and part file-backed), parks
 * in pause(), and is SIGKILLed through its pidfd. Per run we report:
 *
 *   kill_wait_ms   SIGKILL -> waitid() returns (what a supervisor sees)
 *   kill_mem_ms    SIGKILL -> the memory is back (cgroup memory.current at
 *                  its baseline, or MemAvailable on hosts without cgroup v2)
 *   worker_cpu_ms  CPU time of our reaper threads (CLOCK_THREAD_CPUTIME_ID)
 *   sys_cpu_ms     system-wide CPU time over the same window (/proc/stat),
 *                  which includes the kernel workers of the async modes
 *   esrch          process_mrelease/PIDFD_REAP calls that returned ESRCH
 *   reaped_mb      bytes our reapers unmapped
 *
 * Strategies: sync (today's exit), async (memory.teardown_mode=async),
 * reaper (teardown_mode=reaper, PIDFD_REAP_WATCH, N workers claim chunks,
 * then RELEASE), join (sync mode but watched: N workers join the exiting
 * task's exit_mmap), mrelease (kill then process_mrelease from N threads,
 * as lmkd, earlyoom and oomd do today).
 *
 * This is a benchmark, not a test: it prints figures and exits 0 unless it
 * could not run. tests/bench/run drives it and does the statistics.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/pidfd_reap.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif

enum strategy { S_SYNC, S_ASYNC, S_REAPER, S_JOIN, S_MRELEASE };
static const char *const strategy_names[] = { "sync", "async", "reaper", "join", "mrelease" };

struct opts {
	uint64_t size;
	bool thp;
	unsigned int threads;	/* victim threads touching memory */
	bool mixed;		/* part shmem, part file-backed */
	enum strategy strategy;
	unsigned int workers;
	unsigned int runs;
	uint64_t chunk;
	const char *cgroup;	/* victim cgroup (v2 directory), or NULL */
	const char *worker_cgroup; /* threaded cgroup for the reapers, or NULL */
	const char *label;
	bool header;
	bool hold;		/* --hold: be the victim, no benchmark */
};

/* the live victim, if any: killed on the way out so a failed run leaks nothing */
static pid_t victim_pid;

static int die(const char *what)
{
	fprintf(stderr, "tdbench: %s: %s\n", what, strerror(errno));
	if (victim_pid > 0)
		kill(victim_pid, SIGKILL);
	exit(1);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[4096];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int64_t read_u64_file(const char *dir, const char *name)
{
	char path[4096], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return (int64_t)strtoull(buf, NULL, 10);
}

/* Bytes in use: the victim cgroup's memory.current, else MemTotal - MemAvailable. */
static int64_t mem_in_use(const struct opts *o)
{
	char line[256];
	int64_t total = -1, avail = -1;
	FILE *f;

	if (o->cgroup)
		return read_u64_file(o->cgroup, "memory.current");
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		long long v;

		if (sscanf(line, "MemTotal: %lld kB", &v) == 1)
			total = v * 1024;
		else if (sscanf(line, "MemAvailable: %lld kB", &v) == 1)
			avail = v * 1024;
	}
	fclose(f);
	return total < 0 || avail < 0 ? -EIO : total - avail;
}

/* Sum of user+nice+system+irq+softirq jiffies over all CPUs, in ns. */
static uint64_t sys_cpu_ns(void)
{
	unsigned long long u, n, s, idle, io, irq, sirq;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");
	uint64_t r = 0;

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &s, &idle, &io, &irq, &sirq) == 7)
		r = (u + n + s + irq + sirq) * (1000000000ull / (uint64_t)hz);
	fclose(f);
	return r;
}

struct victim_args {
	char *base;
	size_t len;
};

static void *toucher(void *p)
{
	struct victim_args *a = p;
	long pg = sysconf(_SC_PAGESIZE);

	for (size_t off = 0; off < a->len; off += pg)
		a->base[off] = 1;
	return NULL;
}

static void *idle_thread(void *p)
{
	for (;;)
		pause();
	return p;
}

static void *map_region(size_t len, int flags, int fd, bool thp)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/* Runs in the child: join the cgroup, build the address space, report, wait. */
static void victim(const struct opts *o, int ready_fd)
{
	unsigned int nt = o->threads ? o->threads : 1;
	struct victim_args *va = calloc(nt, sizeof(*va));
	pthread_t *tids = calloc(nt, sizeof(*tids));
	size_t len = o->size, anon = len, shm = 0, file = 0;
	char *a, *s = NULL, *fmap = NULL;

	if (!va || !tids)
		die("calloc");
	if (o->cgroup && write_file(o->cgroup, "cgroup.procs", "0") < 0)
		die("join victim cgroup");
	if (o->mixed) {
		/* half private anon, a quarter shmem, a quarter private file COW */
		anon = len / 2;
		shm = len / 4;
		file = len - anon - shm;
	}
	a = map_region(anon, MAP_PRIVATE | MAP_ANONYMOUS, -1, o->thp);
	if (shm) {
		s = map_region(shm, MAP_SHARED | MAP_ANONYMOUS, -1, o->thp);
		memset(s, 1, shm);
	}
	if (file) {
		char tmpl[] = "/tmp/tdbench.XXXXXX";
		int fd = mkstemp(tmpl);

		if (fd < 0 || ftruncate(fd, file) < 0)
			die("file mapping");
		unlink(tmpl);
		fmap = map_region(file, MAP_PRIVATE, fd, false);
		memset(fmap, 1, file);
		close(fd);
	}
	for (unsigned int i = 0; i < nt; i++) {
		va[i].base = a + anon / nt * i;
		va[i].len = i == nt - 1 ? anon - anon / nt * i : anon / nt;
		if (pthread_create(&tids[i], NULL, toucher, &va[i]))
			die("pthread_create");
	}
	for (unsigned int i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	/* Keep the threads alive in the multi-threaded case: exit_mm runs per thread. */
	for (unsigned int i = 1; i < nt; i++)
		pthread_create(&tids[i], NULL, idle_thread, NULL);
	if (o->hold) {
		printf("ready %d\n", getpid());
		fflush(stdout);
	} else if (write(ready_fd, "r", 1) != 1) {
		die("ready");
	}
	for (;;)
		pause();
}

struct reaper {
	pthread_t tid;
	int pidfd;
	const struct opts *o;
	uint64_t reaped, cpu_ns;
	unsigned int esrch, calls;
	int err;
};

static void reaper_join_cgroup(const struct opts *o)
{
	char tid[32];

	if (!o->worker_cgroup)
		return;
	/* "0": this thread, without cgroup_threadgroup_rwsem (lib/reap.c) */
	snprintf(tid, sizeof(tid), "0");
	if (write_file(o->worker_cgroup, "cgroup.threads", tid) < 0)
		die("join worker cgroup");
}

static void *reaper_thread(void *p)
{
	struct reaper *r = p;
	const struct opts *o = r->o;

	reaper_join_cgroup(o);
	if (o->strategy == S_MRELEASE) {
		/* as userspace killers do today: one try per thread, right after the kill */
		r->calls++;
		if (syscall(__NR_process_mrelease, r->pidfd, 0) < 0) {
			if (errno == ESRCH)
				r->esrch++;
			else
				r->err = errno;
		}
	} else {
		for (;;) {
			struct pidfd_reap_args a = { .flags = PIDFD_REAP_NEXT, .chunk = o->chunk };

			r->calls++;
			if (ioctl(r->pidfd, PIDFD_REAP, &a) < 0) {
				if (errno == ESRCH)
					r->esrch++;
				else if (errno == EINTR)
					continue;
				else if (errno == EAGAIN) {
					/* dying, the mm not handed over yet: EPOLLPRI comes with it */
					struct pollfd pfd = { .fd = r->pidfd, .events = POLLPRI | POLLIN };

					poll(&pfd, 1, 1000);
					continue;
				} else if (errno == EBUSY) {
					/*
					 * Not dying yet: the kill is in flight. Nap as
					 * teardownd's engine does (lib/reap.c): two
					 * threads spinning here on 2 CPUs would keep
					 * the victim from running its exit.
					 */
					struct timespec ts = { .tv_nsec = 1000 * 1000 };

					nanosleep(&ts, NULL);
					continue;
				}
				else
					r->err = errno;
				break;
			}
			r->reaped += a.reaped;
			if (!a.next || a.state == PIDFD_REAP_STATE_GONE)
				break;
		}
	}
	r->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

static const char *mode_for(enum strategy s)
{
	switch (s) {
	case S_ASYNC: return "async";
	case S_REAPER: return "reaper";
	default: return "sync";
	}
}

static void one_run(const struct opts *o, unsigned int run)
{
	unsigned int nw = (o->strategy == S_SYNC || o->strategy == S_ASYNC) ? 0 : o->workers;
	struct reaper *rs = calloc(nw ? nw : 1, sizeof(*rs));
	uint64_t t0, t_wait = 0, t_mem = 0, cpu0, cpu1, worker_ns = 0, reaped = 0;
	unsigned int esrch = 0;
	int64_t base, cur, slack;
	int pipefd[2], pidfd;
	siginfo_t si;
	pid_t pid;
	char c;

	if (!rs)
		die("calloc");
	if (o->cgroup) {
		if (write_file(o->cgroup, TEARDOWN_MODE_FILE, mode_for(o->strategy)) < 0 &&
		    o->strategy != S_SYNC && o->strategy != S_MRELEASE)
			die("set " TEARDOWN_MODE_FILE);
		write_file(o->cgroup, TEARDOWN_MIN_FILE, "0");
	}
	base = mem_in_use(o);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(pipefd[0]);
		victim(o, pipefd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	victim_pid = pid;
	if (read(pipefd[0], &c, 1) != 1) {
		fprintf(stderr, "tdbench: victim died while building its address space\n");
		exit(1);
	}
	close(pipefd[0]);
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("pidfd_open");
	if ((o->strategy == S_REAPER || o->strategy == S_JOIN) && ioctl(pidfd, PIDFD_REAP_WATCH, 0) < 0)
		die("PIDFD_REAP_WATCH");
	/* what the victim added: memory must come back to base + 2% of that */
	cur = mem_in_use(o);
	slack = (cur - base) / 50;
	if (slack < (4 << 20))
		slack = 4 << 20;

	cpu0 = sys_cpu_ns();
	t0 = now_ns(CLOCK_MONOTONIC);
	if (syscall(__NR_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		die("pidfd_send_signal");
	for (unsigned int i = 0; i < nw; i++) {
		rs[i].pidfd = pidfd;
		rs[i].o = o;
		if (pthread_create(&rs[i].tid, NULL, reaper_thread, &rs[i]))
			die("pthread_create");
	}
	if (waitid(P_PIDFD, pidfd, &si, WEXITED) < 0)
		die("waitid");
	victim_pid = 0;
	t_wait = now_ns(CLOCK_MONOTONIC) - t0;
	for (unsigned int i = 0; i < nw; i++) {
		pthread_join(rs[i].tid, NULL);
		worker_ns += rs[i].cpu_ns;
		reaped += rs[i].reaped;
		esrch += rs[i].esrch;
		if (rs[i].err)
			fprintf(stderr, "tdbench: worker %u: %s\n", i, strerror(rs[i].err));
	}
	if (o->strategy == S_REAPER || o->strategy == S_JOIN) {
		struct pidfd_reap_args a = { .flags = PIDFD_REAP_RELEASE };

		if (ioctl(pidfd, PIDFD_REAP, &a) < 0) {
			if (errno == ESRCH)
				esrch++;
			else
				fprintf(stderr, "tdbench: RELEASE: %s\n", strerror(errno));
		}
	}
	/* memory back: poll every 200 us, give up after 60 s */
	for (;;) {
		cur = mem_in_use(o);
		t_mem = now_ns(CLOCK_MONOTONIC) - t0;
		if (cur >= 0 && cur <= base + slack)
			break;
		if (t_mem > 60ull * 1000000000ull) {
			fprintf(stderr, "tdbench: memory not back after 60 s (%" PRId64 " > %" PRId64 ")\n",
				cur, base + slack);
			break;
		}
		usleep(200);
	}
	cpu1 = sys_cpu_ns();
	close(pidfd);

	printf("%s,%s,%" PRIu64 ",%s,%u,%s,%u,%u,%.3f,%.3f,%.3f,%.3f,%u,%.1f\n",
	       o->label ? o->label : "-", strategy_names[o->strategy], o->size >> 20,
	       o->thp ? "thp" : "4k", o->threads ? o->threads : 1, o->mixed ? "mixed" : "anon",
	       nw, run, t_wait / 1e6, t_mem / 1e6, worker_ns / 1e6, (cpu1 - cpu0) / 1e6, esrch,
	       reaped / 1048576.0);
	fflush(stdout);
	free(rs);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': case 'g': v <<= 30; break;
	case 'M': case 'm': v <<= 20; break;
	case 'K': case 'k': v <<= 10; break;
	case 0: break;
	default: fprintf(stderr, "tdbench: bad size '%s'\n", s); exit(2);
	}
	return v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tdbench --strategy sync|async|reaper|join|mrelease [options]\n"
		"  --size BYTES        victim size (K/M/G suffix), default 1G\n"
		"  --thp               use transparent huge pages (default: 4K, MADV_NOHUGEPAGE)\n"
		"  --threads N         victim threads touching memory (default 1)\n"
		"  --mixed             half private anon, a quarter shmem, a quarter file COW\n"
		"  --workers N         reaper threads (reaper, join, mrelease), default 2\n"
		"  --chunk BYTES       claim size for PIDFD_REAP_NEXT (default: kernel's)\n"
		"  --runs N            repetitions, default 5\n"
		"  --cgroup DIR        victim cgroup v2 directory (sets memory.teardown_mode)\n"
		"  --worker-cgroup DIR threaded cgroup the reaper threads join\n"
		"  --label TEXT        first CSV column\n"
		"  --header            print the CSV header first\n"
		"  --hold              no benchmark: become a victim of this shape in the\n"
		"                      current cgroup, print 'ready' and wait to be killed\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "thp", no_argument, NULL, 'T' },
		{ "threads", required_argument, NULL, 't' },
		{ "mixed", no_argument, NULL, 'm' },
		{ "workers", required_argument, NULL, 'w' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'r' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "worker-cgroup", required_argument, NULL, 'W' },
		{ "label", required_argument, NULL, 'l' },
		{ "header", no_argument, NULL, 'H' },
		{ "hold", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .size = 1ull << 30, .workers = 2, .runs = 5, .strategy = S_SYNC };
	bool have_strategy = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) >= 0) {
		switch (c) {
		case 's':
			for (unsigned int i = 0; i < sizeof(strategy_names) / sizeof(*strategy_names); i++)
				if (!strcmp(optarg, strategy_names[i])) {
					o.strategy = i;
					have_strategy = true;
				}
			if (!have_strategy) {
				fprintf(stderr, "tdbench: unknown strategy '%s'\n", optarg);
				return 2;
			}
			break;
		case 'z': o.size = parse_size(optarg); break;
		case 'T': o.thp = true; break;
		case 't': o.threads = atoi(optarg); break;
		case 'm': o.mixed = true; break;
		case 'w': o.workers = atoi(optarg); break;
		case 'c': o.chunk = parse_size(optarg); break;
		case 'r': o.runs = atoi(optarg); break;
		case 'g': o.cgroup = optarg; break;
		case 'W': o.worker_cgroup = optarg; break;
		case 'l': o.label = optarg; break;
		case 'H': o.header = true; break;
		case 'O': o.hold = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.hold) {
		/* a victim for demos and suites: stdout says when it is built */
		o.cgroup = NULL;
		victim(&o, STDOUT_FILENO);
	}
	if (!have_strategy || o.size < (2 << 20) || !o.runs) {
		usage(stderr);
		return 2;
	}
	if (o.header)
		printf("case,strategy,size_mb,pages,threads,kind,workers,run,kill_wait_ms,kill_mem_ms,worker_cpu_ms,sys_cpu_ms,esrch,reaped_mb\n");
	for (unsigned int i = 0; i < o.runs; i++)
		one_run(&o, i);
	return 0;
}
