/* SPDX-License-Identifier: MIT */
/* cldr_host: CLDR keyboard XML read with expat, and what a host of that
 * platform makes of key presses (see cldr_host.h). */
#define _GNU_SOURCE
#include "cldr_host.h"

#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

#define N_ISO 70            /* rows A..E × columns 00..13 */
#define MAX_KEYMAPS 64
#define MAX_COMBOS 32

enum platform { P_WINDOWS, P_OSX, P_CHROMEOS };
enum family { F_SHIFT, F_CTRL, F_ALT, F_CMD, F_COUNT };

/* HID modifier bits of each family: left, right. */
static const uint8_t family_bits[F_COUNT][2] = {
	{ 0x02, 0x20 }, { 0x01, 0x10 }, { 0x04, 0x40 }, { 0x08, 0x80 },
};

/* One modifier combination of keyMap/@modifiers. allow[f][side] is a mask
 * of the values that key may have (bit 0: up, bit 1: down); need[f]: at
 * least one key of the family down ("shift" without L/R); caps likewise. */
struct combo {
	uint8_t allow[F_COUNT][2];
	bool need[F_COUNT];
	uint8_t caps;
};

struct kmap {
	struct combo combos[MAX_COMBOS];
	size_t n_combos;
	char *to[N_ISO];
	bool no_transform[N_ISO];
};

struct transform {
	char *from, *to;
};

struct cldr_kb {
	enum platform platform;
	char *description;
	char iso_of_code[256][4];      /* platform key code -> "D01" */
	struct kmap km[MAX_KEYMAPS];
	size_t n_km;
	int base;                      /* the keyMap without modifiers, or -1 */
	struct transform *tr;
	size_t n_tr;
	bool fallback_omit, failure_omit;
	int cur_km;                    /* parsing: the keyMap being read */
	bool in_simple;                /* parsing: inside transforms type="simple" */
	bool bad;                      /* parsing: out of memory or a bad value */
};

/* --- HID usage -> platform key code --------------------------------------- */

/* Windows: scan code set 1, as Windows' HID keyboard driver translates. */
static const uint8_t windows_scan[256] = {
	[0x04] = 0x1E, [0x05] = 0x30, [0x06] = 0x2E, [0x07] = 0x20, [0x08] = 0x12,
	[0x09] = 0x21, [0x0A] = 0x22, [0x0B] = 0x23, [0x0C] = 0x17, [0x0D] = 0x24,
	[0x0E] = 0x25, [0x0F] = 0x26, [0x10] = 0x32, [0x11] = 0x31, [0x12] = 0x18,
	[0x13] = 0x19, [0x14] = 0x10, [0x15] = 0x13, [0x16] = 0x1F, [0x17] = 0x14,
	[0x18] = 0x16, [0x19] = 0x2F, [0x1A] = 0x11, [0x1B] = 0x2D, [0x1C] = 0x15,
	[0x1D] = 0x2C, [0x1E] = 0x02, [0x1F] = 0x03, [0x20] = 0x04, [0x21] = 0x05,
	[0x22] = 0x06, [0x23] = 0x07, [0x24] = 0x08, [0x25] = 0x09, [0x26] = 0x0A,
	[0x27] = 0x0B, [0x2C] = 0x39, [0x2D] = 0x0C, [0x2E] = 0x0D, [0x2F] = 0x1A,
	[0x30] = 0x1B, [0x31] = 0x2B, [0x32] = 0x2B, [0x33] = 0x27, [0x34] = 0x28,
	[0x35] = 0x29, [0x36] = 0x33, [0x37] = 0x34, [0x38] = 0x35, [0x64] = 0x56,
	[0x87] = 0x73, [0x89] = 0x7D,
};

/* macOS: virtual key codes (kVK_*) + 1, so that 0 means none (kVK_ANSI_A is
 * 0). Usage 0x32 (ISO #) is kVK_ANSI_Backslash too. */
