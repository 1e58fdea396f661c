/* SPDX-License-Identifier: MIT */
/* fuzz_common: limits, a recording sink and the invariants every fuzz target checks. */
#ifndef KEYMIME_FUZZ_COMMON_H
#define KEYMIME_FUZZ_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "message.h"
#include "sequencer.h"

/* The agent's defaults (config.c, main.c). */
static const struct cmd_limits fuzz_limits = {
	.max_payload = 262144, .max_chars = 65536, .max_steps = 1000, .max_delay_ms = 60000,
	.max_hold_ms = 60000,
};

/* An invariant broke: say which, then crash so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* What the host was last told, as the sink saw it, and the key presses it
 * decoded (a usage present in a report and absent from the one before). */
struct fuzz_host {
	uint8_t kbd[HID_KBD_REPORT_LEN];
	uint8_t consumer[HID_CONSUMER_REPORT_LEN];
	size_t reports;
	size_t presses, consumer_presses;
};

static inline int fuzz_keyboard(void *ctx, const uint8_t r[HID_KBD_REPORT_LEN])
{
	struct fuzz_host *h = ctx;

	FUZZ_CHECK(r[1] == 0);   /* the reserved byte */
	for (int i = 2; i < HID_KBD_REPORT_LEN; i++)
		if (r[i] && !memchr(h->kbd + 2, r[i], HID_KBD_REPORT_LEN - 2))
			h->presses++;
	memcpy(h->kbd, r, HID_KBD_REPORT_LEN);
	h->reports++;
	return 0;
}

static inline int fuzz_consumer(void *ctx, const uint8_t r[HID_CONSUMER_REPORT_LEN])
{
	struct fuzz_host *h = ctx;

	if ((r[0] || r[1]) && memcmp(h->consumer, r, HID_CONSUMER_REPORT_LEN))
		h->consumer_presses++;
	memcpy(h->consumer, r, HID_CONSUMER_REPORT_LEN);
	h->reports++;
	return 0;
}

static inline int fuzz_pause(void *ctx, uint32_t us)
{
	(void)ctx;
	(void)us;
	return 0;
}

static inline bool fuzz_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The parser's promises: 0 with no error code, or -EINVAL with a code and a
 * NUL-terminated detail; a well-formed action list within the limits. */
static inline void fuzz_check_parse(int r, const struct command *c, const struct err *err)
{
	if (r) {
		FUZZ_CHECK(r == -EINVAL);
		FUZZ_CHECK(err->code && *err->code);
		FUZZ_CHECK(memchr(err->detail, '\0', sizeof err->detail));
		FUZZ_CHECK(err->n_bad <= ERR_MAX_BAD && err->n_bad <= err->n_bad_total);
		/* The untypable list goes with the untypable error, and only with it. */
		FUZZ_CHECK(!strcmp(err->code, "untypable") ? err->n_bad > 0 : err->n_bad_total == 0);
		return;
	}
	FUZZ_CHECK(err->code == NULL);
	FUZZ_CHECK(c->n_acts <= c->cap_acts);
	FUZZ_CHECK(c->chars <= fuzz_limits.max_chars);
	FUZZ_CHECK(!c->id || strlen(c->id) <= 128);
	FUZZ_CHECK(c->type == CMD_RUN || c->n_acts == 0);
	for (size_t i = 0; i < c->n_acts; i++) {
		const struct action *a = &c->acts[i];
		FUZZ_CHECK(a->kind <= ACT_KEEP);
		if (a->kind == ACT_TAP)
			FUZZ_CHECK(a->u.tap.usage != 0);
		/* Code entry: only where the method fits the target, Alt/Option
		 * (or nothing) held across it, strokes that carry those. */
		if (a->kind == ACT_TAP && a->entry) {
			FUZZ_CHECK(command_unicode_entry(c) != UNICODE_ENTRY_NONE);
			FUZZ_CHECK(a->hold_mods == 0 || a->hold_mods == HID_MOD_LALT);
			FUZZ_CHECK((a->u.tap.mods & a->hold_mods) == a->hold_mods);
		}
		if (a->kind == ACT_CHORD || a->kind == ACT_DOWN || a->kind == ACT_UP) {
			FUZZ_CHECK(a->u.chord.n <= HID_KBD_SLOTS);
			FUZZ_CHECK(!a->u.chord.consumer || (!a->u.chord.n && !a->u.chord.mods));
			FUZZ_CHECK(a->u.chord.consumer || a->u.chord.n || a->u.chord.mods);
		}
		if (a->kind == ACT_DELAY)
			FUZZ_CHECK(a->u.delay_ms <= fuzz_limits.max_delay_ms);
		if (a->kind == ACT_KEEP)   /* a hold: down, keep, up of the same chord */
			FUZZ_CHECK(a->u.delay_ms >= 1 && a->u.delay_ms <= fuzz_limits.max_hold_ms &&
				   i > 0 && i + 1 < c->n_acts && c->acts[i - 1].kind == ACT_DOWN &&
				   c->acts[i + 1].kind == ACT_UP);
	}
}

