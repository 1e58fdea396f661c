/* SPDX-License-Identifier: MIT */
/* keymime-layoutgen: compiles XKB keymaps and the Compose table into the
 * layout tables of agent/core/layout_tables.c.
 *
 * For every layout of xkb_names.c it asks libxkbcommon, key by key and for
 * each of the four modifier combinations keymime uses (none, Shift, AltGr,
 * Shift+AltGr), which keysym and character a Linux host would produce, the
 * way the host itself computes it (xkb_state). Characters the layout only
 * reaches through dead keys come from the en_US.UTF-8 Compose table. For
 * each character the simplest way wins. Run it through regenerate.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <ctype.h>
#include <getopt.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include "keymap.h"
#include "layout_tables.h"
#include "xkb_names.h"

#define EVDEV_OFFSET 8            /* XKB keycode = evdev code + 8 */
#define KC_LEFTSHIFT (42 + EVDEV_OFFSET)
#define KC_RIGHTALT  (100 + EVDEV_OFFSET)
#define KC_CAPSLOCK  (58 + EVDEV_OFFSET)
#define DEFAULT_XKB_ROOT "/usr/share/X11/xkb"
#define DEFAULT_COMPOSE "/usr/share/X11/locale/en_US.UTF-8/Compose"

/* Modifier combinations, bit 0 = Shift, bit 1 = AltGr; the numeric order is
 * also the order of preference (no AltGr if avoidable). */
enum { COMBO_NONE, COMBO_SHIFT, COMBO_ALTGR, COMBO_SHIFT_ALTGR, COMBO_COUNT };
static const uint8_t combo_hid[COMBO_COUNT] = {
	0, HID_MOD_LSHIFT, HID_MOD_RALT, HID_MOD_LSHIFT | HID_MOD_RALT,
};

/* One key pressed with one combination, and what the host makes of it. */
struct way {
	xkb_keysym_t sym;
	uint32_t cp;                  /* 0 when the keysym is not text (dead keys) */
	struct layout_stroke st;
	int altgr;                    /* 1 when AltGr is held */
	int penalty;                  /* 0: main block, 1: keypad, 2: ISO/JIS key */
	int shift;                    /* 1 when Shift is held */
	bool caps_ok;                 /* caps_mods give sym with Caps Lock on */
};

/* A way to type one character, with what it costs. */
struct cand {
	struct layout_entry e;
	int altgr, penalty, shift;    /* sums over the strokes */
	bool caps_ok;                 /* every stroke works with Caps Lock on */
};

/* A growing array of candidates. */
struct cands {
	struct cand *v;
	size_t n, cap;
};

