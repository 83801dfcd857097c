/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc parsing on fixture trees: comm with ')' inside, fields 9, 22 and 52, empty statm, v1-only cgroup, status. */
#include <check.h>
#include <unistd.h>

#include "teardownd/macro.h"
#include "teardownd/procfs.h"
#include "tap.h"

static char *proc;

START_TEST(test_stat_hostile_comm) {
	char comm[16], state = 0;
	uint64_t start = 0;
	int code = -1;

	ck_assert_int_eq(proc_read_stat(proc, 100, comm, &start, &state), 0);
	/* the comm itself contains ") S 1 (": parsed from the last ')' */
	ck_assert_str_eq(comm, "a) S 1 (b");
	ck_assert_int_eq(state, 'S');
	ck_assert_uint_eq(start, 4242424242ULL);
	ck_assert_int_eq(proc_read_exit_code(proc, 100, &code), 0);
	ck_assert_int_eq(code, 0);
}
END_TEST

START_TEST(test_ppid) {
	pid_t ppid = -1;

	/* field 4, after the last ')': not the "1" inside the hostile comm */
	ck_assert_int_eq(proc_read_ppid(proc, 100, &ppid), 0);
	ck_assert_int_eq(ppid, 321);
	ck_assert_int_eq(proc_read_ppid(proc, 101, &ppid), 0);
	ck_assert_int_eq(ppid, 4711);
	ppid = -1;
	ck_assert_int_eq(proc_read_ppid(proc, 999, &ppid), -ESRCH);
	ck_assert_int_eq(ppid, -1);
}
END_TEST

START_TEST(test_stat_long_comm_and_exit_code) {
	char comm[16];
	uint64_t start;
	int code;

	ck_assert_int_eq(proc_read_stat(proc, 101, comm, &start, NULL), 0);
	ck_assert_str_eq(comm, "a-very-long-com"); /* truncated to 15 + NUL */
	ck_assert_uint_eq(start, 77);
	ck_assert_int_eq(proc_read_exit_code(proc, 101, &code), 0);
	ck_assert_int_eq(code & 0x7f, 9); /* died of SIGKILL */
}
END_TEST

START_TEST(test_stat_broken) {
	char comm[16];
	uint64_t start = 1234;
	int code = 1234;

	ck_assert_int_eq(proc_read_stat(proc, 102, comm, &start, NULL), -EIO);
	ck_assert_uint_eq(start, 1234); /* untouched on failure */
	ck_assert_int_eq(proc_read_exit_code(proc, 102, &code), -EIO);
	ck_assert_int_eq(code, 1234);
	ck_assert_int_eq(proc_read_stat(proc, 999, comm, &start, NULL), -ESRCH);
}
END_TEST

START_TEST(test_rss) {
	uint64_t rss = 0;

	ck_assert_int_eq(proc_read_rss(proc, 100, &rss), 0);
	ck_assert_uint_eq(rss, 262144ULL * (uint64_t) sysconf(_SC_PAGESIZE));
	rss = 5;
	ck_assert_int_eq(proc_read_rss(proc, 101, &rss), -ESRCH); /* empty statm: no mm */
	ck_assert_uint_eq(rss, 5);
	ck_assert_int_eq(proc_read_rss(proc, 999, &rss), -ESRCH);
}
END_TEST

START_TEST(test_cgroup) {
	char *cg = NULL;

	ck_assert_int_eq(proc_read_cgroup(proc, 100, &cg), 0);
	ck_assert_str_eq(cg, "/system.slice/db.service");
	free(cg);
	cg = NULL;
	ck_assert_int_eq(proc_read_cgroup(proc, 101, &cg), -ENODATA);
	ck_assert_int_eq(proc_read_cgroup(proc, 102, &cg), -EIO);
	ck_assert_int_eq(proc_read_cgroup(proc, 999, &cg), -ESRCH);
	ck_assert_ptr_null(cg);
}
END_TEST

START_TEST(test_flags_and_status) {
	ProcStatus st = { .tgid = 1234 };
	unsigned flags = 1234;
	char state;

	/* 103 is kthreadd: PF_KTHREAD in field 9 */
	ck_assert_int_eq(proc_read_flags(proc, 103, &flags), 0);
	ck_assert(flags & PROC_PF_KTHREAD);
	ck_assert_int_eq(proc_read_flags(proc, 100, &flags), 0);
	ck_assert_uint_eq(flags, 9); /* field 9, counted from the last ')' */
	ck_assert(!(flags & PROC_PF_KTHREAD));
	flags = 1234;
	ck_assert_int_eq(proc_read_flags(proc, 102, &flags), -EIO);
	ck_assert_uint_eq(flags, 1234);

	/* 100: a process, SIGTERM (bit 15) pending but not SIGKILL: alive */
	ck_assert_int_eq(proc_read_status(proc, 100, &st), 0);
	ck_assert_int_eq(st.tgid, 100);
	ck_assert(!st.sigkill_pending);
	ck_assert_int_eq(proc_read_stat(proc, 100, NULL, NULL, &state), 0);
	ck_assert(!proc_is_dying(state, 0, &st));
	ck_assert(proc_is_dying(state, PROC_PF_EXITING, &st));
	ck_assert(proc_is_dying('Z', 0, &st));

	/* 104: a thread of 100 that has been killed (SIGKILL in the shared set) */
	ck_assert_int_eq(proc_read_status(proc, 104, &st), 0);
	ck_assert_int_eq(st.tgid, 100);
	ck_assert(st.sigkill_pending);
	ck_assert(proc_is_dying('S', 0, &st));

	/* no Tgid: line, or no such task: untouched */
	st.tgid = 1234;
	ck_assert_int_eq(proc_read_status(proc, 101, &st), -ESRCH);
	ck_assert_int_eq(proc_read_status(proc, 999, &st), -ESRCH);
	ck_assert_int_eq(st.tgid, 1234);
}
END_TEST

/* the pidfd's fdinfo: a live process, one reaped (-1), an fd that is no pidfd, none at all */
START_TEST(test_pidfd_pid) {
	ck_assert_int_eq(proc_read_pidfd_pid(proc, 5), 4242);
	ck_assert_int_eq(proc_read_pidfd_pid(proc, 6), -ESRCH);
	ck_assert_int_eq(proc_read_pidfd_pid(proc, 7), -ENOTTY);
	ck_assert_int_eq(proc_read_pidfd_pid(proc, 8), -ENOENT);
	ck_assert_int_eq(proc_read_pidfd_pid(proc, -1), -EBADF);
}
END_TEST

int main(int argc, char *argv[]) {
	int r;

	if (asprintf(&proc, "%s/proc", argc > 1 ? argv[1] : "fixtures") < 0)
		return EXIT_FAILURE;
	r = RUN_TESTS("procfs", test_stat_hostile_comm, test_stat_long_comm_and_exit_code,
				test_stat_broken, test_ppid, test_rss, test_cgroup,
				test_flags_and_status, test_pidfd_pid);
	free(proc);
	return r;
}
