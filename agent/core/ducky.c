/* SPDX-License-Identifier: MIT */
/* ducky: DuckyScript 1.0 lines → actions. */
#include "ducky.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "keymap.h"
#include "layout.h"
#include "utf8.h"

/* What the script has said so far. */
struct dstate {
	struct command *c;
	const struct cmd_limits *lim;
	struct err *err;
	unsigned line;
	const char *line_start;        /* of the line being compiled */
	uint32_t default_delay;        /* DEFAULT_DELAY: after every line that types */
	uint32_t string_delay;         /* STRING_DELAY: between characters, next STRING */
	uint32_t default_string_delay; /* DEFAULT_STRING_DELAY: … every STRING */
	size_t steps;                  /* lines that did something, repeats included */
	bool have_prev;                /* REPEAT repeats the last line that did something: */
	size_t prev_start, prev_end;   /* its actions, */
	size_t prev_chars, prev_strokes, prev_entered;   /* what it counted */
};

/* Commands of other DuckyScript dialects, refused by name. */
static const struct { const char *name, *why; } unsupported[] = {
	{ "VAR", "3" }, { "DEFINE", "3" }, { "IF", "3" }, { "ELSE", "3" }, { "END_IF", "3" },
	{ "WHILE", "3" }, { "END_WHILE", "3" }, { "FUNCTION", "3" }, { "END_FUNCTION", "3" },
	{ "RETURN", "3" }, { "REM_BLOCK", "3" }, { "END_REM", "3" }, { "END_STRING", "3" },
	{ "END_STRINGLN", "3" }, { "INJECT_MOD", "3" }, { "INJECT_VAR", "3" }, { "JITTER", "3" },
	{ "RANDOM_LOWERCASE_LETTER", "3" }, { "RANDOM_UPPERCASE_LETTER", "3" },
	{ "RANDOM_LETTER", "3" }, { "RANDOM_NUMBER", "3" }, { "RANDOM_SPECIAL", "3" },
	{ "RANDOM_CHAR", "3" }, { "EXTENSION", "3" }, { "END_EXTENSION", "3" },
	{ "ATTACKMODE", "d" }, { "LED_R", "d" }, { "LED_G", "d" }, { "LED_OFF", "d" },
	{ "WAIT_FOR_BUTTON_PRESS", "d" }, { "BUTTON_DEF", "d" }, { "END_BUTTON", "d" },
	{ "DISABLE_BUTTON", "d" }, { "ENABLE_BUTTON", "d" }, { "HIDE_PAYLOAD", "d" },
	{ "RESTORE_PAYLOAD", "d" }, { "STOP_PAYLOAD", "d" }, { "RESET", "d" }, { "EXFIL", "d" },
	{ "SAVE_HOST_KEYBOARD_LOCK_STATE", "d" }, { "RESTORE_HOST_KEYBOARD_LOCK_STATE", "d" },
	{ "WAIT_FOR_CAPS_ON", "d" }, { "WAIT_FOR_CAPS_OFF", "d" }, { "WAIT_FOR_CAPS_CHANGE", "d" },
	{ "WAIT_FOR_NUM_ON", "d" }, { "WAIT_FOR_NUM_OFF", "d" }, { "WAIT_FOR_NUM_CHANGE", "d" },
	{ "WAIT_FOR_SCROLL_ON", "d" }, { "WAIT_FOR_SCROLL_OFF", "d" },
	{ "WAIT_FOR_SCROLL_CHANGE", "d" },
	{ "ID", "f" }, { "ALTCHAR", "f" }, { "ALTSTRING", "f" }, { "ALTCODE", "f" },
	{ "SYSRQ", "f" }, { "MEDIA", "f" }, { "GLOBE", "f" }, { "MOUSEMOVE", "f" },
	{ "MOUSE_MOVE", "f" }, { "MOUSESCROLL", "f" }, { "MOUSE_SCROLL", "f" },
	{ "LEFTCLICK", "f" }, { "LEFT_CLICK", "f" }, { "RIGHTCLICK", "f" }, { "RIGHT_CLICK", "f" },
	{ "MIDDLECLICK", "f" }, { "MIDDLE_CLICK", "f" }, { "WHEELCLICK", "f" },
	{ "WHEEL_CLICK", "f" },
};

/* DuckyScript key names the key table lacks; the rest (ENTER, GUI, CTRL,
 * DELETE, F1…F24, …) are its own names or aliases. */
static const struct { const char *name, *code; } ducky_keys[] = {
	{ "UPARROW", "ArrowUp" }, { "DOWNARROW", "ArrowDown" }, { "LEFTARROW", "ArrowLeft" },
	{ "RIGHTARROW", "ArrowRight" }, { "APP", "ContextMenu" }, { "CONTROL", "ControlLeft" },
};

