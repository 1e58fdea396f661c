/* SPDX-License-Identifier: MIT */
/* test_sequencer: exact report sequences from a recording sink — text, chords, held keys, Caps Lock, media keys, errors, pacing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "layout.h"
#include "sequencer.h"
#include "utf8.h"

static const struct cmd_limits limits = {
	.max_payload = 262144, .max_chars = 65536, .max_steps = 1000, .max_delay_ms = 60000,
	.max_hold_ms = 60000,
};

/* ---- the recording sink --------------------------------------------------------- */

/* Every call as one line: "k 00 00 04 00 00 00 00 00", "c e9 00", "p 1000".
 * fail_at: the call index (0-based, counting every call) that returns fail_with. */
struct rec {
	char *log;
	size_t len, cap;
	size_t calls;
	long fail_at;
	int fail_with;
};

static void rec_add(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec_add(struct rec *r, const char *fmt, ...)
{
	char line[64];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (r->len + (size_t)n + 2 > r->cap) {
		r->cap = (r->len + (size_t)n + 2) * 2;
		r->log = realloc(r->log, r->cap);
		cr_assert_not_null(r->log);
	}
	r->len += (size_t)sprintf(r->log + r->len, "%s%s", r->len ? "|" : "", line);
}

static int rec_result(struct rec *r)
{
	return (long)r->calls++ == r->fail_at ? r->fail_with : 0;
}

static int rec_keyboard(void *ctx, const uint8_t b[HID_KBD_REPORT_LEN])
{
	struct rec *r = ctx;
	int e = rec_result(r);

	rec_add(r, "%sk %02x %02x %02x %02x %02x %02x %02x %02x", e ? "!" : "", b[0], b[1], b[2], b[3],
		b[4], b[5], b[6], b[7]);
	return e;
}

static int rec_consumer(void *ctx, const uint8_t b[HID_CONSUMER_REPORT_LEN])
{
	struct rec *r = ctx;
	int e = rec_result(r);

	rec_add(r, "%sc %02x %02x", e ? "!" : "", b[0], b[1]);
	return e;
}

static int rec_pause(void *ctx, uint32_t us)
{
	struct rec *r = ctx;
	int e = rec_result(r);

	rec_add(r, "%sp %u", e ? "!" : "", us);
	return e;
}

static struct rec rec;
static struct seq seq;
static struct seq_sink sink, kbd_only;
static struct seq_progress prog;

static void setup(void)
{
	memset(&rec, 0, sizeof rec);
	rec.fail_at = -1;
	seq_init(&seq);
	sink = (struct seq_sink){ &rec, rec_keyboard, rec_consumer, rec_pause, NULL };
	kbd_only = (struct seq_sink){ &rec, rec_keyboard, NULL, rec_pause, NULL };
	memset(&prog, 0, sizeof prog);
}

static void teardown(void)
{
	free(rec.log);
	rec.log = NULL;
}

TestSuite(seq, .init = setup, .fini = teardown);

static const char *log_str(void)
{
	return rec.log ? rec.log : "";
}

static void clear_log(void)
{
	rec.len = 0;
	if (rec.log)
		rec.log[0] = '\0';
	rec.calls = 0;
	memset(&prog, 0, sizeof prog);
}

/* Compile a command: "t:<text>" (us), "T:<layout>:<text>", "k:<keys>" or JSON. */
static struct command *compile(const char *src)
{
	struct command *c = command_new();
	struct err err = { 0 };
	int r;

	if (!strncmp(src, "t:", 2)) {
		r = command_parse_text(c, src + 2, strlen(src + 2), layout_default(LAYOUT_LINUX), &limits, &err);
	} else if (!strncmp(src, "T:", 2)) {
		char name[16];
		const char *colon = strchr(src + 2, ':');
		cr_assert(colon && (size_t)(colon - src - 2) < sizeof name);
		memcpy(name, src + 2, (size_t)(colon - src - 2));
		name[colon - src - 2] = '\0';
		cr_assert_not_null(layout_find(LAYOUT_LINUX, name), "%s", name);
		r = command_parse_text(c, colon + 1, strlen(colon + 1), layout_find(LAYOUT_LINUX, name), &limits, &err);
	} else if (!strncmp(src, "k:", 2)) {
		r = command_parse_keys(c, src + 2, strlen(src + 2), &limits, &err);
	} else {
		r = command_parse_json(c, src, strlen(src), layout_default(LAYOUT_LINUX), &limits, &err);
	}
	cr_assert_eq(r, 0, "%s: %s (%s)", src, err.code, err.detail);
	return c;
}

/* Run src on the shared state with gap_us; returns seq_run's result. */
static int run_gap(const char *src, uint32_t gap_us, const struct seq_sink *k)
{
	struct command *c = compile(src);
	int r = seq_run(&seq, c, gap_us, k, &prog);

	command_free(c);
	return r;
}

static int run(const char *src)
{
	return run_gap(src, 0, &sink);
}

#define Z "00 00 00 00 00 00"   /* six empty key slots */
#define expect_log(want, what) \
	cr_expect_str_eq(log_str(), (want), "%s:\n  got  %s\n  want %s", (what), log_str(), (want))

/* ---- table: one command from a fresh state → the exact reports -------------------- */

/* A fresh sequencer does not know what the host last saw, so a command that
 * leaves the keyboard untouched (media keys only, nothing at all) ends with
 * one all-released keyboard report. */

static const struct { const char *src, *want; } fresh_cases[] = {
	{ "t:a", "k 00 00 04 00 00 00 00 00|k 00 00 " Z },
	{ "t:A", "k 02 00 04 00 00 00 00 00|k 00 00 " Z },
	{ "t:ll", "k 00 00 0f 00 00 00 00 00|k 00 00 " Z "|k 00 00 0f 00 00 00 00 00|k 00 00 " Z },
	{ "t:aA", "k 00 00 04 00 00 00 00 00|k 00 00 " Z "|k 02 00 04 00 00 00 00 00|k 00 00 " Z },
	{ "t:\r\n", "k 00 00 28 00 00 00 00 00|k 00 00 " Z },
	{ "k:ctrl+alt+delete", "k 05 00 " Z "|k 05 00 4c 00 00 00 00 00|k 00 00 " Z },
	{ "k:shift", "k 02 00 " Z "|k 00 00 " Z },
	{ "k:ctrl+shift", "k 03 00 " Z "|k 00 00 " Z },
	{ "k:enter", "k 00 00 28 00 00 00 00 00|k 00 00 " Z },
	{ "k:a+b+c+d+e+f", "k 00 00 04 05 06 07 08 09|k 00 00 " Z },
	{ "k:ctrl+c ctrl+v",
	  "k 01 00 " Z "|k 01 00 06 00 00 00 00 00|k 00 00 " Z
	  "|k 01 00 " Z "|k 01 00 19 00 00 00 00 00|k 00 00 " Z },
	{ "k:volup", "c e9 00|c 00 00|k 00 00 " Z },
	{ "k:volup volup", "c e9 00|c 00 00|c e9 00|c 00 00|k 00 00 " Z },
	{ "k:a volup", "k 00 00 04 00 00 00 00 00|k 00 00 " Z "|c e9 00|c 00 00" },
	{ "k:BrowserHome", "c 23 02|c 00 00|k 00 00 " Z },
	{ "{\"down\":\"ShiftLeft\"}", "k 02 00 " Z },
	{ "{\"down\":\"KeyA\"}", "k 00 00 04 00 00 00 00 00" },
	{ "{\"down\":\"ctrl+a\"}", "k 01 00 04 00 00 00 00 00" },
	{ "{\"down\":\"volup\"}", "c e9 00|k 00 00 " Z },
	{ "{\"seq\":[{\"down\":\"ShiftLeft\"},{\"text\":\"a\"},{\"up\":\"ShiftLeft\"}]}",
	  "k 02 00 " Z "|k 00 00 04 00 00 00 00 00|k 00 00 " Z },
	{ "{\"seq\":[{\"down\":\"shift\"},{\"keys\":\"b\"},{\"up\":\"shift\"}]}",
	  "k 02 00 " Z "|k 02 00 05 00 00 00 00 00|k 02 00 " Z "|k 00 00 " Z },
	{ "{\"seq\":[{\"text\":\"a\"},{\"delay_ms\":5},{\"text\":\"b\"}]}",
	  "k 00 00 04 00 00 00 00 00|k 00 00 " Z "|p 5000|k 00 00 05 00 00 00 00 00|k 00 00 " Z },
	{ "{\"seq\":[{\"delay_ms\":0},{\"text\":\"a\"}]}", "k 00 00 04 00 00 00 00 00|k 00 00 " Z },
	{ "{\"release_all\":true}", "k 00 00 " Z },
};

Test(seq, fresh_table)
{
	for (size_t i = 0; i < sizeof fresh_cases / sizeof fresh_cases[0]; i++) {
		teardown();
		setup();
		cr_expect_eq(run(fresh_cases[i].src), 0, "%s", fresh_cases[i].src);
		expect_log(fresh_cases[i].want, fresh_cases[i].src);
		/* Every report sent is counted. */
		size_t n = 0;
		for (const char *p = log_str(); *p; p++)
			n += (*p == 'k' || *p == 'c') && (p == log_str() || p[-1] == '|');
		cr_expect_eq(prog.reports, n, "%s: %zu reports counted, %zu sent", fresh_cases[i].src,
			     prog.reports, n);
	}
}

Test(seq, progress)
{
	cr_expect_eq(run("t:Hi\n"), 0);
	cr_expect_eq(prog.chars, 3);
	cr_expect_eq(prog.strokes, 3);
	cr_expect_eq(prog.reports, 6);
	clear_log();
	cr_expect_eq(run("k:ctrl+c volup"), 0);
	cr_expect_eq(prog.chars, 0);
	cr_expect_eq(prog.strokes, 2);
	cr_expect_eq(prog.reports, 5);
	clear_log();
	cr_expect_eq(run("T:de:\xC3\xAA"), 0);   /* ê: two strokes, one character */
	cr_expect_eq(prog.chars, 1);
	cr_expect_eq(prog.strokes, 2);
}

/* ---- held keys -------------------------------------------------------------------- */

/* Text is typed exactly: held modifiers are lifted for it and restored after. */
Test(seq, held_modifier_and_text)
{
	cr_expect_eq(run("{\"down\":\"ShiftLeft\"}"), 0);
	expect_log("k 02 00 " Z, "down");
	cr_expect(seq_holding(&seq));
	clear_log();
	cr_expect_eq(run("t:a"), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z "|k 02 00 " Z, "text a while Shift held");
	clear_log();
	cr_expect_eq(run("t:A"), 0);
	expect_log("k 02 00 04 00 00 00 00 00|k 00 00 " Z "|k 02 00 " Z, "text A while Shift held");
	clear_log();
	/* A chord, unlike text, adds to what is held. */
	cr_expect_eq(run("k:a"), 0);
	expect_log("k 02 00 04 00 00 00 00 00|k 02 00 " Z, "chord a while Shift held");
	clear_log();
	cr_expect_eq(run("{\"up\":\"ShiftLeft\"}"), 0);
	expect_log("k 00 00 " Z, "up");
	cr_expect_not(seq_holding(&seq));
}

Test(seq, held_key_and_text)
{
	cr_expect_eq(run("{\"down\":\"KeyA\"}"), 0);
	clear_log();
	/* Other keys go into the next slot; the held key stays down. */
	cr_expect_eq(run("t:bB"), 0);
	expect_log("k 00 00 04 05 00 00 00 00|k 00 00 04 00 00 00 00 00"
		   "|k 02 00 04 05 00 00 00 00|k 00 00 04 00 00 00 00 00", "text bB while A held");
	clear_log();
	cr_expect_eq(run("{\"up\":\"KeyA\"}"), 0);
	expect_log("k 00 00 " Z, "up");
	clear_log();
	cr_expect_eq(run("{\"up\":\"KeyA\"}"), 0, "up of a key not held");
	expect_log("", "nothing to release");
}

/* Key-down events a host decodes from the keyboard reports in the log, as
 * "04 05 …" (new usages of each report in slot order, as Linux's hid-core
 * reports them), starting from the keys in prev[0..6). */
static void host_presses(const char *log, const uint8_t start[6], char *out, size_t outlen)
{
	uint8_t prev[6];
	size_t o = 0;

	memcpy(prev, start, sizeof prev);
	out[0] = '\0';
	for (const char *p = log; (p = strstr(p, "k ")); p += 2) {
		unsigned b[8];
		uint8_t now[6];
		cr_assert_eq(sscanf(p + 2, "%x %x %x %x %x %x %x %x", &b[0], &b[1], &b[2], &b[3], &b[4],
				    &b[5], &b[6], &b[7]), 8);
		for (int i = 0; i < 6; i++)
			now[i] = (uint8_t)b[i + 2];
		for (int i = 0; i < 6; i++)
			if (now[i] && !memchr(prev, now[i], sizeof prev))
				o += (size_t)snprintf(out + o, outlen - o, "%s%02x", o ? " " : "", now[i]);
		memcpy(prev, now, sizeof prev);
	}
}

/* A character whose key is held still comes out, once and in order: the key
 * goes up, and its next press (merged into the following report, or the
 * restore at the end) types it. */
Test(seq, held_key_typed_as_text)
{
	static const struct { const char *text, *presses; } cases[] = {
		{ "t:a", "04" }, { "t:ab", "04 05" }, { "t:ba", "05 04" },
		{ "t:aab", "04 04 05" }, { "t:bab", "05 04 05" },
	};
	static const uint8_t held_a[6] = { 0x04 };
	char got[128];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown();
		setup();
		cr_expect_eq(run("{\"down\":\"KeyA\"}"), 0);
		clear_log();
		cr_expect_eq(run(cases[i].text), 0);
		host_presses(log_str(), held_a, got, sizeof got);
		cr_expect_str_eq(got, cases[i].presses, "%s while A held: %s", cases[i].text, log_str());
		cr_expect(strlen(log_str()) >= 25 &&
			  !strcmp(log_str() + strlen(log_str()) - 25, "k 00 00 04 00 00 00 00 00"),
			  "%s: A is down again at the end: %s", cases[i].text, log_str());
	}
}

