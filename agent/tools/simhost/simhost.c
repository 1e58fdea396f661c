/* SPDX-License-Identifier: MIT */
/* keymime-simhost: a simulated host computer. Reads the boot keyboard (and
 * consumer control) reports keymime-agent writes, decodes them as Linux's
 * hid-input does, runs them through the XKB keymap and Compose table of a
 * target layout, and prints the text that computer would see. With --target
 * windows, macos or chromeos it is that computer instead, its keyboard read
 * from the Unicode CLDR keyboard XML at run time (cldr_host.c).
 *
 * It deliberately does not use agent/core's layout tables to decode: it
 * answers "what does a real host make of these reports", so the round-trip
 * test can check the tables instead of trusting them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include "cldr_host.h"
#include "unicode_host.h"
#include "utf8.h"
#include "keymap.h"
#include "layout.h"
#include "xkb_names.h"

#define EVDEV_OFFSET 8     /* XKB keycode = evdev code + 8 */
#define KBD_REPORT 8       /* modifiers, reserved, 6 key slots */
#define KBD_SLOTS 6
#define CONSUMER_REPORT 2  /* one 16-bit usage, little-endian */
#define USAGE_ERROR_ROLLOVER 0x01
#define DEFAULT_XKB_ROOT "/usr/share/X11/xkb"
#define DEFAULT_COMPOSE "/usr/share/X11/locale/en_US.UTF-8/Compose"
#ifndef DEFAULT_CLDR_DIR          /* the source tree's (CMake sets both) */
#define DEFAULT_CLDR_DIR "/usr/share/keymime/cldr"
#endif
#ifndef INSTALLED_CLDR_DIR        /* where an installed simhost finds it */
#define INSTALLED_CLDR_DIR DEFAULT_CLDR_DIR
#endif

/* Exit codes besides 0: 1 I/O or setup error, 2 usage, 3 keys still held
 * when the input ended (the agent must release everything). */
enum { EXIT_IO = 1, EXIT_USAGE = 2, EXIT_HELD = 3 };

struct opts {
	const char *kbd_path;
	const char *consumer_path;
	const char *leds_path;
	const char *layout;
	const char *xkb_root;
	const char *compose;
	const char *cldr_dir;
	enum layout_target target;
	unsigned logical_max;
	bool follow, raw, show_keys, interpret, caps_lock, num_lock, macos_iso;
	bool list, repertoire;            /* --list-layouts, --repertoire */
	const char *batch;                /* --batch JOBS: many decodings of one file */
	enum uhost_method entry;          /* --unicode-entry */
};

/* The simulated computer: its key state, keymap, compose and line buffer. */
struct host {
	const struct opts *o;
	struct xkb_context *ctx;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct xkb_compose_table *table;
	struct xkb_compose_state *compose;
	struct cldr_kb *cldr;             /* --target windows|macos|chromeos */
	char pending[64];                 /* CLDR: dead-key text waiting */
	bool caps, num;                   /* CLDR: the host's lock states */
	struct uhost uentry;              /* --unicode-entry: code entry */
	xkb_mod_mask_t shortcut_mods;     /* Control, Alt, Super */
	uint8_t mods;                     /* last keyboard report */
	uint8_t keys[KBD_SLOTS];
	uint16_t consumer;                /* last consumer usage */
	uint8_t leds;                     /* last LED report sent */
	int leds_fd;
	bool tty;
	char line[8192];                  /* --interpret: the current line */
	size_t line_len;
};

