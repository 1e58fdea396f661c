/* SPDX-License-Identifier: MIT */
/* layout: look-ups in the generated layout tables (layout_tables.c). */
#include "layout_tables.h"

#include <stdbool.h>

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

const struct layout_entry *layout_lookup(const struct layout *l, uint32_t cp)
{
	size_t lo = 0, hi = l->n_entries;

	/* Invariant: the answer, if any, is in [lo, hi). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t c = l->entries[mid].cp;

		if (c == cp)
			return &l->entries[mid];
		if (c < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
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
