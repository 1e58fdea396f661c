/* SPDX-License-Identifier: MIT */
/* writer: the HID writer thread — commands in, reports out, host link. */
#define _GNU_SOURCE   /* ppoll */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "xalloc.h"

#define PROBE_MS 500
#define RELEASE_TIMEOUT_MS 200   /* a release on the way out must not hold up a stop */
#define PROGRESS_AFTER_MS 250    /* a command running longer reports progress… */
#define PROGRESS_EVERY_MS 250    /* …at most this often */
#define KEEP_REFRESH_MS 200      /* a `hold` sends the held keys again this often */
#define STALL_CHECK_MS 100       /* a write waiting this long asks if the host is asleep */

static void drain_wake(struct writer *w)
{
	uint64_t v;

	if (read(w->a->wake_fd, &v, sizeof v) < 0 && errno != EAGAIN)
		log_debug("wake fd: %s", strerror(errno));
}

static bool cancelled(struct writer *w)
{
	return atomic_load(&w->a->stopping) || atomic_load(&w->a->cancel_gen) != w->gen;
}

static const char *link_name(const struct hid_device *d)
{
	if (d->kind == HID_FILE)
		return "unknown";
	return d->link == LINK_CONNECTED ? "connected" : d->link == LINK_DISCONNECTED ?
	       "disconnected" : "unknown";
}

/* Publish the keyboard's link state when it changed; a host that has
 * suspended the bus is "suspended", whatever the last write said. */
static void sync_link(struct writer *w)
{
	w->reported_link = w->kbd.link;
	agent_set_host(w->a, w->suspended ? "suspended" : link_name(&w->kbd));
}

static int sink_pause(void *ctx, uint32_t us);

/* Has the host suspended the bus? Asks sysfs (not per keystroke: on the
 * probe timer, before a command the cache says is asleep, when a write
 * stalls) and says so in the status. */
static bool check_suspended(struct writer *w)
{
	bool s = udc_suspended(&w->udc) == 1;

	if (s != w->suspended) {
		w->suspended = s;
		log_info("host %s the USB bus", s ? "suspended" : "resumed");
		sync_link(w);
	}
	return s;
}

/* A suspended host is woken (remote wakeup) and must resume the bus within
 * wake_timeout_ms. 0: awake (or was not asleep); -EOPNOTSUPP: this device
 * cannot wake it; -ETIME: it did not wake; -ECANCELED. */
static int wake_host(struct writer *w)
{
	uint64_t t0 = clock_ms(), limit = (uint64_t)w->a->cfg->wake_timeout_ms;
	int e = 0;

	if (!check_suspended(w))
		return 0;
	if (!w->udc.supported || (e = udc_wakeup(&w->udc))) {
		snprintf(w->detail, sizeof w->detail, "the computer is asleep (USB suspended) and this "
			 "device cannot wake it: %s", w->udc.supported ? strerror(-e) : w->udc.why);
		return -EOPNOTSUPP;
	}
	while (check_suspended(w)) {
		if (clock_ms() - t0 >= limit) {
			snprintf(w->detail, sizeof w->detail, "the computer is asleep (USB suspended) and "
				 "did not wake up within %llu ms of the wakeup signal: it must allow this "
				 "keyboard to wake it (docs/install.md)", (unsigned long long)limit);
			log_warning("remote wakeup: the host did not resume the bus within %llu ms",
				    (unsigned long long)limit);
			return -ETIME;
		}
		if ((e = sink_pause(w, 20000)))
			return e;
	}
	log_info("remote wakeup: the host resumed the bus after %llu ms",
		 (unsigned long long)(clock_ms() - t0));
	w->woke = "woken";
	return 0;
}

/* {"wake":true}: "woken", "awake" (it was not asleep), or why not. */
static int wake_command(struct writer *w)
{
	int e;

	if (!w->udc.dir) {
		snprintf(w->detail, sizeof w->detail, "this device can neither see nor wake a sleeping "
			 "computer: %s", w->udc.why);
		return -EOPNOTSUPP;
	}
	if ((e = wake_host(w)))
		return e;
	if (!w->woke)
		w->woke = "awake";
	return 0;
}

/* A keyboard write that did not go through for STALL_CHECK_MS: a host that
 * suspended the bus since the probe timer last looked is woken, and the
 * write goes on waiting (the report is queued in the gadget meanwhile).
 * 1: woken, 0: not asleep (wait on), or wake_host()'s error. */
