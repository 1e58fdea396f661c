/* SPDX-License-Identifier: MIT */
/* test_keymap: every row and alias of the key table, plus an independent table of HID usages. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "keymap.h"
#include "layout.h"

static const struct keymap_key *lookup(const char *name)
{
	return keymap_lookup(name, strlen(name));
}

/* ---- every row of the table ------------------------------------------------ */

/* Found by its code as written, lower case and upper case. */
static void check_names(const struct keymap_key *k)
{
	char lower[64], upper[64];
	size_t n = strlen(k->code);

	cr_assert_lt(n, sizeof lower, "%s: code too long", k->code);
	for (size_t j = 0; j <= n; j++) {
		lower[j] = (char)tolower((unsigned char)k->code[j]);
		upper[j] = (char)toupper((unsigned char)k->code[j]);
	}
	cr_expect_eq(lookup(k->code), k, "lookup '%s'", k->code);
	cr_expect_eq(lookup(lower), k, "lookup '%s'", lower);
	cr_expect_eq(lookup(upper), k, "lookup '%s'", upper);
}

/* One row; failures name its code. */
static void check_row(size_t i)
{
	const struct keymap_key *k = keymap_at(i);

	cr_assert_not_null(k);
	cr_assert_not_null(k->code);
	cr_expect(k->page == KEYMAP_PAGE_KEYBOARD || k->page == KEYMAP_PAGE_CONSUMER,
		  "%s: page 0x%02X", k->code, k->page);
	cr_expect_neq(k->usage, 0, "%s: usage 0", k->code);
	cr_expect_neq(k->evdev, 0, "%s: evdev 0", k->code);
	if (k->page == KEYMAP_PAGE_KEYBOARD)
		cr_expect_leq(k->usage, 0xFF, "%s: keyboard usage 0x%X > 0xFF", k->code, k->usage);
	check_names(k);
	cr_expect_eq(keymap_by_usage(k->page, k->usage), k, "%s: by_usage(0x%02X, 0x%03X)",
		     k->code, k->page, k->usage);
	/* Usages are unique per page: the other page's look-up does not find this row. */
	uint8_t other = k->page == KEYMAP_PAGE_KEYBOARD ? KEYMAP_PAGE_CONSUMER : KEYMAP_PAGE_KEYBOARD;
	const struct keymap_key *o = keymap_by_usage(other, k->usage);
	cr_expect(o == NULL || o->page == other, "%s: by_usage ignores the page", k->code);
	if (k->page == KEYMAP_PAGE_KEYBOARD) {
		/* IntlHash and Backslash are the same evdev key (43); Backslash wins. */
		const struct keymap_key *want = strcmp(k->code, "IntlHash") ? k : lookup("Backslash");
		cr_expect_eq(keymap_by_evdev(k->evdev), want, "%s: by_evdev(%u)", k->code, k->evdev);
	}
	bool mod = k->page == KEYMAP_PAGE_KEYBOARD && k->usage >= 0xE0 && k->usage <= 0xE7;
	cr_expect_eq(keymap_is_modifier(k), mod, "%s: is_modifier", k->code);
	cr_expect_eq(keymap_modifier_bit(k), mod ? 1u << (k->usage - 0xE0) : 0u,
		     "%s: modifier bit", k->code);
}

/* Generated: every row of the table. */
Test(keymap, every_row)
{
	for (size_t i = 0; i < keymap_count(); i++)
		check_row(i);
}

/* The table as a whole: keyboard rows first in usage order, codes unique. */
Test(keymap, table_shape)
{
	size_t n = keymap_count();
	bool consumer_seen = false;

	cr_assert_gt(n, 150, "only %zu keys", n);
	cr_expect_null(keymap_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct keymap_key *k = keymap_at(i);
		if (k->page == KEYMAP_PAGE_CONSUMER)
			consumer_seen = true;
		else
			cr_expect_not(consumer_seen, "%s: keyboard row after consumer rows", k->code);
		if (i > 0 && k->page == KEYMAP_PAGE_KEYBOARD)
			cr_expect_gt(k->usage, keymap_at(i - 1)->usage, "%s: not in usage order", k->code);
		for (size_t j = 0; j < i; j++)
			cr_expect_neq(strcasecmp(k->code, keymap_at(j)->code), 0, "duplicate code %s",
				      k->code);
	}
	cr_expect(consumer_seen);
}

