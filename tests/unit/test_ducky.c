/* SPDX-License-Identifier: MIT */
/* test_ducky: DuckyScript 1.0 → the exact reports and pauses the sequencer
 * makes of it (every command, layouts, REPEAT, delays), and every refusal
 * with its code and the line it names. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "ducky.h"
#include "layout.h"
#include "sequencer.h"

static const struct cmd_limits limits = {
	.max_payload = 262144, .max_chars = 100, .max_steps = 20, .max_delay_ms = 60000,
	.max_hold_ms = 60000,
};

/* What the host was sent: "0000040000000000" per keyboard report, "c e900"
 * per consumer report, "p500" per pause (ms), space separated. */
struct rec {
	char out[8192];
	size_t len;
};

static void add(struct rec *r, const char *s)
{
	r->len += (size_t)snprintf(r->out + r->len, sizeof r->out - r->len, "%s%s", r->len ? " " : "", s);
}

static int rec_kbd(void *ctx, const uint8_t b[HID_KBD_REPORT_LEN])
{
	char hex[17];

	for (int i = 0; i < HID_KBD_REPORT_LEN; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
	add(ctx, hex);
	return 0;
}

static int rec_cons(void *ctx, const uint8_t b[HID_CONSUMER_REPORT_LEN])
{
	char hex[16];

	snprintf(hex, sizeof hex, "c %02x%02x", b[0], b[1]);
	add(ctx, hex);
	return 0;
}

static int rec_pause(void *ctx, uint32_t us)
{
	char p[16];

	snprintf(p, sizeof p, "p%u", us / 1000);
	add(ctx, p);
	return 0;
}

static struct err err;

/* Compile script on layout name (target linux) and type it from a fresh
 * keyboard whose host saw nothing pressed. Returns 0 with the reports in
 * out, or the compiler's error (err filled). */
static int type(const char *layout, const char *script, struct rec *out)
{
	struct command *c = command_new();
	struct seq s;
	struct seq_progress p = { 0 };
	struct seq_sink sink = { out, rec_kbd, rec_cons, rec_pause, NULL };

	memset(&err, 0, sizeof err);
	memset(out, 0, sizeof *out);
	int r = ducky_parse(c, script, strlen(script), layout_find(LAYOUT_LINUX, layout), &limits, &err);
	if (!r) {
		seq_init(&s);
		s.sent = (struct hid_kbd){ 0 };
		s.consumer_sent = 0;
		cr_assert_eq(seq_run(&s, c, 0, &sink, &p), 0);
	}
	command_free(c);
	return r;
}

#define R "0000000000000000"   /* nothing pressed */

static const struct { const char *layout, *script, *want; } ok[] = {
	{ "us", "STRING Hi!", "02000b0000000000 " R " 00000c0000000000 " R " 02001e0000000000 " R },
	{ "us", "STRINGLN ls", "00000f0000000000 " R " 0000160000000000 " R " 0000280000000000 " R },
	{ "us", "STRING a \n", "0000040000000000 " R " 00002c0000000000 " R },
	{ "us", "STRING  a", "00002c0000000000 " R " 0000040000000000 " R },
	{ "us", "GUI r", "0800000000000000 0800150000000000 " R },
	{ "us", "GUI R", "0a00000000000000 0a00150000000000 " R },
	{ "us", "WINDOWS d", "0800000000000000 0800070000000000 " R },
	{ "us", "CTRL ALT DELETE", "0500000000000000 05004c0000000000 " R },
	{ "us", "CONTROL ALT DEL", "0500000000000000 05004c0000000000 " R },
	{ "us", "CTRL-ALT DELETE", "0500000000000000 05004c0000000000 " R },
	{ "us", "CTRL-SHIFT ESC", "0300000000000000 0300290000000000 " R },
	{ "us", "ALT F4", "0400000000000000 04003d0000000000 " R },
	{ "us", "SHIFT TAB", "0200000000000000 02002b0000000000 " R },
	{ "us", "ENTER\nESCAPE\nSPACE\nBACKSPACE\nTAB",
	  "0000280000000000 " R " 0000290000000000 " R " 00002c0000000000 " R " 00002a0000000000 " R
	  " 00002b0000000000 " R },
	{ "us", "UP\nDOWNARROW\nLEFT\nRIGHTARROW",
	  "0000520000000000 " R " 0000510000000000 " R " 0000500000000000 " R " 00004f0000000000 " R },
	{ "us", "F1\nF12\nF24\nHOME\nEND\nPAGEUP\nPAGEDOWN\nINSERT",
	  "00003a0000000000 " R " 0000450000000000 " R " 0000730000000000 " R " 00004a0000000000 " R
	  " 00004d0000000000 " R " 00004b0000000000 " R " 00004e0000000000 " R " 0000490000000000 " R },
	{ "us", "CAPSLOCK\nNUMLOCK\nSCROLLLOCK\nPRINTSCREEN\nPAUSE\nBREAK\nMENU\nAPP",
	  "0000390000000000 " R " 0000530000000000 " R " 0000470000000000 " R " 0000460000000000 " R
	  " 0000480000000000 " R " 0000480000000000 " R " 0000650000000000 " R " 0000650000000000 " R },
	{ "us", "GUI", "0800000000000000 " R },
	{ "us", "SHIFT", "0200000000000000 " R },
	{ "us", "ArrowUp", "0000520000000000 " R },
	{ "us", "a", "0000040000000000 " R },
	{ "us", "MediaPlayPause", "c cd00 c 0000" },
	{ "us", "DELAY 500\nENTER", "p500 0000280000000000 " R },
	{ "us", "DELAY 0\nENTER", "0000280000000000 " R },
	{ "us", "REM open the run box\nGUI r", "0800000000000000 0800150000000000 " R },
	{ "us", "REM\nENTER", "0000280000000000 " R },
	{ "us", "string a\nenter\ndelay 5", "0000040000000000 " R " 0000280000000000 " R " p5" },
	{ "us", "  STRING a\r\n\tENTER\r\n\r\n", "0000040000000000 " R " 0000280000000000 " R },
	{ "us", "DEFAULT_DELAY 100\nSTRING a\nENTER\nDELAY 7",
	  "0000040000000000 " R " p100 0000280000000000 " R " p100 p7" },
	{ "us", "DEFAULTDELAY 10\nENTER", "0000280000000000 " R " p10" },
	{ "us", "STRING a\nREPEAT 2", "0000040000000000 " R " 0000040000000000 " R " 0000040000000000 " R },
	{ "us", "DEFAULT_DELAY 3\nTAB\nREPEAT 1",
	  "00002b0000000000 " R " p3 00002b0000000000 " R " p3" },
	{ "us", "DELAY 2\nREPEAT 2", "p2 p2 p2" },
	{ "us", "STRING_DELAY 50\nSTRING ab\nSTRING cd",
	  "0000040000000000 " R " p50 0000050000000000 " R " 0000060000000000 " R " 0000070000000000 " R },
	{ "us", "STRINGDELAY 5\nSTRINGLN a",
	  "0000040000000000 " R " p5 0000280000000000 " R },
	{ "us", "DEFAULT_STRING_DELAY 4\nSTRING ab\nSTRING c",
	  "0000040000000000 " R " p4 0000050000000000 " R " 0000060000000000 " R },
	{ "us", "HOLD SHIFT\nSTRING a\nRELEASE SHIFT",
	  "0200000000000000 0000040000000000 " R },
	{ "us", "HOLD ALT\nTAB\nTAB\nRELEASE ALT",
	  "0400000000000000 04002b0000000000 0400000000000000 04002b0000000000 0400000000000000 " R },
	/* Letters and punctuation of a key line follow the layout. */
	{ "de", "STRING zy", "00001c0000000000 " R " 00001d0000000000 " R },
	{ "de", "CTRL z", "0100000000000000 01001c0000000000 " R },
	{ "fr", "GUI a", "0800000000000000 0800140000000000 " R },
	{ "us", "CTRL ?", "0300000000000000 0300380000000000 " R },
};

Test(ducky, exact_reports)
{
	struct rec out;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int r = type(ok[i].layout, ok[i].script, &out);
		cr_expect_eq(r, 0, "%s: %s (%s)", ok[i].script, err.code, err.detail);
		cr_expect_str_eq(out.out, ok[i].want, "%s (%s):\n  got  %s\n  want %s", ok[i].script,
				 ok[i].layout, out.out, ok[i].want);
	}
}