static const uint8_t macos_kvk1[256] = {
	[0x04] = 1, [0x16] = 2, [0x07] = 3, [0x09] = 4, [0x0B] = 5, [0x0A] = 6,
	[0x1D] = 7, [0x1B] = 8, [0x06] = 9, [0x19] = 10, [0x64] = 11, [0x05] = 12,
	[0x14] = 13, [0x1A] = 14, [0x08] = 15, [0x15] = 16, [0x1C] = 17, [0x17] = 18,
	[0x1E] = 19, [0x1F] = 20, [0x20] = 21, [0x21] = 22, [0x23] = 23, [0x22] = 24,
	[0x2E] = 25, [0x26] = 26, [0x24] = 27, [0x2D] = 28, [0x25] = 29, [0x27] = 30,
	[0x30] = 31, [0x12] = 32, [0x18] = 33, [0x2F] = 34, [0x0C] = 35, [0x13] = 36,
	[0x0F] = 38, [0x0D] = 39, [0x34] = 40, [0x0E] = 41, [0x33] = 42, [0x31] = 43,
	[0x32] = 43, [0x36] = 44, [0x38] = 45, [0x11] = 46, [0x10] = 47, [0x37] = 48,
	[0x2C] = 50, [0x35] = 51, [0x89] = 94, [0x87] = 95,
};

/* The platform key code of a usage, or -1. */
static int code_of_usage(const struct cldr_kb *kb, uint8_t usage, bool macos_iso)
{
	const struct keymap_key *k;

	switch (kb->platform) {
	case P_WINDOWS:
		return windows_scan[usage] ? windows_scan[usage] : -1;
	case P_OSX:
		/* An ISO keyboard to macOS: the key left of 1 and the key left
		 * of Z trade places (Apple's ISO keyboards send them so). */
		if (macos_iso && (usage == 0x35 || usage == 0x64))
			usage = usage == 0x35 ? 0x64 : 0x35;
		return macos_kvk1[usage] ? macos_kvk1[usage] - 1 : -1;
	default:
		/* ChromeOS: X key codes, Linux's evdev code + 8. */
		k = keymap_by_usage(KEYMAP_PAGE_KEYBOARD, usage);
		return k && k->evdev ? k->evdev + 8 : -1;
	}
}

/* --- strings ---------------------------------------------------------------- */

static void put_utf8(char **o, uint32_t cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80) {
		*u++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*u++ = (unsigned char)(0xC0 | cp >> 6);
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xE0 | cp >> 12);
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*u++ = (unsigned char)(0xF0 | cp >> 18);
		*u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*o = (char *)u;
}

/* A copy of s with CLDR's \u{XXXX} escapes (several hex numbers may share
 * one pair of braces, separated by spaces) turned into UTF-8. */