/* The presses a host must see for c when nothing is held: one per stroke of
 * text, one per key of a chord, Caps Lock twice around each caps-blocked
 * character when it is on, Num Lock twice around each keypad code entry
 * when the host said it is off. */
static inline void fuzz_expected_presses(const struct command *c, bool caps_lock, bool num_off,
					 size_t *kbd, size_t *consumer)
{
	/* A character that needs Caps Lock the other way (caps_blocked: off,
	 * caps_only: on) gets Caps Lock tapped before and after it, on layouts
	 * whose Caps Lock key locks. */
	bool key_ok = !c->layout || layout_caps_key_locks(c->layout);

	*kbd = *consumer = 0;
	for (size_t i = 0; i < c->n_acts; i++) {
		const struct action *a = &c->acts[i];
		int want = a->caps_only ? 1 : a->caps_blocked ? 0 : -1;
		bool toggles = a->start_of_char && want >= 0 && want != caps_lock && key_ok;
		if (a->kind == ACT_TAP)
			*kbd += 1 + (toggles ? 2 : 0) + (a->start_of_char && a->num_lock && num_off ? 2 : 0);
		else if (a->kind == ACT_CHORD && a->u.chord.consumer)
			*consumer += 1;
		else if (a->kind == ACT_CHORD)
			*kbd += a->u.chord.n;
	}
}

/* Type c into a recording host, then release all: whatever happened, the
 * host ends with no key down (contract: "No key stays down") and its lock
 * states as they were. Without held keys, every keystroke reaches the host
 * as a press and nothing is left down even before the release. num_off:
 * the host's LEDs said Num Lock is off (else its LEDs are unknown). */
static inline void fuzz_type_leds(const struct command *c, bool caps_lock, bool num_off)
{
	struct fuzz_host h = { 0 };
	struct seq_sink sink = { &h, fuzz_keyboard, fuzz_consumer, fuzz_pause, NULL };
	struct seq_progress p = { 0 };
	struct seq s;
	bool holds = false;

	seq_init(&s);
	if (num_off)
		seq_set_leds(&s, (struct hid_leds){ .caps_lock = caps_lock });
	s.caps_lock = caps_lock;
	for (size_t i = 0; i < c->n_acts; i++)
		holds |= c->acts[i].kind == ACT_DOWN;
	int r = seq_run(&s, c, 1000, &sink, &p);
	FUZZ_CHECK(r == 0 || r == -ENOSPC);
	if (!r) {
		FUZZ_CHECK(p.chars == c->chars);
		FUZZ_CHECK(p.entered == c->entered);
		FUZZ_CHECK(s.caps_lock == caps_lock);
		FUZZ_CHECK(!num_off || !s.num_lock);
		size_t kbd, consumer;
		fuzz_expected_presses(c, caps_lock, num_off, &kbd, &consumer);
		if (!holds && h.reports)
			FUZZ_CHECK(fuzz_all_zero(h.kbd, sizeof h.kbd));
		if (!holds)
			FUZZ_CHECK(h.presses == kbd && h.consumer_presses == consumer);
	}
	FUZZ_CHECK(seq_release_all(&s, &sink) == 0);
	FUZZ_CHECK(!seq_holding(&s));
	FUZZ_CHECK(fuzz_all_zero(h.kbd, sizeof h.kbd));
	FUZZ_CHECK(fuzz_all_zero(h.consumer, sizeof h.consumer));
}

static inline void fuzz_type(const struct command *c, bool caps_lock)
{
	fuzz_type_leds(c, caps_lock, false);
}

/* The error result the agent would publish must be JSON it can build. */
static inline void fuzz_result(const struct command *c, const struct err *err)
{
	struct result_info ri = {
		.id = c->id, .ok = false, .error = err->code, .detail = err->detail, .bad = err,
		.source = "cmd", .ms = -1,
	};
	char *s = message_result(&ri);

	FUZZ_CHECK(s && s[0] == '{');
	free(s);
}

#endif
