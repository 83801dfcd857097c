/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only file that speaks libnl: the proc connector (NETLINK_CONNECTOR,
 * CN_IDX_PROC) reports fork/exec/exit. New processes in managed cgroups
 * become candidates that the tracker rechecks until they reach their
 * policy's threshold. ENOBUFS (we fell behind) means events were lost: a
 * full rescan follows. Every message is checked: sender is the kernel,
 * lengths and connector id are what they claim.
 */
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/epoll.h>

#include "manager.h"
#include "procconn.h"
#include "tracker.h"
#include "teardownd/log.h"

static int nl_error_to_errno(int e) {
	switch (e < 0 ? -e : e) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_PROTO_MISMATCH:
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

static int handle_msg(struct nl_msg *msg, void *arg) {
	Manager *m = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct sockaddr_nl *src = nlmsg_get_src(msg);
	struct cn_msg *cn;
	struct proc_event ev = {};
	pid_t pid = 0;

	if (!src || src->nl_pid != 0)
		return NL_SKIP; /* not from the kernel */
	if (h->nlmsg_len < NLMSG_HDRLEN || (size_t) nlmsg_datalen(h) < sizeof(struct cn_msg))
		return NL_SKIP;
	cn = nlmsg_data(h);
	if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
		return NL_SKIP;
	if ((size_t) nlmsg_datalen(h) < sizeof(struct cn_msg) + cn->len ||
	    cn->len < offsetof(struct proc_event, event_data) + sizeof(ev.event_data.exit))
		return NL_SKIP;
	/* cn->data sits at offset 20: copy the event out instead of reading it misaligned */
	memcpy(&ev, cn->data, MIN((size_t) cn->len, sizeof(ev)));

	switch (ev.what) {
	case PROC_EVENT_FORK:
		if (ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid)
			return NL_OK; /* a thread */
		pid = ev.event_data.fork.child_tgid;
		break;
	case PROC_EVENT_EXEC:
		pid = ev.event_data.exec.process_tgid;
		break;
	case PROC_EVENT_EXIT:
		/* exits arrive through the pidfds; note the code for the trigger */
		if (ev.event_data.exit.process_pid == ev.event_data.exit.process_tgid) {
			uint64_t now = 0;

			(void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
			exit_notes_add(&m->exit_notes, (pid_t) ev.event_data.exit.process_tgid,
				       (int) ev.event_data.exit.exit_code, now);
		}
		return NL_OK;
	default:
		return NL_OK;
	}
	if (pid > 0)
		tracker_add_candidate(m, pid);
	return NL_OK;
}

/* One receive: the number of messages handled, 0 when there was nothing (or an error, logged). */
static int receive(Manager *m) {
	struct nl_cb *cb;
	int r;

	cb = nl_socket_get_cb(m->procconn);
	if (!cb)
		return 0;
	r = nl_recvmsgs_report(m->procconn, cb);
	nl_cb_put(cb);
	if (r == -NLE_NOMEM || r == -NLE_DUMP_INTR) {
		/* ENOBUFS arrives as NLE_NOMEM: the socket overran, events were lost */
		log_debug("Proc connector overrun, rescanning");
		manager_request_rescan(m);
		return 0;
	}
	if (r < 0 && r != -NLE_AGAIN)
		log_debug_errno(nl_error_to_errno(r), "Proc connector receive failed, ignoring: %m");
	return MAX(r, 0);
}

static int on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	(void) receive(userdata);
	return 0;
}

/* Read what the socket holds now (bounded), so that the exit notes are current. */
void procconn_drain(Manager *m) {
	if (!m->procconn)
		return;
	for (unsigned i = 0; i < 256; i++)
		if (receive(m) <= 0)
			break;
}

static int send_listen(struct nl_sock *sk, enum proc_cn_mcast_op op) {
	struct {
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) req = {
		.cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC }, .len = sizeof(enum proc_cn_mcast_op) },
		.op = op,
	};
	struct nl_msg *msg;
	int r;

	msg = nlmsg_alloc_simple(NLMSG_DONE, 0);
	if (!msg)
		return -ENOMEM;
	r = nlmsg_append(msg, &req, sizeof(req), 0);
	if (r >= 0)
		r = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	return r < 0 ? nl_error_to_errno(r) : 0;
}

int procconn_setup(Manager *m) {
	struct nl_sock *sk;
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(sk);
	nl_socket_disable_auto_ack(sk);
	nl_socket_set_local_port(sk, 0);

	r = nl_connect(sk, NETLINK_CONNECTOR);
	if (r < 0)
		goto fail;
	r = nl_socket_add_membership(sk, CN_IDX_PROC);
	if (r < 0)
		goto fail;
	r = nl_socket_set_nonblocking(sk);
	if (r < 0)
		goto fail;
	(void) nl_socket_set_buffer_size(sk, 1 << 20, 0);
	r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, handle_msg, m);
	if (r < 0)
		goto fail;
	/* connector messages are NLMSG_DONE: libnl hands them to the FINISH callback */
	r = nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, handle_msg, m);
	if (r < 0)
		goto fail;

	r = send_listen(sk, PROC_CN_MCAST_LISTEN);
	if (r < 0) {
		nl_socket_free(sk);
		return r;
	}

	r = sd_event_add_io(m->event, &m->procconn_source, nl_socket_get_fd(sk), EPOLLIN, on_netlink, m);
	if (r < 0) {
		nl_socket_free(sk);
		return r;
	}
	(void) sd_event_source_set_description(m->procconn_source, "proc-connector");
	m->procconn = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return nl_error_to_errno(r);
}

void procconn_free(Manager *m) {
	m->procconn_source = sd_event_source_disable_unref(m->procconn_source);
	if (m->procconn) {
		(void) send_listen(m->procconn, PROC_CN_MCAST_IGNORE);
		nl_socket_free(m->procconn);
		m->procconn = NULL;
	}
}
