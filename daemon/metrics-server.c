/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET /metrics over HTTP, with libmicrohttpd: the only file that includes
 * its header. MHD runs its own polling thread (poll(2): with epoll,
 * libmicrohttpd 0.9.75 sometimes accepted a burst up to the connection
 * limit and then served none of it until the clients gave up; the host
 * test's flood caught it), at most
 * CONNECTIONS_MAX connections, each closed after TIMEOUT_SEC idle, so no
 * client can hold the event loop or the daemon's descriptors. The thread
 * renders the last snapshot the event loop published (a copy taken under
 * a mutex) and touches nothing else of the daemon. Anything but GET is
 * 405, any path but /metrics 404.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <sys/socket.h>

#include "metrics-server.h"
#include "teardownd/log.h"
#include "teardownd/metrics.h"

#define CONNECTIONS_MAX 128
#define TIMEOUT_SEC 10

struct MetricsServer {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	MetricsSnapshot snap;   /* the last one published, under lock */
	bool have;
};

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text,
				    const char *allow) {
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	(void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		(void) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls) {
	MetricsServer *s = cls;
	MetricsSnapshot snap;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	MetricsFormat format;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!streq(method, MHD_HTTP_METHOD_GET))
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET is served.\n", "GET");
	if (!streq(url, "/metrics"))
		return respond_text(c, MHD_HTTP_NOT_FOUND, "Only /metrics is served.\n", NULL);
	if (*upload_data_size > 0) {
		*upload_data_size = 0; /* a GET with a body: ignore the body */
		return MHD_YES;
	}

	pthread_mutex_lock(&s->lock);
	r = s->have ? metrics_snapshot_copy(&s->snap, &snap) : -ENODATA;
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "No metrics yet.\n", NULL);

	format = metrics_format_from_accept(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	r = metrics_render(&snap, format, &text, &len);
	metrics_snapshot_done(&snap);
	if (r < 0)
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory.\n", NULL);

	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	(void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, metrics_format_content_type(format));
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* MHD's own messages (a client that sent garbage, a full table) are the client's business: debug only. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
	_cleanup_free_ char *msg = NULL;

	if (log_get_max_level() < LOG_DEBUG)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	log_debug("microhttpd: %s", msg);
}

int metrics_server_start(const char *listen, int fd, MetricsSnapshot *first, MetricsServer **ret) {
	_cleanup_free_ MetricsServer *s = NULL;
	struct sockaddr_storage ss = {};
	unsigned len;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	int r;

	if (fd < 0) {
		r = metrics_listen_sockaddr(listen, &ss, &len);
		if (r < 0)
			return r;
		if (ss.ss_family == AF_INET6)
			flags |= MHD_USE_IPv6;
	}

	s = calloc(1, sizeof(MetricsServer));
	if (!s)
		return -ENOMEM;
	r = pthread_mutex_init(&s->lock, NULL);
	if (r != 0)
		return -r;
	/* served from the first request on: systemd may have queued one already */
	s->snap = *first;
	s->have = true;
	{
		struct MHD_OptionItem opts[] = {
			{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) on_mhd_log, NULL },
			fd >= 0 ? (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, fd, NULL }
				: (struct MHD_OptionItem) { MHD_OPTION_SOCK_ADDR, 0, &ss },
			{ MHD_OPTION_CONNECTION_LIMIT, CONNECTIONS_MAX, NULL },
			{ MHD_OPTION_CONNECTION_TIMEOUT, TIMEOUT_SEC, NULL },
			{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16384, NULL },
			{ MHD_OPTION_END, 0, NULL },
		};

		errno = 0;
		s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
					  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	}
	if (!s->mhd) {
		r = errno > 0 ? -errno : -EADDRNOTAVAIL;
		pthread_mutex_destroy(&s->lock);
		return r; /* first still belongs to the caller */
	}
	*first = (MetricsSnapshot) {};
	*ret = TAKE_PTR(s);
	return 0;
}

void metrics_server_publish(MetricsServer *s, MetricsSnapshot *snap) {
	MetricsSnapshot old;

	if (!s) {
		metrics_snapshot_done(snap);
		return;
	}
	pthread_mutex_lock(&s->lock);
	old = s->snap;
	s->snap = *snap;
	s->have = true;
	pthread_mutex_unlock(&s->lock);
	*snap = (MetricsSnapshot) {};
	metrics_snapshot_done(&old);
}

MetricsServer *metrics_server_stop(MetricsServer *s) {
	if (!s)
		return NULL;
	MHD_stop_daemon(s->mhd); /* joins the thread: no request runs after this */
	pthread_mutex_destroy(&s->lock);
	metrics_snapshot_done(&s->snap);
	free(s);
	return NULL;
}
