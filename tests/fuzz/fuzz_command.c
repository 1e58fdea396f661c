/* SPDX-License-Identifier: MIT */
/* fuzz_command: JSON commands of the cmd topic (us layout, default limits), then typed into a recording host. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = { 0 };
	struct command *c = command_new();
	int r = command_parse_json(c, (const char *)data, size, layout_default(LAYOUT_LINUX), &fuzz_limits, &err);

	fuzz_check_parse(r, c, &err);
	if (r)
		fuzz_result(c, &err);
	else
		fuzz_type(c, size & 1);
	command_free(c);
	return 0;
}
