/* SPDX-License-Identifier: MIT */
/* layout: which keys a target keyboard layout needs to type a Unicode character.
 *
 * One set of tables per target operating system: linux's generated from XKB
 * data, windows', macos' and chromeos' from Unicode CLDR's platform keyboards,
 * at development time (agent/tools/layoutgen/), and compiled in as read-only
 * data; the runtime never touches XKB or CLDR.
 * Pure module: no syscalls, no globals but const tables. */
#ifndef KEYMIME_LAYOUT_H
#define KEYMIME_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HID keyboard modifier bits (byte 0 of a boot keyboard report). */
#define HID_MOD_LCTRL  0x01
#define HID_MOD_LSHIFT 0x02
#define HID_MOD_LALT   0x04
#define HID_MOD_LMETA  0x08
#define HID_MOD_RCTRL  0x10
#define HID_MOD_RSHIFT 0x20
#define HID_MOD_RALT   0x40   /* AltGr on layouts that have it */
#define HID_MOD_RMETA  0x80

/* The operating system of the computer typed into: what a key makes
 * depends on it as well as on the layout. */
enum layout_target {
	LAYOUT_LINUX,       /* XKB tables (default) */
	LAYOUT_WINDOWS,     /* CLDR windows keyboards */
	LAYOUT_MACOS,       /* CLDR osx keyboards */
	LAYOUT_CHROMEOS,    /* CLDR chromeos keyboards */
	LAYOUT_TARGET_COUNT
};

/* "linux", "windows", "macos", "chromeos"; NULL for a bad value. */
const char *layout_target_name(enum layout_target t);

/* Parses a target name (case-insensitive) into *out: 0, or -EINVAL. */
int layout_target_parse(const char *s, enum layout_target *out);

/* One key press: a keyboard-page usage with the modifiers held for it.
 * caps_mods are the modifiers to use instead while the host's Caps Lock is on,
 * so that the same character comes out (for letters: Shift flipped). */
struct layout_stroke {
	uint8_t usage;
	uint8_t mods;
	uint8_t caps_mods;
};

#define LAYOUT_MAX_STROKES 3

/* How to type one character: 1 stroke, or a dead-key sequence of up to 3.
 * Filled in by the look-ups below (the tables store it more compactly). */
struct layout_entry {
	uint32_t cp;                 /* Unicode code point */
	uint8_t n;                   /* strokes used, 1..LAYOUT_MAX_STROKES */
	bool caps_ok;                /* false: no modifiers type it while the host's
				      * Caps Lock is on (de: AltGr+M is µ, but Μ under
				      * Caps Lock); turn Caps Lock off around it */
	bool caps_only;              /* typed only while Caps Lock is on (fr: Ç) */
	struct layout_stroke s[LAYOUT_MAX_STROKES];
};

struct layout;   /* opaque; the generated tables define them */

/* Find a layout of target t by name ("us", "de", "fr-ch", …),
 * case-insensitive. name: borrowed, NUL-terminated. Returns a static layout
 * or NULL (also for a bad t). */
const struct layout *layout_find(enum layout_target t, const char *name);

/* The default layout ("us") of target t; never NULL (linux's for a bad t). */
const struct layout *layout_default(enum layout_target t);

/* The layout's target. */
enum layout_target layout_target(const struct layout *l);

/* The layout's short name ("de-ch"); static string. */
const char *layout_name(const struct layout *l);

/* Where its table comes from: XKB "ch(de)" or a CLDR keyboard id
 * "de-CH-t-k0-windows"; static string. */
const char *layout_source(const struct layout *l);

/* A human description ("German (Switzerland)"); static string. */
const char *layout_description(const struct layout *l);

/* How to type code point cp on layout l, into *out. '\n' is Enter and '\t'
 * is Tab on every layout. False when the layout cannot type cp (characters
 * only Caps Lock reaches are not found here: layout_lookup_caps_only). */
bool layout_lookup(const struct layout *l, uint32_t cp, struct layout_entry *out);

/* Iterate over the layouts of target t: index 0..layout_count(t)-1. */
size_t layout_count(enum layout_target t);
const struct layout *layout_at(enum layout_target t, size_t i);

/* Iterate over the layouts of every target, linux's first. */
size_t layout_count_all(void);
const struct layout *layout_at_all(size_t i);

/* Iterate over a layout's repertoire (sorted by code point), the characters
 * only Caps Lock reaches included (their caps_only is true). False past the
 * end. layout_char_count() counts the others, what layout_lookup() finds. */
size_t layout_entry_count(const struct layout *l);
bool layout_entry_at(const struct layout *l, size_t i, struct layout_entry *out);
size_t layout_char_count(const struct layout *l);

/* False when the layout's Caps Lock key (usage 0x39) does not toggle Caps
 * Lock on the host (us-colemak: it is a second Backspace). Tapping it there
 * would delete text, so caps-blocked characters cannot be typed while the
 * host's Caps Lock is on. */
bool layout_caps_key_locks(const struct layout *l);

/* Characters the layout types only while the host's Caps Lock is on (fr: Ç
 * is the ç key under Caps Lock). To type one: its single stroke with
 * caps_mods, with Caps Lock tapped on before it and off after it when the
 * host's Caps Lock is off. Only on layouts where layout_caps_key_locks().
 * False when cp is not such a character. */
bool layout_lookup_caps_only(const struct layout *l, uint32_t cp, struct layout_entry *out);

#endif