/* Every keyboard usage 0x00..0xFF and every consumer usage up to 0x3FF that is
 * not a row is unknown (and nothing between rows is found by accident). */
Test(keymap, usage_sweep)
{
	for (unsigned page = 0; page < 2; page++) {
		uint8_t pg = page ? KEYMAP_PAGE_CONSUMER : KEYMAP_PAGE_KEYBOARD;
		for (unsigned u = 0; u < 0x400; u++) {
			const struct keymap_key *k = keymap_by_usage(pg, (uint16_t)u);
			size_t rows = 0;
			for (size_t i = 0; i < keymap_count(); i++)
				rows += keymap_at(i)->page == pg && keymap_at(i)->usage == u;
			cr_expect_eq(rows, k ? 1u : 0u, "page 0x%02X usage 0x%03X: %zu rows", pg, u, rows);
		}
	}
	cr_expect_null(keymap_by_usage(0x01, 0x04));
	cr_expect_null(keymap_by_evdev(0));
	cr_expect_null(keymap_by_evdev(KEY_VOLUMEUP), "consumer keys are not on the keyboard page");
}

/* The eight modifiers, by name, with their report bits. */
Test(keymap, modifiers)
{
	static const struct { const char *code; uint16_t usage; uint8_t bit; } mods[] = {
		{ "ControlLeft", 0xE0, HID_MOD_LCTRL }, { "ShiftLeft", 0xE1, HID_MOD_LSHIFT },
		{ "AltLeft", 0xE2, HID_MOD_LALT }, { "MetaLeft", 0xE3, HID_MOD_LMETA },
		{ "ControlRight", 0xE4, HID_MOD_RCTRL }, { "ShiftRight", 0xE5, HID_MOD_RSHIFT },
		{ "AltRight", 0xE6, HID_MOD_RALT }, { "MetaRight", 0xE7, HID_MOD_RMETA },
	};
	size_t count = 0;

	for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
		const struct keymap_key *k = lookup(mods[i].code);
		cr_assert_not_null(k, "%s", mods[i].code);
		cr_expect_eq(k->usage, mods[i].usage, "%s", mods[i].code);
		cr_expect(keymap_is_modifier(k), "%s", mods[i].code);
		cr_expect_eq(keymap_modifier_bit(k), mods[i].bit, "%s", mods[i].code);
	}
	for (size_t i = 0; i < keymap_count(); i++)
		count += keymap_is_modifier(keymap_at(i));
	cr_expect_eq(count, 8);
	/* Consumer usages 0xE2 (Mute) and 0xE9 (Volume Up) lie in the modifier
	 * range numerically but are not modifiers. */
	cr_expect_not(keymap_is_modifier(lookup("AudioVolumeMute")));
	cr_expect_eq(keymap_modifier_bit(lookup("AudioVolumeUp")), 0);
}

/* ---- every alias ------------------------------------------------------------ */

static void check_alias(size_t i)
{
	const char *name = keymap_alias_name(i);
	const struct keymap_key *k = keymap_alias_key(i);
	char upper[64];

	cr_assert_not_null(name);
	cr_assert_not_null(k, "alias '%s' names no row", name);
	cr_assert_lt(strlen(name), sizeof upper);
	for (size_t j = 0; j <= strlen(name); j++)
		upper[j] = (char)toupper((unsigned char)name[j]);
	/* Not shadowed by a code or by the one-letter rule. */
	cr_expect_eq(lookup(name), k, "alias '%s'", name);
	cr_expect_eq(lookup(upper), k, "alias '%s'", upper);
	/* An alias spelled like a code ("comma") is redundant, never a different key. */
	for (size_t j = 0; j < keymap_count(); j++)
		if (!strcasecmp(name, keymap_at(j)->code))
			cr_expect_eq(keymap_at(j), k, "alias '%s' is another key's code", name);
	for (size_t j = 0; j < i; j++)
		cr_expect_neq(strcasecmp(name, keymap_alias_name(j)), 0, "alias '%s' twice", name);
}

/* Generated: every alias. */
Test(keymap, every_alias)
{
	for (size_t i = 0; i < keymap_alias_count(); i++)
		check_alias(i);
}

Test(keymap, alias_bounds)
{
	size_t n = keymap_alias_count();

	cr_expect_gt(n, 50);
	cr_expect_null(keymap_alias_name(n));
	cr_expect_null(keymap_alias_key(n));
}

