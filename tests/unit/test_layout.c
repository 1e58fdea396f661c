/* SPDX-License-Identifier: MIT */
/* test_layout: every row of every generated layout table, the name look-up,
 * and known key positions of real layouts. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "layout.h"
#include "layout_list.h"

#include <json-c/json.h>

/* The only modifiers a layout may ask for: Shift and AltGr (right Alt) on
 * linux and chromeos; also Ctrl+Alt on windows (its other AltGr, never
 * preferred); Option (left, or right where a keyboard tells them apart) on
 * macos. */
static uint8_t allowed_mods(enum layout_target t)
{
	switch (t) {
	case LAYOUT_WINDOWS:
		return HID_MOD_LSHIFT | HID_MOD_RALT | HID_MOD_LCTRL | HID_MOD_LALT;
	case LAYOUT_MACOS:
		return HID_MOD_LSHIFT | HID_MOD_LALT | HID_MOD_RALT;
	default:
		return HID_MOD_LSHIFT | HID_MOD_RALT;
	}
}

/* Plain tests with cr_expect(false, …) on failure only: the tables have
 * ~250,000 rows and a Criterion assertion per check would take long. */
static void check_stroke(const struct layout *l, uint32_t cp, const struct layout_stroke *s)
{
	const struct keymap_key *k = keymap_by_usage(KEYMAP_PAGE_KEYBOARD, s->usage);
	const char *name = layout_name(l);
	uint8_t allowed = allowed_mods(layout_target(l));

	if (!k)
		cr_expect(false, "%s U+%04X: usage 0x%02X unknown to keymap", name, cp, s->usage);
	else if (keymap_is_modifier(k))
		cr_expect(false, "%s U+%04X: stroke is a modifier key", name, cp);
	if (s->mods & ~allowed)
		cr_expect(false, "%s U+%04X: mods 0x%02X", name, cp, s->mods);
	if (s->caps_mods & ~allowed)
		cr_expect(false, "%s U+%04X: caps_mods 0x%02X", name, cp, s->caps_mods);
}

/* One row: its strokes, its place in the order, that the look-up finds it. */
static void check_row(const struct layout *l, size_t j, const struct layout_entry *e,
		      uint32_t *prev)
{
	struct layout_entry f;
	const char *name = layout_name(l);

	if (e->n < 1 || e->n > LAYOUT_MAX_STROKES)
		cr_expect(false, "%s U+%04X: %d strokes", name, e->cp, e->n);
	for (int s = 0; s < e->n && s < LAYOUT_MAX_STROKES; s++)
		check_stroke(l, e->cp, &e->s[s]);
	if (j && *prev >= e->cp)
		cr_expect(false, "%s: rows out of order at U+%04X", name, e->cp);
	*prev = e->cp;
	bool found = e->caps_only ? layout_lookup_caps_only(l, e->cp, &f) : layout_lookup(l, e->cp, &f);
	if (!found || memcmp(&f, e, sizeof f) != 0)
		cr_expect(false, "%s U+%04X: look-up does not give the row", name, e->cp);
	if (e->caps_only ? layout_lookup(l, e->cp, &f) : layout_lookup_caps_only(l, e->cp, &f))
		cr_expect(false, "%s U+%04X: found by both look-ups", name, e->cp);
	if (e->caps_only && (e->n != 1 || !layout_caps_key_locks(l)))
		cr_expect(false, "%s U+%04X: caps-only row of %d strokes", name, e->cp, e->n);
	if (!e->caps_ok && !e->caps_only && e->s[e->n - 1].caps_mods != e->s[e->n - 1].mods)
		cr_expect(false, "%s U+%04X: caps-blocked but caps_mods differ", name, e->cp);
}

Test(layout, every_row_of_every_target)
{
	size_t rows = 0;

	for (size_t i = 0; i < layout_count_all(); i++) {
		const struct layout *l = layout_at_all(i);
		struct layout_entry e;
		uint32_t prev = 0;
		size_t chars = 0, j;

		cr_assert_not_null(l);
		for (j = 0; layout_entry_at(l, j, &e); j++) {
			check_row(l, j, &e, &prev);
			chars += !e.caps_only;
		}
		cr_expect_eq(j, layout_entry_count(l), "%s", layout_name(l));
		cr_expect_eq(chars, layout_char_count(l), "%s", layout_name(l));
		cr_expect_not(layout_entry_at(l, j, &e));
		rows += j;
	}
	cr_expect_null(layout_at_all(layout_count_all()));
	cr_log_info("%zu rows in %zu layouts", rows, layout_count_all());
}

