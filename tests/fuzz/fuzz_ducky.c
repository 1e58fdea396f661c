/* SPDX-License-Identifier: MIT */
/* fuzz_ducky: DuckyScript payloads of the script topic on three layouts, then typed into a recording host. */
#include "fuzz_common.h"

#include "ducky.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal names the line it is about, but for what concerns the whole
 * script (its encoding, its size, a script that does nothing). */
static void check_error(const struct err *err)
{
	if (!strcmp(err->code, "bad_utf8") || !strcmp(err->code, "too_large") ||
	    !strncmp(err->detail, "the script does nothing", 23))
		return;
	FUZZ_CHECK(!strncmp(err->detail, "line ", 5));
}

static void one_layout(const char *name, const uint8_t *data, size_t size)
{
	const struct layout *l = layout_find(LAYOUT_LINUX, name);
	struct err err = { 0 };
	struct command *c = command_new();

	FUZZ_CHECK(l != NULL);
	int r = ducky_parse(c, (const char *)data, size, l, &fuzz_limits, &err);
	fuzz_check_parse(r, c, &err);
	if (r) {
		check_error(&err);
		fuzz_result(c, &err);
	} else {
		FUZZ_CHECK(c->layout == l);   /* "DELAY 0" alone is a script that does nothing */
		fuzz_type(c, size & 1);
	}
	command_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_layout("us", data, size);
	one_layout("de", data, size);
	one_layout("fr", data, size);
	return 0;
}
