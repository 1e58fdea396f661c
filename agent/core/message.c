/* SPDX-License-Identifier: MIT */
/* message: result and status JSON. */
#include "message.h"

#include <json-c/json.h>

#include "utf8.h"
#include "xalloc.h"

static char *finish(json_object *o)
{
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static json_object *bad_chars(const struct cmd_error *e)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < e->n_bad; i++) {
		char ch[5];
		json_object *o = json_object_new_object();
		utf8_encode(e->bad[i].cp, ch);
		json_object_object_add(o, "char", json_object_new_string(ch));
		json_object_object_add(o, "codepoint", json_object_new_int64(e->bad[i].cp));
		json_object_object_add(o, "pos", json_object_new_int64(e->bad[i].pos));
		json_object_array_add(a, o);
	}
	return a;
}

char *message_result(const struct result_info *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", r->id ? json_object_new_string(r->id) : NULL);
	json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
	if (!r->ok) {
		json_object_object_add(o, "error", json_object_new_string(r->error));
		json_object_object_add(o, "detail", json_object_new_string(r->detail ? r->detail : ""));
	}
	if (r->source)
		json_object_object_add(o, "source", json_object_new_string(r->source));
	if (r->layout)
		json_object_object_add(o, "layout", json_object_new_string(r->layout));
	json_object_object_add(o, "chars", json_object_new_int64((int64_t)r->chars));
	json_object_object_add(o, "keys", json_object_new_int64((int64_t)r->strokes));
	if (r->ms >= 0)
		json_object_object_add(o, "ms", json_object_new_int64(r->ms));
	if (r->dropped)
		json_object_object_add(o, "dropped", json_object_new_int64((int64_t)r->dropped));
	if (r->bad && r->bad->n_bad) {
		json_object_object_add(o, "untypable", bad_chars(r->bad));
		json_object_object_add(o, "untypable_total", json_object_new_int64((int64_t)r->bad->n_bad_total));
	}
	return finish(o);
}

static json_object *leds(const struct status_info *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "num_lock", json_object_new_boolean(s->leds.num_lock));
	json_object_object_add(o, "caps_lock", json_object_new_boolean(s->leds.caps_lock));
	json_object_object_add(o, "scroll_lock", json_object_new_boolean(s->leds.scroll_lock));
	json_object_object_add(o, "known", json_object_new_boolean(s->leds_known));
	return o;
}

static json_object *counters(const struct status_counters *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "commands", json_object_new_int64((int64_t)c->commands));
	json_object_object_add(o, "ok", json_object_new_int64((int64_t)c->ok));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)c->errors));
	json_object_object_add(o, "rejected", json_object_new_int64((int64_t)c->rejected));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)c->dropped));
	json_object_object_add(o, "chars", json_object_new_int64((int64_t)c->chars));
	json_object_object_add(o, "reports", json_object_new_int64((int64_t)c->reports));
	return o;
}

char *message_status(const struct status_info *s)
{
	json_object *o = json_object_new_object();
	json_object *g = json_object_new_array();

	for (size_t i = 0; s->groups && s->groups[i]; i++)
		json_object_array_add(g, json_object_new_string(s->groups[i]));
	json_object_object_add(o, "device_id", json_object_new_string(s->device_id));
	json_object_object_add(o, "version", json_object_new_string(s->version));
	json_object_object_add(o, "layout", json_object_new_string(s->layout));
	json_object_object_add(o, "groups", g);
	json_object_object_add(o, "host", json_object_new_string(s->host));
	json_object_object_add(o, "leds", leds(s));
	json_object_object_add(o, "busy", json_object_new_boolean(s->busy));
	json_object_object_add(o, "queue", json_object_new_int64((int64_t)s->queue));
	json_object_object_add(o, "queue_size", json_object_new_int64((int64_t)s->queue_size));
	json_object_object_add(o, "media_keys", json_object_new_boolean(s->consumer));
	json_object_object_add(o, "uptime_s", json_object_new_int64(s->uptime_s));
	json_object_object_add(o, "counters", counters(&s->counters));
	return finish(o);
}
