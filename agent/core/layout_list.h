/* SPDX-License-Identifier: MIT */
/* layout_list: what `keymime-agent --list-layouts` prints about the layouts
 * of a target — name, source, description, characters and how they are
 * typed — as a table or as JSON; docs/layouts.md is generated from the JSON.
 * Pure module. */
#ifndef KEYMIME_LAYOUT_LIST_H
#define KEYMIME_LAYOUT_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"

/* What is said about one layout. */
struct layout_info {
	size_t characters;       /* what layout_lookup() finds: \n, \t and space included */
	size_t dead_keys;        /* of them, typed with a dead-key sequence */
	size_t caps_blocked;     /* of them, typed with Caps Lock tapped off around them */
	size_t caps_only;        /* typed only with Caps Lock on (not in characters) */
};

void layout_info(const struct layout *l, struct layout_info *out);

/* The layouts of target t, in the agent's order: with json, a JSON array of
 * objects {name, target, source, description, characters, dead_keys,
 * caps_blocked, caps_only (the characters, a string)}; else a table with a
 * header line, one layout a line. The caller frees the string. */
char *layout_list(enum layout_target t, bool json);

#endif
