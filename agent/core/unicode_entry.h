/* SPDX-License-Identifier: MIT */
/* unicode_entry: typing characters no key of the layout makes, through an
 * operating system's own code entry: the keystrokes of Ctrl+Shift+U (IBus,
 * GTK, ChromeOS), Alt+keypad codes (Windows-1252 and hex) and Option+hex
 * (macOS "Unicode Hex Input"). docs/layouts.md says what each needs on the
 * host. Pure module. */
#ifndef KEYMIME_UNICODE_ENTRY_H
#define KEYMIME_UNICODE_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

enum unicode_entry {
	UNICODE_ENTRY_NONE,              /* refuse what the layout cannot type (default) */
	UNICODE_ENTRY_LINUX_IBUS,        /* Ctrl+Shift+U, hex digits, space */
	UNICODE_ENTRY_WINDOWS_ALTCODE,   /* Alt held, keypad 0 + decimal Windows-1252 code */
	UNICODE_ENTRY_WINDOWS_HEX,       /* Alt held, keypad +, hex digits (EnableHexNumpad) */
	UNICODE_ENTRY_MACOS_HEX,         /* Option held, 4 hex digits per UTF-16 unit */
	UNICODE_ENTRY_COUNT
};

/* "none", "linux-ibus", "windows-altcode", "windows-hex", "macos-hex";
 * NULL for a bad value. Static strings. */
const char *unicode_entry_name(enum unicode_entry m);

/* Parses a method name (case-insensitive) into *out: 0, or -EINVAL. */
int unicode_entry_parse(const char *s, enum unicode_entry *out);

/* Whether method m is one target t has (none fits every target; linux-ibus
 * fits linux and chromeos). */
bool unicode_entry_fits(enum unicode_entry m, enum layout_target t);

/* The targets m is for, for messages: "linux or chromeos"; static. */
const char *unicode_entry_targets(enum unicode_entry m);

/* What m can enter, for messages: "Windows-1252 characters"; static. */
const char *unicode_entry_reach(enum unicode_entry m);

#define UNICODE_ENTRY_MAX_STROKES 10   /* linux-ibus: u, 6 hex digits, space */

/* The keystrokes that enter one character. Each stroke's mods are the whole
 * modifier byte of its press (hold_mods included); between strokes and
 * until the last one is released, hold_mods stay down (Alt, Option). */
struct unicode_entry_keys {
	uint8_t n;
	uint8_t hold_mods;        /* held through the whole entry, 0 for linux-ibus */
	bool caps_blocked;        /* a stroke cannot be typed under Caps Lock: turn it off around */
	bool num_lock;            /* keypad digits: the host's Num Lock must be on */
	struct layout_stroke s[UNICODE_ENTRY_MAX_STROKES];
};

/* How method m enters code point cp on layout l, into *out. Returns 0;
 * -ERANGE when m cannot enter cp (a control character, not in Windows-1252
 * for windows-altcode, beyond U+FFFF for windows-hex; none enters nothing);
 * -ENOENT when l lacks a key m needs (linux-ibus on a layout without Latin
 * letters or digits). */
int unicode_entry_keys(enum unicode_entry m, const struct layout *l, uint32_t cp,
		       struct unicode_entry_keys *out);

/* The Windows-1252 byte of cp, or -1 when Windows-1252 lacks it. */
int unicode_entry_cp1252(uint32_t cp);

#endif
