/* SPDX-License-Identifier: MIT */
/* test_config: defaults, config file text, two-pass argv, validation and the group list. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "unicode_entry.h"
#include "layout.h"

static struct config cfg;
static struct err err;

static void setup(void)
{
	config_defaults(&cfg);
	err.detail[0] = '\0';
}

static void teardown(void)
{
	config_free(&cfg);
}

TestSuite(config, .init = setup, .fini = teardown);

static int parse(const char *text)
{
	return config_parse_text(&cfg, text, strlen(text), "test.conf", &err);
}

/* ---- defaults ------------------------------------------------------------------- */

Test(config, defaults)
{
	cr_expect_str_eq(cfg.device_id, "");
	cr_expect_str_eq(cfg.broker, "tcp://localhost:1883");
	cr_expect_str_eq(cfg.client_id, "");
	cr_expect_str_eq(cfg.username, "");
	cr_expect_str_eq(cfg.password_file, "");
	cr_expect_str_eq(cfg.certfile, "");
	cr_expect_str_eq(cfg.keyfile, "");
	cr_expect_str_eq(cfg.hid_keyboard, "/dev/hidg0");
	cr_expect_str_eq(cfg.hid_consumer, "/dev/hidg1");
	cr_expect_str_eq(cfg.layout, "us");
	cr_expect_str_eq(cfg.groups, "");
	cr_expect_str_eq(cfg.topic_prefix, "keymime");
	cr_expect_str_eq(cfg.ha_prefix, "homeassistant");
	cr_expect_str_eq(cfg.log_level, "info");
	cr_expect(cfg.ha_discovery);
	cr_expect_eq(cfg.mqtt_version, 0, "auto");
	cr_expect_eq(cfg.duplicate_window_s, 0, "off: ids may be reused");
	cr_expect_eq(cfg.keepalive_s, 30);
	cr_expect_eq(cfg.delay_ms, 0);
	cr_expect_eq(cfg.rate_limit, 0);
	cr_expect_eq(cfg.queue_size, 64);
	cr_expect_eq(cfg.max_payload, 262144);
	cr_expect_eq(cfg.max_chars, 65536);
	cr_expect_eq(cfg.max_steps, 1000);
	cr_expect_gt(cfg.hold_timeout_ms, 0);
	cr_expect_gt(cfg.write_timeout_ms, 0);
	/* The defaults pass validation once the device has an id (main uses the host name). */
	cr_expect_neq(config_validate(&cfg, &err), 0, "an empty device id is not valid");
	cr_expect_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
}

/* ---- config file text ---------------------------------------------------------------- */

Test(config, file_text)
{
	const char *text =
		"# keymime agent\n"
		"\n"
		"   ; another comment style\n"
		"device_id = pi-kitchen\n"
		"broker=ssl://broker.lan:8883\n"
		"\tlayout\t=\t\"de\"  \n"
		"username = 'typist'\n"
		"password-file = /etc/keymime/password\r\n"
		"topic-prefix = home/keymime\n"
		"ha_combos = Lock=super+l, Task manager=ctrl+shift+escape\n"
		"hid_consumer =\n"
		"keepalive_s = 60\n"
		"ha_discovery = off\n"
		"queue_size=1";   /* no newline at the end */

	cr_assert_eq(parse(text), 0, "%s", err.detail);
	cr_expect_str_eq(cfg.device_id, "pi-kitchen");
	cr_expect_str_eq(cfg.broker, "ssl://broker.lan:8883");
	cr_expect_str_eq(cfg.layout, "de", "quotes stripped");
	cr_expect_str_eq(cfg.username, "typist", "single quotes stripped");
	cr_expect_str_eq(cfg.password_file, "/etc/keymime/password", "CR stripped");
	cr_expect_str_eq(cfg.topic_prefix, "home/keymime");
	cr_expect_str_eq(cfg.ha_combos, "Lock=super+l, Task manager=ctrl+shift+escape",
			 "only the first '=' splits");
	cr_expect_str_eq(cfg.hid_consumer, "", "an empty value clears");
	cr_expect_eq(cfg.keepalive_s, 60);
	cr_expect_not(cfg.ha_discovery);
	cr_expect_eq(cfg.queue_size, 1);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
}

Test(config, quotes)
{
	static const struct { const char *line, *want; } cases[] = {
		{ "layout = \"de\"", "de" },
		{ "layout = 'de'", "de" },
		{ "layout = \"de'", "\"de'" },       /* quotes must match */
		{ "layout = \"\"", "" },
		{ "layout = \"", "\"" },
		{ "layout = \"\"de\"\"", "\"de\"" },   /* one pair only */
		{ "layout = \" de \"", " de " },     /* spaces inside quotes kept */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_expect_eq(parse(cases[i].line), 0, "%s: %s", cases[i].line, err.detail);
		cr_expect_str_eq(cfg.layout, cases[i].want, "%s", cases[i].line);
	}
}

