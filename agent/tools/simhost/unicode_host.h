/* SPDX-License-Identifier: MIT */
/* unicode_host: a simulated host's code entry, as the systems do it when it
 * is enabled: IBus/GTK/ChromeOS Ctrl+Shift+U hex (committed by space or
 * Enter), Windows Alt+keypad decimal codes (leading 0: Windows-1252) and,
 * with EnableHexNumpad, Alt+keypad-plus hex (committed when Alt comes up),
 * macOS "Unicode Hex Input" Option+hex (four digits per UTF-16 unit,
 * committed when Option comes up). Written apart from the agent's
 * unicode_entry.c on purpose, so the round trip judges it. */
#ifndef KEYMIME_UNICODE_HOST_H
#define KEYMIME_UNICODE_HOST_H

#include <stdbool.h>
#include <stdint.h>

enum uhost_method { UHOST_NONE, UHOST_IBUS, UHOST_ALTCODE, UHOST_WINHEX, UHOST_MACHEX };

typedef void (*uhost_emit_fn)(void *ctx, uint32_t cp);

struct uhost {
	enum uhost_method m;
	bool active;              /* an entry is under way */
	bool hex;                 /* Windows: after keypad + */
	char digits[16];
	int n;
	bool has_letter[6];       /* Windows: a key types a..f without modifiers */
	uhost_emit_fn emit;
	void *ctx;
};

/* Parses a method name ("linux-ibus", "windows-altcode", "windows-hex",
 * "macos-hex", "none"): 0 or -1. */
int uhost_parse(const char *name, enum uhost_method *out);

/* A key press, before the host's own handling. mods: the HID modifier byte
 * held; text: the character the key makes now (under Shift and the lock
 * states, Control not applied; 0 for none); plain: what it makes without
 * modifiers; num_lock: the host's Num Lock. True when the entry took the
 * key (the host must not type it). */
bool uhost_key(struct uhost *u, uint8_t usage, uint8_t mods, uint32_t text, uint32_t plain,
	       bool num_lock);

/* The modifier byte went from old to now: Alt (Windows) or Option (macOS)
 * coming up ends an entry. */
void uhost_mods(struct uhost *u, uint8_t old, uint8_t now);

#endif
