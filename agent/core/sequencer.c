/* SPDX-License-Identifier: MIT */
/* sequencer: command actions → keyboard/consumer reports, in order. */
#include "sequencer.h"

#include <errno.h>
#include <string.h>

#include "layout.h"

/* Marks "the host's state is unknown": no real report has 0xFF modifiers and
 * six 0xFF keys, so the next comparison always differs. */
static const struct hid_kbd unknown_state = {
	.mods = 0xFF, .n = HID_KBD_SLOTS, .keys = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF },
};

void seq_init(struct seq *s)
{
	memset(s, 0, sizeof *s);
	seq_forget_host(s);
}

void seq_forget_host(struct seq *s)
{
	s->sent = unknown_state;
	s->consumer_sent = 0xFFFF;
}

void seq_set_leds(struct seq *s, struct hid_leds leds)
{
	s->caps_lock = leds.caps_lock;
	s->num_lock = leds.num_lock;
	s->leds_known = true;
}

bool seq_holding(const struct seq *s)
{
	return !hid_kbd_empty(&s->held) || s->consumer_held;
}

static int emit(struct seq *s, const struct seq_sink *k, const struct hid_kbd *want,
		struct seq_progress *p)
{
	uint8_t r[HID_KBD_REPORT_LEN];

	if (hid_kbd_equal(&s->sent, want))
		return 0;
	hid_kbd_report(want, r);
	int e = k->keyboard(k->ctx, r);
	if (e)
		return e;
	s->sent = *want;
	if (p)
		p->reports++;
	return 0;
}

static int emit_consumer(struct seq *s, const struct seq_sink *k, uint16_t usage,
			 struct seq_progress *p)
{
	uint8_t r[HID_CONSUMER_REPORT_LEN];

	if (s->consumer_sent == usage)
		return 0;
	if (!k->consumer)
		return -ENODEV;
	hid_consumer_report(usage, r);
	int e = k->consumer(k->ctx, r);
	if (e)
		return e;
	s->consumer_sent = usage;
	if (p)
		p->reports++;
	return 0;
}

/* A stroke of text: exactly the stroke's modifiers (held modifiers are lifted
 * so that text is typed as written), the key pressed, then released. Held
 * non-modifier keys stay down. hold: modifiers of a code entry (Alt, Option)
 * that go down before the key and stay down after it. */
static int tap(struct seq *s, const struct seq_sink *k, const struct layout_stroke *st,
	       uint8_t hold, struct seq_progress *p)
{
	struct hid_kbd base = s->held, press;
	int e = 0;

	base.mods = hold;
	hid_kbd_release(&base, st->usage);
	press = base;
	press.mods = s->caps_lock ? st->caps_mods : st->mods;
	if (hid_kbd_press(&press, st->usage))
		return -ENOSPC;
	if (hold)
		e = emit(s, k, &base, p);   /* the held modifiers first (if not down yet) */
	if (!e)
		e = emit(s, k, &press, p);
	if (!e)
		p->strokes++;
	return e ? e : emit(s, k, &base, p);
}

/* A chord: modifiers first (hosts and KVMs expect them down before the key),
 * then the keys, then back to what is held. */
static int chord(struct seq *s, const struct seq_sink *k, const struct chord *ch,
		 struct seq_progress *p)
{
	struct hid_kbd st = s->held;
	int e;

	if (ch->consumer) {
		if ((e = emit_consumer(s, k, ch->consumer, p)))
			return e;
		p->strokes++;
		return emit_consumer(s, k, s->consumer_held, p);
	}
	st.mods |= ch->mods;
	if (ch->n && ch->mods && (e = emit(s, k, &st, p)))
		return e;
	for (uint8_t i = 0; i < ch->n; i++)
		if (hid_kbd_press(&st, ch->keys[i]))
			return -ENOSPC;
	if ((e = emit(s, k, &st, p)))
		return e;
	p->strokes++;
	return emit(s, k, &s->held, p);
}

static int hold(struct seq *s, const struct seq_sink *k, const struct chord *ch, bool down,
		struct seq_progress *p)
{
	struct hid_kbd want = s->held;

	if (ch->consumer) {
		uint16_t u = down ? ch->consumer : (s->consumer_held == ch->consumer ? 0 : s->consumer_held);
		int e = emit_consumer(s, k, u, p);
		if (!e)
			s->consumer_held = u;
		if (!e && down)
			p->strokes++;   /* a down is a key press, as command.h counts it */
		return e;
	}
	if (down) {
		want.mods |= ch->mods;
		for (uint8_t i = 0; i < ch->n; i++)
			if (hid_kbd_press(&want, ch->keys[i]))
				return -ENOSPC;
	} else {
		want.mods &= (uint8_t)~ch->mods;
		for (uint8_t i = 0; i < ch->n; i++)
			hid_kbd_release(&want, ch->keys[i]);
	}
	s->held = want;
	int e = emit(s, k, &want, p);
	if (!e && down)
		p->strokes++;
	return e;
}

/* Held keys stay down for ms: the host is told what is held (text before may
 * have lifted held modifiers), then the sink keeps it there. */
static int keep(struct seq *s, const struct seq_sink *k, uint32_t ms, struct seq_progress *p)
{
	uint8_t r[HID_KBD_REPORT_LEN];
	int e = emit(s, k, &s->held, p);

	if (e || !ms)
		return e;
	if (!k->keep)
		return k->pause(k->ctx, ms * 1000u);
	hid_kbd_report(&s->held, r);
	return k->keep(k->ctx, r, ms * 1000u);
}