struct gen {
	struct xkb_keymap *keymap;
	struct xkb_compose_state *compose;
	struct xkb_state *st[COMBO_COUNT][2][2];   /* [combo][caps lock][num lock] */
	struct way *ways;                          /* every useful (key, combo) */
	size_t n_ways;
	struct way **syms;                         /* best way per keysym */
	size_t n_syms;
	const struct keymap_key **keys;            /* the layout's keys, by keycode */
	size_t n_keys;
	struct cands main;                         /* the table: caps off or on */
	struct cands caps_only;                    /* only with Caps Lock on (fr: Ç) */
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("layoutgen: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

/* --- modifier states ---------------------------------------------------- */

/* True when tapping the Caps Lock key (evdev 58) locks the Lock modifier
 * and nothing else, and tapping it again unlocks it: what the agent's Caps
 * Lock compensation assumes. us-colemak puts Backspace there; de(T3) and
 * other layouts lock more than Lock (another level) with it. */
static bool caps_key_locks(struct xkb_keymap *km)
{
	struct xkb_state *s = xkb_state_new(km);
	xkb_mod_index_t lock = xkb_keymap_mod_get_index(km, XKB_MOD_NAME_CAPS);
	xkb_mod_mask_t locked, after;
	xkb_layout_index_t group;

	xkb_state_update_key(s, KC_CAPSLOCK, XKB_KEY_DOWN);
	xkb_state_update_key(s, KC_CAPSLOCK, XKB_KEY_UP);
	locked = xkb_state_serialize_mods(s, XKB_STATE_MODS_EFFECTIVE);
	group = xkb_state_serialize_layout(s, XKB_STATE_LAYOUT_EFFECTIVE);
	xkb_state_update_key(s, KC_CAPSLOCK, XKB_KEY_DOWN);
	xkb_state_update_key(s, KC_CAPSLOCK, XKB_KEY_UP);
	after = xkb_state_serialize_mods(s, XKB_STATE_MODS_EFFECTIVE);
	xkb_state_unref(s);
	return lock != XKB_MOD_INVALID && locked == ((xkb_mod_mask_t)1 << lock) && group == 0 &&
	       after == 0;
}

static xkb_mod_mask_t mod_bit(struct xkb_keymap *km, const char *name)
{
	xkb_mod_index_t i = xkb_keymap_mod_get_index(km, name);

	return i == XKB_MOD_INVALID ? 0 : (xkb_mod_mask_t)1 << i;
}

/* Caps Lock and Num Lock are set as locked modifiers rather than by pressing
 * the Caps key, because some layouts (colemak) put Backspace there. */
static int states_build(struct gen *g)
{
	xkb_mod_mask_t lock = mod_bit(g->keymap, XKB_MOD_NAME_CAPS);
	xkb_mod_mask_t num = mod_bit(g->keymap, XKB_MOD_NAME_NUM);

	for (int c = 0; c < COMBO_COUNT; c++)
		for (int l = 0; l < 2; l++)
			for (int n = 0; n < 2; n++) {
				struct xkb_state *s = xkb_state_new(g->keymap);

				if (!s)
					return -ENOMEM;
				/* The locks first, then the modifier keys pressed, as a
				 * host sees it: some layouts (de(T3)) make right Alt do
				 * something else while Caps Lock is on. */
				xkb_state_update_mask(s, 0, 0, (l ? lock : 0) | (n ? num : 0), 0, 0, 0);
				if (c & 1)
					xkb_state_update_key(s, KC_LEFTSHIFT, XKB_KEY_DOWN);
				if (c & 2)
					xkb_state_update_key(s, KC_RIGHTALT, XKB_KEY_DOWN);
				g->st[c][l][n] = s;
			}
	return 0;
}

/* The keysym the key gives in state s, or NoSymbol when the held modifiers
 * are not all used up by the key: AltGr on a key without a third level is a
 * plain Alt shortcut to an application, not text. */
static xkb_keysym_t key_sym(struct xkb_state *s, xkb_keycode_t kc)
{
	xkb_mod_mask_t held = xkb_state_serialize_mods(s, XKB_STATE_MODS_DEPRESSED);
	xkb_mod_mask_t used = xkb_state_key_get_consumed_mods2(s, kc, XKB_CONSUMED_MODE_XKB);

	if (held & ~used)
		return XKB_KEY_NoSymbol;
	return xkb_state_key_get_one_sym(s, kc);
}

/* --- keys ----------------------------------------------------------------- */

static bool key_is_keypad(const struct keymap_key *k)
{
	return strncmp(k->code, "Numpad", 6) == 0;
}

/* The main block is usages 0x04..0x38 (letters, digits, punctuation, space).
 * Keys outside it are a last resort. First the keypad keys Num Lock does not
 * change (/ * - +), which type the same on every OS and layout; then the keys
 * only ISO (0x64) or Japanese and Brazilian (0x87..0x8B) keyboards have:
 * XKB's pc105 gives them symbols on every layout, but a target with an ANSI
 * keyboard under another OS may not. */
static bool usage_is_extra(uint16_t usage)
{
	return usage > 0x38;
}

static bool cp_is_text(uint32_t cp)
{
	return cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0) &&
	       !(cp >= 0xD800 && cp < 0xE000) && cp <= 0x10FFFF;
}

/* Modifiers that give the same keysym on the same key while Caps Lock is
 * locked: the same combination if Caps does not change the key, else the
 * simplest other one. When none does (de: AltGr+M is µ, but Μ under Caps
 * Lock), w->caps_ok is false and the caps modifiers are the plain ones. */
static void caps_mods_for(struct gen *g, xkb_keycode_t kc, int combo, struct way *w)
{
	w->caps_ok = true;
	w->st.caps_mods = combo_hid[combo];
	if (key_sym(g->st[combo][1][0], kc) == w->sym)
		return;
	for (int c = 0; c < COMBO_COUNT; c++)
		if (key_sym(g->st[c][1][0], kc) == w->sym) {
			w->st.caps_mods = combo_hid[c];
			return;
		}
	w->caps_ok = false;
}

/* Cross-check with the key type: the level the host picks in this state must
 * list exactly the held modifiers among its modifier masks
 * (xkb_keymap_key_get_mods_for_level). For text keys this agrees with the
 * consumed-modifiers test in key_sym(); keeping both means a layout where
 * they disagree loses the doubtful way instead of typing a guess. */
static bool level_lists_mods(struct gen *g, struct xkb_state *s, xkb_keycode_t kc)
{
	xkb_mod_mask_t held = xkb_state_serialize_mods(s, XKB_STATE_MODS_DEPRESSED);
	xkb_level_index_t level = xkb_state_key_get_level(s, kc, 0);
	xkb_mod_mask_t masks[32];
	size_t n = xkb_keymap_key_get_mods_for_level(g->keymap, kc, 0, level, masks, 32);

	for (size_t i = 0; i < n; i++)
		if (masks[i] == held)
			return true;
	return false;
}

static void way_add(struct gen *g, const struct keymap_key *k, xkb_keycode_t kc, int combo)
{
	xkb_keysym_t sym = key_sym(g->st[combo][0][0], kc);
	struct way *w;

	if (sym == XKB_KEY_NoSymbol || !level_lists_mods(g, g->st[combo][0][0], kc))
		return;
	/* Keypad keys only where Num Lock, which we cannot see for sure, does not
	 * change them (KP_Divide, KP_Add…), only unmodified, and only those of a
	 * PC keypad (0x54..0x63): Windows types nothing for Keypad = (0x67) or
	 * Keypad , (0x85) on most layouts. */
	if (key_is_keypad(k) &&
	    (combo != COMBO_NONE || key_sym(g->st[combo][0][1], kc) != sym ||
	     k->usage < 0x54 || k->usage > 0x63))
		return;
	g->ways = xrealloc(g->ways, (g->n_ways + 1) * sizeof *g->ways);
	w = &g->ways[g->n_ways++];
	w->sym = sym;
	w->cp = xkb_keysym_to_utf32(sym);
	w->st.usage = (uint8_t)k->usage;
	w->st.mods = combo_hid[combo];
	caps_mods_for(g, kc, combo, w);
	w->altgr = (combo & COMBO_ALTGR) != 0;
	w->penalty = key_is_keypad(k) ? 1 : usage_is_extra(k->usage) ? 2 : 0;
	w->shift = (combo & COMBO_SHIFT) != 0;
}

static void ways_collect(struct gen *g)
{
	xkb_keycode_t lo = xkb_keymap_min_keycode(g->keymap);
	xkb_keycode_t hi = xkb_keymap_max_keycode(g->keymap);

	/* evdev codes fit in 16 bits; nothing below keycode 8 maps to one. */
	if (lo < EVDEV_OFFSET)
		lo = EVDEV_OFFSET;
	if (hi > 0xFFFF)
		hi = 0xFFFF;
	for (xkb_keycode_t kc = lo; kc <= hi; kc++) {
		const struct keymap_key *k = keymap_by_evdev((uint16_t)(kc - EVDEV_OFFSET));

		if (!k || k->page != KEYMAP_PAGE_KEYBOARD || k->usage > 0xFF ||
		    keymap_is_modifier(k))
			continue;
		g->keys = xrealloc(g->keys, (g->n_keys + 1) * sizeof *g->keys);
		g->keys[g->n_keys++] = k;
		for (int c = 0; c < COMBO_COUNT; c++)
			way_add(g, k, kc, c);
	}
}

/* --- candidates ------------------------------------------------------------ */

/* Compares two costs in order of importance; 0 when all are equal. */
static int cost_cmp(int n, const int *a, const int *b)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Order: fewest strokes, then fewest AltGr, then the main block before the
 * keypad before the ISO/JIS keys, then fewest Shift, then lowest usages (so the
 * output is deterministic). AltGr ranks before the block because the ISO key
 * is the real home of some characters (gb: backslash), while XKB's AltGr
 * extras (gb: AltGr+minus) exist on Linux only; the block still keeps US
 * from using the ISO key for '<' where Shift+comma is the real key. */
static int cand_rank_cmp(const struct cand *a, const struct cand *b)
{
	int ca[] = { a->e.n, a->altgr, a->penalty, a->shift };
	int cb[] = { b->e.n, b->altgr, b->penalty, b->shift };
	int r = cost_cmp(4, ca, cb);

	if (r)
		return r;
	for (int i = 0; i < a->e.n; i++)
		if (a->e.s[i].usage != b->e.s[i].usage)
			return a->e.s[i].usage < b->e.s[i].usage ? -1 : 1;
	return 0;
}

static int cand_cp_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	return a->e.cp < b->e.cp ? -1 : a->e.cp > b->e.cp;
}

