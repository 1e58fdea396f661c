/* SPDX-License-Identifier: MIT */
/* test_ha_discovery: the Home Assistant discovery configs and ha_combos parsing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "ha_discovery.h"
#include "layout.h"

#define MAX_MSGS 64

struct capture {
	size_t n;
	char *topic[MAX_MSGS];
	char *payload[MAX_MSGS];
	int fail_at;             /* 1-based message to return fail_with on; 0 = never */
	int fail_with;
};

static int capture_emit(void *ctx, const char *topic, const char *payload)
{
	struct capture *c = ctx;

	cr_assert_lt(c->n, MAX_MSGS);
	c->topic[c->n] = strdup(topic);
	c->payload[c->n] = strdup(payload);
	c->n++;
	if (c->fail_at && (int)c->n == c->fail_at)
		return c->fail_with;
	return 0;
}

static void capture_free(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->topic[i]);
		free(c->payload[i]);
	}
	c->n = 0;
}

static const struct ha_config pi1 = {
	.device_id = "pi1", .topic_prefix = "keymime", .ha_prefix = "homeassistant",
	.version = "0.1.0", .combos = NULL,
};

/* The payload on topic, parsed; NULL when not emitted. Caller puts it. */
static json_object *config_of(const struct capture *c, const char *topic)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->topic[i], topic) == 0)
			return json_tokener_parse(c->payload[i]);
	return NULL;
}

static const char *str_at(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ---- every payload ---------------------------------------------------- */

struct required {
	const char *component;
	const char *keys[4];     /* beyond the common ones */
};

/* Required keys per Home Assistant MQTT platform (DISCOVERY_SCHEMA vol.Required). */
static const struct required required[] = {
	{ "text",          { "command_topic" } },
	{ "notify",        { "command_topic" } },
	{ "button",        { "command_topic" } },
	{ "select",        { "command_topic", "options" } },
	{ "binary_sensor", { "state_topic" } },
	{ "sensor",        { "state_topic" } },
	{ "event",         { "state_topic", "event_types" } },
	{ "switch",        { "command_topic", "state_topic", "state_on", "state_off" } },
};

static const struct required *required_for(const char *component)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (strcmp(required[i].component, component) == 0)
			return &required[i];
	return NULL;
}

static void check_common(json_object *o, const char *topic)
{
	json_object *dev, *ids, *org;

	cr_assert(str_at(o, "name"), "%s: name", topic);
	cr_assert(str_at(o, "unique_id"), "%s: unique_id", topic);
	cr_assert(json_object_object_get_ex(o, "device", &dev), "%s: device", topic);
	cr_assert(json_object_object_get_ex(dev, "identifiers", &ids));
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(ids, 0)), "keymime_pi1");
	cr_assert_str_eq(str_at(dev, "name"), "keymime pi1");
	cr_assert_str_eq(str_at(dev, "model"), "keymime");
	cr_assert_str_eq(str_at(dev, "sw_version"), "0.1.0");
	cr_assert(str_at(dev, "manufacturer"));
	cr_assert(json_object_object_get_ex(o, "origin", &org), "%s: origin", topic);
	cr_assert_str_eq(str_at(org, "name"), "keymime");
	cr_assert_str_eq(str_at(org, "sw_version"), "0.1.0");
	cr_assert(!json_object_object_get_ex(org, "support_url", NULL), "no invented URL");
	cr_assert_str_eq(str_at(o, "availability_topic"), "keymime/pi1/availability");
	cr_assert_str_eq(str_at(o, "payload_available"), "online");
	cr_assert_str_eq(str_at(o, "payload_not_available"), "offline");
}

