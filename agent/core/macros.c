/* SPDX-License-Identifier: MIT */
/* macros: limits, checks and names of the configured macros. */
#include "macros.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

void macros_limits(const struct config *c, struct cmd_limits *out)
{
	*out = (struct cmd_limits){
		.max_payload = (size_t)c->max_payload, .max_chars = (size_t)c->max_chars,
		.max_steps = (size_t)c->max_steps, .max_delay_ms = 60000,
		.max_hold_ms = (uint32_t)c->max_hold_ms,
		.macros = c->macros, .n_macros = c->n_macros,
	};
}

/* A macro runs as {"macro":"NAME"} does: the same parser, the same limits,
 * the device's unicode_entry. */
static int check_one(const struct config_macro *m, const struct layout *l, int entry,
		     const struct cmd_limits *lim, struct err *err)
{
	char *payload = str_printf("{\"macro\":\"%s\"}", m->name);   /* names need no escaping */
	struct command *c = command_new();
	struct err e = { 0 };
	c->unicode_entry = (uint8_t)entry;
	int r = command_parse_json(c, payload, strlen(payload), l, lim, &e);

	command_free(c);
	free(payload);
	if (r)
		return err_fail(err, "config", "macro.%.64s: %.280s (%s)", m->name, e.detail, e.code);
	return 0;
}

int macros_check(const struct config *c, struct err *err)
{
	struct cmd_limits lim;
	const struct layout *l = config_layout(c);
	int r;

	if (!l)
		return 0;   /* config_validate() says what is wrong with the layout */
	macros_limits(c, &lim);
	for (size_t i = 0; i < c->n_macros; i++)
		if ((r = check_one(&c->macros[i], l, config_unicode_entry(c), &lim, err)))
			return r;
	return 0;
}

const char **macros_names(const struct config *c)
{
	const char **names = xcalloc(c->n_macros + 1, sizeof *names);

	for (size_t i = 0; i < c->n_macros; i++)
		names[i] = c->macros[i].name;
	return names;
}
