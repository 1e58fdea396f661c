/* SPDX-License-Identifier: MIT */
/* test_layout: every row of every generated layout table, the name look-up,
 * and known key positions of real layouts. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "layout.h"

/* The only modifiers a layout may ask for: Shift and AltGr. */
#define ALLOWED_MODS (HID_MOD_LSHIFT | HID_MOD_RALT)

/* Plain tests with cr_expect(false, …) on failure only: the tables have ~20,000 rows
 * and a Criterion assertion per check would take seconds. */
static void check_stroke(const char *name, uint32_t cp, const struct layout_stroke *s)
{
	const struct keymap_key *k = keymap_by_usage(KEYMAP_PAGE_KEYBOARD, s->usage);

	if (!k)
		cr_expect(false, "%s U+%04X: usage 0x%02X unknown to keymap", name, cp, s->usage);
	else if (keymap_is_modifier(k))
		cr_expect(false, "%s U+%04X: stroke is a modifier key", name, cp);
	if (s->mods & ~ALLOWED_MODS)
		cr_expect(false, "%s U+%04X: mods 0x%02X", name, cp, s->mods);
	if (s->caps_mods & ~ALLOWED_MODS)
		cr_expect(false, "%s U+%04X: caps_mods 0x%02X", name, cp, s->caps_mods);
}

static void check_entry(const struct layout *l, size_t j)
{
	const char *name = layout_name(l);
	const struct layout_entry *e = layout_entry_at(l, j);
	const struct layout_entry *prev = j ? layout_entry_at(l, j - 1) : NULL;

	if (e->n < 1 || e->n > LAYOUT_MAX_STROKES)
		cr_expect(false, "%s U+%04X: n=%d", name, e->cp, e->n);
	if (prev && prev->cp >= e->cp)
		cr_expect(false, "%s: not sorted/unique at %zu (U+%04X)", name, j, e->cp);
	for (int s = 0; s < e->n && s < LAYOUT_MAX_STROKES; s++)
		check_stroke(name, e->cp, &e->s[s]);
	/* The binary search finds every row, and nothing between rows. */
	if (layout_lookup(l, e->cp) != e)
		cr_expect(false, "%s: lookup U+%04X", name, e->cp);
	if (prev && prev->cp + 1 < e->cp && layout_lookup(l, e->cp - 1))
		cr_expect(false, "%s: U+%04X found but not in the table", name, e->cp - 1);
	/* Caps-blocked rows use the plain mods under Caps Lock. */
	if (!layout_entry_caps_ok(l, e) && e->s[0].caps_mods != e->s[0].mods)
		cr_expect(false, "%s U+%04X: caps-blocked but caps_mods differ", name, e->cp);
}

/* Characters only Caps Lock reaches: one stroke each, typed with caps_mods,
 * never also in the main table. */
static void check_caps_only(const struct layout *l)
{
	const char *name = layout_name(l);

	for (size_t j = 0; j < layout_caps_only_count(l); j++) {
		const struct layout_entry *e = layout_caps_only_at(l, j);

		if (e->n != 1 || e->s[0].mods != e->s[0].caps_mods)
			cr_expect(false, "%s caps-only U+%04X: n=%d", name, e->cp, e->n);
		check_stroke(name, e->cp, &e->s[0]);
		if (j > 0 && layout_caps_only_at(l, j - 1)->cp >= e->cp)
			cr_expect(false, "%s caps-only: not sorted at U+%04X", name, e->cp);
		if (layout_lookup(l, e->cp) || layout_lookup_caps_only(l, e->cp) != e)
			cr_expect(false, "%s caps-only U+%04X: lookups", name, e->cp);
		if (!layout_caps_key_locks(l))
			cr_expect(false, "%s: caps-only characters but no Caps Lock key", name);
	}
	cr_expect_null(layout_caps_only_at(l, layout_caps_only_count(l)));
}

/* Every row of every layout. */
Test(layout, every_row)
{
	for (size_t i = 0; i < layout_count(); i++) {
		const struct layout *l = layout_at(i);
		size_t n = layout_entry_count(l);

		cr_expect_gt(n, 0, "%s: empty table", layout_name(l));
		cr_expect_gt(strlen(layout_description(l)), 0, "%s: no description", layout_name(l));
		for (size_t j = 0; j < n; j++)
			check_entry(l, j);
		cr_expect_null(layout_entry_at(l, n));
		check_caps_only(l);
	}
}

