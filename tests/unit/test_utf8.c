/* SPDX-License-Identifier: MIT */
/* test_utf8: strict decoding (valid, overlong, surrogate, out of range, truncated, stray), encoding round trips. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "utf8.h"

struct valid_case {
	const char *bytes;
	int len;
	uint32_t cp;
};

static const struct valid_case valid[] = {
	{ "\x00", 1, 0x00 },
	{ "A", 1, 'A' },
	{ "\x7F", 1, 0x7F },
	{ "\xC2\x80", 2, 0x80 },
	{ "\xC3\xA9", 2, 0xE9 },               /* é */
	{ "\xDF\xBF", 2, 0x7FF },
	{ "\xE0\xA0\x80", 3, 0x800 },
	{ "\xE2\x82\xAC", 3, 0x20AC },         /* € */
	{ "\xED\x9F\xBF", 3, 0xD7FF },         /* last before the surrogates */
	{ "\xEE\x80\x80", 3, 0xE000 },         /* first after them */
	{ "\xEF\xBB\xBF", 3, 0xFEFF },         /* BOM: a valid character */
	{ "\xEF\xBF\xBF", 3, 0xFFFF },
	{ "\xF0\x90\x80\x80", 4, 0x10000 },
	{ "\xF0\x9F\x98\x80", 4, 0x1F600 },    /* 😀 */
	{ "\xF4\x8F\xBF\xBF", 4, 0x10FFFF },
};

Test(utf8, valid_sequences)
{
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		const struct valid_case *v = &valid[i];
		uint32_t cp = 0xDEADBEEF;
		char buf[8];

		cr_expect_eq(utf8_decode(v->bytes, (size_t)v->len, &cp), v->len, "U+%04X", v->cp);
		cr_expect_eq(cp, v->cp, "U+%04X decoded as U+%04X", v->cp, cp);
		/* Trailing bytes are not consumed. */
		memcpy(buf, v->bytes, (size_t)v->len);
		buf[v->len] = 'x';
		cr_expect_eq(utf8_decode(buf, (size_t)v->len + 1, &cp), v->len, "U+%04X + x", v->cp);
		cr_expect_eq(utf8_encode(v->cp, buf), (size_t)v->len, "encode U+%04X", v->cp);
		cr_expect_eq(memcmp(buf, v->bytes, (size_t)v->len), 0, "encode U+%04X bytes", v->cp);
		cr_expect_eq(buf[v->len], '\0', "encode U+%04X: NUL-terminated", v->cp);
	}
}

struct bad_case {
	const char *what;
	const char *bytes;
	size_t len;
};

static const struct bad_case invalid[] = {
	{ "empty", "", 0 },
	{ "overlong NUL (C0 80)", "\xC0\x80", 2 },
	{ "overlong '/' (C0 AF)", "\xC0\xAF", 2 },
	{ "overlong C1 BF", "\xC1\xBF", 2 },
	{ "overlong 3-byte U+007F", "\xE0\x81\xBF", 3 },
	{ "overlong 3-byte U+07FF", "\xE0\x9F\xBF", 3 },
	{ "overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", 4 },
	{ "overlong 4-byte NUL", "\xF0\x80\x80\x80", 4 },
	{ "surrogate D800", "\xED\xA0\x80", 3 },
	{ "surrogate DBFF", "\xED\xAF\xBF", 3 },
	{ "surrogate DC00", "\xED\xB0\x80", 3 },
	{ "surrogate DFFF", "\xED\xBF\xBF", 3 },
	{ "U+110000", "\xF4\x90\x80\x80", 4 },
	{ "U+13FFFF", "\xF4\xBF\xBF\xBF", 4 },
	{ "F5 lead", "\xF5\x80\x80\x80", 4 },
	{ "F7 lead (U+1FFFFF)", "\xF7\xBF\xBF\xBF", 4 },
	{ "F8 lead (5-byte form)", "\xF8\x88\x80\x80\x80", 5 },
	{ "FC lead (6-byte form)", "\xFC\x84\x80\x80\x80\x80", 6 },
	{ "FE", "\xFE", 1 },
	{ "FF", "\xFF", 1 },
	{ "stray continuation 80", "\x80", 1 },
	{ "stray continuation BF", "\xBF", 1 },
	{ "stray continuation before A", "\x80" "A", 2 },
	{ "truncated 2-byte", "\xC3", 1 },
	{ "truncated 3-byte (1 of 3)", "\xE2", 1 },
	{ "truncated 3-byte (2 of 3)", "\xE2\x82", 2 },
	{ "truncated 4-byte (3 of 4)", "\xF0\x9F\x98", 3 },
	{ "2-byte, ASCII second", "\xC3" "A", 2 },
	{ "3-byte, ASCII third", "\xE2\x82" "A", 3 },
	{ "4-byte, lead as fourth", "\xF0\x9F\x98\xF0", 4 },
	{ "3-byte, continuation is a lead", "\xE2\xC3\xA9", 3 },
};

