/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names of teardownd's D-Bus API, for the daemon and teardownctl alike (docs/interfaces.md). */
#pragma once

#define TEARDOWND_BUS_NAME "org.teardownd1"
#define TEARDOWND_BUS_PATH "/org/teardownd1"
#define TEARDOWND_BUS_INTERFACE "org.teardownd1.Manager"
/* the private socket, in the runtime directory (RUNSTATEDIR/teardownd, or ROOT/run/teardownd) */
#define TEARDOWND_PRIVATE_SOCKET_NAME "private"
