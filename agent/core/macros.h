/* SPDX-License-Identifier: MIT */
/* macros: the named commands of the configuration (`macro.NAME = JSON`, kept
 * in struct config), checked whole at start the way every command is checked
 * before it is typed: a macro that could only ever fail is a configuration
 * error that names it. Pure. */
#ifndef KEYMIME_MACROS_H
#define KEYMIME_MACROS_H

#include "command.h"
#include "config.h"
#include "err.h"

/* The command limits c sets (max_payload, max_chars, …, its macros). The
 * macros are borrowed from c. */
void macros_limits(const struct config *c, struct cmd_limits *out);

/* Compile every macro of c for its layout and target. Returns 0, or -EINVAL
 * with *err filled (code "config"): "macro.NAME: <what is wrong> (<code>)". */
int macros_check(const struct config *c, struct err *err);

/* The macro names of c, NULL-terminated; the array is the caller's to free,
 * the names are borrowed from c. */
const char **macros_names(const struct config *c);

#endif
