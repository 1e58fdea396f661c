/* SPDX-License-Identifier: MIT */
/* test_topics: the topic layout against tests/data/topics.json, the examples
 * the dashboard's protocol.js is tested against too. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "topics.h"

static json_object *examples(const char *section)
{
	static json_object *root;
	json_object *v;

	if (!root)
		root = json_object_from_file(KEYMIME_TEST_DATA "/topics.json");
	cr_assert_not_null(root, "cannot read %s/topics.json", KEYMIME_TEST_DATA);
	cr_assert(json_object_object_get_ex(root, section, &v), "no section %s", section);
	return v;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

/* Every string of examples[section][which] gets ok from pred. Strings may
 * hold NUL (JSON \u0000): a C string stops there, which the checks see as
 * the shorter string — so those examples are tested as their length says. */
static void each(const char *section, const char *which, bool (*pred)(const char *), bool want)
{
	json_object *list;

	cr_assert(json_object_object_get_ex(examples(section), which, &list));
	cr_assert_gt(json_object_array_length(list), 0);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *s = json_object_get_string(e);
		if (strlen(s) != (size_t)json_object_get_string_len(e)) {
			cr_expect_not(want, "%s.%s[%zu] holds a NUL and must be invalid", section, which, i);
			continue;
		}
		cr_expect_eq(pred(s), want, "%s.%s: '%s' should be %s", section, which, s,
			     want ? "valid" : "invalid");
	}
}

Test(topics, ids)
{
	each("ids", "valid", topics_valid_id, true);
	each("ids", "invalid", topics_valid_id, false);
}

Test(topics, device_ids)
{
	each("device_ids", "valid", topics_valid_device_id, true);
	each("device_ids", "invalid", topics_valid_device_id, false);
}

Test(topics, prefixes)
{
	each("prefixes", "valid", topics_valid_prefix, true);
	each("prefixes", "invalid", topics_valid_prefix, false);
}

static enum topic_leaf leaf_named(const char *name)
{
	for (int l = TOPIC_TYPE; topics_leaf_name((enum topic_leaf)l); l++)
		if (name && !strcmp(topics_leaf_name((enum topic_leaf)l), name))
			return (enum topic_leaf)l;
	return TOPIC_NONE;
}

Test(topics, build)
{
	json_object *list = examples("build");

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *prefix = str(e, "prefix"), *leaf = str(e, "leaf");
		char *t;
		if (str(e, "device"))
			t = topics_device(prefix, str(e, "device"), leaf_named(leaf));
		else if (str(e, "group"))
			t = topics_group(prefix, str(e, "group"), leaf_named(leaf));
		else if (str(e, "group_filter"))
			t = topics_group_filter(prefix, str(e, "group_filter"));
		else
			t = topics_ha_status(str(e, "ha_prefix"));
		cr_expect_str_eq(t, str(e, "topic"), "build[%zu]", i);
		free(t);
	}
}

Test(topics, classify)
{
	json_object *list = examples("classify");

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *topic = str(e, "topic"), *scope = str(e, "scope");
		struct topic_parts p;
		bool ok = topics_classify(str(e, "prefix"), topic, &p);

		cr_expect_eq(ok, scope != NULL, "%s: classified %d", topic, ok);
		if (!ok || !scope)
			continue;
		cr_expect_eq(p.scope, !strcmp(scope, "device") ? TOPIC_SCOPE_DEVICE : TOPIC_SCOPE_GROUP,
			     "%s: scope", topic);
		cr_expect_eq(p.name_len, strlen(str(e, "name")), "%s: name", topic);
		cr_expect(!strncmp(p.name, str(e, "name"), p.name_len), "%s: name", topic);
		cr_expect_eq(p.leaf, leaf_named(str(e, "leaf")), "%s: leaf", topic);
	}
}

Test(topics, ha_config)
{
	char *t = topics_ha_config("homeassistant", "button", "keymime_pi1", "combo_enter");

	cr_expect_str_eq(t, "homeassistant/button/keymime_pi1/combo_enter/config");
	free(t);
	cr_expect(topics_is_command(TOPIC_CMD));
	cr_expect_not(topics_is_command(TOPIC_STATUS));
	cr_expect_null(topics_leaf_name(TOPIC_NONE));
}

/* The roll calls: the fleet's and a group's (not a command, never a device's). */
Test(topics, rollcall)
{
	char *t = topics_rollcall("site/keymime");

	cr_expect_str_eq(t, "site/keymime/rollcall");
	free(t);
	t = topics_group("keymime", "lab", TOPIC_ROLLCALL);
	cr_expect_str_eq(t, "keymime/group/lab/rollcall");
	free(t);
	cr_expect_not(topics_is_command(TOPIC_ROLLCALL));
	cr_expect_str_eq(topics_leaf_name(TOPIC_ROLLCALL), "rollcall");
}