Test(ha_discovery, every_payload_is_valid_and_complete)
{
	struct capture c = { 0 };

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), 0);
	cr_assert_eq(c.n, 15 + 4, "15 fixed entities + 4 default combos, got %zu", c.n);
	for (size_t i = 0; i < c.n; i++) {
		char comp[32], node[32], object[64], tail[16];
		json_object *o = json_tokener_parse(c.payload[i]);
		const struct required *req;

		cr_assert(o, "not JSON: %s", c.payload[i]);
		cr_assert_eq(sscanf(c.topic[i], "homeassistant/%31[^/]/%31[^/]/%63[^/]/%15s",
				    comp, node, object, tail), 4, "topic %s", c.topic[i]);
		cr_assert_str_eq(node, "keymime_pi1");
		cr_assert_str_eq(tail, "config");
		cr_assert_eq(strspn(object, "abcdefghijklmnopqrstuvwxyz0123456789_-"),
			     strlen(object), "object id %s", object);
		req = required_for(comp);
		cr_assert(req, "unexpected component %s", comp);
		for (size_t k = 0; k < 4 && req->keys[k]; k++)
			cr_assert(json_object_object_get_ex(o, req->keys[k], NULL),
				  "%s lacks %s", c.topic[i], req->keys[k]);
		check_common(o, c.topic[i]);
		json_object_put(o);
	}
	capture_free(&c);
}

Test(ha_discovery, unique_ids_and_topics_are_unique)
{
	struct capture c = { 0 };
	char uids[MAX_MSGS][128];

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		json_object *o = json_tokener_parse(c.payload[i]);

		snprintf(uids[i], sizeof(uids[i]), "%s", str_at(o, "unique_id"));
		cr_assert_eq(strncmp(uids[i], "keymime_pi1_", 12), 0, "%s", uids[i]);
		for (size_t j = 0; j < i; j++) {
			cr_assert_str_neq(uids[i], uids[j]);
			cr_assert_str_neq(c.topic[i], c.topic[j]);
		}
		json_object_put(o);
	}
	capture_free(&c);
}

/* ---- what each entity says ---------------------------------------------- */

struct expect {
	const char *topic;
	const char *key;
	const char *value;
};

#define HA "homeassistant/"
static const struct expect expects[] = {
	{ HA "text/keymime_pi1/type/config", "command_topic", "keymime/pi1/type" },
	{ HA "text/keymime_pi1/type/config", "mode", "text" },
	{ HA "text/keymime_pi1/type/config", "unique_id", "keymime_pi1_type" },
	{ HA "notify/keymime_pi1/type_long/config", "command_topic", "keymime/pi1/type" },
	{ HA "button/keymime_pi1/combo_ctrl_alt_del/config", "command_topic", "keymime/pi1/keys" },
	{ HA "button/keymime_pi1/combo_ctrl_alt_del/config", "payload_press", "ctrl+alt+delete" },
	{ HA "button/keymime_pi1/combo_ctrl_alt_del/config", "name", "Ctrl+Alt+Del" },
	{ HA "button/keymime_pi1/combo_enter/config", "payload_press", "enter" },
	{ HA "button/keymime_pi1/combo_escape/config", "payload_press", "esc" },
	{ HA "button/keymime_pi1/combo_lock_screen/config", "payload_press", "win+l" },
	{ HA "button/keymime_pi1/combo_lock_screen/config", "unique_id",
	  "keymime_pi1_combo_lock_screen" },
	{ HA "select/keymime_pi1/target/config", "command_topic", "keymime/pi1/cmd" },
	{ HA "select/keymime_pi1/target/config", "command_template",
	  "{\"id\":\"homeassistant-target\",\"set_target\":\"{{ value }}\"}" },
	{ HA "select/keymime_pi1/target/config", "state_topic", "keymime/pi1/status" },
	{ HA "select/keymime_pi1/target/config", "value_template", "{{ value_json.target }}" },
	{ HA "select/keymime_pi1/target/config", "name", "Target system" },
	{ HA "select/keymime_pi1/target/config", "entity_category", "config" },
	{ HA "select/keymime_pi1/layout/config", "command_topic", "keymime/pi1/cmd" },
	{ HA "select/keymime_pi1/layout/config", "command_template",
	  "{\"id\":\"homeassistant-layout\",\"set_layout\":\"{{ value }}\"}" },
	{ HA "select/keymime_pi1/layout/config", "state_topic", "keymime/pi1/status" },
	{ HA "select/keymime_pi1/layout/config", "value_template", "{{ value_json.layout }}" },
	{ HA "binary_sensor/keymime_pi1/host/config", "state_topic", "keymime/pi1/status" },
	{ HA "binary_sensor/keymime_pi1/host/config", "device_class", "connectivity" },
	{ HA "binary_sensor/keymime_pi1/caps_lock/config", "value_template",
	  "{% if not value_json.leds.known %}None{% elif value_json.leds.caps_lock %}ON"
	  "{% else %}OFF{% endif %}" },
	{ HA "binary_sensor/keymime_pi1/num_lock/config", "value_template",
	  "{% if not value_json.leds.known %}None{% elif value_json.leds.num_lock %}ON"
	  "{% else %}OFF{% endif %}" },
	{ HA "binary_sensor/keymime_pi1/scroll_lock/config", "value_template",
	  "{% if not value_json.leds.known %}None{% elif value_json.leds.scroll_lock %}ON"
	  "{% else %}OFF{% endif %}" },
	{ HA "binary_sensor/keymime_pi1/busy/config", "value_template",
	  "{{ 'ON' if value_json.busy else 'OFF' }}" },
	{ HA "sensor/keymime_pi1/queue/config", "value_template", "{{ value_json.queue }}" },
	{ HA "sensor/keymime_pi1/last_result/config", "state_topic", "keymime/pi1/result" },
	{ HA "sensor/keymime_pi1/last_result/config", "json_attributes_topic", "keymime/pi1/result" },
	{ HA "event/keymime_pi1/result/config", "state_topic", "keymime/pi1/result" },
};