Test(utf8, invalid_sequences)
{
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		const struct bad_case *b = &invalid[i];
		uint32_t cp = 0x12345;
		size_t off = 99;

		cr_expect_eq(utf8_decode(b->bytes, b->len, &cp), -EILSEQ, "%s", b->what);
		cr_expect_eq(cp, 0x12345, "%s: *cp written on error", b->what);
		if (b->len) {
			cr_expect_eq(utf8_validate(b->bytes, b->len, &off), -EILSEQ, "%s", b->what);
			cr_expect_eq(off, 0, "%s: offset %zu", b->what, off);
		}
	}
}

/* A truncated sequence is invalid even when the bytes after len would complete it. */
Test(utf8, length_is_respected)
{
	uint32_t cp;

	cr_expect_eq(utf8_decode("\xE2\x82\xAC", 2, &cp), -EILSEQ);
	cr_expect_eq(utf8_decode("\xF0\x9F\x98\x80", 3, &cp), -EILSEQ);
	cr_expect_eq(utf8_decode("\xC3\xA9", 1, &cp), -EILSEQ);
	cr_expect_eq(utf8_decode("AB", 1, &cp), 1);
}

Test(utf8, validate_offsets)
{
	static const struct { const char *s; size_t len; int ret; size_t off; } cases[] = {
		{ "", 0, 0, 0 },
		{ "hello", 5, 0, 0 },
		{ "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 16, 0, 0 },
		{ "ab\x80", 3, -EILSEQ, 2 },
		{ "\xC3\xA9\xC3", 3, -EILSEQ, 2 },
		{ "abc\xED\xA0\x80xyz", 9, -EILSEQ, 3 },
		{ "\xE2\x82\xAC\xC0\x80", 5, -EILSEQ, 3 },
		{ "a\0b", 3, 0, 0 },                   /* NUL is valid UTF-8 */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t off = 777;
		cr_expect_eq(utf8_validate(cases[i].s, cases[i].len, &off), cases[i].ret, "case %zu", i);
		if (cases[i].ret)
			cr_expect_eq(off, cases[i].off, "case %zu: offset %zu", i, off);
	}
	cr_expect_eq(utf8_validate("\x80", 1, NULL), -EILSEQ, "bad_offset may be NULL");
}

/* Every code point up to U+3FFFF and a stride beyond: encode, decode back,
 * validate; surrogates decode as errors even though they encode. */
Test(utf8, round_trip_sweep)
{
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp += cp < 0x40000 ? 1 : 97) {
		char buf[8];
		uint32_t back = 0;
		size_t n = utf8_encode(cp, buf);
		size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

		if (n != want)
			cr_assert_fail("U+%04X: %zu bytes, want %zu", cp, n, want);
		if (buf[n] != '\0')
			cr_assert_fail("U+%04X: not NUL-terminated", cp);
		int r = utf8_decode(buf, n, &back);
		bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
		if (surrogate ? r != -EILSEQ : (r != (int)n || back != cp))
			cr_assert_fail("U+%04X: decode %d U+%04X", cp, r, back);
		/* Every proper prefix is truncated. */
		for (size_t k = 1; k < n; k++)
			if (utf8_decode(buf, k, &back) != -EILSEQ)
				cr_assert_fail("U+%04X: %zu-byte prefix accepted", cp, k);
	}
	char buf[8];
	uint32_t back;
	cr_expect_eq(utf8_encode(0x10FFFF, buf), 4);
	cr_expect_eq(utf8_decode(buf, 4, &back), 4);
	cr_expect_eq(back, 0x10FFFF);
}

/* Every 2-byte pair: accepted exactly when it is C2..DF followed by 80..BF. */
Test(utf8, all_two_byte_pairs)
{
	for (unsigned a = 0x80; a < 0x100; a++)
		for (unsigned b = 0; b < 0x100; b++) {
			char s[2] = { (char)a, (char)b };
			uint32_t cp;
			int r = utf8_decode(s, 2, &cp);
			bool ok = a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF;
			if (ok ? r != 2 || cp != (((a & 0x1F) << 6) | (b & 0x3F)) : r != -EILSEQ)
				cr_assert_fail("%02X %02X: %d", a, b, r);
		}
}
