/* SPDX-License-Identifier: MIT */
/* xalloc: the one place that handles out-of-memory (by aborting). */
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *xcheck(void *p)
{
	/* A keyboard daemon that cannot allocate a few bytes cannot do anything
	 * safely; abort so systemd restarts it with a clean key state. */
	if (!p)
		abort();
	return p;
}

void *xmalloc(size_t n) { return xcheck(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return xcheck(calloc(n ? n : 1, size ? size : 1)); }

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		abort();
	size_t bytes = n * size;
	return xcheck(realloc(p, bytes ? bytes : 1));
}

char *xstrdup(const char *s) { return xcheck(strdup(s)); }
char *xstrndup(const char *s, size_t n) { return xcheck(strndup(s, n)); }

void *xmemdup(const void *p, size_t n)
{
	void *q = xmalloc(n);
	memcpy(q, p, n);
	return q;
}