/* Errors name the source and the line (blank and comment lines count). */
Test(config, file_errors)
{
	static const struct { const char *text, *err; } cases[] = {
		{ "layout = de\n\n# comment\nbogus = 1\n", "test.conf:4: unknown option 'bogus'" },
		{ "layout = de\njust words\n", "test.conf:2: expected 'key = value'" },
		{ "\n\n\nkeepalive_s = 1\n",
		  "test.conf:4: keepalive_s: '1' is not a whole number from 2 to 3600" },
		{ "queue_size = 10x", "test.conf:1: queue_size: '10x' is not a whole number from 1 to 10000" },
		{ "queue_size =", "test.conf:1: queue_size: '' is not a whole number from 1 to 10000" },
		{ "ha_discovery = maybe", "test.conf:1: ha_discovery: 'maybe' is not on or off" },
		{ "= value", "test.conf:1: unknown option ''" },
		{ "password = hunter2", "test.conf:1: unknown option 'password'" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err.detail[0] = '\0';
		cr_expect_eq(parse(cases[i].text), -EINVAL, "case %zu accepted", i);
		cr_expect_str_eq(err.detail, cases[i].err, "case %zu", i);
	}
	/* Lines after an error are not applied. */
	cr_expect_eq(parse("layout = fr\nbogus = 1\nlayout = it\n"), -EINVAL);
	cr_expect_str_eq(cfg.layout, "fr");
}

Test(config, numbers)
{
	static const struct { const char *key, *value; int ok; long want; } cases[] = {
		{ "keepalive_s", "2", 1, 2 },
		{ "keepalive_s", "3600", 1, 3600 },
		{ "keepalive_s", "3601", 0, 0 },
		{ "keepalive_s", "-5", 0, 0 },
		{ "keepalive_s", "+10", 1, 10 },
		{ "keepalive_s", "0x10", 0, 0 },
		{ "keepalive_s", "1e2", 0, 0 },
		{ "keepalive_s", " 10", 1, 10 },        /* strtol skips leading space */
		{ "keepalive_s", "10 ", 0, 0 },
		{ "keepalive_s", "", 0, 0 },
		{ "max_payload", "99999999999999999999999", 0, 0 },
		{ "max_payload", "16777216", 1, 16777216 },
		{ "max_payload", "16777217", 0, 0 },
		{ "mqtt_version", "4", 1, 4 },
		{ "mqtt_version", "5", 1, 5 },
		{ "mqtt_version", "auto", 1, 0 },
		{ "mqtt_version", "AUTO", 1, 0 },
		{ "mqtt_version", "0", 0, 0 },
		{ "mqtt_version", "3", 0, 0 },
		{ "mqtt_version", "autox", 0, 0 },
		{ "rate_limit", "0", 1, 0 },
		{ "delay_ms", "10000", 1, 10000 },
		{ "delay_ms", "10001", 0, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = config_set(&cfg, cases[i].key, cases[i].value, &err);
		cr_expect_eq(r, cases[i].ok ? 0 : -EINVAL, "%s = '%s'", cases[i].key, cases[i].value);
		if (cases[i].ok && !r) {
			long got = !strcmp(cases[i].key, "keepalive_s") ? cfg.keepalive_s :
				   !strcmp(cases[i].key, "max_payload") ? cfg.max_payload :
				   !strcmp(cases[i].key, "mqtt_version") ? cfg.mqtt_version :
				   !strcmp(cases[i].key, "rate_limit") ? cfg.rate_limit : cfg.delay_ms;
			cr_expect_eq(got, cases[i].want, "%s = '%s' → %ld", cases[i].key, cases[i].value, got);
		}
	}
	/* A refused value leaves the old one. */
	config_set(&cfg, "keepalive_s", "45", &err);
	config_set(&cfg, "keepalive_s", "nope", &err);
	cr_expect_eq(cfg.keepalive_s, 45);
}

Test(config, bools)
{
	static const char *const yes[] = { "on", "true", "yes", "1", "ON", "True", "YES" };
	static const char *const no[] = { "off", "false", "no", "0", "OFF", "False", "No" };
	static const char *const bad[] = { "", "2", "enabled", "y", "n", "onn", "of" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		cfg.ha_discovery = false;
		cr_expect_eq(config_set(&cfg, "ha_discovery", yes[i], &err), 0, "%s", yes[i]);
		cr_expect(cfg.ha_discovery, "%s", yes[i]);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		cfg.ha_discovery = true;
		cr_expect_eq(config_set(&cfg, "ha_discovery", no[i], &err), 0, "%s", no[i]);
		cr_expect_not(cfg.ha_discovery, "%s", no[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(config_set(&cfg, "ha_discovery", bad[i], &err), -EINVAL, "'%s'", bad[i]);
}

/* Keys are accepted with dashes or underscores, nothing else. */
Test(config, key_names)
{
	cr_expect_eq(config_set(&cfg, "hid-keyboard", "/tmp/a", &err), 0);
	cr_expect_str_eq(cfg.hid_keyboard, "/tmp/a");
	cr_expect_eq(config_set(&cfg, "hid_keyboard", "/tmp/b", &err), 0);
	cr_expect_str_eq(cfg.hid_keyboard, "/tmp/b");
	cr_expect_eq(config_set(&cfg, "hid-keyboard_leds", "/tmp/l", &err), 0);
	cr_expect_str_eq(cfg.hid_keyboard_leds, "/tmp/l");
	cr_expect_eq(config_set(&cfg, "HID_KEYBOARD", "/tmp/c", &err), -EINVAL, "case matters");
	cr_expect_str_eq(err.detail, "unknown option 'HID_KEYBOARD'");
	cr_expect_eq(config_set(&cfg, "hidkeyboard", "/tmp/c", &err), -EINVAL);
	cr_expect_eq(config_set(&cfg, "", "x", &err), -EINVAL);
	char longkey[200];
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	cr_expect_eq(config_set(&cfg, longkey, "x", &err), -EINVAL);
	cr_expect_lt(strlen(err.detail), sizeof err.detail);
}

/* ---- argv ---------------------------------------------------------------------------- */

static int argv_pass(char **argv, bool apply, struct config_cli *cli)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return config_parse_argv(&cfg, argc, argv, apply, cli, &err);
}

Test(config, argv_two_passes)
{
	char *argv[] = { "keymime-agent", "--config", "/etc/x.conf", "--layout", "de",
			 "--device-id=pi2", "--check-config", "--hid_keyboard", "/tmp/kbd",
			 "--ha-discovery", "off", NULL };
	char *argv2[12];
	struct config_cli cli = { 0 };

	memcpy(argv2, argv, sizeof argv);
	/* Pass 1: only what main needs before reading the file. */
	cr_assert_eq(argv_pass(argv, false, &cli), 0, "%s", err.detail);
	cr_expect_str_eq(cli.config_path, "/etc/x.conf");
	cr_expect(cli.check_only);
	cr_expect_not(cli.help);
	cr_expect_not(cli.version);
	cr_expect_str_eq(cfg.layout, "us", "pass 1 applies nothing");
	cr_expect_str_eq(cfg.device_id, "");
	/* The file is read here; then pass 2 overrides it. */
	cr_assert_eq(parse("layout = fr\nusername = u\n"), 0);
	struct config_cli cli2 = { 0 };
	cr_assert_eq(argv_pass(argv2, true, &cli2), 0, "%s", err.detail);
	cr_expect_str_eq(cfg.layout, "de");
	cr_expect_str_eq(cfg.device_id, "pi2");
	cr_expect_str_eq(cfg.hid_keyboard, "/tmp/kbd");
	cr_expect_str_eq(cfg.username, "u", "file values not on the command line stay");
	cr_expect_not(cfg.ha_discovery);
}

Test(config, argv_short_and_help)
{
	char *a1[] = { "keymime-agent", "-c", "/tmp/a.conf", NULL };
	char *a2[] = { "keymime-agent", "--help", NULL };
	char *a3[] = { "keymime-agent", "-h", NULL };
	char *a4[] = { "keymime-agent", "--version", NULL };
	char *a5[] = { "keymime-agent", "-V", NULL };
	char *a6[] = { "keymime-agent", NULL };
	struct config_cli cli = { 0 };

	cr_expect_eq(argv_pass(a1, false, &cli), 0);
	cr_expect_str_eq(cli.config_path, "/tmp/a.conf");
	memset(&cli, 0, sizeof cli);
	cr_expect_eq(argv_pass(a2, false, &cli), 0);
	cr_expect(cli.help);
	memset(&cli, 0, sizeof cli);
	cr_expect_eq(argv_pass(a3, false, &cli), 0);
	cr_expect(cli.help);
	memset(&cli, 0, sizeof cli);
	cr_expect_eq(argv_pass(a4, false, &cli), 0);
	cr_expect(cli.version);
	memset(&cli, 0, sizeof cli);
	cr_expect_eq(argv_pass(a5, false, &cli), 0);
	cr_expect(cli.version);
	memset(&cli, 0, sizeof cli);
	cr_expect_eq(argv_pass(a6, false, &cli), 0);
	cr_expect_null(cli.config_path);
	cr_expect_not(cli.check_only || cli.help || cli.version);
}

Test(config, argv_errors)
{
	static const struct { const char *args[4]; bool apply; const char *err; } cases[] = {
		{ { "--bogus", NULL }, false, "unknown or incomplete option (see --help)" },
		{ { "--layout", NULL }, false, "unknown or incomplete option (see --help)" },
		{ { "-x", NULL }, false, "unknown or incomplete option (see --help)" },
		{ { "--password", "hunter2", NULL }, false,
		  "--password: secrets are read from files, use --password-file" },
		{ { "--password=hunter2", NULL }, false,
		  "--password: secrets are read from files, use --password-file" },
		{ { "--passw", "hunter2", NULL }, false, "unknown or incomplete option (see --help)" },
		{ { "extra", NULL }, false, "unexpected argument 'extra'" },
		{ { "--layout", "de", "extra", NULL }, true, "unexpected argument 'extra'" },
		{ { "--keepalive-s", "1", NULL }, true,
		  "keepalive_s: '1' is not a whole number from 2 to 3600" },
		{ { "--ha-discovery=maybe", NULL }, true, "ha_discovery: 'maybe' is not on or off" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *argv[6] = { "keymime-agent" };
		struct config_cli cli = { 0 };
		for (int j = 0; j < 4 && cases[i].args[j]; j++)
			argv[j + 1] = (char *)cases[i].args[j];
		err.detail[0] = '\0';
		cr_expect_eq(argv_pass(argv, cases[i].apply, &cli), -EINVAL, "case %zu accepted", i);
		cr_expect_str_eq(err.detail, cases[i].err, "case %zu", i);
	}
	/* The password file itself is fine, spelled either way. */
	char *pw[] = { "keymime-agent", "--password-file", "/p", "--password_file=/q", NULL };
	struct config_cli pcli = { 0 };
	cr_expect_eq(argv_pass(pw, true, &pcli), 0, "%s", err.detail);
	cr_expect_str_eq(cfg.password_file, "/q");
	/* A bad value is only found in the pass that applies it. */
	char *argv[] = { "keymime-agent", "--keepalive-s", "1", NULL };
	struct config_cli cli = { 0 };
	cr_expect_eq(argv_pass(argv, false, &cli), 0);
}

/* ---- validation -------------------------------------------------------------------- */

Test(config, validate)
{
	static const struct { const char *key, *value, *err; } cases[] = {
		{ "device_id", "", "device_id: '' is not [A-Za-z0-9_-]{1,64}" },
		{ "device_id", "pi 1", "device_id: 'pi 1' is not [A-Za-z0-9_-]{1,64}" },
		{ "device_id", "pi/1", "device_id: 'pi/1' is not [A-Za-z0-9_-]{1,64}" },
		{ "layout", "xx", "layout: no layout named 'xx' for target linux (keymime-agent "
				  "--list-layouts --target linux)" },
		{ "layout", "", "layout: no layout named '' for target linux (keymime-agent "
				"--list-layouts --target linux)" },
		{ "target", "osx", "target: 'osx' is not linux, windows, macos or chromeos" },
		{ "unicode_entry", "ibus", "unicode_entry: 'ibus' is not none, linux-ibus, "
					   "windows-altcode, windows-hex or macos-hex" },
		{ "unicode_entry", "windows-hex", "unicode_entry: windows-hex is for target windows, "
						  "not linux" },
		{ "macos_keyboard_type", "jis", "macos_keyboard_type: 'jis' is not ansi or iso" },
		{ "topic_prefix", "keymime/+", "topic_prefix: 'keymime/+' is not a plain topic path" },
		{ "topic_prefix", "keymime/#", "topic_prefix: 'keymime/#' is not a plain topic path" },
		{ "topic_prefix", "/keymime", "topic_prefix: '/keymime' is not a plain topic path" },
		{ "topic_prefix", "keymime/", "topic_prefix: 'keymime/' is not a plain topic path" },
		{ "topic_prefix", "a//b", "topic_prefix: 'a//b' is not a plain topic path" },
		{ "topic_prefix", "$SYS", "topic_prefix: '$SYS' is not a plain topic path" },
		{ "topic_prefix", "", "topic_prefix: '' is not a plain topic path" },
		{ "ha_prefix", "home+assistant", "ha_prefix: 'home+assistant' is not a plain topic path" },
		{ "hid_keyboard", "", "hid_keyboard: a path is required" },
		{ "broker", "http://x", "broker: 'http://x' must start with tcp://, ssl://, ws:// or wss://" },
		{ "broker", "localhost", "broker: 'localhost' must start with tcp://, ssl://, ws:// or wss://" },
		{ "broker", "tcp://a:1883, localhost", "broker: 'localhost' must start with tcp://, "
						       "ssl://, ws:// or wss://" },
		{ "broker", "tcp://", "broker: 'tcp://' must start with tcp://, ssl://, ws:// or wss://" },
		{ "broker", " , ", "broker: no URI given" },
		{ "certfile", "/c.pem", "certfile needs keyfile" },
		{ "cafile", "/ca.pem", "broker: 'tcp://localhost:1883' is plain text, but cafile/"
				       "certfile/keyfile are set: use ssl:// (or mqtts://, wss://)" },
		{ "keyfile", "/k.pem", "broker: 'tcp://localhost:1883' is plain text, but cafile/"
				       "certfile/keyfile are set: use ssl:// (or mqtts://, wss://)" },
		{ "password_file", "/p", "password_file needs username" },
		{ "groups", "kitchen,bad group", "groups: 'bad group' is not a valid group name "
						  "([A-Za-z0-9_-]{1,64})" },
		{ "groups", "a/b", "groups: 'a/b' is not a valid group name ([A-Za-z0-9_-]{1,64})" },
		{ "name", "Reception\tPC", "name: a control character at byte 9" },
		{ "location", "Desk \x1b[31m", "location: a control character at byte 5" },
		{ "name", "caf\xe9", "name: not UTF-8 (byte 3)" },
		{ "location", "0123456789012345678901234567890123456789012345678901234567890123X",
		  "location: 65 bytes, at most 64" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown();
		setup();
		cr_assert_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
		cr_assert_eq(config_set(&cfg, cases[i].key, cases[i].value, &err), 0, "%s", err.detail);
		err.detail[0] = '\0';
		cr_expect_eq(config_validate(&cfg, &err), -EINVAL, "%s = '%s' accepted", cases[i].key,
			     cases[i].value);
		cr_expect_str_eq(err.detail, cases[i].err, "%s = '%s'", cases[i].key, cases[i].value);
	}
}

Test(config, validate_ok)
{
	static const struct { const char *key, *value; } cases[] = {
		{ "broker", "ssl://b:8883" }, { "broker", "ws://b:9001" }, { "broker", "wss://b:9443" },
		{ "broker", "mqtt://b" }, { "broker", "mqtts://b" }, { "topic_prefix", "home/keymime" },
		{ "broker", "tcp://a:1883,tcp://b:1883" }, { "broker", " tcp://a , ssl://b\twss://c " },
		{ "layout", "DE-ch" }, { "target", "MacOS" }, { "groups", "kitchen, office" }, { "username", "u" },
		{ "name", "Reception PC" }, { "location", "Empfang, 2. Stock — Tür 3" },
		{ "location", "0123456789012345678901234567890123456789012345678901234567890123" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
		cr_assert_eq(config_set(&cfg, cases[i].key, cases[i].value, &err), 0, "%s", err.detail);
		cr_expect_eq(config_validate(&cfg, &err), 0, "%s = '%s': %s", cases[i].key, cases[i].value,
			     err.detail);
	}
	/* TLS files with a TLS URI, certfile with keyfile, password_file with username. */
	config_set(&cfg, "broker", "ssl://b:8883", &err);
	config_set(&cfg, "cafile", "/ca.pem", &err);
	config_set(&cfg, "keyfile", "/k.pem", &err);
	config_set(&cfg, "certfile", "/c.pem", &err);
	config_set(&cfg, "password_file", "/p", &err);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
	/* With TLS files, every broker of a list must be TLS. */
	config_set(&cfg, "broker", "ssl://a:8883, mqtts://b, tcp://c:1883", &err);
	cr_expect_eq(config_validate(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "broker: 'tcp://c:1883' is plain text, but cafile/certfile/"
			 "keyfile are set: use ssl:// (or mqtts://, wss://)");
}

Test(config, broker_list)
{
	static const struct { const char *broker; const char *want[4]; } cases[] = {
		{ "tcp://a:1883", { "tcp://a:1883" } },
		{ "tcp://a:1883,tcp://b:1884", { "tcp://a:1883", "tcp://b:1884" } },
		{ " tcp://a , ssl://b\twss://c:9443/mqtt ", { "tcp://a", "ssl://b", "wss://c:9443/mqtt" } },
		{ "tcp://a,,tcp://b,", { "tcp://a", "tcp://b" } },
		{ ", \t", { NULL } },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = 99, want_n = 0;
		cr_assert_eq(config_set(&cfg, "broker", cases[i].broker, &err), 0);
		char **list = config_broker_list(&cfg, &n);
		while (cases[i].want[want_n])
			want_n++;
		cr_expect_eq(n, want_n, "'%s': %zu URIs", cases[i].broker, n);
		for (size_t j = 0; j < n && j < want_n; j++)
			cr_expect_str_eq(list[j], cases[i].want[j], "'%s' [%zu]", cases[i].broker, j);
		cr_expect_null(list[n], "'%s': not NULL-terminated", cases[i].broker);
		for (size_t j = 0; j < n; j++)
			free(list[j]);
		free(list);
	}
}

/* ---- groups ------------------------------------------------------------------------ */

Test(config, group_list)
{
	static const struct { const char *groups; const char *want[6]; } cases[] = {
		{ "", { "all" } },
		{ "kitchen", { "all", "kitchen" } },
		{ "kitchen,office", { "all", "kitchen", "office" } },
		{ " kitchen , office ", { "all", "kitchen", "office" } },
		{ "kitchen,,office,", { "all", "kitchen", "office" } },
		{ "kitchen,office,kitchen", { "all", "kitchen", "office" } },
		{ "all", { "all" } },
		{ "office,all,office", { "all", "office" } },
		{ ",,, ,", { "all" } },
		{ "Kitchen,kitchen", { "all", "Kitchen", "kitchen" } },   /* names are case-sensitive */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = 99, want_n = 0;
		cr_assert_eq(config_set(&cfg, "groups", cases[i].groups, &err), 0);
		char **g = config_group_list(&cfg, &n);
		cr_assert_not_null(g);
		while (cases[i].want[want_n])
			want_n++;
		cr_expect_eq(n, want_n, "'%s': %zu groups", cases[i].groups, n);
		for (size_t j = 0; j < n && j < want_n; j++)
			cr_expect_str_eq(g[j], cases[i].want[j], "'%s' [%zu]", cases[i].groups, j);
		cr_expect_null(g[n], "'%s': not NULL-terminated", cases[i].groups);
		for (size_t j = 0; j < n; j++)
			free(g[j]);
		free(g);
	}
}

/* ---- help and print ------------------------------------------------------------------- */

static char *capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	fn(f);
	fclose(f);
	return buf;
}

static void help(FILE *f)
{
	config_print_help(f, "keymime-agent");
}

static void print(FILE *f)
{
	config_print(f, &cfg);
}

Test(config, help_lists_every_option)
{
	char *h = capture(help);
	static const char *const opts[] = {
		"--config", "--check-config", "--help", "--device-id", "--broker", "--password-file",
		"--hid-keyboard", "--hid-consumer", "--layout", "--groups", "--topic-prefix",
		"--ha-discovery", "--max-payload", "--status-interval-ms",
	};

	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		cr_expect_not_null(strstr(h, opts[i]), "--help lacks %s", opts[i]);
	cr_expect_null(strstr(h, "--password "), "no password option");
	cr_expect_not_null(strstr(h, "[tcp://localhost:1883]"), "defaults are shown");
	free(h);
}

Test(config, print_round_trips)
{
	cr_assert_eq(parse("device_id = pi9\nlayout = fr\nkeepalive_s = 77\nha_discovery = no\n"
			   "groups = a,b\n"), 0, "%s", err.detail);
	char *out = capture(print);
	cr_expect_not_null(strstr(out, "device_id = pi9\n"), "%s", out);
	cr_expect_not_null(strstr(out, "keepalive_s = 77\n"));
	cr_expect_not_null(strstr(out, "ha_discovery = off\n"));
	/* What config_print writes is a config file that reads back the same. */
	struct config back;
	config_defaults(&back);
	cr_expect_eq(config_parse_text(&back, out, strlen(out), "printed", &err), 0, "%s", err.detail);
	cr_expect_str_eq(back.device_id, "pi9");
	cr_expect_str_eq(back.layout, "fr");
	cr_expect_str_eq(back.groups, "a,b");
	cr_expect_eq(back.keepalive_s, 77);
	cr_expect_not(back.ha_discovery);
	cr_expect_str_eq(back.hid_consumer, cfg.hid_consumer);
	config_free(&back);
	free(out);
	config_free(&cfg);
	config_free(&cfg);   /* twice is harmless */
	config_defaults(&cfg);
}

/* target and layout go together: a name another target lacks is an error
 * naming the target; config_layout() gives the layout of both. */
Test(config, target_and_layout)
{
	cr_assert_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
	cr_assert_eq(config_layout(&cfg), layout_find(LAYOUT_LINUX, "us"));
	cr_assert_eq(config_set(&cfg, "target", "windows", &err), 0);
	cr_assert_eq(config_set(&cfg, "layout", "pt-br", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", &err);
	cr_expect_eq(config_layout(&cfg), layout_find(LAYOUT_WINDOWS, "pt-br"));
	cr_expect_str_eq(layout_source(config_layout(&cfg)), "pt-t-k0-windows");
	cr_assert_eq(config_set(&cfg, "layout", "us-colemak", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "layout: no layout named 'us-colemak' for target windows "
			 "(keymime-agent --list-layouts --target windows)");
	cr_expect_null(config_layout(&cfg));
	cr_assert_eq(config_set(&cfg, "target", "nope", &err), 0);
	cr_expect_null(config_layout(&cfg));
}

/* macro.NAME = JSON lines and --macro NAME=JSON: kept in order, a second
 * definition replaces the first, printed back as lines that read back. */
Test(config, macros)
{
	cr_assert_eq(parse("macro.login = {\"seq\":[{\"text\":\"root\"},{\"keys\":\"enter\"}]}\n"
			   "macro.boot-menu = {\"hold\":\"F12\",\"ms\":15000}\n"
			   "macro.login = {\"text\":\"a=b\"}\n"), 0, "%s", err.detail);
	cr_assert_eq(cfg.n_macros, 2);
	cr_expect_str_eq(cfg.macros[0].name, "login");
	cr_expect_str_eq(cfg.macros[0].json, "{\"text\":\"a=b\"}");
	cr_expect_str_eq(cfg.macros[1].name, "boot-menu");
	cr_expect_str_eq(cfg.macros[1].json, "{\"hold\":\"F12\",\"ms\":15000}");

	char *argv[] = { "keymime-agent", "--macro", "enter={\"keys\":\"enter\"}", NULL };
	struct config_cli cli = { 0 };
	cr_assert_eq(argv_pass(argv, true, &cli), 0, "%s", err.detail);
	cr_assert_eq(cfg.n_macros, 3);
	cr_expect_str_eq(cfg.macros[2].name, "enter");

	char *out = capture(print);
	cr_expect_not_null(strstr(out, "macro.boot-menu = {\"hold\":\"F12\",\"ms\":15000}\n"), "%s", out);
	struct config back;
	config_defaults(&back);
	cr_expect_eq(config_parse_text(&back, out, strlen(out), "printed", &err), 0, "%s", err.detail);
	cr_expect_eq(back.n_macros, 3);
	cr_expect_str_eq(back.macros[2].json, "{\"keys\":\"enter\"}");
	config_free(&back);
	free(out);
}

Test(config, macro_errors)
{
	static const struct { const char *text, *detail; } bad[] = {
		{ "macro. = {}\n", "test.conf:1: macro.: a macro name is [A-Za-z0-9_-]{1,64}" },
		{ "macro.a b = {}\n", "test.conf:1: macro.a b: a macro name is [A-Za-z0-9_-]{1,64}" },
		{ "macro.é = {}\n", "test.conf:1: macro.é: a macro name is [A-Za-z0-9_-]{1,64}" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		teardown();
		setup();
		cr_expect_eq(parse(bad[i].text), -EINVAL, "%s", bad[i].text);
		cr_expect_str_eq(err.detail, bad[i].detail);
	}
	char *argv[] = { "keymime-agent", "--macro", "no-equals", NULL };
	struct config_cli cli = { 0 };
	cr_expect_eq(argv_pass(argv, true, &cli), -EINVAL);
	cr_expect_str_eq(err.detail, "--macro: 'no-equals' is not NAME=JSON");
	/* At most CONFIG_MAX_MACROS. */
	for (int i = 0; i < CONFIG_MAX_MACROS; i++) {
		char name[16];
		snprintf(name, sizeof name, "m%d", i);
		cr_assert_eq(config_set_macro(&cfg, name, "{}", &err), 0);
	}
	cr_expect_eq(config_set_macro(&cfg, "m0", "{\"keys\":\"a\"}", &err), 0, "a redefinition is fine");
	cr_expect_eq(config_set_macro(&cfg, "one-more", "{}", &err), -EINVAL);
	cr_expect_str_eq(err.detail, "macro.one-more: more than 64 macros");
}

/* name and location: optional, empty by default, from the file and from argv. */
Test(config, name_and_location)
{
	cr_expect_str_eq(cfg.name, "");
	cr_expect_str_eq(cfg.location, "");
	cr_assert_eq(parse("name = \"Reception PC\"\nlocation = Front desk\n"), 0, "%s", err.detail);
	cr_expect_str_eq(cfg.name, "Reception PC");
	cr_expect_str_eq(cfg.location, "Front desk");
	char *argv[] = { "keymime-agent", "--name", "Kiosk 3", "--location=Lobby", NULL };
	struct config_cli cli = { 0 };
	cr_assert_eq(config_parse_argv(&cfg, 4, argv, true, &cli, &err), 0, "%s", err.detail);
	cr_expect_str_eq(cfg.name, "Kiosk 3");
	cr_expect_str_eq(cfg.location, "Lobby");
}

/* unicode_entry must be a method of the target; macos_keyboard_type ansi
 * (the default) or iso. */
Test(config, unicode_entry_and_macos_keyboard)
{
	cr_assert_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
	cr_expect_eq(config_unicode_entry(&cfg), UNICODE_ENTRY_NONE);
	cr_expect_not(config_macos_iso(&cfg));
	cr_assert_eq(config_set(&cfg, "unicode_entry", "linux-ibus", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
	cr_expect_eq(config_unicode_entry(&cfg), UNICODE_ENTRY_LINUX_IBUS);
	cr_assert_eq(config_set(&cfg, "target", "chromeos", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), 0, "linux-ibus on chromeos: %s", err.detail);
	cr_assert_eq(config_set(&cfg, "target", "macos", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "unicode_entry: linux-ibus is for target linux or chromeos, not macos");
	cr_assert_eq(config_set(&cfg, "unicode_entry", "MacOS-Hex", &err), 0);
	cr_assert_eq(config_set(&cfg, "macos_keyboard_type", "ISO", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
	cr_expect_eq(config_unicode_entry(&cfg), UNICODE_ENTRY_MACOS_HEX);
	cr_expect(config_macos_iso(&cfg));
}

Test(config, mqtt_version_auto_prints_back)
{
	char *out = capture(print);
	cr_expect_not_null(strstr(out, "mqtt_version = auto\n"), "%s", out);
	free(out);
	cr_assert_eq(config_set(&cfg, "mqtt_version", "4", &err), 0);
	out = capture(print);
	cr_expect_not_null(strstr(out, "mqtt_version = 4\n"), "%s", out);
	free(out);
	cr_expect_eq(config_set(&cfg, "mqtt_version", "six", &err), -EINVAL);
	cr_expect_str_eq(err.detail, "mqtt_version: 'six' is not auto or a whole number from 4 to 5");
}

/* keep_awake: off by default, F15 every 60 s; its key a keyboard chord. */
Test(config, keep_awake)
{
	cr_expect_not(cfg.keep_awake);
	cr_expect_str_eq(cfg.keep_awake_key, "F15");
	cr_expect_eq(cfg.keep_awake_interval_s, 60);
	cr_expect_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
	cr_assert_eq(parse("keep_awake = on\nkeep_awake_key = shift+F13\nkeep_awake_interval_s = 5\n"), 0,
		     "%s", err.detail);
	cr_expect(cfg.keep_awake);
	cr_expect_eq(config_validate(&cfg, &err), 0, "%s", err.detail);
	cr_expect_eq(parse("keep_awake_interval_s = 0\n"), -EINVAL);
	cr_assert_eq(parse("keep_awake_key = ctl\n"), 0);
	cr_expect_eq(config_validate(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "keep_awake_key: no key named 'ctl'");
	cr_assert_eq(parse("keep_awake_key = AudioVolumeUp\n"), 0);
	cr_expect_eq(config_validate(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "keep_awake_key: 'AudioVolumeUp' is a media key; use a keyboard "
				     "key that does nothing visible, such as F15");
}

Test(config, wake)
{
	cr_expect_str_eq(cfg.udc, "auto");
	cr_expect_str_eq(cfg.wake, "auto");
	cr_expect_eq(cfg.wake_timeout_ms, 10000);
	cr_expect_eq(config_set(&cfg, "device_id", "pi1", &err), 0);
	for (const char *const *v = (const char *const[]){ "auto", "on", "off", NULL }; *v; v++) {
		cr_assert_eq(config_set(&cfg, "wake", *v, &err), 0);
		cr_expect_eq(config_validate(&cfg, &err), 0, "%s: %s", *v, err.detail);
	}
	cr_assert_eq(config_set(&cfg, "wake", "yes", &err), 0);
	cr_expect_eq(config_validate(&cfg, &err), -EINVAL);
	cr_expect_str_eq(err.detail, "wake: 'yes' is not auto, on or off");
	cr_expect_eq(parse("wake_timeout_ms = 50\n"), -EINVAL);
}
