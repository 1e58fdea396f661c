/* SPDX-License-Identifier: MIT */
/* test_layout: every row of every generated layout table, the name look-up,
 * and known key positions of real layouts. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "layout.h"

/* The only modifiers a layout may ask for: Shift and AltGr. */
#define ALLOWED_MODS (HID_MOD_LSHIFT | HID_MOD_RALT)

static void free_params(struct criterion_test_params *p)
{
	cr_free(p->params);
}

/* One test case per layout: the layout's index. */
ParameterizedTestParameters(layout, table)
{
	size_t n = layout_count();
	size_t *idx = cr_malloc(n * sizeof *idx);

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n, free_params);
}

static void check_stroke(const char *name, uint32_t cp, const struct layout_stroke *s)
{
	const struct keymap_key *k = keymap_by_usage(KEYMAP_PAGE_KEYBOARD, s->usage);

	cr_expect_not_null(k, "%s U+%04X: usage 0x%02X unknown to keymap", name, cp, s->usage);
	if (k)
		cr_expect_not(keymap_is_modifier(k), "%s U+%04X: stroke is a modifier key", name, cp);
	cr_expect_eq(s->mods & ~ALLOWED_MODS, 0, "%s U+%04X: mods 0x%02X", name, cp, s->mods);
	cr_expect_eq(s->caps_mods & ~ALLOWED_MODS, 0, "%s U+%04X: caps_mods 0x%02X", name, cp,
		     s->caps_mods);
}

ParameterizedTest(size_t *i, layout, table)
{
	const struct layout *l = layout_at(*i);
	const char *name = layout_name(l);
	size_t n = layout_entry_count(l);

	cr_assert_gt(n, 0, "%s: empty table", name);
	cr_expect_gt(strlen(layout_description(l)), 0, "%s: no description", name);
	for (size_t j = 0; j < n; j++) {
		const struct layout_entry *e = layout_entry_at(l, j);

		cr_expect(e->n >= 1 && e->n <= LAYOUT_MAX_STROKES, "%s U+%04X: n=%d", name, e->cp, e->n);
		if (j > 0)
			cr_expect_gt(e->cp, layout_entry_at(l, j - 1)->cp, "%s: not sorted/unique at %zu",
				     name, j);
		for (int s = 0; s < e->n && s < LAYOUT_MAX_STROKES; s++)
			check_stroke(name, e->cp, &e->s[s]);
		/* The binary search finds every row, and nothing between rows. */
		cr_expect_eq(layout_lookup(l, e->cp), e, "%s: lookup U+%04X", name, e->cp);
		if (j > 0 && layout_entry_at(l, j - 1)->cp + 1 < e->cp)
			cr_expect_null(layout_lookup(l, e->cp - 1), "%s: U+%04X", name, e->cp - 1);
	}
	cr_expect_null(layout_entry_at(l, n));
}

/* Enter, Tab and space are the same single key on every layout. */
ParameterizedTestParameters(layout, fixed_keys)
{
	size_t n = layout_count();
	size_t *idx = cr_malloc(n * sizeof *idx);

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n, free_params);
}

ParameterizedTest(size_t *i, layout, fixed_keys)
{
	const struct layout *l = layout_at(*i);
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
	cr_expect_null(layout_lookup(l, '\r'));
	cr_expect_null(layout_lookup(l, 0x1B));
	cr_expect_null(layout_lookup(l, 0x7F));
	cr_expect_null(layout_lookup(l, 0));
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

Test(layout, what_cannot_be_typed)
{
	cr_expect_null(layout_lookup(layout_find("us"), 0xE9));    /* é: no dead keys on us */
	cr_expect_not_null(layout_lookup(layout_find("us-intl"), 0xE9));
	cr_expect_null(layout_lookup(layout_find("ru"), 'q'));     /* one group only */
	cr_expect_null(layout_lookup(layout_default(), 0x1F600));  /* emoji */
}