Test(ha_discovery, each_entity_says_what_it_should)
{
	struct capture c = { 0 };

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), 0);
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		const struct expect *e = &expects[i];
		json_object *o = config_of(&c, e->topic);

		cr_assert(o, "no config on %s", e->topic);
		cr_assert(str_at(o, e->key), "%s: no %s", e->topic, e->key);
		cr_expect_str_eq(str_at(o, e->key), e->value, "%s: %s", e->topic, e->key);
		json_object_put(o);
	}
	capture_free(&c);
}

Test(ha_discovery, text_max_is_home_assistants_limit)
{
	struct capture c = { 0 };
	json_object *o, *v;

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), 0);
	o = config_of(&c, HA "text/keymime_pi1/type/config");
	cr_assert(json_object_object_get_ex(o, "max", &v));
	cr_assert_eq(json_object_get_int(v), 255);
	cr_assert(json_object_object_get_ex(o, "min", &v));
	cr_assert_eq(json_object_get_int(v), 0);
	json_object_put(o);
	capture_free(&c);
}

Test(ha_discovery, select_offers_every_layout)
{
	struct capture c = { 0 };
	json_object *o, *ops;

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), 0);
	o = config_of(&c, HA "select/keymime_pi1/layout/config");
	cr_assert(json_object_object_get_ex(o, "options", &ops));
	cr_assert_eq(json_object_array_length(ops), layout_count(LAYOUT_LINUX));
	cr_assert_gt(layout_count(LAYOUT_LINUX), 0);
	for (size_t i = 0; i < layout_count(LAYOUT_LINUX); i++)
		cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(ops, i)),
				 layout_name(layout_at(LAYOUT_LINUX, i)));
	json_object_put(o);
	capture_free(&c);
}

/* The target select offers the four systems; the layout select the layouts
 * of the device's current target, which changes its options. */
Test(ha_discovery, layout_options_follow_the_target)
{
	static const char *const targets[] = { "linux", "windows", "macos", "chromeos" };
	json_object *o, *ops;

	for (int t = 0; t < LAYOUT_TARGET_COUNT; t++) {
		struct ha_config cfg = pi1;
		struct capture c = { 0 };

		cfg.target = targets[t];
		cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &c), 0, "%s", targets[t]);
		o = config_of(&c, HA "select/keymime_pi1/layout/config");
		cr_assert(json_object_object_get_ex(o, "options", &ops));
		cr_assert_eq(json_object_array_length(ops), layout_count(t), "%s", targets[t]);
		for (size_t i = 0; i < layout_count(t); i++)
			cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(ops, i)),
					 layout_name(layout_at(t, i)));
		json_object_put(o);
		o = config_of(&c, HA "select/keymime_pi1/target/config");
		cr_assert(json_object_object_get_ex(o, "options", &ops));
		cr_assert_eq(json_object_array_length(ops), 4);
		for (size_t i = 0; i < 4; i++)
			cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(ops, i)), targets[i]);
		json_object_put(o);
		capture_free(&c);
	}
	cr_assert_neq(layout_count(LAYOUT_MACOS), layout_count(LAYOUT_LINUX));
	struct ha_config bad = pi1;
	struct capture c = { 0 };
	bad.target = "osx";
	cr_expect_eq(ha_discovery_publish(&bad, capture_emit, &c), -EINVAL);
	cr_expect_eq(c.n, 0);
}