static int cand_cmp(const void *pa, const void *pb)
{
	int r = cand_cp_cmp(pa, pb);

	return r ? r : cand_rank_cmp(pa, pb);
}

static void cand_add(struct cands *cs, uint32_t cp, const struct way *const *w, int n)
{
	struct cand *c;

	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 1024;
		cs->v = xrealloc(cs->v, cs->cap * sizeof *cs->v);
	}
	c = &cs->v[cs->n++];
	memset(c, 0, sizeof *c);
	c->e.cp = cp;
	c->e.n = (uint8_t)n;
	c->caps_ok = true;
	for (int i = 0; i < n; i++) {
		c->e.s[i] = w[i]->st;
		c->altgr += w[i]->altgr;
		c->penalty += w[i]->penalty;
		c->shift += w[i]->shift;
		c->caps_ok &= w[i]->caps_ok;
	}
}

/* Enter and Tab are the same key on every layout and give control
 * characters, which the walk over keys leaves out. */
static void cand_add_fixed(struct gen *g, uint32_t cp, uint8_t usage)
{
	struct way w = { .st = { usage, 0, 0 }, .caps_ok = true };
	const struct way *pw = &w;

	cand_add(&g->main, cp, &pw, 1);
}

static int way_rank_cmp(const void *pa, const void *pb)
{
	const struct way *a = *(const struct way *const *)pa, *b = *(const struct way *const *)pb;

	int ca[] = { a->altgr, a->penalty, a->shift };
	int cb[] = { b->altgr, b->penalty, b->shift };
	int r;

	if (a->sym != b->sym)
		return a->sym < b->sym ? -1 : 1;
	r = cost_cmp(3, ca, cb);
	if (r)
		return r;
	return a->st.usage < b->st.usage ? -1 : a->st.usage > b->st.usage;
}