Test(seq, seven_held_keys)
{
	cr_expect_eq(run("{\"seq\":[{\"down\":\"a+b+c\"},{\"down\":\"d+e+f\"},{\"down\":\"ctrl\"}]}"), 0);
	expect_log("k 00 00 04 05 06 00 00 00|k 00 00 04 05 06 07 08 09|k 01 00 04 05 06 07 08 09",
		   "six keys and a modifier");
	clear_log();
	cr_expect_eq(run("{\"down\":\"g\"}"), -ENOSPC);
	expect_log("", "7th key: nothing sent");
	cr_expect_eq(run("t:g"), -ENOSPC, "text needs a seventh slot too");
	cr_expect_eq(run("k:g"), -ENOSPC, "and so does a chord");
	cr_expect_eq(run("k:a"), 0, "a chord of a held key needs no new slot");
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	cr_expect_not(seq_holding(&seq));
}

/* ---- Caps Lock --------------------------------------------------------------------- */

Test(seq, caps_lock)
{
	seq.caps_lock = true;
	cr_expect_eq(run("t:a"), 0);
	expect_log("k 02 00 04 00 00 00 00 00|k 00 00 " Z, "a under Caps Lock: Shift makes it lower case");
	clear_log();
	cr_expect_eq(run("t:A"), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z, "A under Caps Lock: no Shift");
	clear_log();
	cr_expect_eq(run("t:1!"), 0);
	expect_log("k 00 00 1e 00 00 00 00 00|k 00 00 " Z "|k 02 00 1e 00 00 00 00 00|k 00 00 " Z,
		   "digits are not affected by Caps Lock");
	clear_log();
	/* Chords are keys, not text: never compensated. */
	cr_expect_eq(run("k:a"), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z, "chord a under Caps Lock");
}

