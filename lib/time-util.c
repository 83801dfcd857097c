/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "teardownd/macro.h"
#include "teardownd/time-util.h"

uint64_t now_usec(clockid_t clock) {
	struct timespec ts;

	/* fails only for a clock this kernel lacks: a programming error, not a runtime one */
	if (clock_gettime(clock, &ts) < 0)
		return 0;
	return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

void sleep_usec(uint64_t usec) {
	struct timespec ts = {
		.tv_sec = (time_t) (usec / USEC_PER_SEC),
		.tv_nsec = (long) ((usec % USEC_PER_SEC) * NSEC_PER_USEC),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
