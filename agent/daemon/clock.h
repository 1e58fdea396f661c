/* SPDX-License-Identifier: MIT */
/* clock: the daemon's one clock, CLOCK_MONOTONIC (never jumps with the wall
 * clock), in nanoseconds, microseconds or milliseconds since an arbitrary
 * epoch. */
#ifndef KEYMIME_CLOCK_H
#define KEYMIME_CLOCK_H

#include <stdint.h>

uint64_t clock_ns(void);

static inline uint64_t clock_us(void) { return clock_ns() / 1000u; }
static inline uint64_t clock_ms(void) { return clock_ns() / 1000000u; }

#endif