/* One input: a FIFO (polled, reopened with --follow) or a regular file. */
struct source {
	const char *path;
	const char *tag;                  /* "kbd" / "consumer", for --raw */
	size_t reclen;
	int fd;
	bool fifo;
	bool done;
	uint8_t rec[KBD_REPORT];
	size_t have;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT/SIGTERM end the loop (poll() returns EINTR), so a pending line is
 * still printed; SIGPIPE is ignored so a closed stdout is a write error. */
static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* --- output ------------------------------------------------------------------ */

static void out_write(const struct host *h, const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
	if (!h->o->batch)
		fflush(stdout);   /* a demo shows the typing live */
}

/* Without --interpret text goes straight out. With it, the current line is
 * kept so Backspace can take back its last character: on a terminal the
 * text still goes out live and Backspace erases on screen; into a pipe or
 * file a line goes out when it is complete. */
static void host_text(struct host *h, const char *s, size_t n)
{
	if (!h->o->interpret) {
		out_write(h, s, n);
		return;
	}
	if (h->tty)
		out_write(h, s, n);
	for (size_t i = 0; i < n; i++) {
		if (h->line_len < sizeof h->line)
			h->line[h->line_len++] = s[i];
		if (s[i] == '\n') {
			if (!h->tty)
				out_write(h, h->line, h->line_len);
			h->line_len = 0;
		}
	}
}

static void host_backspace(struct host *h)
{
	if (h->line_len == 0)
		return;
	/* Step back over UTF-8 continuation bytes to the start of the character. */
	while (h->line_len > 0 && (h->line[--h->line_len] & 0xC0) == 0x80)
		;
	if (h->tty)
		out_write(h, "\b \b", 3);
}

static void host_flush_line(struct host *h)
{
	if (h->o->interpret && !h->tty && h->line_len)
		out_write(h, h->line, h->line_len);
	h->line_len = 0;
}

static void host_tag(struct host *h, const char *prefix, const char *name)
{
	char buf[96];
	int n = snprintf(buf, sizeof buf, "[%s%s]", prefix, name);

	if (n > 0)
		host_text(h, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void put_utf32(struct host *h, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	host_text(h, b, n);
}

/* --- LEDs ---------------------------------------------------------------------- */

/* Like a host, tells the keyboard its lock LEDs: a 1-byte output report
 * (bit 0 Num Lock, 1 Caps Lock, 2 Scroll Lock) whenever they change. */
static void host_leds(struct host *h, bool force)
{
	uint8_t leds = 0;

	if (h->cldr)
		leds = (uint8_t)((h->num ? 0x01 : 0) | (h->caps ? 0x02 : 0));
	else if (xkb_state_led_name_is_active(h->state, XKB_LED_NAME_NUM) > 0)
		leds |= 0x01;
	if (!h->cldr && xkb_state_led_name_is_active(h->state, XKB_LED_NAME_CAPS) > 0)
		leds |= 0x02;
	if (!h->cldr && xkb_state_led_name_is_active(h->state, XKB_LED_NAME_SCROLL) > 0)
		leds |= 0x04;
	if (h->leds_fd < 0 || (leds == h->leds && !force))
		return;
	h->leds = leds;
	if (write(h->leds_fd, &leds, 1) != 1)
		fprintf(stderr, "keymime-simhost: LED report: %s\n", strerror(errno));
}

/* --- keys ---------------------------------------------------------------------- */

/* True when Control, Alt or Super is held and the key does not use it up:
 * an application sees a shortcut (Alt+a), not the text. This is also what
 * catches AltGr sent to a layout whose right Alt is a plain Alt (us). */
static bool host_is_shortcut(struct host *h, xkb_keycode_t kc)
{
	xkb_mod_mask_t held = xkb_state_serialize_mods(h->state, XKB_STATE_MODS_EFFECTIVE);
	xkb_mod_mask_t used = xkb_state_key_get_consumed_mods2(h->state, kc, XKB_CONSUMED_MODE_XKB);

	return (held & h->shortcut_mods & ~used) != 0;
}

static void host_shortcut(struct host *h, const struct keymap_key *k)
{
	char prefix[32] = "";

	if (xkb_state_mod_name_is_active(h->state, XKB_MOD_NAME_CTRL, XKB_STATE_MODS_EFFECTIVE) > 0)
		strcat(prefix, "Ctrl+");
	if (xkb_state_mod_name_is_active(h->state, XKB_MOD_NAME_ALT, XKB_STATE_MODS_EFFECTIVE) > 0)
		strcat(prefix, "Alt+");
	if (xkb_state_mod_name_is_active(h->state, XKB_MOD_NAME_LOGO, XKB_STATE_MODS_EFFECTIVE) > 0)
		strcat(prefix, "Super+");
	if (h->o->show_keys)
		host_tag(h, prefix, k->code);
}

/* Dead keys: returns true when compose took the keysym (a sequence is under
 * way, was completed - its text is out - or was cancelled). */
static bool host_compose(struct host *h, xkb_keysym_t sym)
{
	char buf[64];
	int n;

	if (xkb_compose_state_feed(h->compose, sym) != XKB_COMPOSE_FEED_ACCEPTED)
		return false;
	switch (xkb_compose_state_get_status(h->compose)) {
	case XKB_COMPOSE_COMPOSING:
		return true;
	case XKB_COMPOSE_COMPOSED:
		n = xkb_compose_state_get_utf8(h->compose, buf, sizeof buf);
		if (n > 0)
			host_text(h, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
		xkb_compose_state_reset(h->compose);
		return true;
	case XKB_COMPOSE_CANCELLED:
		/* Like GTK and Qt: a dead key followed by a key it does not combine
		 * with swallows both. */
		xkb_compose_state_reset(h->compose);
		return true;
	default:
		return false;
	}
}

/* Keys that are not text: Enter and Tab type their characters, Backspace
 * edits the line with --interpret, the rest show as [Name] with --show-keys. */
static void host_nontext(struct host *h, const struct keymap_key *k, xkb_keysym_t sym)
{
	if (sym == XKB_KEY_Return || sym == XKB_KEY_KP_Enter)
		host_text(h, "\n", 1);
	else if (sym == XKB_KEY_Tab || sym == XKB_KEY_ISO_Left_Tab)
		host_text(h, "\t", 1);
	else if (sym == XKB_KEY_BackSpace && h->o->interpret)
		host_backspace(h);
	else if (h->o->show_keys && !keymap_is_modifier(k))
		host_tag(h, "", k->code);
}

static void host_press(struct host *h, const struct keymap_key *k, xkb_keycode_t kc)
{
	xkb_keysym_t sym = xkb_state_key_get_one_sym(h->state, kc);
	uint32_t cp;

	if (keymap_is_modifier(k))
		;   /* only changes the state */
	else if (uhost_key(&h->uentry, (uint8_t)k->usage, h->mods, xkb_keysym_to_utf32(sym), 0,
			   xkb_state_led_name_is_active(h->state, XKB_LED_NAME_NUM) > 0))
		;   /* the code entry took it */
	else if (host_is_shortcut(h, kc))
		host_shortcut(h, k);
	else if (!host_compose(h, sym)) {
		cp = xkb_state_key_get_utf32(h->state, kc);
		if (cp >= 0x20 && cp != 0x7F)
			put_utf32(h, cp);
		else
			host_nontext(h, k, sym);
	}
	/* The keysym is read before the state takes the press, as clients do. */
	xkb_state_update_key(h->state, kc, XKB_KEY_DOWN);
}

/* --- keys on a CLDR host --------------------------------------------------------- */

static void cldr_emit(void *ctx, const char *s, size_t n)
{
	host_text(ctx, s, n);
}

/* The modifiers held, as a prefix for a shortcut tag ("Ctrl+Alt+"). */
static void cldr_shortcut(struct host *h, const struct keymap_key *k)
{
	char prefix[40] = "";

	if (h->mods & (HID_MOD_LCTRL | HID_MOD_RCTRL))
		strcat(prefix, "Ctrl+");
	if (h->mods & (HID_MOD_LALT | HID_MOD_RALT))
		strcat(prefix, h->o->target == LAYOUT_MACOS ? "Option+" : "Alt+");
	if (h->mods & (HID_MOD_LMETA | HID_MOD_RMETA))
		strcat(prefix, h->o->target == LAYOUT_MACOS ? "Cmd+" : "Super+");
	if (h->o->show_keys)
		host_tag(h, prefix, k->code);
}

/* The first character of s (UTF-8), 0 for none. */
static uint32_t first_cp(const char *s)
{
	uint32_t cp = 0;

	if (!s || utf8_decode(s, strlen(s), &cp) < 0)
		return 0;
	return cp;
}

/* Code entry on a CLDR host: the key's character under Shift and Caps Lock
 * only (what Ctrl+Shift+U and its digits are read by) and without
 * modifiers (Windows' virtual key of a letter). True when it took the key. */
static bool cldr_entry(struct host *h, const struct keymap_key *k, const char *iso)
{
	const char *now = NULL, *plain = NULL;
	bool tr;

	if (h->uentry.m == UHOST_NONE)
		return false;
	if (iso) {
		now = cldr_output(h->cldr, iso, h->mods & (HID_MOD_LSHIFT | HID_MOD_RSHIFT), h->caps, &tr);
		plain = cldr_output(h->cldr, iso, 0, false, &tr);
	}
	return uhost_key(&h->uentry, (uint8_t)k->usage, h->mods, first_cp(now), first_cp(plain), h->num);
}

/* A key press on a Windows, macOS or ChromeOS host: Caps Lock toggles its
 * lock, Enter/Tab/Backspace are themselves, every other key makes what the
 * CLDR keyboard says for the ISO position the platform puts the usage at,
 * under the modifiers held and the Caps Lock state; a key that makes no
 * text there is a shortcut to the application (or nothing). */
static void cldr_press(struct host *h, const struct keymap_key *k)
{
	const char *iso, *text;
	bool tr;

	if (keymap_is_modifier(k))
		return;
	if (k->usage == 0x39) {
		h->caps = !h->caps;
		return;
	}
	if (k->usage == 0x53) {
		h->num = !h->num;
		return;
	}
	iso = cldr_iso_of_usage(h->cldr, (uint8_t)k->usage, h->o->macos_iso);
	if (cldr_entry(h, k, iso))
		return;
	text = iso ? cldr_output(h->cldr, iso, h->mods, h->caps, &tr) : NULL;
	if (k->usage == 0x28 || k->usage == 0x58)
		host_text(h, "\n", 1);
	else if (k->usage == 0x2B && !(h->mods & ~(HID_MOD_LSHIFT | HID_MOD_RSHIFT)))
		host_text(h, "\t", 1);
	else if (k->usage == 0x2A && h->o->interpret)
		host_backspace(h);
	else if (!text || !*text || (unsigned char)text[0] < 0x20 || text[0] == 0x7F)
		iso ? cldr_shortcut(h, k) : host_nontext(h, k, XKB_KEY_NoSymbol);
	else
		cldr_feed(h->cldr, h->pending, text, tr, cldr_emit, h);
}

static void host_key(struct host *h, uint8_t usage, bool down)
{
	const struct keymap_key *k = keymap_by_usage(KEYMAP_PAGE_KEYBOARD, usage);
	char name[16];

	if (h->cldr && k) {
		if (down)
			cldr_press(h, k);
		host_leds(h, false);
		return;
	}
	if (!k || k->evdev == 0) {
		if (down && h->o->show_keys) {
			snprintf(name, sizeof name, "0x%02X", usage);
			host_tag(h, "unknown usage ", name);
		}
		return;
	}
	if (down)
		host_press(h, k, (xkb_keycode_t)(k->evdev + EVDEV_OFFSET));
	else
		xkb_state_update_key(h->state, (xkb_keycode_t)(k->evdev + EVDEV_OFFSET), XKB_KEY_UP);
	host_leds(h, false);
}

/* --- reports ------------------------------------------------------------------- */

static bool slot_valid(const struct host *h, uint8_t usage)
{
	/* 0 is "no key"; 0x01-0x03 are error codes, not keys; hid-input drops
	 * usages above the descriptor's logical maximum. */
	return usage > 0x03 && usage <= h->o->logical_max;
}

static bool slots_have(const uint8_t *slots, uint8_t usage)
{
	for (int i = 0; i < KBD_SLOTS; i++)
		if (slots[i] == usage)
			return true;
	return false;
}

/* As Linux decodes a boot keyboard report: the modifier byte first, bit 0
 * to 7 (it is the first field of the report), then the key array slot by
 * slot, each slot's old key released (if gone) before its new key is
 * pressed (if new). A report with ErrorRollOver in the array leaves the keys
 * as they were; its modifier byte still counts, as in hid-core. */
static void host_keyboard_report(struct host *h, const uint8_t *r)
{
	const uint8_t *slots = r + 2;

	uhost_mods(&h->uentry, h->mods, r[0]);
	for (int b = 0; b < 8; b++)
		if (((h->mods ^ r[0]) >> b) & 1)
			host_key(h, (uint8_t)(0xE0 + b), (r[0] >> b) & 1);
	h->mods = r[0];
	if (slots_have(slots, USAGE_ERROR_ROLLOVER))
		return;
	for (int n = 0; n < KBD_SLOTS; n++) {
		if (slot_valid(h, h->keys[n]) && !slots_have(slots, h->keys[n]))
			host_key(h, h->keys[n], false);
		if (slot_valid(h, slots[n]) && !slots_have(h->keys, slots[n]))
			host_key(h, slots[n], true);
	}
	memcpy(h->keys, slots, KBD_SLOTS);
}

static void host_consumer_report(struct host *h, const uint8_t *r)
{
	uint16_t usage = (uint16_t)(r[0] | r[1] << 8);
	const struct keymap_key *k = keymap_by_usage(KEYMAP_PAGE_CONSUMER, usage);
	char name[16];

	if (usage && usage != h->consumer) {
		if (k) {
			host_tag(h, "", k->code);
		} else {
			snprintf(name, sizeof name, "0x%03X", usage);
			host_tag(h, "Consumer ", name);
		}
	}
	h->consumer = usage;
}

static void host_report(struct host *h, const struct source *s)
{
	if (h->o->raw) {
		printf("%s", s->tag);
		for (size_t i = 0; i < s->reclen; i++)
			printf(" %02x", s->rec[i]);
		putchar('\n');
		fflush(stdout);
	} else if (s->reclen == KBD_REPORT) {
		host_keyboard_report(h, s->rec);
	} else {
		host_consumer_report(h, s->rec);
	}
}

/* Names the keys still down; true if any. */
static bool host_report_held(const struct host *h)
{
	bool any = h->mods != 0 || h->consumer != 0;

	for (int n = 0; n < KBD_SLOTS; n++)
		any |= slot_valid(h, h->keys[n]);
	if (any)
		fprintf(stderr, "keymime-simhost: keys still held at the end of input: "
			"modifiers 0x%02x, keys %02x %02x %02x %02x %02x %02x, consumer 0x%03x\n",
			h->mods, h->keys[0], h->keys[1], h->keys[2], h->keys[3], h->keys[4],
			h->keys[5], h->consumer);
	return any;
}

/* --- inputs -------------------------------------------------------------------- */

/* Opens s->path for reading without blocking; creates a FIFO if nothing is
 * there. Non-blocking, so two FIFOs can wait side by side and a writer's
 * open() never waits for us. 0 or -errno. */
static int source_open(struct source *s)
{
	struct stat st;

	if (strcmp(s->path, "-") == 0) {
		s->fd = STDIN_FILENO;
		if (fstat(s->fd, &st) == 0 && S_ISFIFO(st.st_mode))
			fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	} else {
		if (mkfifo(s->path, 0666) < 0 && errno != EEXIST)
			return -errno;
		s->fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->fd < 0)
			return -errno;
	}
	if (fstat(s->fd, &st) < 0)
		return -errno;
	s->fifo = !S_ISREG(st.st_mode);
	return 0;
}

static void source_close(struct source *s)
{
	if (s->fd > STDIN_FILENO)
		close(s->fd);
	s->fd = -1;
}

/* Reads what is there and decodes every whole report. Returns the number of
 * bytes read, 0 at end of file (a FIFO: the writer closed), or -errno
 * (-EAGAIN: nothing more for now). */
static ssize_t source_read(struct host *h, struct source *s)
{
	uint8_t buf[4096];
	ssize_t n = read(s->fd, buf, sizeof buf);

	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	for (ssize_t i = 0; i < n; i++) {
		s->rec[s->have++] = buf[i];
		if (s->have == s->reclen) {
			host_report(h, s);
			s->have = 0;
		}
	}
	return n;
}

/* A followed file that shrank under us was truncated (a test clearing it):
 * read it again from the start, like tail -F. */
static int file_truncated(struct source *s)
{
	struct stat st;
	off_t pos = lseek(s->fd, 0, SEEK_CUR);

	if (pos < 0 || fstat(s->fd, &st) < 0)
		return -errno;
	if (st.st_size < pos) {
		if (lseek(s->fd, 0, SEEK_SET) < 0)
			return -errno;
		s->have = 0;
	}
	return 0;
}

/* End of a source's data: a FIFO whose writer closed is reopened with
 * --follow (the next agent run writes again), otherwise it is done. */
static int source_eof(const struct opts *o, struct source *s)
{
	if (!o->follow || strcmp(s->path, "-") == 0) {
		s->done = true;
		return 0;
	}
	if (!s->fifo)
		return file_truncated(s);   /* a regular file is polled for growth */
	source_close(s);
	s->have = 0;
	return source_open(s);
}

/* Drains s until it would block or ends; sets *got if any data came.
 * 0 or -errno. */
static int source_drain(struct host *h, struct source *s, bool *got)
{
	for (;;) {
		ssize_t n = source_read(h, s);

		if (n > 0) {
			*got = true;
			continue;
		}
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		return source_eof(h->o, s);
	}
}

/* Reads every source until all are done (or a signal). FIFOs are polled;
 * regular files are read directly and, with --follow, looked at again every
 * 100 ms like tail -f. */
static int run(struct host *h, struct source *src, int nsrc)
{
	for (;;) {
		struct pollfd pfd[2];
		struct source *ps[2];
		int np = 0, live = 0, rc;
		bool got = false;

		for (int i = 0; i < nsrc; i++) {
			if (src[i].done)
				continue;
			live++;
			if (src[i].fifo) {
				pfd[np] = (struct pollfd){ .fd = src[i].fd, .events = POLLIN };
				ps[np++] = &src[i];
			} else if ((rc = source_drain(h, &src[i], &got)) < 0) {
				return rc;
			}
		}
		if (!live || stop)
			return 0;
		if (poll(pfd, (nfds_t)np, got ? 0 : (np < live ? 100 : -1)) < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < np; i++)
			if (pfd[i].revents && (rc = source_drain(h, ps[i], &got)) < 0)
				return rc;
	}
}

/* --- setup ----------------------------------------------------------------------- */

static xkb_mod_mask_t mod_bit(struct xkb_keymap *km, const char *name)
{
	xkb_mod_index_t i = xkb_keymap_mod_get_index(km, name);

	return i == XKB_MOD_INVALID ? 0 : (xkb_mod_mask_t)1 << i;
}

/* A host with the layout's keymap, seen the way the generator sees it: only
 * the given XKB root, nothing from the environment or the home directory. */
static int host_init(struct host *h, const struct opts *o, const struct xkb_name *xn)
{
	struct xkb_rule_names rn = {
		.rules = "evdev", .model = xn->model, .layout = xn->layout,
		.variant = xn->variant, .options = "",
	};
	FILE *cf;

	h->o = o;
	h->leds_fd = -1;
	h->tty = isatty(STDOUT_FILENO);
	h->ctx = xkb_context_new(XKB_CONTEXT_NO_DEFAULT_INCLUDES | XKB_CONTEXT_NO_ENVIRONMENT_NAMES);
	if (!h->ctx || !xkb_context_include_path_append(h->ctx, o->xkb_root))
		return -ENOENT;
	h->keymap = xkb_keymap_new_from_names(h->ctx, &rn, XKB_KEYMAP_COMPILE_NO_FLAGS);
	h->state = h->keymap ? xkb_state_new(h->keymap) : NULL;
	if (!h->state)
		return -EINVAL;
	cf = fopen(o->compose, "r");
	if (!cf)
		return -errno;
	h->table = xkb_compose_table_new_from_file(h->ctx, cf, "en_US.UTF-8",
						   XKB_COMPOSE_FORMAT_TEXT_V1,
						   XKB_COMPOSE_COMPILE_NO_FLAGS);
	fclose(cf);
	h->compose = h->table ? xkb_compose_state_new(h->table, XKB_COMPOSE_STATE_NO_FLAGS) : NULL;
	if (!h->compose)
		return -EINVAL;
	h->shortcut_mods = mod_bit(h->keymap, XKB_MOD_NAME_CTRL) |
			   mod_bit(h->keymap, XKB_MOD_NAME_ALT) | mod_bit(h->keymap, XKB_MOD_NAME_LOGO);
	/* Lock states are set as locked modifiers, not by pressing Caps Lock:
	 * some layouts (colemak) put another key there. */
	xkb_state_update_mask(h->state, 0, 0,
			      (o->caps_lock ? mod_bit(h->keymap, XKB_MOD_NAME_CAPS) : 0) |
			      (o->num_lock ? mod_bit(h->keymap, XKB_MOD_NAME_NUM) : 0), 0, 0, 0);
	return 0;
}

/* A Windows, macOS or ChromeOS host: the CLDR keyboard id is the name
 * itself when it is one, else the source of the agent's layout of that name
 * (a name look-up only: the decoding reads the XML). */
static int host_init_cldr(struct host *h, const struct opts *o)
{
	const struct layout *l = layout_find(o->target, o->layout);
	const char *id = strstr(o->layout, "-t-k0-") ? o->layout : l ? layout_source(l) : NULL;
	char err[512];

	h->o = o;
	h->tty = isatty(STDOUT_FILENO);
	h->caps = o->caps_lock;
	h->num = o->num_lock;
	if (!id) {
		fprintf(stderr, "keymime-simhost: no %s layout '%s' (--list-layouts)\n",
			layout_target_name(o->target), o->layout);
		return -EINVAL;
	}
	h->cldr = cldr_load(o->cldr_dir, layout_target_name(o->target), id, err, sizeof err);
	if (!h->cldr) {
		fprintf(stderr, "keymime-simhost: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* The XKB keymap of a linux layout name: xkb_names.c's, an XKB
 * "layout(variant)", or the source of the agent's layout of that name. */
static int xkb_name_resolve(const char *name, struct xkb_name *out, char *buf, size_t n)
{
	const struct xkb_name *xn = xkb_names_find(name);
	const struct layout *l = layout_find(LAYOUT_LINUX, name);
	char *paren;

	if (xn) {
		*out = *xn;
		return 0;
	}
	snprintf(buf, n, "%s", strchr(name, '(') ? name : l ? layout_source(l) : "");
	if (!*buf)
		return -ENOENT;
	paren = strchr(buf, '(');
	out->variant = "";
	if (paren) {
		*paren = '\0';
		out->variant = paren + 1;
		paren = strchr(out->variant, ')');
		if (paren)
			*paren = '\0';
	}
	out->name = name;
	out->layout = buf;
	out->model = strcmp(buf, "jp") ? "pc105" : "jp106";
	return 0;
}

static void entry_emit(void *ctx, uint32_t cp)
{
	put_utf32(ctx, cp);
}

/* --unicode-entry: the method, and on a CLDR host which letters a..f some
 * key types without modifiers (Windows keeps the others' virtual keys on
 * their US keys). */
static void entry_init(struct host *h, const struct opts *o)
{
	bool tr;

	h->uentry.m = o->entry;
	h->uentry.emit = entry_emit;
	h->uentry.ctx = h;
	for (unsigned u = 0x04; h->cldr && u <= 0x64; u++) {
		const char *iso = u <= 0x38 || u == 0x64 ? cldr_iso_of_usage(h->cldr, (uint8_t)u, o->macos_iso)
							 : NULL;
		uint32_t c = first_cp(iso ? cldr_output(h->cldr, iso, 0, false, &tr) : NULL);
		if (c >= 'a' && c <= 'f')
			h->uentry.has_letter[c - 'a'] = true;
	}
}

static void host_destroy(struct host *h)
{
	cldr_free(h->cldr);
	if (h->leds_fd >= 0)
		close(h->leds_fd);
	xkb_compose_state_unref(h->compose);
	xkb_compose_table_unref(h->table);
	xkb_state_unref(h->state);
	xkb_keymap_unref(h->keymap);
	xkb_context_unref(h->ctx);
}

/* --- the agent's own tables, for tests ------------------------------------------- */

static int list_layouts(enum layout_target t)
{
	for (size_t i = 0; i < layout_count(t); i++) {
		const struct layout *l = layout_at(t, i);

		printf("%s\t%zu\t%s\t%s\t%d\n", layout_name(l), layout_char_count(l),
		       layout_description(l), layout_source(l), layout_caps_key_locks(l));
	}
	return 0;
}

static void print_rows(const struct layout *l, bool with_name)
{
	struct layout_entry e;

	for (size_t i = 0; layout_entry_at(l, i, &e); i++)
		printf("%s%s%04x %d %d %d\n", with_name ? layout_name(l) : "", with_name ? " " : "",
		       (unsigned)e.cp, e.n, e.caps_ok, e.caps_only);
}

/* NAME "*": every layout of the target, each line led by its name. */
static int print_repertoire(enum layout_target t, const char *name)
{
	const struct layout *l = layout_find(t, name);

	if (!strcmp(name, "*")) {
		for (size_t i = 0; i < layout_count(t); i++)
			print_rows(layout_at(t, i), true);
		return 0;
	}
	if (!l) {
		fprintf(stderr, "keymime-simhost: agent has no %s layout '%s'\n",
			layout_target_name(t), name);
		return EXIT_USAGE;
	}
	print_rows(l, false);
	return 0;
}

/* --- main ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: keymime-simhost [options] KEYBOARD_PATH\n"
	      "       keymime-simhost [--target T] --list-layouts | --repertoire NAME\n"
	      "\n"
	      "A simulated host computer: reads the 8-byte boot keyboard reports keymime-agent\n"
	      "writes (to a FIFO, created if missing, or a regular file; '-' is stdin), decodes\n"
	      "them as Linux does, through the XKB keymap and Compose table of the target\n"
	      "layout, and prints the text that computer would see.\n"
	      "\n"
	      "  -t, --target T        the computer: linux (default: XKB), windows, macos or\n"
	      "                        chromeos (Unicode CLDR keyboard XML, read at run time)\n"
	      "  -l, --layout NAME     target layout: a keymime name (us, de, fr-ch...; default\n"
	      "                        us), an XKB layout(variant) or a CLDR keyboard id\n"
	      "                        (de-t-k0-windows)\n"
	      "      --cldr-dir DIR    CLDR keyboards (default " DEFAULT_CLDR_DIR ",\n"
	      "                        else " INSTALLED_CLDR_DIR ")\n"
	      "      --macos-iso       macOS treats the keyboard as ISO (exchanges the key left\n"
	      "                        of 1 and the key left of Z; see docs/layouts.md)\n"
	      "  -u, --unicode-entry M the host takes code entry M as it does when enabled:\n"
	      "                        linux-ibus (Ctrl+Shift+U, hex, space), windows-altcode\n"
	      "                        (Alt + keypad 0nnn, Windows-1252), windows-hex (also\n"
	      "                        Alt + keypad + hex: EnableHexNumpad), macos-hex (Option +\n"
	      "                        hex, Unicode Hex Input); default none\n"
	      "  -c, --consumer PATH   also read 2-byte consumer-control reports, printed as\n"
	      "                        [AudioVolumeUp]...\n"
	      "  -f, --follow          keep reading: a FIFO is reopened when its writer closes,\n"
	      "                        a regular file is watched as it grows\n"
	      "      --caps-lock       the host starts with Caps Lock on\n"
	      "      --num-lock        the host starts with Num Lock on\n"
	      "      --leds PATH       write the host's 1-byte LED reports (bit 0 Num, 1 Caps,\n"
	      "                        2 Scroll) to PATH, at start and on every change\n"
	      "  -k, --show-keys       show non-text keys and shortcuts as [Name], [Ctrl+KeyC]\n"
	      "  -i, --interpret       Backspace deletes the last character of the line\n"
	      "  -r, --raw             print the hex bytes of every report instead of text\n"
	      "      --logical-max N   the descriptor's key array maximum (default 0xFF);\n"
	      "                        usages above it are ignored, as a host does\n"
	      "      --xkb-root DIR    XKB data (default " DEFAULT_XKB_ROOT ")\n"
	      "      --compose FILE    Compose table (default " DEFAULT_COMPOSE ")\n"
	      "      --list-layouts    print the agent's layouts of the target: name, characters,\n"
	      "                        description, source, 1 if its Caps Lock key locks\n"
	      "      --repertoire NAME print the agent's table for a layout, one character a\n"
	      "                        line: code point (hex), strokes, 1 if it can be typed\n"
	      "                        with Caps Lock on, 1 if only with Caps Lock on; NAME *:\n"
	      "                        every layout, each line led by the layout's name\n"
	      "      --batch JOBS      decode parts of KEYBOARD_PATH (a regular file), each on\n"
	      "                        a fresh host: JOBS has one \"LAYOUT START END\" line per\n"
	      "                        part (byte offsets); each part's text is followed by a\n"
	      "                        NUL byte\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "Exit status: 0 done, 1 I/O error, 2 usage, 3 keys were still held when the\n"
	      "input ended.\n", f);
}

enum { OPT_CAPS = 256, OPT_NUM, OPT_LEDS, OPT_MAX, OPT_ROOT, OPT_COMPOSE, OPT_LIST, OPT_REP,
       OPT_CLDR, OPT_MACISO, OPT_BATCH };

static int parse_number(const char *s, unsigned max, unsigned *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end || v < 0 || v > (long long)max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Parses argv into o. Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "layout", required_argument, NULL, 'l' }, { "consumer", required_argument, NULL, 'c' },
		{ "follow", no_argument, NULL, 'f' },       { "caps-lock", no_argument, NULL, OPT_CAPS },
		{ "num-lock", no_argument, NULL, OPT_NUM }, { "leds", required_argument, NULL, OPT_LEDS },
		{ "show-keys", no_argument, NULL, 'k' },    { "interpret", no_argument, NULL, 'i' },
		{ "raw", no_argument, NULL, 'r' },          { "logical-max", required_argument, NULL, OPT_MAX },
		{ "xkb-root", required_argument, NULL, OPT_ROOT },
		{ "compose", required_argument, NULL, OPT_COMPOSE },
		{ "list-layouts", no_argument, NULL, OPT_LIST },
		{ "repertoire", required_argument, NULL, OPT_REP },
		{ "target", required_argument, NULL, 't' },
		{ "cldr-dir", required_argument, NULL, OPT_CLDR },
		{ "macos-iso", no_argument, NULL, OPT_MACISO },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "unicode-entry", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:l:c:u:fkirh", lo, NULL)) != -1) {
		switch (c) {
		case 'l': o->layout = optarg; break;
		case 'c': o->consumer_path = optarg; break;
		case 'f': o->follow = true; break;
		case OPT_CAPS: o->caps_lock = true; break;
		case OPT_NUM: o->num_lock = true; break;
		case OPT_LEDS: o->leds_path = optarg; break;
		case 'k': o->show_keys = true; break;
		case 'i': o->interpret = true; break;
		case 'r': o->raw = true; break;
		case OPT_ROOT: o->xkb_root = optarg; break;
		case OPT_COMPOSE: o->compose = optarg; break;
		case OPT_LIST: o->list = true; break;
		case OPT_REP: o->repertoire = true; o->layout = optarg; break;
		case OPT_CLDR: o->cldr_dir = optarg; break;
		case OPT_MACISO: o->macos_iso = true; break;
		case OPT_BATCH: o->batch = optarg; break;
		case 'u':
			if (uhost_parse(optarg, &o->entry) == 0)
				break;
			fprintf(stderr, "keymime-simhost: --unicode-entry: none, linux-ibus, "
				"windows-altcode, windows-hex or macos-hex\n");
			return EXIT_USAGE;
		case 't':
			if (layout_target_parse(optarg, &o->target) == 0)
				break;
			fprintf(stderr, "keymime-simhost: --target: linux, windows, macos or chromeos\n");
			return EXIT_USAGE;
		case 'h': usage(stdout); return 0;
		case OPT_MAX:
			if (parse_number(optarg, 0xFF, &o->logical_max) == 0)
				break;
			fprintf(stderr, "keymime-simhost: --logical-max: 0..0xFF\n");
			return EXIT_USAGE;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (o->list)
		return list_layouts(o->target);
	if (o->repertoire)
		return print_repertoire(o->target, o->layout);
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->kbd_path = argv[optind];
	return -1;
}

static int open_inputs(struct host *h, const struct opts *o, struct source *src, int *nsrc)
{
	int rc;

	src[0] = (struct source){ .path = o->kbd_path, .tag = "kbd", .reclen = KBD_REPORT, .fd = -1 };
	src[1] = (struct source){ .path = o->consumer_path, .tag = "consumer",
				  .reclen = CONSUMER_REPORT, .fd = -1 };
	*nsrc = o->consumer_path ? 2 : 1;
	for (int i = 0; i < *nsrc; i++)
		if ((rc = source_open(&src[i])) < 0) {
			fprintf(stderr, "keymime-simhost: %s: %s\n", src[i].path, strerror(-rc));
			return rc;
		}
	if (o->leds_path) {
		h->leds_fd = open(o->leds_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (h->leds_fd < 0) {
			fprintf(stderr, "keymime-simhost: %s: %s\n", o->leds_path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* A host for o->layout of o->target, with its code entry. 0, or an exit status. */
static int host_setup(struct host *h, const struct opts *o)
{
	struct xkb_name xn;
	char xkb_buf[128];
	int rc;

	*h = (struct host){ .leds_fd = -1 };
	if (o->target != LAYOUT_LINUX) {
		if (host_init_cldr(h, o) < 0)
			return EXIT_USAGE;
	} else if (xkb_name_resolve(o->layout, &xn, xkb_buf, sizeof xkb_buf) < 0) {
		fprintf(stderr, "keymime-simhost: unknown layout '%s' (--list-layouts)\n", o->layout);
		return EXIT_USAGE;
	} else if ((rc = host_init(h, o, &xn)) < 0) {
		fprintf(stderr, "keymime-simhost: cannot load XKB keymap %s or compose %s: %s\n",
			o->layout, o->compose, strerror(-rc));
		return EXIT_IO;
	}
	entry_init(h, o);
	return 0;
}

/* One part of the report file on a fresh host of layout name: its text,
 * then a NUL. 0, EXIT_HELD, or an exit status. */
static int batch_job(struct opts *o, int fd, const char *name, long start, long end)
{
	uint8_t rec[KBD_REPORT];
	struct host h;
	int rc;

	o->layout = name;
	if ((rc = host_setup(&h, o)))
		return rc;
	for (long off = start; rc == 0 && off + KBD_REPORT <= end; off += KBD_REPORT)
		if (pread(fd, rec, KBD_REPORT, off) != KBD_REPORT)
			rc = EXIT_IO;
		else
			host_keyboard_report(&h, rec);
	host_flush_line(&h);
	if (rc == 0 && host_report_held(&h))
		rc = EXIT_HELD;
	fwrite("", 1, 1, stdout);
	host_destroy(&h);
	return rc;
}

/* --batch: every job of the file, all decoded, the first failure returned. */
static int run_batch(struct opts *o)
{
	FILE *jobs = fopen(o->batch, "r");
	int fd = open(o->kbd_path, O_RDONLY | O_CLOEXEC), status = 0;
	char line[256], name[128];
	long start, end;

	if (!jobs || fd < 0) {
		fprintf(stderr, "keymime-simhost: %s: %s\n", jobs ? o->kbd_path : o->batch, strerror(errno));
		if (jobs)
			fclose(jobs);
		if (fd >= 0)
			close(fd);
		return EXIT_IO;
	}
	while (fgets(line, sizeof line, jobs)) {
		if (sscanf(line, "%127s %ld %ld", name, &start, &end) != 3) {
			fprintf(stderr, "keymime-simhost: %s: not LAYOUT START END: %s", o->batch, line);
			status = EXIT_USAGE;
			break;
		}
		int rc = batch_job(o, fd, name, start, end);
		status = status ? status : rc;
		if (rc && rc != EXIT_HELD)
			break;
	}
	fclose(jobs);
	close(fd);
	return fflush(stdout) ? EXIT_IO : status;
}

int main(int argc, char **argv)
{
	struct opts o = { .layout = "us", .xkb_root = DEFAULT_XKB_ROOT, .compose = DEFAULT_COMPOSE,
			  .logical_max = 0xFF };
	struct host h = { .leds_fd = -1 };
	struct source src[2] = { { .fd = -1 }, { .fd = -1 } };
	int nsrc = 0, rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (!o.cldr_dir)
		o.cldr_dir = access(DEFAULT_CLDR_DIR, R_OK) == 0 ? DEFAULT_CLDR_DIR : INSTALLED_CLDR_DIR;
	if (o.batch)
		return run_batch(&o);
	if ((rc = host_setup(&h, &o)) == EXIT_USAGE)
		return rc;
	rc = rc ? -EIO : 0;
	install_signals();
	if (rc == 0 && (rc = open_inputs(&h, &o, src, &nsrc)) == 0) {
		host_leds(&h, true);   /* as at enumeration */
		rc = run(&h, src, nsrc);
		if (rc < 0)
			fprintf(stderr, "keymime-simhost: read: %s\n", strerror(-rc));
	}
	host_flush_line(&h);
	if (rc == 0 && !stop && !o.raw && host_report_held(&h))
		rc = EXIT_HELD;
	for (int i = 0; i < nsrc; i++) {
		if (src[i].have)
			fprintf(stderr, "keymime-simhost: %s: %zu bytes of an incomplete report at the end\n",
				src[i].path, src[i].have);
		source_close(&src[i]);
	}
	host_destroy(&h);
	return rc < 0 ? EXIT_IO : rc;
}
