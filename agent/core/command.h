/* SPDX-License-Identifier: MIT */
/* command: one validated command, compiled to a flat list of actions before
 * anything is typed, and the parsers that build it from the three command
 * topics (type: UTF-8 text, keys: chords, cmd: JSON). Pure; the only place
 * that reads JSON. */
#ifndef KEYMIME_COMMAND_H
#define KEYMIME_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hid_report.h"
#include "layout.h"
#include "unicode_entry.h"

enum act_kind {
	ACT_TAP,     /* one stroke of a character: press, release (exact modifiers) */
	ACT_CHORD,   /* keys pressed together then released (adds to held keys) */
	ACT_DELAY,   /* a pause */
	ACT_DOWN,    /* hold a key until ACT_UP, release_all or the hold timeout */
	ACT_UP,
	ACT_KEEP,    /* a pause that keeps the held keys on the host (u.delay_ms):
		      * `hold` is ACT_DOWN, ACT_KEEP, ACT_UP */
};

/* Keys pressed together: modifiers + up to 6 keys, or one consumer usage. */
struct chord {
	uint8_t mods;
	uint8_t n;
	uint8_t keys[HID_KBD_SLOTS];
	uint16_t consumer;           /* nonzero: a consumer-page key, alone */
};

struct action {
	uint8_t kind;                /* enum act_kind */
	bool end_of_char;            /* ACT_TAP: the stroke that completes a character */
	bool start_of_char;          /* ACT_TAP: the first stroke of a character */
	bool caps_blocked;           /* ACT_TAP: the character cannot be typed while
				      * Caps Lock is on (layout_entry.caps_ok) */
	bool caps_only;              /* ACT_TAP: only typed while Caps Lock is on
				      * (layout_lookup_caps_only: fr Ç) */
	bool entry;                  /* ACT_TAP: a stroke of a Unicode code entry
				      * (the character is counted as entered) */
	bool num_lock;               /* ACT_TAP: needs the host's Num Lock on (keypad digits) */
	uint8_t hold_mods;           /* ACT_TAP: modifiers kept down after the release,
				      * up to the character's last stroke (Alt, Option) */
	union {
		struct layout_stroke tap;
		struct chord chord;      /* ACT_CHORD, ACT_DOWN, ACT_UP (one key) */
		uint32_t delay_ms;
	} u;
};

enum cmd_type {
	CMD_RUN,            /* type the actions */
	CMD_CANCEL,         /* stop what is typing, drop the queue, release all */
	CMD_RELEASE_ALL,    /* the same, said as "release every key" */
	CMD_SET_LAYOUT,     /* change the device's default layout and target
			     * (set_layout, set_target: c->layout has both) */
	CMD_KEEP_AWAKE,     /* keep_awake on or off (c->keep_awake) */
	CMD_WAKE,           /* wake a computer that suspended the bus (queued) */
};

struct command {
	char *id;                    /* owned; NULL when the command carried none */
	enum cmd_type type;
	struct action *acts;         /* owned */
	size_t n_acts, cap_acts;
	size_t chars;                /* characters of text to type */
	size_t entered;              /* of them, typed through unicode_entry */
	size_t strokes;              /* key presses (taps + chords + downs) */
	int32_t delay_ms;            /* pace between keystrokes; -1 = device default */
	const struct layout *layout; /* the layout text was compiled for (static) */
	/* Set by the caller before parsing (the device's settings); a JSON
	 * command's "unicode_entry" replaces the first. */
	uint8_t unicode_entry;       /* enum unicode_entry: for characters no key
				      * makes; used only where it fits the target */
	bool macos_iso;              /* macOS treats the keyboard as ISO: text keys
				      * 0x35 and 0x64 are exchanged (macos_keyboard_type) */
	bool uses_consumer;          /* needs the consumer-control device */
	bool keep_awake;             /* CMD_KEEP_AWAKE: switch it on (or off) */
	/* Where the result goes besides keymime/<id>/result (MQTT v5). Owned. */
	char *response_topic;
	void *correlation;
	size_t correlation_len;
	uint64_t received_ns;        /* set by the caller, for "ms" in the result */
	const char *source;          /* the topic kind it came from ("type", …); static */
	unsigned cancel_gen;         /* the caller's cancel generation at intake */
};

struct config_macro;

/* What the parsers allow, and the macros {"macro":"NAME"} may run. */
struct cmd_limits {
	size_t max_payload;          /* bytes of one message */
	size_t max_chars;            /* characters of text in one command */
	size_t max_steps;            /* entries of a seq */
	uint32_t max_delay_ms;       /* one delay or pace value */
	uint32_t max_hold_ms;        /* the `ms` of one `hold` (0: no holds) */
	const struct config_macro *macros;   /* borrowed (config.h); NULL: none */
	size_t n_macros;
};

/* A new empty command (CMD_RUN, no actions, delay_ms -1). Never NULL. */
struct command *command_new(void);

/* Free c and everything it owns; NULL is fine. */
void command_free(struct command *c);

/* The entry method c's text uses: c->unicode_entry where it fits the target
 * of c->layout, else none. */
enum unicode_entry command_unicode_entry(const struct command *c);

/* Parse a payload of the `type` topic: UTF-8 text typed on layout l.
 * payload: borrowed, len bytes, not NUL-terminated. Returns 0, or -EINVAL
 * with *err filled; c may be partly filled either way and stays the caller's. */
int command_parse_text(struct command *c, const char *payload, size_t len,
		       const struct layout *l, const struct cmd_limits *lim,
		       struct err *err);

/* Parse a payload of the `keys` topic: chords separated by white space. */
int command_parse_keys(struct command *c, const char *payload, size_t len,
		       const struct cmd_limits *lim, struct err *err);

/* Parse a JSON command of the `cmd` topic. l: the device's current layout
 * (and so target), used unless the command names a layout or a target. On error c->id is still set when the
 * payload carried a usable id, so the error result can echo it. */
int command_parse_json(struct command *c, const char *payload, size_t len,
		       const struct layout *l, const struct cmd_limits *lim,
		       struct err *err);

/* Parse one chord ("ctrl+alt+delete") of len bytes into *out. */
int chord_parse(const char *s, size_t len, struct chord *out, struct err *err);

/* Add key k (named name, len bytes, for messages) to chord ch: a modifier, one
 * of six keys, or a media key alone. Returns 0 or -EINVAL (bad_chord,
 * too_many_keys). */
struct keymap_key;
int chord_add(struct chord *ch, const struct keymap_key *k, const char *name, size_t len,
	      struct err *err);

/* Internal to the parsers (command.c, command_json.c): append an action;
 * compile one text or keys step (text positions continue through *pos;
 * text uses c->unicode_entry and c->macos_iso); turn the untypable
 * characters collected in *err into the error. */
struct action *command_push_action(struct command *c, enum act_kind kind);
int command_compile_text_step(struct command *c, const char *s, size_t len, const struct layout *l,
			      const struct cmd_limits *lim, size_t *pos, struct err *err);
int command_compile_keys_step(struct command *c, const char *s, size_t len,
			      const struct cmd_limits *lim, struct err *err);
int command_finish_text(const struct command *c, struct err *err);

#endif
