/* SPDX-License-Identifier: MIT */
/* test_command: chords, keys payloads, text (every layout character) and JSON commands → exact action lists and error codes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "keymap.h"
#include "layout.h"
#include "utf8.h"

#define S HID_MOD_LSHIFT

static const struct cmd_limits default_limits = {
	.max_payload = 262144, .max_chars = 65536, .max_steps = 1000, .max_delay_ms = 60000,
	.max_hold_ms = 60000,
};

/* ---- helpers: an action list as a compact string ------------------------------ */

/* Appends to a growing string. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		cr_assert_not_null(b->s);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void describe_chord(struct sbuf *b, const struct chord *ch)
{
	if (ch->consumer) {
		sb_printf(b, "m%03x", ch->consumer);
		return;
	}
	sb_printf(b, "%02x[", ch->mods);
	for (int i = 0; i < ch->n; i++)
		sb_printf(b, "%s%02x", i ? "," : "", ch->keys[i]);
	sb_printf(b, "]");
}

/* tap: t<usage>.<mods>.<caps_mods>, '~' when more strokes of the same
 * character follow; chord: c<mods>[keys] or cm<consumer>; delay: d<ms>;
 * down: v…; up: ^…. Entries separated by one space. Caller frees. */
static char *describe(const struct command *c)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "%s", "");
	for (size_t i = 0; i < c->n_acts; i++) {
		const struct action *a = &c->acts[i];
		if (i)
			sb_printf(&b, " ");
		switch (a->kind) {
		case ACT_TAP:
			/* a code entry's strokes: u…, then h<held mods>, n (Num Lock), b (caps-blocked) */
			sb_printf(&b, "%c%02x.%02x.%02x", a->entry ? 'u' : 't', a->u.tap.usage, a->u.tap.mods,
				  a->u.tap.caps_mods);
			if (a->entry && a->hold_mods)
				sb_printf(&b, "h%02x", a->hold_mods);
			sb_printf(&b, "%s%s%s", a->entry && a->num_lock ? "n" : "",
				  a->entry && a->caps_blocked ? "b" : "", a->end_of_char ? "" : "~");
			break;
		case ACT_CHORD: sb_printf(&b, "c"); describe_chord(&b, &a->u.chord); break;
		case ACT_DELAY: sb_printf(&b, "d%u", a->u.delay_ms); break;
		case ACT_DOWN: sb_printf(&b, "v"); describe_chord(&b, &a->u.chord); break;
		case ACT_UP: sb_printf(&b, "^"); describe_chord(&b, &a->u.chord); break;
		case ACT_KEEP: sb_printf(&b, "k%u", a->u.delay_ms); break;
		default: sb_printf(&b, "?%d", a->kind);
		}
	}
	return b.s;
}

static void expect_acts(const struct command *c, const char *want, const char *input)
{
	char *got = describe(c);

	cr_expect_str_eq(got, want, "%s:\n  got  %s\n  want %s", input, got, want);
	free(got);
}

/* The taps that layout l uses for one character, from the layout table itself. */
static void describe_entry(struct sbuf *b, const struct layout_entry *e)
{
	for (int i = 0; i < e->n; i++)
		sb_printf(b, "%st%02x.%02x.%02x%s", b->len ? " " : "", e->s[i].usage, e->s[i].mods,
			  e->s[i].caps_mods, i + 1 < e->n ? "~" : "");
}

static struct command *cmd;
static struct err err;

static void setup(void)
{
	cmd = command_new();
	memset(&err, 0, sizeof err);
}

static void teardown(void)
{
	command_free(cmd);
	cmd = NULL;
}

static int json_lim(const char *s, const struct cmd_limits *lim)
{
	return command_parse_json(cmd, s, strlen(s), layout_default(LAYOUT_LINUX), lim, &err);
}

static int json(const char *s)
{
	return json_lim(s, &default_limits);
}

static int keys(const char *s)
{
	return command_parse_keys(cmd, s, strlen(s), &default_limits, &err);
}

static int text_on(const char *s, size_t len, const char *layout)
{
	const struct layout *l = layout_find(LAYOUT_LINUX, layout);

	cr_assert_not_null(l, "layout %s", layout);
	return command_parse_text(cmd, s, len, l, &default_limits, &err);
}

static int text(const char *s)
{
	return text_on(s, strlen(s), "us");
}

static void fresh(void)
{
	teardown();
	setup();
}

#define expect_ok(r, input) \
	cr_expect_eq((r), 0, "%s: failed with %s (%s)", (input), err.code ? err.code : "?", err.detail)
#define expect_err(r, want_code, input)                                                    \
	do {                                                                                 \
		cr_expect_eq((r), -EINVAL, "%s: expected %s", (input), (want_code));            \
		cr_expect_str_eq(err.code ? err.code : "(none)", (want_code), "%s: %s", (input), \
				 err.detail);                                                    \
	} while (0)

/* ---- chord_parse ----------------------------------------------------------------- */

static const struct chord_case {
	const char *in;
	const char *want;     /* describe_chord() form, or NULL for an error */
	const char *code;
} chord_cases[] = {
	{ "ctrl+alt+delete", "05[4c]", NULL },
	{ "ctrl+alt+del", "05[4c]", NULL },
	{ "shift", "02[]", NULL },
	{ "ctrl+shift", "03[]", NULL },
	{ "shift+shift", "02[]", NULL },
	{ "CONTROLLEFT+KeyA", "01[04]", NULL },
	{ "controlright+keya", "10[04]", NULL },
	{ "super+r", "08[15]", NULL },
	{ "altgr+q", "40[14]", NULL },
	{ "rshift+rctrl+rwin+ralt", "f0[]", NULL },
	{ "ctrl+shift+alt+win+rctrl+rshift+altgr+rwin", "ff[]", NULL },
	{ "a+b+c+d+e+f", "00[04,05,06,07,08,09]", NULL },
	{ "ctrl+shift+a+b+c+d+e+f", "03[04,05,06,07,08,09]", NULL },
	{ "a+A+KeyA", "00[04]", NULL },                  /* one key named thrice */
	{ "f24", "00[73]", NULL },
	{ "enter", "00[28]", NULL },
	{ "volup", "m0e9", NULL },
	{ "AudioVolumeUp", "m0e9", NULL },
	{ "MediaPlayPause", "m0cd", NULL },
	{ "BrowserHome", "m223", NULL },
	{ "", NULL, "bad_chord" },
	{ "+", NULL, "bad_chord" },
	{ "ctrl++a", NULL, "bad_chord" },
	{ "+a", NULL, "bad_chord" },
	{ "a+", NULL, "bad_chord" },
	{ "ctl+a", NULL, "unknown_key" },
	{ "ctrl+KeyAA", NULL, "unknown_key" },
	{ "a+b+c+d+e+f+g", NULL, "too_many_keys" },
	{ "ctrl+a+b+c+d+e+f+g", NULL, "too_many_keys" },
	{ "volup+ctrl", NULL, "bad_chord" },
	{ "ctrl+volup", NULL, "bad_chord" },
	{ "a+mute", NULL, "bad_chord" },
	{ "volup+mute", NULL, "bad_chord" },
	{ "volup+volup", NULL, "bad_chord" },
	{ "ctrl+ a", NULL, "unknown_key" },                /* names hold no spaces */
};

Test(command, chord_parse_table)
{
	for (size_t i = 0; i < sizeof chord_cases / sizeof chord_cases[0]; i++) {
		const struct chord_case *t = &chord_cases[i];
		struct chord ch;
		struct err e = { 0 };
		int r = chord_parse(t->in, strlen(t->in), &ch, &e);
		if (t->want) {
			struct sbuf b = { 0 };
			cr_expect_eq(r, 0, "'%s': %s (%s)", t->in, e.code, e.detail);
			describe_chord(&b, &ch);
			cr_expect_str_eq(b.s, t->want, "'%s': got %s", t->in, b.s);
			free(b.s);
		} else {
			cr_expect_eq(r, -EINVAL, "'%s' accepted", t->in);
			cr_expect_str_eq(e.code ? e.code : "(none)", t->code, "'%s': %s", t->in, e.detail);
			cr_expect_gt(strlen(e.detail), 0, "'%s': no detail", t->in);
		}
	}
}

