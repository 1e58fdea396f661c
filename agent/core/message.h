/* SPDX-License-Identifier: MIT */
/* message: the JSON the agent publishes — command results and device status.
 * Pure; field names are part of the contract (docs/protocol.md). */
#ifndef KEYMIME_MESSAGE_H
#define KEYMIME_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "hid_report.h"

struct result_info {
	const char *id;              /* borrowed; NULL → "id":null */
	const char *device;          /* the device id, borrowed; NULL → left out */
	bool ok;
	const char *error;           /* code when !ok (static) */
	const char *detail;          /* human sentence when !ok */
	const struct err *bad; /* untypable characters to list, or NULL */
	const char *source;          /* "type", "keys", "cmd" */
	const char *layout;          /* layout used for text, or NULL */
	const char *target;          /* its target ("macos"), beside layout */
	size_t chars, strokes;       /* what was typed (also on failure: partial) */
	const char *unicode_entry;   /* the entry method the text used, or NULL (static) */
	size_t entered;              /* characters typed through it */
	long ms;                     /* from receipt to the last report, -1 = omit */
	size_t dropped;              /* cancel/release_all: queued commands dropped */
	const char *wake;            /* "woken" (it woke the computer), "awake" ({"wake":true}
				      * to a computer not asleep), or NULL */
};

/* A result object as a JSON string; the caller frees it. */
char *message_result(const struct result_info *r);

struct status_counters {
	uint64_t commands, ok, errors, chars, reports, dropped, rejected;
	uint64_t keep_awake_taps;    /* keys tapped by keep_awake */
	uint64_t duplicates;         /* redelivered commands not typed again */
};

struct status_limits {
	long max_chars, max_payload, max_steps;
};

/* Remote wakeup: what the UDC can do (docs/protocol.md, status "wake"). */
struct wake_status {
	const char *udc;             /* the controller's name, or NULL */
	const char *driver;          /* its driver, or NULL */
	bool supported;
	int advertised;              /* the gadget offers remote wakeup: 1, 0, -1 unknown */
	const char *why;             /* why not, when !supported */
};

struct status_info {
	const char *device_id, *version, *layout, *target;
	const char *name, *location; /* NULL or "" → omitted */
	struct status_limits limits; /* all 0 → omitted */
	char *const *groups;         /* NULL-terminated */
	const char *const *macros;   /* NULL-terminated names, or NULL */
	const char *host;            /* "connected", "disconnected", "unknown" */
	struct hid_leds leds;
	bool leds_known;
	bool busy;
	bool keep_awake;             /* keep_awake is on */
	struct wake_status wake;
	size_t queue, queue_size;
	bool consumer;               /* a consumer-control device is configured */
	long uptime_s;
	struct status_counters counters;
};

/* The status object as a JSON string; the caller frees it. */
char *message_status(const struct status_info *s);

/* How far a long command has come (`<prefix>/<id>/progress`, not retained). */
struct progress_info {
	const char *id;              /* the command's id, borrowed; NULL → null */
	const char *device;          /* device id, borrowed */
	const char *source;          /* "type", "keys", "cmd" */
	size_t chars, chars_total;   /* characters typed so far / in the command */
	size_t strokes, strokes_total;   /* key presses so far / in the command */
	long ms;                     /* since the command was received */
};

/* The progress object as a JSON string; the caller frees it. */
char *message_progress(const struct progress_info *p);

#endif