static int fail(struct dstate *d, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct dstate *d, const char *code, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_fail(d->err, code, "line %u: %s", d->line, what);
}

/* An error of the text or key compilers gets the line in front; the
 * untypable characters noted stay. */
static int at_line(struct dstate *d, int r)
{
	char detail[sizeof d->err->detail];

	snprintf(detail, sizeof detail, "line %u: %.360s", d->line, d->err->detail);
	memcpy(d->err->detail, detail, sizeof detail);
	return r;
}

static bool word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(w, name, n);
}

/* A decimal number, 0…max; "DELAY 500". */
static int number(struct dstate *d, const char *w, const char *s, size_t n, uint32_t min,
		  uint32_t max, uint32_t *out)
{
	uint64_t x = 0;
	char what[128];

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			n = 0;
		else if (x <= max)   /* past max it only has to stay past it */
			x = x * 10 + (uint64_t)(s[i] - '0');
	}
	snprintf(what, sizeof what, "%s needs a whole number from %u to %u", w, (unsigned)min,
		 (unsigned)max);
	if (n == 0)
		return fail(d, "bad_script", "%s", what);
	if (x < min || x > max)
		return fail(d, "bad_value", "%s", what);
	*out = (uint32_t)x;
	return 0;
}

static void push_delay(struct dstate *d, uint32_t ms)
{
	if (ms)
		command_push_action(d->c, ACT_DELAY)->u.delay_ms = ms;
}

/* STRING / STRINGLN: the text through the text compiler, a character at a
 * time when a STRING_DELAY paces it. Positions in errors count from the
 * line's text. */
static int text(struct dstate *d, const char *s, size_t n, bool newline)
{
	uint32_t gap = d->string_delay ? d->string_delay : d->default_string_delay;
	size_t pos = 0, i = 0;
	uint32_t cp;
	int r = 0;

	d->string_delay = 0;
	while (!r && i < n) {
		size_t step = gap ? (size_t)utf8_decode(s + i, n - i, &cp) : n - i;
		r = command_compile_text_step(d->c, s + i, step, d->c->layout, d->lim, &pos, d->err);
		i += step;
		if (!r && gap && (i < n || newline))
			push_delay(d, gap);
	}
	if (!r && newline)
		r = command_compile_text_step(d->c, "\n", 1, d->c->layout, d->lim, &pos, d->err);
	if (!r)
		r = command_finish_text(d->c, d->err);
	if (!r && d->c->chars > d->lim->max_chars)
		r = err_fail(d->err, "too_long", "more than %zu characters", d->lim->max_chars);
	return r ? at_line(d, r) : 0;
}

/* One character of a key line ("GUI r"): the key the layout types it with,
 * and that key's modifiers (R is Shift+r). One keystroke only. */
static int char_key(struct dstate *d, struct chord *ch, const char *s, size_t n, uint32_t cp)
{
	struct layout_entry e;
	char one[8];

	snprintf(one, sizeof one, "%.*s", (int)n, s);
	if (!layout_lookup(d->c->layout, cp, &e) && !layout_lookup_caps_only(d->c->layout, cp, &e)) {
		int r = fail(d, "untypable", "the layout has no key for '%s'", one);
		size_t pos = 0;   /* the character's position in its line, as for text */
		for (const char *p = d->line_start; p < s; p++)
			pos += ((unsigned char)*p & 0xC0) != 0x80;
		d->err->bad[0].cp = cp, d->err->bad[0].pos = (uint32_t)pos;
		d->err->n_bad = d->err->n_bad_total = 1;
		return r;
	}
	if (ch->consumer)
		return fail(d, "bad_chord", "'%s' cannot be combined with a media key", one);
	if (e.n != 1 || e.caps_only)
		return fail(d, "bad_chord", "'%s' takes more than one keystroke on this layout: "
			    "use STRING to type it", one);
	ch->mods |= e.s[0].mods;
	for (uint8_t i = 0; i < ch->n; i++)
		if (ch->keys[i] == e.s[0].usage)
			return 0;
	if (ch->n == HID_KBD_SLOTS)
		return fail(d, "too_many_keys", "%s", "a line presses at most 6 keys besides modifiers");
	ch->keys[ch->n++] = e.s[0].usage;
	return 0;
}

static const struct keymap_key *named_key(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof ducky_keys / sizeof ducky_keys[0]; i++)
		if (word_is(s, n, ducky_keys[i].name))
			return keymap_lookup(ducky_keys[i].code, strlen(ducky_keys[i].code));
	return keymap_lookup(s, n);
}

