/* SPDX-License-Identifier: MIT */
/* ha_discovery: builds the Home Assistant MQTT discovery configs of one agent
 * and parses `ha_combos`. Pure: no syscalls, no logging, no globals. */
#include "ha_discovery.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "command.h"
#include "layout.h"

#ifndef KEYMIME_VERSION
#define KEYMIME_VERSION "0.0.0"
#endif

#define PREFIX_MAX 128           /* bytes of topic_prefix / ha_prefix */
#define ID_MAX     64            /* bytes of a device id (the contract) */
#define TOPIC_MAX  (2 * PREFIX_MAX + 2 * ID_MAX + 64)
#define SLUG_MAX   40            /* bytes of a button's object id after "combo_" */

struct combo {
	char label[HA_MAX_LABEL + 1];
	char chord[HA_MAX_CHORD + 1];
	char object[SLUG_MAX + 8];       /* "combo_<slug>" */
};

struct combos {
	size_t n;
	struct combo c[HA_MAX_COMBOS];
};

/* Everything one publish/remove run needs, validated and formatted once.
 * About 11 KiB, on the caller's stack: no allocation besides json-c's. */
struct disc {
	const char *ha;                  /* discovery prefix */
	const char *version;
	char id[ID_MAX + 1];
	char node[ID_MAX + 16];          /* "keymime_<id>": node id and unique-id stem */
	char name[ID_MAX + 16];          /* device name "keymime <id>" */
	char t_type[TOPIC_MAX], t_keys[TOPIC_MAX], t_cmd[TOPIC_MAX];
	char t_status[TOPIC_MAX], t_result[TOPIC_MAX], t_avail[TOPIC_MAX];
	struct combos combos;
};

/* ---- small helpers ----------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ASCII only, whatever the process locale: ids and slugs are topic levels. */
static bool is_alnum(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Narrow [*s, *s+*len) to its non-blank part. */
static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* Device ids follow the contract: [A-Za-z0-9_-]{1,64}. They appear in topics
 * and unique ids, so anything else would make an invalid discovery topic. */
static bool valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-')
			return false;
	return true;
}

/* A topic prefix must be publishable: no wildcards, no empty levels at the
 * ends or in the middle (they would make the discovery topic invalid). */
static bool valid_prefix(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > PREFIX_MAX || p[0] == '/' || p[n - 1] == '/')
		return false;
	return strpbrk(p, "+#") == NULL && strstr(p, "//") == NULL;
}

/* ---- ha_combos --------------------------------------------------------- */

/* A button's keys go out as a `keys` payload: check them with the agent's
 * own parser, so that a button never exists that could only ever answer
 * with an error result (unknown key, media key in a chord, too many keys). */
static int check_chord(const char *s, size_t len, size_t idx, char *err, size_t errlen)
{
	const struct cmd_limits lim = {
		.max_payload = HA_MAX_CHORD, .max_chars = HA_MAX_CHORD,
		.max_steps = HA_MAX_CHORD, .max_delay_ms = 0,
	};
	struct command *c = command_new();
	struct cmd_error e = { 0 };
	int r = command_parse_keys(c, s, len, &lim, &e);

	command_free(c);
	if (r < 0) {
		set_err(err, errlen, "combo %zu: %s", idx, e.detail);
		return -EINVAL;
	}
	return 0;
}

/* Lower-case ASCII letters and digits; every other run becomes one '_'.
 * The result names the MQTT topic level and the unique id, which HA wants
 * to be [a-zA-Z0-9_-]. May be empty (a label of only non-ASCII letters). */
static void slugify(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	bool gap = false;

	for (size_t i = 0; i < len && o + 2 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (is_alnum(ch)) {
			if (gap && o > 0)
				out[o++] = '_';
			out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
			gap = false;
		} else {
			gap = true;
		}
	}
	out[o] = '\0';
}

static int parse_label(const char *s, size_t len, size_t idx, struct combo *c,
		       char *err, size_t errlen)
{
	if (len == 0) {
		set_err(err, errlen, "combo %zu: empty name before '='", idx);
		return -EINVAL;
	}
	if (len > HA_MAX_LABEL) {
		set_err(err, errlen, "combo %zu: name longer than %d bytes", idx, HA_MAX_LABEL);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			set_err(err, errlen, "combo %zu: control character in name", idx);
			return -EINVAL;
		}
	memcpy(c->label, s, len);
	c->label[len] = '\0';
	return 0;
}

