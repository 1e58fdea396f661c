/* SPDX-License-Identifier: MIT */
/* test_cmd_queue: capacity, FIFO order across the ring's wrap, full queue, drain, and two threads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "cmd_queue.h"

/* A command tagged with a number (kept in delay_ms) so order can be checked. */
static struct command *tagged(int n)
{
	struct command *c = command_new();

	c->delay_ms = n;
	return c;
}

static int tag_of(struct command *c)
{
	return c ? c->delay_ms : -1;
}

Test(cmd_queue, fifo_and_capacity)
{
	struct cmd_queue q;

	cr_assert_eq(cmd_queue_init(&q, 3), 0);
	cr_expect_eq(cmd_queue_count(&q), 0);
	cr_expect_null(cmd_queue_pop(&q));
	for (int i = 0; i < 3; i++)
		cr_expect_eq(cmd_queue_push(&q, tagged(i)), 0, "push %d", i);
	cr_expect_eq(cmd_queue_count(&q), 3);
	struct command *extra = tagged(99);
	cr_expect_eq(cmd_queue_push(&q, extra), -ENOSPC);
	cr_expect_eq(cmd_queue_count(&q), 3, "a refused push changes nothing");
	command_free(extra);   /* still ours */
	for (int i = 0; i < 3; i++) {
		struct command *c = cmd_queue_pop(&q);
		cr_expect_eq(tag_of(c), i, "pop %d got %d", i, tag_of(c));
		command_free(c);
	}
	cr_expect_null(cmd_queue_pop(&q));
	cr_expect_eq(cmd_queue_count(&q), 0);
	cmd_queue_destroy(&q);
}

/* Interleaved pushes and pops walk the ring round many times. */
Test(cmd_queue, wraps_around)
{
	struct cmd_queue q;
	int next_in = 0, next_out = 0;

	cmd_queue_init(&q, 4);
	for (int round = 0; round < 50; round++) {
		int push = 1 + round % 4, pop = 1 + (round * 7) % 4;
		for (int i = 0; i < push; i++) {
			struct command *c = tagged(next_in);
			if (cmd_queue_push(&q, c) == 0)
				next_in++;
			else {
				cr_expect_eq(cmd_queue_count(&q), 4, "refused below capacity");
				command_free(c);
			}
		}
		for (int i = 0; i < pop; i++) {
			struct command *c = cmd_queue_pop(&q);
			if (!c) {
				cr_expect_eq(next_out, next_in, "empty while commands are queued");
				break;
			}
			cr_expect_eq(tag_of(c), next_out, "round %d: got %d want %d", round, tag_of(c),
				     next_out);
			next_out++;
			command_free(c);
		}
		cr_expect_eq(cmd_queue_count(&q), (size_t)(next_in - next_out));
	}
	cmd_queue_destroy(&q);   /* frees what is left */
}

Test(cmd_queue, capacity_zero_is_one)
{
	struct cmd_queue q;

	cmd_queue_init(&q, 0);
	cr_expect_eq(cmd_queue_push(&q, tagged(1)), 0);
	struct command *c = tagged(2);
	cr_expect_eq(cmd_queue_push(&q, c), -ENOSPC);
	command_free(c);
	cmd_queue_destroy(&q);
}

Test(cmd_queue, drain)
{
	struct cmd_queue q;
	size_t n = 77;

	cmd_queue_init(&q, 5);
	cr_expect_null(cmd_queue_drain(&q, &n));
	cr_expect_eq(n, 0);
	/* Move the head first, so the drained entries straddle the ring's end. */
	for (int i = 0; i < 3; i++)
		cmd_queue_push(&q, tagged(-1));
	for (int i = 0; i < 3; i++)
		command_free(cmd_queue_pop(&q));
	for (int i = 0; i < 5; i++)
		cmd_queue_push(&q, tagged(i));
	struct command **all = cmd_queue_drain(&q, &n);
	cr_assert_not_null(all);
	cr_expect_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(tag_of(all[i]), (int)i, "drained[%zu] = %d", i, tag_of(all[i]));
		command_free(all[i]);
	}
	free(all);
	cr_expect_eq(cmd_queue_count(&q), 0);
	cr_expect_null(cmd_queue_pop(&q));
	/* Usable again after a drain. */
	cr_expect_eq(cmd_queue_push(&q, tagged(7)), 0);
	struct command *c = cmd_queue_pop(&q);
	cr_expect_eq(tag_of(c), 7);
	command_free(c);
	cmd_queue_destroy(&q);
	cmd_queue_destroy(&q);   /* a second destroy is harmless */
}

/* A producer and a consumer thread: every command arrives once, in order. */
#define N_THREADED 20000

static void *producer(void *arg)
{
	struct cmd_queue *q = arg;

	for (int i = 0; i < N_THREADED; i++) {
		struct command *c = tagged(i);
		while (cmd_queue_push(q, c) == -ENOSPC)
			sched_yield();
	}
	return NULL;
}

Test(cmd_queue, two_threads)
{
	struct cmd_queue q;
	pthread_t t;
	int next = 0;

	cmd_queue_init(&q, 8);
	cr_assert_eq(pthread_create(&t, NULL, producer, &q), 0);
	while (next < N_THREADED) {
		struct command *c = cmd_queue_pop(&q);
		if (!c) {
			sched_yield();
			continue;
		}
		if (tag_of(c) != next)
			cr_assert_fail("got %d, want %d", tag_of(c), next);
		next++;
		command_free(c);
	}
	pthread_join(t, NULL);
	cr_expect_eq(cmd_queue_count(&q), 0);
	cmd_queue_destroy(&q);
}
