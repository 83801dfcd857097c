/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stock-race: on a stock kernel, how often process_mrelease loses the race to
 * the victim's own exit, and when the memory is back, for three kills side by
 * side in one run, interleaved kill by kill so they share the machine's state:
 *
 *   plain     pidfd_send_signal(SIGKILL), nothing else (memory back at the exit)
 *   mrelease  the same, then process_mrelease at once (earlyoom, oomd)
 *   arranged  reap_kill(REAP_KILL_ARRANGED): teardownd's kill (victim pinned to
 *             the reaper's CPU, the reaper at SCHED_FIFO, kill, process_mrelease)
 *
 * Victims are children holding SIZE of touched anonymous memory, 4K pages
 * (MADV_NOHUGEPAGE) or THP (MADV_HUGEPAGE), optionally with more threads,
 * sleeping (pause) or busy (spinning on every CPU they get). A program that
 * prints figures, not a test: tests/host/test-stock-race.sh judges a short run.
 *
 * Per row: kills, lost (ESRCH), overlapped, reaped, failed, the lost-race rate,
 * memory back (kill -> process_mrelease returned when it reaped, else kill ->
 * pidfd readable, i.e. after exit_mm) median and p90, kill -> exit median, and
 * the share of the RSS our process_mrelease freed. --raw adds one line per kill.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "teardownd/macro.h"
#include "teardownd/reap.h"

#define MODES_MAX 4
/* the arranged kill with a second process_mrelease on another CPU (ReapKillOptions.helper) */
#define MODE_ARRANGED2 _REAP_KILL_MODE_MAX
#define SIZES_MAX 8

static unsigned arg_kills = 10;
static unsigned arg_threads = 1;
static bool arg_busy;
static bool arg_raw;
static bool arg_no_fifo;
static const char *arg_tag;
static uint64_t arg_sizes[SIZES_MAX] = { 256ULL << 20, 1ULL << 30 };
static unsigned arg_nsizes = 2;
static bool arg_kind_4k = true, arg_kind_thp = true;
static int arg_modes[MODES_MAX] = { REAP_KILL_PLAIN, REAP_KILL_MRELEASE, REAP_KILL_ARRANGED };
static unsigned arg_nmodes = 3;

static void *spin(void *p) {
	volatile unsigned long *x = p;
	for (;;)
		(*x)++;
	return NULL;
}

static void *sleeper(void *p) {
	(void) p;
	for (;;)
		pause();
	return NULL;
}

/* A child holding size bytes of touched anonymous memory, ready when it wrote to the pipe. */
static pid_t spawn_victim(uint64_t size, bool thp) {
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		static volatile unsigned long counter;
		char *m;

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		(void) madvise(m, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		for (uint64_t o = 0; o < size; o += 4096)
			m[o] = 1;
		for (unsigned i = 1; i < arg_threads; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, arg_busy ? spin : sleeper, (void *) &counter) != 0)
				_exit(1);
		}
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		if (arg_busy)
			spin((void *) &counter);
		sleeper(NULL);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		close(pfd[0]);
		(void) waitpid(pid, NULL, 0);
		return -EIO;
	}
	close(pfd[0]);
	return pid;
}

typedef struct Row {
	unsigned kills, lost, overlapped, reaped, failed, exited_only, arranged, not_exited, helped;
	uint64_t *back, *exit_t;
	double reaped_share;  /* sum of bytes_reaped / rss_before */
} Row;

static const char *mode_name(int m) {
	return m == MODE_ARRANGED2 ? "arranged2" : reap_kill_mode_to_string(m);
}

static int cmp_u64(const void *a, const void *b) {
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, unsigned n, double p) {
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return (double) v[(unsigned) ((n - 1) * p + 0.5)] / 1000.0;
}

static uint64_t parse_size(const char *s) {
	char *end;
	double v = strtod(s, &end);

	switch (*end) {
	case 'G': case 'g': return (uint64_t) (v * (1ULL << 30));
	case 'M': case 'm': return (uint64_t) (v * (1ULL << 20));
	case 'K': case 'k': return (uint64_t) (v * (1ULL << 10));
	default: return (uint64_t) v;
	}
}

