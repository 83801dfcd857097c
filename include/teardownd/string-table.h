/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Enum <-> string tables, after systemd's string-table.h: a table
 * NAME_table[] indexed by the enum, and
 *
 *	DEFINE_STRING_TABLE_LOOKUP(name, type)
 *
 * defines name_to_string() (NULL out of range or for a hole) and
 * name_from_string() (-EINVAL for NULL or an unknown string).
 */
#pragma once

#include <errno.h>
#include <stddef.h>

#include "teardownd/macro.h"

static inline int string_table_lookup(const char *const *table, size_t len, const char *key) {
	if (!key)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (table[i] && streq(table[i], key))
			return (int) i;
	return -EINVAL;
}

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                        \
	const char *name##_to_string(type i) {                                  \
		/* a negative i wraps to a huge size_t: one test for both ends */ \
		if ((size_t) i >= ELEMENTSOF(name##_table))                     \
			return NULL;                                            \
		return name##_table[i];                                         \
	}

#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                      \
	type name##_from_string(const char *s) {                                \
		return (type) string_table_lookup(name##_table, ELEMENTSOF(name##_table), s); \
	}

#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                  \
	DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                        \
	DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
