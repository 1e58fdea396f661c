/* SPDX-License-Identifier: MIT */
/* command: compiling text, chords and JSON commands into validated action
 * lists. Nothing is typed until a whole command has passed through here. */
#include "command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "strbuf.h"
#include "utf8.h"
#include "xalloc.h"

struct command *command_new(void)
{
	struct command *c = xcalloc(1, sizeof *c);

	c->type = CMD_RUN;
	c->delay_ms = -1;
	return c;
}

void command_free(struct command *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->acts);
	free(c->response_topic);
	free(c->correlation);
	free(c);
}

struct action *command_push_action(struct command *c, enum act_kind kind)
{
	if (c->n_acts == c->cap_acts) {
		c->cap_acts = c->cap_acts ? c->cap_acts * 2 : 16;
		c->acts = xreallocarray(c->acts, c->cap_acts, sizeof *c->acts);
	}
	struct action *a = &c->acts[c->n_acts++];
	memset(a, 0, sizeof *a);
	a->kind = (uint8_t)kind;
	return a;
}

/* ---- text ---------------------------------------------------------------- */

static void note_untypable(struct err *err, uint32_t cp, size_t pos)
{
	if (err->n_bad < ERR_MAX_BAD) {
		err->bad[err->n_bad].cp = cp;
		err->bad[err->n_bad].pos = (uint32_t)pos;
		err->n_bad++;
	}
	err->n_bad_total++;
}

/* The entry method c uses on layout l: its unicode_entry where that fits
 * l's target (a device's method stays out of commands for another target). */
static enum unicode_entry entry_method(const struct command *c, const struct layout *l)
{
	enum unicode_entry m = (enum unicode_entry)c->unicode_entry;

	return unicode_entry_fits(m, layout_target(l)) ? m : UNICODE_ENTRY_NONE;
}

enum unicode_entry command_unicode_entry(const struct command *c)
{
	return c->layout ? entry_method(c, c->layout) : UNICODE_ENTRY_NONE;
}

/* Why the entry method could not help either, appended to the error. */
static void entry_failure(struct strbuf *sb, enum unicode_entry m, const struct layout *l)
{
	struct unicode_entry_keys k;

	if (m == UNICODE_ENTRY_NONE)
		return;
	if (unicode_entry_keys(m, l, 0xE9, &k) == -ENOENT)
		sb_addf(sb, "; unicode_entry %s needs keys for u, 0-9, a-f and space, which layout "
			"'%s' lacks", unicode_entry_name(m), layout_name(l));
	else
		sb_addf(sb, "; unicode_entry %s enters %s", unicode_entry_name(m),
			unicode_entry_reach(m));
}

/* "layout 'us' cannot type 'é' (U+00E9) at 3, …" — printable characters are
 * quoted, control characters shown by code point only. */
static int untypable_error(struct err *err, const struct command *c)
{
	struct strbuf sb = STRBUF_INIT;
	const struct layout *l = c->layout;

	sb_addf(&sb, "layout '%s' cannot type", layout_name(l));
	for (size_t i = 0; i < err->n_bad; i++) {
		char ch[5];
		uint32_t cp = err->bad[i].cp;
		const char *sep = i ? "," : "";
		if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
			sb_addf(&sb, "%s U+%04X at %u", sep, (unsigned)cp, (unsigned)err->bad[i].pos);
		} else {
			utf8_encode(cp, ch);
			sb_addf(&sb, "%s '%s' (U+%04X) at %u", sep, ch, (unsigned)cp,
				(unsigned)err->bad[i].pos);
		}
	}
	if (err->n_bad_total > err->n_bad)
		sb_addf(&sb, " and %zu more", err->n_bad_total - err->n_bad);
	entry_failure(&sb, entry_method(c, l), l);
	size_t nb = err->n_bad, nt = err->n_bad_total;
	err_fail(err, "untypable", "%s", sb_str(&sb));
	sb_free(&sb);
	err->n_bad = nb, err->n_bad_total = nt;
	return -EINVAL;
}

/* macOS told the keyboard is ISO exchanges the key left of 1 (0x35) and
 * the key left of Z (0x64); the macOS tables are for ANSI. */
static uint8_t mac_usage(const struct command *c, const struct layout *l, uint8_t usage)
{
	if (!c->macos_iso || layout_target(l) != LAYOUT_MACOS)
		return usage;
	return usage == 0x35 ? 0x64 : usage == 0x64 ? 0x35 : usage;
}

static void push_entry(struct command *c, const struct layout *l, const struct layout_entry *e)
{
	bool caps_only = e->caps_only;
	bool blocked = !caps_only && !e->caps_ok;

	for (uint8_t i = 0; i < e->n; i++) {
		struct action *a = command_push_action(c, ACT_TAP);
		a->u.tap = e->s[i];
		a->u.tap.usage = mac_usage(c, l, e->s[i].usage);
		a->start_of_char = (i == 0);
		a->end_of_char = (i + 1 == e->n);
		a->caps_blocked = blocked;
		a->caps_only = caps_only;
	}
	c->chars++;
	c->strokes += e->n;
}

/* A character through the entry method: one character of many strokes. */
static void push_keys(struct command *c, const struct unicode_entry_keys *k)
{
	for (uint8_t i = 0; i < k->n; i++) {
		struct action *a = command_push_action(c, ACT_TAP);
		a->u.tap = k->s[i];
		a->start_of_char = (i == 0);
		a->end_of_char = (i + 1 == k->n);
		a->caps_blocked = k->caps_blocked;
		a->entry = true;
		a->num_lock = k->num_lock;
		a->hold_mods = k->hold_mods;
	}
	c->chars++;
	c->entered++;
	c->strokes += k->n;
}