/* What a host makes of the keyboard reports in log: every key press but Caps
 * Lock as "usage.mods.caps" (caps: the host's Caps Lock at that moment,
 * toggled by each press of 0x39), space separated; *caps is updated. */
static void host_strokes(const char *log, bool *caps, char *out, size_t outlen)
{
	uint8_t prev[6] = { 0 };
	size_t o = 0;

	out[0] = '\0';
	for (const char *p = log; (p = strstr(p, "k ")); p += 2) {
		unsigned b[8];
		cr_assert_eq(sscanf(p + 2, "%x %x %x %x %x %x %x %x", &b[0], &b[1], &b[2], &b[3], &b[4],
				    &b[5], &b[6], &b[7]), 8);
		for (int i = 2; i < 8; i++) {
			uint8_t u = (uint8_t)b[i];
			if (!u || memchr(prev, u, sizeof prev))
				continue;
			if (u == 0x39)
				*caps = !*caps;
			else
				o += (size_t)snprintf(out + o, outlen - o, "%s%02x.%02x.%d", o ? " " : "", u,
						      b[0], *caps);
		}
		for (int i = 0; i < 6; i++)
			prev[i] = (uint8_t)b[i + 2];
	}
}

/* Exhaustive checks report only their failures (at most 50): a Criterion
 * assertion per character would be a message to the runner each. */