/* The best way to produce each keysym, the alphabet of compose sequences. */
static void syms_index(struct gen *g)
{
	struct way **all = xrealloc(NULL, g->n_ways * sizeof *all);

	for (size_t i = 0; i < g->n_ways; i++)
		all[i] = &g->ways[i];
	qsort(all, g->n_ways, sizeof *all, way_rank_cmp);
	g->syms = xrealloc(NULL, g->n_ways * sizeof *g->syms);
	g->n_syms = 0;
	for (size_t i = 0; i < g->n_ways; i++)
		if (i == 0 || all[i]->sym != all[i - 1]->sym)
			g->syms[g->n_syms++] = all[i];
	free(all);
}

/* --- dead keys ------------------------------------------------------------- */

/* The single code point a UTF-8 string holds, or 0. */
static uint32_t utf8_single(const char *s, int len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	int n;

	if (len <= 0)
		return 0;
	if (u[0] < 0x80)
		return len == 1 ? u[0] : 0;
	n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
	if (len != n)
		return 0;
	cp = u[0] & (0x7F >> n);
	for (int i = 1; i < n; i++)
		cp = (cp << 6) | (u[i] & 0x3F);
	return cp;
}

/* Feeds the keysyms of ways w[0..n-1] into a fresh compose state; returns
 * the status and, when COMPOSED, the single code point in *cp (or 0). */
static enum xkb_compose_status compose_run(struct gen *g, const struct way *const *w, int n,
					   uint32_t *cp)
{
	enum xkb_compose_status st;
	char buf[64];

	xkb_compose_state_reset(g->compose);
	for (int i = 0; i < n; i++)
		xkb_compose_state_feed(g->compose, w[i]->sym);
	st = xkb_compose_state_get_status(g->compose);
	*cp = 0;
	if (st == XKB_COMPOSE_COMPOSED)
		*cp = utf8_single(buf, xkb_compose_state_get_utf8(g->compose, buf, sizeof buf));
	return st;
}

static bool sym_is_dead(xkb_keysym_t sym)
{
	char name[64];

	return xkb_keysym_get_name(sym, name, sizeof name) > 0 && strncmp(name, "dead_", 5) == 0;
}

/* Sequences that start with a dead key: dead + key, or dead + dead + key.
 * Multi_key sequences are left out: they are an X11 invention other hosts
 * do not share, while dead keys behave alike everywhere. */
static void dead_collect(struct gen *g)
{
	const struct way *w[LAYOUT_MAX_STROKES];
	uint32_t cp;

	for (size_t i = 0; i < g->n_syms; i++) {
		w[0] = g->syms[i];
		if (!sym_is_dead(w[0]->sym) || compose_run(g, w, 1, &cp) != XKB_COMPOSE_COMPOSING)
			continue;
		for (size_t j = 0; j < g->n_syms; j++) {
			w[1] = g->syms[j];
			switch (compose_run(g, w, 2, &cp)) {
			case XKB_COMPOSE_COMPOSED:
				if (cp_is_text(cp))
					cand_add(&g->main, cp, w, 2);
				break;
			case XKB_COMPOSE_COMPOSING:
				for (size_t k = 0; k < g->n_syms; k++) {
					w[2] = g->syms[k];
					if (compose_run(g, w, 3, &cp) == XKB_COMPOSE_COMPOSED &&
					    cp_is_text(cp))
						cand_add(&g->main, cp, w, 3);
				}
				break;
			default:
				break;
			}
		}
	}
}

/* Sorts the candidates and keeps the best per character, in place. */
static void cands_pick(struct cands *cs)
{
	size_t out = 0;

	qsort(cs->v, cs->n, sizeof *cs->v, cand_cmp);
	for (size_t i = 0; i < cs->n; i++)
		if (out == 0 || cs->v[out - 1].e.cp != cs->v[i].e.cp)
			cs->v[out++] = cs->v[i];
	cs->n = out;
}

