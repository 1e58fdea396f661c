/* SPDX-License-Identifier: MIT */
/* test_strbuf: the string builder, the error convention and the checked
 * json-c wrappers of the core. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonx.h"
#include "strbuf.h"

Test(strbuf, grows_and_hands_over)
{
	struct strbuf sb = STRBUF_INIT;

	cr_expect_str_eq(sb_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i % 10);
	sb_add(&sb, "end");
	sb_addn(&sb, "xyz", 1);
	cr_expect_eq(sb.len, 2000 + 4);
	cr_expect_eq(strlen(sb_str(&sb)), sb.len);
	char *s = sb_steal(&sb);
	cr_expect_str_eq(s + 1998, "9,endx");
	cr_expect_null(sb.buf);
	free(s);
	s = sb_steal(&sb);
	cr_expect_str_eq(s, "");
	free(s);
	s = str_printf("%s/%s/%s", "keymime", "pi1", "type");
	cr_expect_str_eq(s, "keymime/pi1/type");
	free(s);
}

Test(err, fills_and_returns)
{
	struct err e = { .n_bad = 3, .n_bad_total = 9 };

	cr_expect_eq(err_fail(&e, "bad_json", "at %d", 7), -EINVAL);
	cr_expect_str_eq(e.code, "bad_json");
	cr_expect_str_eq(e.detail, "at 7");
	cr_expect_eq(e.n_bad + e.n_bad_total, 0, "untypable characters belong to `untypable` only");
	cr_expect_eq(err_failn(&e, ENOENT, "config", "%s", "gone"), -ENOENT);
	cr_expect_str_eq(e.detail, "gone");
	cr_expect_eq(err_fail(NULL, "x", "nobody asked"), -EINVAL);
	char big[600];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err_fail(&e, "x", "%s", big);
	cr_expect_eq(strlen(e.detail), sizeof e.detail - 1, "truncated, terminated");
}

Test(jsonx, builds_compact_json)
{
	json_object *o = jx_object(), *a = jx_array();

	jx_str(o, "s", "a/b\"c");
	jx_str(o, "n", NULL);
	jx_int(o, "i", -5);
	jx_bool(o, "b", true);
	jx_push_str(a, "x");
	jx_push(a, jx_object());
	jx_put(o, "a", a);
	char *s = jx_finish(o);
	cr_expect_str_eq(s, "{\"s\":\"a/b\\\"c\",\"n\":null,\"i\":-5,\"b\":true,\"a\":[\"x\",{}]}");
	free(s);
}
