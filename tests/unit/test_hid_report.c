/* SPDX-License-Identifier: MIT */
/* test_hid_report: boot keyboard state (press order, six slots, duplicates), report bytes, LED decoding. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "hid_report.h"

static void expect_report(const struct hid_kbd *k, const uint8_t want[HID_KBD_REPORT_LEN])
{
	uint8_t r[HID_KBD_REPORT_LEN];

	memset(r, 0xAA, sizeof r);
	hid_kbd_report(k, r);
	cr_expect_arr_eq(r, want, HID_KBD_REPORT_LEN,
			 "report %02x %02x %02x %02x %02x %02x %02x %02x", r[0], r[1], r[2], r[3],
			 r[4], r[5], r[6], r[7]);
}

Test(hid_report, clear_and_empty)
{
	struct hid_kbd k;
	static const uint8_t zero[8] = { 0 };

	memset(&k, 0x5A, sizeof k);
	hid_kbd_clear(&k);
	cr_expect(hid_kbd_empty(&k));
	cr_expect_eq(k.n, 0);
	expect_report(&k, zero);
	k.mods = 0x01;
	cr_expect_not(hid_kbd_empty(&k), "modifiers alone are not empty");
	k.mods = 0;
	hid_kbd_press(&k, 0x04);
	cr_expect_not(hid_kbd_empty(&k));
}

Test(hid_report, press_release_order)
{
	struct hid_kbd k;

	hid_kbd_clear(&k);
	cr_expect_eq(hid_kbd_press(&k, 0x04), 0);
	cr_expect_eq(hid_kbd_press(&k, 0x05), 0);
	cr_expect_eq(hid_kbd_press(&k, 0x06), 0);
	k.mods = 0x22;
	expect_report(&k, (const uint8_t[]){ 0x22, 0, 0x04, 0x05, 0x06, 0, 0, 0 });
	hid_kbd_release(&k, 0x05);   /* from the middle: the rest keep their order */
	cr_expect_eq(k.n, 2);
	cr_expect_not(hid_kbd_has(&k, 0x05));
	expect_report(&k, (const uint8_t[]){ 0x22, 0, 0x04, 0x06, 0, 0, 0, 0 });
	cr_expect_eq(hid_kbd_press(&k, 0x05), 0);   /* pressed again: goes last */
	expect_report(&k, (const uint8_t[]){ 0x22, 0, 0x04, 0x06, 0x05, 0, 0, 0 });
	hid_kbd_release(&k, 0x04);
	expect_report(&k, (const uint8_t[]){ 0x22, 0, 0x06, 0x05, 0, 0, 0, 0 });
	hid_kbd_release(&k, 0x99);   /* not pressed: no-op */
	cr_expect_eq(k.n, 2);
	hid_kbd_release(&k, 0x05);
	hid_kbd_release(&k, 0x06);
	cr_expect_eq(k.n, 0);
	k.mods = 0;
	cr_expect(hid_kbd_empty(&k));
	/* The freed slots are cleared, not left with stale usages. */
	for (int i = 0; i < HID_KBD_SLOTS; i++)
		cr_expect_eq(k.keys[i], 0, "slot %d", i);
}

Test(hid_report, duplicate_press)
{
	struct hid_kbd k;

	hid_kbd_clear(&k);
	cr_expect_eq(hid_kbd_press(&k, 0x04), 0);
	cr_expect_eq(hid_kbd_press(&k, 0x04), 0, "a repeated press is not an error");
	cr_expect_eq(k.n, 1, "and takes no second slot");
	expect_report(&k, (const uint8_t[]){ 0, 0, 0x04, 0, 0, 0, 0, 0 });
	hid_kbd_release(&k, 0x04);
	cr_expect_eq(k.n, 0, "one release undoes it");
}