static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) * 4 + 1), *o = out;

	while (out && *s) {
		if (s[0] == '\\' && s[1] == 'u' && s[2] == '{') {
			s += 3;
			while (*s && *s != '}') {
				char *end;
				unsigned long cp = strtoul(s, &end, 16);
				if (end == s)
					break;
				put_utf8(&o, (uint32_t)cp);
				s = end;
				while (*s == ' ')
					s++;
			}
			if (*s == '}')
				s++;
		} else {
			*o++ = *s++;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

/* "D01" -> 0..69, or -1. */
static int iso_index(const char *iso)
{
	if (!iso || iso[0] < 'A' || iso[0] > 'E' || iso[1] < '0' || iso[1] > '9' ||
	    iso[2] < '0' || iso[2] > '9' || iso[3])
		return -1;
	int col = (iso[1] - '0') * 10 + (iso[2] - '0');
	return col > 13 ? -1 : (iso[0] - 'A') * 14 + col;
}

/* --- modifiers ------------------------------------------------------------- */

/* One token of a combination ("shiftL?", "opt", "caps") into c. */
static int combo_token(struct combo *c, const char *t, size_t n)
{
	static const char *const names[F_COUNT] = { "shift", "ctrl", "alt", "cmd" };
	bool opt = n && t[n - 1] == '?';
	char side = 0;

	if (opt)
		n--;
	if (n == 4 && !strncmp(t, "caps", 4)) {
		c->caps = opt ? 3 : 2;
		return 0;
	}
	if (n && (t[n - 1] == 'L' || t[n - 1] == 'R'))
		side = t[--n];
	for (int f = 0; f < F_COUNT; f++) {
		bool is = (strlen(names[f]) == n && !strncmp(t, names[f], n)) ||
			  (f == F_ALT && n == 3 && !strncmp(t, "opt", 3));   /* macOS Option */
		if (!is)
			continue;
		if (!side) {
			c->allow[f][0] = c->allow[f][1] = 3;
			c->need[f] = !opt;
		} else {
			c->allow[f][side == 'R'] = opt ? 3 : 2;
		}
		return 0;
	}
	return -EINVAL;
}

/* A combination "ctrlL+alt?+caps" (len bytes) into *c. */
static int combo_parse(struct combo *c, const char *s, size_t len)
{
	memset(c, 0, sizeof *c);
	for (int f = 0; f < F_COUNT; f++)
		c->allow[f][0] = c->allow[f][1] = 1;   /* unnamed: up */
	c->caps = 1;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && s[j] != '+')
			j++;
		if (j > i && combo_token(c, s + i, j - i) < 0)
			return -EINVAL;
		i = j + 1;
	}
	return 0;
}

static bool combo_match(const struct combo *c, uint8_t mods, bool caps)
{
	if (!(c->caps & (caps ? 2 : 1)))
		return false;
	for (int f = 0; f < F_COUNT; f++) {
		bool l = mods & family_bits[f][0], r = mods & family_bits[f][1];
		if (!(c->allow[f][0] & (l ? 2 : 1)) || !(c->allow[f][1] & (r ? 2 : 1)))
			return false;
		if (c->need[f] && !l && !r)
			return false;
	}
	return true;
}

/* --- parsing ----------------------------------------------------------------- */