static bool cands_have(const struct cands *cs, uint32_t cp)
{
	struct cand key = { .e = { .cp = cp } };

	return bsearch(&key, cs->v, cs->n, sizeof *cs->v, cand_cp_cmp) != NULL;
}

/* Characters only Caps Lock reaches (fr: Ç is ç with Caps Lock on): one
 * stroke with the modifiers that give it while Caps Lock is on, to be typed
 * with Caps Lock tapped on around it. Kept out of the main table, so an
 * agent that does not know them rejects them instead of typing ç. Only where
 * the Caps Lock key locks Caps (not us-colemak), and never the keypad. */
static void caps_only_collect(struct gen *g)
{
	struct way w = { .caps_ok = true };
	const struct way *pw = &w;

	if (!caps_key_locks(g->keymap))
		return;
	for (size_t i = 0; i < g->n_keys; i++) {
		const struct keymap_key *k = g->keys[i];
		xkb_keycode_t kc = (xkb_keycode_t)(k->evdev + EVDEV_OFFSET);

		for (int c = 0; c < COMBO_COUNT && !key_is_keypad(k); c++) {
			w.sym = key_sym(g->st[c][1][0], kc);
			w.cp = xkb_keysym_to_utf32(w.sym);
			w.st = (struct layout_stroke){ (uint8_t)k->usage, combo_hid[c], combo_hid[c] };
			w.altgr = (c & COMBO_ALTGR) != 0;
			w.penalty = usage_is_extra(k->usage) ? 2 : 0;
			w.shift = (c & COMBO_SHIFT) != 0;
			const struct way *one = &w;
			uint32_t composed;
			if (cp_is_text(w.cp) && !cands_have(&g->main, w.cp) &&
			    compose_run(g, &one, 1, &composed) == XKB_COMPOSE_NOTHING)
				cand_add(&g->caps_only, w.cp, &pw, 1);
		}
	}
	cands_pick(&g->caps_only);
}

/* --- one layout ------------------------------------------------------------ */

static void gen_free(struct gen *g)
{
	for (int c = 0; c < COMBO_COUNT; c++)
		for (int l = 0; l < 2; l++)
			for (int n = 0; n < 2; n++)
				xkb_state_unref(g->st[c][l][n]);
	xkb_compose_state_unref(g->compose);
	xkb_keymap_unref(g->keymap);
	free(g->ways);
	free(g->syms);
	free(g->keys);
	free(g->main.v);
	free(g->caps_only.v);
	memset(g, 0, sizeof *g);
}

/* Fills g with the table of layout xn; 0 or -errno. On error g is freed. */
static int gen_layout(struct gen *g, struct xkb_context *ctx, struct xkb_compose_table *table,
		      const struct xkb_name *xn)
{
	struct xkb_rule_names rn = {
		.rules = "evdev", .model = xn->model, .layout = xn->layout, .variant = xn->variant,
		.options = "",
	};
	const struct way *w[1];

	memset(g, 0, sizeof *g);
	g->keymap = xkb_keymap_new_from_names(ctx, &rn, XKB_KEYMAP_COMPILE_NO_FLAGS);
	g->compose = xkb_compose_state_new(table, XKB_COMPOSE_STATE_NO_FLAGS);
	if (!g->keymap || !g->compose || states_build(g) < 0) {
		gen_free(g);
		return -EINVAL;
	}
	ways_collect(g);
	syms_index(g);
	for (size_t i = 0; i < g->n_ways; i++) {
		uint32_t composed;
		w[0] = &g->ways[i];
		/* A keysym the Compose table takes alone (ara: the lam-alef
		 * ligatures come out as two characters) is not its character. */
		if (cp_is_text(w[0]->cp) && compose_run(g, w, 1, &composed) == XKB_COMPOSE_NOTHING)
			cand_add(&g->main, w[0]->cp, w, 1);
	}
	cand_add_fixed(g, '\t', 0x2B);
	cand_add_fixed(g, '\n', 0x28);
	dead_collect(g);
	cands_pick(&g->main);
	caps_only_collect(g);
	return 0;
}

/* --- output ---------------------------------------------------------------- */

/* --- the set: rows, dead-key prefixes, strings ------------------------------ */

/* What layout_tables_*.c hold (layout_tables.h), built up layout by layout;
 * identical row arrays are stored once. */
struct set {
	char *strings;
	size_t n_strings;
	struct layout_row *rows;
	size_t n_rows;
	struct layout_dead *dead;
	size_t n_dead;
	struct layout *layouts;
	size_t n_layouts;
};

static uint32_t set_string(struct set *st, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off = (uint32_t)st->n_strings;

	st->strings = xrealloc(st->strings, st->n_strings + len);
	memcpy(st->strings + st->n_strings, s, len);
	st->n_strings += len;
	return off;
}

