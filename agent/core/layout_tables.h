/* SPDX-License-Identifier: MIT */
/* layout_tables: the shape of the generated layout tables, shared only by
 * layout.c and the generated layout_tables.c (not part of the public API). */
#ifndef KEYMIME_LAYOUT_TABLES_H
#define KEYMIME_LAYOUT_TABLES_H

#include "layout.h"

/* One target layout. entries are sorted by cp, strictly increasing, so that
 * layout_lookup() can binary-search them. */
struct layout {
	const char *name;          /* keymime name, lower case: "de-ch" */
	const char *description;   /* XKB's description: "German (Switzerland)" */
	const struct layout_entry *entries;
	size_t n_entries;
	const uint32_t *caps_blocked;   /* sorted: no modifiers type these under Caps Lock */
	size_t n_caps_blocked;
	const struct layout_entry *caps_only;   /* sorted: typed only under Caps Lock */
	size_t n_caps_only;
	bool caps_key_locks;            /* usage 0x39 toggles Caps Lock (not on colemak) */
};

/* All layouts; layout_table[0] is the default ("us"). */
extern const struct layout layout_table[];
extern const size_t layout_table_count;

#endif