static size_t failures;

#define FAIL(...) do { if (failures++ < 50) cr_expect_fail(__VA_ARGS__); } while (0)

/* The strokes of e as the host must see them under caps_blocked handling:
 * pressed while the host's Caps Lock is off, Caps Lock on again at the end. */
static void check_blocked(const struct layout *l, const struct layout_entry *e)
{
	char got[128], exp[128];
	bool host_caps = true;
	size_t o = 0;

	host_strokes(log_str(), &host_caps, got, sizeof got);
	for (int i = 0; i < e->n; i++)
		o += (size_t)snprintf(exp + o, sizeof exp - o, "%s%02x.%02x.0", i ? " " : "",
				      e->s[i].usage, e->s[i].mods);
	if (strcmp(got, exp) || !host_caps || !seq.caps_lock)
		FAIL("%s U+%04X (caps-blocked): host saw %s, want %s, caps after %d/%d\n  reports %s",
		     layout_name(l), e->cp, got, exp, host_caps, seq.caps_lock, log_str());
}

/* One character of l from a fresh state with the host's Caps Lock as given:
 * the exact reports (press with mods or caps_mods, release, per stroke), or
 * for a character no modifiers can type under Caps Lock (layout_entry.caps_ok),
 * its strokes pressed while the host's Caps Lock is off and Caps Lock on again
 * at the end. */
