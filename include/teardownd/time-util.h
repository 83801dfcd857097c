/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one clock and the one retry sleep of libteardown_shared, like
 * systemd's now() and usleep_safe(). Code on an sd-event loop uses
 * sd_event_now() instead: the time of the current iteration.
 */
#pragma once

#include <stdint.h>
#include <time.h>

/* clock in µs; CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME_ID... */
uint64_t now_usec(clockid_t clock);

/*
 * Sleeps usec, the rest again when a signal interrupts it. Only off an event
 * loop: a reap worker waiting for a process to be killed, the CLI's progress.
 */
void sleep_usec(uint64_t usec);