static int stalled(struct writer *w, struct hid_device *d, enum hid_link link)
{
	d->link = link;   /* the timeout was the stall check's, not the host's */
	if (!check_suspended(w))
		return 0;
	int e = wake_host(w);
	return e ? e : 1;
}

/* Write one report, waiting at most write_timeout_ms in all; a wake-up that is
 * not a cancel (a new command queued) does not cut the wait short. */
static int write_report(struct writer *w, struct hid_device *d, const uint8_t *r, size_t len,
			bool may_cancel, int timeout_ms)
{
	int waited = 0, e, step = w->udc.dir && d == &w->kbd && timeout_ms > STALL_CHECK_MS ?
				   STALL_CHECK_MS : timeout_ms;
	enum hid_link link = d->link;

	if (may_cancel && cancelled(w))
		return -ECANCELED;
	while ((e = hid_device_write(d, r, len, step, w->a->wake_fd, &waited)) == -EINTR ||
	       (step < timeout_ms && e == -ETIMEDOUT)) {
		if (e == -ETIMEDOUT) {   /* only the stall check's short wait */
			int s = stalled(w, d, link);
			if (s < 0) {
				e = s;
				break;
			}
			step = timeout_ms;
			if (s)
				waited = 0;   /* the host is back: a full wait for this report */
			continue;
		}
		drain_wake(w);
		if (may_cancel && cancelled(w))
			return -ECANCELED;
		if (waited >= timeout_ms) {
			e = -ETIMEDOUT;
			d->link = LINK_DISCONNECTED;
			break;
		}
	}
	if (d == &w->kbd && d->link != w->reported_link)
		sync_link(w);   /* only on a change: this is the typing loop */
	return e;
}

/* A long command says how far it has come, every PROGRESS_EVERY_MS once it
 * ran PROGRESS_AFTER_MS (no final one: the result says the end). Asked at
 * every pause (which reads the clock anyway) and every 16th report. */
static void maybe_progress(struct writer *w, uint64_t now)
{
	if (!w->cmd || now < w->next_progress_ms)
		return;
	if (w->next_progress_ms)
		agent_publish_progress(w->a, w->cmd, w->progress);
	w->next_progress_ms = now + (w->next_progress_ms ? PROGRESS_EVERY_MS : PROGRESS_AFTER_MS);
}

static int sink_keyboard(void *ctx, const uint8_t r[HID_KBD_REPORT_LEN])
{
	struct writer *w = ctx;

	if (!(++w->reports & 15))
		maybe_progress(w, clock_ms());
	return write_report(w, &w->kbd, r, HID_KBD_REPORT_LEN, true, (int)w->a->cfg->write_timeout_ms);
}

static int sink_consumer(void *ctx, const uint8_t r[HID_CONSUMER_REPORT_LEN])
{
	struct writer *w = ctx;

	return write_report(w, &w->cons, r, HID_CONSUMER_REPORT_LEN, true,
			    (int)w->a->cfg->write_timeout_ms);
}

/* Release paths ignore cancels (they are what a cancel asks for). */
static int release_keyboard(void *ctx, const uint8_t r[HID_KBD_REPORT_LEN])
{
	struct writer *w = ctx;

	return write_report(w, &w->kbd, r, HID_KBD_REPORT_LEN, false, RELEASE_TIMEOUT_MS);
}

static int release_consumer(void *ctx, const uint8_t r[HID_CONSUMER_REPORT_LEN])
{
	struct writer *w = ctx;

	return write_report(w, &w->cons, r, HID_CONSUMER_REPORT_LEN, false, RELEASE_TIMEOUT_MS);
}

/* Sleep us microseconds unless cancelled. */
static int sink_pause(void *ctx, uint32_t us)
{
	struct writer *w = ctx;
	uint64_t start = clock_us(), end = start + us;

	maybe_progress(w, start / 1000u);
	for (;;) {
		if (cancelled(w))
			return -ECANCELED;
		uint64_t t = clock_us();
		if (t >= end)
			return 0;
		struct timespec ts = { (time_t)((end - t) / 1000000u), (long)((end - t) % 1000000u) * 1000 };
		struct pollfd p = { w->a->wake_fd, POLLIN, 0 };
		if (ppoll(&p, 1, &ts, NULL) > 0)
			drain_wake(w);
	}
}

