/* SPDX-License-Identifier: MIT */
/* test_unicode_entry: the exact keystrokes of each code entry method, on layouts that move the keys, and what each refuses. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "unicode_entry.h"

/* The strokes as "usage.mods.caps_mods …", then "| hold=.. caps_blocked=. num=.". */
static void describe(const struct unicode_entry_keys *k, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < k->n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%02x.%02x.%02x", i ? " " : "", k->s[i].usage,
				      k->s[i].mods, k->s[i].caps_mods);
	snprintf(out + o, n - o, " | hold=%02x caps_blocked=%d num=%d", k->hold_mods, k->caps_blocked,
		 k->num_lock);
}

static const struct keys_case {
	const char *method, *target, *layout;
	uint32_t cp;
	const char *want;
} keys_cases[] = {
	/* Ctrl+Shift+U on the key that types u, the hex digits by the
	 * layout's own keys, space. */
	{ "linux-ibus", "linux", "us", 0xE9, "18.03.03 08.00.02 26.00.00 2c.00.00 | hold=00 caps_blocked=0 num=0" },
	{ "linux-ibus", "linux", "us", 0x1F600,
	  "18.03.03 1e.00.00 09.00.02 23.00.00 27.00.00 27.00.00 2c.00.00 | hold=00 caps_blocked=0 num=0" },
	/* AZERTY: the digits take Shift. */
	{ "linux-ibus", "linux", "fr", 0x2192,
	  "18.03.03 1f.02.02 1e.02.02 26.02.02 1f.02.02 2c.00.00 | hold=00 caps_blocked=0 num=0" },
	/* Dvorak: u is on the US F key. */
	{ "linux-ibus", "linux", "us-dvorak", 0x2192,
	  "09.03.03 1f.00.00 1e.00.00 26.00.00 1f.00.00 2c.00.00 | hold=00 caps_blocked=0 num=0" },
	/* ChromeOS French: a digit no key gives under Caps Lock, so Caps Lock
	 * goes off around the whole entry. */
	{ "linux-ibus", "chromeos", "fr", 0x2192,
	  "18.03.03 1f.02.02 1e.02.02 26.02.02 1f.02.02 2c.00.00 | hold=00 caps_blocked=1 num=0" },
	/* Left Alt held, keypad 0 and the Windows-1252 code: é 233, € 128. */
	{ "windows-altcode", "windows", "us", 0xE9, "62.04.04 5a.04.04 5b.04.04 5b.04.04 | hold=04 caps_blocked=0 num=1" },
	{ "windows-altcode", "windows", "us", 0x20AC, "62.04.04 59.04.04 5a.04.04 60.04.04 | hold=04 caps_blocked=0 num=1" },
	{ "windows-altcode", "windows", "ru", 'a', "62.04.04 62.04.04 61.04.04 5f.04.04 | hold=04 caps_blocked=0 num=1" },
	/* Keypad +, digits on the keypad, letters on the keys of their
	 * virtual keys: AZERTY a is the US Q key; Russian keeps the US keys. */
	{ "windows-hex", "windows", "fr", 0x20AC,
	  "57.04.04 5a.04.04 62.04.04 14.04.04 06.04.04 | hold=04 caps_blocked=0 num=1" },
	{ "windows-hex", "windows", "ru", 0x20AC,
	  "57.04.04 5a.04.04 62.04.04 04.04.04 06.04.04 | hold=04 caps_blocked=0 num=1" },
	/* Option held, four digits per UTF-16 unit on the US keys of Unicode
	 * Hex Input, a surrogate pair beyond U+FFFF. */
	{ "macos-hex", "macos", "us", 0x2192, "1f.04.04 1e.04.04 26.04.04 1f.04.04 | hold=04 caps_blocked=0 num=0" },
	{ "macos-hex", "macos", "fr", 0xE9, "27.04.04 27.04.04 08.04.04 26.04.04 | hold=04 caps_blocked=0 num=0" },
	{ "macos-hex", "macos", "us", 0x1F600,
	  "07.04.04 25.04.04 20.04.04 07.04.04 07.04.04 08.04.04 27.04.04 27.04.04 | hold=04 caps_blocked=0 num=0" },
};

Test(unicode_entry, exact_keys)
{
	for (size_t i = 0; i < sizeof keys_cases / sizeof keys_cases[0]; i++) {
		const struct keys_case *c = &keys_cases[i];
		enum unicode_entry m;
		enum layout_target t;
		struct unicode_entry_keys k;
		char got[256];

		cr_assert_eq(unicode_entry_parse(c->method, &m), 0);
		cr_assert_eq(layout_target_parse(c->target, &t), 0);
		const struct layout *l = layout_find(t, c->layout);
		cr_assert_not_null(l, "%s", c->layout);
		cr_expect_eq(unicode_entry_keys(m, l, c->cp, &k), 0, "%s %s U+%04X", c->method, c->layout,
			     c->cp);
		describe(&k, got, sizeof got);
		cr_expect_str_eq(got, c->want, "%s %s %s U+%04X", c->method, c->target, c->layout, c->cp);
	}
}

