/* SPDX-License-Identifier: MIT */
/* unicode_host: code entry state machines of a simulated host. */
#include "unicode_host.h"

#include <stdlib.h>
#include <string.h>

#define CTRL 0x11          /* left or right Control */
#define SHIFT 0x22
#define LALT 0x04
#define ALT_META 0xCC
#define REPLACEMENT 0xFFFD /* an entry the host would not have taken */

int uhost_parse(const char *name, enum uhost_method *out)
{
	static const char *const names[] = { "none", "linux-ibus", "windows-altcode", "windows-hex",
					     "macos-hex" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum uhost_method)i;
			return 0;
		}
	return -1;
}

/* Windows-1252 bytes 0x80..0x9F (Microsoft's bestfit1252 table); 0: none. */
static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
	0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static void reset(struct uhost *u)
{
	u->active = u->hex = false;
	u->n = 0;
}

static void add_digit(struct uhost *u, char d)
{
	if (u->n < (int)sizeof u->digits - 1)
		u->digits[u->n++] = d;
	u->digits[u->n] = '\0';
}

static void emit_cp(struct uhost *u, unsigned long cp)
{
	bool ok = cp && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);

	u->emit(u->ctx, ok ? (uint32_t)cp : REPLACEMENT);
}

static char hex_of(uint32_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
		return (char)c;
	if (c >= 'A' && c <= 'F')
		return (char)(c - 'A' + 'a');
	return 0;
}

/* IBus, GTK, ChromeOS: Ctrl+Shift+U starts; hex digits by the characters
 * their keys make; space or Enter commits. Anything else there is a
 * mistake the test must see. */
static bool ibus_key(struct uhost *u, uint8_t usage, uint8_t mods, uint32_t text)
{
	if (!u->active) {
		if ((mods & CTRL) && (mods & SHIFT) && !(mods & ALT_META) && (text == 'u' || text == 'U')) {
			u->active = true;
			u->n = 0;
			return true;
		}
		return false;
	}
	if (hex_of(text) && !(mods & (CTRL | ALT_META))) {
		add_digit(u, hex_of(text));
		return true;
	}
	if (text == ' ' || usage == 0x28 || usage == 0x58) {
		if (u->n)
			emit_cp(u, strtoul(u->digits, NULL, 16));
	} else {
		u->emit(u->ctx, REPLACEMENT);
	}
	reset(u);
	return true;
}

static int keypad_digit(uint8_t usage, bool num_lock)
{
	if (!num_lock || usage < 0x59 || usage > 0x62)
		return -1;
	return usage == 0x62 ? 0 : usage - 0x58;
}

/* Windows: Alt (left, alone) held; keypad digits are a decimal code, or
 * after keypad + (EnableHexNumpad) hex digits, letters by their virtual
 * keys: the key typing the letter without modifiers, else its US key. */
static bool windows_key(struct uhost *u, uint8_t usage, uint8_t mods, uint32_t plain, bool num_lock)
{
	int d = keypad_digit(usage, num_lock);

	if (mods != LALT)
		return false;
	if (usage == 0x57 && u->m == UHOST_WINHEX && !u->active) {
		u->active = u->hex = true;
		u->n = 0;
		return true;
	}
	if (d >= 0) {
		if (!u->active)
			u->n = 0;
		u->active = true;
		add_digit(u, (char)('0' + d));
		return true;
	}
	if (!u->hex)
		return false;
	char h = hex_of(plain);
	if (!h && usage >= 0x04 && usage <= 0x09 && !u->has_letter[usage - 0x04])
		h = (char)('a' + usage - 0x04);
	if (h >= 'a')
		add_digit(u, h);
	else
		u->emit(u->ctx, REPLACEMENT), reset(u);
	return true;
}

/* Alt up: a decimal code with a leading 0 is Windows-1252 (the code page
 * of Western systems; modulo 256, as Windows does); without it the OEM
 * code page, which the agent never uses. */
static void windows_commit(struct uhost *u)
{
	unsigned long v;

	if (u->hex) {
		emit_cp(u, u->n ? strtoul(u->digits, NULL, 16) : 0);
	} else if (u->n && u->digits[0] == '0') {
		v = strtoul(u->digits, NULL, 10) % 256;
		emit_cp(u, v >= 0x80 && v < 0xA0 ? cp1252[v - 0x80] : v);
	} else if (u->n) {
		u->emit(u->ctx, REPLACEMENT);
	}
	reset(u);
}

/* macOS Unicode Hex Input: Option held, hex digits on its keys (the US
 * ones: Digit0-9, KeyA-F). */
static bool mac_key(struct uhost *u, uint8_t usage, uint8_t mods)
{
	if (mods != LALT)
		return false;
	if (usage >= 0x1E && usage <= 0x27)
		add_digit(u, (char)('0' + (usage - 0x1E + 1) % 10));
	else if (usage >= 0x04 && usage <= 0x09)
		add_digit(u, (char)('a' + usage - 0x04));
	else
		return false;
	u->active = true;
	return true;
}

/* Option up: four digits per UTF-16 unit, a surrogate pair for one
 * character beyond U+FFFF. */
static void mac_commit(struct uhost *u)
{
	char unit[5] = { 0 };
	unsigned long hi = 0;

	for (int i = 0; u->n % 4 == 0 && i < u->n; i += 4) {
		memcpy(unit, u->digits + i, 4);
		unsigned long v = strtoul(unit, NULL, 16);
		if (v >= 0xD800 && v < 0xDC00 && !hi) {
			hi = v;
			continue;
		}
		if (hi && v >= 0xDC00 && v < 0xE000)
			v = 0x10000 + ((hi - 0xD800) << 10) + (v - 0xDC00), hi = 0;
		emit_cp(u, hi ? 0 : v);
		hi = 0;
	}
	if (u->n % 4 || hi)
		u->emit(u->ctx, REPLACEMENT);
	reset(u);
}

bool uhost_key(struct uhost *u, uint8_t usage, uint8_t mods, uint32_t text, uint32_t plain,
	       bool num_lock)
{
	if (usage == 0x39 || usage == 0x53)   /* lock keys stay the host's */
		return false;
	switch (u->m) {
	case UHOST_IBUS: return ibus_key(u, usage, mods, text);
	case UHOST_ALTCODE:
	case UHOST_WINHEX: return windows_key(u, usage, mods, plain, num_lock);
	case UHOST_MACHEX: return mac_key(u, usage, mods);
	default: return false;
	}
}

void uhost_mods(struct uhost *u, uint8_t old, uint8_t now)
{
	if (!u->active || !(old & LALT) || (now & LALT))
		return;
	if (u->m == UHOST_ALTCODE || u->m == UHOST_WINHEX)
		windows_commit(u);
	else if (u->m == UHOST_MACHEX)
		mac_commit(u);
}
