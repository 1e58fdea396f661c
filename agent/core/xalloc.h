/* SPDX-License-Identifier: MIT */
/* xalloc: allocation that aborts on out-of-memory, so callers never check. */
#ifndef KEYMIME_XALLOC_H
#define KEYMIME_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

/* p, or abort when it is NULL: for what other allocators return (json-c). */
void *xcheck(void *p);

#endif