/* A `hold`: pause, and on a gadget send the held keys again every
 * KEEP_REFRESH_MS. A computer that restarts during the hold (the point of
 * holding F12 or Option: a boot menu) enumerates the keyboard anew and must
 * see the key down in its new session. Meanwhile the host is away, which is
 * what a restart looks like: not an error here. */
static int sink_keep(void *ctx, const uint8_t r[HID_KBD_REPORT_LEN], uint32_t us)
{
	struct writer *w = ctx;
	uint64_t end = clock_us() + us;

	for (;;) {
		uint64_t t = clock_us();
		if (t >= end)
			return 0;
		uint64_t step = end - t < KEEP_REFRESH_MS * 1000u ? end - t : KEEP_REFRESH_MS * 1000u;
		int e = sink_pause(w, (uint32_t)step);
		if (e)
			return e;
		/* A file or FIFO keeps what it was given; a gadget node may be
		 * gone for a while (kind NONE) while the computer restarts. */
		if (w->kbd.kind == HID_FILE || w->kbd.kind == HID_FIFO || clock_us() >= end)
			continue;
		e = write_report(w, &w->kbd, r, HID_KBD_REPORT_LEN, true, KEEP_REFRESH_MS);
		if (e == -ECANCELED)
			return e;
	}
}

static void release_all(struct writer *w, const char *why)
{
	struct seq_sink rs = { w, release_keyboard, w->have_cons ? release_consumer : NULL, sink_pause,
			       NULL };

	if (seq_release_all(&w->seq, &rs)) {
		/* The host did not take it: send it again once the host is back. */
		seq_forget_host(&w->seq);
		log_debug("release (%s) not delivered; will repeat when the host returns", why);
	} else if (why) {
		log_debug("all keys released (%s)", why);
	}
}

static void set_leds(struct writer *w, uint8_t report)
{
	struct hid_leds l = hid_leds_decode(report);

	seq_set_leds(&w->seq, l);
	agent_set_leds(w->a, l);
}

static void read_leds(struct writer *w)
{
	uint8_t leds;

	if (w->led_fd >= 0) {
		uint8_t buf[64];
		ssize_t n;
		while ((n = read(w->led_fd, buf, sizeof buf)) > 0)
			set_leds(w, buf[n - 1]);
	} else if (w->kbd.kind == HID_GADGET && hid_device_can_read(&w->kbd, clock_ms())) {
		if (hid_device_read_leds(&w->kbd, &leds) > 0)
			set_leds(w, leds);
		sync_link(w);
	}
}

/* The host came back (or the device reappeared): it may still think a key
 * is down from before, so tell it nothing is. */
static void host_back(struct writer *w)
{
	seq_forget_host(&w->seq);
	release_all(w, "host back");
	sync_link(w);
}

/* While the host is away: re-open a vanished device, and notice when the host
 * takes reports again. */
static void probe(struct writer *w)
{
	struct hid_device *d = &w->kbd;

	if (d->kind == HID_FILE && d->fd >= 0)
		return;
	if (d->fd < 0) {
		if (hid_device_open(d) == 0 && d->kind != HID_GADGET) {
			if (d->kind == HID_FIFO)
				host_back(w);
		} else if (d->fd >= 0) {
			read_leds(w);
		}
	}
	if (d->fd >= 0 && d->link != LINK_CONNECTED && d->kind != HID_FILE && hid_device_writable(d))
		host_back(w);
	if (w->have_cons && w->cons.fd < 0)
		hid_device_open(&w->cons);
	sync_link(w);
}

static const char *error_code(int e, const char **detail, struct writer *w)
{
	switch (e) {
	case -ECANCELED:
		if (atomic_load(&w->a->stopping))
			return *detail = "the agent is stopping", "shutting_down";
		return *detail = "cancelled before it finished", "cancelled";
	case -ETIMEDOUT:
		return *detail = "the host stopped taking keystrokes (write timeout)", "host_timeout";
	case -ENOSPC:
		return *detail = "more than six keys would be down at once", "rollover";
	case -ENODEV:
		return *detail = "media keys need hid_consumer (no consumer-control device configured)",
		       "no_media_device";
	case -EOPNOTSUPP:
		return *detail = w->detail, "wake_unsupported";
	case -ETIME:
		return *detail = w->detail, "wake_failed";
	default:
		return *detail = "the host is not connected (USB unplugged, asleep, or not reading)",
		       "host_disconnected";
	}
}

