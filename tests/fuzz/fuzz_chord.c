/* SPDX-License-Identifier: MIT */
/* fuzz_chord: payloads of the keys topic (command_parse_keys) and single chords (chord_parse). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = { 0 };
	struct command *c = command_new();
	int r = command_parse_keys(c, (const char *)data, size, &fuzz_limits, &err);

	fuzz_check_parse(r, c, &err);
	if (r)
		fuzz_result(c, &err);
	else
		fuzz_type(c, false);
	command_free(c);

	/* The whole input as one chord: well-formed or an error with a code. */
	struct chord ch;
	struct err cerr = { 0 };
	if (chord_parse((const char *)data, size, &ch, &cerr) == 0) {
		FUZZ_CHECK(ch.n <= HID_KBD_SLOTS);
		FUZZ_CHECK(!ch.consumer || (!ch.n && !ch.mods));
		for (uint8_t i = 0; i < ch.n; i++)
			FUZZ_CHECK(ch.keys[i] && (ch.keys[i] < 0xE0 || ch.keys[i] > 0xE7));
	} else {
		FUZZ_CHECK(cerr.code && memchr(cerr.detail, '\0', sizeof cerr.detail));
	}
	return 0;
}
