/* SPDX-License-Identifier: MIT */
/* layout_tables: the shape of the generated layout tables, shared only by
 * layout.c and the generated layout_tables_*.c (not part of the public API).
 *
 * Everything here is const data without pointers inside the big arrays
 * (offsets instead), so the tables stay in .rodata: never relocated, never
 * copied, and only the pages of the layout in use are ever read. */
#ifndef KEYMIME_LAYOUT_TABLES_H
#define KEYMIME_LAYOUT_TABLES_H

#include "layout.h"

/* One character: 8 bytes. cp holds the code point (bits 0-20) and flags. */
struct layout_row {
	uint32_t cp;
	uint8_t usage, mods, caps_mods;   /* the last (or only) stroke */
	uint8_t dead;                     /* 0, or 1 + index (from the layout's
					   * first) of the strokes before it */
};

#define LAYOUT_ROW_CP           0x001FFFFFu
#define LAYOUT_ROW_CAPS_BLOCKED 0x00200000u   /* no modifiers type it under Caps Lock */
#define LAYOUT_ROW_CAPS_ONLY    0x00400000u   /* typed only under Caps Lock (fr: Ç) */

/* The strokes typed before a row's own (dead keys): 1 or 2. */
struct layout_dead {
	uint8_t n;
	struct layout_stroke s[LAYOUT_MAX_STROKES - 1];
};

#define LAYOUT_F_CAPS_KEY_LOCKS 0x01   /* usage 0x39 toggles Caps Lock (not on colemak) */

/* One layout. Offsets index the arrays of its set. rows are sorted by code
 * point, strictly increasing, so that look-ups can binary-search them. */
struct layout {
	uint32_t name;          /* keymime name, lower case: "de-ch" */
	uint32_t source;        /* "ch(de)", "de-CH-t-k0-windows" */
	uint32_t description;   /* "German (Switzerland)" */
	uint32_t rows;
	uint32_t dead;
	uint16_t n_rows;        /* all rows, caps-only ones included */
	uint16_t n_chars;       /* rows without LAYOUT_ROW_CAPS_ONLY */
	uint8_t n_dead;
	uint8_t target;         /* enum layout_target */
	uint8_t flags;          /* LAYOUT_F_* */
};

/* All layouts of one target, from one generated file; layouts[0] is "us". */
struct layout_set {
	const struct layout *layouts;
	size_t n;
	const char *strings;              /* NUL-terminated strings, by offset */
	const struct layout_row *rows;
	const struct layout_dead *dead;
};

extern const struct layout_set layout_set_linux;      /* layout_tables.c (XKB) */
extern const struct layout_set layout_set_windows;    /* layout_tables_cldr.c */
extern const struct layout_set layout_set_macos;
extern const struct layout_set layout_set_chromeos;

#endif