static void check_char(const struct layout *l, const struct layout_entry *e, bool caps,
		       struct rec *want)
{
	char text[8];
	struct err err = { 0 };
	struct command *c = command_new();
	/* Layouts whose Caps Lock key does not toggle Caps Lock (us-colemak:
	 * it is Backspace) cannot turn it off: the stroke goes out as is. */
	bool blocked = caps && !e->caps_ok && layout_caps_key_locks(l);

	text[utf8_encode(e->cp, text)] = '\0';
	if (command_parse_text(c, text, strlen(text), l, &limits, &err) != 0) {
		FAIL("%s U+%04X: %s", layout_name(l), e->cp, err.code);
		command_free(c);
		return;
	}
	clear_log();
	want->len = 0;
	seq_init(&seq);
	seq.caps_lock = caps;
	int r = seq_run(&seq, c, 0, &sink, &prog);
	command_free(c);
	if (r || prog.chars != 1 || prog.strokes != e->n)
		FAIL("%s caps %d U+%04X: seq_run %d, %zu chars %zu strokes", layout_name(l), caps,
		     e->cp, r, prog.chars, prog.strokes);
	if (blocked) {
		check_blocked(l, e);
		return;
	}
	for (int i = 0; i < e->n; i++) {
		uint8_t m = caps ? e->s[i].caps_mods : e->s[i].mods;
		rec_add(want, "k %02x 00 %02x 00 00 00 00 00", m, e->s[i].usage);
		rec_add(want, "k 00 00 " Z);
	}
	if (strcmp(log_str(), want->log))
		FAIL("%s caps %d U+%04X:\n  got  %s\n  want %s", layout_name(l), caps, e->cp, log_str(),
		     want->log);
}

/* Exhaustive: every character of every layout of every target, with Caps
 * Lock off and on, gives exactly press(mods|caps_mods + usage), release per
 * stroke. One test looping in this process over all the tables. */
Test(seq, every_layout_char)
{
	struct rec want = { 0 };
	struct layout_entry e;
	size_t n = 0;

	for (size_t i = 0; i < layout_count_all(); i++) {
		const struct layout *l = layout_at_all(i);
		for (size_t j = 0; layout_entry_at(l, j, &e); j++) {
			if (e.caps_only)
				continue;
			check_char(l, &e, false, &want);
			check_char(l, &e, true, &want);
			n++;
		}
	}
	free(want.log);
	cr_expect_eq(failures, 0, "%zu failures (the first 50 shown)", failures);
	cr_expect_gt(n, 250000);
	cr_log_info("%zu characters, Caps Lock off and on", n);
}

/* fr é under Caps Lock: Caps Lock tapped off, é, Caps Lock tapped on again. */
Test(seq, caps_blocked_exact)
{
	const struct layout *fr = layout_find(LAYOUT_LINUX, "fr");
	struct layout_entry ent, *e = &ent;
	char want[256];

	cr_assert(layout_lookup(fr, 0xE9, e));
	cr_assert_not(e->caps_ok, "fr é should be caps-blocked");
	cr_assert_eq(e->n, 1);
	snprintf(want, sizeof want, "k 00 00 39 00 00 00 00 00|k 00 00 " Z "|k %02x 00 %02x 00 00 00 00 00"
		 "|k 00 00 " Z "|k 00 00 39 00 00 00 00 00|k 00 00 " Z, e->s[0].mods, e->s[0].usage);
	seq.caps_lock = true;
	cr_expect_eq(run("T:fr:\xC3\xA9"), 0);
	expect_log(want, "fr é under Caps Lock");
	cr_expect(seq.caps_lock, "Caps Lock is on again");
	cr_expect_eq(prog.strokes, 1, "the Caps Lock taps are not the command's keystrokes");
	cr_expect_eq(prog.chars, 1);
	clear_log();
	seq.caps_lock = false;
	cr_expect_eq(run("T:fr:\xC3\xA9"), 0);
	snprintf(want, sizeof want, "k %02x 00 %02x 00 00 00 00 00|k 00 00 " Z, e->s[0].mods,
		 e->s[0].usage);
	expect_log(want, "fr é, Caps Lock off: no taps");
}

/* ---- media keys ----------------------------------------------------------------- */

