/* SPDX-License-Identifier: MIT */
/* unicode_entry: the keystrokes of each operating system's code entry. */
#include "unicode_entry.h"

#include <errno.h>

#define CTRL_SHIFT (HID_MOD_LCTRL | HID_MOD_LSHIFT)
#define KP_PLUS 0x57
#define KP_1 0x59               /* keypad 1..9 are 0x59..0x61, keypad 0 is 0x62 */
#define KP_0 0x62
#define US_A 0x04               /* KeyA..KeyF: the US positions of a..f */
#define US_1 0x1E               /* Digit1..Digit9, then Digit0 at 0x27 */
#define US_0 0x27

static const char *const names[UNICODE_ENTRY_COUNT] = {
	"none", "linux-ibus", "windows-altcode", "windows-hex", "macos-hex",
};

const char *unicode_entry_name(enum unicode_entry m)
{
	return (unsigned)m < UNICODE_ENTRY_COUNT ? names[m] : NULL;
}

static char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int unicode_entry_parse(const char *s, enum unicode_entry *out)
{
	for (int m = 0; s && m < UNICODE_ENTRY_COUNT; m++) {
		const char *a = names[m], *b = s;
		while (*a && fold(*b) == *a)
			a++, b++;
		if (!*a && !*b) {
			*out = (enum unicode_entry)m;
			return 0;
		}
	}
	return -EINVAL;
}

bool unicode_entry_fits(enum unicode_entry m, enum layout_target t)
{
	switch (m) {
	case UNICODE_ENTRY_NONE: return true;
	case UNICODE_ENTRY_LINUX_IBUS: return t == LAYOUT_LINUX || t == LAYOUT_CHROMEOS;
	case UNICODE_ENTRY_WINDOWS_ALTCODE:
	case UNICODE_ENTRY_WINDOWS_HEX: return t == LAYOUT_WINDOWS;
	case UNICODE_ENTRY_MACOS_HEX: return t == LAYOUT_MACOS;
	default: return false;
	}
}

const char *unicode_entry_targets(enum unicode_entry m)
{
	switch (m) {
	case UNICODE_ENTRY_LINUX_IBUS: return "linux or chromeos";
	case UNICODE_ENTRY_WINDOWS_ALTCODE:
	case UNICODE_ENTRY_WINDOWS_HEX: return "windows";
	case UNICODE_ENTRY_MACOS_HEX: return "macos";
	default: return "any target";
	}
}

const char *unicode_entry_reach(enum unicode_entry m)
{
	switch (m) {
	case UNICODE_ENTRY_WINDOWS_ALTCODE: return "only Windows-1252 characters";
	case UNICODE_ENTRY_WINDOWS_HEX: return "only characters up to U+FFFF";
	case UNICODE_ENTRY_NONE: return "nothing";
	default: return "every character but control characters";
	}
}

/* Windows-1252 0x80..0x9F; 0 where it has no character. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

int unicode_entry_cp1252(uint32_t cp)
{
	if ((cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF))
		return (int)cp;
	for (int i = 0; i < 32 && cp > 0xFF; i++)
		if (cp1252_high[i] == cp)
			return 0x80 + i;
	return -1;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0xD800 && cp < 0xE000) ||
	       cp > 0x10FFFF;
}

static void add(struct unicode_entry_keys *k, uint8_t usage, uint8_t mods, uint8_t caps_mods)
{
	k->s[k->n++] = (struct layout_stroke){ usage, mods, caps_mods };
}

/* A key of l that types ch in one stroke, added with extra modifiers;
 * -ENOENT when l has none. */
static int add_char(struct unicode_entry_keys *k, const struct layout *l, char ch)
{
	struct layout_entry e;

	if (!layout_lookup(l, (uint32_t)(unsigned char)ch, &e) || e.n != 1)
		return -ENOENT;
	add(k, e.s[0].usage, e.s[0].mods, e.s[0].caps_mods);
	k->caps_blocked |= !e.caps_ok;
	return 0;
}

static const char hexdig[] = "0123456789abcdef";

/* Ctrl+Shift+U, the code point's hex digits (no leading zeros), space: each
 * a key of the layout that types that character (IBus and GTK read the
 * keysym, so on AZERTY the digits take Shift). The U key is the one that
 * types u without modifiers. */