/* Index of the n items at v within have[0..n_have), or n_have after
 * appending them. */
static size_t set_share(void **have, size_t *n_have, const void *v, size_t n, size_t size)
{
	for (size_t i = 0; n && i + n <= *n_have; i++)
		if (memcmp((char *)*have + i * size, v, n * size) == 0)
			return i;
	*have = xrealloc(*have, (*n_have + n) * size);
	memcpy((char *)*have + *n_have * size, v, n * size);
	*n_have += n;
	return *n_have - n;
}

/* The index (from the layout's first) of prefix d among dead[0..*n). */
static uint8_t dead_index(struct layout_dead *dead, size_t *n, const struct layout_dead *d)
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp(&dead[i], d, sizeof *d) == 0)
			return (uint8_t)i;
	if (*n == 255) {
		fputs("layoutgen: more than 255 dead-key prefixes in one layout\n", stderr);
		exit(2);
	}
	dead[*n] = *d;
	return (uint8_t)(*n)++;
}

static void row_of(struct layout_row *r, const struct cand *cand, uint32_t flags,
		   struct layout_dead *dead, size_t *n_dead)
{
	struct cand blocked = *cand;
	const struct cand *c = cand;
	const struct layout_stroke *last;
	struct layout_dead d;

	/* A character typed with Caps Lock turned off keeps its plain
	 * modifiers throughout (layout.h: caps_mods are then the mods). */
	if (!cand->caps_ok) {
		for (int i = 0; i < blocked.e.n; i++)
			blocked.e.s[i].caps_mods = blocked.e.s[i].mods;
		c = &blocked;
	}
	last = &c->e.s[c->e.n - 1];

	memset(r, 0, sizeof *r);
	r->cp = c->e.cp | flags | (c->caps_ok ? 0 : LAYOUT_ROW_CAPS_BLOCKED);
	r->usage = last->usage;
	r->mods = last->mods;
	r->caps_mods = last->caps_mods;
	if (c->e.n > 1) {
		memset(&d, 0, sizeof d);
		d.n = (uint8_t)(c->e.n - 1);
		memcpy(d.s, c->e.s, d.n * sizeof d.s[0]);
		r->dead = (uint8_t)(dead_index(dead, n_dead, &d) + 1);
	}
}

static const char *description(const struct xkb_name *xn, const struct gen *g);

static void set_add(struct set *st, const struct xkb_name *xn, const struct gen *g)
{
	size_t n = g->main.n + g->caps_only.n, nd = 0, im = 0, ic = 0, k = 0;
	struct layout_row *rows = xrealloc(NULL, n * sizeof *rows);
	struct layout_dead *dead = xrealloc(NULL, 255 * sizeof *dead);
	struct layout *l;
	char src[160];

	/* Merge the two sorted lists; a code point is in one of them only. */
	while (im < g->main.n || ic < g->caps_only.n) {
		bool from_main = ic == g->caps_only.n ||
				 (im < g->main.n && g->main.v[im].e.cp < g->caps_only.v[ic].e.cp);
		if (from_main)
			row_of(&rows[k++], &g->main.v[im++], 0, dead, &nd);
		else
			row_of(&rows[k++], &g->caps_only.v[ic++], LAYOUT_ROW_CAPS_ONLY, dead, &nd);
	}
	snprintf(src, sizeof src, "%s%s%s%s", xn->layout, *xn->variant ? "(" : "", xn->variant,
		 *xn->variant ? ")" : "");
	st->layouts = xrealloc(st->layouts, (st->n_layouts + 1) * sizeof *st->layouts);
	l = &st->layouts[st->n_layouts++];
	memset(l, 0, sizeof *l);
	l->name = set_string(st, xn->name);
	l->source = set_string(st, src);
	l->description = set_string(st, description(xn, g));
	l->rows = (uint32_t)set_share((void **)&st->rows, &st->n_rows, rows, n, sizeof *rows);
	l->dead = (uint32_t)set_share((void **)&st->dead, &st->n_dead, dead, nd, sizeof *dead);
	l->n_rows = (uint16_t)n;
	l->n_chars = (uint16_t)g->main.n;
	l->n_dead = (uint8_t)nd;
	l->target = LAYOUT_LINUX;
	l->flags = caps_key_locks(g->keymap) ? LAYOUT_F_CAPS_KEY_LOCKS : 0;
	free(rows);
	free(dead);
}

static void set_free(struct set *st)
{
	free(st->strings);
	free(st->rows);
	free(st->dead);
	free(st->layouts);
}

static void put_strings(FILE *out, const struct set *st)
{
	fputs("static const char linux_strings[] =", out);
	for (size_t i = 0; i < st->n_strings; i++) {
		unsigned char c = (unsigned char)st->strings[i];
		if (i % 60 == 0)
			fputs(i ? "\"\n\t\"" : "\n\t\"", out);
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7F && c != '?')
			fputc(c, out);
		else
			fprintf(out, "\\%03o", c);
	}
	fputs("\";\n", out);
}