static const struct { const char *layout, *script, *code, *detail; } bad[] = {
	{ "us", "IF ($x == 1) THEN", "unsupported_command",
	  "line 1: IF is DuckyScript 3, which keymime does not run (it runs DuckyScript 1.0)" },
	{ "us", "STRING a\nWHILE TRUE", "unsupported_command",
	  "line 2: WHILE is DuckyScript 3, which keymime does not run (it runs DuckyScript 1.0)" },
	{ "us", "VAR $X = 1", "unsupported_command",
	  "line 1: VAR is DuckyScript 3, which keymime does not run (it runs DuckyScript 1.0)" },
	{ "us", "$X = 1", "unsupported_command",
	  "line 1: variables ('$X') are DuckyScript 3, which keymime does not run" },
	{ "us", "REM x\n\nATTACKMODE HID STORAGE", "unsupported_command",
	  "line 3: ATTACKMODE belongs to the Rubber Ducky itself, not to a keyboard: not supported" },
	{ "us", "LED_G", "unsupported_command",
	  "line 1: LED_G belongs to the Rubber Ducky itself, not to a keyboard: not supported" },
	{ "us", "ALTCODE 65", "unsupported_command",
	  "line 1: ALTCODE is a Flipper Zero BadUSB command keymime does not support" },
	{ "us", "STRING", "unsupported_command", "line 1: STRING without text on its line starts a "
	  "DuckyScript 3 block, which keymime does not run" },
	{ "us", "FOO", "unknown_key", "line 1: unknown command or key 'FOO'" },
	{ "us", "GUI rr", "unknown_key", "line 1: unknown command or key 'rr'" },
	{ "us", "DELAY", "bad_script", "line 1: DELAY needs a whole number from 0 to 60000" },
	{ "us", "DELAY 1s", "bad_script", "line 1: DELAY needs a whole number from 0 to 60000" },
	{ "us", "DELAY 60001", "bad_value", "line 1: DELAY needs a whole number from 0 to 60000" },
	{ "us", "DELAY 99999999999999999999", "bad_value",
	  "line 1: DELAY needs a whole number from 0 to 60000" },
	{ "us", "DEFAULT_DELAY -1", "bad_script",
	  "line 1: DEFAULT_DELAY needs a whole number from 0 to 60000" },
	{ "us", "REPEAT 2", "bad_script", "line 1: REPEAT needs a line before it to repeat" },
	{ "us", "ENTER\nREPEAT 0", "bad_value", "line 2: REPEAT needs a whole number from 1 to 20" },
	{ "us", "ENTER\nREPEAT 20", "too_many_steps", "line 2: more than 20 steps" },
	{ "us", "STRING 0123456789\nREPEAT 10", "too_long", "line 2: more than 100 characters" },
	{ "us", "STRING na\xC3\xAFve", "untypable",
	  "line 1: layout 'us' cannot type 'ï' (U+00EF) at 2" },
	{ "us", "ENTER\nGUI \xC3\xA9", "untypable", "line 2: the layout has no key for 'é'" },
	{ "de", "CTRL \xC3\xAA", "bad_chord", "line 1: 'ê' takes more than one keystroke on this "
	  "layout: use STRING to type it" },
	{ "us", "a b c d e f g", "too_many_keys", "line 1: a line presses at most 6 keys besides modifiers" },
	{ "us", "CTRL MediaPlayPause", "bad_chord",
	  "line 1: media key 'MediaPlayPause' cannot be combined with other keys" },
	{ "us", "HOLD", "bad_script", "line 1: no keys given" },
	{ "us", "MediaPlayPause 5", "bad_chord", "line 1: '5' cannot be combined with a media key" },
	{ "us", "volup CTRL-ALT", "bad_chord", "line 1: 'CTRL' cannot be combined with a media key" },
	{ "us", "", "bad_script", "the script does nothing (no STRING, DELAY or keys)" },
	{ "us", "REM only\nDEFAULT_DELAY 5\n", "bad_script",
	  "the script does nothing (no STRING, DELAY or keys)" },
	{ "us", "STRING \xC3", "bad_utf8", "invalid UTF-8 at byte 7" },
};

