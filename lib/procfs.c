/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc readers with the proc root as a parameter; see teardownd/procfs.h. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>

#include "teardownd/macro.h"
#include "teardownd/procfs.h"

/* Read /proc/PID/stat into buf (NUL-terminated); -ESRCH once the pid is gone. */
static int proc_read_stat_line(const char *proc_root, pid_t pid, char *buf, size_t size) {
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	if (asprintf(&p, "%s/%d/stat", proc_root, (int) pid) < 0)
		return -ENOMEM;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return errno == ESRCH ? -ESRCH : negative_errno();
	buf[n] = '\0';
	return 0;
}

int proc_read_stat(const char *proc_root, pid_t pid, char comm[16], uint64_t *ret_starttime, char *ret_state) {
	char buf[2048], *open_paren, *close_paren, *s;
	unsigned long long start;
	char state;
	int r;

	r = proc_read_stat_line(proc_root, pid, buf, sizeof(buf));
	if (r < 0)
		return r;

	/* comm may contain anything, ')' included: parse from the last ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EIO;
	s = close_paren + 1;
	/* fields 3 (state) .. 22 (starttime) */
	if (sscanf(s, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &state, &start) != 2)
		return -EIO;

	if (comm) {
		size_t len = MIN((size_t) (close_paren - open_paren - 1), (size_t) 15);

		memcpy(comm, open_paren + 1, len);
		comm[len] = '\0';
	}
	if (ret_starttime)
		*ret_starttime = start;
	if (ret_state)
		*ret_state = state;
	return 0;
}

int proc_read_cgroup(const char *proc_root, pid_t pid, char **ret) {
	_cleanup_free_ char *p = NULL, *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t cap = 0;
	ssize_t n;

	if (asprintf(&p, "%s/%d/cgroup", proc_root, (int) pid) < 0)
		return -ENOMEM;
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : negative_errno();
	while ((n = getline(&line, &cap, f)) > 0) {
		char *d;

		if (!strneq(line, "0::", 3))
			continue;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (line[3] != '/')
			return -EIO;
		d = strdup(line + 3);
		if (!d)
			return -ENOMEM;
		*ret = d;
		return 0;
	}
	return -ENODATA; /* no unified hierarchy line */
}

int proc_read_rss(const char *proc_root, pid_t pid, uint64_t *ret) {
	_cleanup_free_ char *p = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	unsigned long size, resident;

	if (asprintf(&p, "%s/%d/statm", proc_root, (int) pid) < 0)
		return -ENOMEM;
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : negative_errno();
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		return -ESRCH;
	*ret = (uint64_t) resident * (uint64_t) sysconf(_SC_PAGESIZE);
	return 0;
}

/* Field n (3 or more) of the stat line in buf, which this cuts up; NULL when it is missing. */
static const char *stat_field(char *buf, unsigned n) {
	char *s, *tok, *save = NULL;

	s = strrchr(buf, ')');
	if (!s || n < 3)
		return NULL;
	/* field 3 is the first after ')' */
	tok = strtok_r(s + 1, " \n", &save);
	for (unsigned i = 3; tok && i < n; i++)
		tok = strtok_r(NULL, " \n", &save);
	return tok;
}

/* Field n of /proc/PID/stat as a number in min..max (-EIO otherwise); ret untouched on failure. */
static int proc_read_stat_number(const char *proc_root, pid_t pid, unsigned n, long long min, long long max,
				 long long *ret) {
	char buf[2048];
	const char *tok;
	long long v;
	int r;

	r = proc_read_stat_line(proc_root, pid, buf, sizeof(buf));
	if (r < 0)
		return r;
	tok = stat_field(buf, n);
	if (!tok || sscanf(tok, "%lld", &v) != 1 || v < min || v > max)
		return -EIO;
	*ret = v;
	return 0;
}

int proc_read_exit_code(const char *proc_root, pid_t pid, int *ret) {
	long long v;
	int r = proc_read_stat_number(proc_root, pid, 52, INT_MIN, INT_MAX, &v);

	if (r >= 0)
		*ret = (int) v;
	return r;
}

int proc_read_ppid(const char *proc_root, pid_t pid, pid_t *ret) {
	long long v;
	int r = proc_read_stat_number(proc_root, pid, 4, 0, INT_MAX, &v);

	if (r >= 0)
		*ret = (pid_t) v;
	return r;
}

int proc_read_flags(const char *proc_root, pid_t pid, unsigned *ret) {
	long long v;
	int r = proc_read_stat_number(proc_root, pid, 9, 0, UINT_MAX, &v);

	if (r >= 0)
		*ret = (unsigned) v;
	return r;
}

int proc_read_status(const char *proc_root, pid_t pid, ProcStatus *ret) {
	_cleanup_free_ char *p = NULL, *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	ProcStatus st = {};
	bool have_tgid = false;
	size_t cap = 0;

	if (asprintf(&p, "%s/%d/status", proc_root, (int) pid) < 0)
		return -ENOMEM;
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : negative_errno();
	while (getline(&line, &cap, f) > 0) {
		unsigned long long mask;
		int tgid;

		if (sscanf(line, "Tgid: %d", &tgid) == 1 && tgid > 0) {
			st.tgid = (pid_t) tgid;
			have_tgid = true;
		} else if ((sscanf(line, "SigPnd: %llx", &mask) == 1 || sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
			   (mask & (1ULL << (SIGKILL - 1))))
			st.sigkill_pending = true;
	}
	if (!have_tgid)
		return -EIO;
	*ret = st;
	return 0;
}

int proc_read_pidfd_pid(const char *proc_root, int pidfd) {
	_cleanup_free_ char *p = NULL, *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t cap = 0;

	if (pidfd < 0)
		return -EBADF;
	if (asprintf(&p, "%s/self/fdinfo/%d", proc_root, pidfd) < 0)
		return -ENOMEM;
	f = fopen(p, "re");
	if (!f)
		return negative_errno();
	while (getline(&line, &cap, f) > 0) {
		int pid;

		if (sscanf(line, "Pid: %d", &pid) == 1)
			return pid > 0 ? pid : -ESRCH;
	}
	return -ENOTTY; /* not a pidfd */
}

bool proc_is_dying(char state, unsigned flags, const ProcStatus *st) {
	return state == 'Z' || state == 'X' || (flags & PROC_PF_EXITING) || st->sigkill_pending;
}
