/* SPDX-License-Identifier: MIT */
/* fuzz_text: payloads of the type topic on layouts of every target, with and without code entry, typed with Caps Lock off and on. */
#include "fuzz_common.h"

#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Layouts with dead keys, AltGr, caps-blocked characters and another script
 * on every target, each with its target's code entry (and without), plus one
 * more of all the targets' layouts chosen by the input's size so every
 * layout gets its turn. */
static const struct { enum layout_target t; const char *name; enum unicode_entry entry; } fixed[] = {
	{ LAYOUT_LINUX, "us", UNICODE_ENTRY_LINUX_IBUS }, { LAYOUT_LINUX, "de", UNICODE_ENTRY_NONE },
	{ LAYOUT_LINUX, "fr", UNICODE_ENTRY_LINUX_IBUS }, { LAYOUT_LINUX, "us-intl", UNICODE_ENTRY_NONE },
	{ LAYOUT_LINUX, "de-ch", UNICODE_ENTRY_NONE }, { LAYOUT_LINUX, "ru", UNICODE_ENTRY_LINUX_IBUS },
	{ LAYOUT_WINDOWS, "de", UNICODE_ENTRY_WINDOWS_ALTCODE }, { LAYOUT_WINDOWS, "fr", UNICODE_ENTRY_WINDOWS_HEX },
	{ LAYOUT_WINDOWS, "ru", UNICODE_ENTRY_WINDOWS_HEX }, { LAYOUT_MACOS, "us", UNICODE_ENTRY_MACOS_HEX },
	{ LAYOUT_MACOS, "de", UNICODE_ENTRY_NONE }, { LAYOUT_CHROMEOS, "fr", UNICODE_ENTRY_LINUX_IBUS },
};
#define N_FIXED (sizeof fixed / sizeof fixed[0])

/* Parse and type data on l with the entry method (and, on macOS, the ISO
 * exchange when iso); Caps Lock off and on, Num Lock unknown and off. */
static void one_layout(const struct layout *l, enum unicode_entry entry, bool iso,
		       const uint8_t *data, size_t size)
{
	struct err err = { 0 };
	struct command *c = command_new();

	c->unicode_entry = (uint8_t)entry;
	c->macos_iso = iso;
	int r = command_parse_text(c, (const char *)data, size, l, &fuzz_limits, &err);

	fuzz_check_parse(r, c, &err);
	if (r) {
		fuzz_result(c, &err);
	} else {
		FUZZ_CHECK(c->layout == l);
		FUZZ_CHECK(c->entered <= c->chars);
		FUZZ_CHECK(entry != UNICODE_ENTRY_NONE || c->entered == 0);
		for (size_t i = 0; i < c->n_acts; i++)
			FUZZ_CHECK(c->acts[i].kind == ACT_TAP);
		fuzz_type(c, false);
		fuzz_type(c, true);
		fuzz_type_leds(c, size & 2, true);
	}
	command_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < N_FIXED; i++) {
		const struct layout *l = layout_find(fixed[i].t, fixed[i].name);
		FUZZ_CHECK(l != NULL);
		one_layout(l, UNICODE_ENTRY_NONE, false, data, size);
		if (fixed[i].entry != UNICODE_ENTRY_NONE)
			one_layout(l, fixed[i].entry, size & 4, data, size);
	}
	const struct layout *any = layout_at_all(size % layout_count_all());
	one_layout(any, (enum unicode_entry)(size / 7 % UNICODE_ENTRY_COUNT), size & 8, data, size);
	return 0;
}