/* Enter, Tab and space are the same single key on every layout. */
static void check_fixed_keys(const struct layout *l)
{
	static const struct { uint32_t cp; uint8_t usage; } fixed[] = {
		{ '\n', 0x28 }, { '\t', 0x2B }, { ' ', 0x2C },
	};

	for (size_t j = 0; j < sizeof fixed / sizeof fixed[0]; j++) {
		const struct layout_entry *e = layout_lookup(l, fixed[j].cp);

		cr_assert_not_null(e, "%s: U+%04X missing", layout_name(l), fixed[j].cp);
		cr_expect_eq(e->n, 1);
		cr_expect_eq(e->s[0].usage, fixed[j].usage, "%s U+%04X", layout_name(l), fixed[j].cp);
		cr_expect_eq(e->s[0].mods, 0, "%s U+%04X", layout_name(l), fixed[j].cp);
	}
	/* Control characters other than \t and \n are never typed as text. */
	cr_expect_null(layout_lookup(l, '\r'), "%s", layout_name(l));
	cr_expect_null(layout_lookup(l, 0x1B), "%s", layout_name(l));
	cr_expect_null(layout_lookup(l, 0x7F), "%s", layout_name(l));
	cr_expect_null(layout_lookup(l, 0), "%s", layout_name(l));
}

Test(layout, fixed_keys)
{
	for (size_t i = 0; i < layout_count(); i++)
		check_fixed_keys(layout_at(i));
}

Test(layout, find_every_name_any_case)
{
	for (size_t i = 0; i < layout_count(); i++) {
		const struct layout *l = layout_at(i);
		char upper[64];

		snprintf(upper, sizeof upper, "%s", layout_name(l));
		for (char *p = upper; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		cr_expect_eq(layout_find(layout_name(l)), l, "%s", layout_name(l));
		cr_expect_eq(layout_find(upper), l, "%s", upper);
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(layout_name(layout_at(j)), layout_name(l), "duplicate name");
	}
	cr_expect_null(layout_at(layout_count()));
}

Test(layout, unknown_names)
{
	cr_expect_null(layout_find("xx"));
	cr_expect_null(layout_find(""));
	cr_expect_null(layout_find("d"));
	cr_expect_null(layout_find("dee"));
	cr_expect_null(layout_find("de "));
	cr_expect_null(layout_find(NULL));
}

Test(layout, default_is_us)
{
	cr_assert_not_null(layout_default());
	cr_expect_str_eq(layout_name(layout_default()), "us");
	cr_expect_eq(layout_find("us"), layout_default());
	cr_expect_eq(layout_at(0), layout_default());
	cr_expect_geq(layout_count(), 37);
}

/* Known positions on real keyboards; mods/caps of 0xFF are not checked. */
struct known {
	const char *layout;
	uint32_t cp;
	uint8_t n;
	uint8_t usage[LAYOUT_MAX_STROKES];
	uint8_t mods[LAYOUT_MAX_STROKES];
	uint8_t caps;    /* caps_mods of the last stroke, 0xFF: any */
};

#define S HID_MOD_LSHIFT
#define G HID_MOD_RALT
static const struct known known[] = {
	{ "us", 'a', 1, { 0x04 }, { 0 }, S },           /* Caps Lock: Shift flips */
	{ "us", 'A', 1, { 0x04 }, { S }, 0 },
	{ "us", '1', 1, { 0x1E }, { 0 }, 0 },           /* Caps does not touch digits */
	{ "us", '!', 1, { 0x1E }, { S }, S },
	{ "us", '<', 1, { 0x36 }, { S }, S },           /* not the ISO key 0x64 */
	{ "us", '\\', 1, { 0x31 }, { 0 }, 0 },
	{ "us", '~', 1, { 0x35 }, { S }, S },
	{ "de", 'z', 1, { 0x1C }, { 0 }, S },           /* QWERTZ: y and z swapped */
	{ "de", 'y', 1, { 0x1D }, { 0 }, S },
	{ "de", 'Z', 1, { 0x1C }, { S }, 0 },
	{ "de", '@', 1, { 0x14 }, { G }, 0xFF },        /* AltGr+Q */
	{ "de", 0xE4, 1, { 0x34 }, { 0 }, S },          /* ä */
	{ "de", 0xDF, 1, { 0x2D }, { 0 }, 0xFF },       /* ß */
	{ "de", '<', 1, { 0x64 }, { 0 }, 0 },
	{ "de", 0x20AC, 1, { 0x08 }, { G }, 0xFF },     /* € = AltGr+E */
	{ "de", '^', 2, { 0x35, 0x2C }, { 0, 0 }, 0 },  /* dead ^ then space */
	{ "de", 0xEA, 2, { 0x35, 0x08 }, { 0, 0 }, S }, /* ê = dead ^, e */
	{ "de", 0xC9, 2, { 0x2E, 0x08 }, { 0, S }, 0 }, /* É = dead ´, Shift+e */
	{ "fr", 'a', 1, { 0x14 }, { 0 }, S },           /* AZERTY: a on Q */
	{ "fr", 'q', 1, { 0x04 }, { 0 }, S },
	{ "fr", 'm', 1, { 0x33 }, { 0 }, S },
	{ "fr", '1', 1, { 0x1E }, { S }, 0xFF },
	{ "fr", 0xE9, 1, { 0x1F }, { 0 }, 0xFF },       /* é on the 2 key */
	{ "gb", 0xA3, 1, { 0x20 }, { S }, S },          /* £ = Shift+3 */
	{ "gb", '"', 1, { 0x1F }, { S }, S },
	{ "gb", '@', 1, { 0x34 }, { S }, S },
	{ "gb", '#', 1, { 0x31 }, { 0 }, 0 },           /* the ISO hash key, evdev 43 */
	{ "gb", '\\', 1, { 0x64 }, { 0 }, 0 },
	{ "de-ch", 'z', 1, { 0x1C }, { 0 }, S },
	{ "de-ch", 0xFC, 1, { 0x2F }, { 0 }, 0xFF },    /* ü */
	{ "fr-ch", 0xE8, 1, { 0x2F }, { 0 }, 0xFF },    /* è */
	{ "es", 0xF1, 1, { 0x33 }, { 0 }, S },          /* ñ */
	{ "pt-br", 0xE7, 1, { 0x33 }, { 0 }, S },       /* ç */
	{ "us-dvorak", 's', 1, { 0x33 }, { 0 }, S },
	{ "us-colemak", 'f', 1, { 0x08 }, { 0 }, S },
	{ "ru", 0x439, 1, { 0x14 }, { 0 }, S },         /* й on Q */
	{ "gr", 0x3B1, 1, { 0x04 }, { 0 }, S },         /* α on A */
	{ "jp", '@', 1, { 0x2F }, { 0 }, 0 },
	{ "jp", '"', 1, { 0x1F }, { S }, S },
};
#undef S
#undef G

Test(layout, known_positions)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		const struct known *k = &known[i];
		const struct layout *l = layout_find(k->layout);
		const struct layout_entry *e;

		cr_assert_not_null(l, "%s", k->layout);
		e = layout_lookup(l, k->cp);
		cr_assert_not_null(e, "%s U+%04X missing", k->layout, k->cp);
		cr_expect_eq(e->n, k->n, "%s U+%04X: %d strokes", k->layout, k->cp, e->n);
		for (int s = 0; s < k->n && s < e->n; s++) {
			cr_expect_eq(e->s[s].usage, k->usage[s], "%s U+%04X stroke %d: usage 0x%02X",
				     k->layout, k->cp, s, e->s[s].usage);
			cr_expect_eq(e->s[s].mods, k->mods[s], "%s U+%04X stroke %d: mods 0x%02X",
				     k->layout, k->cp, s, e->s[s].mods);
		}
		if (k->caps != 0xFF)
			cr_expect_eq(e->s[e->n - 1].caps_mods, k->caps, "%s U+%04X: caps_mods 0x%02X",
				     k->layout, k->cp, e->s[e->n - 1].caps_mods);
	}
}

