/* SPDX-License-Identifier: MIT */
/* mqtt_link: the broker connection (Paho MQTT C, async client) — the only
 * file that includes Paho. Connects with a retained `offline` will, clean
 * session (nothing published while we were away is delivered later),
 * subscribes to the command topics, announces `online`, reconnects with
 * capped exponential backoff, publishes results and status. */
#ifndef KEYMIME_MQTT_LINK_H
#define KEYMIME_MQTT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent;
struct mqtt_link;

/* An incoming message, valid during the intake call only. */
struct mqtt_inbound {
	const char *topic;
	const char *payload;         /* not NUL-terminated */
	size_t len;
	bool retained;
	const char *response_topic;  /* MQTT v5, NUL-terminated copy, or NULL */
	const void *correlation;     /* MQTT v5, or NULL */
	size_t correlation_len;
};

/* Called on Paho's thread for every message; must not block. (intake.c) */
void intake_message(struct agent *a, const struct mqtt_inbound *m);

/* Create the client. password: borrowed (read from password_file by main).
 * Returns 0 or -EINVAL with a logged reason. */
int mqtt_link_create(struct mqtt_link **out, struct agent *a, const char *password);

/* Called regularly by the main thread: starts a (re)connect when due. */
void mqtt_link_tick(struct mqtt_link *l, uint64_t now_ms);

bool mqtt_link_connected(struct mqtt_link *l);

/* Publish from any thread; queued in order while disconnected or while ten
 * publishes await their acknowledgement (at most 4096 wait; then the oldest
 * is dropped, with a warning). Returns 0. topic, payload: copied. */
int mqtt_link_publish(struct mqtt_link *l, const char *topic, const char *payload, size_t len,
		      int qos, bool retained);

/* Publish a reply to an MQTT v5 response topic, with correlation data. */
int mqtt_link_reply(struct mqtt_link *l, const char *topic, const void *correlation,
		    size_t correlation_len, const char *payload, size_t len);

/* Publish `offline` (retained) and disconnect, waiting at most timeout_ms.
 * Returns 0 when the broker took both, -ENOTCONN if not connected (Paho
 * idle), -EINPROGRESS if a connection attempt is under way, or -ETIMEDOUT /
 * -EIO. */
int mqtt_link_stop(struct mqtt_link *l, int timeout_ms);

void mqtt_link_destroy(struct mqtt_link *l);

#endif