static const char *attr(const char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

static void on_keymap(struct cldr_kb *kb, const char **a)
{
	const char *m = attr(a, "modifiers");
	struct kmap *km;

	if (kb->n_km == MAX_KEYMAPS) {
		kb->bad = true;
		return;
	}
	kb->cur_km = (int)kb->n_km++;
	km = &kb->km[kb->cur_km];
	if (!m || !*m) {
		kb->base = kb->cur_km;
		combo_parse(&km->combos[km->n_combos++], "", 0);
		return;
	}
	for (const char *p = m; *p;) {
		size_t n = strcspn(p, " ");
		if (n && (km->n_combos == MAX_COMBOS ||
			  combo_parse(&km->combos[km->n_combos++], p, n) < 0))
			kb->bad = true;
		p += n;
		p += strspn(p, " ");
	}
}

static void on_map(struct cldr_kb *kb, const char **a)
{
	const char *iso = attr(a, "iso"), *to = attr(a, "to"), *tr = attr(a, "transform");
	int i = iso_index(iso);

	if (kb->cur_km < 0 || i < 0 || !to)
		return;
	struct kmap *km = &kb->km[kb->cur_km];
	free(km->to[i]);
	km->to[i] = unescape(to);
	km->no_transform[i] = tr && !strcmp(tr, "no");
}

static void on_transform(struct cldr_kb *kb, const char **a)
{
	const char *from = attr(a, "from"), *to = attr(a, "to");
	struct transform *t;

	if (!kb->in_simple || !from || !to)
		return;
	t = realloc(kb->tr, (kb->n_tr + 1) * sizeof *kb->tr);
	if (!t) {
		kb->bad = true;
		return;
	}
	kb->tr = t;
	t[kb->n_tr].from = unescape(from);
	t[kb->n_tr].to = unescape(to);
	kb->n_tr++;
}

static void XMLCALL on_start(void *ud, const char *el, const char **a)
{
	struct cldr_kb *kb = ud;
	const char *v;

	if (!strcmp(el, "keyMap")) {
		on_keymap(kb, a);
	} else if (!strcmp(el, "map")) {
		on_map(kb, a);
	} else if (!strcmp(el, "transforms")) {
		kb->in_simple = (v = attr(a, "type")) && !strcmp(v, "simple");
	} else if (!strcmp(el, "transform")) {
		on_transform(kb, a);
	} else if (!strcmp(el, "settings")) {
		kb->fallback_omit = (v = attr(a, "fallback")) && !strcmp(v, "omit");
		kb->failure_omit = (v = attr(a, "transformFailure")) && !strcmp(v, "omit");
	} else if (!strcmp(el, "name") && !kb->description && (v = attr(a, "value"))) {
		kb->description = strdup(v);
	}
}

static void XMLCALL on_end(void *ud, const char *el)
{
	struct cldr_kb *kb = ud;

	if (!strcmp(el, "keyMap"))
		kb->cur_km = -1;
	else if (!strcmp(el, "transforms"))
		kb->in_simple = false;
}

/* _platform.xml's hardwareMap: key code -> ISO position. */
static void XMLCALL on_platform(void *ud, const char *el, const char **a)
{
	struct cldr_kb *kb = ud;
	const char *code = attr(a, "keycode"), *iso = attr(a, "iso");

	if (strcmp(el, "map") || !code || iso_index(iso) < 0)
		return;
	long c = strtol(code, NULL, 10);
	if (c >= 0 && c < 256)
		memcpy(kb->iso_of_code[c], iso, 4);
}

/* Parses the file at path with the start handler; 0 or -errno. */
static int parse_file(struct cldr_kb *kb, const char *path, XML_StartElementHandler start,
		      XML_EndElementHandler end, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	XML_Parser p = XML_ParserCreate("UTF-8");
	char buf[16384];
	size_t n;
	int rc = 0;

	if (!f || !p) {
		snprintf(err, errlen, "%s: %s", path, strerror(f ? ENOMEM : errno));
		rc = -ENOENT;
		goto out;
	}
	XML_SetUserData(p, kb);
	XML_SetElementHandler(p, start, end);
	do {
		n = fread(buf, 1, sizeof buf, f);
		if (XML_Parse(p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
			snprintf(err, errlen, "%s:%lu: %s", path,
				 (unsigned long)XML_GetCurrentLineNumber(p),
				 XML_ErrorString(XML_GetErrorCode(p)));
			rc = -EINVAL;
			break;
		}
	} while (n);
out:
	if (p)
		XML_ParserFree(p);
	if (f)
		fclose(f);
	return rc;
}

struct cldr_kb *cldr_load(const char *dir, const char *target, const char *id,
			  char *err, size_t errlen)
{
	static const char *const folders[] = { "windows", "osx", "chromeos" };
	static const char *const targets[] = { "windows", "macos", "chromeos" };
	struct cldr_kb *kb = calloc(1, sizeof *kb);
	char path[4096];
	int p = -1;

	for (int i = 0; i < 3; i++)
		if (!strcmp(target, targets[i]))
			p = i;
	if (!kb || p < 0 || strchr(id, '/')) {
		snprintf(err, errlen, "no CLDR target '%s' or bad keyboard id '%s'", target, id);
		free(kb);
		return NULL;
	}
	kb->platform = (enum platform)p;
	kb->base = kb->cur_km = -1;
	snprintf(path, sizeof path, "%s/%s/_platform.xml", dir, folders[p]);
	if (parse_file(kb, path, on_platform, NULL, err, errlen) == 0) {
		snprintf(path, sizeof path, "%s/%s/%s.xml", dir, folders[p], id);
		if (parse_file(kb, path, on_start, on_end, err, errlen) == 0 && !kb->bad)
			return kb;
		if (kb->bad)
			snprintf(err, errlen, "%s: a keyMap this reader cannot take", path);
	}
	cldr_free(kb);
	return NULL;
}

void cldr_free(struct cldr_kb *kb)
{
	if (!kb)
		return;
	for (size_t i = 0; i < kb->n_km; i++)
		for (int j = 0; j < N_ISO; j++)
			free(kb->km[i].to[j]);
	for (size_t i = 0; i < kb->n_tr; i++) {
		free(kb->tr[i].from);
		free(kb->tr[i].to);
	}
	free(kb->tr);
	free(kb->description);
	free(kb);
}

const char *cldr_description(const struct cldr_kb *kb)
{
	return kb->description ? kb->description : "";
}

/* --- keys ---------------------------------------------------------------------- */

const char *cldr_iso_of_usage(const struct cldr_kb *kb, uint8_t usage, bool macos_iso)
{
	int code = code_of_usage(kb, usage, macos_iso);

	return code >= 0 && code < 256 && kb->iso_of_code[code][0] ? kb->iso_of_code[code] : NULL;
}

/* The first keyMap (in file order) with a matching combination; without
 * one, the base keyMap unless settings/@fallback is "omit". */
const char *cldr_output(const struct cldr_kb *kb, const char *iso, uint8_t mods, bool caps,
			bool *transform_ok)
{
	int i = iso_index(iso);

	*transform_ok = true;
	if (i < 0)
		return NULL;
	for (size_t k = 0; k < kb->n_km; k++)
		for (size_t c = 0; c < kb->km[k].n_combos; c++)
			if (combo_match(&kb->km[k].combos[c], mods, caps)) {
				*transform_ok = !kb->km[k].no_transform[i];
				return kb->km[k].to[i];
			}
	if (kb->fallback_omit || kb->base < 0)
		return NULL;
	*transform_ok = !kb->km[kb->base].no_transform[i];
	return kb->km[kb->base].to[i];
}

/* --- dead keys ------------------------------------------------------------------ */

static bool is_partial(const struct cldr_kb *kb, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < kb->n_tr; i++)
		if (strlen(kb->tr[i].from) > n && !strncmp(kb->tr[i].from, s, n))
			return true;
	return false;
}

static const char *transform_of(const struct cldr_kb *kb, const char *s)
{
	for (size_t i = 0; i < kb->n_tr; i++)
		if (!strcmp(kb->tr[i].from, s))
			return kb->tr[i].to;
	return NULL;
}

/* Text that begins a transform waits, hidden (transformPartial="hide", what
 * every platform shows as a dead key); a whole transform's from makes its
 * to. When the next text does not continue a transform, the waiting text
 * comes out as typed (the dead key's accent, then the new text: Windows and
 * macOS do so), or is dropped with transformFailure="omit" (ChromeOS's
 * files), and the new text is read afresh. */
void cldr_feed(const struct cldr_kb *kb, char pending[64], const char *text, bool transform_ok,
	       cldr_emit_fn emit, void *ctx)
{
	char buf[128];
	const char *to;

	if (!transform_ok) {
		if (*pending && !kb->failure_omit)
			emit(ctx, pending, strlen(pending));
		*pending = '\0';
		emit(ctx, text, strlen(text));
		return;
	}
	snprintf(buf, sizeof buf, "%s%s", pending, text);
	if (strlen(buf) < 64 && is_partial(kb, buf)) {
		strcpy(pending, buf);
		return;
	}
	if ((to = transform_of(kb, buf))) {
		*pending = '\0';
		emit(ctx, to, strlen(to));
		return;
	}
	if (*pending) {
		if (!kb->failure_omit)
			emit(ctx, pending, strlen(pending));
		*pending = '\0';
		cldr_feed(kb, pending, text, transform_ok, emit, ctx);
		return;
	}
	emit(ctx, text, strlen(text));
}
