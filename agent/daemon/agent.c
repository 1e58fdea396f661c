/* SPDX-License-Identifier: MIT */
/* agent: the shared state's operations, and where results, progress and
 * status are published. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "macros.h"
#include "mqtt_link.h"
#include "topics.h"
#include "xalloc.h"

static void build_topics(struct agent *a)
{
	const struct config *c = a->cfg;
	struct agent_topics *t = &a->topics;

	t->type = topics_device(c->topic_prefix, c->device_id, TOPIC_TYPE);
	t->keys = topics_device(c->topic_prefix, c->device_id, TOPIC_KEYS);
	t->cmd = topics_device(c->topic_prefix, c->device_id, TOPIC_CMD);
	t->script = topics_device(c->topic_prefix, c->device_id, TOPIC_SCRIPT);
	t->availability = topics_device(c->topic_prefix, c->device_id, TOPIC_AVAILABILITY);
	t->status = topics_device(c->topic_prefix, c->device_id, TOPIC_STATUS);
	t->result = topics_device(c->topic_prefix, c->device_id, TOPIC_RESULT);
	t->progress = topics_device(c->topic_prefix, c->device_id, TOPIC_PROGRESS);
	t->ha_status = topics_ha_status(c->ha_prefix);
	t->n_groups = a->n_groups;
	t->group_filters = xcalloc(a->n_groups, sizeof *t->group_filters);
	t->group_rollcalls = xcalloc(a->n_groups, sizeof *t->group_rollcalls);
	for (size_t i = 0; i < a->n_groups; i++) {
		t->group_filters[i] = topics_group_filter(c->topic_prefix, a->groups[i]);
		t->group_rollcalls[i] = topics_group(c->topic_prefix, a->groups[i], TOPIC_ROLLCALL);
	}
	t->rollcall = topics_rollcall(c->topic_prefix);
}

static void free_topics(struct agent_topics *t)
{
	free(t->type), free(t->keys), free(t->cmd), free(t->script), free(t->progress);
	free(t->availability), free(t->status), free(t->result), free(t->ha_status);
	for (size_t i = 0; i < t->n_groups; i++)
		free(t->group_filters[i]), free(t->group_rollcalls[i]);
	free(t->group_filters), free(t->group_rollcalls), free(t->rollcall);
}

int agent_init(struct agent *a, const struct config *cfg)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	a->groups = config_group_list(cfg, &a->n_groups);
	build_topics(a);
	macros_limits(cfg, &a->limits);
	a->macro_names = macros_names(cfg);
	cmd_queue_init(&a->queue, (size_t)cfg->queue_size);
	pthread_mutex_init(&a->st.lock, NULL);
	a->st.host = "unknown";
	a->st.wake.advertised = -1;
	a->st.dirty = true;
	atomic_store(&a->layout, config_layout(cfg));
	a->unicode_entry = (uint8_t)config_unicode_entry(cfg);
	a->macos_iso = config_macos_iso(cfg);
	atomic_store(&a->keep_awake, cfg->keep_awake);
	a->started_ms = clock_ms();
	/* Enough for a minute of live typing from several dashboards. */
	/* 64 KiB of ring only when the check is on (it is off by default). */
	if (cfg->duplicate_window_s)
		recent_init(&a->recent, 4096, (uint64_t)cfg->duplicate_window_s * 1000u);
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return a->wake_fd < 0 ? -errno : 0;
}

void agent_destroy(struct agent *a)
{
	cmd_queue_destroy(&a->queue);
	free_topics(&a->topics);
	for (size_t i = 0; i < a->n_groups; i++)
		free(a->groups[i]);
	free(a->groups);
	free(a->macro_names);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	pthread_mutex_destroy(&a->st.lock);
	recent_destroy(&a->recent);
}

