/* SPDX-License-Identifier: MIT */
/* guard: the keymime plugin's rules (see guard.h): parsing DIR/guard and the
 * verdicts on publishes, discovery configs and logins. Pure. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* asprintf */
#endif
#include "guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define MAX_DEPTH 8

/* ---- the rules file ---------------------------------------------------- */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int add_account(struct guard *g, enum guard_role role, const char *name,
		       const char *devices)
{
	struct guard_account *a = realloc(g->acc, (g->n_acc + 1) * sizeof *a);

	if (!a)
		return -ENOMEM;
	g->acc = a;
	a = &g->acc[g->n_acc];
	a->role = role;
	a->name = strdup(name);
	a->devices = NULL;
	if (devices && asprintf(&a->devices, ",%s,", devices) < 0)
		a->devices = NULL;   /* (asprintf leaves it undefined on failure) */
	if (!a->name || (devices && !a->devices)) {
		free(a->name);
		free(a->devices);
		return -ENOMEM;
	}
	g->n_acc++;
	return 0;
}

static int add_kick(struct guard *g, const char *name, const char *stamp)
{
	struct guard_kick *k = realloc(g->kick, (g->n_kick + 1) * sizeof *k);

	if (!k)
		return -ENOMEM;
	g->kick = k;
	k = &g->kick[g->n_kick];
	k->name = strdup(name);
	k->stamp = strdup(stamp);
	if (!k->name || !k->stamp) {
		free(k->name);
		free(k->stamp);
		return -ENOMEM;
	}
	g->n_kick++;
	return 0;
}

/* One line split into at most 3 words (modified in place); the count. */
static int words(char *line, char *w[3])
{
	int n = 0;

	for (char *save = NULL, *t = strtok_r(line, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 3)
			return 4;
		w[n++] = t;
	}
	return n;
}