static void put_set(FILE *out, const struct set *st)
{
	put_strings(out, st);
	fputs("\nstatic const struct layout_row linux_rows[] = {", out);
	for (size_t i = 0; i < st->n_rows; i++) {
		const struct layout_row *r = &st->rows[i];
		fprintf(out, "%s{0x%06x,0x%02x,0x%02x,0x%02x,%d},", i % 4 ? " " : "\n\t",
			(unsigned)r->cp, r->usage, r->mods, r->caps_mods, r->dead);
	}
	fputs("\n};\n\nstatic const struct layout_dead linux_dead[] = {\n", out);
	for (size_t i = 0; i < st->n_dead || i == 0; i++) {
		const struct layout_dead *d = i < st->n_dead ? &st->dead[i] : NULL;
		fprintf(out, "\t{%d, {", d ? d->n : 0);
		for (int j = 0; d && j < d->n; j++)
			fprintf(out, "%s{0x%02x, 0x%02x, 0x%02x}", j ? ", " : "", d->s[j].usage,
				d->s[j].mods, d->s[j].caps_mods);
		fputs("}},\n", out);
	}
	fputs("};\n\nstatic const struct layout linux_layouts[] = {\n", out);
	for (size_t i = 0; i < st->n_layouts; i++) {
		const struct layout *l = &st->layouts[i];
		fprintf(out, "\t{%u, %u, %u, %u, %u, %u, %u, %u, LAYOUT_LINUX, %u},\n",
			(unsigned)l->name, (unsigned)l->source, (unsigned)l->description,
			(unsigned)l->rows, (unsigned)l->dead, (unsigned)l->n_rows,
			(unsigned)l->n_chars, (unsigned)l->n_dead, (unsigned)l->flags);
	}
	fputs("};\n\nconst struct layout_set layout_set_linux = {\n"
	      "\tlinux_layouts, sizeof linux_layouts / sizeof linux_layouts[0],\n"
	      "\tlinux_strings, linux_rows, linux_dead,\n};\n", out);
}

/* XKB's description of the layout ("German (Switzerland)"). */
static const char *description(const struct xkb_name *xn, const struct gen *g)
{
	const char *d = xkb_keymap_layout_get_name(g->keymap, 0);

	return d && *d ? d : xn->name;
}

struct opts {
	const char *xkb_root;
	const char *compose;
	const char *source;     /* a note on the data's version, for the header */
	const char *names;      /* file of "layout<TAB>variant" lines: more layouts */
};

static void put_header(FILE *out, const struct opts *o)
{
	fputs("/* SPDX-License-Identifier: MIT */\n"
	      "/* layout_tables: GENERATED keyboard layout tables for linux - do not edit;\n"
	      " * run agent/tools/layoutgen/regenerate.sh. Rows: {code point | flags,\n"
	      " * usage, mods, caps_mods, dead}, sorted by code point.\n", out);
	fprintf(out, " * Source: %s; compose: en_US.UTF-8 */\n", o->source);
	fputs("#include \"layout_tables.h\"\n\n", out);
}

/* The layouts to generate: xkb_names.c's first (their names are fixed), then
 * every layout(variant) of the --names file they do not already cover,
 * named "layout" or "layout-variant" in lower case. */
struct names {
	struct xkb_name *v;
	size_t n;
};

static bool names_have(const struct names *ns, const char *layout, const char *variant,
		       const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if ((!strcmp(ns->v[i].layout, layout) && !strcmp(ns->v[i].variant, variant)) ||
		    !strcasecmp(ns->v[i].name, name))
			return true;
	return false;
}

static void names_add(struct names *ns, const struct xkb_name *xn)
{
	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
	ns->v[ns->n++] = *xn;
}

static int names_load(struct names *ns, const char *path)
{
	char line[256], name[300];
	FILE *f;

	for (size_t i = 0; i < xkb_names_count(); i++)
		names_add(ns, xkb_names_at(i));
	if (!path)
		return 0;
	if (!(f = fopen(path, "r")))
		return -errno;
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		if (!tab || !nl)
			continue;
		*tab = *nl = '\0';
		snprintf(name, sizeof name, "%s%s%s", line, tab[1] ? "-" : "", tab + 1);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (names_have(ns, line, tab + 1, name))
			continue;
		names_add(ns, &(struct xkb_name){ strdup(name), strcmp(line, "jp") ? "pc105" : "jp106",
						  strdup(line), strdup(tab + 1) });
	}
	fclose(f);
	return 0;
}

