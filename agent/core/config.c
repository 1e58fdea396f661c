/* SPDX-License-Identifier: MIT */
/* config: the option table and the parsers it drives. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "layout.h"
#include "topics.h"
#include "utf8.h"
#include "unicode_entry.h"
#include "xalloc.h"

enum opt_type { OPT_STR, OPT_LONG, OPT_BOOL };

struct option_def {
	const char *name;
	enum opt_type type;
	size_t offset;
	long min, max;
	const char *def;
	const char *help;
	const char *zero_word;   /* OPT_LONG: a word that stands for 0 ("auto"), or NULL */
};

#define S(f, d, h) { #f, OPT_STR, offsetof(struct config, f), 0, 0, d, h, NULL }
#define L(f, lo, hi, d, h) { #f, OPT_LONG, offsetof(struct config, f), lo, hi, d, h, NULL }
#define B(f, d, h) { #f, OPT_BOOL, offsetof(struct config, f), 0, 1, d, h, NULL }
/* A whole number, or the word w for 0. */
#define LW(f, lo, hi, w, d, h) { #f, OPT_LONG, offsetof(struct config, f), lo, hi, d, h, w }

static const struct option_def options[] = {
	S(device_id, "", "device id, [A-Za-z0-9_-]{1,64} (default: host name)"),
	S(broker, "tcp://localhost:1883", "broker URI(s): tcp://, ssl://, ws://, wss://; several "
	  "(comma or space separated): the next is tried when one fails"),
	S(client_id, "", "MQTT client id (default: keymime-<device_id>)"),
	S(username, "", "MQTT user name"),
	S(password_file, "", "file holding the MQTT password (mode 0600)"),
	S(cafile, "", "CA certificate(s) to trust for TLS"),
	S(capath, "", "directory of CA certificates for TLS"),
	S(certfile, "", "client certificate for TLS"),
	S(keyfile, "", "client private key for TLS (mode 0600)"),
	S(hid_keyboard, "/dev/hidg0", "keyboard HID device, or a file/FIFO"),
	S(hid_consumer, "/dev/hidg1", "consumer-control HID device ('' = none)"),
	S(hid_keyboard_leds, "", "read LED reports from here (simulated hosts)"),
	S(layout, "us", "the target computer's keyboard layout"),
	S(target, "linux", "the target computer's system: linux, windows, macos, chromeos"),
	S(unicode_entry, "none", "characters no key makes: none, linux-ibus, windows-altcode, "
	  "windows-hex, macos-hex"),
	S(macos_keyboard_type, "ansi", "what macOS was told the keyboard is: ansi or iso"),
	S(groups, "", "comma-separated groups besides 'all'"),
	S(name, "", "a name people know it by, e.g. 'Reception PC' (status, dashboard, Home Assistant)"),
	S(location, "", "where it is, e.g. 'Front desk' (status, dashboard, Home Assistant area)"),
	S(topic_prefix, "keymime", "first level of every topic"),
	B(ha_discovery, "on", "publish Home Assistant discovery (on/off)"),
	S(ha_prefix, "homeassistant", "Home Assistant discovery prefix"),
	S(ha_combos, "", "Home Assistant buttons: Name=chord, ..."),
	S(log_level, "info", "error, warning, info or debug"),
	LW(mqtt_version, 4, 5, "auto", "auto", "MQTT protocol: auto (5, or 3.1.1 with a broker "
	   "that refuses 5), 5, or 4 for 3.1.1"),
	L(keepalive_s, 2, 3600, "30", "MQTT keepalive (seconds)"),
	L(reconnect_max_s, 1, 600, "30", "longest wait between reconnects (seconds)"),
	L(delay_ms, 0, 10000, "0", "default pause between keystrokes (ms)"),
	L(rate_limit, 0, 100000, "0", "most keystrokes per second (0 = no limit)"),
	L(hold_timeout_ms, 100, 600000, "5000", "release held keys after this (ms)"),
	L(max_hold_ms, 1000, 600000, "60000", "longest 'hold' of a key, e.g. for a boot menu (ms)"),
	B(keep_awake, "off", "keep the computer awake: tap keep_awake_key when idle (on/off)"),
	S(keep_awake_key, "F15", "the key keep_awake taps: one that does nothing visible"),
	L(keep_awake_interval_s, 1, 86400, "60", "keep_awake taps after this much idle time (s)"),
	S(udc, "auto", "USB device controller for remote wakeup: auto, none or a name"),
	S(wake, "auto", "wake a suspended computer before typing: auto, on or off"),
	L(wake_timeout_ms, 100, 120000, "10000", "a woken computer must resume within (ms)"),
	L(write_timeout_ms, 10, 60000, "1000", "host must take a report within (ms)"),
	L(queue_size, 1, 10000, "64", "commands waiting to be typed"),
	L(max_payload, 64, 16777216, "262144", "largest message (bytes)"),
	L(max_chars, 1, 1048576, "65536", "most characters in one command"),
	L(max_steps, 1, 100000, "1000", "most steps in a seq or chords in keys"),
	L(status_interval_ms, 0, 60000, "250", "least time between status updates (ms)"),
	L(duplicate_window_s, 0, 3600, "0", "a cmd with an id, again with the same bytes within "
	  "this (s): a redelivery, not typed (0 = off; needs unique ids)"),
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static const struct option_def *find_option(const char *key)
{
	char norm[64];
	size_t n = strlen(key);

	if (n >= sizeof norm)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		norm[i] = key[i] == '-' ? '_' : key[i];
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (!strcmp(options[i].name, norm))
			return &options[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

static int set_value(struct config *c, const struct option_def *o, const char *v,
		     struct err *err)
{
	char *p = (char *)c + o->offset;
	char *end;

	switch (o->type) {
	case OPT_STR:
		free(*(char **)p);
		*(char **)p = xstrdup(v);
		return 0;
	case OPT_BOOL:
		if (parse_bool(v, (bool *)p))
			return err_fail(err, "config", "%s: '%s' is not on or off", o->name, v);
		return 0;
	case OPT_LONG:
		if (o->zero_word && !strcasecmp(v, o->zero_word))
			return *(long *)p = 0, 0;
		errno = 0;
		long x = strtol(v, &end, 10);
		if (errno || end == v || *end || x < o->min || x > o->max)
			return err_fail(err, "config", "%s: '%s' is not %s%sa whole number from %ld to %ld",
					o->name, v, o->zero_word ? o->zero_word : "",
					o->zero_word ? " or " : "", o->min, o->max);
		*(long *)p = x;
		return 0;
	}
	return -EINVAL;
}

int config_set_macro(struct config *c, const char *name, const char *json, struct err *err)
{
	if (!topics_valid_id(name))
		return err_fail(err, "config", "macro.%.64s: a macro name is [A-Za-z0-9_-]{1,64}", name);
	for (size_t i = 0; i < c->n_macros; i++)
		if (!strcmp(c->macros[i].name, name)) {
			free(c->macros[i].json);
			c->macros[i].json = xstrdup(json);
			return 0;
		}
	if (c->n_macros == CONFIG_MAX_MACROS)
		return err_fail(err, "config", "macro.%s: more than %d macros", name, CONFIG_MAX_MACROS);
	c->macros = xreallocarray(c->macros, c->n_macros + 1, sizeof *c->macros);
	c->macros[c->n_macros++] = (struct config_macro){ xstrdup(name), xstrdup(json) };
	return 0;
}

/* --macro NAME=JSON */
static int set_macro_arg(struct config *c, const char *arg, struct err *err)
{
	const char *eq = strchr(arg, '=');

	if (!eq)
		return err_fail(err, "config", "--macro: '%.64s' is not NAME=JSON", arg);
	char *name = xstrndup(arg, (size_t)(eq - arg));
	int r = config_set_macro(c, name, eq + 1, err);
	free(name);
	return r;
}

int config_set(struct config *c, const char *key, const char *value, struct err *err)
{
	const struct option_def *o = find_option(key);

	if (!strncmp(key, "macro.", 6))
		return config_set_macro(c, key + 6, value, err);
	if (!o)
		return err_fail(err, "config", "unknown option '%s'", key);
	return set_value(c, o, value, err);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < N_OPTIONS; i++)
		set_value(c, &options[i], options[i].def, NULL);   /* the defaults are valid */
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->n_macros; i++)
		free(c->macros[i].name), free(c->macros[i].json);
	free(c->macros);
	c->macros = NULL, c->n_macros = 0;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].type == OPT_STR) {
			char **p = (char **)((char *)c + options[i].offset);
			free(*p);
			*p = NULL;
		}
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\r", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Strip one pair of matching quotes so `layout = "de"` works too. */
static char *unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static int parse_line(struct config *c, char *line, const char *source, int lineno,
		      struct err *err)
{
	char *s = trim(line), *eq;

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (!(eq = strchr(s, '=')))
		return err_fail(err, "config", "%s:%d: expected 'key = value'", source, lineno);
	*eq = '\0';
	char *key = trim(s), *value = unquote(trim(eq + 1));
	struct err why;
	if (config_set(c, key, value, &why))
		return err_fail(err, "config", "%.60s:%d: %.300s", source, lineno, why.detail);
	return 0;
}