/* A file or FIFO deleted (and maybe created again) under us: let the
 * probe open the path anew. */
static void reopen_if_replaced(struct hid_device *d)
{
	if (hid_device_replaced(d)) {
		log_info("%s was deleted or replaced: reopening it", d->path);
		hid_device_close(d);
		d->link = LINK_DISCONNECTED;
	}
}

static void reopen_replaced(struct writer *w)
{
	reopen_if_replaced(&w->kbd);
	if (w->have_cons)
		reopen_if_replaced(&w->cons);
}

/* Watch the devices' directories: a node deleted or created anew there is
 * noticed by inotify, not by a stat per command. Without inotify (-1), every
 * command checks. */
static int watch_open(struct writer *w)
{
	const char *paths[2] = { w->kbd.path, w->have_cons ? w->cons.path : NULL };
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	for (int i = 0; fd >= 0 && i < 2 && paths[i]; i++) {
		const char *slash = strrchr(paths[i], '/');
		char *dir = slash ? xstrndup(paths[i], slash == paths[i] ? 1 : (size_t)(slash - paths[i]))
				  : xstrdup(".");
		if (inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) < 0)
			log_debug("inotify %s: %s", dir, strerror(errno));
		free(dir);
	}
	return fd;
}

/* Read what inotify has; true if anything changed in a watched directory. */
static bool watch_drain(struct writer *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	while (read(w->watch_fd, buf, sizeof buf) > 0)
		any = true;
	return any;
}

static bool host_ready(struct writer *w)
{
	/* idle_once()'s poll covered the watch when it ran since the last
	 * command; otherwise (commands back to back) one read asks. */
	if (w->watch_fd < 0 || (!w->watch_polled && watch_drain(w)))
		reopen_replaced(w);
	w->watch_polled = false;
	if (w->kbd.fd < 0 || w->kbd.link == LINK_DISCONNECTED)
		probe(w);
	if (w->kbd.fd < 0)
		return false;
	/* Fail fast while the host is known to be away: do not wait a full
	 * write timeout per queued command. */
	return w->kbd.link != LINK_DISCONNECTED;
}

static uint32_t gap_us(struct writer *w, const struct command *c)
{
	const struct config *cfg = w->a->cfg;
	uint64_t pace = (uint64_t)(c->delay_ms >= 0 ? c->delay_ms : cfg->delay_ms) * 1000u;
	uint64_t rate = cfg->rate_limit ? 1000000u / (uint64_t)cfg->rate_limit : 0;

	return (uint32_t)(pace > rate ? pace : rate);
}

static int type_command(struct writer *w, struct command *c, struct seq_progress *p)
{
	struct seq_sink sink = { w, sink_keyboard, w->have_cons ? sink_consumer : NULL, sink_pause,
				 sink_keep };
	uint32_t gap = gap_us(w, c);
	int e;

	if (cancelled(w))
		return -ECANCELED;
	if (w->suspended && (e = wake_host(w)))   /* asleep when last looked: wake it first */
		return e;
	if (c->type == CMD_WAKE)
		return wake_command(w);
	if (!host_ready(w))
		return w->kbd.fd < 0 ? -ENOENT : -EPIPE;
	read_leds(w);
	/* The rate limit holds across commands too. */
	uint64_t since = clock_us() - w->last_stroke_us;
	if (gap && since < gap && sink_pause(w, (uint32_t)(gap - since)))
		return -ECANCELED;
	w->cmd = c, w->progress = p;
	w->next_progress_ms = 0;
	e = seq_run(&w->seq, c, gap, &sink, p);
	w->cmd = NULL, w->progress = NULL;
	w->last_stroke_us = clock_us();
	return e;
}

static void run_command(struct writer *w, struct command *c)
{
	struct seq_progress p = { 0 };
	struct result_info ri = { 0 };
	const char *detail = NULL;

	w->gen = c->cancel_gen;
	w->woke = NULL;
	int e = type_command(w, c, &p);
	w->gen = atomic_load(&w->a->cancel_gen);
	if (e)
		release_all(w, "after an error");
	ri.ok = !e;
	if (e) {
		ri.error = error_code(e, &detail, w);
		ri.detail = detail;
	}
	ri.wake = w->woke;
	ri.chars = p.chars;
	ri.strokes = p.strokes;
	ri.entered = p.entered;
	agent_count_typed(w->a, &p, !e);
	agent_publish_result(w->a, c, &ri);
	w->last_activity_ms = clock_ms();
}

