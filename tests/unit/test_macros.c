/* SPDX-License-Identifier: MIT */
/* test_macros: {"macro":"NAME"} runs the configured command — its options
 * under the caller's, only what types, errors naming the macro — and
 * macros_check() refuses at start every macro that could only fail. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "config.h"
#include "layout.h"
#include "macros.h"

static struct config cfg;
static struct cmd_limits lim;
static struct command *cmd;
static struct err err;

static void setup(void)
{
	config_defaults(&cfg);
	memset(&err, 0, sizeof err);
	cmd = command_new();
}

static void teardown(void)
{
	command_free(cmd);
	config_free(&cfg);
}

TestSuite(macros, .init = setup, .fini = teardown);

static void define(const char *name, const char *json)
{
	cr_assert_eq(config_set_macro(&cfg, name, json, &err), 0, "%s", err.detail);
	macros_limits(&cfg, &lim);
}

static int run(const char *payload)
{
	command_free(cmd);
	cmd = command_new();
	memset(&err, 0, sizeof err);
	return command_parse_json(cmd, payload, strlen(payload), config_layout(&cfg), &lim, &err);
}

Test(macros, runs_the_configured_command)
{
	define("login", "{\"seq\":[{\"text\":\"ro\"},{\"keys\":\"enter\"},{\"delay_ms\":800}]}");
	cr_assert_eq(run("{\"id\":\"7\",\"macro\":\"login\"}"), 0, "%s", err.detail);
	cr_expect_str_eq(cmd->id, "7");
	cr_expect_eq(cmd->type, CMD_RUN);
	cr_assert_eq(cmd->n_acts, 4);
	cr_expect_eq(cmd->acts[0].kind, ACT_TAP);
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x15);
	cr_expect_eq(cmd->acts[2].kind, ACT_CHORD);
	cr_expect_eq(cmd->acts[3].kind, ACT_DELAY);
	cr_expect_eq(cmd->acts[3].u.delay_ms, 800);
	cr_expect_eq(cmd->chars, 2);
	cr_expect_eq(cmd->strokes, 3);
}

/* The macro's layout and delay_ms apply unless the caller gives its own. */
Test(macros, options_caller_wins)
{
	define("z", "{\"text\":\"z\",\"layout\":\"de\",\"delay_ms\":40}");
	cr_assert_eq(run("{\"macro\":\"z\"}"), 0, "%s", err.detail);
	cr_expect_str_eq(layout_name(cmd->layout), "de");
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x1C, "z is on the Y key in Germany");
	cr_expect_eq(cmd->delay_ms, 40);
	cr_assert_eq(run("{\"macro\":\"z\",\"layout\":\"us\",\"delay_ms\":5}"), 0, "%s", err.detail);
	cr_expect_str_eq(layout_name(cmd->layout), "us");
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x1D);
	cr_expect_eq(cmd->delay_ms, 5);
	define("plain", "{\"text\":\"z\"}");
	cr_assert_eq(run("{\"macro\":\"plain\",\"layout\":\"de\"}"), 0, "%s", err.detail);
	cr_expect_eq(cmd->acts[0].u.tap.usage, 0x1C);
}

Test(macros, holds_and_downs)
{
	define("boot", "{\"hold\":\"F12\",\"ms\":15000}");
	define("shift", "{\"down\":\"shift\"}");
	cr_assert_eq(run("{\"macro\":\"boot\"}"), 0, "%s", err.detail);
	cr_assert_eq(cmd->n_acts, 3);
	cr_expect_eq(cmd->acts[1].kind, ACT_KEEP);
	cr_expect_eq(cmd->acts[1].u.delay_ms, 15000);
	cr_assert_eq(run("{\"macro\":\"shift\"}"), 0, "%s", err.detail);
	cr_expect_eq(cmd->acts[0].kind, ACT_DOWN);
}

