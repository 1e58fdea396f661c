/* SPDX-License-Identifier: MIT */
/* agent: the state the daemon's threads share, behind named operations — the
 * MQTT thread (Paho's callbacks: intake.c parses, validates, enqueues), the
 * HID writer thread (writer.c: owns the devices and the key state) and the
 * main thread (main.c: signals, status, watchdog). The status fields are
 * locked here and nowhere else; the rest is atomic or immutable after
 * agent_init(). See docs/architecture.md. */
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
#include "recent.h"
#include "sequencer.h"

struct mqtt_link;

struct agent_topics {
	char *type, *keys, *cmd, *script;         /* this device's command topics */
	char *availability, *status, *result, *progress;
	char *ha_status;                          /* <ha_prefix>/status */
	char **group_filters;                     /* <prefix>/group/<g>/+ */
	char *rollcall;                           /* <prefix>/rollcall */
	char **group_rollcalls;                   /* <prefix>/group/<g>/rollcall */
	size_t n_groups;
};

/* Remote wakeup as the writer found it (copied: the writer may look again). */
struct agent_wake {
	char udc[64], driver[64], why[224];
	bool supported;
	int advertised;
};

/* What the status shows. Private to agent.c (the lock is taken nowhere else). */
struct agent_state {
	struct agent_wake wake;
	pthread_mutex_t lock;
	const char *host;             /* "connected" / "disconnected" / "unknown" (static) */
	struct hid_leds leds;
	bool leds_known;
	bool busy;
	struct status_counters counters;
	bool dirty;                   /* changed since the last publication */
};

struct agent {
	/* Immutable after agent_init(). */
	const struct config *cfg;     /* borrowed; lives for the whole run */
	char **groups;                /* NULL-terminated, "all" first */
	size_t n_groups;
	struct agent_topics topics;
	struct cmd_limits limits;     /* with the configured macros */
	const char **macro_names;     /* NULL-terminated, borrowed from cfg */
	struct mqtt_link *link;       /* set once by main before any thread runs */
	uint64_t started_ms;
	uint8_t unicode_entry;        /* the device's (config), for each command */
	bool macos_iso;               /* macos_keyboard_type = iso */
	/* Shared, thread-safe by construction. */
	struct cmd_queue queue;       /* intake → writer */
	int wake_fd;                  /* eventfd: wakes the writer (agent_wake) */
	atomic_uint cancel_gen;       /* bumped by cancel / release_all / stop */
	atomic_bool stopping;
	atomic_bool release_pending;  /* cancel/release_all: the writer releases all */
	_Atomic(const struct layout *) layout;   /* the device's current layout */
	atomic_bool ha_announce;      /* republish discovery (HA came online) */
	atomic_bool keep_awake;       /* the writer taps keep_awake_key when idle */
	atomic_bool rollcall;         /* a roll call came: republish availability and status */
	struct recent recent;         /* cmd messages seen lately (MQTT thread only) */
	struct agent_state st;        /* through the operations below only */
};

/* Topics, groups, queue, wake fd. Returns 0 or -errno. */
int agent_init(struct agent *a, const struct config *cfg);
void agent_destroy(struct agent *a);

/* Publish the result of command c (id, source, reply routing) — from any
 * thread. ri: the outcome; its id/source/layout are filled from c. */
void agent_publish_result(struct agent *a, const struct command *c, struct result_info *ri);

/* Publish how far command c has come (<prefix>/<id>/progress, not retained). */
void agent_publish_progress(struct agent *a, const struct command *c, const struct seq_progress *p);

/* Is topic a roll call this device answers (the fleet's or one of its
 * groups')? */
bool agent_is_rollcall(const struct agent *a, const char *topic);

/* Answer a roll call: availability (online) and status again, retained
 * (main thread; rate-limiting is the caller's). */
void agent_answer_rollcall(struct agent *a);

/* Publish the status now (main thread; rate-limiting is the caller's). */
void agent_publish_status(struct agent *a);

/* The status changed since it was last published? */
bool agent_status_dirty(struct agent *a);

/* Mark the status changed (it is published by the main thread, rate-limited). */
void agent_touch(struct agent *a);

/* Wake the writer thread. */
void agent_wake(struct agent *a);

/* MQTT thread: was this cmd message (topic + payload, with an id) seen
 * within duplicate_window_s? Counted and logged when it was. */
bool agent_duplicate(struct agent *a, const char *topic, const char *payload, size_t len,
		     const char *id);

/* Counters and state, from any thread; each marks the status changed when
 * something changed. */
void agent_count_command(struct agent *a, bool rejected);
void agent_count_dropped(struct agent *a, size_t n);
void agent_count_typed(struct agent *a, const struct seq_progress *p, bool ok);
void agent_set_host(struct agent *a, const char *host);      /* static string */
void agent_set_leds(struct agent *a, struct hid_leds leds);
void agent_set_busy(struct agent *a, bool busy);

/* keep_awake on or off (a command, release_all): the status says so and the
 * writer is woken to follow. */
void agent_set_keep_awake(struct agent *a, bool on);

/* What remote wakeup can do here (the writer, when it found the UDC). */
void agent_set_wake(struct agent *a, const struct agent_wake *w);
void agent_count_keep_awake_tap(struct agent *a, size_t reports);

#endif