int config_parse_text(struct config *c, const char *text, size_t len, const char *source,
		      struct err *err)
{
	char *buf = xstrndup(text, len), *save = NULL;
	int lineno = 0, r = 0;

	/* strtok_r would merge empty lines and break line numbers: split by hand. */
	for (char *line = buf; line && !r; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		r = parse_line(c, line, source, ++lineno, err);
	}
	free(buf);
	return r;
}

enum { CLI_CONFIG = 1000, CLI_CHECK, CLI_HELP, CLI_VERSION, CLI_PASSWORD, CLI_MACRO, CLI_LIST,
       CLI_JSON,
       CLI_BASE = 2000 };

/* getopt_long's table: every option under its dashed and its underscored name. */
static struct option *long_options(char names[][64])
{
	struct option *lo = xcalloc(2 * N_OPTIONS + 9, sizeof *lo);
	size_t n = 0;

	for (size_t i = 0; i < N_OPTIONS; i++) {
		for (size_t j = 0; options[i].name[j]; j++)
			names[i][j] = options[i].name[j] == '_' ? '-' : options[i].name[j];
		lo[n++] = (struct option){ names[i], required_argument, NULL, (int)(CLI_BASE + i) };
		lo[n++] = (struct option){ options[i].name, required_argument, NULL, (int)(CLI_BASE + i) };
	}
	lo[n++] = (struct option){ "config", required_argument, NULL, CLI_CONFIG };
	lo[n++] = (struct option){ "check-config", no_argument, NULL, CLI_CHECK };
	lo[n++] = (struct option){ "help", no_argument, NULL, CLI_HELP };
	lo[n++] = (struct option){ "version", no_argument, NULL, CLI_VERSION };
	lo[n++] = (struct option){ "list-layouts", no_argument, NULL, CLI_LIST };
	lo[n++] = (struct option){ "json", no_argument, NULL, CLI_JSON };
	/* An exact entry, or getopt_long would take --password as an abbreviation
	 * of --password-file and the secret would be used as a file name. */
	lo[n++] = (struct option){ "password", required_argument, NULL, CLI_PASSWORD };
	lo[n++] = (struct option){ "macro", required_argument, NULL, CLI_MACRO };
	return lo;
}

