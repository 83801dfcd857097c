/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uthash (Debian's uthash-dev), set up for a daemon that must survive
 * memory pressure: an allocation failure leaves the element out instead of
 * calling exit(). Include this instead of <uthash.h>.
 *
 *	HASH_ADD(hh, head, key, sizeof(key), elt);
 *	if (HASH_ADD_FAILED(elt))
 *		return -ENOMEM;   (elt is not in the table, still the caller's)
 */
#pragma once

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

/* After HASH_ADD*(): true when it failed for memory and elt was left out. */
#define HASH_ADD_FAILED(elt) ((elt)->hh.tbl == NULL)
