/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by teardownd and teardownctl: cleanup attributes,
 * ownership transfer, errno helpers. Modelled on systemd's macro.h; kept
 * minimal on purpose.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _fallthrough_ __attribute__((fallthrough))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(x, y) (((x) + (y) - 1) / (y))

/* Take ownership of a pointer: returns it and sets the variable to NULL. */
#define TAKE_PTR(p)                                     \
	({                                              \
		__typeof__(p) _p_ = (p);                \
		(p) = NULL;                             \
		_p_;                                    \
	})

/* Same for a file descriptor: returns it and sets the variable to -EBADF. */
#define TAKE_FD(fd)                                     \
	({                                              \
		int _fd_ = (fd);                        \
		(fd) = -EBADF;                          \
		_fd_;                                   \
	})

static inline void freep(void *p) {
	free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Closes fd if >= 0, keeps errno; returns -EBADF so "fd = safe_close(fd)" works. */
static inline int safe_close(int fd) {
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}
static inline void closep(int *fd) {
	safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Defines "static inline void NAMEp(TYPE **p)" calling func(*p) when set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
	static inline void func##p(type *p) {           \
		if (*p)                                 \
			*p = func(*p);                  \
	}

/* errno as a negative value, never 0 (defensive: some libcs leave it unset). */
static inline int negative_errno(void) {
	return errno > 0 ? -errno : -EIO;
}

/* Vanished process or cgroup: normal, the caller skips it. */
static inline bool ERRNO_IS_GONE(int r) {
	r = r < 0 ? -r : r;
	return r == ESRCH || r == ENOENT || r == ENODEV;
}

/* Frees a and moves b into it (b becomes NULL), like systemd's. */
#define free_and_replace(a, b)                          \
	({                                              \
		free(a);                                \
		(a) = (b);                              \
		(b) = NULL;                             \
		0;                                      \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')

static inline const char *strna(const char *s) {
	return s ?: "n/a";
}

#define USEC_PER_SEC  1000000ULL
#define NSEC_PER_USEC 1000ULL
#define USEC_PER_MSEC 1000ULL