/* Enter and Tab are the same keys everywhere; control characters are not
 * typable. */
static void check_fixed_keys(const struct layout *l)
{
	static const struct { uint32_t cp; uint8_t usage; } fixed[] = { { '\n', 0x28 }, { '\t', 0x2B } };
	struct layout_entry e;

	for (size_t j = 0; j < 2; j++) {
		cr_expect(layout_lookup(l, fixed[j].cp, &e), "%s U+%04X", layout_name(l), fixed[j].cp);
		cr_expect(e.n == 1 && e.s[0].usage == fixed[j].usage && e.s[0].mods == 0,
			  "%s U+%04X", layout_name(l), fixed[j].cp);
	}
	cr_expect_not(layout_lookup(l, '\r', &e), "%s", layout_name(l));
	cr_expect_not(layout_lookup(l, 0x1B, &e), "%s", layout_name(l));
	cr_expect_not(layout_lookup(l, 0x7F, &e), "%s", layout_name(l));
	cr_expect_not(layout_lookup(l, 0, &e), "%s", layout_name(l));
}

Test(layout, enter_and_tab_everywhere)
{
	for (size_t i = 0; i < layout_count_all(); i++)
		check_fixed_keys(layout_at_all(i));
}

Test(layout, names_unique_and_found_per_target)
{
	for (int t = 0; t < LAYOUT_TARGET_COUNT; t++) {
		for (size_t i = 0; i < layout_count(t); i++) {
			const struct layout *l = layout_at(t, i);
			char upper[64];
			size_t n = strlen(layout_name(l));

			cr_assert_lt(n, sizeof upper);
			for (size_t c = 0; c <= n; c++)
				upper[c] = (char)toupper((unsigned char)layout_name(l)[c]);
			cr_expect_eq(layout_target(l), (enum layout_target)t);
			cr_expect_eq(layout_find(t, layout_name(l)), l, "%s", layout_name(l));
			cr_expect_eq(layout_find(t, upper), l, "%s", upper);
			cr_expect_gt(strlen(layout_source(l)), 0);
			cr_expect_gt(strlen(layout_description(l)), 0);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(layout_name(layout_at(t, j)), layout_name(l)))
					cr_expect(false, "%s: duplicate name %s", layout_target_name(t),
						  layout_name(l));
		}
		cr_expect_null(layout_at(t, layout_count(t)));
		cr_expect_str_eq(layout_name(layout_default(t)), "us");
		cr_expect_eq(layout_at(t, 0), layout_default(t));
	}
	cr_expect_gt(layout_count(LAYOUT_LINUX), 500, "every XKB layout");
	cr_expect_gt(layout_count(LAYOUT_WINDOWS), 200);
	cr_expect_gt(layout_count(LAYOUT_MACOS), 130);
	cr_expect_gt(layout_count(LAYOUT_CHROMEOS), 50);
}

/* Today's names stay valid on linux; the names the issue asks for exist on
 * each target and mean the same country there. */