Test(ducky, refusals_name_the_line)
{
	struct rec out;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(type(bad[i].layout, bad[i].script, &out), -EINVAL, "%s", bad[i].script);
		cr_expect_str_eq(err.code ? err.code : "(none)", bad[i].code, "%s: %s", bad[i].script,
				 err.detail);
		cr_expect_str_eq(err.detail, bad[i].detail, "%s", bad[i].script);
	}
}

/* The untypable characters of a STRING are listed as for any text. */
Test(ducky, untypable_list)
{
	struct rec out;

	cr_expect_eq(type("us", "STRING ok\nSTRING \xE2\x82\xAC and \xC3\xA9", &out), -EINVAL);
	cr_expect_str_eq(err.code, "untypable");
	cr_expect_eq(err.n_bad_total, 2);
	cr_expect_eq(err.bad[0].cp, 0x20AC);
	cr_expect_eq(err.bad[0].pos, 0);
	cr_expect_eq(err.bad[1].cp, 0xE9);
	cr_expect_eq(err.bad[1].pos, 6);
	/* A character of a key line too. */
	cr_expect_eq(type("us", "ENTER\n  CTRL \xC3\xA9", &out), -EINVAL);
	cr_expect_str_eq(err.code, "untypable");
	cr_expect_eq(err.n_bad_total, 1);
	cr_expect_eq(err.bad[0].cp, 0xE9);
	cr_expect_eq(err.bad[0].pos, 7);
}