/* When keep_awake taps next: an interval after the last keystroke of a
 * command or the last tap. */
static uint64_t keep_awake_due(const struct writer *w)
{
	uint64_t last = w->last_activity_ms > w->last_tap_ms ? w->last_activity_ms : w->last_tap_ms;

	return last + (uint64_t)w->a->cfg->keep_awake_interval_s * 1000u;
}

/* keep_awake: tap the key when it is due. Only here, in the idle loop: never
 * inside a command, so never between the keystrokes of a text. Not while
 * keys are held (they are someone's), nor when the host is known to be away
 * or asleep (keeping awake is not waking up). */
static void keep_awake(struct writer *w, uint64_t now)
{
	bool on = atomic_load(&w->a->keep_awake);

	if (on && !w->keep_awake_was)
		w->last_tap_ms = now;   /* the first tap an interval after switching on */
	w->keep_awake_was = on;
	if (!on || now < keep_awake_due(w))
		return;
	w->last_tap_ms = now;
	if (seq_holding(&w->seq) || w->kbd.fd < 0 || w->kbd.link == LINK_DISCONNECTED ||
	    w->suspended)
		return;
	struct seq_sink rs = { w, release_keyboard, NULL, sink_pause, NULL };
	struct seq_progress p = { 0 };
	struct command *c = command_new();
	command_push_action(c, ACT_CHORD)->u.chord = w->keep_awake_key;
	if (seq_run(&w->seq, c, 0, &rs, &p))
		release_all(w, "keep awake tap not taken");
	command_free(c);
	agent_count_keep_awake_tap(w->a, p.reports);
}

static bool needs_probe(const struct writer *w)
{
	return (w->kbd.fd < 0 || (w->kbd.kind != HID_FILE && w->kbd.link != LINK_CONNECTED)) ||
	       (w->have_cons && w->cons.fd < 0);
}

/* How long the idle wait may last: until the hold timeout or the next probe. */
static int idle_timeout(struct writer *w, uint64_t now)
{
	int64_t t = -1;

	if (seq_holding(&w->seq)) {
		int64_t left = (int64_t)(w->last_activity_ms + (uint64_t)w->a->cfg->hold_timeout_ms) - (int64_t)now;
		t = left > 0 ? left : 0;
	}
	if (atomic_load(&w->a->keep_awake) && w->keep_awake_was) {
		int64_t left = (int64_t)keep_awake_due(w) - (int64_t)now;
		left = left > 0 ? left : 0;
		t = (t < 0 || left < t) ? left : t;
	}
	/* Gadget nodes are checked on the probe timer too: a gadget torn down
	 * and set up again leaves our descriptors on deleted nodes. */
	if (needs_probe(w) || w->led_fd >= 0 || w->kbd.kind == HID_GADGET || w->udc.dir) {
		int64_t left = (int64_t)w->next_probe_ms - (int64_t)now;
		left = left > 0 ? left : 0;
		t = (t < 0 || left < t) ? left : t;
	}
	return (int)t;
}

/* The controller for remote wakeup, told to the status. Looked for again on
 * the probe timer while udc = auto has not found it (the gadget is bound
 * after the agent started). */
static void open_udc(struct writer *w)
{
	const struct config *cfg = w->a->cfg;
	bool gadget = w->kbd.kind == HID_GADGET || !strncmp(cfg->hid_keyboard, "/dev/hidg", 9);
	struct agent_wake aw = { .advertised = -1 };

	udc_close(&w->udc);
	udc_open(&w->udc, cfg->udc, gadget, cfg->wake);
	snprintf(aw.udc, sizeof aw.udc, "%s", w->udc.name);
	snprintf(aw.driver, sizeof aw.driver, "%s", w->udc.driver);
	snprintf(aw.why, sizeof aw.why, "%s", w->udc.why);
	aw.supported = w->udc.supported;
	aw.advertised = w->udc.advertised;
	agent_set_wake(w->a, &aw);
}

static void look_for_udc(struct writer *w)
{
	if (!w->udc.dir && !strcmp(w->a->cfg->udc, "auto") && w->kbd.kind == HID_GADGET &&
	    w->kbd.link == LINK_CONNECTED)
		open_udc(w);
}