/* One character: a key of the layout, Caps Lock (fr Ç: the sequencer turns
 * it on around it), or the entry method; else noted as untypable. Once
 * anything is untypable, nothing more is compiled, only noted. */
static void compile_char(struct command *c, const struct layout *l, uint32_t cp, size_t pos,
			 struct err *err)
{
	struct layout_entry e;
	struct unicode_entry_keys k;
	enum unicode_entry m;

	if (layout_lookup(l, cp, &e) ||
	    (layout_caps_key_locks(l) && layout_lookup_caps_only(l, cp, &e))) {
		if (!err->n_bad_total)
			push_entry(c, l, &e);
	} else if ((m = entry_method(c, l)) != UNICODE_ENTRY_NONE &&
		   unicode_entry_keys(m, l, cp, &k) == 0) {
		if (!err->n_bad_total)
			push_keys(c, &k);
	} else {
		note_untypable(err, cp, pos);
	}
}

/* Compile UTF-8 text into taps. "\r\n" and a lone "\r" are one Enter. *pos is
 * the character position of s[0] within the command (for error messages). */
int command_compile_text_step(struct command *c, const char *s, size_t len, const struct layout *l,
			const struct cmd_limits *lim, size_t *pos, struct err *err)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		int n = utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return err_fail(err, "bad_utf8", "invalid UTF-8 at byte %zu", i);
		i += (size_t)n;
		if (cp == '\r') {
			if (i < len && s[i] == '\n')
				continue;   /* the '\n' that follows types the Enter */
			cp = '\n';
		}
		if (++*pos > lim->max_chars)
			return err_fail(err, "too_long", "more than %zu characters", lim->max_chars);
		compile_char(c, l, cp, *pos - 1, err);
	}
	return 0;
}

int command_finish_text(const struct command *c, struct err *err)
{
	return err->n_bad_total ? untypable_error(err, c) : 0;
}

int command_parse_text(struct command *c, const char *payload, size_t len,
		       const struct layout *l, const struct cmd_limits *lim,
		       struct err *err)
{
	size_t pos = 0;

	c->layout = l;
	int r = command_compile_text_step(c, payload, len, l, lim, &pos, err);
	return r ? r : command_finish_text(c, err);
}

/* ---- chords -------------------------------------------------------------- */

int chord_add(struct chord *ch, const struct keymap_key *k, const char *name,
		     size_t len, struct err *err)
{
	if (k->page == KEYMAP_PAGE_CONSUMER) {
		if (ch->consumer || ch->mods || ch->n)
			return err_fail(err, "bad_chord", "media key '%.*s' cannot be combined with other keys",
					(int)len, name);
		ch->consumer = k->usage;
		return 0;
	}
	if (ch->consumer)
		return err_fail(err, "bad_chord", "'%.*s' cannot be combined with a media key", (int)len, name);
	if (keymap_is_modifier(k)) {
		ch->mods |= keymap_modifier_bit(k);
		return 0;
	}
	for (uint8_t i = 0; i < ch->n; i++)
		if (ch->keys[i] == k->usage)
			return 0;
	if (ch->n == HID_KBD_SLOTS)
		return err_fail(err, "too_many_keys", "a chord holds at most %d keys besides modifiers",
				HID_KBD_SLOTS);
	ch->keys[ch->n++] = (uint8_t)k->usage;
	return 0;
}

int chord_parse(const char *s, size_t len, struct chord *out, struct err *err)
{
	size_t start = 0;

	memset(out, 0, sizeof *out);
	if (len == 0)
		return err_fail(err, "bad_chord", "empty chord");
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '+')
			continue;
		const char *name = s + start;
		size_t n = i - start;
		if (n == 0)
			return err_fail(err, "bad_chord", "empty key name in '%.*s'", (int)(len > 64 ? 64 : len), s);
		const struct keymap_key *k = keymap_lookup(name, n);
		if (!k)
			return err_fail(err, "unknown_key", "no key named '%.*s'", (int)(n > 64 ? 64 : n), name);
		int r = chord_add(out, k, name, n, err);
		if (r)
			return r;
		start = i + 1;
	}
	return 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Chords separated by white space, each appended as an ACT_CHORD. */
int command_compile_keys_step(struct command *c, const char *s, size_t len, const struct cmd_limits *lim,
			struct err *err)
{
	size_t i = 0, count = 0;

	while (i < len) {
		while (i < len && is_space(s[i]))
			i++;
		size_t start = i;
		while (i < len && !is_space(s[i]))
			i++;
		if (i == start)
			break;
		if (++count > lim->max_steps)
			return err_fail(err, "too_many_steps", "more than %zu chords", lim->max_steps);
		struct chord ch;
		int r = chord_parse(s + start, i - start, &ch, err);
		if (r)
			return r;
		command_push_action(c, ACT_CHORD)->u.chord = ch;
		c->strokes++;
		c->uses_consumer |= ch.consumer != 0;
	}
	if (count == 0)
		return err_fail(err, "bad_chord", "no keys given");
	return 0;
}

int command_parse_keys(struct command *c, const char *payload, size_t len,
		       const struct cmd_limits *lim, struct err *err)
{
	size_t bad;

	if (utf8_validate(payload, len, &bad))
		return err_fail(err, "bad_utf8", "invalid UTF-8 at byte %zu", bad);
	return command_compile_keys_step(c, payload, len, lim, err);
}