Test(layout, names_across_targets)
{
	static const char *const old[] = {
		"us", "us-intl", "gb", "de", "de-ch", "fr", "fr-ch", "be", "es", "it", "pt", "pt-br",
		"nl", "se", "no", "dk", "fi", "pl", "cz", "hu", "tr", "us-dvorak", "us-colemak", "ca",
		"latam", "is", "ee", "lt", "lv", "si", "hr", "sk", "ro", "ru", "ua", "gr", "jp",
	};
	static const char *const everywhere[] = {
		"us", "us-intl", "gb", "de", "de-ch", "fr", "fr-ch", "es", "it", "pt", "pt-br",
		"se", "no", "dk", "fi", "pl", "cz", "hu", "tr", "ru", "ua", "gr", "il", "is",
	};
	static const struct { int t; const char *name, *source; } src[] = {
		{ LAYOUT_LINUX, "de-ch", "ch(de)" }, { LAYOUT_LINUX, "il", "il" },
		{ LAYOUT_LINUX, "pl-dvorak", "pl(dvorak)" },
		{ LAYOUT_WINDOWS, "de", "de-t-k0-windows" }, { LAYOUT_MACOS, "de", "de-t-k0-osx" },
		{ LAYOUT_WINDOWS, "pt-br", "pt-t-k0-windows" }, { LAYOUT_WINDOWS, "pt", "pt-PT-t-k0-windows" },
		{ LAYOUT_WINDOWS, "pl", "pl-t-k0-windows-extended" },
		{ LAYOUT_WINDOWS, "us-intl", "en-t-k0-windows-extended" },
		{ LAYOUT_MACOS, "it-pro", "it-t-k0-osx-extended" },
		{ LAYOUT_CHROMEOS, "de-ch", "de-CH-t-k0-chromeos" },
	};

	for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
		cr_expect_not_null(layout_find(LAYOUT_LINUX, old[i]), "%s", old[i]);
	for (size_t i = 0; i < sizeof everywhere / sizeof everywhere[0]; i++)
		for (int t = 0; t < LAYOUT_TARGET_COUNT; t++)
			if (t != LAYOUT_CHROMEOS || strcmp(everywhere[i], "gr") == 0 ||
			    layout_find(LAYOUT_CHROMEOS, everywhere[i]))
				cr_expect_not_null(layout_find(t, everywhere[i]), "%s on %s",
						   everywhere[i], layout_target_name(t));
	for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
		const struct layout *l = layout_find(src[i].t, src[i].name);
		cr_assert_not_null(l, "%s", src[i].name);
		cr_expect_str_eq(layout_source(l), src[i].source);
	}
}

Test(layout, targets)
{
	enum layout_target t;

	for (int i = 0; i < LAYOUT_TARGET_COUNT; i++) {
		cr_expect_eq(layout_target_parse(layout_target_name(i), &t), 0);
		cr_expect_eq(t, (enum layout_target)i);
	}
	cr_expect_eq(layout_target_parse("MacOS", &t), 0);
	cr_expect_eq(t, LAYOUT_MACOS);
	cr_expect_eq(layout_target_parse("osx", &t), -EINVAL);
	cr_expect_eq(layout_target_parse("", &t), -EINVAL);
	cr_expect_eq(layout_target_parse(NULL, &t), -EINVAL);
	cr_expect_null(layout_target_name(LAYOUT_TARGET_COUNT));
	cr_expect_null(layout_find(LAYOUT_TARGET_COUNT, "us"));
	cr_expect_eq(layout_count(LAYOUT_TARGET_COUNT), 0);
	cr_expect_eq(layout_default(LAYOUT_TARGET_COUNT), layout_default(LAYOUT_LINUX));
}

Test(layout, unknown_names)
{
	cr_expect_null(layout_find(LAYOUT_LINUX, "xx"));
	cr_expect_null(layout_find(LAYOUT_LINUX, ""));
	cr_expect_null(layout_find(LAYOUT_LINUX, "d"));
	cr_expect_null(layout_find(LAYOUT_LINUX, "dee"));
	cr_expect_null(layout_find(LAYOUT_LINUX, "de "));
	cr_expect_null(layout_find(LAYOUT_LINUX, NULL));
	cr_expect_null(layout_find(LAYOUT_WINDOWS, "us-colemak"));   /* Windows has none */
	cr_expect_null(layout_find(LAYOUT_MACOS, "ch(de)"));
}

/* Known positions on real keyboards; mods/caps of 0xFF are not checked. */
struct known {
	int target;
	const char *layout;
	uint32_t cp;
	uint8_t n;
	uint8_t usage[LAYOUT_MAX_STROKES];
	uint8_t mods[LAYOUT_MAX_STROKES];
	uint8_t caps;    /* caps_mods of the last stroke, 0xFF: any */
};

