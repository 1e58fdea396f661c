/* SPDX-License-Identifier: MIT */
/* cmd_queue: a mutex-protected ring of owned command pointers. */
#include "cmd_queue.h"

#include <errno.h>
#include <stdlib.h>

#include "xalloc.h"

int cmd_queue_init(struct cmd_queue *q, size_t capacity)
{
	pthread_mutex_init(&q->lock, NULL);
	q->capacity = capacity ? capacity : 1;
	q->ring = xcalloc(q->capacity, sizeof *q->ring);
	q->head = q->count = 0;
	return 0;
}

void cmd_queue_destroy(struct cmd_queue *q)
{
	struct command *c;

	if (!q->ring)
		return;
	while ((c = cmd_queue_pop(q)))
		command_free(c);
	free(q->ring);
	q->ring = NULL;
	pthread_mutex_destroy(&q->lock);
}

int cmd_queue_push(struct cmd_queue *q, struct command *c)
{
	int r = -ENOSPC;

	pthread_mutex_lock(&q->lock);
	if (q->count < q->capacity) {
		q->ring[(q->head + q->count) % q->capacity] = c;
		q->count++;
		r = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return r;
}

struct command *cmd_queue_pop(struct cmd_queue *q)
{
	struct command *c = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->count) {
		c = q->ring[q->head];
		q->head = (q->head + 1) % q->capacity;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return c;
}

struct command **cmd_queue_drain(struct cmd_queue *q, size_t *n)
{
	struct command **out = NULL;

	pthread_mutex_lock(&q->lock);
	*n = q->count;
	if (q->count) {
		out = xcalloc(q->count, sizeof *out);
		for (size_t i = 0; i < q->count; i++)
			out[i] = q->ring[(q->head + i) % q->capacity];
		q->head = q->count = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return out;
}

size_t cmd_queue_count(struct cmd_queue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}