Test(hid_report, six_key_limit)
{
	struct hid_kbd k, before;

	hid_kbd_clear(&k);
	for (uint8_t u = 0x04; u < 0x04 + HID_KBD_SLOTS; u++)
		cr_expect_eq(hid_kbd_press(&k, u), 0, "usage 0x%02X", u);
	expect_report(&k, (const uint8_t[]){ 0, 0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 });
	before = k;
	cr_expect_eq(hid_kbd_press(&k, 0x0A), -ENOSPC);
	cr_expect_eq(memcmp(&k, &before, sizeof k), 0, "a refused press changes nothing");
	cr_expect_eq(hid_kbd_press(&k, 0x07), 0, "a key already down is fine when full");
	cr_expect_eq(k.n, HID_KBD_SLOTS);
	hid_kbd_release(&k, 0x04);
	cr_expect_eq(hid_kbd_press(&k, 0x0A), 0, "a freed slot can be used");
	expect_report(&k, (const uint8_t[]){ 0, 0, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A });
}

Test(hid_report, equal)
{
	struct hid_kbd a, b;

	hid_kbd_clear(&a);
	hid_kbd_clear(&b);
	cr_expect(hid_kbd_equal(&a, &b));
	hid_kbd_press(&a, 0x04);
	cr_expect_not(hid_kbd_equal(&a, &b));
	hid_kbd_press(&b, 0x04);
	cr_expect(hid_kbd_equal(&a, &b));
	b.mods = 0x02;
	cr_expect_not(hid_kbd_equal(&a, &b), "modifiers differ");
	b.mods = 0;
	hid_kbd_press(&a, 0x05);
	hid_kbd_press(&b, 0x06);
	cr_expect_not(hid_kbd_equal(&a, &b), "keys differ");
	/* Order matters: the report bytes differ. */
	hid_kbd_clear(&a);
	hid_kbd_clear(&b);
	hid_kbd_press(&a, 0x04), hid_kbd_press(&a, 0x05);
	hid_kbd_press(&b, 0x05), hid_kbd_press(&b, 0x04);
	cr_expect_not(hid_kbd_equal(&a, &b));
}

Test(hid_report, report_bytes)
{
	struct hid_kbd k;

	hid_kbd_clear(&k);
	k.mods = 0xFF;
	expect_report(&k, (const uint8_t[]){ 0xFF, 0, 0, 0, 0, 0, 0, 0 });
	hid_kbd_press(&k, 0xE8);   /* any 8-bit usage goes into a slot as is */
	hid_kbd_press(&k, 0x01);
	expect_report(&k, (const uint8_t[]){ 0xFF, 0, 0xE8, 0x01, 0, 0, 0, 0 });
}

Test(hid_report, consumer_report)
{
	static const struct { uint16_t usage; uint8_t lo, hi; } cases[] = {
		{ 0x0000, 0x00, 0x00 }, { 0x00E9, 0xE9, 0x00 }, { 0x00CD, 0xCD, 0x00 },
		{ 0x0223, 0x23, 0x02 }, { 0x0192, 0x92, 0x01 }, { 0xFFFF, 0xFF, 0xFF },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t r[HID_CONSUMER_REPORT_LEN] = { 0xAA, 0xAA };
		hid_consumer_report(cases[i].usage, r);
		cr_expect_eq(r[0], cases[i].lo, "0x%04X low byte", cases[i].usage);
		cr_expect_eq(r[1], cases[i].hi, "0x%04X high byte", cases[i].usage);
	}
}

/* All 32 values of the five defined LED bits, and the undefined bits ignored. */
Test(hid_report, leds_all_values)
{
	for (unsigned v = 0; v < 256; v++) {
		struct hid_leds l = hid_leds_decode((uint8_t)v);
		cr_expect_eq(l.num_lock, (v & 0x01) != 0, "0x%02X num", v);
		cr_expect_eq(l.caps_lock, (v & 0x02) != 0, "0x%02X caps", v);
		cr_expect_eq(l.scroll_lock, (v & 0x04) != 0, "0x%02X scroll", v);
		cr_expect_eq(l.compose, (v & 0x08) != 0, "0x%02X compose", v);
		cr_expect_eq(l.kana, (v & 0x10) != 0, "0x%02X kana", v);
		if (v >= 0x20)
			continue;
		struct hid_leds low = hid_leds_decode((uint8_t)(v | 0xE0));
		cr_expect_eq(memcmp(&l, &low, sizeof l), 0, "0x%02X: bits 5-7 ignored", v);
	}
	struct hid_leds caps = hid_leds_decode(0x02);
	cr_expect(caps.caps_lock && !caps.num_lock && !caps.scroll_lock && !caps.compose && !caps.kana);
}
