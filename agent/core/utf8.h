/* SPDX-License-Identifier: MIT */
/* utf8: strict UTF-8 decoding (no overlongs, no surrogates, no > U+10FFFF). Pure. */
#ifndef KEYMIME_UTF8_H
#define KEYMIME_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..len). On success stores it in *cp and
 * returns the number of bytes used (1..4); returns -EILSEQ for an invalid or
 * truncated sequence. s: borrowed. */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Check a whole buffer. Returns 0, or -EILSEQ with *bad_offset set to the
 * byte offset of the first invalid sequence. */
int utf8_validate(const char *s, size_t len, size_t *bad_offset);

/* Encode cp into out (at least 5 bytes), NUL-terminated; returns length. */
size_t utf8_encode(uint32_t cp, char *out);

#endif
