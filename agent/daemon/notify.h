/* SPDX-License-Identifier: MIT */
/* notify: the systemd notify protocol (READY, WATCHDOG, STOPPING), without
 * linking libsystemd. A no-op outside systemd. */
#ifndef KEYMIME_NOTIFY_H
#define KEYMIME_NOTIFY_H

#include <stdint.h>

/* Send a state string ("READY=1"); returns 0, or -errno (ignored by callers). */
int notify_send(const char *state);

/* Microseconds between watchdog pings systemd asked for (WATCHDOG_USEC / 2),
 * or 0 when no watchdog is configured for this process. */
uint64_t notify_watchdog_interval_us(void);

#endif