Test(ha_discovery, event_lists_its_types)
{
	struct capture c = { 0 };
	json_object *o, *types;

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), 0);
	o = config_of(&c, HA "event/keymime_pi1/result/config");
	cr_assert(json_object_object_get_ex(o, "event_types", &types));
	cr_assert_eq(json_object_array_length(types), 2);
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(types, 0)), "ok");
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(types, 1)), "error");
	json_object_put(o);
	capture_free(&c);
}

/* ---- prefixes, ids, errors ------------------------------------------------ */

Test(ha_discovery, prefixes_are_used_everywhere)
{
	struct ha_config cfg = { .device_id = "desk-2", .topic_prefix = "office/kb",
				 .ha_prefix = "ha", .version = "9.9", .combos = "none" };
	struct capture c = { 0 };
	json_object *o;

	cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &c), 0);
	cr_assert_eq(c.n, 15, "no buttons with combos=none");
	for (size_t i = 0; i < c.n; i++) {
		cr_assert_eq(strncmp(c.topic[i], "ha/", 3), 0, "%s", c.topic[i]);
		cr_assert(strstr(c.topic[i], "/keymime_desk-2/"), "%s", c.topic[i]);
		cr_assert_null(strstr(c.payload[i], "\"keymime/"), "%s", c.payload[i]);
	}
	o = config_of(&c, "ha/text/keymime_desk-2/type/config");
	cr_assert_str_eq(str_at(o, "command_topic"), "office/kb/desk-2/type");
	cr_assert_str_eq(str_at(o, "availability_topic"), "office/kb/desk-2/availability");
	json_object_put(o);
	capture_free(&c);
}

Test(ha_discovery, null_prefixes_and_version_have_defaults)
{
	struct ha_config cfg = { .device_id = "pi1" };
	struct capture c = { 0 };

	cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &c), 0);
	cr_assert_eq(c.n, 19);
	cr_assert_eq(strncmp(c.topic[0], "homeassistant/", 14), 0);
	cr_assert(strstr(c.payload[0], "\"keymime/pi1/type\""));
	cr_assert(strstr(c.payload[0], KEYMIME_VERSION));
	capture_free(&c);
}

struct bad_config {
	const char *device_id, *topic_prefix, *ha_prefix, *combos;
};

static const struct bad_config bad_configs[] = {
	{ NULL, NULL, NULL, NULL },
	{ "", NULL, NULL, NULL },
	{ "pi 1", NULL, NULL, NULL },
	{ "pi/1", NULL, NULL, NULL },
	{ "pi+", NULL, NULL, NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, NULL, NULL },
	{ "pi1", "", NULL, NULL },
	{ "pi1", "key/#", NULL, NULL },
	{ "pi1", "keymime/", NULL, NULL },
	{ "pi1", NULL, "/homeassistant", NULL },
	{ "pi1", NULL, "home+assistant", NULL },
	{ "pi1", NULL, NULL, "Oops=ctl+alt+delete" },
};

Test(ha_discovery, bad_configs_emit_nothing)
{
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		const struct bad_config *b = &bad_configs[i];
		struct ha_config cfg = { .device_id = b->device_id, .topic_prefix = b->topic_prefix,
					 .ha_prefix = b->ha_prefix, .combos = b->combos };
		struct capture c = { 0 };

		cr_expect_eq(ha_discovery_publish(&cfg, capture_emit, &c), -EINVAL, "case %zu", i);
		cr_expect_eq(ha_discovery_remove(&cfg, capture_emit, &c), -EINVAL, "case %zu", i);
		cr_expect_eq(c.n, 0, "case %zu emitted %zu", i, c.n);
		capture_free(&c);
	}
	cr_assert_eq(ha_discovery_publish(NULL, capture_emit, NULL), -EINVAL);
	cr_assert_eq(ha_discovery_publish(&pi1, NULL, NULL), -EINVAL);
}

