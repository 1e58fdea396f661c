/* SPDX-License-Identifier: MIT */
/* cldr_host: a Windows, macOS or ChromeOS computer's keyboard handling, read
 * at run time from the Unicode CLDR keyboard XML (agent/tools/layoutgen/cldr)
 * with expat: which key position a HID usage reaches on that platform, what
 * a key makes under which modifiers and Caps Lock (keyMap/@modifiers of UTS
 * #35 part 7), and dead keys (transforms). Written apart from the table
 * generator (cldrgen.py) on purpose: a second reading of the same spec, so
 * the round-trip tests judge the generated tables. */
#ifndef KEYMIME_CLDR_HOST_H
#define KEYMIME_CLDR_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cldr_kb;   /* one keyboard of one platform, loaded */

/* Loads keyboard id ("de-t-k0-windows") of target ("windows", "macos",
 * "chromeos") from dir (the folder holding windows/, osx/, chromeos/).
 * Returns NULL with a message in err on failure. Free with cldr_free(). */
struct cldr_kb *cldr_load(const char *dir, const char *target, const char *id,
			  char *err, size_t errlen);
void cldr_free(struct cldr_kb *kb);

/* The CLDR name of the keyboard ("German"); borrowed. */
const char *cldr_description(const struct cldr_kb *kb);

/* The ISO position ("D01") that HID usage reaches on the platform, or NULL
 * when the platform has no key there. macos_iso: macOS treats the keyboard
 * as ISO, which exchanges usages 0x35 and 0x64. */
const char *cldr_iso_of_usage(const struct cldr_kb *kb, uint8_t usage, bool macos_iso);

/* What the key at iso makes with HID modifiers mods and Caps Lock caps:
 * UTF-8 text (borrowed) or NULL for nothing; *transform_ok is false for a
 * key marked transform="no". */
const char *cldr_output(const struct cldr_kb *kb, const char *iso, uint8_t mods, bool caps,
			bool *transform_ok);

/* Dead keys: feed each key's text; emit() gets the text the host shows.
 * The pending text lives in *pending (NUL-terminated, 64 bytes). */
typedef void (*cldr_emit_fn)(void *ctx, const char *s, size_t n);
void cldr_feed(const struct cldr_kb *kb, char pending[64], const char *text, bool transform_ok,
	       cldr_emit_fn emit, void *ctx);

#endif