/* One "Label=chord" entry; idx counts from 1 for the messages. */
static int parse_entry(const char *s, size_t len, size_t idx, struct combo *c,
		       char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len);
	const char *chord;
	size_t label_len, chord_len;
	char slug[SLUG_MAX + 1];
	int r;

	if (!eq) {
		set_err(err, errlen, "combo %zu: '%.*s' is not Name=keys", idx, (int)len, s);
		return -EINVAL;
	}
	label_len = (size_t)(eq - s);
	chord = eq + 1;
	chord_len = len - label_len - 1;
	trim(&s, &label_len);
	trim(&chord, &chord_len);
	r = parse_label(s, label_len, idx, c, err, errlen);
	if (r < 0)
		return r;
	if (chord_len == 0 || chord_len > HA_MAX_CHORD) {
		set_err(err, errlen, "combo %zu (%s): keys empty or longer than %d bytes",
			idx, c->label, HA_MAX_CHORD);
		return -EINVAL;
	}
	r = check_chord(chord, chord_len, idx, err, errlen);
	if (r < 0)
		return r;
	memcpy(c->chord, chord, chord_len);
	c->chord[chord_len] = '\0';
	/* Name the button after its label; a label with no ASCII letter or
	 * digit ("→") falls back to its keys, which always have some. */
	slugify(c->label, label_len, slug, sizeof(slug));
	if (slug[0] == '\0')
		slugify(c->chord, chord_len, slug, sizeof(slug));
	snprintf(c->object, sizeof(c->object), "combo_%s", slug);
	return 0;
}

/* Object ids become topic levels and unique ids: two equal ones would make
 * one button silently replace the other in Home Assistant. */
static int check_unique(const struct combos *cs, size_t idx, char *err, size_t errlen)
{
	for (size_t j = 0; j + 1 < cs->n; j++)
		if (strcmp(cs->c[j].object, cs->c[cs->n - 1].object) == 0) {
			set_err(err, errlen, "combo %zu (%s): same id '%s' as combo %zu (%s)",
				idx, cs->c[cs->n - 1].label, cs->c[j].object, j + 1,
				cs->c[j].label);
			return -EINVAL;
		}
	return 0;
}

static int parse_combos(const char *text, struct combos *cs, char *err, size_t errlen)
{
	const char *p;
	size_t idx = 0;

	cs->n = 0;
	if (!text || !*text)
		text = HA_DEFAULT_COMBOS;
	if (strcmp(text, "none") == 0)
		return 0;
	for (p = text; *p; ) {
		const char *s = p;
		size_t len = strcspn(p, ",");
		int r;

		p += len + (p[len] == ',');
		trim(&s, &len);
		if (len == 0)
			continue;              /* "a=b, " or ",,": nothing to add */
		if (++idx > HA_MAX_COMBOS) {
			set_err(err, errlen, "more than %d combos", HA_MAX_COMBOS);
			return -EINVAL;
		}
		r = parse_entry(s, len, idx, &cs->c[cs->n++], err, errlen);
		if (r == 0)
			r = check_unique(cs, idx, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

int ha_combos_validate(const char *combos, char *err, size_t errlen)
{
	struct combos cs;

	if (err && errlen)
		err[0] = '\0';
	return parse_combos(combos, &cs, err, errlen);
}

/* ---- the entities ------------------------------------------------------ */

static void put_s(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static void put_i(json_object *o, const char *key, int val)
{
	json_object_object_add(o, key, json_object_new_int(val));
}

/* The blocks every config carries. Every config repeats the device so that
 * any one of them, arriving first, creates the device complete. */
static json_object *base_config(const struct disc *d, const char *object, const char *name)
{
	json_object *o = json_object_new_object();
	json_object *dev = json_object_new_object();
	json_object *ids = json_object_new_array();
	json_object *org = json_object_new_object();
	char uid[sizeof(d->node) + SLUG_MAX + 16];

	if (!o || !dev || !ids || !org) {
		json_object_put(o);
		json_object_put(dev);
		json_object_put(ids);
		json_object_put(org);
		return NULL;
	}
	snprintf(uid, sizeof(uid), "%s_%s", d->node, object);
	put_s(o, "name", name);
	put_s(o, "unique_id", uid);
	json_object_array_add(ids, json_object_new_string(d->node));
	json_object_object_add(dev, "identifiers", ids);
	put_s(dev, "name", d->name);
	put_s(dev, "model", "keymime");
	put_s(dev, "manufacturer", "keymime");
	put_s(dev, "sw_version", d->version);
	json_object_object_add(o, "device", dev);
	put_s(org, "name", "keymime");
	put_s(org, "sw_version", d->version);
	/* No support_url: the project has no public address to point at yet. */
	json_object_object_add(o, "origin", org);
	put_s(o, "availability_topic", d->t_avail);
	put_s(o, "payload_available", "online");
	put_s(o, "payload_not_available", "offline");
	put_i(o, "qos", 1);
	return o;
}

/* The agent types the payload of `type` as-is. The state follows the result
 * topic and renders empty: Home Assistant then never stores what was typed
 * (it may be a password) and the box is cleared once the agent answers. */
static void fill_text(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "command_topic", d->t_type);
	put_i(o, "min", 0);
	put_i(o, "max", 255);          /* Home Assistant's own limit for a state */
	put_s(o, "mode", "text");
	put_s(o, "state_topic", d->t_result);
	put_s(o, "value_template", "{{ '' }}");
	put_s(o, "icon", "mdi:keyboard");
}

/* notify.send_message has no length limit: the way to type long texts. */
static void fill_notify(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "command_topic", d->t_type);
	put_s(o, "icon", "mdi:keyboard-outline");
}

static void fill_button(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "command_topic", d->t_keys);
	put_s(o, "payload_press", cb->chord);
	put_s(o, "icon", "mdi:keyboard-variant");
}

/* The set_layout command answers on the result topic with this id, so a user
 * watching results can tell Home Assistant's layout changes apart. */
static void fill_layout(json_object *o, const struct disc *d, const struct combo *cb)
{
	json_object *ops = json_object_new_array();

	for (size_t i = 0; ops && i < layout_count(); i++)
		json_object_array_add(ops, json_object_new_string(layout_name(layout_at(i))));
	put_s(o, "command_topic", d->t_cmd);
	put_s(o, "command_template",
	      "{\"id\":\"homeassistant-layout\",\"set_layout\":\"{{ value }}\"}");
	json_object_object_add(o, "options", ops);
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", "{{ value_json.layout }}");
	put_s(o, "entity_category", "config");
	put_s(o, "icon", "mdi:translate");
}

/* "unknown" renders None, which Home Assistant shows as unknown, not off. */
static void fill_host(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template",
	      "{% if value_json.host == 'connected' %}ON"
	      "{% elif value_json.host == 'disconnected' %}OFF"
	      "{% else %}None{% endif %}");
	put_s(o, "device_class", "connectivity");
}