Test(ha_discovery, emit_error_stops_and_is_returned)
{
	struct capture c = { .fail_at = 3, .fail_with = -EIO };

	cr_assert_eq(ha_discovery_publish(&pi1, capture_emit, &c), -EIO);
	cr_assert_eq(c.n, 3);
	capture_free(&c);
	c.fail_at = 1;
	c.fail_with = -ENOTCONN;
	cr_assert_eq(ha_discovery_remove(&pi1, capture_emit, &c), -ENOTCONN);
	cr_assert_eq(c.n, 1);
	capture_free(&c);
}

Test(ha_discovery, remove_empties_exactly_the_published_topics)
{
	static const char *combo_sets[] = { NULL, "", "none", "A=a, B b=shift+b, Ü=ctrl+c ctrl+v" };

	for (size_t s = 0; s < sizeof(combo_sets) / sizeof(combo_sets[0]); s++) {
		struct ha_config cfg = pi1;
		struct capture pub = { 0 }, rem = { 0 };

		cfg.combos = combo_sets[s];
		cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &pub), 0);
		cr_assert_eq(ha_discovery_remove(&cfg, capture_emit, &rem), 0);
		cr_assert_eq(pub.n, rem.n, "set %zu", s);
		for (size_t i = 0; i < rem.n; i++) {
			cr_assert_str_eq(rem.topic[i], pub.topic[i]);
			cr_assert_str_eq(rem.payload[i], "");
			cr_assert_str_neq(pub.payload[i], "");
		}
		capture_free(&pub);
		capture_free(&rem);
	}
}

/* ---- ha_combos ------------------------------------------------------------ */

struct combo_case {
	const char *text;
	int ret;
	const char *err;          /* substring of the message, or NULL */
	int buttons;              /* buttons published when ret == 0 */
};

static const struct combo_case combo_cases[] = {
	{ NULL, 0, NULL, 4 },
	{ "", 0, NULL, 4 },
	{ "none", 0, NULL, 0 },
	{ HA_DEFAULT_COMBOS, 0, NULL, 4 },
	{ "Paste=ctrl+v", 0, NULL, 1 },
	{ "  Paste = ctrl+v ,  Copy=ctrl+c,", 0, NULL, 2 },
	{ "Copy and paste=ctrl+c ctrl+v", 0, NULL, 1 },
	{ "Run=super+r, Vol+=AudioVolumeUp, F12=F12", 0, NULL, 3 },
	{ "→=ctrl+alt+ArrowRight", 0, NULL, 1 },
	{ ",,", 0, NULL, 0 },
	{ "Paste", -EINVAL, "not Name=keys", 0 },
	{ "=ctrl+v", -EINVAL, "empty name", 0 },
	{ "Paste=", -EINVAL, "keys empty", 0 },
	{ "Paste=ctl+v", -EINVAL, "no key named 'ctl'", 0 },
	{ "Paste=ctrl+", -EINVAL, "empty key name", 0 },
	{ "Mix=ctrl+AudioVolumeUp", -EINVAL, "cannot be combined", 0 },
	{ "Many=a+b+c+d+e+f+g", -EINVAL, "at most", 0 },
	{ "Paste=ctrl++v", -EINVAL, "empty key name", 0 },
	{ "A b=a, a-b=b", -EINVAL, "same id 'combo_a_b'", 0 },
	{ "Tab\x01=tab", -EINVAL, "control character", 0 },
	{ "Fine=a, Broken=b+nosuchkey", -EINVAL, "combo 2", 0 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=a", -EINVAL,
	  "longer than", 0 },
};

