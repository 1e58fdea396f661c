/* SPDX-License-Identifier: MIT */
/* recent: messages seen lately, by hash, in a ring. */
#include "recent.h"

#include <stdlib.h>

#include "xalloc.h"

/* FNV-1a, 64 bits: distinct commands collide with odds of 2^-64. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h;
}

void recent_init(struct recent *r, size_t cap, uint64_t window_ms)
{
	r->ring = xcalloc(cap, sizeof *r->ring);
	r->cap = cap;
	r->next = r->n = 0;
	r->window_ms = window_ms;
}

void recent_destroy(struct recent *r)
{
	free(r->ring);
	r->ring = NULL;
	r->cap = r->n = 0;
}

bool recent_seen(struct recent *r, const void *key, size_t key_len, const void *body,
		 size_t body_len, uint64_t now_ms)
{
	uint64_t h = fnv1a(0xcbf29ce484222325u, key, key_len);

	h = fnv1a(h ^ 0xff, body, body_len);   /* ("ab","c") is not ("a","bc") */
	/* Newest first; stop at the first one older than the window. */
	for (size_t i = 0; i < r->n; i++) {
		const struct recent_entry *e = &r->ring[(r->next + r->cap - 1 - i) % r->cap];
		if (now_ms - e->at_ms > r->window_ms)
			break;
		if (e->hash == h)
			return true;
	}
	r->ring[r->next] = (struct recent_entry){ h, now_ms };
	r->next = (r->next + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
	return false;
}