static const struct { const char *json, *code, *detail; } bad[] = {
	{ "{\"keys\":\"ctl+a\"}", "unknown_key", "macro 'm': no key named 'ctl'" },
	{ "{\"text\":\"\\u00e9\"}", "untypable",
	  "macro 'm': layout 'us' cannot type 'é' (U+00E9) at 0" },
	{ "{\"id\":\"x\",\"keys\":\"a\"}", "bad_command", "macro 'm': 'id' cannot be part of a macro" },
	{ "{\"cancel\":true}", "bad_command", "macro 'm': 'cancel' cannot be part of a macro" },
	{ "{\"release_all\":true}", "bad_command", "macro 'm': 'release_all' cannot be part of a macro" },
	{ "{\"set_layout\":\"de\"}", "bad_command", "macro 'm': 'set_layout' cannot be part of a macro" },
	{ "{\"macro\":\"m\"}", "bad_command", "macro 'm': 'macro' cannot be part of a macro" },
	{ "{\"text\":\"a\",\"bogus\":1}", "unknown_field", "macro 'm': unknown field 'bogus'" },
	{ "[1]", "bad_command", "macro 'm': a macro is a JSON object, not an array" },
	{ "{\"text\":", "bad_json", "macro 'm': the JSON ends too early" },
	{ "{}", "bad_command", "macro 'm': no action: give one of text, keys, seq, down, up, "
			       "release_all, cancel, set_layout, set_target, hold, macro, ducky, keep_awake, wake" },
	{ "{\"hold\":\"F12\",\"ms\":600001}", "bad_value",
	  "macro 'm': 'ms' must be between 1 and 60000 (max_hold_ms)" },
};

/* An error inside a macro names it; the same macro is a config error at start. */
Test(macros, errors_name_the_macro)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		teardown();
		setup();
		define("m", bad[i].json);
		cr_expect_eq(run("{\"id\":\"i\",\"macro\":\"m\"}"), -EINVAL, "%s", bad[i].json);
		cr_expect_str_eq(err.code ? err.code : "(none)", bad[i].code, "%s", bad[i].json);
		cr_expect_str_eq(err.detail, bad[i].detail, "%s", bad[i].json);
		cr_expect_str_eq(cmd->id ? cmd->id : "(null)", "i", "the caller's id is kept");
		struct err at_start = { 0 };
		cr_expect_eq(macros_check(&cfg, &at_start), -EINVAL, "%s", bad[i].json);
		cr_expect_str_eq(at_start.code, "config");
		char want[512];
		snprintf(want, sizeof want, "macro.m: %s (%s)", bad[i].detail, bad[i].code);
		cr_expect_str_eq(at_start.detail, want);
	}
}

Test(macros, unknown_and_wrong_type)
{
	define("a", "{\"keys\":\"a\"}");
	cr_expect_eq(run("{\"macro\":\"b\"}"), -EINVAL);
	cr_expect_str_eq(err.code, "unknown_macro");
	cr_expect_str_eq(err.detail, "no macro named 'b'");
	cr_expect_eq(run("{\"macro\":1}"), -EINVAL);
	cr_expect_str_eq(err.code, "bad_type");
	cr_expect_eq(run("{\"macro\":\"a\",\"text\":\"b\"}"), -EINVAL);
	cr_expect_str_eq(err.code, "bad_command");
	cr_expect_eq(run("{\"macro\":\"a\",\"ms\":5}"), -EINVAL);
	cr_expect_str_eq(err.detail, "'ms' goes with 'hold'");
	/* No macros configured at all. */
	lim.macros = NULL, lim.n_macros = 0;
	cr_expect_eq(run("{\"macro\":\"a\"}"), -EINVAL);
	cr_expect_str_eq(err.code, "unknown_macro");
}

/* Checked at start with the device's layout and target; good ones pass. */
Test(macros, check_at_start)
{
	define("ok1", "{\"keys\":\"ctrl+alt+delete\"}");
	define("ok2", "{\"text\":\"\\u00fc\",\"layout\":\"de\"}");
	cr_expect_eq(macros_check(&cfg, &err), 0, "%s", err.detail);
	define("de_only", "{\"text\":\"\\u00fc\"}");
	cr_expect_eq(macros_check(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "macro.de_only: macro 'de_only': layout 'us' cannot type 'ü' "
				     "(U+00FC) at 0 (untypable)");
	cr_assert_eq(config_set(&cfg, "layout", "de", &err), 0);
	cr_expect_eq(macros_check(&cfg, &err), 0, "with layout de: %s", err.detail);
	const char **names = macros_names(&cfg);
	cr_expect_str_eq(names[0], "ok1");
	cr_expect_str_eq(names[2], "de_only");
	cr_expect_null(names[3]);
	free((void *)names);
}
