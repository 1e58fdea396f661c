/* SPDX-License-Identifier: MIT */
/* layout: which keys a target keyboard layout needs to type a Unicode character.
 *
 * The tables are generated from XKB data at development time (see
 * agent/tools/layoutgen/) and compiled in; the runtime never touches XKB.
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

/* One key press: a keyboard-page usage with the modifiers held for it.
 * caps_mods are the modifiers to use instead while the host's Caps Lock is on,
 * so that the same character comes out (for letters: Shift flipped). */
struct layout_stroke {
	uint8_t usage;
	uint8_t mods;
	uint8_t caps_mods;
};

#define LAYOUT_MAX_STROKES 3

/* How to type one character: 1 stroke, or a dead-key sequence of up to 3. */
struct layout_entry {
	uint32_t cp;                 /* Unicode code point */
	uint8_t n;                   /* strokes used, 1..LAYOUT_MAX_STROKES */
	struct layout_stroke s[LAYOUT_MAX_STROKES];
};

struct layout;   /* opaque; the generated tables define them */

/* Find a layout by name ("us", "de", "fr-ch", …), case-insensitive.
 * name: borrowed, NUL-terminated. Returns a static layout or NULL. */
const struct layout *layout_find(const char *name);

/* The default layout ("us"); never NULL. */
const struct layout *layout_default(void);

/* The layout's short name ("de-ch"); static string. */
const char *layout_name(const struct layout *l);

/* A human description ("German (Switzerland)"); static string. */
const char *layout_description(const struct layout *l);

/* How to type code point cp on layout l. '\n' is Enter and '\t' is Tab on
 * every layout. Returns a pointer into static tables, or NULL when the layout
 * cannot type cp. */
const struct layout_entry *layout_lookup(const struct layout *l, uint32_t cp);

/* Iterate over all layouts: index 0..layout_count()-1. */
size_t layout_count(void);
const struct layout *layout_at(size_t i);

/* Iterate over a layout's repertoire (sorted by code point). */
size_t layout_entry_count(const struct layout *l);
const struct layout_entry *layout_entry_at(const struct layout *l, size_t i);

/* False when e (from layout_lookup(l, …)) cannot be typed at all while the
 * host's Caps Lock is on: no modifiers on its keys give the same character
 * then (de: AltGr+M is µ, but Μ under Caps Lock; fr: é). Its caps_mods are
 * then the plain mods; to type it right, turn Caps Lock off around it (tap
 * CapsLock before and after). */
bool layout_entry_caps_ok(const struct layout *l, const struct layout_entry *e);

/* False when the layout's Caps Lock key (usage 0x39) does not toggle Caps
 * Lock on the host (us-colemak: it is a second Backspace). Tapping it there
 * would delete text, so caps-blocked characters cannot be typed while the
 * host's Caps Lock is on. */
bool layout_caps_key_locks(const struct layout *l);

/* Characters the layout types only while the host's Caps Lock is on (fr: Ç
 * is the ç key under Caps Lock). layout_lookup() does not return them, so
 * code that does not handle them rejects them. To type one: its single
 * stroke with caps_mods, with Caps Lock tapped on before it and off after it
 * when the host's Caps Lock is off. Only on layouts where
 * layout_caps_key_locks(). Returns NULL when cp is not such a character. */
const struct layout_entry *layout_lookup_caps_only(const struct layout *l, uint32_t cp);

/* Iterate over those characters (sorted by code point). */
size_t layout_caps_only_count(const struct layout *l);
const struct layout_entry *layout_caps_only_at(const struct layout *l, size_t i);

#endif