static int one_option(struct config *c, int opt, bool apply, struct config_cli *cli,
		      struct err *err)
{
	switch (opt) {
	case CLI_CONFIG: cli->config_path = optarg; return 0;
	case CLI_CHECK: cli->check_only = true; return 0;
	case CLI_LIST: cli->list_layouts = true; return 0;
	case CLI_JSON: cli->json = true; return 0;
	case CLI_PASSWORD:
		return err_fail(err, "config", "--password: secrets are read from files, use --password-file");
	case 'h':
	case CLI_HELP: cli->help = true; return 0;
	case 'V':
	case CLI_VERSION: cli->version = true; return 0;
	case 'c': cli->config_path = optarg; return 0;
	case CLI_MACRO: return apply ? set_macro_arg(c, optarg, err) : 0;
	}
	if (opt >= CLI_BASE && opt < CLI_BASE + (int)N_OPTIONS)
		return apply ? set_value(c, &options[opt - CLI_BASE], optarg, err) : 0;
	return err_fail(err, "config", "unknown or incomplete option (see --help)");
}

int config_parse_argv(struct config *c, int argc, char **argv, bool apply,
		      struct config_cli *cli, struct err *err)
{
	static char names[N_OPTIONS][64];
	struct option *lo = long_options(names);
	int opt, r = 0;

	optind = 0;   /* glibc: 0 re-initialises, so the second pass starts over */
	opterr = 0;
	while (!r && (opt = getopt_long(argc, argv, "c:hV", lo, NULL)) != -1)
		r = one_option(c, opt, apply, cli, err);
	if (!r && optind < argc)
		r = err_fail(err, "config", "unexpected argument '%s'", argv[optind]);
	free(lo);
	return r;
}

static int check_groups(const struct config *c, struct err *err)
{
	size_t n;
	char **g = config_group_list(c, &n);
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		if (!r && !topics_valid_id(g[i]))
			r = err_fail(err, "config", "groups: '%.64s' is not a valid group name "
				     "([A-Za-z0-9_-]{1,64})", g[i]);
		free(g[i]);
	}
	free(g);
	return r;
}

/* TLS files with a plain-text URI would be silently unused: never that. */
static bool uri_is_tls(const char *uri)
{
	return !strncmp(uri, "ssl://", 6) || !strncmp(uri, "mqtts://", 8) ||
	       !strncmp(uri, "wss://", 6);
}