Test(seq, consumer_needs_device)
{
	cr_expect_eq(run_gap("k:volup", 0, &kbd_only), -ENODEV);
	expect_log("", "no consumer device: nothing sent");
	cr_expect_eq(run_gap("k:a volup", 0, &kbd_only), -ENODEV);
	expect_log("", "checked before the first report");
	cr_expect_eq(run_gap("k:a", 0, &kbd_only), 0);
	clear_log();
	cr_expect_eq(seq_release_all(&seq, &kbd_only), 0);
	expect_log("", "keyboard already released; no consumer device to release");
}

Test(seq, consumer_held)
{
	cr_expect_eq(run("{\"down\":\"volup\"}"), 0);
	cr_expect(seq_holding(&seq));
	cr_expect_eq(run("{\"up\":\"volup\"}"), 0);
	cr_expect_not(seq_holding(&seq));
	expect_log("c e9 00|k 00 00 " Z "|c 00 00", "down/up volup (fresh: keyboard told it is released)");
	clear_log();
	cr_expect_eq(run("{\"down\":\"mute\"}"), 0);
	cr_expect_eq(run("{\"up\":\"volup\"}"), 0, "up of another media key");
	expect_log("c e2 00", "mute stays down");
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	expect_log("c e2 00|c 00 00", "release_all lets it go");
}

/* ---- errors and release ---------------------------------------------------------- */

Test(seq, sink_error_stops_at_once)
{
	/* Calls: 0 press a, 1 release a, 2 press b, 3 release b (fails). */
	rec.fail_at = 3;
	rec.fail_with = -EPIPE;
	cr_expect_eq(run("t:abc"), -EPIPE);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z "|k 00 00 05 00 00 00 00 00|!k 00 00 " Z,
		   "stops at the failed report");
	cr_expect_eq(prog.chars, 1);
	rec.fail_at = -1;
	clear_log();
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	/* The host last saw b down; the consumer device was never told anything. */
	expect_log("c 00 00|k 00 00 " Z, "release_all");
	clear_log();
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	expect_log("", "nothing left to release");
}

Test(seq, sink_error_in_chord_and_pause)
{
	rec.fail_at = 1;   /* the report with the key, after the modifiers */
	rec.fail_with = -ETIMEDOUT;
	cr_expect_eq(run("k:ctrl+alt+delete"), -ETIMEDOUT);
	expect_log("k 05 00 " Z "|!k 05 00 4c 00 00 00 00 00", "chord");
	rec.fail_at = -1;
	clear_log();
	cr_expect_eq(seq_release_all(&seq, &kbd_only), 0);
	expect_log("k 00 00 " Z, "the modifiers the host saw are released");

	teardown();
	setup();
	rec.fail_at = 2;   /* the pause between a and b */
	rec.fail_with = -ECANCELED;
	cr_expect_eq(run_gap("t:ab", 1000, &sink), -ECANCELED);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z "|!p 1000", "cancel during the pace");
}

Test(seq, forget_host)
{
	cr_expect_eq(run("t:a"), 0);
	clear_log();
	cr_expect_eq(seq_release_all(&seq, &kbd_only), 0);
	expect_log("", "already released");
	seq_forget_host(&seq);
	cr_expect_eq(seq_release_all(&seq, &kbd_only), 0);
	expect_log("k 00 00 " Z, "repeated after forget_host");
	clear_log();
	seq_forget_host(&seq);
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	expect_log("c 00 00|k 00 00 " Z, "both devices");
	clear_log();
	/* After forget_host a report equal to the last one is sent again. */
	cr_expect_eq(run("{\"down\":\"shift\"}"), 0);
	seq_forget_host(&seq);
	cr_expect_eq(run("{\"down\":\"shift\"}"), 0);
	expect_log("k 02 00 " Z "|k 02 00 " Z, "down shift twice, host forgotten between");
}

Test(seq, init_state)
{
	cr_expect_not(seq_holding(&seq));
	cr_expect_not(seq.caps_lock);
	/* A fresh sequencer does not know the host: release_all says so explicitly. */
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	expect_log("c 00 00|k 00 00 " Z, "first release_all");
}

/* ---- pacing ---------------------------------------------------------------------- */

Test(seq, pacing)
{
	cr_expect_eq(run_gap("t:abc", 2500, &sink), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z "|p 2500"
		   "|k 00 00 05 00 00 00 00 00|k 00 00 " Z "|p 2500"
		   "|k 00 00 06 00 00 00 00 00|k 00 00 " Z, "a gap between characters, none before or after");
	clear_log();
	cr_expect_eq(run_gap("k:ctrl+c ctrl+v", 100, &sink), 0);
	expect_log("k 01 00 " Z "|k 01 00 06 00 00 00 00 00|k 00 00 " Z "|p 100"
		   "|k 01 00 " Z "|k 01 00 19 00 00 00 00 00|k 00 00 " Z, "a gap between chords");
	clear_log();
	cr_expect_eq(run_gap("t:a", 100, &sink), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z, "one character: no gap");
}