static void fill_led(json_object *o, const struct disc *d, const char *led, const char *icon)
{
	char tpl[96];

	snprintf(tpl, sizeof(tpl), "{{ 'ON' if value_json.leds.%s else 'OFF' }}", led);
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", tpl);
	put_s(o, "icon", icon);
}

static void fill_caps(json_object *o, const struct disc *d, const struct combo *cb)
{
	fill_led(o, d, "caps_lock", "mdi:keyboard-caps");
}

static void fill_num(json_object *o, const struct disc *d, const struct combo *cb)
{
	fill_led(o, d, "num_lock", "mdi:numeric");
}

static void fill_scroll(json_object *o, const struct disc *d, const struct combo *cb)
{
	fill_led(o, d, "scroll_lock", "mdi:arrow-vertical-lock");
}

static void fill_busy(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", "{{ 'ON' if value_json.busy else 'OFF' }}");
	put_s(o, "device_class", "running");
}

static void fill_queue(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", "{{ value_json.queue }}");
	put_s(o, "state_class", "measurement");
	put_s(o, "unit_of_measurement", "commands");
	put_s(o, "json_attributes_topic", d->t_status);
	put_s(o, "json_attributes_template", "{{ value_json.counters | tojson }}");
	put_s(o, "entity_category", "diagnostic");
	put_s(o, "icon", "mdi:tray-full");
}

static void fill_last_result(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "state_topic", d->t_result);
	put_s(o, "value_template", "{{ 'ok' if value_json.ok else value_json.error }}");
	put_s(o, "json_attributes_topic", d->t_result);
	put_s(o, "icon", "mdi:keyboard-settings");
}

/* An event fires on every result, even two equal ones in a row, which a
 * sensor's state would not: what automations ("typing failed") want. */
static void fill_result_event(json_object *o, const struct disc *d, const struct combo *cb)
{
	json_object *types = json_object_new_array();

	if (types) {
		json_object_array_add(types, json_object_new_string("ok"));
		json_object_array_add(types, json_object_new_string("error"));
	}
	put_s(o, "state_topic", d->t_result);
	json_object_object_add(o, "event_types", types);
	put_s(o, "value_template",
	      "{{ dict(value_json, event_type=('ok' if value_json.ok else 'error')) | tojson }}");
	put_s(o, "icon", "mdi:keyboard-settings");
}