Test(command, chord_error_details)
{
	struct chord ch;
	struct err e = { 0 };

	chord_parse("ctl+a", 5, &ch, &e);
	cr_expect_str_eq(e.detail, "no key named 'ctl'");
	chord_parse("ctrl+alt+bogus", 14, &ch, &e);
	cr_expect_str_eq(e.detail, "no key named 'bogus'");
	/* Only len bytes are read. */
	cr_expect_eq(chord_parse("ctrl+ax", 6, &ch, &e), 0);
	cr_expect_eq(ch.mods, HID_MOD_LCTRL);
	cr_expect_eq(ch.n, 1);
	cr_expect_eq(ch.keys[0], 0x04);
	/* A very long unknown name is cut in the detail, which stays a C string. */
	char longname[300];
	memset(longname, 'x', sizeof longname);
	cr_expect_eq(chord_parse(longname, sizeof longname, &ch, &e), -EINVAL);
	cr_expect_str_eq(e.code, "unknown_key");
	cr_expect_lt(strlen(e.detail), sizeof e.detail);
}

/* Every key of the table is a chord by its own name; modifiers land in mods. */
Test(command, chord_every_key)
{
	for (size_t i = 0; i < keymap_count(); i++) {
		const struct keymap_key *k = keymap_at(i);
		struct chord ch;
		struct err e = { 0 };
		cr_assert_eq(chord_parse(k->code, strlen(k->code), &ch, &e), 0, "%s: %s", k->code,
			     e.detail);
		if (k->page == KEYMAP_PAGE_CONSUMER) {
			cr_expect(ch.consumer == k->usage && ch.n == 0 && ch.mods == 0, "%s", k->code);
		} else if (keymap_is_modifier(k)) {
			cr_expect(ch.mods == keymap_modifier_bit(k) && ch.n == 0 && !ch.consumer, "%s",
				  k->code);
		} else {
			cr_expect(ch.n == 1 && ch.keys[0] == k->usage && !ch.mods && !ch.consumer, "%s",
				  k->code);
		}
	}
}

/* ---- keys payloads ------------------------------------------------------------- */

TestSuite(command_keys, .init = setup, .fini = teardown);

static const struct { const char *in, *want; size_t strokes; bool consumer; } keys_ok[] = {
	{ "enter", "c00[28]", 1, false },
	{ "ctrl+c ctrl+v", "c01[06] c01[19]", 2, false },
	{ "  ctrl+c\t\n ctrl+v\r\n ", "c01[06] c01[19]", 2, false },
	{ "ctrl+alt+delete", "c05[4c]", 1, false },
	{ "super+r", "c08[15]", 1, false },
	{ "shift", "c02[]", 1, false },
	{ "volup volup mute", "cm0e9 cm0e9 cm0e2", 3, true },
	{ "a volup", "c00[04] cm0e9", 2, true },
	{ "h e l l o", "c00[0b] c00[08] c00[0f] c00[0f] c00[12]", 5, false },
};

Test(command_keys, ok_table)
{
	for (size_t i = 0; i < sizeof keys_ok / sizeof keys_ok[0]; i++) {
		fresh();
		expect_ok(keys(keys_ok[i].in), keys_ok[i].in);
		expect_acts(cmd, keys_ok[i].want, keys_ok[i].in);
		cr_expect_eq(cmd->strokes, keys_ok[i].strokes, "%s", keys_ok[i].in);
		cr_expect_eq(cmd->uses_consumer, keys_ok[i].consumer, "%s", keys_ok[i].in);
		cr_expect_eq(cmd->chars, 0, "%s", keys_ok[i].in);
		cr_expect_eq(cmd->type, CMD_RUN);
	}
}

static const struct { const char *in, *code; } keys_bad[] = {
	{ "", "bad_chord" },
	{ "   \t\r\n", "bad_chord" },
	{ "ctrl+c ctl+v", "unknown_key" },
	{ "ctrl+ a", "bad_chord" },
	{ "ctrl++a", "bad_chord" },
	{ "a+b+c+d+e+f+g", "too_many_keys" },
	{ "ctrl+volup", "bad_chord" },
	{ "ctrl+\xC3", "bad_utf8" },
	{ "\xFF", "bad_utf8" },
	{ "é", "unknown_key" },
};

Test(command_keys, error_table)
{
	for (size_t i = 0; i < sizeof keys_bad / sizeof keys_bad[0]; i++) {
		fresh();
		expect_err(keys(keys_bad[i].in), keys_bad[i].code, keys_bad[i].in);
	}
}

Test(command_keys, too_many_steps)
{
	struct cmd_limits lim = default_limits;

	lim.max_steps = 3;
	cr_expect_eq(command_parse_keys(cmd, "a b c", 5, &lim, &err), 0);
	fresh();
	expect_err(command_parse_keys(cmd, "a b c d", 7, &lim, &err), "too_many_steps", "a b c d");
	/* The default limit: 1000 chords pass, 1001 do not. */
	char *many = malloc(2 * 1001 + 1);
	for (int i = 0; i < 1001; i++)
		memcpy(many + 2 * i, "a ", 2);
	fresh();
	expect_ok(command_parse_keys(cmd, many, 2 * 1000, &default_limits, &err), "1000 chords");
	cr_expect_eq(cmd->n_acts, 1000);
	fresh();
	expect_err(command_parse_keys(cmd, many, 2 * 1001, &default_limits, &err), "too_many_steps",
		   "1001 chords");
	free(many);
}

/* ---- text ------------------------------------------------------------------ */

TestSuite(command_text, .init = setup, .fini = teardown);

static const struct { const char *in, *want; size_t chars; } text_ok[] = {
	{ "Hello", "t0b.02.00 t08.00.02 t0f.00.02 t0f.00.02 t12.00.02", 5 },
	{ "\r\n", "t28.00.00", 1 },
	{ "\n", "t28.00.00", 1 },
	{ "\r", "t28.00.00", 1 },
	{ "a\rb", "t04.00.02 t28.00.00 t05.00.02", 3 },
	{ "\r\r\n", "t28.00.00 t28.00.00", 2 },
	{ "\n\r", "t28.00.00 t28.00.00", 2 },
	{ "\t", "t2b.00.00", 1 },
	{ " ", "t2c.00.00", 1 },
	{ "1!", "t1e.00.00 t1e.02.02", 2 },
	{ "~`", "t35.02.02 t35.00.00", 2 },
};

Test(command_text, us_table)
{
	for (size_t i = 0; i < sizeof text_ok / sizeof text_ok[0]; i++) {
		fresh();
		expect_ok(text(text_ok[i].in), text_ok[i].in);
		expect_acts(cmd, text_ok[i].want, text_ok[i].in);
		cr_expect_eq(cmd->chars, text_ok[i].chars, "%s", text_ok[i].in);
		cr_expect_eq(cmd->strokes, cmd->n_acts, "%s", text_ok[i].in);
		cr_expect_eq(cmd->layout, layout_find(LAYOUT_LINUX, "us"));
		cr_expect_not(cmd->uses_consumer);
	}
}

Test(command_text, untypable_listed)
{
	/* Positions are characters, not bytes: é is at 1 and € at 3. */
	expect_err(text("a\xC3\xA9" "b\xE2\x82\xAC"), "untypable", "aéb€");
	cr_expect_eq(err.n_bad, 2);
	cr_expect_eq(err.n_bad_total, 2);
	cr_expect_eq(err.bad[0].cp, 0xE9);
	cr_expect_eq(err.bad[0].pos, 1);
	cr_expect_eq(err.bad[1].cp, 0x20AC);
	cr_expect_eq(err.bad[1].pos, 3);
	cr_expect_str_eq(err.detail,
			 "layout 'us' cannot type '\xC3\xA9' (U+00E9) at 1, '\xE2\x82\xAC' (U+20AC) at 3");
}