static int ibus(struct unicode_entry_keys *k, const struct layout *l, uint32_t cp)
{
	struct layout_entry u;
	int shift = 20;

	if (!layout_lookup(l, 'u', &u) || u.n != 1 || u.s[0].mods != 0)
		return -ENOENT;
	add(k, u.s[0].usage, CTRL_SHIFT, CTRL_SHIFT);
	while (shift > 0 && !(cp >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		if (add_char(k, l, hexdig[(cp >> shift) & 0xF]))
			return -ENOENT;
	return add_char(k, l, ' ');
}

static uint8_t keypad(unsigned d)
{
	return d == 0 ? KP_0 : (uint8_t)(KP_1 + d - 1);
}

/* Alt held, keypad 0 and the Windows-1252 code in three decimal digits. */
static int altcode(struct unicode_entry_keys *k, uint32_t cp)
{
	int b = unicode_entry_cp1252(cp);

	if (b < 0)
		return -ERANGE;
	k->hold_mods = HID_MOD_LALT;
	k->num_lock = true;
	add(k, KP_0, HID_MOD_LALT, HID_MOD_LALT);
	for (int div = 100; div; div /= 10)
		add(k, keypad((unsigned)(b / div % 10)), HID_MOD_LALT, HID_MOD_LALT);
	return 0;
}

/* The key Windows gives the virtual key of letter ch (a..f): the one that
 * types ch without modifiers (AZERTY: a is on the US Q key); on layouts
 * without it (Cyrillic, Greek) the letter VKs stay on their US keys. */
static uint8_t vk_letter(const struct layout *l, char ch)
{
	struct layout_entry e;

	if (layout_lookup(l, (uint32_t)ch, &e) && e.n == 1 && e.s[0].mods == 0)
		return e.s[0].usage;
	return (uint8_t)(US_A + (ch - 'a'));
}

/* Alt held, keypad +, the hex digits: digits on the keypad, a..f on their
 * letter keys. */
static int winhex(struct unicode_entry_keys *k, const struct layout *l, uint32_t cp)
{
	int shift = 12;

	if (cp > 0xFFFF)
		return -ERANGE;
	k->hold_mods = HID_MOD_LALT;
	k->num_lock = true;
	add(k, KP_PLUS, HID_MOD_LALT, HID_MOD_LALT);
	while (shift > 0 && !(cp >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4) {
		unsigned d = (cp >> shift) & 0xF;
		add(k, d < 10 ? keypad(d) : vk_letter(l, hexdig[d]), HID_MOD_LALT, HID_MOD_LALT);
	}
	return 0;
}

/* Option held, four hex digits per UTF-16 code unit (a surrogate pair
 * beyond U+FFFF), on the keys of the "Unicode Hex Input" input source,
 * which are the US keys. */
static int machex(struct unicode_entry_keys *k, uint32_t cp)
{
	uint32_t units[2] = { cp, 0 };
	int n = 1;

	if (cp > 0xFFFF) {
		units[0] = 0xD800 + ((cp - 0x10000) >> 10);
		units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
		n = 2;
	}
	k->hold_mods = HID_MOD_LALT;
	for (int i = 0; i < n; i++)
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned d = (units[i] >> shift) & 0xF;
			uint8_t u = d == 0 ? US_0 : d < 10 ? (uint8_t)(US_1 + d - 1) : (uint8_t)(US_A + d - 10);
			add(k, u, HID_MOD_LALT, HID_MOD_LALT);
		}
	return 0;
}

int unicode_entry_keys(enum unicode_entry m, const struct layout *l, uint32_t cp,
		       struct unicode_entry_keys *out)
{
	*out = (struct unicode_entry_keys){ 0 };
	if (is_control(cp))
		return -ERANGE;
	switch (m) {
	case UNICODE_ENTRY_LINUX_IBUS: return ibus(out, l, cp);
	case UNICODE_ENTRY_WINDOWS_ALTCODE: return altcode(out, cp);
	case UNICODE_ENTRY_WINDOWS_HEX: return winhex(out, l, cp);
	case UNICODE_ENTRY_MACOS_HEX: return machex(out, cp);
	default: return -ERANGE;
	}
}
