/* SPDX-License-Identifier: MIT */
/* layout: look-ups in the generated layout tables (layout_tables*.c). */
#include <errno.h>

#include "layout_tables.h"

static const char *const target_names[LAYOUT_TARGET_COUNT] = {
	"linux", "windows", "macos", "chromeos",
};

static const struct layout_set *const sets[LAYOUT_TARGET_COUNT] = {
	&layout_set_linux, &layout_set_windows, &layout_set_macos, &layout_set_chromeos,
};

/* ASCII-only case folding: layout names are ASCII, and the C library's
 * strcasecmp depends on the locale. */
static char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool name_equal(const char *a, const char *b)
{
	while (*a && fold(*a) == fold(*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

const char *layout_target_name(enum layout_target t)
{
	return (unsigned)t < LAYOUT_TARGET_COUNT ? target_names[t] : NULL;
}

int layout_target_parse(const char *s, enum layout_target *out)
{
	for (int t = 0; s && t < LAYOUT_TARGET_COUNT; t++)
		if (name_equal(target_names[t], s)) {
			*out = (enum layout_target)t;
			return 0;
		}
	return -EINVAL;
}

static const struct layout_set *set_of(const struct layout *l)
{
	return sets[l->target];
}

static const char *str(const struct layout *l, uint32_t off)
{
	return set_of(l)->strings + off;
}

const struct layout *layout_find(enum layout_target t, const char *name)
{
	if (!name || (unsigned)t >= LAYOUT_TARGET_COUNT)
		return NULL;
	const struct layout_set *s = sets[t];
	for (size_t i = 0; i < s->n; i++)
		if (name_equal(s->strings + s->layouts[i].name, name))
			return &s->layouts[i];
	return NULL;
}

const struct layout *layout_default(enum layout_target t)
{
	return &sets[(unsigned)t < LAYOUT_TARGET_COUNT ? t : LAYOUT_LINUX]->layouts[0];
}

enum layout_target layout_target(const struct layout *l)
{
	return (enum layout_target)l->target;
}

const char *layout_name(const struct layout *l)
{
	return str(l, l->name);
}

const char *layout_source(const struct layout *l)
{
	return str(l, l->source);
}

const char *layout_description(const struct layout *l)
{
	return str(l, l->description);
}

/* Unpacks row r of layout l into *out; strokes past out->n are zero, so
 * that two entries of one row compare equal byte for byte. */
static void unpack(const struct layout *l, const struct layout_row *r, struct layout_entry *out)
{
	uint8_t n = 0;

	*out = (struct layout_entry){ 0 };
	out->cp = r->cp & LAYOUT_ROW_CP;
	out->caps_ok = !(r->cp & LAYOUT_ROW_CAPS_BLOCKED);
	out->caps_only = (r->cp & LAYOUT_ROW_CAPS_ONLY) != 0;
	if (r->dead) {
		const struct layout_dead *d = &set_of(l)->dead[l->dead + r->dead - 1u];
		for (; n < d->n; n++)
			out->s[n] = d->s[n];
	}
	out->s[n++] = (struct layout_stroke){ r->usage, r->mods, r->caps_mods };
	out->n = n;
}

/* The row of cp in l, or NULL: a binary search. */
static const struct layout_row *find_row(const struct layout *l, uint32_t cp)
{
	const struct layout_row *rows = set_of(l)->rows + l->rows;
	size_t lo = 0, hi = l->n_rows;

	/* Invariant: the answer, if any, is in [lo, hi). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t c = rows[mid].cp & LAYOUT_ROW_CP;

		if (c == cp)
			return &rows[mid];
		if (c < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool layout_lookup(const struct layout *l, uint32_t cp, struct layout_entry *out)
{
	const struct layout_row *r = find_row(l, cp);

	if (!r || (r->cp & LAYOUT_ROW_CAPS_ONLY))
		return false;
	unpack(l, r, out);
	return true;
}

bool layout_lookup_caps_only(const struct layout *l, uint32_t cp, struct layout_entry *out)
{
	const struct layout_row *r = find_row(l, cp);

	if (!r || !(r->cp & LAYOUT_ROW_CAPS_ONLY))
		return false;
	unpack(l, r, out);
	return true;
}

size_t layout_count(enum layout_target t)
{
	return (unsigned)t < LAYOUT_TARGET_COUNT ? sets[t]->n : 0;
}

const struct layout *layout_at(enum layout_target t, size_t i)
{
	return i < layout_count(t) ? &sets[t]->layouts[i] : NULL;
}

size_t layout_count_all(void)
{
	size_t n = 0;

	for (int t = 0; t < LAYOUT_TARGET_COUNT; t++)
		n += sets[t]->n;
	return n;
}

const struct layout *layout_at_all(size_t i)
{
	for (int t = 0; t < LAYOUT_TARGET_COUNT; t++) {
		if (i < sets[t]->n)
			return &sets[t]->layouts[i];
		i -= sets[t]->n;
	}
	return NULL;
}

size_t layout_entry_count(const struct layout *l)
{
	return l->n_rows;
}

size_t layout_char_count(const struct layout *l)
{
	return l->n_chars;
}

bool layout_entry_at(const struct layout *l, size_t i, struct layout_entry *out)
{
	if (i >= l->n_rows)
		return false;
	unpack(l, set_of(l)->rows + l->rows + i, out);
	return true;
}

bool layout_caps_key_locks(const struct layout *l)
{
	return (l->flags & LAYOUT_F_CAPS_KEY_LOCKS) != 0;
}
