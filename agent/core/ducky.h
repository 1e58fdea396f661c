/* SPDX-License-Identifier: MIT */
/* ducky: DuckyScript 1.0 — the Rubber Ducky's language, which Flipper Zero's
 * BadUSB runs too — compiled into a command's actions. STRING and STRINGLN go
 * through the text compiler every text goes through (the command's layout and
 * target); DELAY, DEFAULT_DELAY, STRING_DELAY, REPEAT, HOLD/RELEASE and key
 * lines ("GUI r", "CTRL ALT DELETE") become pauses, holds and chords. The
 * whole script is checked before anything is typed and an error names its
 * line; DuckyScript 3 (IF, WHILE, VAR, ATTACKMODE, …) and device commands of
 * other gadgets are refused by name. Pure. docs/duckyscript.md. */
#ifndef KEYMIME_DUCKY_H
#define KEYMIME_DUCKY_H

#include <stddef.h>

#include "command.h"
#include "err.h"

/* Compile script (len bytes, borrowed, not NUL-terminated) and append it to
 * c's actions; c->layout is the layout its text is typed in. A line counts
 * as a step (max_steps; REPEAT n as n more), its text towards max_chars.
 * Returns 0, or -EINVAL with *err filled, the detail starting "line N: ":
 * bad_script (not DuckyScript: DELAY without a number…), unsupported_command,
 * unknown_key, untypable, bad_chord, too_many_keys, too_long, too_many_steps,
 * bad_value, bad_utf8, too_large. */
int ducky_compile(struct command *c, const char *script, size_t len,
		  const struct cmd_limits *lim, struct err *err);

/* A `script` topic payload: the whole command is the script, typed on l. */
int ducky_parse(struct command *c, const char *payload, size_t len, const struct layout *l,
		const struct cmd_limits *lim, struct err *err);

#endif
