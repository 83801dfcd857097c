/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GET /metrics over HTTP (libmicrohttpd), from its own thread, on published snapshots. */
#pragma once

#include "teardownd/metrics.h"

typedef struct MetricsServer MetricsServer;

/*
 * Binds listen ("ADDR:PORT"), or serves the listening socket fd (>= 0),
 * starting with the snapshot first; on success fd and *first are taken.
 */
int metrics_server_start(const char *listen, int fd, MetricsSnapshot *first, MetricsServer **ret);
void metrics_server_publish(MetricsServer *s, MetricsSnapshot *snap);
MetricsServer *metrics_server_stop(MetricsServer *s);