/* What a script counts: characters of its STRINGs, keys pressed, steps. */
Test(ducky, counts)
{
	struct command *c = command_new();
	const char *s = "STRINGLN ab\nGUI r\nREPEAT 2\nHOLD SHIFT\nRELEASE SHIFT\nDELAY 1";

	cr_assert_eq(ducky_parse(c, s, strlen(s), layout_default(LAYOUT_LINUX), &limits, &err), 0,
		     "%s", err.detail);
	cr_expect_eq(c->chars, 3);
	cr_expect_eq(c->strokes, 3 + 3 + 1);
	cr_expect_eq(c->layout, layout_default(LAYOUT_LINUX));
	command_free(c);
}

/* STRING through the device's code entry: REPEAT counts what it repeats as
 * entered too (the fuzzer found the count left behind). */
Test(ducky, unicode_entry_and_repeat)
{
	struct command *c = command_new();
	const char *s = "STRING a\xe2\x86\x92\nREPEAT 2";

	c->unicode_entry = UNICODE_ENTRY_LINUX_IBUS;
	cr_assert_eq(ducky_parse(c, s, strlen(s), layout_default(LAYOUT_LINUX), &limits, &err), 0,
		     "%s", err.detail);
	cr_expect_eq(c->chars, 6);
	cr_expect_eq(c->entered, 3, "→ three times");
	cr_expect_eq(c->strokes, 3 * (1 + 6), "a; Ctrl+Shift+U, 2192, space");
	command_free(c);
}