Test(command_text, nul_is_untypable)
{
	expect_err(text_on("a\0b", 3, "us"), "untypable", "a\\0b");
	cr_expect_eq(err.n_bad, 1);
	cr_expect_eq(err.bad[0].cp, 0);
	cr_expect_eq(err.bad[0].pos, 1);
	cr_expect_str_eq(err.detail, "layout 'us' cannot type U+0000 at 1");
	fresh();
	expect_err(text_on("\x1b", 1, "us"), "untypable", "ESC");
	cr_expect_str_eq(err.detail, "layout 'us' cannot type U+001B at 0");
}

Test(command_text, many_untypable)
{
	/* 10 untypable characters: 8 are listed, the total is counted. */
	expect_err(text("x\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"),
		   "untypable", "10 x é");
	cr_expect_eq(err.n_bad, ERR_MAX_BAD);
	cr_expect_eq(err.n_bad_total, 10);
	for (size_t i = 0; i < ERR_MAX_BAD; i++)
		cr_expect_eq(err.bad[i].pos, i + 1);
	cr_expect_not_null(strstr(err.detail, " and 2 more"), "%s", err.detail);
}

Test(command_text, bad_utf8)
{
	static const struct { const char *s; size_t len; const char *detail; } cases[] = {
		{ "ab\xFF", 3, "invalid UTF-8 at byte 2" },
		{ "\xC3", 1, "invalid UTF-8 at byte 0" },
		{ "ok\xED\xA0\x80", 5, "invalid UTF-8 at byte 2" },
		{ "\xC0\x80", 2, "invalid UTF-8 at byte 0" },
		{ "\xC3\xA9\x80", 3, "invalid UTF-8 at byte 2" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fresh();
		expect_err(text_on(cases[i].s, cases[i].len, "de"), "bad_utf8", cases[i].detail);
		cr_expect_str_eq(err.detail, cases[i].detail);
	}
}

Test(command_text, too_long)
{
	struct cmd_limits lim = default_limits;

	lim.max_chars = 3;
	cr_expect_eq(command_parse_text(cmd, "abc", 3, layout_default(LAYOUT_LINUX), &lim, &err), 0);
	fresh();
	/* "\r\n" is one character. */
	cr_expect_eq(command_parse_text(cmd, "ab\r\n", 4, layout_default(LAYOUT_LINUX), &lim, &err), 0);
	fresh();
	expect_err(command_parse_text(cmd, "abcd", 4, layout_default(LAYOUT_LINUX), &lim, &err), "too_long", "abcd");
	fresh();
	/* Counted in characters, not bytes: three 2-byte characters fit. */
	lim.max_chars = 3;
	cr_expect_eq(command_parse_text(cmd, "\xC3\xA4\xC3\xB6\xC3\xBC", 6, layout_find(LAYOUT_LINUX, "de"), &lim,
					&err), 0, "%s", err.detail);
	cr_expect_eq(cmd->chars, 3);
}

/* Dead keys: the strokes of one character, only the last ends it. */
Test(command_text, dead_keys)
{
	const struct layout *de = layout_find(LAYOUT_LINUX, "de");
	struct layout_entry ent, *e = &ent;

	cr_assert(layout_lookup(de, 0xEA, e));   /* ê */
	cr_assert_gt(e->n, 1, "de ê is not a dead-key sequence");
	expect_ok(text_on("\xC3\xAA" "a", 3, "de"), "êa");
	cr_expect_eq(cmd->n_acts, (size_t)e->n + 1);
	cr_expect_eq(cmd->chars, 2);
	cr_expect_eq(cmd->strokes, (size_t)e->n + 1);
	for (int i = 0; i < e->n; i++) {
		cr_expect_eq(cmd->acts[i].u.tap.usage, e->s[i].usage);
		cr_expect_eq(cmd->acts[i].end_of_char, i + 1 == e->n);
	}
	cr_expect(cmd->acts[e->n].end_of_char);
	cr_expect_eq(cmd->layout, de);
}

/* Exhaustive: every character of every layout of every target, all in one
 * text per layout, compiles to exactly the layout table's strokes in order;
 * and for every layout, the code points below U+0250 it lacks are each
 * rejected as untypable with the right position. One test looping in this
 * process over all the tables (a Criterion case per layout cost a fork and
 * its messages each: 970 of them); only failures are reported. */
static size_t failures;

#define FAIL(...) do { if (failures++ < 50) cr_expect_fail(__VA_ARGS__); } while (0)

/* The flags of each stroke of cmd agree with layout l's rows. */
static void check_char_flags(const struct layout *l, const struct command *c)
{
	struct layout_entry e;
	size_t a = 0;

	for (size_t j = 0; layout_entry_at(l, j, &e) && a < c->n_acts; j++) {
		if (e.caps_only)
			continue;
		for (int k = 0; k < e.n && a < c->n_acts; k++, a++) {
			const struct action *act = &c->acts[a];
			if (act->start_of_char != (k == 0) || act->caps_blocked != !e.caps_ok)
				FAIL("%s U+%04X stroke %d: start %d blocked %d", layout_name(l), e.cp, k,
				     act->start_of_char, act->caps_blocked);
		}
	}
}

static void check_layout_chars(const struct layout *l)
{
	size_t n = layout_char_count(l), len = 0, strokes = 0;
	char *buf = malloc(n * 4 + 1);
	struct sbuf want = { 0 };
	struct layout_entry e;

	cr_assert_not_null(buf);
	sb_printf(&want, "%s", "");
	for (size_t j = 0; layout_entry_at(l, j, &e); j++) {
		if (e.caps_only)
			continue;
		if (e.cp == '\r')
			FAIL("%s: a layout row for CR", layout_name(l));
		len += utf8_encode(e.cp, buf + len);
		describe_entry(&want, &e);
		strokes += e.n;
	}
	fresh();
	if (command_parse_text(cmd, buf, len, l, &default_limits, &err) != 0) {
		FAIL("%s: %s %s", layout_name(l), err.code, err.detail);
	} else {
		char *got = describe(cmd);
		if (strcmp(got, want.s))
			FAIL("%s: action list differs", layout_name(l));
		if (cmd->chars != n || cmd->strokes != strokes || cmd->layout != l)
			FAIL("%s: %zu chars, %zu strokes", layout_name(l), cmd->chars, cmd->strokes);
		check_char_flags(l, cmd);
		free(got);
	}
	free(want.s);
	free(buf);
}

/* A caps-only character (fr Ç) compiles to one caps_only stroke; any other
 * code point the layout lacks is untypable, named at its position. */
static void check_gap(const struct layout *l, uint32_t cp)
{
	struct layout_entry e;
	char buf[16];
	size_t len = 0;

	fresh();
	if (layout_caps_key_locks(l) && layout_lookup_caps_only(l, cp, &e)) {
		len = utf8_encode(cp, buf);
		if (command_parse_text(cmd, buf, len, l, &default_limits, &err) != 0 ||
		    cmd->n_acts < 1 || !cmd->acts[0].caps_only)
			FAIL("%s: caps-only U+%04X not compiled as such", layout_name(l), cp);
		return;
	}
	buf[len++] = ' ';
	len += utf8_encode(cp, buf + len);
	int r = command_parse_text(cmd, buf, len, l, &default_limits, &err);
	if (r != -EINVAL || !err.code || strcmp(err.code, "untypable") || err.n_bad != 1 ||
	    err.bad[0].cp != cp || err.bad[0].pos != 1)
		FAIL("%s: U+%04X: %d %s", layout_name(l), cp, r, err.code ? err.code : "(none)");
}

static void check_layout_gaps(const struct layout *l)
{
	struct layout_entry e;

	for (uint32_t cp = 0x20; cp < 0x250; cp++)
		if (!layout_lookup(l, cp, &e) && cp != '\r')
			check_gap(l, cp);
}

Test(command_text, every_layout_char_and_gap)
{
	size_t n = layout_count_all(), chars = 0;

	for (size_t i = 0; i < n; i++) {
		check_layout_chars(layout_at_all(i));
		check_layout_gaps(layout_at_all(i));
		chars += layout_char_count(layout_at_all(i));
	}
	cr_expect_eq(failures, 0, "%zu failures (the first 50 shown)", failures);
	cr_expect_gt(n, 900);
	cr_log_info("%zu characters of %zu layouts compiled", chars, n);
}

/* ---- JSON commands --------------------------------------------------------------- */

TestSuite(command_json, .init = setup, .fini = teardown);

static const struct json_case {
	const char *in;
	const char *id;             /* NULL: none */
	enum cmd_type type;
	const char *acts;
	int32_t delay_ms;
} json_ok[] = {
	{ "{\"id\":\"42\", \"text\":\"hi\\n\"}", "42", CMD_RUN, "t0b.00.02 t0c.00.02 t28.00.00", -1 },
	{ "{\"id\":\"43\", \"keys\":\"ctrl+alt+delete\"}", "43", CMD_RUN, "c05[4c]", -1 },
	{ "{\"id\":43, \"keys\":\"enter\"}", "43", CMD_RUN, "c00[28]", -1 },
	{ "{\"id\":-7, \"keys\":\"enter\"}", "-7", CMD_RUN, "c00[28]", -1 },
	{ "{\"id\":0, \"keys\":\"enter\"}", "0", CMD_RUN, "c00[28]", -1 },
	{ "{\"id\":9007199254740991, \"keys\":\"enter\"}", "9007199254740991", CMD_RUN, "c00[28]", -1 },
	{ "{\"id\":-9007199254740991, \"keys\":\"enter\"}", "-9007199254740991", CMD_RUN, "c00[28]",
	  -1 },
	{ "{\"id\":\"\", \"keys\":\"enter\"}", "", CMD_RUN, "c00[28]", -1 },
	{ "{\"keys\":\"enter\", \"id\":\"after\"}", "after", CMD_RUN, "c00[28]", -1 },
	{ "{\"id\":\"44\", \"seq\":[{\"text\":\"ro\"},{\"keys\":\"enter\"},{\"delay_ms\":800},"
	  "{\"text\":\"s\\n\"}]}",
	  "44", CMD_RUN, "t15.00.02 t12.00.02 c00[28] d800 t16.00.02 t28.00.00", -1 },
	{ "{\"seq\":[{\"down\":\"ShiftLeft\"},{\"text\":\"a\"},{\"up\":\"ShiftLeft\"}]}", NULL,
	  CMD_RUN, "v02[] t04.00.02 ^02[]", -1 },
	{ "{\"seq\":[{\"down\":\"ctrl+a\"},{\"delay_ms\":0},{\"up\":\"ctrl+a\"}]}", NULL, CMD_RUN,
	  "v01[04] d0 ^01[04]", -1 },
	{ "{\"seq\":[{\"down\":\"volup\"},{\"up\":\"volup\"}]}", NULL, CMD_RUN, "vm0e9 ^m0e9", -1 },
	{ "{\"down\":\"ShiftLeft\"}", NULL, CMD_RUN, "v02[]", -1 },
	{ "{\"up\":\"ShiftLeft\"}", NULL, CMD_RUN, "^02[]", -1 },
	{ "{\"down\":\"KeyA\"}", NULL, CMD_RUN, "v00[04]", -1 },
	{ "{\"release_all\":true}", NULL, CMD_RELEASE_ALL, "", -1 },
	{ "{\"id\":\"c\",\"cancel\":true}", "c", CMD_CANCEL, "", -1 },
	{ "{\"set_layout\":\"de\"}", NULL, CMD_SET_LAYOUT, "", -1 },
	{ "{\"text\":\"a\", \"delay_ms\":50}", NULL, CMD_RUN, "t04.00.02", 50 },
	{ "{\"delay_ms\":0, \"keys\":\"a\"}", NULL, CMD_RUN, "c00[04]", 0 },
	{ "{\"delay_ms\":60000, \"keys\":\"a\"}", NULL, CMD_RUN, "c00[04]", 60000 },
	{ "  {\"keys\":\"a\"}\r\n\t ", NULL, CMD_RUN, "c00[04]", -1 },
	{ "{\"seq\":[{\"delay_ms\":60000}]}", NULL, CMD_RUN, "d60000", -1 },
};

Test(command_json, ok_table)
{
	for (size_t i = 0; i < sizeof json_ok / sizeof json_ok[0]; i++) {
		const struct json_case *t = &json_ok[i];
		fresh();
		expect_ok(json(t->in), t->in);
		if (t->id)
			cr_expect_str_eq(cmd->id ? cmd->id : "(null)", t->id, "%s", t->in);
		else
			cr_expect_null(cmd->id, "%s: id %s", t->in, cmd->id);
		cr_expect_eq(cmd->type, t->type, "%s: type %d", t->in, cmd->type);
		expect_acts(cmd, t->acts, t->in);
		cr_expect_eq(cmd->delay_ms, t->delay_ms, "%s: delay_ms %d", t->in, cmd->delay_ms);
	}
}

Test(command_json, counts_and_layouts)
{
	expect_ok(json("{\"seq\":[{\"text\":\"ab\"},{\"keys\":\"ctrl+c volup\"},{\"down\":\"shift\"},"
		       "{\"up\":\"shift\"},{\"text\":\"\\r\\nc\"}]}"), "seq");
	cr_expect_eq(cmd->chars, 4);
	cr_expect_eq(cmd->strokes, 7, "2 taps + 2 chords + 1 down + 2 taps");
	cr_expect(cmd->uses_consumer);
	cr_expect_eq(cmd->layout, layout_default(LAYOUT_LINUX));

	fresh();
	const struct layout *de = layout_find(LAYOUT_LINUX, "de");
	expect_ok(json("{\"layout\":\"de\", \"text\":\"z\"}"), "de z");
	cr_expect_eq(cmd->layout, de);
	struct layout_entry ez;
	cr_assert(layout_lookup(de, 'z', &ez));
	cr_expect_eq(cmd->acts[0].u.tap.usage, ez.s[0].usage);
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x1C, "z is on the Y key in Germany");

	/* A target alone keeps the device's layout name; with a layout, both. */
	fresh();
	expect_ok(json("{\"target\":\"macos\", \"layout\":\"de\", \"text\":\"@\"}"), "macos de @");
	cr_expect_eq(cmd->layout, layout_find(LAYOUT_MACOS, "de"));
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x0F, "Option+L on a German Mac");
	cr_expect_eq(cmd->acts[0].u.tap.mods, HID_MOD_LALT);
	fresh();
	expect_ok(command_parse_json(cmd, "{\"target\":\"windows\",\"text\":\"@\"}", 31,
				     layout_find(LAYOUT_LINUX, "de"), &default_limits, &err), "windows de");
	cr_expect_eq(cmd->layout, layout_find(LAYOUT_WINDOWS, "de"));
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x14, "AltGr+Q on Windows");
	fresh();
	expect_ok(command_parse_json(cmd, "{\"set_target\":\"chromeos\"}", 25,
				     layout_find(LAYOUT_LINUX, "fr"), &default_limits, &err), "set_target");
	cr_expect_eq(cmd->type, CMD_SET_LAYOUT);
	cr_expect_eq(cmd->layout, layout_find(LAYOUT_CHROMEOS, "fr"));
	fresh();
	expect_ok(json("{\"set_target\":\"windows\", \"layout\":\"gb\"}"), "set_target + layout");
	cr_expect_eq(cmd->layout, layout_find(LAYOUT_WINDOWS, "gb"));
	fresh();
	expect_ok(json("{\"set_layout\":\"de\", \"target\":\"macos\"}"), "set_layout + target");
	cr_expect_eq(cmd->layout, layout_find(LAYOUT_MACOS, "de"));

	fresh();
	const struct layout *dech = layout_find(LAYOUT_LINUX, "de-ch");
	struct layout_entry ee, *e = &ee;
	cr_assert(layout_lookup(dech, 0xE9, e));
	expect_ok(json("{\"text\":\"\\u00e9\", \"layout\":\"de-ch\"}"), "de-ch é");
	cr_expect_eq(cmd->layout, dech);
	cr_expect_eq(cmd->n_acts, e->n);
	cr_expect_eq(memcmp(&cmd->acts[0].u.tap, &e->s[0], sizeof e->s[0]), 0);

	fresh();
	expect_ok(json("{\"layout\":\"DE\", \"text\":\"z\"}"), "DE z");
	cr_expect_eq(cmd->layout, de);

	fresh();
	expect_ok(json("{\"set_layout\":\"fr\"}"), "set_layout");
	cr_expect_eq(cmd->layout, layout_find(LAYOUT_LINUX, "fr"));
	cr_expect_eq(cmd->n_acts, 0);

	/* The device's layout is used when the command names none. */
	fresh();
	cr_expect_eq(command_parse_json(cmd, "{\"text\":\"z\"}", 12, de, &default_limits, &err), 0);
	cr_expect_eq(cmd->layout, de);
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x1C);
}

