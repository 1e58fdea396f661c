/* SPDX-License-Identifier: MIT */
/* layout_list: the --list-layouts output. */
#include "layout_list.h"

#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "strbuf.h"
#include "utf8.h"

void layout_info(const struct layout *l, struct layout_info *out)
{
	struct layout_entry e;

	*out = (struct layout_info){ .characters = layout_char_count(l) };
	for (size_t i = 0; layout_entry_at(l, i, &e); i++) {
		out->caps_only += e.caps_only;
		out->dead_keys += !e.caps_only && e.n > 1;
		out->caps_blocked += !e.caps_only && !e.caps_ok;
	}
}

/* The characters only Caps Lock reaches, as UTF-8; the caller frees. */
static char *caps_only_chars(const struct layout *l)
{
	struct strbuf sb = STRBUF_INIT;
	struct layout_entry e;
	char ch[5];

	for (size_t i = 0; layout_entry_at(l, i, &e); i++)
		if (e.caps_only) {
			utf8_encode(e.cp, ch);
			sb_add(&sb, ch);
		}
	return sb_steal(&sb);
}

static json_object *layout_json(const struct layout *l)
{
	json_object *o = jx_object();
	struct layout_info in;
	char *only = caps_only_chars(l);

	layout_info(l, &in);
	jx_str(o, "name", layout_name(l));
	jx_str(o, "target", layout_target_name(layout_target(l)));
	jx_str(o, "source", layout_source(l));
	jx_str(o, "description", layout_description(l));
	jx_int(o, "characters", (int64_t)in.characters);
	jx_int(o, "dead_keys", (int64_t)in.dead_keys);
	jx_int(o, "caps_blocked", (int64_t)in.caps_blocked);
	jx_str(o, "caps_only", only);
	free(only);
	return o;
}

static char *list_json(enum layout_target t)
{
	json_object *a = jx_array();

	for (size_t i = 0; i < layout_count(t); i++)
		jx_push(a, layout_json(layout_at(t, i)));
	return jx_finish(a);
}

/* Columns wide enough for the longest name and source of the target. */
static char *list_text(enum layout_target t)
{
	struct strbuf sb = STRBUF_INIT;
	int wn = 4, ws = 6;

	for (size_t i = 0; i < layout_count(t); i++) {
		int n = (int)strlen(layout_name(layout_at(t, i))), s = (int)strlen(layout_source(layout_at(t, i)));
		wn = n > wn ? n : wn;
		ws = s > ws ? s : ws;
	}
	sb_addf(&sb, "%-*s  %-*s  %10s  %s\n", wn, "NAME", ws, "SOURCE", "CHARACTERS", "DESCRIPTION");
	for (size_t i = 0; i < layout_count(t); i++) {
		const struct layout *l = layout_at(t, i);
		sb_addf(&sb, "%-*s  %-*s  %10zu  %s\n", wn, layout_name(l), ws, layout_source(l),
			layout_char_count(l), layout_description(l));
	}
	return sb_steal(&sb);
}

char *layout_list(enum layout_target t, bool json)
{
	return json ? list_json(t) : list_text(t);
}
