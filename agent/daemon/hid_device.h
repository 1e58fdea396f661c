/* SPDX-License-Identifier: MIT */
/* hid_device: one HID output path — a gadget node (/dev/hidgN), a FIFO read by
 * a simulated host, or a plain file. Non-blocking writes bounded by a
 * timeout, LED report reads, and what they say about the host link. Only the
 * HID writer thread touches it. */
#ifndef KEYMIME_HID_DEVICE_H
#define KEYMIME_HID_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hid_kind { HID_NONE, HID_GADGET, HID_FIFO, HID_FILE };

enum hid_link { LINK_UNKNOWN, LINK_CONNECTED, LINK_DISCONNECTED };

struct hid_device {
	char *path;              /* owned */
	int fd;                  /* -1 when not open */
	enum hid_kind kind;
	enum hid_link link;
	int last_error;          /* -errno of the last failure, for messages */
	uint64_t read_backoff_until_ms;  /* 6.12 wakes POLLIN on unbind: back off */
};

/* path: copied. Does not open yet. */
void hid_device_init(struct hid_device *d, const char *path);
void hid_device_destroy(struct hid_device *d);

/* Open (or re-open) the path. Returns 0 or -errno; sets kind and link. A FIFO
 * with no reader gives -ENXIO (link disconnected). */
int hid_device_open(struct hid_device *d);
void hid_device_close(struct hid_device *d);

/* Write one report. Waits for the device to take it for at most timeout_ms,
 * polling wake_fd too: returns -EINTR as soon as wake_fd is readable (the
 * caller decides whether to retry with the time left, *waited_ms tells how
 * long it waited). Returns 0, -ETIMEDOUT (host not reading), -EPIPE (host
 * gone: ESHUTDOWN, EPIPE, ENODEV…), -ENOENT (no device), -EINTR. */
int hid_device_write(struct hid_device *d, const uint8_t *buf, size_t len, int timeout_ms,
		     int wake_fd, int *waited_ms);

/* Read pending LED output reports without blocking. Returns the number of
 * reports read (the last one in *leds), 0 if none, or -errno. */
int hid_device_read_leds(struct hid_device *d, uint8_t *leds);

/* True when reading LEDs from this device makes sense now (gadget, or a
 * FIFO/file given as LED source, and not backing off after an error). */
bool hid_device_can_read(const struct hid_device *d, uint64_t now_ms);

/* Was the path of an open device deleted or replaced since it was opened?
 * Writes would then go to an inode nobody reads (a file or FIFO) or to a
 * dead gadget function (a gadget torn down and set up again). */
bool hid_device_replaced(const struct hid_device *d);

/* Is the device ready to take a report right now (host polling)? */
bool hid_device_writable(struct hid_device *d);

#endif
