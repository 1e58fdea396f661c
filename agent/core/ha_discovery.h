/* SPDX-License-Identifier: MIT */
/* ha_discovery: Home Assistant MQTT discovery messages for one agent (topics
 * and JSON payloads), and the parser of the `ha_combos` config value.
 *
 * Pure module: no syscalls, no logging, no globals. The caller publishes what
 * the emit callback is handed. See docs/home-assistant.md for the entities. */
#ifndef KEYMIME_HA_DISCOVERY_H
#define KEYMIME_HA_DISCOVERY_H

#include <stddef.h>

#include "err.h"

/* Used when ha_config.combos is NULL or "". "none" means: no buttons. */
#define HA_DEFAULT_COMBOS \
	"Ctrl+Alt+Del=ctrl+alt+delete, Enter=enter, Escape=esc, Lock screen=win+l"

#define HA_MAX_COMBOS      32    /* buttons per device */
#define HA_MAX_LABEL       64    /* bytes of a button's name */
#define HA_MAX_CHORD       128   /* bytes of a button's `keys` payload */
#define HA_MAX_MACROS      64    /* macro buttons per device */


/* All strings borrowed for the duration of one call, NUL-terminated. */
struct ha_config {
	const char *device_id;     /* "pi1": [A-Za-z0-9_-]{1,64}; required */
	const char *topic_prefix;  /* "keymime"; NULL = "keymime" */
	const char *ha_prefix;     /* "homeassistant"; NULL = "homeassistant" */
	const char *version;       /* agent version; NULL = KEYMIME_VERSION */
	const char *combos;        /* "Label=chord, …"; NULL/"" = HA_DEFAULT_COMBOS */
	const char *const *macros; /* macro names ([A-Za-z0-9_-]{1,64}), NULL-terminated;
				    * a button each; NULL = none */
	const char *name;          /* device name; NULL/"" = "keymime <id>" */
	const char *location;      /* the device's suggested_area; NULL/"" = none */
	const char *target;        /* the device's current target ("windows"): the
				    * layout select offers its layouts; NULL = linux */
};

/* Called once per discovery message, in a fixed order. topic and payload are
 * borrowed for the duration of the call only (copy them to keep them).
 * Every message must be published RETAINED (QoS 1 recommended): Home Assistant
 * reads the configs again after its own restart. payload "" deletes a config.
 * Return 0 to go on, or a negative errno to stop; that value is passed back. */
typedef int (*ha_emit_fn)(void *ctx, const char *topic, const char *payload);

/* Emit the config of every entity of this agent. Everything is validated
 * before the first emit, so a bad config emits nothing. The layout select's
 * options depend on c->target: publish again when the target changes.
 * Returns 0, -EINVAL (bad device id, prefix or combos), or the first negative
 * value emit returned. */
int ha_discovery_publish(const struct ha_config *c, ha_emit_fn emit, void *ctx);

/* Emit "" to exactly the topics ha_discovery_publish() would use with the same
 * config, so that Home Assistant drops the entities. Buttons of combos that
 * are no longer configured are not known here and are not removed.
 * Returns as ha_discovery_publish(). */
int ha_discovery_remove(const struct ha_config *c, ha_emit_fn emit, void *ctx);

/* Check an `ha_combos` value (NULL/"" = the defaults, which are valid).
 * Returns 0, or -EINVAL with *err filled (code "config"; err may be NULL). */
int ha_combos_validate(const char *combos, struct err *err);

#endif
