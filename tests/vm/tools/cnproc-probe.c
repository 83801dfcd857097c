// SPDX-License-Identifier: GPL-2.0
/*
 * cnproc-probe: prove the proc connector delivers events. Subscribes to
 * cn_proc (PROC_CN_MCAST_LISTEN), forks a child that exits at once, and
 * waits up to 5 s for PROC_EVENT_EXIT of that child. Exit 0 when it came,
 * 1 when it did not, 2 on a setup error (message on stderr). Needs root.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

static int send_op(int fd, enum proc_cn_mcast_op op)
{
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) m;

	memset(&m, 0, sizeof(m));
	m.nl.nlmsg_len = sizeof(m);
	m.nl.nlmsg_type = NLMSG_DONE;
	m.nl.nlmsg_pid = getpid();
	m.cn.id.idx = CN_IDX_PROC;
	m.cn.id.val = CN_VAL_PROC;
	m.cn.len = sizeof(op);
	m.op = op;
	return send(fd, &m, sizeof(m), 0) == sizeof(m) ? 0 : -1;
}

int main(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct timespec end, now;
	pid_t child;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send_op(fd, PROC_CN_MCAST_LISTEN) < 0) {
		fprintf(stderr, "cnproc-probe: cannot subscribe to cn_proc: %s\n", strerror(errno));
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("cnproc-probe: fork");
		return 2;
	}
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 5;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *nl;
		long ms;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0 || poll(&p, 1, ms) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, n); nl = NLMSG_NEXT(nl, n)) {
			struct cn_msg *cn = NLMSG_DATA(nl);
			struct proc_event *ev = (struct proc_event *)cn->data;

			if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + sizeof(*ev)))
				continue;
			if (ev->what == PROC_EVENT_EXIT &&
			    ev->event_data.exit.process_pid == child) {
				printf("cnproc-probe: exit event for pid %d\n", child);
				return 0;
			}
		}
	}
	fprintf(stderr, "cnproc-probe: no exit event for pid %d within 5 s\n", child);
	return 1;
}