/* CTRL-ALT, CTRL-SHIFT: modifiers joined by '-' (DuckyScript 1.0). */
static bool modifier_combo(const char *s, size_t n)
{
	size_t start = 0;

	if (!memchr(s, '-', n) || n < 3)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '-')
			continue;
		const struct keymap_key *k = named_key(s + start, i - start);
		if (i == start || !k || !keymap_is_modifier(k))
			return false;
		start = i + 1;
	}
	return true;
}

static int add_word(struct dstate *d, struct chord *ch, const char *s, size_t n)
{
	uint32_t cp;
	int len = utf8_decode(s, n, &cp);

	if (len > 0 && (size_t)len == n)
		return char_key(d, ch, s, n, cp);
	if (modifier_combo(s, n)) {
		for (size_t i = 0, start = 0; i <= n; i++)
			if (i == n || s[i] == '-') {
				const struct keymap_key *k = named_key(s + start, i - start);
				int r = chord_add(ch, k, s + start, i - start, d->err);
				if (r)
					return at_line(d, r);
				start = i + 1;
			}
		return 0;
	}
	const struct keymap_key *k = named_key(s, n);
	char what[80];
	snprintf(what, sizeof what, "%.*s", (int)(n > 64 ? 64 : n), s);
	if (!k)
		return fail(d, "unknown_key", "unknown command or key '%s'", what);
	int r = chord_add(ch, k, s, n, d->err);
	return r ? at_line(d, r) : 0;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Words separated by blanks, pressed together: "CTRL ALT DELETE". */
static int key_words(struct dstate *d, const char *s, size_t n, struct chord *ch)
{
	size_t i = 0;
	int r;

	memset(ch, 0, sizeof *ch);
	while (i < n) {
		while (i < n && blank(s[i]))
			i++;
		size_t start = i;
		while (i < n && !blank(s[i]))
			i++;
		if (i > start && (r = add_word(d, ch, s + start, i - start)))
			return r;
	}
	if (!ch->n && !ch->mods && !ch->consumer)
		return fail(d, "bad_script", "%s", "no keys given");
	return 0;
}

/* A key line, or HOLD / RELEASE (kind ACT_DOWN / ACT_UP) of its keys. */
static int keys(struct dstate *d, const char *s, size_t n, enum act_kind kind)
{
	struct chord ch;
	int r = key_words(d, s, n, &ch);

	if (r)
		return r;
	command_push_action(d->c, kind)->u.chord = ch;
	d->c->uses_consumer |= ch.consumer != 0;
	if (kind != ACT_UP)
		d->c->strokes++;
	return 0;
}

static int count_steps(struct dstate *d, size_t more)
{
	d->steps += more;
	if (d->steps > d->lim->max_steps)
		return err_fail(d->err, "too_many_steps", "line %u: more than %zu steps", d->line,
				d->lim->max_steps);
	return 0;
}

/* REPEAT n: the last line that did something, n more times. */
static int repeat(struct dstate *d, const char *w, const char *s, size_t n)
{
	uint32_t times;
	int r = number(d, w, s, n, 1, (uint32_t)d->lim->max_steps, &times);

	if (r)
		return r;
	if (!d->have_prev)
		return fail(d, "bad_script", "%s", "REPEAT needs a line before it to repeat");
	if ((r = count_steps(d, times)))
		return r;
	if (d->prev_chars * times + d->c->chars > d->lim->max_chars)
		return err_fail(d->err, "too_long", "line %u: more than %zu characters", d->line,
				d->lim->max_chars);
	for (uint32_t t = 0; t < times; t++)
		for (size_t i = d->prev_start; i < d->prev_end; i++) {
			struct action a = d->c->acts[i];
			*command_push_action(d->c, (enum act_kind)a.kind) = a;
		}
	d->c->chars += d->prev_chars * times;
	d->c->strokes += d->prev_strokes * times;
	d->c->entered += d->prev_entered * times;   /* characters through unicode_entry */
	return 0;
}

static int refuse(struct dstate *d, const char *w, size_t n)
{
	char name[48];

	snprintf(name, sizeof name, "%.*s", (int)(n > 40 ? 40 : n), w);
	if (w[0] == '$')
		return fail(d, "unsupported_command", "variables ('%s') are DuckyScript 3, which "
			    "keymime does not run", name);
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
		if (!word_is(w, n, unsupported[i].name))
			continue;
		const char *why = unsupported[i].why;
		return fail(d, "unsupported_command", *why == '3' ?
			    "%s is DuckyScript 3, which keymime does not run (it runs DuckyScript 1.0)" :
			    *why == 'd' ? "%s belongs to the Rubber Ducky itself, not to a keyboard: "
			    "not supported" : "%s is a Flipper Zero BadUSB command keymime does not "
			    "support", name);
	}
	return 1;   /* not refused: a key line */
}