/* "Types at least its own letters": 20 letters with one key each. */
static bool types_letters(const struct gen *g)
{
	size_t letters = 0;

	for (size_t i = 0; i < g->main.n; i++)
		letters += g->main.v[i].e.n == 1 && iswalpha((wint_t)g->main.v[i].e.cp);
	return letters >= 20;
}

/* Generates every layout, one at a time, and writes the C tables (the list
 * of docs/layouts.md comes from keymime-agent --list-layouts). The layouts of xkb_names.c must all work; the others are
 * left out (with a note on stderr) when XKB cannot compile them or they do
 * not type letters (e.g. braille). */
static int run(FILE *out, const struct opts *o, struct xkb_context *ctx,
	       struct xkb_compose_table *table)
{
	struct names ns = { 0 };
	struct set st = { 0 };
	struct gen g;
	size_t fixed = xkb_names_count(), skipped = 0;

	if (names_load(&ns, o->names) < 0) {
		fprintf(stderr, "layoutgen: cannot read %s\n", o->names);
		return -EINVAL;
	}
	for (size_t i = 0; i < ns.n; i++) {
		if (gen_layout(&g, ctx, table, &ns.v[i]) < 0 || !types_letters(&g)) {
			fprintf(stderr, "layoutgen: %s %s(%s): %s\n", i < fixed ? "error" : "left out",
				ns.v[i].layout, ns.v[i].variant, g.keymap ? "types no letters" : "no keymap");
			if (g.keymap)
				gen_free(&g);
			if (i < fixed)
				return -EINVAL;
			skipped++;
			continue;
		}
		set_add(&st, &ns.v[i], &g);
		gen_free(&g);
	}
	fprintf(stderr, "layoutgen: %zu layouts (%zu left out), %zu rows, %zu dead-key prefixes\n",
		ns.n - skipped, skipped, st.n_rows, st.n_dead);
	put_header(out, o);
	put_set(out, &st);
	set_free(&st);
	free(ns.v);   /* the strdup()ed names live until exit */
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: keymime-layoutgen [--xkb-root DIR] [--compose FILE] [--source TEXT]\n"
	      "                         [--names FILE] [-o FILE]\n"
	      "Compiles every layout of xkb_names.c and of --names with libxkbcommon and\n"
	      "writes the C tables of agent/core/layout_tables.c. --names: lines of\n"
	      "layout<TAB>variant (regenerate.sh lists xkb-data's rules/evdev.xml).\n"
	      "Defaults: --xkb-root " DEFAULT_XKB_ROOT "\n"
	      "  --compose " DEFAULT_COMPOSE "\n", f);
}

static int parse_args(int argc, char **argv, struct opts *o, const char **path)
{
	static const struct option lo[] = {
		{ "xkb-root", required_argument, NULL, 'x' }, { "compose", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 's' },
		{ "names", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'x': o->xkb_root = optarg; break;
		case 'c': o->compose = optarg; break;
		case 's': o->source = optarg; break;
		case 'n': o->names = optarg; break;
		case 'o': *path = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

/* A context that sees only the given XKB root: no ~/.xkb, no XKB_* variables,
 * so the tables do not depend on who runs the generator. */
static struct xkb_context *context_new(const char *root)
{
	struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_DEFAULT_INCLUDES |
						  XKB_CONTEXT_NO_ENVIRONMENT_NAMES);

	if (ctx && !xkb_context_include_path_append(ctx, root)) {
		xkb_context_unref(ctx);
		return NULL;
	}
	return ctx;
}

int main(int argc, char **argv)
{
	struct opts o = { DEFAULT_XKB_ROOT, DEFAULT_COMPOSE, "xkeyboard-config", NULL };
	const char *path = NULL;
	struct xkb_context *ctx = NULL;
	struct xkb_compose_table *table = NULL;
	FILE *cf = NULL, *out = stdout;
	int rc = 1;

	if (parse_args(argc, argv, &o, &path) < 0)
		return 2;
	setlocale(LC_CTYPE, "C.UTF-8");   /* iswalpha() on all of Unicode */
	ctx = context_new(o.xkb_root);
	cf = fopen(o.compose, "r");
	if (!ctx || !cf) {
		fprintf(stderr, "layoutgen: cannot open XKB root %s or %s\n", o.xkb_root, o.compose);
		goto done;
	}
	table = xkb_compose_table_new_from_file(ctx, cf, "en_US.UTF-8",
						XKB_COMPOSE_FORMAT_TEXT_V1, XKB_COMPOSE_COMPILE_NO_FLAGS);
	if (table && path && !(out = fopen(path, "w")))
		perror(path);
	if (table && out && run(out, &o, ctx, table) == 0)
		rc = 0;
	if (out && out != stdout && fclose(out) != 0)
		rc = 1;
done:
	if (cf)
		fclose(cf);
	xkb_compose_table_unref(table);
	xkb_context_unref(ctx);
	return rc;
}
