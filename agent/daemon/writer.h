/* SPDX-License-Identifier: MIT */
/* writer: the HID writer thread. It alone owns the devices and the key state:
 * it takes commands off the queue and types them, reads the host's LEDs,
 * notices the host going and coming back, and releases held keys after the
 * hold timeout. */
#ifndef KEYMIME_WRITER_H
#define KEYMIME_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "hid_device.h"
#include "sequencer.h"
#include "udc.h"

struct writer {
	struct agent *a;              /* borrowed */
	struct hid_device kbd, cons;
	bool have_cons;
	int led_fd;                   /* LED source other than the gadget, or -1 */
	bool led_is_fifo;
	int watch_fd;                 /* inotify on the devices' directories, or -1 */
	bool watch_polled;            /* the idle poll looked at watch_fd since the last command */
	struct seq seq;
	unsigned gen;                 /* cancel generation of the running command */
	uint64_t last_activity_ms;    /* for the hold timeout */
	struct chord keep_awake_key;  /* what keep_awake taps (cfg->keep_awake_key) */
	uint64_t last_tap_ms;         /* keep_awake's last tap, or when it was switched on */
	bool keep_awake_was;          /* keep_awake as the writer last saw it */
	struct udc udc;               /* the USB device controller: suspend and wakeup */
	bool suspended;               /* the host has suspended the bus (probe timer) */
	const char *woke;             /* the running command woke the host: "woken" */
	char detail[320];             /* an error's detail made for this command */
	uint64_t next_probe_ms;
	uint64_t last_stroke_us;      /* for the rate limit across commands */
	const struct command *cmd;    /* the command being typed, or NULL */
	const struct seq_progress *progress;   /* how far it has come */
	uint64_t next_progress_ms;    /* 0: not yet started */
	unsigned reports;             /* keyboard reports written (wraps) */
	enum hid_link reported_link;
	pthread_t thread;
	bool started;
};

/* Open the devices (a missing one is not an error: the host is then
 * "disconnected" until it appears) and start the thread. Returns 0 or -errno. */
int writer_start(struct writer *w, struct agent *a);

/* Wait for the thread to finish (after a->stopping was set and woken); it
 * releases every key before it exits. */
void writer_join(struct writer *w);

#endif