static int one_kill(uint64_t size, bool thp, int mode, Row *row, const char *label) {
	ReapKillOptions o = {
		.mode = mode == MODE_ARRANGED2 ? REAP_KILL_ARRANGED : mode,
		.no_fifo = arg_no_fifo,
		.helper = mode == MODE_ARRANGED2,
	};
	ReapKillResult res;
	_cleanup_close_ int pidfd = -EBADF;
	pid_t pid;
	int r;

	pid = spawn_victim(size, thp);
	if (pid < 0) {
		fprintf(stderr, "stock-race: cannot start a victim: %s\n", strerror((int) -pid));
		return (int) pid;
	}
	pidfd = reap_pidfd_open(pid);
	if (pidfd < 0) {
		kill(pid, SIGKILL);
		(void) waitpid(pid, NULL, 0);
		return pidfd;
	}
	r = reap_kill(pidfd, &o, &res);
	if (r < 0) {
		fprintf(stderr, "stock-race: reap_kill: %s\n", strerror(-r));
		kill(pid, SIGKILL);
		(void) waitpid(pid, NULL, 0);
		return r;
	}
	(void) waitpid(pid, NULL, 0);

	row->kills++;
	row->lost += res.outcome == REAP_OUTCOME_LOST;
	row->overlapped += res.outcome == REAP_OUTCOME_OVERLAPPED;
	row->reaped += res.outcome == REAP_OUTCOME_REAPED;
	row->failed += res.outcome == REAP_OUTCOME_FAILED;
	row->exited_only += res.outcome == REAP_OUTCOME_EXITED;
	row->arranged += res.arranged;
	row->helped += res.helped;
	row->not_exited += !res.exited;
	row->back[row->kills - 1] = res.back_usec;
	row->exit_t[row->kills - 1] = res.exit_usec;
	if (res.rss_before > 0)
		row->reaped_share += (double) res.bytes_reaped / (double) res.rss_before;
	if (arg_raw)
		printf("raw %s %s outcome=%s arranged=%d fifo=%d threads=%u rss_before=%" PRIu64
		       " reaped=%" PRIu64 " by_exit=%" PRIu64 " arrange_us=%" PRIu64 " release_us=%" PRIu64
		       " exit_us=%" PRIu64 " back_us=%" PRIu64 "%s%s\n",
		       label, mode_name(mode), reap_outcome_to_string(res.outcome) ?: "-",
		       res.arranged, res.fifo, res.threads, res.rss_before, res.bytes_reaped, res.bytes_by_exit,
		       res.arrange_usec, res.release_usec, res.exit_usec, res.back_usec,
		       res.reason[0] ? " reason=" : "", res.reason);
	return 0;
}

static void help(void) {
	printf("usage: stock-race [--kills N] [--sizes 256M,1G,...] [--kinds 4k,thp] [--modes plain,mrelease,arranged]\n"
	       "                  [--threads N] [--busy] [--no-fifo] [--raw] [--tag NAME]\n"
	       "  --kills N     kills per mode and victim (default 10), interleaved: plain, mrelease, arranged, ...\n"
	       "  --modes       plain, mrelease, arranged, and arranged2 (a second process_mrelease at the\n"
	       "                same time from another CPU: do two walks of one mm help?)\n"
	       "  --threads N   threads per victim (default 1)\n"
	       "  --busy        victim threads spin instead of sleeping\n"
	       "  --no-fifo     arranged kill in its SCHED_IDLE-victim form (as without CAP_SYS_NICE)\n"
	       "  --raw         one line per kill\n"
	       "  --tag NAME    victim labels NAME-4k-256M, ...\n");
}

