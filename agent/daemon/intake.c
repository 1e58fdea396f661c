/* SPDX-License-Identifier: MIT */
/* intake: what happens to a message on Paho's thread — route it by topic,
 * validate the whole command, then either answer at once (errors, cancel,
 * set_layout) or hand it to the writer through the queue. Never blocks. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"
#include "mqtt_link.h"
#include "xalloc.h"

enum topic_kind { TOPIC_OTHER, TOPIC_TYPE, TOPIC_KEYS, TOPIC_CMD, TOPIC_HA_STATUS };

static enum topic_kind kind_of_leaf(const char *leaf)
{
	if (!strcmp(leaf, "type"))
		return TOPIC_TYPE;
	if (!strcmp(leaf, "keys"))
		return TOPIC_KEYS;
	if (!strcmp(leaf, "cmd"))
		return TOPIC_CMD;
	return TOPIC_OTHER;
}

/* <prefix>/group/<g>/<leaf> for one of our groups? */
static enum topic_kind group_kind(const struct agent *a, const char *topic)
{
	const char *prefix = a->cfg->topic_prefix;
	size_t pl = strlen(prefix);

	if (strncmp(topic, prefix, pl) || strncmp(topic + pl, "/group/", 7))
		return TOPIC_OTHER;
	const char *g = topic + pl + 7, *slash = strchr(g, '/');
	if (!slash || strchr(slash + 1, '/'))
		return TOPIC_OTHER;
	for (size_t i = 0; i < a->n_groups; i++)
		if (strlen(a->groups[i]) == (size_t)(slash - g) && !strncmp(a->groups[i], g, (size_t)(slash - g)))
			return kind_of_leaf(slash + 1);
	return TOPIC_OTHER;
}

static enum topic_kind classify(const struct agent *a, const char *topic)
{
	if (!strcmp(topic, a->topics.type))
		return TOPIC_TYPE;
	if (!strcmp(topic, a->topics.keys))
		return TOPIC_KEYS;
	if (!strcmp(topic, a->topics.cmd))
		return TOPIC_CMD;
	if (a->cfg->ha_discovery && !strcmp(topic, a->topics.ha_status))
		return TOPIC_HA_STATUS;
	return group_kind(a, topic);
}

static void reject(struct agent *a, struct command *c, const struct cmd_error *err)
{
	struct result_info ri = { .ok = false, .error = err->code, .detail = err->detail, .bad = err };

	pthread_mutex_lock(&a->st.lock);
	a->st.counters.commands++;
	a->st.counters.rejected++;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
	log_info("command %s rejected: %s", c->id ? c->id : "-", err->code);
	agent_publish_result(a, c, &ri);
}

/* The id of a JSON command that is refused before it is parsed (retained),
 * so that its one result can still echo it. */
static void take_id_only(struct agent *a, struct command *c, const struct mqtt_inbound *m)
{
	struct command *tmp = command_new();
	struct cmd_error ignored = { 0 };

	command_parse_json(tmp, m->payload, m->len, atomic_load(&a->layout), &a->limits, &ignored);
	c->id = tmp->id;
	tmp->id = NULL;
	command_free(tmp);
}

static int parse(struct agent *a, struct command *c, enum topic_kind k, const struct mqtt_inbound *m,
		 struct cmd_error *err)
{
	const struct layout *l = atomic_load(&a->layout);

	if (m->retained) {
		if (k == TOPIC_CMD)
			take_id_only(a, c, m);
		return cmd_fail(err, "retained", "retained command messages are never typed; clear it with "
				"mosquitto_pub -r -n -t %.100s", m->topic);
	}
	if (m->len > a->limits.max_payload)
		return cmd_fail(err, "too_large", "%zu bytes; the limit is %zu", m->len, a->limits.max_payload);
	switch (k) {
	case TOPIC_TYPE:
		return command_parse_text(c, m->payload, m->len, l, &a->limits, err);
	case TOPIC_KEYS:
		return command_parse_keys(c, m->payload, m->len, &a->limits, err);
	default:
		return command_parse_json(c, m->payload, m->len, l, &a->limits, err);
	}
}

/* cancel / release_all: stop the command being typed, drop the queue (each
 * dropped command gets its "cancelled" result), release every key. */
static void cancel_all(struct agent *a, struct command *c)
{
	size_t n = 0;

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
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.dropped += n;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
	struct result_info ri = { .ok = true, .dropped = n };
	agent_publish_result(a, c, &ri);
}

static void set_layout(struct agent *a, struct command *c)
{
	struct result_info ri = { .ok = true };

	atomic_store(&a->layout, c->layout);
	log_info("layout set to %s", layout_name(c->layout));
	agent_touch(a);
	agent_publish_result(a, c, &ri);
}

static void enqueue(struct agent *a, struct command *c)
{
	c->cancel_gen = atomic_load(&a->cancel_gen);
	if (cmd_queue_push(&a->queue, c)) {
		struct cmd_error err;
		cmd_fail(&err, "queue_full", "%ld commands are already waiting; try again later",
			 a->cfg->queue_size);
		err.n_bad = 0;
		reject(a, c, &err);
		command_free(c);
		return;
	}
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.commands++;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
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

void intake_message(struct agent *a, const struct mqtt_inbound *m)
{
	static const char *const sources[] = { NULL, "type", "keys", "cmd", NULL };
	enum topic_kind k = classify(a, m->topic);
	struct cmd_error err = { 0 };

	/* An empty retained publish only clears a retained message: no command. */
	if (k == TOPIC_OTHER || (m->retained && m->len == 0))
		return;
	if (k == TOPIC_HA_STATUS) {
		if (m->len == 6 && !memcmp(m->payload, "online", 6))
			atomic_store(&a->ha_announce, true);
		return;
	}
	struct command *c = command_new();
	c->received_ns = agent_now_ns();
	c->source = sources[k];
	keep_reply_route(c, m);
	if (parse(a, c, k, m, &err)) {
		reject(a, c, &err);
		command_free(c);
	} else if (c->type == CMD_CANCEL || c->type == CMD_RELEASE_ALL) {
		cancel_all(a, c);
		command_free(c);
	} else if (c->type == CMD_SET_LAYOUT) {
		set_layout(a, c);
		command_free(c);
	} else {
		enqueue(a, c);
	}
}
