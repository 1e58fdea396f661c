/* SPDX-License-Identifier: MIT */
/* ha_discovery: builds the Home Assistant MQTT discovery configs of one agent
 * and parses `ha_combos`. Pure: no syscalls, no logging, no globals. */
#include "ha_discovery.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "jsonx.h"
#include "layout.h"
#include "strbuf.h"
#include "topics.h"

#ifndef KEYMIME_VERSION
#define KEYMIME_VERSION "0.0.0"
#endif

#define SLUG_MAX   40            /* bytes of a button's object id after "combo_" */

/* One button: a combo (label, chord) or a macro (name in both). */
struct combo {
	char label[HA_MAX_LABEL + 1];
	char chord[HA_MAX_CHORD + 1];
	char object[72];                 /* "combo_<slug>", "macro_<name>" */
};

struct combos {
	size_t n;
	struct combo c[HA_MAX_MACROS > HA_MAX_COMBOS ? HA_MAX_MACROS : HA_MAX_COMBOS];
};

/* Everything one publish/remove run needs, validated and formatted once.
 * The strings are owned (disc_free). */
struct disc {
	const char *ha;                  /* discovery prefix */
	const char *version;
	char *node;                      /* "keymime_<id>": node id and unique-id stem */
	char *name;                      /* device name: the configured one or "keymime <id>" */
	const char *area;                /* suggested_area, or NULL */
	enum layout_target target;       /* whose layouts the layout select offers */
	char *t_type, *t_keys, *t_cmd, *t_status, *t_result, *t_avail;
	struct combos combos;
	struct combos macros;            /* label and chord: the macro's name */
};

/* ---- small helpers ----------------------------------------------------- */

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

/* ---- ha_combos --------------------------------------------------------- */

/* A button's keys go out as a `keys` payload: check them with the agent's
 * own parser, so that a button never exists that could only ever answer
 * with an error result (unknown key, media key in a chord, too many keys). */
static int check_chord(const char *s, size_t len, size_t idx, struct err *err)
{
	const struct cmd_limits lim = {
		.max_payload = HA_MAX_CHORD, .max_chars = HA_MAX_CHORD,
		.max_steps = HA_MAX_CHORD, .max_delay_ms = 0,
	};
	struct command *c = command_new();
	struct err e = { 0 };
	int r = command_parse_keys(c, s, len, &lim, &e);

	command_free(c);
	if (r < 0) 
		return err_fail(err, "config", "combo %zu: %s", idx, e.detail);
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
		       struct err *err)
{
	if (len == 0) 
		return err_fail(err, "config", "combo %zu: empty name before '='", idx);
	if (len > HA_MAX_LABEL) 
		return err_fail(err, "config", "combo %zu: name longer than %d bytes", idx, HA_MAX_LABEL);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) 
			return err_fail(err, "config", "combo %zu: control character in name", idx);
	memcpy(c->label, s, len);
	c->label[len] = '\0';
	return 0;
}

/* One "Label=chord" entry; idx counts from 1 for the messages. */
static int parse_entry(const char *s, size_t len, size_t idx, struct combo *c,
		       struct err *err)
{
	const char *eq = memchr(s, '=', len);
	const char *chord;
	size_t label_len, chord_len;
	char slug[SLUG_MAX + 1];
	int r;

