/* SPDX-License-Identifier: MIT */
/* xkb_names: keymime layout names and the XKB keymaps they stand for.
 *
 * The one name table shared by the layout generator (which compiles the
 * tables in agent/core/layout_tables.c from it) and keymime-simhost (which
 * decodes with the same XKB keymap). Adding a layout starts here. */
#ifndef KEYMIME_XKB_NAMES_H
#define KEYMIME_XKB_NAMES_H

#include <stddef.h>

struct xkb_name {
	const char *name;      /* keymime name: "de-ch" */
	const char *model;     /* XKB model: "pc105" */
	const char *layout;    /* XKB layout: "ch" */
	const char *variant;   /* XKB variant: "de", or "" for the default */
};

/* The entry named name (case-insensitive), or NULL. name: borrowed. */
const struct xkb_name *xkb_names_find(const char *name);

/* Iterate over the table: index 0..xkb_names_count()-1, in table order. */
size_t xkb_names_count(void);
const struct xkb_name *xkb_names_at(size_t i);

#endif
