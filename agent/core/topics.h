/* SPDX-License-Identifier: MIT */
/* topics: the MQTT topic layout of keymime in one place — what a valid
 * device id, group name and prefix are, how every topic is built, and what an
 * incoming topic is. Pure. web-client/src/protocol.js follows the same rules;
 * tests/data/topics.json holds the examples both are tested against.
 *
 *   <prefix>/<id>/{type,keys,cmd,script}     commands to one device
 *   <prefix>/group/<group>/{type,keys,cmd,script}   commands to a group ("all": every device)
 *   <prefix>/<id>/{availability,status,result,progress}   what a device says
 *   <prefix>/rollcall, <prefix>/group/<group>/rollcall     every device (of a
 *                                            group) republishes availability and status
 *   <ha_prefix>/status, <ha_prefix>/<component>/<node>/<object>/config   Home Assistant */
#ifndef KEYMIME_TOPICS_H
#define KEYMIME_TOPICS_H

#include <stdbool.h>
#include <stddef.h>

#define TOPICS_ID_MAX 64         /* bytes of a device id or group name */
#define TOPICS_PREFIX_MAX 128    /* bytes of a topic prefix */

enum topic_leaf {
	TOPIC_NONE,
	TOPIC_TYPE, TOPIC_KEYS, TOPIC_CMD,                   /* commands */
	TOPIC_AVAILABILITY, TOPIC_STATUS, TOPIC_RESULT, TOPIC_PROGRESS,
	TOPIC_SCRIPT,                                        /* a command: DuckyScript */
	TOPIC_ROLLCALL,                                      /* group level only */
};

enum topic_scope { TOPIC_SCOPE_NONE, TOPIC_SCOPE_DEVICE, TOPIC_SCOPE_GROUP };

/* What topics_classify() found. name points into the topic (not terminated). */
struct topic_parts {
	enum topic_scope scope;
	const char *name;            /* device id or group name */
	size_t name_len;
	enum topic_leaf leaf;
};

/* A group name: [A-Za-z0-9_-]{1,64}. */
bool topics_valid_id(const char *s);

/* A device id: a valid id other than "group" (the level that starts the
 * group topics). */
bool topics_valid_device_id(const char *s);

/* A prefix (topic_prefix, ha_prefix): 1 to 128 bytes of levels that are not
 * empty, with no wildcard (+ #), no NUL, and no leading '$' (topics starting
 * with '$' are the broker's, $SYS). */
bool topics_valid_prefix(const char *p);

/* "type", "status", … (static); NULL for TOPIC_NONE. */
const char *topics_leaf_name(enum topic_leaf leaf);

/* type, keys, cmd or script. */
bool topics_is_command(enum topic_leaf leaf);

/* The builders return a new string (the caller frees it). Their arguments
 * are not checked: validate ids and prefixes first (config does). */
char *topics_device(const char *prefix, const char *id, enum topic_leaf leaf);
char *topics_group(const char *prefix, const char *group, enum topic_leaf leaf);
/* <prefix>/group/<group>/+ : every command topic of a group. */
char *topics_group_filter(const char *prefix, const char *group);
/* <prefix>/rollcall: the whole fleet's roll call (a group's is
 * topics_group(prefix, group, TOPIC_ROLLCALL)). */
char *topics_rollcall(const char *prefix);
char *topics_ha_status(const char *ha_prefix);
char *topics_ha_config(const char *ha_prefix, const char *component, const char *node,
		       const char *object);

/* Classify topic under prefix: a device's topic (any leaf) or a group's
 * command topic with a valid id/name. Returns false (and *out scope NONE)
 * for anything else. topic: borrowed; out->name points into it. */
bool topics_classify(const char *prefix, const char *topic, struct topic_parts *out);

#endif