/* Tap a lock key (Caps Lock 0x39, Num Lock 0x53) with nothing else down but
 * held keys. */
static int lock_tap(struct seq *s, const struct seq_sink *k, uint8_t usage, struct seq_progress *p)
{
	struct layout_stroke key = { usage, 0, 0 };
	int e = tap(s, k, &key, 0, p);

	if (!e)
		p->strokes--;   /* not a keystroke the command asked for */
	return e;
}

/* Some characters need Caps Lock in a given state: off for those Caps Lock
 * would change beyond Shift (fr é, de µ), on for those only Caps Lock
 * reaches (fr Ç); code entry on the keypad needs Num Lock on. A lock is
 * tapped before such a character and tapped back after it (Caps Lock only
 * on layouts whose Caps Lock key toggles it; Num Lock only when the host's
 * LEDs said it is off). */
static int locks_before(struct seq *s, const struct action *a, const struct seq_sink *k,
			struct seq_progress *p)
{
	int want = a->caps_only ? 1 : a->caps_blocked ? 0 : -1;
	int e;

	if (want >= 0 && want != s->caps_lock && s->caps_key_ok) {
		if ((e = lock_tap(s, k, 0x39, p)))
			return e;
		s->caps_lock = want;
		s->caps_toggled = true;
	}
	if (a->num_lock && s->leds_known && !s->num_lock) {
		if ((e = lock_tap(s, k, 0x53, p)))
			return e;
		s->num_lock = s->num_toggled = true;
	}
	return 0;
}

static int locks_after(struct seq *s, const struct seq_sink *k, struct seq_progress *p)
{
	int e;

	if (s->num_toggled) {
		if ((e = lock_tap(s, k, 0x53, p)))
			return e;
		s->num_lock = s->num_toggled = false;
	}
	if (s->caps_toggled) {
		if ((e = lock_tap(s, k, 0x39, p)))
			return e;
		s->caps_lock = !s->caps_lock;
		s->caps_toggled = false;
	}
	return 0;
}

/* One stroke of a character; after its last, the entry's held modifiers
 * come up and the locks go back. */
static int text_stroke(struct seq *s, const struct action *a, const struct seq_sink *k,
		       struct seq_progress *p)
{
	struct hid_kbd up = s->held;
	int e;

	if (a->start_of_char && (e = locks_before(s, a, k, p)))
		return e;
	if ((e = tap(s, k, &a->u.tap, a->hold_mods, p)))
		return e;
	if (!a->end_of_char)
		return 0;
	up.mods = 0;
	if (a->hold_mods && (e = emit(s, k, &up, p)))
		return e;
	p->chars++;
	p->entered += a->entry;
	return locks_after(s, k, p);
}

static int run_action(struct seq *s, const struct action *a, const struct seq_sink *k,
		      struct seq_progress *p)
{
	switch (a->kind) {
	case ACT_TAP:
		return text_stroke(s, a, k, p);
	case ACT_CHORD:
		return chord(s, k, &a->u.chord, p);
	case ACT_DELAY:
		return a->u.delay_ms ? k->pause(k->ctx, a->u.delay_ms * 1000u) : 0;
	case ACT_DOWN:
	case ACT_UP:
		return hold(s, k, &a->u.chord, a->kind == ACT_DOWN, p);
	case ACT_KEEP:
		return keep(s, k, a->u.delay_ms, p);
	}
	return -EINVAL;
}

static bool is_keystroke(const struct action *a)
{
	return a->kind == ACT_TAP || a->kind == ACT_CHORD || a->kind == ACT_DOWN;
}

int seq_run(struct seq *s, const struct command *c, uint32_t gap_us,
	    const struct seq_sink *k, struct seq_progress *p)
{
	bool first = true;
	int e;

	if (c->uses_consumer && !k->consumer)
		return -ENODEV;
	s->caps_key_ok = !c->layout || layout_caps_key_locks(c->layout);
	for (size_t i = 0; i < c->n_acts; i++) {
		const struct action *a = &c->acts[i];
		/* The pace goes between keystrokes, not inside a dead-key sequence
		 * (but between the strokes of a code entry). */
		bool starts_key = is_keystroke(a) && (i == 0 || c->acts[i - 1].kind != ACT_TAP ||
						      c->acts[i - 1].end_of_char || a->entry);
		if (starts_key && !first && gap_us && (e = k->pause(k->ctx, gap_us)))
			return e;
		if (starts_key)
			first = false;
		if ((e = run_action(s, a, k, p)))
			return e;
	}
	/* Held modifiers lifted for text come back. */
	return emit(s, k, &s->held, p);
}

int seq_release_all(struct seq *s, const struct seq_sink *k)
{
	struct hid_kbd none;
	int e = 0;

	hid_kbd_clear(&s->held);
	hid_kbd_clear(&none);
	/* A command that failed between its two Caps Lock taps leaves the host's
	 * Caps Lock as the first tap set it; caps_lock says so, and the next LED
	 * report confirms it. Nothing is pending any more. */
	s->caps_toggled = s->num_toggled = false;
	s->consumer_held = 0;
	if (k->consumer)
		e = emit_consumer(s, k, 0, NULL);
	int e2 = emit(s, k, &none, NULL);
	return e2 ? e2 : e;
}
