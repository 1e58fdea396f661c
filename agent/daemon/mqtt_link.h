/* SPDX-License-Identifier: MIT */
/* mqtt_link: an MQTT transport (Paho MQTT C, async client) — the only file
 * that includes Paho, and it knows nothing of the agent. It is created with
 * the connection settings, a will, the subscriptions and two callbacks
 * (message, connection state) with a context pointer, the way libmosquitto
 * is shaped. Clean session (nothing published while we were away is
 * delivered later), reconnects with capped exponential backoff, publishes in
 * order through a bounded window.
 *
 * Several broker URIs: one is used at a time; when a connection is lost or
 * an attempt fails, the next is tried (with the same backoff), like Paho's
 * serverURIs but with a version and a client handle per attempt. MQTT
 * version "auto": MQTT 5 first; a broker that refuses it (CONNACK code 1 or
 * reason 0x84, or a connection closed right after the CONNECT) is tried at
 * once with 3.1.1, and that broker keeps 3.1.1 for the rest of the run.
 *
 * TCP_NODELAY: Paho has no socket-option hook; nodelay.c (linked into
 * keymime-agent on purpose) sets it on the broker connection. */
#ifndef KEYMIME_MQTT_LINK_H
#define KEYMIME_MQTT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mqtt_link;

/* An incoming message, valid during the on_message call only. */
struct mqtt_inbound {
	const char *topic;
	const char *payload;         /* not NUL-terminated */
	size_t len;
	bool retained;
	const char *response_topic;  /* MQTT v5, NUL-terminated copy, or NULL */
	const void *correlation;     /* MQTT v5, or NULL */
	size_t correlation_len;
};

struct mqtt_link_config {
	const char *const *uris;     /* tcp://, ssl://, mqtt://, mqtts://, ws://, wss:// */
	size_t n_uris;               /* at least 1; tried in turn */
	const char *client_id, *username;
	const char *password;        /* or NULL */
	const char *cafile, *capath, *certfile, *keyfile;   /* "" = none */
	int mqtt_version;            /* 5, 4 (3.1.1), or 0: auto (5, else 3.1.1) */
	int keepalive_s, reconnect_max_s;
	const char *will_topic, *will_payload;   /* retained, QoS 1; published by stop too */
	/* MQTT v5 user properties put on every message this client publishes,
	 * the will too: 2 * n_user_properties strings, name then value. */
	const char *const *user_properties;
	size_t n_user_properties;
	const char *const *subscriptions;        /* QoS 1, retain-as-published */
	size_t n_subscriptions;
	/* On Paho's thread, for every message; must not block. */
	void (*on_message)(void *ctx, const struct mqtt_inbound *m);
	/* On Paho's thread: connected (subscriptions answered) or not. why:
	 * when connected, to what ("tcp://b:1883, MQTT 5"); when not, what went
	 * wrong in plain words (conncause.h), or NULL. */
	void (*on_state)(void *ctx, bool connected, const char *why);
	void *ctx;
};

/* Create the link (Paho's client is made for each server when it is tried).
 * Every string of cfg is copied, the lists too. Returns 0 or -EINVAL with a
 * logged reason. */
int mqtt_link_create(struct mqtt_link **out, const struct mqtt_link_config *cfg);

/* Called regularly by one thread (the only one that creates and destroys
 * Paho's clients): starts a (re)connect when due. */
void mqtt_link_tick(struct mqtt_link *l, uint64_t now_ms);

bool mqtt_link_connected(struct mqtt_link *l);

/* Publish from any thread; queued in order while disconnected or while ten
 * publishes await their acknowledgement (at most 4096 wait; then the oldest
 * non-retained one is dropped, with a warning). topic, payload: copied. */
void mqtt_link_publish(struct mqtt_link *l, const char *topic, const char *payload, size_t len,
		       int qos, bool retained);

/* Publish a reply to an MQTT v5 response topic, with correlation data
 * (copied). Returns 0, or -EINVAL on an MQTT 3.1.1 link. */
int mqtt_link_reply(struct mqtt_link *l, const char *topic, const void *correlation,
		    size_t correlation_len, const char *payload, size_t len);

/* Let waiting publishes go out (for at most half of timeout_ms), publish the
 * will message (a clean stop says it itself) and disconnect, waiting at most
 * timeout_ms in all. Returns 0 when the broker took both, -ENOTCONN if not
 * connected (Paho idle), -EINPROGRESS if a connection attempt is under way,
 * or -ETIMEDOUT / -EIO. */
int mqtt_link_stop(struct mqtt_link *l, int timeout_ms);

void mqtt_link_destroy(struct mqtt_link *l);

#endif
