/* SPDX-License-Identifier: MIT */
/* udc: the USB device controller's sysfs attributes for remote wakeup. */
#include "udc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

#define UDC_CLASS "/sys/class/udc"
#define GADGETS "/sys/kernel/config/usb_gadget"

/* The first line of a small sysfs or configfs file, without its newline. */
static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* pread a sysfs attribute from its start (sysfs renders it anew). */
static int pread_line(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The gadget of configfs bound to UDC name (its UDC file), into gadget
 * (a path); or, with name empty, the first bound gadget and its UDC. */
static bool bound_gadget(char *name, size_t name_len, char *gadget, size_t gadget_len)
{
	DIR *d = opendir(GADGETS);
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		char path[512], udc[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, GADGETS "/%s/UDC", e->d_name);
		if (read_line(path, udc, sizeof udc) || !*udc || (*name && strcmp(udc, name)))
			continue;
		snprintf(gadget, gadget_len, GADGETS "/%s", e->d_name);
		if (!*name)
			snprintf(name, name_len, "%s", udc);
		found = true;
	}
	if (d)
		closedir(d);
	return found;
}

/* Does the gadget offer remote wakeup (bmAttributes bit 5 in a configuration)? */
static int offers_wakeup(const char *gadget)
{
	char pattern[512];
	glob_t g;
	int r = -1;

	snprintf(pattern, sizeof pattern, "%s/configs/*/bmAttributes", gadget);
	if (glob(pattern, 0, NULL, &g))
		return -1;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char v[32];
		if (read_line(g.gl_pathv[i], v, sizeof v))
			continue;
		long x = strtol(v, NULL, 0);
		r = (r == 1 || (x & 0x20)) ? 1 : 0;
	}
	globfree(&g);
	return r;
}

static void open_suspended(struct udc *u)
{
	char pattern[512];
	glob_t g;

	if (u->suspended_fd >= 0)
		close(u->suspended_fd);
	u->suspended_fd = -1;
	snprintf(pattern, sizeof pattern, "%s/device/gadget*/suspended", u->dir);
	if (glob(pattern, 0, NULL, &g) == 0) {
		u->suspended_fd = open(g.gl_pathv[0], O_RDONLY | O_CLOEXEC);
		globfree(&g);
	}
}

/* The UDC's directory for the `udc` setting, and its name; NULL for none. */
static char *find_dir(const char *setting, bool gadget, char *name, size_t name_len,
		      char *gadget_dir, size_t gadget_len)
{
	*name = *gadget_dir = '\0';
	if (!strcmp(setting, "none") || (!strcmp(setting, "auto") && !gadget))
		return NULL;
	if (setting[0] == '/') {
		const char *slash = strrchr(setting, '/');
		snprintf(name, name_len, "%s", slash[1] ? slash + 1 : setting);
		bound_gadget(name, name_len, gadget_dir, gadget_len);
		return xstrdup(setting);
	}
	if (strcmp(setting, "auto"))
		snprintf(name, name_len, "%s", setting);
	if (!bound_gadget(name, name_len, gadget_dir, gadget_len) && !*name)
		return NULL;
	return str_printf(UDC_CLASS "/%s", name);
}

/* What can be known before trying: is there a UDC and a writable srp, does
 * the gadget offer remote wakeup, is the driver one known to lack it. The
 * reason why not, or NULL. */
static const char *judge(const struct udc *u, const char *wake)
{
	if (!strcmp(wake, "off"))
		return "wake = off";
	if (!u->dir)
		return "no USB device controller (hid_keyboard is not a gadget node, or udc = none)";
	if (u->srp_fd < 0)
		return "cannot write the UDC's srp attribute (keymime-gadget gives it to the keymime "
		       "group)";
	if (!strcmp(wake, "on"))
		return NULL;
	if (u->advertised == 0)
		return "the gadget does not offer remote wakeup (bmAttributes without 0x20; "
		       "keymime-gadget sets 0xa0)";
	if (!strcmp(u->driver, "dwc2"))
		return "dwc2 (Raspberry Pi) cannot signal remote wakeup on stock kernels "
		       "(raspberrypi/linux#3977); with a patched kernel set wake = on";
	return NULL;
}

void udc_open(struct udc *u, const char *setting, bool gadget, const char *wake)
{
	char gadget_dir[512], path[600], link[256];

	memset(u, 0, sizeof *u);
	u->state_fd = u->suspended_fd = u->srp_fd = -1;
	u->advertised = -1;
	u->dir = find_dir(setting, gadget, u->name, sizeof u->name, gadget_dir, sizeof gadget_dir);
	if (u->dir) {
		snprintf(path, sizeof path, "%s/state", u->dir);
		u->state_fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof path, "%s/srp", u->dir);
		u->srp_fd = open(path, O_WRONLY | O_CLOEXEC);
		if (u->srp_fd < 0)
			log_warning("%s: %s: remote wakeup not possible", path, strerror(errno));
		snprintf(path, sizeof path, "%s/device/driver", u->dir);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n > 0) {
			link[n] = '\0';
			const char *base = strrchr(link, '/');
			snprintf(u->driver, sizeof u->driver, "%.63s", base ? base + 1 : link);
		}
		open_suspended(u);
		if (*gadget_dir)
			u->advertised = offers_wakeup(gadget_dir);
	}
	const char *why = judge(u, wake);
	u->supported = !why;
	snprintf(u->why, sizeof u->why, "%s", why ? why : "");
	if (u->dir)
		log_info("USB device controller %s (driver %s): remote wakeup %s%s", u->name,
			 *u->driver ? u->driver : "unknown", u->supported ? "possible" : "not possible: ",
			 u->supported ? "" : u->why);
}

void udc_close(struct udc *u)
{
	if (u->state_fd >= 0)
		close(u->state_fd);
	if (u->suspended_fd >= 0)
		close(u->suspended_fd);
	if (u->srp_fd >= 0)
		close(u->srp_fd);
	free(u->dir);
	u->dir = NULL;
	u->state_fd = u->suspended_fd = u->srp_fd = -1;
}

int udc_suspended(struct udc *u)
{
	char v[32];

	if (!u->dir)
		return -ENODEV;
	/* Controllers that track it say so in `state`; the composite layer says
	 * so for every controller in the gadget's `suspended` (dummy_hcd keeps
	 * `state` at "configured"). */
	if (u->state_fd >= 0 && !pread_line(u->state_fd, v, sizeof v) && !strcmp(v, "suspended"))
		return 1;
	if (u->suspended_fd < 0 || pread_line(u->suspended_fd, v, sizeof v)) {
		open_suspended(u);   /* the gadget was bound anew: a new gadget device */
		if (u->suspended_fd < 0 || pread_line(u->suspended_fd, v, sizeof v))
			return u->state_fd >= 0 ? 0 : -ENODEV;
	}
	return !strcmp(v, "1");
}

int udc_wakeup(struct udc *u)
{
	if (u->srp_fd < 0)
		return -EPERM;
	/* The kernel's srp_store() calls the driver's wakeup and returns the
	 * whole write whatever it said: only the bus waking up tells. */
	if (pwrite(u->srp_fd, "1\n", 2, 0) < 0)
		return -errno;
	return 0;
}