/* No pause inside a dead-key sequence: de ê is dead ^, then e. */
Test(seq, pacing_dead_keys)
{
	struct layout_entry ent, *e = &ent;

	cr_assert(layout_lookup(layout_find(LAYOUT_LINUX, "de"), 0xEA, e));
	cr_assert_eq(e->n, 2, "de ê should be a dead-key sequence");
	cr_assert(e->s[0].usage == 0x35 && e->s[1].usage == 0x08);
	cr_expect_eq(run_gap("T:de:a\xC3\xAA" "a", 700, &sink), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z "|p 700"
		   "|k 00 00 35 00 00 00 00 00|k 00 00 " Z "|k 00 00 08 00 00 00 00 00|k 00 00 " Z
		   "|p 700|k 00 00 04 00 00 00 00 00|k 00 00 " Z, "aêa on de");
}

/* ---- hold: down, kept, up ------------------------------------------------------ */

static int rec_keep(void *ctx, const uint8_t b[HID_KBD_REPORT_LEN], uint32_t us)
{
	struct rec *r = ctx;
	int e = rec_result(r);

	rec_add(r, "%sh %02x %02x %02x %02x %02x %02x %02x %02x %u", e ? "!" : "", b[0], b[1], b[2],
		b[3], b[4], b[5], b[6], b[7], us);
	return e;
}

/* The sink is told what stays on the host and for how long; without a keep
 * callback the hold is a pause. */
Test(seq, hold)
{
	struct seq_sink keeper = sink;

	keeper.keep = rec_keep;
	cr_expect_eq(run_gap("{\"hold\":\"F12\",\"ms\":1500}", 0, &keeper), 0);
	expect_log("k 00 00 45 00 00 00 00 00|h 00 00 45 00 00 00 00 00 1500000|k 00 00 " Z,
		   "F12 held 1.5 s");
	cr_expect_eq(prog.strokes, 1);
	clear_log();
	cr_expect_eq(run("{\"hold\":\"option\",\"ms\":2}"), 0);
	expect_log("k 04 00 " Z "|p 2000|k 00 00 " Z, "no keep callback: a pause");
	/* Keys held with down stay in what is kept, and stay down after it. */
	clear_log();
	cr_expect_eq(run_gap("{\"seq\":[{\"down\":\"shift\"},{\"hold\":\"F2\",\"ms\":3}]}", 0,
			     &keeper), 0);
	expect_log("k 02 00 " Z "|k 02 00 3b 00 00 00 00 00|h 02 00 3b 00 00 00 00 00 3000|k 02 00 " Z,
		   "shift held around the hold");
	cr_expect(seq_holding(&seq));
}

/* A keep that fails (a cancel) stops the command; the key is still down
 * until the caller releases everything, as after any error. */
Test(seq, hold_cancelled)
{
	struct seq_sink keeper = sink;

	keeper.keep = rec_keep;
	rec.fail_at = 1;
	rec.fail_with = -ECANCELED;
	cr_expect_eq(run_gap("{\"hold\":\"del\",\"ms\":9}", 0, &keeper), -ECANCELED);
	expect_log("k 00 00 4c 00 00 00 00 00|!h 00 00 4c 00 00 00 00 00 9000", "cancelled");
	cr_expect(seq_holding(&seq));
	clear_log();
	rec.fail_at = -1;
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	expect_log("c 00 00|k 00 00 " Z, "released");
}

/* ---- unicode_entry ---------------------------------------------------------------- */

#define ALT_E9 "k 04 00 " Z "|k 04 00 62 00 00 00 00 00|k 04 00 " Z "|k 04 00 5a 00 00 00 00 00|" \
	"k 04 00 " Z "|k 04 00 5b 00 00 00 00 00|k 04 00 " Z "|k 04 00 5b 00 00 00 00 00|k 04 00 " Z \
	"|k 00 00 " Z
#define ALTCODE_E9 "{\"text\":\"\\u00e9\",\"target\":\"windows\",\"unicode_entry\":\"windows-altcode\"}"

/* Windows Alt code: left Alt goes down first and stays down over the
 * keypad digits 0233, then comes up (Windows enters the character then). */
Test(seq, altcode_exact)
{
	cr_expect_eq(run(ALTCODE_E9), 0);
	expect_log(ALT_E9, "Alt+0233");
	cr_expect_eq(prog.chars, 1);
	cr_expect_eq(prog.entered, 1);
	cr_expect_eq(prog.strokes, 4);
}

/* The keypad digits need Num Lock: when the host's LEDs say it is off, it
 * is tapped on around the entry; when they never came, it is taken as on. */
