/* SPDX-License-Identifier: MIT */
/* fuzz_command: JSON commands of the cmd topic (a target's us layout, an entry method, default limits), then typed into a recording host. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = { 0 };
	struct command *c = command_new();
	/* The device's settings, from the input's size: a target's default
	 * layout, a code entry method (fitting it or not), the ISO exchange. */
	const struct layout *l = layout_default((enum layout_target)(size / 2 % LAYOUT_TARGET_COUNT));

	c->unicode_entry = (uint8_t)(size / 8 % UNICODE_ENTRY_COUNT);
	c->macos_iso = size & 64;
	int r = command_parse_json(c, (const char *)data, size, l, &fuzz_limits, &err);

	fuzz_check_parse(r, c, &err);
	if (r)
		fuzz_result(c, &err);
	else
		fuzz_type(c, size & 1);
	command_free(c);
	return 0;
}