/* The aliases the contract names explicitly. */
Test(keymap, contract_aliases)
{
	static const struct { const char *alias, *code; } want[] = {
		{ "ctrl", "ControlLeft" }, { "shift", "ShiftLeft" }, { "alt", "AltLeft" },
		{ "altgr", "AltRight" }, { "win", "MetaLeft" }, { "super", "MetaLeft" },
		{ "meta", "MetaLeft" }, { "cmd", "MetaLeft" }, { "esc", "Escape" },
		{ "del", "Delete" }, { "pgup", "PageUp" }, { "volup", "AudioVolumeUp" },
		{ "enter", "Enter" }, { "CTRL", "ControlLeft" }, { "Esc", "Escape" },
	};

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct keymap_key *k = lookup(want[i].alias);
		cr_expect_not_null(k, "%s", want[i].alias);
		if (k)
			cr_expect_str_eq(k->code, want[i].code, "%s", want[i].alias);
	}
}

/* ---- single letters and digits ------------------------------------------------ */

Test(keymap, letters_and_digits)
{
	for (char c = 'a'; c <= 'z'; c++) {
		char code[8] = "KeyX", up = (char)(c - 'a' + 'A');
		code[3] = up;
		const struct keymap_key *k = keymap_lookup(&c, 1);
		cr_assert_not_null(k, "'%c'", c);
		cr_expect_str_eq(k->code, code, "'%c'", c);
		cr_expect_eq(k->usage, 0x04 + (c - 'a'), "'%c'", c);
		cr_expect_eq(keymap_lookup(&up, 1), k, "'%c'", up);
	}
	for (char c = '0'; c <= '9'; c++) {
		char code[8] = "DigitX";
		code[5] = c;
		const struct keymap_key *k = keymap_lookup(&c, 1);
		cr_assert_not_null(k, "'%c'", c);
		cr_expect_str_eq(k->code, code, "'%c'", c);
		/* 1..9 are 0x1E..0x26, 0 is 0x27. */
		cr_expect_eq(k->usage, c == '0' ? 0x27 : 0x1E + (c - '1'), "'%c'", c);
	}
}

/* ---- unknown names ------------------------------------------------------------- */

