/* SPDX-License-Identifier: MIT */
/* topics: building, classifying and validating keymime's topics. */
#include "topics.h"

#include <string.h>

#include "strbuf.h"

static const char *const leaf_names[] = {
	[TOPIC_TYPE] = "type", [TOPIC_KEYS] = "keys", [TOPIC_CMD] = "cmd",
	[TOPIC_AVAILABILITY] = "availability", [TOPIC_STATUS] = "status",
	[TOPIC_RESULT] = "result", [TOPIC_PROGRESS] = "progress", [TOPIC_SCRIPT] = "script",
	[TOPIC_ROLLCALL] = "rollcall",
};

#define N_LEAVES (sizeof leaf_names / sizeof leaf_names[0])

/* ASCII only, whatever the locale: ids are topic levels. */
static bool id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static bool valid_id_n(const char *s, size_t n)
{
	if (n < 1 || n > TOPICS_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!id_char(s[i]))
			return false;
	return true;
}

bool topics_valid_id(const char *s)
{
	return s && valid_id_n(s, strlen(s));
}

bool topics_valid_device_id(const char *s)
{
	return topics_valid_id(s) && strcmp(s, "group") != 0;
}

bool topics_valid_prefix(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	if (n == 0 || n > TOPICS_PREFIX_MAX || p[0] == '/' || p[0] == '$' || p[n - 1] == '/')
		return false;
	return !strpbrk(p, "+#") && !strstr(p, "//");
}

const char *topics_leaf_name(enum topic_leaf leaf)
{
	return (size_t)leaf < N_LEAVES ? leaf_names[leaf] : NULL;
}

bool topics_is_command(enum topic_leaf leaf)
{
	return leaf == TOPIC_TYPE || leaf == TOPIC_KEYS || leaf == TOPIC_CMD || leaf == TOPIC_SCRIPT;
}

char *topics_device(const char *prefix, const char *id, enum topic_leaf leaf)
{
	return str_printf("%s/%s/%s", prefix, id, topics_leaf_name(leaf));
}

char *topics_group(const char *prefix, const char *group, enum topic_leaf leaf)
{
	return str_printf("%s/group/%s/%s", prefix, group, topics_leaf_name(leaf));
}

char *topics_group_filter(const char *prefix, const char *group)
{
	return str_printf("%s/group/%s/+", prefix, group);
}

char *topics_rollcall(const char *prefix)
{
	return str_printf("%s/rollcall", prefix);
}

char *topics_ha_status(const char *ha_prefix)
{
	return str_printf("%s/status", ha_prefix);
}

char *topics_ha_config(const char *ha_prefix, const char *component, const char *node,
		       const char *object)
{
	return str_printf("%s/%s/%s/%s/config", ha_prefix, component, node, object);
}

static enum topic_leaf leaf_of(const char *s)
{
	for (size_t i = 1; i < N_LEAVES; i++)
		if (!strcmp(s, leaf_names[i]))
			return (enum topic_leaf)i;
	return TOPIC_NONE;
}

bool topics_classify(const char *prefix, const char *topic, struct topic_parts *out)
{
	size_t pl = strlen(prefix);
	const char *a, *b, *c;

	memset(out, 0, sizeof *out);
	if (strncmp(topic, prefix, pl) || topic[pl] != '/')
		return false;
	a = topic + pl + 1;                   /* <id>/<leaf> or group/<g>/<leaf> */
	if (!(b = strchr(a, '/')))
		return false;
	if ((size_t)(b - a) == 5 && !strncmp(a, "group", 5)) {
		if (!(c = strchr(b + 1, '/')) || !valid_id_n(b + 1, (size_t)(c - b - 1)))
			return false;
		enum topic_leaf leaf = leaf_of(c + 1);
		if (!topics_is_command(leaf))
			return false;
		*out = (struct topic_parts){ TOPIC_SCOPE_GROUP, b + 1, (size_t)(c - b - 1), leaf };
		return true;
	}
	enum topic_leaf leaf = leaf_of(b + 1);
	if (leaf == TOPIC_NONE || leaf == TOPIC_ROLLCALL || !valid_id_n(a, (size_t)(b - a)))
		return false;
	*out = (struct topic_parts){ TOPIC_SCOPE_DEVICE, a, (size_t)(b - a), leaf };
	return true;
}
