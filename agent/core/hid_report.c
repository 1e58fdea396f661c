/* SPDX-License-Identifier: MIT */
/* hid_report: boot keyboard state → 8-byte reports; LED report decoding. */
#include "hid_report.h"

#include <errno.h>
#include <string.h>

void hid_kbd_clear(struct hid_kbd *k)
{
	memset(k, 0, sizeof *k);
}

bool hid_kbd_has(const struct hid_kbd *k, uint8_t usage)
{
	for (uint8_t i = 0; i < k->n; i++)
		if (k->keys[i] == usage)
			return true;
	return false;
}

int hid_kbd_press(struct hid_kbd *k, uint8_t usage)
{
	if (hid_kbd_has(k, usage))
		return 0;
	if (k->n >= HID_KBD_SLOTS)
		return -ENOSPC;
	k->keys[k->n++] = usage;
	return 0;
}

void hid_kbd_release(struct hid_kbd *k, uint8_t usage)
{
	uint8_t j = 0;

	for (uint8_t i = 0; i < k->n; i++)
		if (k->keys[i] != usage)
			k->keys[j++] = k->keys[i];
	/* Clear the freed slots so equality and reports never see stale usages. */
	for (uint8_t i = j; i < k->n; i++)
		k->keys[i] = 0;
	k->n = j;
}

bool hid_kbd_equal(const struct hid_kbd *a, const struct hid_kbd *b)
{
	return a->mods == b->mods && a->n == b->n &&
	       memcmp(a->keys, b->keys, a->n) == 0;
}

bool hid_kbd_empty(const struct hid_kbd *k)
{
	return k->mods == 0 && k->n == 0;
}

void hid_kbd_report(const struct hid_kbd *k, uint8_t out[HID_KBD_REPORT_LEN])
{
	memset(out, 0, HID_KBD_REPORT_LEN);
	out[0] = k->mods;
	memcpy(out + 2, k->keys, k->n);
}

void hid_consumer_report(uint16_t usage, uint8_t out[HID_CONSUMER_REPORT_LEN])
{
	out[0] = (uint8_t)(usage & 0xFF);
	out[1] = (uint8_t)(usage >> 8);
}

struct hid_leds hid_leds_decode(uint8_t report)
{
	struct hid_leds l = {
		.num_lock = report & 0x01, .caps_lock = report & 0x02,
		.scroll_lock = report & 0x04, .compose = report & 0x08,
		.kana = report & 0x10,
	};
	return l;
}
