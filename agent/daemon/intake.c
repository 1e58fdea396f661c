/* SPDX-License-Identifier: MIT */
/* intake: routing, validation and queueing of incoming messages. */
#include "intake.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clock.h"
#include "ducky.h"
#include "log.h"
#include "topics.h"
#include "xalloc.h"

/* What a topic means to this agent: one of its command topics (its own or
 * a group's it is in), Home Assistant's status, or nothing. */
static enum topic_leaf classify(const struct agent *a, const char *topic, bool *ha_status)
{
	struct topic_parts p;

	*ha_status = a->cfg->ha_discovery && !strcmp(topic, a->topics.ha_status);
	if (*ha_status || !topics_classify(a->cfg->topic_prefix, topic, &p) ||
	    !topics_is_command(p.leaf))
		return TOPIC_NONE;
	if (p.scope == TOPIC_SCOPE_DEVICE)
		return strlen(a->cfg->device_id) == p.name_len &&
		       !strncmp(a->cfg->device_id, p.name, p.name_len) ? p.leaf : TOPIC_NONE;
	for (size_t i = 0; i < a->n_groups; i++)
		if (strlen(a->groups[i]) == p.name_len && !strncmp(a->groups[i], p.name, p.name_len))
			return p.leaf;
	return TOPIC_NONE;
}

static void reject(struct agent *a, struct command *c, const struct err *err)
{
	struct result_info ri = { .ok = false, .error = err->code, .detail = err->detail, .bad = err };

	agent_count_command(a, true);
	log_info("command %s rejected: %s", c->id ? c->id : "-", err->code);
	agent_publish_result(a, c, &ri);
}

/* The id of a JSON command that is refused before it is parsed (retained),
 * so that its one result can still echo it. */
static void take_id_only(struct agent *a, struct command *c, const struct mqtt_inbound *m)
{
	struct command *tmp = command_new();
	struct err ignored = { 0 };

	command_parse_json(tmp, m->payload, m->len, atomic_load(&a->layout), &a->limits, &ignored);
	c->id = tmp->id;
	tmp->id = NULL;
	command_free(tmp);
}

static int parse(struct agent *a, struct command *c, enum topic_leaf k, const struct mqtt_inbound *m,
		 struct err *err)
{
	const struct layout *l = atomic_load(&a->layout);

	if (m->retained) {
		if (k == TOPIC_CMD)
			take_id_only(a, c, m);
		return err_fail(err, "retained", "retained command messages are never typed; clear it with "
				"mosquitto_pub -r -n -t %.100s", m->topic);
	}
	if (m->len > a->limits.max_payload)
		return err_fail(err, "too_large", "%zu bytes; the limit is %zu", m->len, a->limits.max_payload);
	switch (k) {
	case TOPIC_TYPE:
		return command_parse_text(c, m->payload, m->len, l, &a->limits, err);
	case TOPIC_KEYS:
		return command_parse_keys(c, m->payload, m->len, &a->limits, err);
	case TOPIC_SCRIPT:
		return ducky_parse(c, m->payload, m->len, l, &a->limits, err);
	default:
		return command_parse_json(c, m->payload, m->len, l, &a->limits, err);
	}
}

/* cancel / release_all: stop the command being typed, drop the queue (each
 * dropped command gets its "cancelled" result), release every key. */
static void cancel_all(struct agent *a, struct command *c)
{
	size_t n = 0;

	if (c->type == CMD_RELEASE_ALL)   /* every key let go: keep_awake's too */
		agent_set_keep_awake(a, false);
	atomic_fetch_add(&a->cancel_gen, 1);
	struct command **dropped = cmd_queue_drain(&a->queue, &n);
	atomic_store(&a->release_pending, true);
	agent_wake(a);
	for (size_t i = 0; i < n; i++) {
		struct result_info ri = { .ok = false, .error = "cancelled",
					  .detail = "dropped from the queue by a cancel" };
		agent_publish_result(a, dropped[i], &ri);
		command_free(dropped[i]);
	}
	free(dropped);
	agent_count_dropped(a, n);
	struct result_info ri = { .ok = true, .dropped = n };
	agent_publish_result(a, c, &ri);
}