static const char *parse_line(struct guard *g, char *line, int *rc)
{
	char *w[3] = {0};
	int n = words(line, w);

	*rc = 0;
	if (n == 0 || w[0][0] == '#')
		return NULL;
	if (n >= 2 && !valid_name(w[1]))
		return "bad name";
	if (n == 3 && !strcmp(w[0], "site") &&
	    strspn(w[2], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-,") !=
		    strlen(w[2]))
		return "bad device list";
	if (!strcmp(w[0], "client_certs") && n == 2)
		g->certs_bound = strcmp(w[1], "optional") != 0;
	else if (!strcmp(w[0], "device") && n == 2)
		*rc = add_account(g, GUARD_DEVICE, w[1], NULL);
	else if (!strcmp(w[0], "admin") && n == 2)
		*rc = add_account(g, GUARD_ADMIN, w[1], NULL);
	else if (!strcmp(w[0], "site") && n == 3)
		*rc = add_account(g, GUARD_SITE, w[1], w[2]);
	else if (!strcmp(w[0], "kick") && n == 3)
		*rc = add_kick(g, w[1], w[2]);
	else
		return "unknown rule";
	return NULL;
}

int guard_parse(struct guard *g, const char *text, char *why, size_t whylen)
{
	char *copy = strdup(text), *save = NULL;
	int lineno = 0, rc = 0;

	if (!copy)
		return -ENOMEM;
	memset(g, 0, sizeof *g);
	for (char *l = strtok_r(copy, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
		const char *bad;

		lineno++;   /* (blank lines are skipped by strtok_r: numbers count rules) */
		bad = parse_line(g, l, &rc);
		if (bad) {
			snprintf(why, whylen, "rule %d: %s", lineno, bad);
			rc = -EINVAL;
		}
	}
	free(copy);
	if (rc)
		guard_free(g);
	return rc;
}

void guard_free(struct guard *g)
{
	for (size_t i = 0; i < g->n_acc; i++) {
		free(g->acc[i].name);
		free(g->acc[i].devices);
	}
	for (size_t i = 0; i < g->n_kick; i++) {
		free(g->kick[i].name);
		free(g->kick[i].stamp);
	}
	free(g->acc);
	free(g->kick);
	memset(g, 0, sizeof *g);
}

const struct guard_account *guard_find(const struct guard *g, const char *user)
{
	for (size_t i = 0; user && i < g->n_acc; i++)
		if (!strcmp(g->acc[i].name, user))
			return &g->acc[i];
	return NULL;
}

bool guard_kick_known(const struct guard *old, const struct guard_kick *k)
{
	for (size_t i = 0; i < old->n_kick; i++)
		if (!strcmp(old->kick[i].name, k->name) && !strcmp(old->kick[i].stamp, k->stamp))
			return true;
	return false;
}

/* ---- publishes ---------------------------------------------------------- */

/* The device a topic belongs to: keymime/<dev>/<leaf> or
 * homeassistant/<component>/keymime_<dev>/<object>/config. Writes the id
 * into dev (size 65) and returns the leaf ("config" for discovery), or NULL. */
static const char *topic_device(const char *topic, char dev[65], bool *ha)
{
	const char *p, *end;
	size_t n;

	*ha = !strncmp(topic, "homeassistant/", 14);
	if (*ha) {
		p = strchr(topic + 14, '/');
		if (!p || strncmp(p + 1, "keymime_", 8))
			return NULL;
		p += 9;
	} else if (!strncmp(topic, "keymime/", 8)) {
		p = topic + 8;
	} else {
		return NULL;
	}
	end = strchr(p, '/');
	n = end ? (size_t)(end - p) : 0;
	if (!end || n == 0 || n > 64)
		return NULL;
	memcpy(dev, p, n);
	dev[n] = '\0';
	if (*ha) {
		end = strchr(end + 1, '/');
		return end && !strcmp(end + 1, "config") ? "config" : NULL;
	}
	return end + 1;
}

static bool is_command(const char *topic)
{
	char dev[65];
	bool ha;
	const char *leaf = topic_device(topic, dev, &ha);

	if (!leaf || ha)
		return false;
	if (!strcmp(dev, "group")) {
		leaf = strchr(leaf, '/');
		if (!leaf)
			return false;
		leaf++;
	}
	return !strcmp(leaf, "type") || !strcmp(leaf, "keys") || !strcmp(leaf, "cmd") ||
	       !strcmp(leaf, "script");
}

/* May account a speak for device dev? (The ACL says so too; this keeps the
 * guard from applying a device's allowances to someone else's topics.) */
static bool speaks_for(const struct guard_account *a, const char *dev)
{
	char needle[68];

	if (a->role == GUARD_DEVICE)
		return !strcmp(a->name, dev);
	snprintf(needle, sizeof needle, ",%s,", dev);
	return a->devices && strstr(a->devices, needle);
}

/* A device's (or its site's) own state: retained only where it must be. */
static const char *device_state(const char *leaf, size_t len, bool retain)
{
	if (!strcmp(leaf, "availability"))
		return len > GUARD_MAX_AVAILABILITY ? "availability larger than 64 bytes" : NULL;
	if (len > GUARD_MAX_STATE)
		return "device message larger than 16 KiB";
	if (!strcmp(leaf, "status"))
		return NULL;
	if (retain)
		return "a device may retain only availability, status and discovery configs";
	return NULL;
}

static const char *site_notice(const struct guard_account *a, const char *topic, size_t len)
{
	char want[96];

	snprintf(want, sizeof want, "keymime/site/%s/bridge", a->name);
	if (strcmp(topic, want))
		return "a bridge may retain only its devices' state and its own notification";
	return len > GUARD_MAX_AVAILABILITY ? "bridge notification larger than 64 bytes" : NULL;
}

const char *guard_publish(const struct guard *g, const char *user, const char *topic,
			  const void *payload, size_t len, bool retain)
{
	const struct guard_account *a = guard_find(g, user);
	char dev[65];
	bool ha;
	const char *leaf;

	if (a && a->role == GUARD_ADMIN)
		return NULL;
	if (!a || a->role == GUARD_OTHER)
		return retain && is_command(topic) ? "a command is never retained" : NULL;
	leaf = topic_device(topic, dev, &ha);
	if (!leaf || !speaks_for(a, dev)) {   /* e.g. replies to group commands */
		if (a->role == GUARD_SITE && retain)
			return site_notice(a, topic, len);
		if (retain)
			return "a device may retain only its own state";
		return len > GUARD_MAX_STATE ? "device message larger than 16 KiB" : NULL;
	}
	if (!ha)
		return device_state(leaf, len, retain);
	if (len > GUARD_MAX_HA_CONFIG)
		return "discovery config larger than 16 KiB";
	return guard_ha_config(dev, payload, len);
}

/* ---- Home Assistant discovery configs ------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Keys whose value Home Assistant takes as a topic (full and abbreviated). */
static bool topic_key(const char *k)
{
	return ends_with(k, "_topic") || ends_with(k, "_t") || !strcmp(k, "topic") ||
	       !strcmp(k, "t");
}

/* Keys naming an entity or device identity: must be keymime_<dev>[_…]. */
static bool identity_key(const char *k)
{
	static const char *const keys[] = {"unique_id", "uniq_id", "object_id", "obj_id",
					   "default_entity_id", "def_ent_id", NULL};

	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(k, keys[i]))
			return true;
	return false;
}

static bool own_topic(const char *dev, const char *t)
{
	size_t n = strlen(dev);

	return !strncmp(t, "keymime/", 8) && !strncmp(t + 8, dev, n) && t[8 + n] == '/';
}

static bool own_identity(const char *dev, const char *v, bool exact)
{
	size_t n = strlen(dev);

	if (strncmp(v, "keymime_", 8) || strncmp(v + 8, dev, n))
		return false;
	return v[8 + n] == '\0' || (!exact && v[8 + n] == '_');
}

static const char *check_identifiers(const char *dev, json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return own_identity(dev, json_object_get_string(v), true) ? NULL
			: "device identifiers other than keymime_<id>";
	if (!json_object_is_type(v, json_type_array))
		return "device identifiers neither a string nor a list";
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    !own_identity(dev, json_object_get_string(e), true))
			return "device identifiers other than keymime_<id>";
	}
	return NULL;
}