/* An id of exactly 128 bytes is fine; 129 is not. */
Test(command_json, id_length)
{
	char buf[400];
	char id[130];

	memset(id, 'i', 129);
	id[128] = '\0';
	snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"keys\":\"a\"}", id);
	expect_ok(json(buf), "128-byte id");
	cr_expect_str_eq(cmd->id, id);
	fresh();
	id[128] = 'i', id[129] = '\0';
	snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"keys\":\"a\"}", id);
	expect_err(json(buf), "bad_id", "129-byte id");
	cr_expect_null(cmd->id);
}

/* The id survives a later error, so the error result can echo it. */
Test(command_json, id_kept_on_error)
{
	expect_err(json("{\"id\":\"7\",\"keys\":\"ctl+a\"}"), "unknown_key", "id 7");
	cr_expect_str_eq(cmd->id, "7");
	cr_expect_str_eq(err.detail, "no key named 'ctl'");
	fresh();
	expect_err(json("{\"id\":8,\"bogus\":1}"), "unknown_field", "id 8");
	cr_expect_str_eq(cmd->id, "8");
	fresh();
	expect_err(json("{\"id\":\"9\",\"text\":\"\\u00e9\"}"), "untypable", "id 9");
	cr_expect_str_eq(cmd->id, "9");
}

