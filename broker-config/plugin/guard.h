/* SPDX-License-Identifier: MIT */
/* guard: the rules of the keymime mosquitto plugin that an ACL file cannot
 * express — which accounts may retain what, how large a device's messages
 * may be, which Home Assistant discovery configs a device may publish, and
 * which certificate may serve which account. Pure: no I/O, no globals, no
 * mosquitto headers; keymime_guard.c is the broker glue around it.
 *
 * The rules come from DIR/guard, written by keymime-broker:
 *   client_certs optional|required|identity
 *   device NAME
 *   site NAME DEV1,DEV2      (a bridge account speaking for these devices)
 *   admin NAME               (the tool's own account: no limits)
 *   kick NAME STAMP          (end NAME's live sessions when STAMP is new)
 * '#' comments and blank lines are ignored; any other line is an error. */
#ifndef KEYMIME_GUARD_H
#define KEYMIME_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Size caps (bytes) of what devices publish: the agent's largest status,
 * result and discovery config are far below (docs/security.md). */
#define GUARD_MAX_AVAILABILITY 64
#define GUARD_MAX_STATE 16384
#define GUARD_MAX_HA_CONFIG 16384

enum guard_role { GUARD_OTHER = 0, GUARD_DEVICE, GUARD_SITE, GUARD_ADMIN };

struct guard_account {
	char *name;
	enum guard_role role;
	char *devices;               /* site: ",d1,d2," (for strstr); else NULL */
};

struct guard_kick {
	char *name;
	char *stamp;
};

struct guard {
	struct guard_account *acc;
	size_t n_acc;
	struct guard_kick *kick;
	size_t n_kick;
	bool certs_bound;            /* client_certs required|identity */
};

/* Parse the rules text (NUL-terminated, borrowed) into *g, which must be
 * zeroed or freed. Returns 0, -EINVAL with "line N: why" in why, or -ENOMEM;
 * on error *g holds nothing (guard_free() is still safe). */
int guard_parse(struct guard *g, const char *text, char *why, size_t whylen);

/* Free what *g holds and zero it. */
void guard_free(struct guard *g);

/* The account entry of user, or NULL (an operator, viewer, Home Assistant or
 * an unknown name: GUARD_OTHER). Borrowed from g. */
const struct guard_account *guard_find(const struct guard *g, const char *user);

/* Verdict on one publish by user (may be NULL) on topic: NULL when the guard
 * has no objection (the ACL still decides), else a static reason it is
 * refused. payload: len bytes, not NUL-terminated, borrowed. */
const char *guard_publish(const struct guard *g, const char *user, const char *topic,
			  const void *payload, size_t len, bool retain);

/* Verdict on a Home Assistant discovery config (JSON, len bytes) published
 * for device dev: NULL when every topic it names is under keymime/<dev>/ and
 * every identity it claims is keymime_<dev>; else a static reason. */
const char *guard_ha_config(const char *dev, const char *json, size_t len);

/* Verdict on a login: has_cert says a client certificate from the CA was
 * verified on this connection, cn is its common name (NULL without). NULL
 * when acceptable (the password file still decides), else a static reason. */
const char *guard_login(const struct guard *g, const char *user, bool has_cert, const char *cn);

/* Does the kick (name, stamp) appear in old? (A kick is applied once.) */
bool guard_kick_known(const struct guard *old, const struct guard_kick *k);

#endif