/* name/location: printable UTF-8, at most CONFIG_LABEL_MAX bytes. */
static int check_label(const char *key, const char *v, struct err *err)
{
	size_t n = strlen(v), bad;

	if (n > CONFIG_LABEL_MAX)
		return err_fail(err, "config", "%s: %zu bytes, at most %d", key, n, CONFIG_LABEL_MAX);
	if (utf8_validate(v, n, &bad))
		return err_fail(err, "config", "%s: not UTF-8 (byte %zu)", key, bad);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return err_fail(err, "config", "%s: a control character at byte %zu", key, i);
	return 0;
}

/* unicode_entry names a method of the target; macos_keyboard_type is one. */
static int check_entry(const struct config *c, enum layout_target t, struct err *err)
{
	enum unicode_entry m;

	if (unicode_entry_parse(c->unicode_entry, &m) < 0)
		return err_fail(err, "config", "unicode_entry: '%s' is not none, linux-ibus, "
				"windows-altcode, windows-hex or macos-hex", c->unicode_entry);
	if (!unicode_entry_fits(m, t))
		return err_fail(err, "config", "unicode_entry: %s is for target %s, not %s",
				unicode_entry_name(m), unicode_entry_targets(m), c->target);
	if (strcasecmp(c->macos_keyboard_type, "ansi") && strcasecmp(c->macos_keyboard_type, "iso"))
		return err_fail(err, "config", "macos_keyboard_type: '%s' is not ansi or iso",
				c->macos_keyboard_type);
	return 0;
}

static bool valid_uri(const char *u)
{
	static const char *const schemes[] = { "tcp://", "ssl://", "mqtt://", "mqtts://", "ws://", "wss://" };

	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (!strncmp(u, schemes[i], strlen(schemes[i])) && u[strlen(schemes[i])])
			return true;
	return false;
}

static int check_brokers(const struct config *c, struct err *err)
{
	size_t n;
	char **list = config_broker_list(c, &n);
	int r = n ? 0 : err_fail(err, "config", "broker: no URI given");
	bool tls_files = *c->cafile || *c->certfile || *c->keyfile;

	for (size_t i = 0; i < n; i++) {
		if (!r && !valid_uri(list[i]))
			r = err_fail(err, "config", "broker: '%.200s' must start with tcp://, ssl://, "
				     "ws:// or wss://", list[i]);
		/* Every one: a plain one would send the password in clear text. */
		if (!r && tls_files && !uri_is_tls(list[i]))
			r = err_fail(err, "config", "broker: '%.200s' is plain text, but cafile/"
				     "certfile/keyfile are set: use ssl:// (or mqtts://, wss://)", list[i]);
		free(list[i]);
	}
	free(list);
	return r;
}

/* A keyboard chord (a media key would not keep every computer awake, and
 * changes the volume on some). */
static int check_keep_awake_key(const struct config *c, struct err *err)
{
	struct chord ch;
	struct err why;

	if (chord_parse(c->keep_awake_key, strlen(c->keep_awake_key), &ch, &why))
		return err_fail(err, "config", "keep_awake_key: %.300s", why.detail);
	if (ch.consumer)
		return err_fail(err, "config", "keep_awake_key: '%.64s' is a media key; use a keyboard "
				"key that does nothing visible, such as F15", c->keep_awake_key);
	return 0;
}

int config_validate(const struct config *c, struct err *err)
{
	if (!topics_valid_id(c->device_id))
		return err_fail(err, "config", "device_id: '%s' is not [A-Za-z0-9_-]{1,64}",
				c->device_id);
	if (!topics_valid_device_id(c->device_id))
		return err_fail(err, "config", "device_id: '%s' names the group topics "
				"(<prefix>/group/…): choose another", c->device_id);
	enum layout_target t;
	if (layout_target_parse(c->target, &t) < 0)
		return err_fail(err, "config", "target: '%s' is not linux, windows, macos or chromeos",
				c->target);
	if (!layout_find(t, c->layout))
		return err_fail(err, "config", "layout: no layout named '%s' for target %s "
				"(keymime-agent --list-layouts --target %s)", c->layout, c->target,
				c->target);
	int r = check_entry(c, t, err);
	if (r)
		return r;
	if (!topics_valid_prefix(c->topic_prefix))
		return err_fail(err, "config", "topic_prefix: '%s' is not a plain topic path",
				c->topic_prefix);
	if (!topics_valid_prefix(c->ha_prefix))
		return err_fail(err, "config", "ha_prefix: '%s' is not a plain topic path",
				c->ha_prefix);
	if (!*c->hid_keyboard)
		return err_fail(err, "config", "hid_keyboard: a path is required");
	if (*c->certfile && !*c->keyfile)
		return err_fail(err, "config", "certfile needs keyfile");
	if (check_brokers(c, err))
		return -EINVAL;
	if (*c->password_file && !*c->username)
		return err_fail(err, "config", "password_file needs username");
	if (check_label("name", c->name, err) || check_label("location", c->location, err))
		return -EINVAL;
	if (check_keep_awake_key(c, err))
		return -EINVAL;
	if (strcmp(c->wake, "auto") && strcmp(c->wake, "on") && strcmp(c->wake, "off"))
		return err_fail(err, "config", "wake: '%.64s' is not auto, on or off", c->wake);
	return check_groups(c, err);
}

