/* SPDX-License-Identifier: MIT */
/* config: the agent's settings. One option table drives the config file
 * (`key = value`), the long options (--key or --key-with-dashes) and --help.
 * Pure: reading the file is the caller's job. */
#ifndef KEYMIME_CONFIG_H
#define KEYMIME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* A named command of the configuration (`macro.NAME = JSON`): run by
 * {"macro":"NAME"}, checked at start (macros.c). */
struct config_macro {
	char *name;               /* [A-Za-z0-9_-]{1,64} */
	char *json;               /* a JSON command that types */
};

#define CONFIG_MAX_MACROS 64

struct config {
	char *device_id;          /* [A-Za-z0-9_-]{1,64}; empty: the host name */
	char *broker;             /* tcp://host:1883, ssl://host:8883, ws://, wss://; several:
	                           * comma or space separated (config_broker_list) */
	char *client_id;          /* empty: keymime-<device_id> */
	char *username;
	char *password_file;      /* the password itself never appears in argv */
	char *cafile, *capath, *certfile, *keyfile;
	char *hid_keyboard;       /* /dev/hidg0, or a file/FIFO (simulated host) */
	char *hid_consumer;       /* /dev/hidg1; empty: no media keys */
	char *hid_keyboard_leds;  /* LED reports from here instead of hid_keyboard */
	char *layout;
	char *target;             /* linux, windows, macos, chromeos */
	char *unicode_entry;      /* none, linux-ibus, windows-altcode, windows-hex, macos-hex */
	char *macos_keyboard_type;   /* ansi, iso: what macOS was told the keyboard is */
	char *groups;             /* comma separated; "all" is always added */
	char *name;               /* what people call it ("Reception PC"); may be empty */
	char *location;           /* where it is ("Front desk"); may be empty */
	char *topic_prefix;
	bool ha_discovery;
	char *ha_prefix;
	char *ha_combos;
	char *log_level;          /* error, warning, info, debug */
	long mqtt_version;        /* 5, 4 (3.1.1), or 0: auto (5, else 3.1.1) */
	long keepalive_s;
	long reconnect_max_s;
	long delay_ms;            /* default pace between keystrokes */
	long rate_limit;          /* keystrokes per second; 0 = no limit */
	long hold_timeout_ms;     /* held keys released after this much silence */
	long max_hold_ms;         /* longest `hold` (a key held through a boot) */
	bool keep_awake;          /* tap keep_awake_key every keep_awake_interval_s */
	char *keep_awake_key;     /* a chord that does nothing visible (F15) */
	long keep_awake_interval_s;
	char *udc;                /* the USB device controller: auto, none, a name, a dir */
	char *wake;               /* remote wakeup: auto, on, off */
	long wake_timeout_ms;     /* how long a woken host may take to resume the bus */
	long write_timeout_ms;    /* a report the host does not take in time → disconnected */
	long queue_size;          /* commands waiting to be typed */
	long max_payload;         /* bytes in one message */
	long max_chars;           /* characters in one command */
	long max_steps;           /* steps in one seq / chords in one keys message */
	long status_interval_ms;  /* minimum time between status publications */
	long duplicate_window_s;  /* a cmd id + payload seen again within this: not typed */
	struct config_macro *macros;   /* owned, in the order first defined */
	size_t n_macros;
};

/* name and location: at most this many bytes of UTF-8, no control characters. */
#define CONFIG_LABEL_MAX 64

#define CONFIG_DEFAULT_PATH "/etc/keymime/agent.conf"

struct layout;

/* The layout c->layout names for target c->target; NULL when either is bad
 * (config_validate() says why). */
const struct layout *config_layout(const struct config *c);

/* c->unicode_entry as an enum unicode_entry (none when bad: config_validate()
 * says why). */
int config_unicode_entry(const struct config *c);

/* c->macos_keyboard_type is iso. */
bool config_macos_iso(const struct config *c);

/* Fill c with the defaults (all strings allocated). */
void config_defaults(struct config *c);
void config_free(struct config *c);

/* Set one option by name ("device_id" or "device-id"). value: borrowed.
 * Returns 0 or -EINVAL with *err filled (code "config"). */
int config_set(struct config *c, const char *key, const char *value, struct err *err);

/* Define (or redefine) macro name as json (both copied). Only the name is
 * checked here; macros_check() compiles them all. Returns 0 or -EINVAL. */
int config_set_macro(struct config *c, const char *name, const char *json, struct err *err);

/* Apply a config file's text. source names it in errors. */
int config_parse_text(struct config *c, const char *text, size_t len, const char *source,
		      struct err *err);

/* What main needs to do besides running. */
struct config_cli {
	const char *config_path;  /* --config, or NULL */
	bool check_only;          /* --check-config */
	bool help, version;
	bool list_layouts, json;  /* --list-layouts [--json] (of the target in effect) */
};

/* Parse argv. First pass (apply=false) only fills cli (so the file can be read
 * before the options that override it); second pass (apply=true) applies the
 * options to c. Returns 0 or -EINVAL with *err filled (code "config"). */
int config_parse_argv(struct config *c, int argc, char **argv, bool apply,
		      struct config_cli *cli, struct err *err);

/* Check values that depend on each other. Returns 0 or -EINVAL. */
int config_validate(const struct config *c, struct err *err);

/* Split groups into a NULL-terminated array with "all" first, no duplicates.
 * The caller frees each string and the array. */
char **config_group_list(const struct config *c, size_t *n);

/* Split broker into its URIs (comma or white space separated), in order:
 * a NULL-terminated array; the caller frees each string and the array. */
char **config_broker_list(const struct config *c, size_t *n);

void config_print_help(FILE *out, const char *argv0);

/* Write the effective configuration (secrets are file names, so printable). */
void config_print(FILE *out, const struct config *c);

#endif