Test(keymap, unknown_names)
{
	static const char *const bad[] = {
		"ctl", "KeyAA", "Key", "F0", "F25", "Digit10", "ctrl+a", " ctrl", "ctrl ",
		"Keya_", "ArrowUpp", "Numpad", "é", "\x01", "!", "@", "+",
		"ControlLeftControlLeftControlLeftX",            /* 34 characters */
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmn",      /* 40 characters */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_null(lookup(bad[i]), "'%s' should be unknown", bad[i]);
	cr_expect_null(keymap_lookup("", 0));
	cr_expect_null(keymap_lookup("KeyA", 0));
	/* Exactly len bytes are read: no NUL needed, and an embedded NUL is not a match. */
	cr_expect_null(keymap_lookup("KeyA\0", 5));
	cr_expect_eq(keymap_lookup("KeyAB", 4), lookup("KeyA"));
	cr_expect_eq(keymap_lookup("ctrlx", 4), lookup("ControlLeft"));
	cr_expect_eq(keymap_lookup("F1", 1), lookup("KeyF"));
}

/* ---- an independent table of well-known usages and evdev codes ----------------------- */

/* From the USB HID Usage Tables 1.12 (Keyboard/Keypad page 0x07, Consumer page
 * 0x0C) and linux/input-event-codes.h, written down here by hand. */
static const struct known {
	const char *code;
	uint8_t page;
	uint16_t usage, evdev;
} known[] = {
	{ "KeyA", 0x07, 0x04, KEY_A }, { "KeyM", 0x07, 0x10, KEY_M }, { "KeyZ", 0x07, 0x1D, KEY_Z },
	{ "Digit1", 0x07, 0x1E, KEY_1 }, { "Digit0", 0x07, 0x27, KEY_0 },
	{ "Enter", 0x07, 0x28, KEY_ENTER }, { "Escape", 0x07, 0x29, KEY_ESC },
	{ "Backspace", 0x07, 0x2A, KEY_BACKSPACE }, { "Tab", 0x07, 0x2B, KEY_TAB },
	{ "Space", 0x07, 0x2C, KEY_SPACE }, { "Minus", 0x07, 0x2D, KEY_MINUS },
	{ "Backslash", 0x07, 0x31, KEY_BACKSLASH }, { "IntlHash", 0x07, 0x32, KEY_BACKSLASH },
	{ "Semicolon", 0x07, 0x33, KEY_SEMICOLON }, { "Backquote", 0x07, 0x35, KEY_GRAVE },
	{ "Slash", 0x07, 0x38, KEY_SLASH }, { "CapsLock", 0x07, 0x39, KEY_CAPSLOCK },
	{ "F1", 0x07, 0x3A, KEY_F1 }, { "F12", 0x07, 0x45, KEY_F12 },
	{ "PrintScreen", 0x07, 0x46, KEY_SYSRQ }, { "Pause", 0x07, 0x48, KEY_PAUSE },
	{ "Insert", 0x07, 0x49, KEY_INSERT }, { "Delete", 0x07, 0x4C, KEY_DELETE },
	{ "PageDown", 0x07, 0x4E, KEY_PAGEDOWN }, { "ArrowRight", 0x07, 0x4F, KEY_RIGHT },
	{ "ArrowUp", 0x07, 0x52, KEY_UP }, { "NumLock", 0x07, 0x53, KEY_NUMLOCK },
	{ "NumpadEnter", 0x07, 0x58, KEY_KPENTER }, { "Numpad0", 0x07, 0x62, KEY_KP0 },
	{ "IntlBackslash", 0x07, 0x64, KEY_102ND }, { "ContextMenu", 0x07, 0x65, KEY_COMPOSE },
	{ "NumpadEqual", 0x07, 0x67, KEY_KPEQUAL },
	{ "F13", 0x07, 0x68, KEY_F13 }, { "F24", 0x07, 0x73, KEY_F24 },
	{ "IntlRo", 0x07, 0x87, KEY_RO }, { "IntlYen", 0x07, 0x89, KEY_YEN },
	{ "Lang1", 0x07, 0x90, KEY_HANGEUL }, { "Lang2", 0x07, 0x91, KEY_HANJA },
	{ "ControlLeft", 0x07, 0xE0, KEY_LEFTCTRL }, { "ShiftRight", 0x07, 0xE5, KEY_RIGHTSHIFT },
	{ "AltRight", 0x07, 0xE6, KEY_RIGHTALT }, { "MetaLeft", 0x07, 0xE3, KEY_LEFTMETA },
	{ "AudioVolumeUp", 0x0C, 0xE9, KEY_VOLUMEUP },
	{ "AudioVolumeDown", 0x0C, 0xEA, KEY_VOLUMEDOWN },
	{ "AudioVolumeMute", 0x0C, 0xE2, KEY_MUTE },
	{ "MediaPlayPause", 0x0C, 0xCD, KEY_PLAYPAUSE },
	{ "MediaTrackNext", 0x0C, 0xB5, KEY_NEXTSONG },
	{ "MediaTrackPrevious", 0x0C, 0xB6, KEY_PREVIOUSSONG },
	{ "MediaStop", 0x0C, 0xB7, KEY_STOPCD }, { "Eject", 0x0C, 0xB8, KEY_EJECTCD },
	{ "LaunchMail", 0x0C, 0x18A, KEY_MAIL }, { "LaunchApp2", 0x0C, 0x192, KEY_CALC },
	{ "BrowserSearch", 0x0C, 0x221, KEY_SEARCH }, { "BrowserHome", 0x0C, 0x223, KEY_HOMEPAGE },
	{ "BrowserBack", 0x0C, 0x224, KEY_BACK }, { "BrowserRefresh", 0x0C, 0x227, KEY_REFRESH },
};

Test(keymap, known_usages)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		const struct known *w = &known[i];
		const struct keymap_key *k = lookup(w->code);
		cr_assert_not_null(k, "%s missing", w->code);
		cr_expect_eq(k->page, w->page, "%s: page 0x%02X", w->code, k->page);
		cr_expect_eq(k->usage, w->usage, "%s: usage 0x%02X, want 0x%02X", w->code, k->usage,
			     w->usage);
		cr_expect_eq(k->evdev, w->evdev, "%s: evdev %u, want %u", w->code, k->evdev, w->evdev);
		cr_expect_eq(keymap_by_usage(w->page, w->usage), k, "%s by usage", w->code);
	}
}