static void add_group(char ***list, size_t *n, const char *s, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*list)[i]) == len && !strncmp((*list)[i], s, len))
			return;
	*list = xreallocarray(*list, *n + 2, sizeof **list);
	(*list)[(*n)++] = xstrndup(s, len);
	(*list)[*n] = NULL;
}

char **config_group_list(const struct config *c, size_t *n)
{
	char **list = NULL;
	const char *p = c->groups;

	*n = 0;
	add_group(&list, n, "all", 3);
	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		size_t len = strcspn(p, ",");
		while (len && p[len - 1] == ' ')
			len--;
		if (len)
			add_group(&list, n, p, len);
		p += strcspn(p, ",");
	}
	return list;
}

char **config_broker_list(const struct config *c, size_t *n)
{
	char **list = xcalloc(1, sizeof *list);
	const char *p = c->broker;

	*n = 0;
	for (;;) {
		p += strspn(p, ", \t");
		size_t len = strcspn(p, ", \t");
		if (!len)
			return list;
		list = xreallocarray(list, *n + 2, sizeof *list);
		list[(*n)++] = xstrndup(p, len);
		list[*n] = NULL;
		p += len;
	}
}

void config_print_help(FILE *out, const char *argv0)
{
	fprintf(out, "Usage: %s [--config FILE] [--check-config] [options]\n\n"
		"Types what MQTT tells it on a USB HID keyboard gadget.\n"
		"Every option is also a config file key (key = value; dashes or underscores).\n"
		"Secrets are read from files (password_file, keyfile), never from the command line.\n\n"
		"  -c, --config FILE        config file (default %s if it exists)\n"
		"      --check-config       check the configuration and exit\n"
		"      --list-layouts       list the layouts of the target (--target) and exit;\n"
		"                           with --json as JSON (name, source, description,\n"
		"                           characters, ...)\n"
		"  -h, --help               this help\n"
		"  -V, --version            print the version\n"
		"      --macro NAME=JSON    a macro (config file: macro.NAME = JSON), run by\n"
		"                           {\"macro\":\"NAME\"}; may be repeated\n\n",
		argv0, CONFIG_DEFAULT_PATH);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		char name[64];
		size_t j;
		for (j = 0; options[i].name[j]; j++)
			name[j] = options[i].name[j] == '_' ? '-' : options[i].name[j];
		name[j] = '\0';
		fprintf(out, "      --%-22s %s", name, options[i].help);
		if (*options[i].def)
			fprintf(out, " [%s]", options[i].def);
		fputc('\n', out);
	}
}

void config_print(FILE *out, const struct config *c)
{
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *p = (const char *)c + options[i].offset;
		fprintf(out, "%s = ", options[i].name);
		if (options[i].type == OPT_STR)
			fprintf(out, "%s\n", *(char *const *)p);
		else if (options[i].type == OPT_BOOL)
			fprintf(out, "%s\n", *(const bool *)p ? "on" : "off");
		else if (options[i].zero_word && !*(const long *)p)
			fprintf(out, "%s\n", options[i].zero_word);
		else
			fprintf(out, "%ld\n", *(const long *)p);
	}
	for (size_t i = 0; i < c->n_macros; i++)
		fprintf(out, "macro.%s = %s\n", c->macros[i].name, c->macros[i].json);
}

const struct layout *config_layout(const struct config *c)
{
	enum layout_target t;

	if (layout_target_parse(c->target, &t) < 0)
		return NULL;
	return layout_find(t, c->layout);
}

int config_unicode_entry(const struct config *c)
{
	enum unicode_entry m;

	return unicode_entry_parse(c->unicode_entry, &m) < 0 ? UNICODE_ENTRY_NONE : (int)m;
}

bool config_macos_iso(const struct config *c)
{
	return !strcasecmp(c->macos_keyboard_type, "iso");
}
