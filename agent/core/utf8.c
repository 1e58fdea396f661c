/* SPDX-License-Identifier: MIT */
/* utf8: strict UTF-8 decoding and encoding. */
#include "utf8.h"

#include <errno.h>

int utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	int n;

	if (len == 0)
		return -EILSEQ;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0)
		n = 2, c = p[0] & 0x1F, min = 0x80;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 3, c = p[0] & 0x0F, min = 0x800;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return -EILSEQ;
	if (len < (size_t)n)
		return -EILSEQ;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -EILSEQ;
		c = (c << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, UTF-16 surrogates and values past Unicode are invalid. */
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -EILSEQ;
	*cp = c;
	return n;
}

int utf8_validate(const char *s, size_t len, size_t *bad_offset)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		int n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			if (bad_offset)
				*bad_offset = i;
			return -EILSEQ;
		}
		i += (size_t)n;
	}
	return 0;
}

size_t utf8_encode(uint32_t cp, char *out)
{
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	out[n] = '\0';
	return n;
}