Test(layout, caps_blocked)
{
	const struct layout *de = layout_find("de"), *us = layout_find("us");

	cr_expect_not(layout_entry_caps_ok(de, layout_lookup(de, 0xB5)));   /* µ → Μ */
	cr_expect(layout_entry_caps_ok(de, layout_lookup(de, 'a')));
	cr_expect(layout_entry_caps_ok(de, layout_lookup(de, '@')));
	cr_expect(layout_entry_caps_ok(de, layout_lookup(de, 0xEA)));      /* ê via dead key */
	for (size_t i = 0; i < layout_entry_count(us); i++)
		cr_expect(layout_entry_caps_ok(us, layout_entry_at(us, i)));
	cr_expect(layout_caps_key_locks(us));
	cr_expect(layout_caps_key_locks(de));
	cr_expect_not(layout_caps_key_locks(layout_find("us-colemak")));   /* Backspace */
}

Test(layout, caps_only)
{
	const struct layout *fr = layout_find("fr");
	const struct layout_entry *e = layout_lookup_caps_only(fr, 0xC7);   /* Ç */

	cr_assert_not_null(e);
	cr_expect_eq(e->s[0].usage, 0x26);   /* the ç key (9) */
	cr_expect_eq(e->s[0].caps_mods, 0);
	cr_expect_null(layout_lookup(fr, 0xC7));
	cr_expect_null(layout_lookup_caps_only(fr, 0xE7));   /* ç is a plain key */
	cr_expect_eq(layout_caps_only_count(layout_find("us")), 0);
	cr_expect_eq(layout_caps_only_count(layout_find("us-colemak")), 0);
}

Test(layout, what_cannot_be_typed)
{
	cr_expect_null(layout_lookup(layout_find("us"), 0xE9));    /* é: no dead keys on us */
	cr_expect_not_null(layout_lookup(layout_find("us-intl"), 0xE9));
	cr_expect_null(layout_lookup(layout_find("ru"), 'q'));     /* one group only */
	cr_expect_null(layout_lookup(layout_default(), 0x1F600));  /* emoji */
}