#define S HID_MOD_LSHIFT
#define G HID_MOD_RALT
#define O HID_MOD_LALT
#define L LAYOUT_LINUX
#define W LAYOUT_WINDOWS
#define M LAYOUT_MACOS
#define C LAYOUT_CHROMEOS
static const struct known known[] = {
	{ L, "us", 'a', 1, { 0x04 }, { 0 }, S },           /* Caps Lock: Shift flips */
	{ L, "us", 'A', 1, { 0x04 }, { S }, 0 },
	{ L, "us", '1', 1, { 0x1E }, { 0 }, 0 },           /* Caps does not touch digits */
	{ L, "us", '!', 1, { 0x1E }, { S }, S },
	{ L, "us", '<', 1, { 0x36 }, { S }, S },           /* not the ISO key 0x64 */
	{ L, "us", '\\', 1, { 0x31 }, { 0 }, 0 },
	{ L, "us", '~', 1, { 0x35 }, { S }, S },
	{ L, "de", 'z', 1, { 0x1C }, { 0 }, S },           /* QWERTZ: y and z swapped */
	{ L, "de", 'y', 1, { 0x1D }, { 0 }, S },
	{ L, "de", 'Z', 1, { 0x1C }, { S }, 0 },
	{ L, "de", '@', 1, { 0x14 }, { G }, 0xFF },        /* AltGr+Q */
	{ L, "de", 0xE4, 1, { 0x34 }, { 0 }, S },          /* ä */
	{ L, "de", 0xDF, 1, { 0x2D }, { 0 }, 0xFF },       /* ß */
	{ L, "de", '<', 1, { 0x64 }, { 0 }, 0 },
	{ L, "de", 0x20AC, 1, { 0x08 }, { G }, 0xFF },     /* € = AltGr+E */
	{ L, "de", '^', 2, { 0x35, 0x2C }, { 0, 0 }, 0 },  /* dead ^ then space */
	{ L, "de", 0xEA, 2, { 0x35, 0x08 }, { 0, 0 }, S }, /* ê = dead ^, e */
	{ L, "de", 0xC9, 2, { 0x2E, 0x08 }, { 0, S }, 0 }, /* É = dead ´, Shift+e */
	{ L, "fr", 'a', 1, { 0x14 }, { 0 }, S },           /* AZERTY: a on Q */
	{ L, "fr", 'q', 1, { 0x04 }, { 0 }, S },
	{ L, "fr", 'm', 1, { 0x33 }, { 0 }, S },
	{ L, "fr", '1', 1, { 0x1E }, { S }, 0xFF },
	{ L, "fr", 0xE9, 1, { 0x1F }, { 0 }, 0xFF },       /* é on the 2 key */
	{ L, "gb", 0xA3, 1, { 0x20 }, { S }, S },          /* £ = Shift+3 */
	{ L, "gb", '"', 1, { 0x1F }, { S }, S },
	{ L, "gb", '@', 1, { 0x34 }, { S }, S },
	{ L, "gb", '#', 1, { 0x31 }, { 0 }, 0 },           /* the ISO hash key, evdev 43 */
	{ L, "gb", '\\', 1, { 0x64 }, { 0 }, 0 },
	{ L, "de-ch", 'z', 1, { 0x1C }, { 0 }, S },
	{ L, "de-ch", 0xFC, 1, { 0x2F }, { 0 }, 0xFF },    /* ü */
	{ L, "fr-ch", 0xE8, 1, { 0x2F }, { 0 }, 0xFF },    /* è */
	{ L, "es", 0xF1, 1, { 0x33 }, { 0 }, S },          /* ñ */
	{ L, "pt-br", 0xE7, 1, { 0x33 }, { 0 }, S },       /* ç */
	{ L, "us-dvorak", 's', 1, { 0x33 }, { 0 }, S },
	{ L, "us-colemak", 'f', 1, { 0x08 }, { 0 }, S },
	{ L, "ru", 0x439, 1, { 0x14 }, { 0 }, S },         /* й on Q */
	{ L, "gr", 0x3B1, 1, { 0x04 }, { 0 }, S },         /* α on A */
	{ L, "jp", '@', 1, { 0x2F }, { 0 }, 0 },
	{ L, "jp", '"', 1, { 0x1F }, { S }, S },
	/* Windows: AltGr is right Alt; ANSI \\ and ISO # are one key (0x31). */
	{ W, "de", '@', 1, { 0x14 }, { G }, G },
	{ W, "de", '#', 1, { 0x31 }, { 0 }, 0xFF },
	{ W, "de", '<', 1, { 0x64 }, { 0 }, 0 },
	{ W, "de", 0xEA, 2, { 0x35, 0x08 }, { 0, 0 }, S },   /* ê = dead ^, e */
	{ W, "de", '^', 2, { 0x35, 0x2C }, { 0, 0 }, 0 },    /* dead ^ + space */
	{ W, "fr", '@', 1, { 0x27 }, { G }, 0xFF },          /* AltGr+0, not AltGr+Q */
	{ W, "it", '@', 1, { 0x33 }, { G }, 0xFF },          /* AltGr+ò */
	{ W, "it", '[', 1, { 0x2F }, { G }, 0xFF },
	{ W, "se", '@', 1, { 0x1F }, { G }, 0xFF },          /* AltGr+2 */
	{ W, "de-ch", '~', 2, { 0x2E, 0x2C }, { G, 0 }, 0xFF },
	{ W, "gb", '@', 1, { 0x34 }, { S }, S },
	{ W, "gb", '#', 1, { 0x31 }, { 0 }, 0 },
	{ W, "gb", '\\', 1, { 0x64 }, { 0 }, 0 },
	{ W, "pt-br", 0xE7, 1, { 0x33 }, { 0 }, S },         /* ABNT: ç */
	{ W, "ru", 0x439, 1, { 0x14 }, { 0 }, S },
	/* macOS: Option is left Alt; Apple's German has @ on Option+L. */
	{ M, "de", '@', 1, { 0x0F }, { O }, 0xFF },
	{ M, "de", '{', 1, { 0x25 }, { O }, 0xFF },          /* Option+8 */
	{ M, "de", '|', 1, { 0x24 }, { O }, 0xFF },          /* Option+7 */
	{ M, "de", '<', 1, { 0x35 }, { 0 }, 0xFF },          /* the key left of 1 (ANSI) */
	{ M, "gb", '@', 1, { 0x1F }, { S }, 0xFF },          /* Shift+2 on a Mac */
	{ M, "gb", '#', 1, { 0x20 }, { O }, 0xFF },          /* Option+3 */
	{ M, "fr", '@', 1, { 0x64 }, { 0 }, 0xFF },
	{ M, "us", 0xE9, 2, { 0x08, 0x08 }, { O, 0 }, 0xFF }, /* é = Option+E, e */
	/* ChromeOS. */
	{ C, "de", '@', 1, { 0x14 }, { G }, 0xFF },
	{ C, "us", '\\', 1, { 0x31 }, { 0 }, 0 },
};
#undef S
#undef G
#undef O
#undef L
#undef W
#undef M
#undef C

