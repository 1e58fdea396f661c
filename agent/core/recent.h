/* SPDX-License-Identifier: MIT */
/* recent: a bounded memory of the messages seen lately (a 64-bit hash of
 * their bytes, and when), so a command delivered twice — a publisher's QoS 1
 * retry after it lost its connection, a cluster's duplicate — is told from a
 * new one. Pure; one thread at a time. */
#ifndef KEYMIME_RECENT_H
#define KEYMIME_RECENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recent_entry {
	uint64_t hash;
	uint64_t at_ms;
};

struct recent {
	struct recent_entry *ring;   /* owned; the newest at next - 1 */
	size_t cap, next, n;
	uint64_t window_ms;
};

/* Remember at most cap messages, each for window_ms. */
void recent_init(struct recent *r, size_t cap, uint64_t window_ms);
void recent_destroy(struct recent *r);

/* Was the message (key, then body; both borrowed) seen within the window
 * before now_ms? If not, it is remembered from now on (the oldest is
 * forgotten when cap are remembered); a message seen again is not
 * remembered anew, so a stream of copies ends one window after the first. */
bool recent_seen(struct recent *r, const void *key, size_t key_len, const void *body,
		 size_t body_len, uint64_t now_ms);

#endif
