/* SPDX-License-Identifier: MIT */
/* fuzz_text: payloads of the type topic on several layouts, typed with Caps Lock off and on. */
#include "fuzz_common.h"

#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Layouts with dead keys, AltGr, caps-blocked characters and another script,
 * plus one more chosen by the input's size so every layout gets its turn. */
static const char *const fixed[] = { "us", "de", "fr", "us-intl", "de-ch", "ru" };
#define N_FIXED (sizeof fixed / sizeof fixed[0])

static void one_layout(const struct layout *l, const uint8_t *data, size_t size)
{
	struct err err = { 0 };
	struct command *c = command_new();
	int r = command_parse_text(c, (const char *)data, size, l, &fuzz_limits, &err);

	fuzz_check_parse(r, c, &err);
	if (r) {
		fuzz_result(c, &err);
	} else {
		FUZZ_CHECK(c->layout == l);
		for (size_t i = 0; i < c->n_acts; i++)
			FUZZ_CHECK(c->acts[i].kind == ACT_TAP);
		fuzz_type(c, false);
		fuzz_type(c, true);
	}
	command_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < N_FIXED; i++) {
		const struct layout *l = layout_find(LAYOUT_LINUX, fixed[i]);
		FUZZ_CHECK(l != NULL);
		one_layout(l, data, size);
	}
	one_layout(layout_at(LAYOUT_LINUX, size % layout_count(LAYOUT_LINUX)), data, size);
	return 0;
}
