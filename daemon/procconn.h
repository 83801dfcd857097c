/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proc connector (libnl): new processes become candidates, exits leave exit notes. */
#pragma once

typedef struct Manager Manager;

int procconn_setup(Manager *m);
void procconn_free(Manager *m);
/* Reads what the socket holds now: the exit notes a finishing job looks up. */
void procconn_drain(Manager *m);
