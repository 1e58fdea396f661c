/* SPDX-License-Identifier: MIT */
/* layout: look-ups in the generated layout tables (layout_tables.c). */
#include "layout_tables.h"


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

const struct layout *layout_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < layout_table_count; i++)
		if (name_equal(layout_table[i].name, name))
			return &layout_table[i];
	return NULL;
}

const struct layout *layout_default(void)
{
	return &layout_table[0];
}

const char *layout_name(const struct layout *l)
{
	return l->name;
}

const char *layout_description(const struct layout *l)
{
	return l->description;
}

/* Binary search in n items of size bytes whose code point (a uint32_t) is
 * first; the item or NULL. */
static const void *find_cp(const void *base, size_t n, size_t size, uint32_t cp)
{
	size_t lo = 0, hi = n;

	/* Invariant: the answer, if any, is in [lo, hi). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const void *item = (const char *)base + mid * size;
		uint32_t c = *(const uint32_t *)item;

		if (c == cp)
			return item;
		if (c < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct layout_entry *layout_lookup(const struct layout *l, uint32_t cp)
{
	return find_cp(l->entries, l->n_entries, sizeof l->entries[0], cp);
}

bool layout_entry_caps_ok(const struct layout *l, const struct layout_entry *e)
{
	return !find_cp(l->caps_blocked, l->n_caps_blocked, sizeof l->caps_blocked[0], e->cp);
}

size_t layout_count(void)
{
	return layout_table_count;
}

const struct layout *layout_at(size_t i)
{
	return i < layout_table_count ? &layout_table[i] : NULL;
}

size_t layout_entry_count(const struct layout *l)
{
	return l->n_entries;
}

const struct layout_entry *layout_entry_at(const struct layout *l, size_t i)
{
	return i < l->n_entries ? &l->entries[i] : NULL;
}

const struct layout_entry *layout_lookup_caps_only(const struct layout *l, uint32_t cp)
{
	return find_cp(l->caps_only, l->n_caps_only, sizeof l->caps_only[0], cp);
}

size_t layout_caps_only_count(const struct layout *l)
{
	return l->n_caps_only;
}

const struct layout_entry *layout_caps_only_at(const struct layout *l, size_t i)
{
	return i < l->n_caps_only ? &l->caps_only[i] : NULL;
}

bool layout_caps_key_locks(const struct layout *l)
{
	return l->caps_key_locks;
}
