/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The D-Bus API, on the system bus and on the private socket. */
#pragma once

typedef struct Manager Manager;
typedef struct TeardownRecord TeardownRecord;

#include "teardownd/bus.h"

int manager_bus_setup(Manager *m);
void manager_bus_free(Manager *m);
void manager_bus_send_finished(Manager *m, const TeardownRecord *rec);