static const char *check_value(const char *dev, json_object *v, int depth);

static const char *check_pair(const char *dev, const char *k, json_object *v, int depth)
{
	bool str = json_object_is_type(v, json_type_string);

	if (!strcmp(k, "~"))
		return "the base topic '~' is not allowed";
	if (!strcmp(k, "connections") || !strcmp(k, "cns") || !strcmp(k, "via_device"))
		return "device connections and via_device are not allowed";
	if (topic_key(k))
		return str && own_topic(dev, json_object_get_string(v)) ? NULL
			: "a topic outside keymime/<id>/";
	if (identity_key(k))
		return str && own_identity(dev, json_object_get_string(v), false) ? NULL
			: "an id that is not keymime_<id>…";
	if (!strcmp(k, "identifiers") || !strcmp(k, "ids"))
		return check_identifiers(dev, v);
	return check_value(dev, v, depth + 1);
}

static const char *check_value(const char *dev, json_object *v, int depth)
{
	const char *bad = NULL;

	if (depth > MAX_DEPTH)
		return "nested too deep";
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; !bad && i < json_object_array_length(v); i++)
			bad = check_value(dev, json_object_array_get_idx(v, i), depth + 1);
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val) {
			bad = check_pair(dev, k, val, depth);
			if (bad)
				break;
		}
	}
	return bad;
}

const char *guard_ha_config(const char *dev, const char *json, size_t len)
{
	json_tokener *tok;
	json_object *root;
	const char *bad;

	if (len == 0)
		return NULL;   /* an empty retained message deletes the entity */
	if (len > GUARD_MAX_HA_CONFIG || memchr(json, '\0', len))
		return "discovery config larger than 16 KiB or not text";
	tok = json_tokener_new_ex(MAX_DEPTH + 2);
	if (!tok)
		return "out of memory";
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_tokener_free(tok);
		json_object_put(root);
		return "discovery config is not one JSON object";
	}
	json_tokener_free(tok);
	bad = json_object_is_type(root, json_type_object) ? check_value(dev, root, 0)
		: "discovery config is not a JSON object";
	json_object_put(root);
	return bad;
}

/* ---- logins --------------------------------------------------------------- */

const char *guard_login(const struct guard *g, const char *user, bool has_cert, const char *cn)
{
	const struct guard_account *a = guard_find(g, user);

	if (has_cert && (!cn || !user || strcmp(cn, user)))
		return "client certificate issued to another account";
	if (a && a->role == GUARD_DEVICE && g->certs_bound && !has_cert)
		return "a device logs in with its own client certificate (client_certs required)";
	return NULL;
}