static const struct { const char *in, *code; } json_bad[] = {
	/* bad_json */
	{ "", "bad_json" },
	{ "   ", "bad_json" },
	{ "{", "bad_json" },
	{ "{\"text\":\"a\"", "bad_json" },
	{ "{\"text\":\"a", "bad_json" },
	{ "{\"text\":\"a\"} x", "bad_json" },
	{ "{\"text\":\"a\"}}", "bad_json" },
	{ "{\"text\":\"a\"}{\"text\":\"b\"}", "bad_json" },
	{ "{\"text\":}", "bad_json" },
	{ "{text:\"a\"}", "bad_json" },
	{ "}", "bad_json" },
	/* not an object */
	{ "[1]", "bad_command" },
	{ "\"text\"", "bad_command" },
	{ "42", "bad_command" },
	{ "null", "bad_command" },
	{ "true", "bad_command" },
	{ "null ", "bad_command" },
	{ "42 ", "bad_command" },
	{ "-1", "bad_command" },
	{ "-", "bad_json" },
	{ "nul", "bad_json" },
	/* unknown fields */
	{ "{\"text\":\"a\",\"foo\":1}", "unknown_field" },
	{ "{\"Text\":\"a\"}", "unknown_field" },
	{ "{\"seq\":[{\"bogus\":1}]}", "unknown_field" },
	{ "{\"seq\":[{\"seq\":[]}]}", "unknown_field" },
	{ "{\"seq\":[{\"cancel\":true}]}", "unknown_field" },
	/* bad_type for every field */
	{ "{\"id\":true,\"keys\":\"a\"}", "bad_type" },
	{ "{\"id\":1.5,\"keys\":\"a\"}", "bad_type" },
	{ "{\"id\":[],\"keys\":\"a\"}", "bad_type" },
	{ "{\"id\":{},\"keys\":\"a\"}", "bad_type" },
	{ "{\"id\":null,\"keys\":\"a\"}", "bad_type" },
	{ "{\"layout\":1,\"keys\":\"a\"}", "bad_type" },
	{ "{\"delay_ms\":\"5\",\"keys\":\"a\"}", "bad_type" },
	{ "{\"delay_ms\":1.5,\"keys\":\"a\"}", "bad_type" },
	{ "{\"delay_ms\":true,\"keys\":\"a\"}", "bad_type" },
	{ "{\"text\":1}", "bad_type" },
	{ "{\"text\":null}", "bad_type" },
	{ "{\"text\":[\"a\"]}", "bad_type" },
	{ "{\"keys\":1}", "bad_type" },
	{ "{\"seq\":{}}", "bad_type" },
	{ "{\"seq\":\"a\"}", "bad_type" },
	{ "{\"down\":1}", "bad_type" },
	{ "{\"up\":null}", "bad_type" },
	{ "{\"release_all\":\"yes\"}", "bad_type" },
	{ "{\"release_all\":1}", "bad_type" },
	{ "{\"cancel\":1}", "bad_type" },
	{ "{\"set_layout\":1}", "bad_type" },
	{ "{\"seq\":[\"a\"]}", "bad_type" },
	{ "{\"seq\":[[]]}", "bad_type" },
	{ "{\"seq\":[{\"text\":1}]}", "bad_type" },
	{ "{\"seq\":[{\"keys\":true}]}", "bad_type" },
	{ "{\"seq\":[{\"delay_ms\":\"1\"}]}", "bad_type" },
	{ "{\"seq\":[{\"down\":1}]}", "bad_type" },
	{ "{\"seq\":[{\"up\":[]}]}", "bad_type" },
	/* bad_value */
	{ "{\"delay_ms\":-1,\"keys\":\"a\"}", "bad_value" },
	{ "{\"delay_ms\":60001,\"keys\":\"a\"}", "bad_value" },
	{ "{\"delay_ms\":9223372036854775807,\"keys\":\"a\"}", "bad_value" },
	{ "{\"seq\":[{\"delay_ms\":-5}]}", "bad_value" },
	{ "{\"cancel\":false}", "bad_value" },
	{ "{\"release_all\":false}", "bad_value" },
	/* bad_id */
	{ "{\"id\":\"a\\u0000b\",\"keys\":\"a\"}", "bad_id" },
	/* numeric ids must survive JSON everywhere: within ±(2^53 - 1) */
	{ "{\"id\":9007199254740992,\"keys\":\"a\"}", "bad_id" },
	{ "{\"id\":-9007199254740992,\"keys\":\"a\"}", "bad_id" },
	{ "{\"id\":18446744073709551616,\"keys\":\"a\"}", "bad_id" },
	{ "{\"id\":-99999999999999999999,\"keys\":\"a\"}", "bad_id" },
	/* no action, two actions, a step with two actions */
	{ "{}", "bad_command" },
	{ "{\"id\":\"1\"}", "bad_command" },
	{ "{\"layout\":\"de\",\"delay_ms\":5}", "bad_command" },
	{ "{\"text\":\"a\",\"keys\":\"b\"}", "bad_command" },
	{ "{\"cancel\":true,\"release_all\":true}", "bad_command" },
	{ "{\"seq\":[],\"text\":\"a\"}", "bad_command" },
	{ "{\"seq\":[{\"text\":\"a\",\"keys\":\"b\"}]}", "bad_command" },
	{ "{\"seq\":[{}]}", "bad_command" },
	/* errors from the action itself */
	{ "{\"keys\":\"ctl+a\"}", "unknown_key" },
	{ "{\"keys\":\"a+b+c+d+e+f+g\"}", "too_many_keys" },
	{ "{\"keys\":\"ctrl+volup\"}", "bad_chord" },
	{ "{\"keys\":\"\"}", "bad_chord" },
	{ "{\"down\":\"ctrl++a\"}", "bad_chord" },
	{ "{\"up\":\"bogus\"}", "unknown_key" },
	{ "{\"seq\":[{\"text\":\"a\"},{\"keys\":\"ctl\"}]}", "unknown_key" },
	{ "{\"text\":\"\\u00e9\"}", "untypable" },
	{ "{\"text\":\"a\\u0000\"}", "untypable" },
	{ "{\"text\":\"\xC3\"}", "bad_utf8" },
	{ "{\"text\":\"a\"}\xFF", "bad_utf8" },
	/* unknown layouts */
	{ "{\"layout\":\"xx\",\"text\":\"a\"}", "unknown_layout" },
	{ "{\"layout\":\"\",\"text\":\"a\"}", "unknown_layout" },
	{ "{\"set_layout\":\"klingon\"}", "unknown_layout" },
};

