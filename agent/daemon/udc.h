/* SPDX-License-Identifier: MIT */
/* udc: the USB device controller in sysfs, for remote wakeup — whether the
 * host has suspended the bus (the UDC's state, the composite gadget's
 * `suspended`), whether this controller and its gadget can wake the host at
 * all, and the wake signal itself: writing 1 to the UDC's srp attribute,
 * which calls the UDC driver's wakeup. Only the HID writer thread uses it.
 * docs/install.md ("Waking the computer") says which boards can. */
#ifndef KEYMIME_UDC_H
#define KEYMIME_UDC_H

#include <stdbool.h>

struct udc {
	char *dir;                /* the UDC's sysfs directory, owned; NULL: none */
	char name[64];            /* its name (fe980000.usb, dummy_udc.0), "" without */
	char driver[64];          /* its driver (dwc2, dwc3, musb-hdrc, …), "" unknown */
	int state_fd;             /* <dir>/state, or -1 */
	int suspended_fd;         /* <dir>/device/gadget*\/suspended, or -1 */
	int srp_fd;               /* <dir>/srp open for writing, or -1 */
	int advertised;           /* the bound gadget offers remote wakeup
				   * (bmAttributes 0x20): 1, 0, or -1 unknown */
	bool supported;           /* a wake is worth trying */
	char why[224];            /* why not, when !supported */
};

/* Find and open the UDC. setting: the config's `udc` — "auto" (the one the
 * gadget is bound to, when hid_keyboard is a gadget node), "none", a name in
 * /sys/class/udc, or a directory (a stand-in, for tests). gadget: hid_keyboard
 * is a character device. wake: the config's `wake` (auto, on, off). Never
 * fails: without a usable UDC, supported is false and why says why. */
void udc_open(struct udc *u, const char *setting, bool gadget, const char *wake);
void udc_close(struct udc *u);

/* 1: the host has suspended the bus; 0: it has not; -errno: cannot tell
 * (no UDC). Reads sysfs: call it on the probe timer or when a write stalls,
 * not per keystroke. */
int udc_suspended(struct udc *u);

/* Signal remote wakeup. 0 (the signal went out; whether the host resumes
 * is for udc_suspended() to say) or -errno. */
int udc_wakeup(struct udc *u);

#endif