static void keep_awake(struct agent *a, struct command *c)
{
	struct result_info ri = { .ok = true };

	agent_set_keep_awake(a, c->keep_awake);
	agent_publish_result(a, c, &ri);
}

static void set_layout(struct agent *a, struct command *c)
{
	struct result_info ri = { .ok = true };
	const struct layout *was = atomic_exchange(&a->layout, c->layout);

	/* Home Assistant's layout select offers the target's layouts. */
	if (layout_target(was) != layout_target(c->layout))
		atomic_store(&a->ha_announce, true);
	log_info("layout set to %s (target %s)", layout_name(c->layout),
		 layout_target_name(layout_target(c->layout)));
	agent_touch(a);
	agent_publish_result(a, c, &ri);
}

static void enqueue(struct agent *a, struct command *c)
{
	c->cancel_gen = atomic_load(&a->cancel_gen);
	if (cmd_queue_push(&a->queue, c)) {
		struct err err;
		err_fail(&err, "queue_full", "%ld commands are already waiting; try again later",
			 a->cfg->queue_size);
		err.n_bad = 0;
		reject(a, c, &err);
		command_free(c);
		return;
	}
	agent_count_command(a, false);
	agent_wake(a);
}

static void keep_reply_route(struct command *c, const struct mqtt_inbound *m)
{
	if (!m->response_topic)
		return;
	c->response_topic = xstrdup(m->response_topic);
	if (m->correlation && m->correlation_len) {
		c->correlation = xmemdup(m->correlation, m->correlation_len);
		c->correlation_len = m->correlation_len;
	}
}

void intake_message(void *ctx, const struct mqtt_inbound *m)
{
	struct agent *a = ctx;
	bool ha_status;
	enum topic_leaf k = classify(a, m->topic, &ha_status);
	struct err err = { 0 };

	if (ha_status) {
		/* Home Assistant (re)started: discovery again, and the state too,
		 * for brokers that keep no retained messages for it. */
		if (m->len == 6 && !memcmp(m->payload, "online", 6)) {
			atomic_store(&a->ha_announce, true);
			atomic_store(&a->rollcall, true);
		}
		return;
	}
	/* A roll call (not retained: a stale one is no one asking); the main
	 * thread answers, at most every ROLLCALL_EVERY_MS. */
	if (agent_is_rollcall(a, m->topic)) {
		if (!m->retained)
			atomic_store(&a->rollcall, true);
		return;
	}
	/* An empty retained publish only clears a retained message: no command. */
	if (k == TOPIC_NONE || (m->retained && m->len == 0))
		return;
	struct command *c = command_new();
	c->received_ns = clock_ns();
	c->source = topics_leaf_name(k);
	c->unicode_entry = a->unicode_entry;
	c->macos_iso = a->macos_iso;
	keep_reply_route(c, m);
	int r = parse(a, c, k, m, &err);
	/* A command with an id seen again: a QoS 1 retry of its publisher, or
	 * a cluster's second copy. It had its one result: none again. */
	if (k == TOPIC_CMD && c->id && !m->retained &&
	    agent_duplicate(a, m->topic, m->payload, m->len, c->id)) {
		command_free(c);
		return;
	}
	if (r) {
		reject(a, c, &err);
		command_free(c);
	} else if (c->type == CMD_CANCEL || c->type == CMD_RELEASE_ALL) {
		cancel_all(a, c);
		command_free(c);
	} else if (c->type == CMD_SET_LAYOUT) {
		set_layout(a, c);
		command_free(c);
	} else if (c->type == CMD_KEEP_AWAKE) {
		keep_awake(a, c);
		command_free(c);
	} else {
		enqueue(a, c);
	}
}
