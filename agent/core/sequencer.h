/* SPDX-License-Identifier: MIT */
/* sequencer: runs a compiled command as timed HID reports into a sink. It
 * owns the keyboard state (held keys, what the host last saw) and guarantees
 * that text comes out with exactly the modifiers it needs, Caps Lock
 * compensated. Pure: the sink does the I/O and the waiting. */
#ifndef KEYMIME_SEQUENCER_H
#define KEYMIME_SEQUENCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "hid_report.h"

/* Where reports go. Each callback returns 0, or a negative errno that stops
 * the command (-ECANCELED for a cancel, -ETIMEDOUT/-EPIPE/... for the host). */
struct seq_sink {
	void *ctx;
	int (*keyboard)(void *ctx, const uint8_t report[HID_KBD_REPORT_LEN]);
	int (*consumer)(void *ctx, const uint8_t report[HID_CONSUMER_REPORT_LEN]);
	int (*pause)(void *ctx, uint32_t us);
	/* Optional: pause us microseconds while report (what the host was last
	 * told, held keys down) stays on the host — a device that can lose it
	 * (a computer restarting re-enumerates the keyboard) sends it again now
	 * and then. NULL: pause. */
	int (*keep)(void *ctx, const uint8_t report[HID_KBD_REPORT_LEN], uint32_t us);
};

struct seq {
	struct hid_kbd held;         /* keys held by `down` */
	uint16_t consumer_held;
	struct hid_kbd sent;         /* what the host was last told */
	uint16_t consumer_sent;
	bool caps_lock;              /* the host's Caps Lock LED */
	bool caps_toggled;           /* we tapped Caps Lock for the current character */
	bool caps_key_ok;            /* the layout's Caps Lock key toggles Caps Lock */
	bool num_lock;               /* the host's Num Lock LED, when leds_known */
	bool num_toggled;            /* we tapped Num Lock on for the current character */
	bool leds_known;             /* the host sent its LEDs (else Num Lock is taken as on) */
};

struct seq_progress {
	size_t chars;                /* characters fully typed */
	size_t entered;              /* of them, through unicode_entry */
	size_t strokes;              /* key presses sent */
	size_t reports;              /* reports written */
};

void seq_init(struct seq *s);

/* The host's lock LEDs (its last LED output report): Caps Lock for the
 * compensation of text, Num Lock for the keypad digits of code entry. */
void seq_set_leds(struct seq *s, struct hid_leds leds);

/* Type command c. gap_us: pause between keystrokes (0 = as fast as the host
 * takes reports). Returns 0, -ENOSPC when more than six keys would be down,
 * -ENODEV when c needs a consumer device the sink lacks, or the sink's error.
 * On error the caller should seq_release_all(). p: progress, updated as it goes. */
int seq_run(struct seq *s, const struct command *c, uint32_t gap_us,
	    const struct seq_sink *sink, struct seq_progress *p);

/* Forget held keys and tell the host nothing is pressed (only what differs
 * from what it was last told, unless seq_forget_host() was called). */
int seq_release_all(struct seq *s, const struct seq_sink *sink);

/* The host's view is unknown (it went away and came back): the next report
 * is sent even if it equals the last one. */
void seq_forget_host(struct seq *s);

bool seq_holding(const struct seq *s);

#endif