Test(ha_combos, validate_table)
{
	for (size_t i = 0; i < sizeof(combo_cases) / sizeof(combo_cases[0]); i++) {
		const struct combo_case *k = &combo_cases[i];
		struct err e = { .detail = "" };
		int r = ha_combos_validate(k->text, &e);
		const char *err = e.detail;

		cr_expect_eq(r, k->ret, "case %zu '%s': %d (%s)", i, k->text ? k->text : "(null)",
			     r, err);
		if (k->err)
			cr_expect(strstr(err, k->err), "case %zu: message '%s' lacks '%s'",
				  i, err, k->err);
		else
			cr_expect_str_eq(err, "", "case %zu", i);
	}
}

Test(ha_combos, buttons_follow_the_combos)
{
	for (size_t i = 0; i < sizeof(combo_cases) / sizeof(combo_cases[0]); i++) {
		const struct combo_case *k = &combo_cases[i];
		struct ha_config cfg = pi1;
		struct capture c = { 0 };
		int buttons = 0;

		cfg.combos = k->text;
		cr_expect_eq(ha_discovery_publish(&cfg, capture_emit, &c), k->ret, "case %zu", i);
		for (size_t m = 0; m < c.n; m++)
			buttons += strncmp(c.topic[m], "homeassistant/button/", 21) == 0 &&
				   strstr(c.topic[m], "/combo_") != NULL;   /* not Wake, macros */
		cr_expect_eq(buttons, k->buttons, "case %zu: %d buttons", i, buttons);
		capture_free(&c);
	}
}

Test(ha_combos, too_many_combos)
{
	char text[HA_MAX_COMBOS * 16 + 32] = "";
	struct err e;
	const char *err = e.detail;

	for (int i = 0; i <= HA_MAX_COMBOS; i++) {
		char one[16];

		snprintf(one, sizeof(one), "%sK%d=a", i ? "," : "", i);
		strcat(text, one);
	}
	cr_assert_eq(ha_combos_validate(text, &e), -EINVAL);
	cr_assert(strstr(err, "more than"), "%s", err);
	text[strlen(text) - strlen(",K32=a")] = '\0';
	cr_assert_eq(ha_combos_validate(text, &e), 0, "%s", err);
}

Test(ha_combos, label_without_ascii_falls_back_to_keys)
{
	struct ha_config cfg = pi1;
	struct capture c = { 0 };
	json_object *o;

	cfg.combos = "→=ctrl+alt+ArrowRight";
	cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &c), 0);
	o = config_of(&c, HA "button/keymime_pi1/combo_ctrl_alt_arrowright/config");
	cr_assert(o);
	cr_assert_str_eq(str_at(o, "name"), "→");
	json_object_put(o);
	capture_free(&c);
}

Test(ha_combos, null_err_buffer_is_fine)
{
	cr_assert_eq(ha_combos_validate("Paste", NULL), -EINVAL);
}

/* The device entry: the configured name and location (suggested_area), else "keymime <id>". */
Test(ha_discovery, device_name_and_area)
{
	struct ha_config cfg = pi1;
	struct capture c = { 0 };

	cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		json_object *o = json_tokener_parse(c.payload[i]), *dev;
		cr_assert(json_object_object_get_ex(o, "device", &dev), "%s", c.topic[i]);
		cr_expect_str_eq(str_at(dev, "name"), "keymime pi1");
		cr_expect_null(str_at(dev, "suggested_area"), "%s", c.topic[i]);
		json_object_put(o);
	}
	capture_free(&c);
	cfg.name = "Reception PC";
	cfg.location = "Front desk";
	memset(&c, 0, sizeof c);
	cr_assert_eq(ha_discovery_publish(&cfg, capture_emit, &c), 0);
	cr_assert_eq(c.n, 19);
	for (size_t i = 0; i < c.n; i++) {
		json_object *o = json_tokener_parse(c.payload[i]), *dev;
		cr_assert(json_object_object_get_ex(o, "device", &dev), "%s", c.topic[i]);
		cr_expect_str_eq(str_at(dev, "name"), "Reception PC", "%s", c.topic[i]);
		cr_expect_str_eq(str_at(dev, "suggested_area"), "Front desk", "%s", c.topic[i]);
		json_object_put(o);
	}
	capture_free(&c);
}