Test(layout, known_positions)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		const struct known *k = &known[i];
		const struct layout *l = layout_find(k->target, k->layout);
		const char *t = layout_target_name(k->target);
		struct layout_entry ent, *e = &ent;

		cr_assert_not_null(l, "%s %s", t, k->layout);
		cr_assert(layout_lookup(l, k->cp, e), "%s %s U+%04X missing", t, k->layout, k->cp);
		cr_expect_eq(e->n, k->n, "%s %s U+%04X: %d strokes", t, k->layout, k->cp, e->n);
		for (int s = 0; s < k->n && s < e->n; s++) {
			cr_expect_eq(e->s[s].usage, k->usage[s], "%s %s U+%04X stroke %d: usage 0x%02X",
				     t, k->layout, k->cp, s, e->s[s].usage);
			cr_expect_eq(e->s[s].mods, k->mods[s], "%s %s U+%04X stroke %d: mods 0x%02X",
				     t, k->layout, k->cp, s, e->s[s].mods);
		}
		if (k->caps != 0xFF)
			cr_expect_eq(e->s[e->n - 1].caps_mods, k->caps, "%s %s U+%04X: caps_mods 0x%02X",
				     t, k->layout, k->cp, e->s[e->n - 1].caps_mods);
	}
}

static bool caps_ok(const struct layout *l, uint32_t cp)
{
	struct layout_entry e;

	cr_assert(layout_lookup(l, cp, &e), "%s U+%04X", layout_name(l), cp);
	return e.caps_ok;
}

