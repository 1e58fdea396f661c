/* SPDX-License-Identifier: MIT */
/* hid_report: the state of a boot keyboard (modifier byte + 6 key slots), the
 * 8-byte reports it turns into, and LED output report decoding. Pure. */
#ifndef KEYMIME_HID_REPORT_H
#define KEYMIME_HID_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#define HID_KBD_REPORT_LEN 8
#define HID_KBD_SLOTS 6
#define HID_CONSUMER_REPORT_LEN 2

struct hid_kbd {
	uint8_t mods;
	uint8_t n;                    /* keys[0..n) are pressed, in press order */
	uint8_t keys[HID_KBD_SLOTS];
};

struct hid_leds {
	bool num_lock, caps_lock, scroll_lock, compose, kana;
};

void hid_kbd_clear(struct hid_kbd *k);

/* Press a non-modifier usage. Returns 0, 0 if already pressed, or -ENOSPC when
 * all six slots are taken (the caller decides; nothing changes). */
int hid_kbd_press(struct hid_kbd *k, uint8_t usage);

/* Release a usage (no-op if not pressed); keeps the others in press order. */
void hid_kbd_release(struct hid_kbd *k, uint8_t usage);

bool hid_kbd_has(const struct hid_kbd *k, uint8_t usage);
bool hid_kbd_equal(const struct hid_kbd *a, const struct hid_kbd *b);
bool hid_kbd_empty(const struct hid_kbd *k);

/* The 8-byte boot report: mods, reserved 0, six key slots (unused = 0). */
void hid_kbd_report(const struct hid_kbd *k, uint8_t out[HID_KBD_REPORT_LEN]);

/* A consumer-control report: the 16-bit usage, little-endian (0 = released). */
void hid_consumer_report(uint16_t usage, uint8_t out[HID_CONSUMER_REPORT_LEN]);

/* Decode a 1-byte LED output report (bit 0 Num, 1 Caps, 2 Scroll, 3 Compose, 4 Kana). */
struct hid_leds hid_leds_decode(uint8_t report);

#endif
