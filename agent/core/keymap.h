/* SPDX-License-Identifier: MIT */
/* keymap: key names (W3C KeyboardEvent.code values and short aliases) to HID
 * usages, and HID usages to Linux evdev key codes. The one key table of the
 * project: the layout generator, the simulated host and the tests use it too.
 * Pure module. */
#ifndef KEYMIME_KEYMAP_H
#define KEYMIME_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum keymap_page {
	KEYMAP_PAGE_KEYBOARD = 0x07,   /* /dev/hidg0, boot keyboard reports */
	KEYMAP_PAGE_CONSUMER = 0x0C,   /* /dev/hidg1, consumer control reports */
};

struct keymap_key {
	const char *code;      /* canonical KeyboardEvent.code ("KeyA", "AudioVolumeUp") */
	uint8_t page;          /* enum keymap_page */
	uint16_t usage;        /* HID usage on that page */
	uint16_t evdev;        /* Linux KEY_* code the host's hid-input maps it to */
};

/* Look up a key by name: a KeyboardEvent.code or an alias, case-insensitive.
 * name: borrowed, len bytes, need not be NUL-terminated.
 * Returns a pointer into the static table, or NULL for an unknown name. */
const struct keymap_key *keymap_lookup(const char *name, size_t len);

/* The key with this usage on this page, or NULL. */
const struct keymap_key *keymap_by_usage(uint8_t page, uint16_t usage);

/* The key whose evdev code is evdev on the keyboard page, or NULL. */
const struct keymap_key *keymap_by_evdev(uint16_t evdev);

/* True for the eight modifier usages 0xE0..0xE7 of the keyboard page. */
bool keymap_is_modifier(const struct keymap_key *k);

/* The modifier bit (HID_MOD_*) of a modifier key, 0 for other keys. */
uint8_t keymap_modifier_bit(const struct keymap_key *k);

/* Iterate over the canonical table (one row per key). */
size_t keymap_count(void);
const struct keymap_key *keymap_at(size_t i);

/* Iterate over the aliases: alias i names keymap_alias_key(i). */
size_t keymap_alias_count(void);
const char *keymap_alias_name(size_t i);
const struct keymap_key *keymap_alias_key(size_t i);

#endif