int main(int argc, char *argv[]) {
	static const struct option opts[] = {
		{ "kills", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 's' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "modes", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "busy", no_argument, NULL, 'b' },
		{ "no-fifo", no_argument, NULL, 'F' },
		{ "raw", no_argument, NULL, 'r' },
		{ "tag", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, r, ret = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		char *s, *tok, *save = NULL;

		switch (c) {
		case 'n': arg_kills = (unsigned) atoi(optarg); break;
		case 't': arg_threads = (unsigned) atoi(optarg); break;
		case 'b': arg_busy = true; break;
		case 'F': arg_no_fifo = true; break;
		case 'r': arg_raw = true; break;
		case 'T': arg_tag = optarg; break;
		case 's':
			arg_nsizes = 0;
			s = strdupa(optarg);
			for (tok = strtok_r(s, ",", &save); tok && arg_nsizes < SIZES_MAX; tok = strtok_r(NULL, ",", &save))
				arg_sizes[arg_nsizes++] = parse_size(tok);
			break;
		case 'k':
			arg_kind_4k = strstr(optarg, "4k") != NULL;
			arg_kind_thp = strstr(optarg, "thp") != NULL;
			break;
		case 'm':
			arg_nmodes = 0;
			s = strdupa(optarg);
			for (tok = strtok_r(s, ",", &save); tok && arg_nmodes < MODES_MAX; tok = strtok_r(NULL, ",", &save)) {
				int m;
				for (m = 0; m <= MODE_ARRANGED2; m++)
					if (streq(tok, mode_name(m)))
						break;
				if (m > MODE_ARRANGED2) {
					fprintf(stderr, "stock-race: unknown mode %s\n", tok);
					return 2;
				}
				arg_modes[arg_nmodes++] = m;
			}
			break;
		case 'h': help(); return 0;
		default: return 2;
		}
	}
	if (arg_kills == 0 || arg_threads == 0 || arg_nsizes == 0 || arg_nmodes == 0)
		return 2;
	if (syscall(__NR_process_mrelease, -1, 0) < 0 && errno == ENOSYS) {
		fprintf(stderr, "stock-race: no process_mrelease(2) on this kernel\n");
		return 77;
	}

	char uts[256] = "?";
	FILE *f = fopen("/proc/sys/kernel/osrelease", "re");
	if (f) {
		if (fgets(uts, sizeof(uts), f))
			uts[strcspn(uts, "\n")] = '\0';
		fclose(f);
	}
	printf("# stock-race: kernel %s, %ld CPUs, %u kills per cell, victims of %u thread%s, %s%s\n",
	       uts, sysconf(_SC_NPROCESSORS_ONLN), arg_kills, arg_threads, arg_threads == 1 ? "" : "s",
	       arg_busy ? "busy" : "sleeping", arg_no_fifo ? ", arranged without SCHED_FIFO" : "");
	printf("# back: kill -> memory back (process_mrelease returned when it reaped, else the exit); exit: kill -> pidfd readable\n");
	printf("%-14s %-9s %5s %5s %5s %5s %5s %7s %9s %9s %9s %7s %5s\n",
	       "victim", "mode", "kills", "lost", "ovlp", "reapd", "fail", "lost%", "back-med", "back-p90", "exit-med", "ours%", "arr");

	for (int kind = 0; kind < 2; kind++) {
		bool thp = kind == 1;

		if ((thp && !arg_kind_thp) || (!thp && !arg_kind_4k))
			continue;
		for (unsigned si = 0; si < arg_nsizes; si++) {
			Row rows[MODES_MAX] = {};
			char label[64];

			snprintf(label, sizeof(label), "%s%s%s-%" PRIu64 "M", arg_tag ?: "", arg_tag ? "-" : "",
				 thp ? "thp" : "4k", arg_sizes[si] >> 20);
			for (unsigned m = 0; m < arg_nmodes; m++) {
				rows[m].back = calloc(arg_kills, sizeof(uint64_t));
				rows[m].exit_t = calloc(arg_kills, sizeof(uint64_t));
				if (!rows[m].back || !rows[m].exit_t)
					return 1;
			}
			for (unsigned k = 0; k < arg_kills; k++)
				for (unsigned m = 0; m < arg_nmodes; m++) {
					r = one_kill(arg_sizes[si], thp, arg_modes[m], &rows[m], label);
					if (r < 0)
						ret = 1;
				}
			for (unsigned m = 0; m < arg_nmodes; m++) {
				Row *w = &rows[m];
				bool reaps = arg_modes[m] != REAP_KILL_PLAIN;

				printf("%-14s %-9s %5u %5u %5u %5u %5u %6.1f%% %7.1fms %7.1fms %7.1fms %6.1f%% %5u\n",
				       label, mode_name(arg_modes[m]), w->kills, w->lost, w->overlapped,
				       w->reaped, w->failed,
				       reaps && w->kills ? 100.0 * w->lost / w->kills : 0.0,
				       pct(w->back, w->kills, 0.5), pct(w->back, w->kills, 0.9),
				       pct(w->exit_t, w->kills, 0.5),
				       w->kills ? 100.0 * w->reaped_share / w->kills : 0.0, w->arranged);
				if (w->not_exited)
					printf("# %s %s: %u victims did not exit within 10 s\n", label,
					       mode_name(arg_modes[m]), w->not_exited);
				free(w->back);
				free(w->exit_t);
			}
			fflush(stdout);
		}
	}
	return ret;
}