Test(layout, caps_blocked)
{
	const struct layout *de = layout_find(LAYOUT_LINUX, "de"), *us = layout_find(LAYOUT_LINUX, "us");
	const struct layout *mac = layout_find(LAYOUT_MACOS, "us");
	struct layout_entry e;

	cr_expect_not(caps_ok(de, 0xB5));   /* µ → Μ */
	cr_expect(caps_ok(de, 'a'));
	cr_expect(caps_ok(de, '@'));
	cr_expect(caps_ok(de, 0xEA));      /* ê via dead key */
	for (size_t i = 0; layout_entry_at(us, i, &e); i++)
		cr_expect(e.caps_ok);
	cr_expect(layout_caps_key_locks(us));
	cr_expect(layout_caps_key_locks(de));
	cr_expect_not(layout_caps_key_locks(layout_find(LAYOUT_LINUX, "us-colemak")));   /* Backspace */
	/* macOS: Caps Lock makes capitals even with Shift, so no modifiers give
	 * a small letter while it is on (CLDR: "shift+caps?" and "caps" both
	 * map to capitals); Windows: Shift gives it back. */
	cr_expect_not(caps_ok(mac, 'a'));
	cr_expect(caps_ok(mac, 'A'));
	cr_expect(caps_ok(layout_find(LAYOUT_WINDOWS, "us"), 'a'));
}

Test(layout, caps_only)
{
	const struct layout *fr = layout_find(LAYOUT_LINUX, "fr");
	struct layout_entry e;

	cr_assert(layout_lookup_caps_only(fr, 0xC7, &e));   /* Ç */
	cr_expect_eq(e.s[0].usage, 0x26);   /* the ç key (9) */
	cr_expect_eq(e.s[0].caps_mods, 0);
	cr_expect(e.caps_only);
	cr_expect_not(layout_lookup(fr, 0xC7, &e));
	cr_expect_not(layout_lookup_caps_only(fr, 0xE7, &e));   /* ç is a plain key */
	cr_expect_eq(layout_entry_count(layout_find(LAYOUT_LINUX, "us")),
		     layout_char_count(layout_find(LAYOUT_LINUX, "us")));
}

Test(layout, what_cannot_be_typed)
{
	struct layout_entry e;

	cr_expect_not(layout_lookup(layout_find(LAYOUT_LINUX, "us"), 0xE9, &e));   /* no dead keys on us */
	cr_expect(layout_lookup(layout_find(LAYOUT_LINUX, "us-intl"), 0xE9, &e));
	cr_expect_not(layout_lookup(layout_find(LAYOUT_LINUX, "ru"), 'q', &e));    /* one group only */
	cr_expect_not(layout_lookup(layout_default(LAYOUT_LINUX), 0x1F600, &e));  /* emoji */
	cr_expect_not(layout_lookup(layout_find(LAYOUT_WINDOWS, "us"), 0xE9, &e));
}

/* --list-layouts: one JSON object per layout, in order, with the counts of
 * layout_info(); the table has a header and one line per layout. */
Test(layout, list)
{
	for (int t = 0; t < LAYOUT_TARGET_COUNT; t++) {
		char *js = layout_list(t, true), *text = layout_list(t, false);
		json_object *a = json_tokener_parse(js);
		size_t lines = 0;

		cr_assert_not_null(a, "%s", layout_target_name(t));
		cr_assert_eq(json_object_array_length(a), layout_count(t));
		for (size_t i = 0; i < layout_count(t); i++) {
			json_object *o = json_object_array_get_idx(a, i), *v;
			struct layout_info in;
			layout_info(layout_at(t, i), &in);
			cr_assert(json_object_object_get_ex(o, "name", &v));
			cr_expect_str_eq(json_object_get_string(v), layout_name(layout_at(t, i)));
			cr_assert(json_object_object_get_ex(o, "characters", &v));
			cr_expect_eq((size_t)json_object_get_int64(v), in.characters);
			cr_assert(json_object_object_get_ex(o, "caps_only", &v));
			cr_expect_eq(in.caps_only == 0, json_object_get_string_len(v) == 0);
		}
		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		cr_expect_eq(lines, layout_count(t) + 1);
		cr_expect_eq(strncmp(text, "NAME ", 5), 0);
		json_object_put(a);
		free(js);
		free(text);
	}
	struct layout_info fr;
	layout_info(layout_find(LAYOUT_LINUX, "fr"), &fr);
	cr_expect_eq(fr.caps_only, 2, "fr: Ç and Đ only under Caps Lock");
	cr_expect_gt(fr.dead_keys, 400);
	cr_expect_eq(fr.characters, layout_char_count(layout_find(LAYOUT_LINUX, "fr")));
}