void agent_wake(struct agent *a)
{
	uint64_t one = 1;

	if (write(a->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_warning("wake: %s", strerror(errno));
}

/* ---- publishing ---------------------------------------------------------- */

static long ms_since(uint64_t ns)
{
	return ns ? (long)((clock_ns() - ns) / 1000000u) : -1;
}

void agent_publish_result(struct agent *a, const struct command *c, struct result_info *ri)
{
	ri->id = c->id;
	ri->device = a->cfg->device_id;   /* group replies must say who answered */
	ri->source = c->source;
	if (!ri->layout && c->layout && (c->chars || c->type == CMD_SET_LAYOUT)) {
		ri->layout = layout_name(c->layout);
		ri->target = layout_target_name(layout_target(c->layout));
	}
	if (c->chars && command_unicode_entry(c) != UNICODE_ENTRY_NONE)
		ri->unicode_entry = unicode_entry_name(command_unicode_entry(c));
	ri->ms = ms_since(c->received_ns);
	char *json = message_result(ri);
	mqtt_link_publish(a->link, a->topics.result, json, strlen(json), 1, false);
	if (c->response_topic)
		mqtt_link_reply(a->link, c->response_topic, c->correlation, c->correlation_len,
				json, strlen(json));
	log_debug("result %s: %s", c->id ? c->id : "-", ri->ok ? "ok" : ri->error);
	free(json);
}

void agent_publish_progress(struct agent *a, const struct command *c, const struct seq_progress *p)
{
	struct progress_info pi = {
		.id = c->id, .device = a->cfg->device_id, .source = c->source,
		.chars = p->chars, .chars_total = c->chars,
		.strokes = p->strokes, .strokes_total = c->strokes, .ms = ms_since(c->received_ns),
	};
	char *json = message_progress(&pi);

	/* QoS 0: a lost one is made good by the next (or by the result). */
	mqtt_link_publish(a->link, a->topics.progress, json, strlen(json), 0, false);
	free(json);
}

bool agent_is_rollcall(const struct agent *a, const char *topic)
{
	if (!strcmp(topic, a->topics.rollcall))
		return true;
	for (size_t i = 0; i < a->topics.n_groups; i++)
		if (!strcmp(topic, a->topics.group_rollcalls[i]))
			return true;
	return false;
}

void agent_answer_rollcall(struct agent *a)
{
	mqtt_link_publish(a->link, a->topics.availability, "online", 6, 1, true);
	agent_publish_status(a);
}

void agent_publish_status(struct agent *a)
{
	struct status_info s = { 0 };

	pthread_mutex_lock(&a->st.lock);
	s.host = a->st.host;
	s.leds = a->st.leds;
	s.leds_known = a->st.leds_known;
	s.busy = a->st.busy;
	s.keep_awake = atomic_load(&a->keep_awake);
	struct agent_wake wk = a->st.wake;
	s.counters = a->st.counters;
	a->st.dirty = false;
	pthread_mutex_unlock(&a->st.lock);
	s.device_id = a->cfg->device_id;
	s.name = a->cfg->name;
	s.location = a->cfg->location;
	s.limits = (struct status_limits){ a->cfg->max_chars, a->cfg->max_payload, a->cfg->max_steps };
	s.version = KEYMIME_VERSION;
	s.layout = layout_name(atomic_load(&a->layout));
	s.target = layout_target_name(layout_target(atomic_load(&a->layout)));
	s.groups = a->groups;
	s.macros = a->macro_names;
	s.queue = cmd_queue_count(&a->queue);
	s.queue_size = (size_t)a->cfg->queue_size;
	s.consumer = *a->cfg->hid_consumer != '\0';
	s.uptime_s = (long)((clock_ms() - a->started_ms) / 1000u);
	s.wake = (struct wake_status){ *wk.udc ? wk.udc : NULL, *wk.driver ? wk.driver : NULL,
				       wk.supported, wk.advertised, wk.why };
	char *json = message_status(&s);
	mqtt_link_publish(a->link, a->topics.status, json, strlen(json), 1, true);
	free(json);
}

/* ---- the status fields ---------------------------------------------------- */

bool agent_status_dirty(struct agent *a)
{
	pthread_mutex_lock(&a->st.lock);
	bool dirty = a->st.dirty;
	pthread_mutex_unlock(&a->st.lock);
	return dirty;
}

void agent_touch(struct agent *a)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

void agent_count_command(struct agent *a, bool rejected)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.commands++;
	a->st.counters.rejected += rejected;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

bool agent_duplicate(struct agent *a, const char *topic, const char *payload, size_t len,
		     const char *id)
{
	if (!a->cfg->duplicate_window_s ||
	    !recent_seen(&a->recent, topic, strlen(topic), payload, len, clock_ms()))
		return false;
	log_info("command %s on %s: the same command came again within %ld s (a redelivery): "
		 "not typed again", id, topic, a->cfg->duplicate_window_s);
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.duplicates++;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
	return true;
}

void agent_count_dropped(struct agent *a, size_t n)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.dropped += n;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

void agent_count_typed(struct agent *a, const struct seq_progress *p, bool ok)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.chars += p->chars;
	a->st.counters.reports += p->reports;
	if (ok)
		a->st.counters.ok++;
	else
		a->st.counters.errors++;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

void agent_set_keep_awake(struct agent *a, bool on)
{
	if (atomic_exchange(&a->keep_awake, on) != on)
		log_info("keep awake %s", on ? "on" : "off");
	agent_touch(a);
	agent_wake(a);
}

void agent_set_wake(struct agent *a, const struct agent_wake *w)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.wake = *w;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

void agent_count_keep_awake_tap(struct agent *a, size_t reports)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.counters.keep_awake_taps++;
	a->st.counters.reports += reports;
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

void agent_set_host(struct agent *a, const char *host)
{
	pthread_mutex_lock(&a->st.lock);
	if (strcmp(a->st.host, host)) {
		log_info("host %s", host);
		a->st.host = host;
		a->st.dirty = true;
	}
	pthread_mutex_unlock(&a->st.lock);
}

void agent_set_leds(struct agent *a, struct hid_leds l)
{
	pthread_mutex_lock(&a->st.lock);
	if (!a->st.leds_known || memcmp(&a->st.leds, &l, sizeof l)) {
		a->st.leds = l;
		a->st.leds_known = true;
		a->st.dirty = true;
		log_info("host LEDs: num %d caps %d scroll %d", l.num_lock, l.caps_lock, l.scroll_lock);
	}
	pthread_mutex_unlock(&a->st.lock);
}

void agent_set_busy(struct agent *a, bool busy)
{
	pthread_mutex_lock(&a->st.lock);
	if (a->st.busy != busy)
		a->st.busy = busy, a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}
