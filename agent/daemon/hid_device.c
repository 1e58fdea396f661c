/* SPDX-License-Identifier: MIT */
/* hid_device: non-blocking report I/O on gadget nodes, FIFOs and files. */
#include "hid_device.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "xalloc.h"

#define READ_BACKOFF_MS 500

void hid_device_init(struct hid_device *d, const char *path)
{
	memset(d, 0, sizeof *d);
	d->path = xstrdup(path);
	d->fd = -1;
	d->link = LINK_UNKNOWN;
}

void hid_device_destroy(struct hid_device *d)
{
	hid_device_close(d);
	free(d->path);
	d->path = NULL;
}

void hid_device_close(struct hid_device *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static enum hid_kind kind_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return HID_NONE;
	if (S_ISCHR(st.st_mode))
		return HID_GADGET;
	if (S_ISFIFO(st.st_mode))
		return HID_FIFO;
	return HID_FILE;
}

int hid_device_open(struct hid_device *d)
{
	int flags = O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

	hid_device_close(d);
	d->kind = kind_of(d->path);
	switch (d->kind) {
	case HID_NONE:
		d->link = LINK_DISCONNECTED;
		return d->last_error = -ENOENT;
	case HID_GADGET: flags |= O_RDWR; break;      /* LED reports come back */
	case HID_FIFO: flags |= O_WRONLY; break;      /* ENXIO until a reader opens it */
	case HID_FILE: flags |= O_WRONLY | O_APPEND; break;
	}
	d->fd = open(d->path, flags);
	if (d->fd < 0) {
		d->link = LINK_DISCONNECTED;
		return d->last_error = -errno;
	}
	/* A file has no host behind it; a FIFO has one when it has a reader; a
	 * gadget is known once the host reads a report or sends LEDs. */
	d->link = d->kind == HID_FILE ? LINK_UNKNOWN :
		  d->kind == HID_FIFO ? LINK_CONNECTED : d->link;
	return 0;
}

static int map_write_error(int e)
{
	switch (e) {
	case ESHUTDOWN: case EPIPE: case ENODEV: case EIO: case ENXIO: case ECONNRESET:
		return -EPIPE;
	case ENOENT:
		return -ENOENT;
	default:
		return -e;
	}
}

static int wait_writable(struct hid_device *d, int timeout_ms, int wake_fd, int *waited_ms)
{
	struct pollfd p[2] = { { d->fd, POLLOUT, 0 }, { wake_fd, POLLIN, 0 } };
	uint64_t t0 = clock_us();
	int r = poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);

	*waited_ms += (int)((clock_us() - t0) / 1000u);   /* rounded down: never a wait cut short */
	if (r < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (wake_fd >= 0 && (p[1].revents & POLLIN))
		return -EINTR;
	if (p[0].revents & (POLLERR | POLLHUP))
		return -EPIPE;
	return 0;
}

int hid_device_write(struct hid_device *d, const uint8_t *buf, size_t len, int timeout_ms,
		     int wake_fd, int *waited_ms)
{
	int e;

	if (d->fd < 0 && (e = hid_device_open(d)))
		return e == -ENXIO ? -EPIPE : e;
	for (;;) {
		ssize_t n = write(d->fd, buf, len);
		if (n == (ssize_t)len) {
			if (d->kind != HID_FILE)
				d->link = LINK_CONNECTED;
			return 0;
		}
		if (n >= 0)   /* reports are atomic on f_hid and (≤ PIPE_BUF) FIFOs */
			return d->last_error = -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			e = map_write_error(errno);
			d->last_error = -errno;
			d->link = LINK_DISCONNECTED;
			hid_device_close(d);   /* re-opened on the next write or probe */
			return e;
		}
		e = wait_writable(d, timeout_ms - *waited_ms, wake_fd, waited_ms);
		if (e == -ETIMEDOUT)
			d->link = LINK_DISCONNECTED;
		if (e)
			return e;
	}
}

int hid_device_read_leds(struct hid_device *d, uint8_t *leds)
{
	uint8_t buf[64];
	int count = 0;

	if (d->fd < 0)
		return -EBADF;
	for (;;) {
		ssize_t n = read(d->fd, buf, sizeof buf);
		if (n > 0) {
			*leds = buf[n - 1];   /* one byte per LED report; the last wins */
			count += (int)n;
			if (d->kind == HID_GADGET)
				d->link = LINK_CONNECTED;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			/* 6.12 wakes POLLIN and fails read at once while unbound. */
			d->read_backoff_until_ms = clock_ms() + READ_BACKOFF_MS;
			if (errno == ESHUTDOWN && d->kind == HID_GADGET)
				d->link = LINK_DISCONNECTED;
			return count ? count : -errno;
		}
		return count;
	}
}

bool hid_device_can_read(const struct hid_device *d, uint64_t now_ms)
{
	return d->fd >= 0 && d->kind != HID_FILE && now_ms >= d->read_backoff_until_ms;
}

bool hid_device_writable(struct hid_device *d)
{
	struct pollfd p = { d->fd, POLLOUT, 0 };

	return d->fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

bool hid_device_replaced(const struct hid_device *d)
{
	struct stat now, open;

	/* Gadget nodes too: after an unbind they vanish, after a gadget restart
	 * they are new nodes and the old descriptors are dead for good
	 * (re-opening after a plain rebind is harmless). */
	if (d->fd < 0 || fstat(d->fd, &open))
		return false;
	return stat(d->path, &now) || now.st_dev != open.st_dev || now.st_ino != open.st_ino;
}