Test(command_json, error_table)
{
	for (size_t i = 0; i < sizeof json_bad / sizeof json_bad[0]; i++) {
		fresh();
		expect_err(json(json_bad[i].in), json_bad[i].code, json_bad[i].in);
		cr_expect_gt(strlen(err.detail), 0, "%s: no detail", json_bad[i].in);
	}
}

Test(command_json, error_details)
{
	expect_err(json("{\"text\":\"a\",\"foo\":1}"), "unknown_field", "foo");
	cr_expect_str_eq(err.detail, "unknown field 'foo'");
	fresh();
	expect_err(json("{\"seq\":[{\"text\":\"a\"},{\"bogus\":1}]}"), "unknown_field", "seq bogus");
	cr_expect_str_eq(err.detail, "seq[1]: unknown field 'bogus'");
	fresh();
	expect_err(json("{\"seq\":[{\"text\":1}]}"), "bad_type", "seq text");
	cr_expect_str_eq(err.detail, "seq[0]: 'text' must be a string, not a number");
	fresh();
	expect_err(json("{\"text\":\"a\"} x"), "bad_json", "trailing");
	cr_expect_str_eq(err.detail, "unexpected data after the JSON value at offset 13");
	fresh();
	expect_err(json("{\"text\":\"a\""), "bad_json", "truncated");
	cr_expect_str_eq(err.detail, "the JSON ends too early");
	fresh();
	expect_err(json("{\"layout\":\"xx\",\"text\":\"a\"}"), "unknown_layout", "xx");
	cr_expect_str_eq(err.detail, "no layout named 'xx' for target linux (keymime-agent "
			 "--list-layouts --target linux)");
	fresh();
	expect_err(json("{\"target\":\"windows\",\"layout\":\"us-colemak\",\"text\":\"a\"}"),
		   "unknown_layout", "no colemak on windows");
	cr_expect_str_eq(err.detail, "no layout named 'us-colemak' for target windows (keymime-agent "
			 "--list-layouts --target windows)");
	fresh();
	expect_err(json("{\"target\":\"osx\",\"text\":\"a\"}"), "unknown_target", "osx");
	cr_expect_str_eq(err.detail, "no target named 'osx' (linux, windows, macos, chromeos)");
	fresh();
	expect_err(json("{\"target\":1,\"text\":\"a\"}"), "bad_type", "target type");
	fresh();
	expect_err(json("null"), "bad_command", "null");
	cr_expect_str_eq(err.detail, "a command is a JSON object, not null");
	fresh();
	expect_err(json("42"), "bad_command", "42");
	cr_expect_str_eq(err.detail, "a command is a JSON object, not a number");
	fresh();
	expect_err(json("[]"), "bad_command", "[]");
	cr_expect_str_eq(err.detail, "a command is a JSON object, not an array");
	fresh();
	expect_err(json("{\"text\":\"a\",\"keys\":\"b\"}"), "bad_command", "two actions");
	cr_expect_not_null(strstr(err.detail, "more than one action"), "%s", err.detail);
}

/* ---- unicode_entry ---------------------------------------------------------------- */

static const struct { const char *in, *acts; size_t chars, entered; } entry_ok[] = {
	/* Ctrl+Shift+U, e, 9, space between two plain letters. */
	{ "{\"text\":\"a\\u00e9b\",\"unicode_entry\":\"linux-ibus\"}",
	  "t04.00.02 u18.03.03~ u08.00.02~ u26.00.00~ u2c.00.00 t05.00.02", 3, 1 },
	/* AZERTY: digits with Shift, a on the US Q key; a digit is not typable
	 * under Caps Lock on ChromeOS French, so the entry is caps-blocked. */
	{ "{\"text\":\"\u263a\",\"target\":\"chromeos\",\"layout\":\"fr\",\"unicode_entry\":\"linux-ibus\"}",
	  "u18.03.03b~ u1f.02.02b~ u23.02.02b~ u20.02.02b~ u14.00.02b~ u2c.00.00b", 1, 1 },
	/* Left Alt held over keypad 0233, Num Lock needed. */
	{ "{\"text\":\"\u00e9\",\"target\":\"windows\",\"unicode_entry\":\"windows-altcode\"}",
	  "u62.04.04h04n~ u5a.04.04h04n~ u5b.04.04h04n~ u5b.04.04h04n", 1, 1 },
	/* A character the layout has is typed with its key, entry or not. */
	{ "{\"text\":\"@\\u2192\",\"target\":\"windows\",\"layout\":\"fr\",\"unicode_entry\":\"windows-hex\"}",
	  "t27.40.40 u57.04.04h04n~ u5a.04.04h04n~ u59.04.04h04n~ u61.04.04h04n~ u5a.04.04h04n", 2, 1 },
	{ "{\"seq\":[{\"text\":\"\\ud83d\\ude00\"}],\"target\":\"macos\",\"unicode_entry\":\"macos-hex\"}",
	  "u07.04.04h04~ u25.04.04h04~ u20.04.04h04~ u07.04.04h04~ u07.04.04h04~ u08.04.04h04~ "
	  "u27.04.04h04~ u27.04.04h04", 1, 1 },
	/* "none" turns a device's method off for one command: nothing to enter here. */
	{ "{\"text\":\"a\",\"unicode_entry\":\"none\"}", "t04.00.02", 1, 0 },
};

Test(command_json, unicode_entry)
{
	for (size_t i = 0; i < sizeof entry_ok / sizeof entry_ok[0]; i++) {
		fresh();
		expect_ok(json(entry_ok[i].in), entry_ok[i].in);
		expect_acts(cmd, entry_ok[i].acts, entry_ok[i].in);
		cr_expect_eq(cmd->chars, entry_ok[i].chars, "%s", entry_ok[i].in);
		cr_expect_eq(cmd->entered, entry_ok[i].entered, "%s", entry_ok[i].in);
	}
}

static const struct { const char *in, *code, *detail; } entry_bad[] = {
	{ "{\"text\":\"\u00e9\",\"unicode_entry\":\"ibus\"}", "bad_value",
	  "'unicode_entry' must be none, linux-ibus, windows-altcode, windows-hex or macos-hex, not 'ibus'" },
	{ "{\"text\":\"\u00e9\",\"unicode_entry\":3}", "bad_type",
	  "'unicode_entry' must be a method name, not a number" },
	{ "{\"text\":\"\u00e9\",\"unicode_entry\":\"windows-hex\"}", "bad_value",
	  "unicode_entry windows-hex is for windows, not target linux" },
	{ "{\"text\":\"\u00e9\",\"target\":\"windows\",\"unicode_entry\":\"linux-ibus\"}", "bad_value",
	  "unicode_entry linux-ibus is for linux or chromeos, not target windows" },
	{ "{\"text\":\"x\\u2192\\u00e9\",\"target\":\"windows\",\"unicode_entry\":\"windows-altcode\"}",
	  "untypable", "layout 'us' cannot type '\u2192' (U+2192) at 1; unicode_entry windows-altcode enters "
	  "only Windows-1252 characters" },
	{ "{\"text\":\"\U0001F600\",\"target\":\"windows\",\"unicode_entry\":\"windows-hex\"}",
	  "untypable", "layout 'us' cannot type '\U0001F600' (U+1F600) at 0; unicode_entry windows-hex enters "
	  "only characters up to U+FFFF" },
	{ "{\"text\":\"\u00e9\",\"layout\":\"ru\",\"unicode_entry\":\"linux-ibus\"}", "untypable",
	  "layout 'ru' cannot type '\u00e9' (U+00E9) at 0; unicode_entry linux-ibus needs keys for u, 0-9, "
	  "a-f and space, which layout 'ru' lacks" },
	{ "{\"text\":\"\\u001b\",\"unicode_entry\":\"linux-ibus\"}", "untypable",
	  "layout 'us' cannot type U+001B at 0; unicode_entry linux-ibus enters every character but "
	  "control characters" },
};

