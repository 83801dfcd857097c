/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A flood on teardownd's /metrics: N connections opened at once and held
 * for HOLD_MS, each sending one of: a good GET /metrics, garbage bytes,
 * half a request that never ends (slowloris), a header larger than the
 * server's per-connection memory, a POST with a body, an HTTP/0.9 line, a
 * path outside /metrics, a negative Content-Length. Prints
 *   sent N, connected C, answered A (200: X, 400: Y, ..., none: Z), good GETs answered G of H
 * and exits 0 (judging is the caller's business), 1 on a local error. In C
 * so the VM guest, which has no Python, runs the same client as the host
 * test (tests/host/test-metrics.sh, tests/vm/suites/prometheus).
 *
 * usage: metrics-flood IPV4 PORT N HOLD_MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define N_MAX 10000
#define IN_MAX 256   /* the status line is all we read */

static const char *const kinds[] = {
	"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	"\x01\xff\xfe garbage \x02\x03\r\n\r\n",
	"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ",              /* never finished */
	NULL,                                                           /* the big header, built below */
	"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
	"GET /metrics\r\n",                                             /* HTTP/0.9 */
	"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

typedef struct Conn {
	int fd;
	unsigned kind;
	const char *out;
	size_t out_left;
	char in[IN_MAX];
	size_t in_len;
	int connected, closed;
} Conn;

static long long now_ms(void) {
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char *argv[]) {
	static char big[40100];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct rlimit rl;
	struct pollfd *pfd;
	Conn *c;
	unsigned n, codes[600] = { 0 }, none = 0, good = 0, good_ok = 0, connected = 0, answered = 0;
	long long deadline;
	int first = 1;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: metrics-flood IPV4 PORT N HOLD_MS\n");
		return 1;
	}
	sa.sin_port = htons((unsigned short) atoi(argv[2]));
	n = (unsigned) atoi(argv[3]);
	if (n == 0 || n > N_MAX) {
		fprintf(stderr, "metrics-flood: N must be 1..%d\n", N_MAX);
		return 1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nX-Big: %040000d\r\n\r\n", 0);

	c = calloc(n, sizeof(Conn));
	pfd = calloc(n, sizeof(struct pollfd));
	if (!c || !pfd)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		c[i].kind = i % N_KINDS;
		c[i].out = kinds[c[i].kind] ?: big;
		c[i].out_left = strlen(c[i].out);
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c[i].fd < 0) {
			perror("metrics-flood: socket");
			return 1;
		}
		if (connect(c[i].fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
			c[i].closed = 1;
	}

	deadline = now_ms() + atoll(argv[4]);
	while (now_ms() < deadline) {
		int r;

		for (unsigned i = 0; i < n; i++) {
			pfd[i].fd = c[i].closed ? -1 : c[i].fd;
			pfd[i].events = POLLIN | (c[i].out_left > 0 ? POLLOUT : 0);
			pfd[i].revents = 0;
		}
		r = poll(pfd, n, 100);
		if (r < 0 && errno != EINTR) {
			perror("metrics-flood: poll");
			return 1;
		}
		for (unsigned i = 0; r > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if ((pfd[i].revents & POLLOUT) && c[i].out_left > 0) {
				int err = 0;
				socklen_t l = sizeof(err);
				ssize_t k;

				if (!c[i].connected) {
					(void) getsockopt(c[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
					if (err) {
						c[i].closed = 1;
						continue;
					}
					c[i].connected = 1;
				}
				k = send(c[i].fd, c[i].out, c[i].out_left, MSG_NOSIGNAL);
				if (k > 0) {
					c[i].out += k;
					c[i].out_left -= (size_t) k;
				} else if (k < 0 && errno != EAGAIN)
					c[i].out_left = 0;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				char buf[4096];
				ssize_t k = recv(c[i].fd, buf, sizeof(buf), 0);

				if (k > 0) {
					size_t take = (size_t) k < IN_MAX - 1 - c[i].in_len ? (size_t) k : IN_MAX - 1 - c[i].in_len;

					memcpy(c[i].in + c[i].in_len, buf, take);
					c[i].in_len += take;
					c[i].connected = 1;
				} else if (k == 0 || errno != EAGAIN)
					c[i].closed = 1;
			}
		}
	}

	for (unsigned i = 0; i < n; i++) {
		unsigned code = 0;

		connected += c[i].connected;
		if (c[i].in_len > 0 && sscanf(c[i].in, "HTTP/%*s %u", &code) == 1 && code < 600) {
			codes[code]++;
			answered++;
		} else
			none++;
		if (c[i].kind == 0) {
			good++;
			good_ok += code == 200;
		}
		close(c[i].fd);
	}
	printf("sent %u, connected %u, answered %u (", n, connected, answered);
	for (unsigned k = 0; k < 600; k++)
		if (codes[k]) {
			printf("%s%u: %u", first ? "" : ", ", k, codes[k]);
			first = 0;
		}
	printf("%snone: %u), good GETs answered %u of %u\n", first ? "" : ", ", none, good_ok, good);
	free(c);
	free(pfd);
	return 0;
}