/* Lines that set something and type nothing. Returns 1 when w is none of them. */
static int setting(struct dstate *d, const char *w, size_t n, const char *s, size_t sn)
{
	uint32_t max = d->lim->max_delay_ms;
	char up[32];

	snprintf(up, sizeof up, "%.*s", (int)(n > 30 ? 30 : n), w);
	for (char *p = up; *p; p++)
		*p = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
	if (word_is(w, n, "REM"))
		return 0;
	if (word_is(w, n, "DEFAULT_DELAY") || word_is(w, n, "DEFAULTDELAY"))
		return number(d, up, s, sn, 0, max, &d->default_delay);
	if (word_is(w, n, "STRING_DELAY") || word_is(w, n, "STRINGDELAY"))
		return number(d, up, s, sn, 0, max, &d->string_delay);
	if (word_is(w, n, "DEFAULT_STRING_DELAY") || word_is(w, n, "DEFAULTSTRINGDELAY"))
		return number(d, up, s, sn, 0, max, &d->default_string_delay);
	if (word_is(w, n, "REPEAT"))
		return repeat(d, up, s, sn);
	return 1;
}

/* Lines that type or wait. Returns 1 when w is none of them. */
static int action(struct dstate *d, const char *w, size_t n, const char *s, size_t sn,
		  const char *line, size_t len)
{
	uint32_t ms;
	int r;

	if (word_is(w, n, "STRING") || word_is(w, n, "STRINGLN")) {
		if (!sn)
			return fail(d, "unsupported_command", "%s", "STRING without text on its line "
				    "starts a DuckyScript 3 block, which keymime does not run");
		return text(d, s, sn, n == 8);
	}
	if (word_is(w, n, "DELAY")) {
		if ((r = number(d, "DELAY", s, sn, 0, d->lim->max_delay_ms, &ms)))
			return r;
		push_delay(d, ms);
		return 0;
	}
	if (word_is(w, n, "HOLD") || word_is(w, n, "RELEASE"))
		return keys(d, s, sn, (w[0] | 32) == 'h' ? ACT_DOWN : ACT_UP);
	if ((r = refuse(d, w, n)) <= 0)
		return r;
	return keys(d, line, len, ACT_CHORD);
}

/* One line, without its end of line. */
static int line(struct dstate *d, const char *s, size_t len)
{
	d->line_start = s;
	while (len && blank(*s))
		s++, len--;
	if (!len)
		return 0;
	size_t n = 0;
	while (n < len && !blank(s[n]))
		n++;
	const char *rest = n < len ? s + n + 1 : s + len;   /* after one blank */
	size_t rest_n = n < len ? len - n - 1 : 0;
	int r = setting(d, s, n, rest, rest_n);
	if (r <= 0)
		return r;
	size_t start = d->c->n_acts, chars = d->c->chars, strokes = d->c->strokes;
	size_t entered = d->c->entered;
	bool delay_line = word_is(s, n, "DELAY");
	if ((r = count_steps(d, 1)) || (r = action(d, s, n, rest, rest_n, s, len)))
		return r;
	if (!delay_line)
		push_delay(d, d->default_delay);
	d->have_prev = true;
	d->prev_start = start, d->prev_end = d->c->n_acts;
	d->prev_chars = d->c->chars - chars, d->prev_strokes = d->c->strokes - strokes;
	d->prev_entered = d->c->entered - entered;
	return 0;
}

int ducky_compile(struct command *c, const char *script, size_t len,
		  const struct cmd_limits *lim, struct err *err)
{
	struct dstate d = { .c = c, .lim = lim, .err = err };
	size_t bad, i = 0;
	int r = 0;

	if (utf8_validate(script, len, &bad))
		return err_fail(err, "bad_utf8", "invalid UTF-8 at byte %zu", bad);
	while (!r && i < len) {
		const char *nl = memchr(script + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - script) : len, n = end - i;
		d.line++;
		if (n && script[i + n - 1] == '\r')
			n--;
		if (memchr(script + i, '\0', n))
			return fail(&d, "bad_script", "%s", "a NUL byte");
		r = line(&d, script + i, n);
		i = end + 1;
	}
	if (!r && d.steps == 0)
		return err_fail(err, "bad_script", "the script does nothing (no STRING, DELAY or keys)");
	return r;
}

int ducky_parse(struct command *c, const char *payload, size_t len, const struct layout *l,
		const struct cmd_limits *lim, struct err *err)
{
	if (len > lim->max_payload)
		return err_fail(err, "too_large", "%zu bytes; the limit is %zu", len, lim->max_payload);
	c->layout = l;
	return ducky_compile(c, payload, len, lim, err);
}
