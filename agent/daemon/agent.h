/* SPDX-License-Identifier: MIT */
/* agent: the state shared by the daemon's threads — the MQTT thread (Paho's
 * callbacks: parse, validate, enqueue), the HID writer thread (owns the
 * devices and the key state) and the main thread (signals, status, watchdog). */
#ifndef KEYMIME_AGENT_H
#define KEYMIME_AGENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd_queue.h"
#include "command.h"
#include "config.h"
#include "hid_report.h"
#include "layout.h"
#include "message.h"

struct mqtt_link;

struct agent_topics {
	char *type, *keys, *cmd;                  /* this device's command topics */
	char *availability, *status, *result;
	char *ha_status;                          /* <ha_prefix>/status */
	char **group_filters;                     /* <prefix>/group/<g>/+ */
	size_t n_groups;
};

/* What the status shows; written by several threads under st_lock. */
struct agent_state {
	pthread_mutex_t lock;
	const char *host;             /* "connected" / "disconnected" / "unknown" (static) */
	struct hid_leds leds;
	bool leds_known;
	bool busy;
	struct status_counters counters;
	bool dirty;                   /* changed since the last publication */
};

struct agent {
	const struct config *cfg;     /* borrowed; lives for the whole run */
	char **groups;                /* NULL-terminated, "all" first */
	size_t n_groups;
	struct agent_topics topics;
	struct cmd_limits limits;
	struct cmd_queue queue;
	int wake_fd;                  /* eventfd: wakes the writer */
	atomic_uint cancel_gen;       /* bumped by cancel / release_all */
	atomic_bool stopping;
	atomic_bool release_pending;  /* cancel/release_all: the writer releases all */
	_Atomic(const struct layout *) layout;   /* the device's current layout */
	atomic_bool ha_announce;      /* republish discovery (HA came online) */
	struct mqtt_link *link;
	struct agent_state st;
	uint64_t started_ms;
};

/* Publish the result of command c (id, source, reply routing) — from any
 * thread. ri: the outcome; its id/source/layout are filled from c. */
void agent_publish_result(struct agent *a, const struct command *c, struct result_info *ri);

/* Mark the status changed (it is published by the main thread, rate-limited). */
void agent_touch(struct agent *a);

/* Wake the writer thread. */
void agent_wake(struct agent *a);

/* Milliseconds since an arbitrary epoch (CLOCK_MONOTONIC). */
uint64_t agent_now_ms(void);
uint64_t agent_now_ns(void);

#endif