Test(command_json, unicode_entry_errors)
{
	for (size_t i = 0; i < sizeof entry_bad / sizeof entry_bad[0]; i++) {
		fresh();
		expect_err(json(entry_bad[i].in), entry_bad[i].code, entry_bad[i].in);
		cr_expect_str_eq(err.detail, entry_bad[i].detail, "%s", entry_bad[i].in);
	}
}

/* The device's method (set before parsing) applies to the type topic and
 * to commands for its target; a command for another target goes without. */
Test(command_text, device_unicode_entry)
{
	const struct layout *wus = layout_find(LAYOUT_WINDOWS, "us");

	cmd->unicode_entry = UNICODE_ENTRY_WINDOWS_ALTCODE;
	expect_ok(command_parse_text(cmd, "\xc3\xa9", 2, wus, &default_limits, &err), "type é");
	expect_acts(cmd, "u62.04.04h04n~ u5a.04.04h04n~ u5b.04.04h04n~ u5b.04.04h04n", "type é");
	cr_expect_eq(command_unicode_entry(cmd), UNICODE_ENTRY_WINDOWS_ALTCODE);
	fresh();
	cmd->unicode_entry = UNICODE_ENTRY_WINDOWS_ALTCODE;
	expect_err(command_parse_text(cmd, "\xc3\xa9", 2, layout_default(LAYOUT_LINUX), &default_limits,
				      &err), "untypable", "linux: no entry");
	cr_expect_str_eq(err.detail, "layout 'us' cannot type '\xc3\xa9' (U+00E9) at 0");
	cr_expect_eq(command_unicode_entry(cmd), UNICODE_ENTRY_NONE);
	fresh();
	cmd->unicode_entry = UNICODE_ENTRY_LINUX_IBUS;
	expect_err(json("{\"text\":\"\u00e9\",\"unicode_entry\":\"none\"}"), "untypable", "none");
	cr_expect_str_eq(err.detail, "layout 'us' cannot type '\xc3\xa9' (U+00E9) at 0");
}

/* macOS told the keyboard is ISO: text keys 0x35 and 0x64 trade places,
 * on macOS layouts only. */
Test(command_text, macos_iso)
{
	const struct layout *mde = layout_find(LAYOUT_MACOS, "de");
	struct layout_entry lt, circ;
	char want[64];

	cr_assert(layout_lookup(mde, '<', &lt) && lt.n == 1);
	cr_assert(layout_lookup(mde, 0xB0, &circ) && circ.n == 1, "macOS German ° (Shift+^)");
	cr_expect_eq(lt.s[0].usage, 0x35, "ANSI: < is left of 1 on a German Mac");
	cr_expect_eq(circ.s[0].usage, 0x64);
	cmd->macos_iso = true;
	expect_ok(command_parse_text(cmd, "<\xc2\xb0", 3, mde, &default_limits, &err), "iso");
	snprintf(want, sizeof want, "t64.%02x.%02x t35.%02x.%02x", lt.s[0].mods, lt.s[0].caps_mods,
		 circ.s[0].mods, circ.s[0].caps_mods);
	expect_acts(cmd, want, "iso <°");
	fresh();
	cmd->macos_iso = true;
	const struct layout *wde = layout_find(LAYOUT_WINDOWS, "de");
	cr_assert(layout_lookup(wde, '<', &lt));
	expect_ok(command_parse_text(cmd, "<", 1, wde, &default_limits, &err), "windows");
	cr_expect_eq(cmd->acts[0].u.tap.usage, lt.s[0].usage, "no exchange on Windows");
	cr_expect_eq(lt.s[0].usage, 0x64);
}

/* Positions of untypable characters continue across the text steps of a seq. */
Test(command_json, untypable_positions_across_steps)
{
	expect_err(json("{\"seq\":[{\"text\":\"a\"},{\"keys\":\"enter\"},{\"text\":\"\\u00e9a\\u20ac\"}]}"),
		   "untypable", "seq");
	cr_expect_eq(err.n_bad, 2);
	cr_expect(err.bad[0].cp == 0xE9 && err.bad[0].pos == 1);
	cr_expect(err.bad[1].cp == 0x20AC && err.bad[1].pos == 3);
}

/* Untypable characters belong to the untypable error only: another error
 * after them (a later step, too much text) carries no list. */
Test(command_json, untypable_list_only_with_untypable)
{
	expect_err(json("{\"seq\":[{\"text\":\"\\u00e9\"},{\"keys\":\"ctl\"}]}"), "unknown_key",
		   "é then a bad key");
	cr_expect_eq(err.n_bad, 0);
	cr_expect_eq(err.n_bad_total, 0);
	fresh();
	expect_err(json("{\"seq\":[{\"text\":\"\\u00e9\"},{\"text\":1}]}"), "bad_type",
		   "é then a bad step");
	cr_expect_eq(err.n_bad, 0);
	fresh();
	struct cmd_limits lim = default_limits;
	lim.max_chars = 3;
	expect_err(command_parse_text(cmd, "\xC3\xA9" "abcd", 6, layout_default(LAYOUT_LINUX), &lim, &err),
		   "too_long", "é then too much");
	cr_expect_eq(err.n_bad, 0);
	cr_expect_eq(err.n_bad_total, 0);
	fresh();
	expect_err(text_on("\xC3\xA9\xFF", 3, "us"), "bad_utf8", "é then bad UTF-8");
	cr_expect_eq(err.n_bad, 0);
}

/* A raw NUL byte is refused before parsing (json-c would stop at it). */
Test(command_json, nul_byte)
{
	static const char payload[] = "{\"text\":\"a\"}\0garbage";

	expect_err(command_parse_json(cmd, payload, sizeof payload - 1, layout_default(LAYOUT_LINUX), &default_limits,
				      &err), "bad_json", "NUL");
	cr_expect_str_eq(err.detail, "NUL byte at offset 12");
	fresh();
	expect_err(command_parse_json(cmd, "{\"text\":\"a\0\"}", 13, layout_default(LAYOUT_LINUX), &default_limits,
				      &err), "bad_json", "NUL in a string");
}

/* Payloads are not NUL-terminated: only len bytes are read. */
Test(command_json, length_respected)
{
	expect_ok(command_parse_json(cmd, "{\"keys\":\"a\"}GARBAGE", 12, layout_default(LAYOUT_LINUX),
				     &default_limits, &err), "prefix");
	expect_acts(cmd, "c00[04]", "prefix");
}

/* Nesting: json-c counts every value, the innermost scalar included, and
 * stops at 8 levels. Legitimate commands nest 4 deep at most. */