struct entity {
	const char *component;
	const char *object;      /* NULL: one per combo, named after it */
	const char *name;
	void (*fill)(json_object *o, const struct disc *d, const struct combo *cb);
};

static const struct entity entities[] = {
	{ "text",          "type",        "Type",            fill_text },
	{ "notify",        "type_long",   "Type long text",  fill_notify },
	{ "button",        NULL,          NULL,              fill_button },
	{ "select",        "layout",      "Target layout",   fill_layout },
	{ "binary_sensor", "host",        "Host connected",  fill_host },
	{ "binary_sensor", "caps_lock",   "Caps Lock",       fill_caps },
	{ "binary_sensor", "num_lock",    "Num Lock",        fill_num },
	{ "binary_sensor", "scroll_lock", "Scroll Lock",     fill_scroll },
	{ "binary_sensor", "busy",        "Typing",          fill_busy },
	{ "sensor",        "queue",       "Queue",           fill_queue },
	{ "sensor",        "last_result", "Last result",     fill_last_result },
	{ "event",         "result",      "Result",          fill_result_event },
};

/* ---- emitting ---------------------------------------------------------- */

static int emit_one(const struct disc *d, const struct entity *e, const struct combo *cb,
		    bool remove, ha_emit_fn emit, void *ctx)
{
	const char *object = cb ? cb->object : e->object;
	char topic[TOPIC_MAX + 64];
	json_object *o;
	const char *payload;
	int r;

	snprintf(topic, sizeof(topic), "%s/%s/%s/%s/config", d->ha, e->component,
		 d->node, object);
	if (remove)
		return emit(ctx, topic, "");
	o = base_config(d, object, cb ? cb->label : e->name);
	if (!o)
		return -ENOMEM;
	e->fill(o, d, cb);
	payload = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	r = payload ? emit(ctx, topic, payload) : -ENOMEM;
	json_object_put(o);
	return r;
}

static int topic_of(char *out, const char *prefix, const char *id, const char *leaf)
{
	int n = snprintf(out, TOPIC_MAX, "%s/%s/%s", prefix, id, leaf);

	return (n < 0 || n >= TOPIC_MAX) ? -EINVAL : 0;
}

static int disc_init(struct disc *d, const struct ha_config *c)
{
	const char *prefix = c->topic_prefix ? c->topic_prefix : "keymime";
	int r = 0;

	d->ha = c->ha_prefix ? c->ha_prefix : "homeassistant";
	d->version = (c->version && *c->version) ? c->version : KEYMIME_VERSION;
	if (!valid_id(c->device_id) || !valid_prefix(prefix) || !valid_prefix(d->ha))
		return -EINVAL;
	snprintf(d->id, sizeof(d->id), "%s", c->device_id);
	snprintf(d->node, sizeof(d->node), "keymime_%s", c->device_id);
	snprintf(d->name, sizeof(d->name), "keymime %s", c->device_id);
	r |= topic_of(d->t_type, prefix, d->id, "type");
	r |= topic_of(d->t_keys, prefix, d->id, "keys");
	r |= topic_of(d->t_cmd, prefix, d->id, "cmd");
	r |= topic_of(d->t_status, prefix, d->id, "status");
	r |= topic_of(d->t_result, prefix, d->id, "result");
	r |= topic_of(d->t_avail, prefix, d->id, "availability");
	if (r)
		return -EINVAL;
	return parse_combos(c->combos, &d->combos, NULL, 0);
}

static int run(const struct ha_config *c, bool remove, ha_emit_fn emit, void *ctx)
{
	struct disc d;
	int r;

	if (!c || !emit)
		return -EINVAL;
	r = disc_init(&d, c);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		const struct entity *e = &entities[i];

		if (e->object) {
			r = emit_one(&d, e, NULL, remove, emit, ctx);
			if (r < 0)
				return r;
			continue;
		}
		for (size_t k = 0; k < d.combos.n; k++) {
			r = emit_one(&d, e, &d.combos.c[k], remove, emit, ctx);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int ha_discovery_publish(const struct ha_config *c, ha_emit_fn emit, void *ctx)
{
	return run(c, false, emit, ctx);
}

int ha_discovery_remove(const struct ha_config *c, ha_emit_fn emit, void *ctx)
{
	return run(c, true, emit, ctx);
}
