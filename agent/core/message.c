/* SPDX-License-Identifier: MIT */
/* message: result and status JSON. */
#include "message.h"

#include "jsonx.h"
#include "utf8.h"

static json_object *bad_chars(const struct err *e)
{
	json_object *a = jx_array();

	for (size_t i = 0; i < e->n_bad; i++) {
		char ch[5];
		json_object *o = jx_object();
		utf8_encode(e->bad[i].cp, ch);
		jx_str(o, "char", ch);
		jx_int(o, "codepoint", e->bad[i].cp);
		jx_int(o, "pos", e->bad[i].pos);
		jx_push(a, o);
	}
	return a;
}

char *message_result(const struct result_info *r)
{
	json_object *o = jx_object();

	jx_str(o, "id", r->id);
	if (r->device)
		jx_str(o, "device", r->device);
	jx_bool(o, "ok", r->ok);
	if (!r->ok) {
		jx_str(o, "error", r->error);
		jx_str(o, "detail", r->detail ? r->detail : "");
	}
	if (r->source)
		jx_str(o, "source", r->source);
	if (r->layout)
		jx_str(o, "layout", r->layout);
	if (r->layout && r->target)
		jx_str(o, "target", r->target);
	jx_int(o, "chars", (int64_t)r->chars);
	jx_int(o, "keys", (int64_t)r->strokes);
	if (r->unicode_entry) {
		jx_str(o, "unicode_entry", r->unicode_entry);
		jx_int(o, "entered", (int64_t)r->entered);
	}
	if (r->ms >= 0)
		jx_int(o, "ms", r->ms);
	if (r->dropped)
		jx_int(o, "dropped", (int64_t)r->dropped);
	if (r->wake)
		jx_str(o, "wake", r->wake);
	if (r->bad && r->bad->n_bad) {
		jx_put(o, "untypable", bad_chars(r->bad));
		jx_int(o, "untypable_total", (int64_t)r->bad->n_bad_total);
	}
	return jx_finish(o);
}

static json_object *leds(const struct status_info *s)
{
	json_object *o = jx_object();

	jx_bool(o, "num_lock", s->leds.num_lock);
	jx_bool(o, "caps_lock", s->leds.caps_lock);
	jx_bool(o, "scroll_lock", s->leds.scroll_lock);
	jx_bool(o, "known", s->leds_known);
	return o;
}

static json_object *counters(const struct status_counters *c)
{
	json_object *o = jx_object();

	jx_int(o, "commands", (int64_t)c->commands);
	jx_int(o, "ok", (int64_t)c->ok);
	jx_int(o, "errors", (int64_t)c->errors);
	jx_int(o, "rejected", (int64_t)c->rejected);
	jx_int(o, "dropped", (int64_t)c->dropped);
	jx_int(o, "chars", (int64_t)c->chars);
	jx_int(o, "reports", (int64_t)c->reports);
	jx_int(o, "keep_awake_taps", (int64_t)c->keep_awake_taps);
	jx_int(o, "duplicates", (int64_t)c->duplicates);
	return o;
}

static json_object *string_list(const char *const *list)
{
	json_object *a = jx_array();

	for (size_t i = 0; list && list[i]; i++)
		jx_push_str(a, list[i]);
	return a;
}

/* What one command may hold, so a client can check before sending. */
static json_object *limits(const struct status_limits *l)
{
	json_object *o = jx_object();

	jx_int(o, "max_chars", l->max_chars);
	jx_int(o, "max_payload", l->max_payload);
	jx_int(o, "max_steps", l->max_steps);
	return o;
}

static json_object *wake(const struct wake_status *w)
{
	json_object *o = jx_object();

	jx_str(o, "udc", w->udc);
	if (w->driver)
		jx_str(o, "driver", w->driver);
	jx_bool(o, "supported", w->supported);
	if (w->advertised < 0)
		jx_put(o, "advertised", NULL);
	else
		jx_bool(o, "advertised", w->advertised);
	if (!w->supported)
		jx_str(o, "why", w->why ? w->why : "");
	return o;
}

char *message_status(const struct status_info *s)
{
	json_object *o = jx_object();
	json_object *g = jx_array();

	for (size_t i = 0; s->groups && s->groups[i]; i++)
		jx_push_str(g, s->groups[i]);
	jx_str(o, "device_id", s->device_id);
	if (s->name && *s->name)
		jx_str(o, "name", s->name);
	if (s->location && *s->location)
		jx_str(o, "location", s->location);
	jx_str(o, "version", s->version);
	jx_str(o, "layout", s->layout);
	if (s->target)
		jx_str(o, "target", s->target);
	jx_put(o, "groups", g);
	jx_put(o, "macros", string_list(s->macros));
	jx_str(o, "host", s->host);
	jx_put(o, "leds", leds(s));
	jx_bool(o, "busy", s->busy);
	jx_bool(o, "keep_awake", s->keep_awake);
	jx_put(o, "wake", wake(&s->wake));
	jx_int(o, "queue", (int64_t)s->queue);
	jx_int(o, "queue_size", (int64_t)s->queue_size);
	jx_bool(o, "media_keys", s->consumer);
	jx_int(o, "uptime_s", s->uptime_s);
	jx_put(o, "counters", counters(&s->counters));
	if (s->limits.max_chars || s->limits.max_payload || s->limits.max_steps)
		jx_put(o, "limits", limits(&s->limits));
	return jx_finish(o);
}

char *message_progress(const struct progress_info *p)
{
	json_object *o = jx_object();

	jx_str(o, "id", p->id);
	jx_str(o, "device", p->device);
	if (p->source)
		jx_str(o, "source", p->source);
	jx_int(o, "chars", (int64_t)p->chars);
	jx_int(o, "chars_total", (int64_t)p->chars_total);
	jx_int(o, "keys", (int64_t)p->strokes);
	jx_int(o, "keys_total", (int64_t)p->strokes_total);
	jx_int(o, "ms", p->ms);
	return jx_finish(o);
}
