/* SPDX-License-Identifier: MIT */
/* strbuf: the one string builder of the agent — a growing, always
 * NUL-terminated heap string (allocation failure aborts through xalloc).
 * Use it instead of strcpy/strcat/sprintf into fixed buffers. Pure. */
#ifndef KEYMIME_STRBUF_H
#define KEYMIME_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;                   /* owned; "" (static) until the first append */
	size_t len, cap;
};

#define STRBUF_INIT { 0 }

void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The text so far (borrowed; "" when empty). */
const char *sb_str(const struct strbuf *sb);

/* Hand the string over (the caller frees it; never NULL) and reset sb. */
char *sb_steal(struct strbuf *sb);

void sb_free(struct strbuf *sb);

/* A new heap string from a format: str_printf("%s/%s", a, b). Caller frees. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