/* The JSON form: {"ducky": …} alone, in a seq (the error says where), with
 * the command's own layout, and within a macro. */
Test(ducky, json)
{
	struct command *c = command_new();
	const char *j = "{\"layout\":\"de\",\"ducky\":\"STRING z\\nENTER\"}";

	cr_assert_eq(command_parse_json(c, j, strlen(j), layout_default(LAYOUT_LINUX), &limits, &err),
		     0, "%s", err.detail);
	cr_expect_eq(c->n_acts, 2);
	cr_expect_eq(c->acts[0].u.tap.usage, 0x1C, "z is on the Y key in Germany");
	command_free(c);
	c = command_new();
	j = "{\"id\":\"s\",\"seq\":[{\"text\":\"a\"},{\"ducky\":\"ENTER\\nFOO\"}]}";
	cr_expect_eq(command_parse_json(c, j, strlen(j), layout_default(LAYOUT_LINUX), &limits, &err),
		     -EINVAL);
	cr_expect_str_eq(err.code, "unknown_key");
	cr_expect_str_eq(err.detail, "seq[1]: line 2: unknown command or key 'FOO'");
	cr_expect_str_eq(c->id, "s");
	command_free(c);
	c = command_new();
	j = "{\"ducky\":1}";
	cr_expect_eq(command_parse_json(c, j, strlen(j), layout_default(LAYOUT_LINUX), &limits, &err),
		     -EINVAL);
	cr_expect_str_eq(err.detail, "'ducky' must be a DuckyScript, not a number");
	command_free(c);
}

Test(ducky, too_large)
{
	struct command *c = command_new();
	struct cmd_limits small = limits;

	small.max_payload = 8;
	cr_expect_eq(ducky_parse(c, "STRING abcdef", 13, layout_default(LAYOUT_LINUX), &small, &err),
		     -EINVAL);
	cr_expect_str_eq(err.code, "too_large");
	command_free(c);
}

/* STRING goes through the text compiler of every text: a device's
 * unicode_entry types what its layout lacks (Linux: Ctrl+Shift+U, hex, space),
 * and a macOS target's layout is the Mac one. */
Test(ducky, same_text_compiler)
{
	struct command *c = command_new();
	const char *s = "STRING \xC3\xA9";   /* é */

	cr_expect_eq(ducky_parse(c, s, strlen(s), layout_default(LAYOUT_LINUX), &limits, &err), -EINVAL);
	cr_expect_str_eq(err.code, "untypable");
	command_free(c);
	c = command_new();
	c->unicode_entry = UNICODE_ENTRY_LINUX_IBUS;
	memset(&err, 0, sizeof err);
	cr_assert_eq(ducky_parse(c, s, strlen(s), layout_default(LAYOUT_LINUX), &limits, &err), 0,
		     "%s", err.detail);
	cr_expect_eq(c->chars, 1);
	cr_expect_eq(c->entered, 1, "é entered through linux-ibus");
	command_free(c);
	/* @ on a German keyboard: AltGr+Q on Linux, Option+L on a Mac. */
	static const struct { enum layout_target t; uint8_t usage, mods; } at[] = {
		{ LAYOUT_LINUX, 0x14, 0x40 }, { LAYOUT_MACOS, 0x0F, 0x04 },
	};
	s = "STRING @";
	for (size_t i = 0; i < 2; i++) {
		c = command_new();
		cr_assert_eq(ducky_parse(c, s, strlen(s), layout_find(at[i].t, "de"), &limits, &err), 0,
			     "%s", err.detail);
		cr_assert_eq(c->n_acts, 1);
		cr_expect_eq(c->acts[0].u.tap.usage, at[i].usage, "target %d", at[i].t);
		cr_expect_eq(c->acts[0].u.tap.mods, at[i].mods, "target %d", at[i].t);
		command_free(c);
	}
}