static void idle_once(struct writer *w)
{
	uint64_t now = clock_ms();
	struct pollfd p[4] = { { w->a->wake_fd, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLIN, 0 },
			       { w->watch_fd, POLLIN, 0 } };

	if (w->kbd.kind == HID_GADGET && hid_device_can_read(&w->kbd, now))
		p[1].fd = w->kbd.fd;
	if (w->led_fd >= 0 && w->led_is_fifo)   /* a regular file is always readable */
		p[2].fd = w->led_fd;
	if (poll(p, 4, idle_timeout(w, now)) > 0 && (p[0].revents & POLLIN))
		drain_wake(w);
	if ((p[1].revents | p[2].revents) & (POLLIN | POLLERR))
		read_leds(w);
	if ((p[3].revents & POLLIN) && watch_drain(w))
		reopen_replaced(w);
	w->watch_polled = true;
	now = clock_ms();
	if (seq_holding(&w->seq) && now >= w->last_activity_ms + (uint64_t)w->a->cfg->hold_timeout_ms) {
		log_info("hold timeout: releasing held keys");
		release_all(w, "hold timeout");
	}
	if (!cmd_queue_count(&w->a->queue))   /* a command waiting goes first */
		keep_awake(w, now);
	if (now >= w->next_probe_ms) {
		w->next_probe_ms = now + PROBE_MS;
		/* Gadget nodes also on the timer: a gadget torn down and set
		 * up again may leave no trace inotify sees (devtmpfs). */
		if (w->kbd.kind == HID_GADGET || w->watch_fd < 0)
			reopen_replaced(w);
		if (needs_probe(w))
			probe(w);
		if (w->led_fd >= 0)
			read_leds(w);
		look_for_udc(w);
		if (w->udc.dir)
			check_suspended(w);
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct agent *a = w->a;

	/* Whatever the host last saw (a crash of an earlier run?), start clean. */
	host_back(w);
	w->last_activity_ms = clock_ms();
	while (!atomic_load(&a->stopping)) {
		if (atomic_exchange(&a->release_pending, false))
			release_all(w, "release_all");
		struct command *c = cmd_queue_pop(&a->queue);
		if (c) {
			agent_set_busy(a, true);
			run_command(w, c);
			command_free(c);
			agent_touch(a);
			continue;
		}
		agent_set_busy(a, false);
		idle_once(w);
	}
	release_all(w, "stopping");
	return NULL;
}

static int open_led_source(const char *path, bool *is_fifo)
{
	struct stat st;

	if (!*path)
		return -1;
	/* O_RDWR on a FIFO: no EOF storms while no writer has it open. A
	 * regular file is read on the probe timer instead of polled. */
	*is_fifo = !stat(path, &st) && S_ISFIFO(st.st_mode);
	int flags = *is_fifo ? O_RDWR : O_RDONLY;
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		log_warning("hid_keyboard_leds %s: %s", path, strerror(errno));
	return fd;
}

int writer_start(struct writer *w, struct agent *a)
{
	const struct config *cfg = a->cfg;

	memset(w, 0, sizeof *w);
	w->a = a;
	hid_device_init(&w->kbd, cfg->hid_keyboard);
	w->have_cons = *cfg->hid_consumer != '\0';
	hid_device_init(&w->cons, w->have_cons ? cfg->hid_consumer : "");
	seq_init(&w->seq);
	chord_parse(cfg->keep_awake_key, strlen(cfg->keep_awake_key), &w->keep_awake_key, NULL);
	w->udc.state_fd = w->udc.suspended_fd = w->udc.srp_fd = -1;
	w->gen = atomic_load(&a->cancel_gen);
	if (hid_device_open(&w->kbd))
		log_warning("%s: %s (waiting for it)", cfg->hid_keyboard, strerror(-w->kbd.last_error));
	if (w->have_cons && hid_device_open(&w->cons))
		log_warning("%s: %s (waiting for it)", cfg->hid_consumer, strerror(-w->cons.last_error));
	open_udc(w);
	w->led_fd = open_led_source(cfg->hid_keyboard_leds, &w->led_is_fifo);
	w->watch_fd = watch_open(w);
	int e = pthread_create(&w->thread, NULL, writer_main, w);
	if (e)
		return -e;
	w->started = true;
	return 0;
}

void writer_join(struct writer *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
	udc_close(&w->udc);
	hid_device_destroy(&w->kbd);
	hid_device_destroy(&w->cons);
	if (w->led_fd >= 0)
		close(w->led_fd);
	if (w->watch_fd >= 0)
		close(w->watch_fd);
}