Test(seq, altcode_num_lock)
{
	seq_set_leds(&seq, (struct hid_leds){ .num_lock = false, .caps_lock = true });
	cr_expect_eq(run(ALTCODE_E9 ), 0);
	expect_log("k 00 00 53 00 00 00 00 00|k 00 00 " Z "|" ALT_E9 "|k 00 00 53 00 00 00 00 00|k 00 00 " Z,
		   "Num Lock tapped on and off");
	cr_expect_not(seq.num_lock);
	cr_expect(seq.caps_lock, "Caps Lock untouched (the keypad does not care)");
	cr_expect_eq(prog.strokes, 4, "lock taps are not the command's keystrokes");
	clear_log();
	seq_set_leds(&seq, (struct hid_leds){ .num_lock = true });
	cr_expect_eq(run(ALTCODE_E9), 0);
	expect_log(ALT_E9, "Num Lock on: no taps");
}

/* The pace goes between every stroke of an entry, Alt held across it. */
Test(seq, altcode_paced)
{
	cr_expect_eq(run_gap("{\"text\":\"a\\u00e9\",\"target\":\"windows\",\"unicode_entry\":\"windows-altcode\"}",
			     1000, &sink), 0);
	expect_log("k 00 00 04 00 00 00 00 00|k 00 00 " Z "|p 1000|k 04 00 " Z "|k 04 00 62 00 00 00 00 00|"
		   "k 04 00 " Z "|p 1000|k 04 00 5a 00 00 00 00 00|k 04 00 " Z "|p 1000|"
		   "k 04 00 5b 00 00 00 00 00|k 04 00 " Z "|p 1000|k 04 00 5b 00 00 00 00 00|k 04 00 " Z
		   "|k 00 00 " Z, "paced");
}

/* IBus under Caps Lock on ChromeOS French, where a digit needs Caps Lock
 * off: off before Ctrl+Shift+U, on again after the space; no modifier is
 * held between the strokes. */
Test(seq, ibus_caps_blocked)
{
	seq.caps_lock = true;
	cr_expect_eq(run("{\"text\":\"\\u263a\",\"target\":\"chromeos\",\"layout\":\"fr\","
			 "\"unicode_entry\":\"linux-ibus\"}"), 0);
	expect_log("k 00 00 39 00 00 00 00 00|k 00 00 " Z "|k 03 00 18 00 00 00 00 00|k 00 00 " Z
		   "|k 02 00 1f 00 00 00 00 00|k 00 00 " Z "|k 02 00 23 00 00 00 00 00|k 00 00 " Z
		   "|k 02 00 20 00 00 00 00 00|k 00 00 " Z "|k 00 00 14 00 00 00 00 00|k 00 00 " Z
		   "|k 00 00 2c 00 00 00 00 00|k 00 00 " Z "|k 00 00 39 00 00 00 00 00|k 00 00 " Z,
		   "☺ under Caps Lock");
	cr_expect(seq.caps_lock);
	cr_expect_eq(prog.chars, 1);
	cr_expect_eq(prog.entered, 1);
}

/* A held key stays down through an entry; a held modifier is lifted for it
 * like for any text and comes back after. */
Test(seq, entry_with_held_keys)
{
	cr_expect_eq(run("{\"down\":\"shift+KeyX\"}"), 0);
	clear_log();
	cr_expect_eq(run("{\"text\":\"\\u263a\",\"target\":\"macos\",\"unicode_entry\":\"macos-hex\"}"), 0);
	expect_log("k 04 00 1b 00 00 00 00 00|k 04 00 1b 1f 00 00 00 00|k 04 00 1b 00 00 00 00 00"
		   "|k 04 00 1b 23 00 00 00 00|k 04 00 1b 00 00 00 00 00|k 04 00 1b 20 00 00 00 00"
		   "|k 04 00 1b 00 00 00 00 00|k 04 00 1b 04 00 00 00 00|k 04 00 1b 00 00 00 00 00"
		   "|k 00 00 1b 00 00 00 00 00|k 02 00 1b 00 00 00 00 00", "Option+263a with X held");
}

/* A host that fails in the middle of an entry: the command stops there and
 * release_all lets go of Alt. */
Test(seq, entry_fails_midway)
{
	rec.fail_at = 3;
	rec.fail_with = -ETIMEDOUT;
	cr_expect_eq(run(ALTCODE_E9), -ETIMEDOUT);
	cr_expect_eq(prog.chars, 0);
	cr_expect_eq(prog.entered, 0);
	rec.fail_at = -1;
	clear_log();
	cr_expect_eq(seq_release_all(&seq, &sink), 0);
	expect_log("c 00 00|k 00 00 " Z, "everything up");
}
