/* SPDX-License-Identifier: MIT */
/* cmd_queue: the bounded FIFO of commands between the MQTT thread (producer)
 * and the HID writer thread (consumer). Thread-safe; never blocks. */
#ifndef KEYMIME_CMD_QUEUE_H
#define KEYMIME_CMD_QUEUE_H

#include <pthread.h>
#include <stddef.h>

#include "command.h"

struct cmd_queue {
	pthread_mutex_t lock;
	struct command **ring;   /* owned, capacity entries */
	size_t capacity, head, count;
};

/* capacity >= 1. Returns 0 (allocation failure aborts). */
int cmd_queue_init(struct cmd_queue *q, size_t capacity);

/* Frees the ring and every command still queued. */
void cmd_queue_destroy(struct cmd_queue *q);

/* Append c. On success (0) the queue owns c; -ENOSPC when full (c stays the
 * caller's). */
int cmd_queue_push(struct cmd_queue *q, struct command *c);

/* Take the oldest command (the caller owns it), or NULL when empty. */
struct command *cmd_queue_pop(struct cmd_queue *q);

/* Take every queued command at once: returns a malloc'd array (caller frees
 * it and the commands) of *n entries, or NULL when empty. */
struct command **cmd_queue_drain(struct cmd_queue *q, size_t *n);

size_t cmd_queue_count(struct cmd_queue *q);

#endif