Test(command_json, nesting)
{
	/* 8 levels: object, 6 arrays, a number → parsed, then refused for 'x'. */
	expect_err(json("{\"text\":\"a\",\"x\":[[[[[[1]]]]]]}"), "unknown_field", "8 levels");
	fresh();
	expect_err(json("{\"text\":\"a\",\"x\":[[[[[[[1]]]]]]]}"), "bad_json", "9 levels");
	cr_expect_str_eq(err.detail, "JSON nested deeper than 8 levels");
	fresh();
	char deep[4096];
	size_t n = 0;
	for (int i = 0; i < 1000; i++)
		deep[n++] = '[';
	for (int i = 0; i < 1000; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	expect_err(json(deep), "bad_json", "1000 levels");
	fresh();
	expect_err(json("{\"seq\":[{\"text\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}}]}"), "bad_json",
		   "deep seq");
}

Test(command_json, too_many_steps)
{
	struct cmd_limits lim = default_limits;

	lim.max_steps = 2;
	expect_ok(json_lim("{\"seq\":[{\"keys\":\"a\"},{\"keys\":\"b\"}]}", &lim), "2 steps");
	fresh();
	expect_err(json_lim("{\"seq\":[{\"keys\":\"a\"},{\"keys\":\"b\"},{\"keys\":\"c\"}]}", &lim),
		   "too_many_steps", "3 steps");
	fresh();
	expect_err(json_lim("{\"keys\":\"a b c\"}", &lim), "too_many_steps", "3 chords");
}

Test(command_json, too_large)
{
	struct cmd_limits lim = default_limits;
	const char *p = "{\"keys\":\"a\"}";

	lim.max_payload = strlen(p);
	expect_ok(json_lim(p, &lim), "exactly the limit");
	fresh();
	lim.max_payload = strlen(p) - 1;
	expect_err(json_lim(p, &lim), "too_large", "one byte over");
	/* Checked before anything else: even invalid JSON is too_large first. */
	fresh();
	lim.max_payload = 3;
	expect_err(json_lim("{{{{", &lim), "too_large", "{{{{");
}

Test(command_json, too_long_text)
{
	struct cmd_limits lim = default_limits;

	lim.max_chars = 4;
	expect_ok(json_lim("{\"seq\":[{\"text\":\"ab\"},{\"text\":\"cd\"}]}", &lim), "4 chars");
	fresh();
	expect_err(json_lim("{\"seq\":[{\"text\":\"ab\"},{\"text\":\"cde\"}]}", &lim), "too_long",
		   "5 chars over two steps");
}

/* ---- the command object itself ------------------------------------------------ */

Test(command, new_and_free)
{
	struct command *c = command_new();

	cr_assert_not_null(c);
	cr_expect_eq(c->type, CMD_RUN);
	cr_expect_eq(c->delay_ms, -1);
	cr_expect_eq(c->n_acts, 0);
	cr_expect_null(c->id);
	/* Many actions: the array grows. */
	for (int i = 0; i < 1000; i++)
		command_push_action(c, ACT_DELAY)->u.delay_ms = (uint32_t)i;
	cr_expect_eq(c->n_acts, 1000);
	cr_expect_eq(c->acts[999].u.delay_ms, 999);
	cr_expect_eq(c->acts[0].kind, ACT_DELAY);
	command_free(c);
	command_free(NULL);
}

/* ---- hold: a key held through a boot ------------------------------------------ */

TestSuite(command_hold, .init = setup, .fini = teardown);

static const struct json_case hold_ok[] = {
	{ "{\"hold\":\"F12\",\"ms\":15000}", NULL, CMD_RUN, "v00[45] k15000 ^00[45]", -1 },
	{ "{\"id\":\"b\",\"ms\":1,\"hold\":\"shift+option\"}", "b", CMD_RUN, "v06[] k1 ^06[]", -1 },
	{ "{\"hold\":\"del\",\"ms\":60000}", NULL, CMD_RUN, "v00[4c] k60000 ^00[4c]", -1 },
	{ "{\"seq\":[{\"hold\":\"F2\",\"ms\":500},{\"keys\":\"enter\"}]}", NULL, CMD_RUN,
	  "v00[3b] k500 ^00[3b] c00[28]", -1 },
	{ "{\"seq\":[{\"ms\":500,\"hold\":\"volup\"}]}", NULL, CMD_RUN, "vm0e9 k500 ^m0e9", -1 },
};

Test(command_hold, ok_table)
{
	for (size_t i = 0; i < sizeof hold_ok / sizeof hold_ok[0]; i++) {
		const struct json_case *t = &hold_ok[i];
		fresh();
		expect_ok(json(t->in), t->in);
		expect_acts(cmd, t->acts, t->in);
		cr_expect_eq(cmd->strokes, 1 + (strstr(t->in, "enter") != NULL), "%s: a hold is one key press",
			     t->in);
	}
}

static const struct { const char *in, *code, *detail; } hold_bad[] = {
	{ "{\"hold\":\"F12\"}", "bad_command", "'hold' needs 'ms': how long to hold the keys, 1 to 60000" },
	{ "{\"hold\":\"F12\",\"ms\":0}", "bad_value", "'ms' must be between 1 and 60000 (max_hold_ms)" },
	{ "{\"hold\":\"F12\",\"ms\":60001}", "bad_value", "'ms' must be between 1 and 60000 (max_hold_ms)" },
	{ "{\"hold\":\"F12\",\"ms\":\"5\"}", "bad_type", "'ms' must be a whole number, not a string" },
	{ "{\"hold\":1,\"ms\":5}", "bad_type", "'hold' must be a key name, not a number" },
	{ "{\"hold\":\"F13+ctl\",\"ms\":5}", "unknown_key", "no key named 'ctl'" },
	{ "{\"keys\":\"a\",\"ms\":5}", "bad_command", "'ms' goes with 'hold'" },
	{ "{\"hold\":\"a\",\"keys\":\"b\",\"ms\":5}", "bad_command",
	  "more than one action ('hold' and 'keys'); use seq" },
	{ "{\"seq\":[{\"ms\":5}]}", "bad_command", "seq[0]: 'ms' goes with 'hold'" },
	{ "{\"seq\":[{\"hold\":\"a\"}]}", "bad_command",
	  "seq[0]: 'hold' needs 'ms': how long to hold the keys, 1 to 60000" },
	{ "{\"seq\":[{\"hold\":\"a\",\"ms\":5,\"keys\":\"b\"}]}", "bad_command",
	  "seq[0]: a step has exactly one of text, keys, down, up, delay_ms, ducky, or hold with ms" },
	{ "{\"seq\":[{\"text\":\"a\",\"ms\":5}]}", "bad_command",
	  "seq[0]: a step has exactly one of text, keys, down, up, delay_ms, ducky, or hold with ms" },
	{ "{\"hold\":\"a+b+c+d+e+f+g\",\"ms\":5}", "too_many_keys",
	  "a chord holds at most 6 keys besides modifiers" },
};

Test(command_hold, error_table)
{
	for (size_t i = 0; i < sizeof hold_bad / sizeof hold_bad[0]; i++) {
		fresh();
		expect_err(json(hold_bad[i].in), hold_bad[i].code, hold_bad[i].in);
		cr_expect_str_eq(err.detail, hold_bad[i].detail, "%s", hold_bad[i].in);
	}
}

/* max_hold_ms is the limit; 0 means no holds at all (e.g. Home Assistant's
 * button check, which only ever parses keys). */
Test(command_hold, limit)
{
	struct cmd_limits lim = default_limits;

	lim.max_hold_ms = 600000;
	expect_ok(json_lim("{\"hold\":\"F12\",\"ms\":600000}", &lim), "10 minutes");
	fresh();
	lim.max_hold_ms = 0;
	expect_err(json_lim("{\"hold\":\"F12\",\"ms\":1}", &lim), "bad_command", "no holds");
	cr_expect_str_eq(err.detail, "'hold' is not available here");
}

/* ---- keep_awake: a switch, not a command that types ---------------------------- */

Test(command_hold, keep_awake)
{
	expect_ok(json("{\"id\":\"k\",\"keep_awake\":true}"), "on");
	cr_expect_eq(cmd->type, CMD_KEEP_AWAKE);
	cr_expect(cmd->keep_awake);
	cr_expect_eq(cmd->n_acts, 0);
	fresh();
	expect_ok(json("{\"keep_awake\":false}"), "off");
	cr_expect_eq(cmd->type, CMD_KEEP_AWAKE);
	cr_expect_not(cmd->keep_awake);
	fresh();
	expect_err(json("{\"keep_awake\":1}"), "bad_type", "a number");
	cr_expect_str_eq(err.detail, "'keep_awake' must be true or false, not a number");
	fresh();
	expect_err(json("{\"keep_awake\":true,\"keys\":\"a\"}"), "bad_command", "two actions");
}