Test(unicode_entry, refusals)
{
	const struct layout *us = layout_find(LAYOUT_LINUX, "us");
	const struct layout *ru = layout_find(LAYOUT_LINUX, "ru");
	const struct layout *wus = layout_find(LAYOUT_WINDOWS, "us");
	struct unicode_entry_keys k;

	/* Not in Windows-1252; beyond U+FFFF for windows-hex. */
	cr_expect_eq(unicode_entry_keys(UNICODE_ENTRY_WINDOWS_ALTCODE, wus, 0x2192, &k), -ERANGE);
	cr_expect_eq(unicode_entry_keys(UNICODE_ENTRY_WINDOWS_ALTCODE, wus, 0x81, &k), -ERANGE);
	cr_expect_eq(unicode_entry_keys(UNICODE_ENTRY_WINDOWS_HEX, wus, 0x1F600, &k), -ERANGE);
	cr_expect_eq(unicode_entry_keys(UNICODE_ENTRY_WINDOWS_HEX, wus, 0xFFFD, &k), 0);
	/* Control characters, by every method. */
	for (int m = UNICODE_ENTRY_LINUX_IBUS; m < UNICODE_ENTRY_COUNT; m++) {
		cr_expect_eq(unicode_entry_keys(m, us, 0x1B, &k), -ERANGE, "%d", m);
		cr_expect_eq(unicode_entry_keys(m, us, 0x85, &k), -ERANGE, "%d", m);
		cr_expect_eq(unicode_entry_keys(m, us, 0x7F, &k), -ERANGE, "%d", m);
	}
	/* none enters nothing. */
	cr_expect_eq(unicode_entry_keys(UNICODE_ENTRY_NONE, us, 0xE9, &k), -ERANGE);
	/* A layout without the keys IBus reads (no Latin u, a-f). */
	cr_expect_eq(unicode_entry_keys(UNICODE_ENTRY_LINUX_IBUS, ru, 0xE9, &k), -ENOENT);
}

Test(unicode_entry, names_and_targets)
{
	static const char *const names[] = { "none", "linux-ibus", "windows-altcode", "windows-hex",
					     "macos-hex" };
	enum unicode_entry m;

	for (int i = 0; i < UNICODE_ENTRY_COUNT; i++) {
		cr_expect_str_eq(unicode_entry_name(i), names[i]);
		cr_expect_eq(unicode_entry_parse(names[i], &m), 0);
		cr_expect_eq(m, (enum unicode_entry)i);
	}
	cr_expect_eq(unicode_entry_parse("Windows-HEX", &m), 0);
	cr_expect_eq(m, UNICODE_ENTRY_WINDOWS_HEX);
	cr_expect_eq(unicode_entry_parse("ibus", &m), -EINVAL);
	cr_expect_eq(unicode_entry_parse("", &m), -EINVAL);
	cr_expect_eq(unicode_entry_parse(NULL, &m), -EINVAL);
	cr_expect_null(unicode_entry_name(UNICODE_ENTRY_COUNT));
	/* Which target has which method. */
	static const char fits[UNICODE_ENTRY_COUNT][LAYOUT_TARGET_COUNT + 1] = {
		"1111", "1001", "0100", "0100", "0010",
	};
	for (int i = 0; i < UNICODE_ENTRY_COUNT; i++)
		for (int t = 0; t < LAYOUT_TARGET_COUNT; t++)
			cr_expect_eq(unicode_entry_fits(i, t), fits[i][t] == '1', "%s on %s",
				     names[i], layout_target_name(t));
}

/* Windows-1252: ASCII and Latin-1 as themselves, the 27 characters of
 * 0x80-0x9F, nothing else. */
Test(unicode_entry, cp1252)
{
	static const struct { uint32_t cp; int b; } known[] = {
		{ ' ', 0x20 }, { '~', 0x7E }, { 0xA0, 0xA0 }, { 0xFF, 0xFF }, { 0x20AC, 0x80 },
		{ 0x201A, 0x82 }, { 0x2026, 0x85 }, { 0x0152, 0x8C }, { 0x017D, 0x8E },
		{ 0x2018, 0x91 }, { 0x2014, 0x97 }, { 0x2122, 0x99 }, { 0x0178, 0x9F },
		{ 0x81, -1 }, { 0x9D, -1 }, { 0x7F, -1 }, { 0x1F, -1 }, { 0x100, -1 }, { 0x2192, -1 },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		cr_expect_eq(unicode_entry_cp1252(known[i].cp), known[i].b, "U+%04X", known[i].cp);
	for (uint32_t cp = 0x100; cp < 0x10000; cp++)
		n += unicode_entry_cp1252(cp) >= 0;
	cr_expect_eq(n, 27, "27 characters of 0x80-0x9F");
}