	if (!eq) 
		return err_fail(err, "config", "combo %zu: '%.*s' is not Name=keys", idx, (int)len, s);
	label_len = (size_t)(eq - s);
	chord = eq + 1;
	chord_len = len - label_len - 1;
	trim(&s, &label_len);
	trim(&chord, &chord_len);
	r = parse_label(s, label_len, idx, c, err);
	if (r < 0)
		return r;
	if (chord_len == 0 || chord_len > HA_MAX_CHORD) 
		return err_fail(err, "config", "combo %zu (%s): keys empty or longer than %d bytes",
			idx, c->label, HA_MAX_CHORD);
	r = check_chord(chord, chord_len, idx, err);
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
static int check_unique(const struct combos *cs, size_t idx, struct err *err)
{
	for (size_t j = 0; j + 1 < cs->n; j++)
		if (strcmp(cs->c[j].object, cs->c[cs->n - 1].object) == 0) 
			return err_fail(err, "config", "combo %zu (%s): same id '%s' as combo %zu (%s)",
				idx, cs->c[cs->n - 1].label, cs->c[j].object, j + 1,
				cs->c[j].label);
	return 0;
}

static int parse_combos(const char *text, struct combos *cs, struct err *err)
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
		if (++idx > HA_MAX_COMBOS) 
			return err_fail(err, "config", "more than %d combos", HA_MAX_COMBOS);
		r = parse_entry(s, len, idx, &cs->c[cs->n++], err);
		if (r == 0)
			r = check_unique(cs, idx, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int ha_combos_validate(const char *combos, struct err *err)
{
	struct combos cs;

	return parse_combos(combos, &cs, err);
}

/* ---- the entities ------------------------------------------------------ */

static void put_s(json_object *o, const char *key, const char *val) { jx_str(o, key, val); }
static void put_i(json_object *o, const char *key, int val) { jx_int(o, key, val); }

/* The blocks every config carries. Every config repeats the device so that
 * any one of them, arriving first, creates the device complete. */
static json_object *base_config(const struct disc *d, const char *object, const char *name)
{
	json_object *o = jx_object(), *dev = jx_object(), *ids = jx_array(), *org = jx_object();
	char *uid = str_printf("%s_%s", d->node, object);

	put_s(o, "name", name);
	put_s(o, "unique_id", uid);
	free(uid);
	jx_push_str(ids, d->node);
	jx_put(dev, "identifiers", ids);
	put_s(dev, "name", d->name);
	if (d->area)
		put_s(dev, "suggested_area", d->area);
	put_s(dev, "model", "keymime");
	put_s(dev, "manufacturer", "keymime");
	put_s(dev, "sw_version", d->version);
	jx_put(o, "device", dev);
	put_s(org, "name", "keymime");
	put_s(org, "sw_version", d->version);
	/* No support_url: the project has no public address to point at yet. */
	jx_put(o, "origin", org);
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

/* keep_awake on and off from the cmd topic; its state from the status. The
 * payloads are JSON, so the rendered state is compared with state_on/off. */
static void fill_keep_awake(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "command_topic", d->t_cmd);
	put_s(o, "payload_on", "{\"id\":\"homeassistant-keep-awake\",\"keep_awake\":true}");
	put_s(o, "payload_off", "{\"id\":\"homeassistant-keep-awake\",\"keep_awake\":false}");
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", "{{ 'ON' if value_json.keep_awake else 'OFF' }}");
	put_s(o, "state_on", "ON");
	put_s(o, "state_off", "OFF");
	put_s(o, "icon", "mdi:coffee");
}

/* A macro runs from the cmd topic; its result carries this id. */
static void fill_macro(json_object *o, const struct disc *d, const struct combo *cb)
{
	json_object *cmd = jx_object();
	char *id = str_printf("homeassistant-macro-%s", cb->chord);

	jx_str(cmd, "id", id);
	jx_str(cmd, "macro", cb->chord);
	put_s(o, "command_topic", d->t_cmd);
	put_s(o, "payload_press", jx_text(cmd));
	put_s(o, "icon", "mdi:script-text-play");
	json_object_put(cmd);
	free(id);
}

/* A select of the device's configuration: choosing sends {"id":
 * "homeassistant-<field>", "<command>": value} to the cmd topic (the result
 * carries the id, so a user watching results can tell Home Assistant's
 * changes apart); its state is the status field. ops: owned by o after. */
static void fill_select(json_object *o, const struct disc *d, json_object *ops, const char *field,
			const char *command, const char *icon)
{
	char *tpl = str_printf("{\"id\":\"homeassistant-%s\",\"%s\":\"{{ value }}\"}", field, command);
	char *state = str_printf("{{ value_json.%s }}", field);

	put_s(o, "command_topic", d->t_cmd);
	put_s(o, "command_template", tpl);
	jx_put(o, "options", ops);
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", state);
	put_s(o, "entity_category", "config");
	put_s(o, "icon", icon);
	free(tpl);
	free(state);
}

/* The layouts of the device's current target. */
static void fill_layout(json_object *o, const struct disc *d, const struct combo *cb)
{
	json_object *ops = jx_array();

	for (size_t i = 0; i < layout_count(d->target); i++)
		jx_push_str(ops, layout_name(layout_at(d->target, i)));
	fill_select(o, d, ops, "layout", "set_layout", "mdi:translate");
}

/* The computer's system; set_target keeps the layout's name (de stays de,
 * macOS's German now), and the agent publishes the layout select again with
 * the new target's layouts. */
static void fill_target(json_object *o, const struct disc *d, const struct combo *cb)
{
	json_object *ops = jx_array();

	for (int t = 0; t < LAYOUT_TARGET_COUNT; t++)
		jx_push_str(ops, layout_target_name(t));
	fill_select(o, d, ops, "target", "set_target", "mdi:monitor");
}

/* "unknown" renders None, which Home Assistant shows as unknown, not off. */
static void fill_host(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template",
	      "{% if value_json.host == 'connected' %}ON"
	      "{% elif value_json.host in ['disconnected', 'suspended'] %}OFF"
	      "{% else %}None{% endif %}");
	put_s(o, "device_class", "connectivity");
}

/* The computer's state as the agent sees it, asleep included. */
static void fill_computer(json_object *o, const struct disc *d, const struct combo *cb)
{
	json_object *ops = jx_array();

	jx_push_str(ops, "connected");
	jx_push_str(ops, "disconnected");
	jx_push_str(ops, "suspended");
	jx_push_str(ops, "unknown");
	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", "{{ value_json.host }}");
	put_s(o, "device_class", "enum");
	jx_put(o, "options", ops);
	put_s(o, "icon", "mdi:monitor");
}

/* Remote wakeup: a computer that suspended the bus is woken (queued). */
static void fill_wake(json_object *o, const struct disc *d, const struct combo *cb)
{
	put_s(o, "command_topic", d->t_cmd);
	put_s(o, "payload_press", "{\"id\":\"homeassistant-wake\",\"wake\":true}");
	put_s(o, "icon", "mdi:power-sleep");
}

/* Unknown (None) until the computer has sent its LED state (leds.known): an
 * OFF there would claim a Caps Lock state nobody knows. */
static void fill_led(json_object *o, const struct disc *d, const char *led, const char *icon)
{
	char *tpl = str_printf("{%% if not value_json.leds.known %%}None"
			       "{%% elif value_json.leds.%s %%}ON{%% else %%}OFF{%% endif %%}", led);

	put_s(o, "state_topic", d->t_status);
	put_s(o, "value_template", tpl);
	put_s(o, "icon", icon);
	free(tpl);
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
	json_object *types = jx_array();

	jx_push_str(types, "ok");
	jx_push_str(types, "error");
	put_s(o, "state_topic", d->t_result);
	jx_put(o, "event_types", types);
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
	{ "button",        NULL,          NULL,              fill_macro },
	{ "select",        "target",      "Target system",   fill_target },
	{ "select",        "layout",      "Target layout",   fill_layout },
	{ "switch",        "keep_awake",  "Keep awake",      fill_keep_awake },
	{ "binary_sensor", "host",        "Host connected",  fill_host },
	{ "sensor",        "computer",    "Computer",        fill_computer },
	{ "button",        "wake",        "Wake",            fill_wake },
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
	char *topic = topics_ha_config(d->ha, e->component, d->node, object);
	int r;

	if (remove) {
		r = emit(ctx, topic, "");
	} else {
		json_object *o = base_config(d, object, cb ? cb->label : e->name);
		e->fill(o, d, cb);
		r = emit(ctx, topic, jx_text(o));
		json_object_put(o);
	}
	free(topic);
	return r;
}

/* Macro names become topic levels and unique ids as they are. */
static int take_macros(const char *const *names, struct combos *ms)
{
	ms->n = 0;
	for (size_t i = 0; names && names[i]; i++) {
		if (!topics_valid_id(names[i]) || ms->n == HA_MAX_MACROS)
			return -EINVAL;
		struct combo *m = &ms->c[ms->n++];
		snprintf(m->label, sizeof m->label, "%s", names[i]);
		snprintf(m->chord, sizeof m->chord, "%s", names[i]);
		snprintf(m->object, sizeof m->object, "macro_%s", names[i]);
	}
	return 0;
}

static void disc_free(struct disc *d)
{
	free(d->node), free(d->name);
	free(d->t_type), free(d->t_keys), free(d->t_cmd);
	free(d->t_status), free(d->t_result), free(d->t_avail);
}

static int disc_init(struct disc *d, const struct ha_config *c)
{
	const char *prefix = c->topic_prefix ? c->topic_prefix : "keymime";
	const char *id = c->device_id;

	memset(d, 0, sizeof *d);
	d->ha = c->ha_prefix ? c->ha_prefix : "homeassistant";
	d->version = (c->version && *c->version) ? c->version : KEYMIME_VERSION;
	if (!topics_valid_device_id(id) || !topics_valid_prefix(prefix) || !topics_valid_prefix(d->ha))
		return -EINVAL;
	d->node = str_printf("keymime_%s", id);
	d->name = (c->name && *c->name) ? str_printf("%s", c->name) : str_printf("keymime %s", id);
	d->area = (c->location && *c->location) ? c->location : NULL;
	if (layout_target_parse(c->target ? c->target : "linux", &d->target) < 0)
		return -EINVAL;
	d->t_type = topics_device(prefix, id, TOPIC_TYPE);
	d->t_keys = topics_device(prefix, id, TOPIC_KEYS);
	d->t_cmd = topics_device(prefix, id, TOPIC_CMD);
	d->t_status = topics_device(prefix, id, TOPIC_STATUS);
	d->t_result = topics_device(prefix, id, TOPIC_RESULT);
	d->t_avail = topics_device(prefix, id, TOPIC_AVAILABILITY);
	int r = parse_combos(c->combos, &d->combos, NULL);
	return r ? r : take_macros(c->macros, &d->macros);
}

static int emit_all(const struct disc *d, bool remove, ha_emit_fn emit, void *ctx)
{
	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		const struct entity *e = &entities[i];
		int r = 0;

		/* An entity without an object is one per combo, or per macro. */
		const struct combos *items = e->fill == fill_macro ? &d->macros : &d->combos;

		if (e->object)
			r = emit_one(d, e, NULL, remove, emit, ctx);
		for (size_t k = 0; !e->object && !r && k < items->n; k++)
			r = emit_one(d, e, &items->c[k], remove, emit, ctx);
		if (r < 0)
			return r;
	}
	return 0;
}

static int run(const struct ha_config *c, bool remove, ha_emit_fn emit, void *ctx)
{
	struct disc d;
	int r;

	if (!c || !emit)
		return -EINVAL;
	r = disc_init(&d, c);
	if (r == 0)
		r = emit_all(&d, remove, emit, ctx);
	disc_free(&d);
	return r;
}

int ha_discovery_publish(const struct ha_config *c, ha_emit_fn emit, void *ctx)
{
	return run(c, false, emit, ctx);
}

int ha_discovery_remove(const struct ha_config *c, ha_emit_fn emit, void *ctx)
{
	return run(c, true, emit, ctx);
}
