/* SPDX-License-Identifier: MIT */
/* mqtt_link: Paho MQTT C async client wiring (a transport: no agent here). */
#include "mqtt_link.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <MQTTAsync.h>

#include "clock.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

enum link_state { ST_IDLE, ST_CONNECTING, ST_CONNECTED, ST_STOPPED };

/* Outbound flow control. Paho 1.3 sends at most the broker's Receive Maximum
 * of QoS 1 messages at a time (mosquitto: 20) and, with that window full, its
 * send thread sleeps a whole second instead of waking on the PUBACK: results
 * trickled out at 20 a second. Past maxBufferedMessages queued publishes it
 * also deletes the oldest, connected or not, without a word. So at most
 * OUT_WINDOW publishes are in Paho's hands; the rest wait here, in order,
 * and each PUBACK sends the next (a new request wakes Paho's send thread). */
#define OUT_WINDOW 10
#define OUT_MAX 4096          /* waiting publishes; then the oldest result is dropped */

struct out_msg {
	struct out_msg *next;
	char *topic;
	char *payload;
	size_t len;
	int qos;
	bool retained;
	void *corr;            /* MQTT v5 correlation data of a reply (or NULL) */
	size_t corr_len;
};

struct mqtt_link {
	MQTTAsync client;
	char *uri, *client_id, *username, *password;
	char *cafile, *capath, *certfile, *keyfile;
	char *will_topic, *will_payload;
	MQTTProperties user_props;         /* v5: on every publish and the will */
	char **subs;
	size_t n_subs;
	int keepalive_s, reconnect_max_s;
	void (*on_message)(void *ctx, const struct mqtt_inbound *m);
	void (*on_state)(void *ctx, bool connected, const char *why);
	void *ctx;
	bool v5, tls;
	atomic_int state;
	atomic_uint_fast64_t retry_at_ms;  /* when to try connecting again */
	unsigned backoff_s;                /* main thread only */
	atomic_bool failed;                /* last attempt failed: back off */
	int stop_done;                     /* stop requests answered (offline, disconnect) */
	pthread_mutex_t out_lock;          /* guards the out_* fields and stop_done */
	pthread_cond_t changed;            /* out_inflight fell, or a stop request was answered */
	struct out_msg *out_head, *out_tail;
	size_t out_len;                    /* waiting in out_head… */
	int out_inflight;                  /* handed to Paho, not yet acknowledged */
	unsigned long out_dropped;         /* results dropped because OUT_MAX were waiting */
};

static bool uses_tls(const char *uri)
{
	return !strncmp(uri, "ssl://", 6) || !strncmp(uri, "mqtts://", 8) || !strncmp(uri, "wss://", 6);
}

/* Paho 1.3 knows ssl:// but not mqtts://; tcp:// but not mqtt://. */
static char *paho_uri(const char *uri)
{
	if (!strncmp(uri, "mqtts://", 8))
		return str_printf("ssl://%s", uri + 8);
	if (!strncmp(uri, "mqtt://", 7))
		return str_printf("tcp://%s", uri + 7);
	return xstrdup(uri);
}

static void on_lost(void *ctx, char *cause)
{
	struct mqtt_link *l = ctx;

	if (atomic_load(&l->state) == ST_STOPPED)
		return;
	log_warning("connection to %s lost%s%s", l->uri, cause ? ": " : "", cause ? cause : "");
	atomic_store(&l->state, ST_IDLE);
	atomic_store(&l->retry_at_ms, clock_ms() + 1000);
	l->on_state(l->ctx, false, cause ? cause : "connection lost");
}

static int on_message(void *ctx, char *topic, int topic_len, MQTTAsync_message *m)
{
	struct mqtt_link *l = ctx;
	struct mqtt_inbound in = {
		.topic = topic, .payload = m->payload, .len = (size_t)m->payloadlen,
		.retained = m->retained != 0,
	};
	char *rt = NULL;

	(void)topic_len;
	if (l->v5) {
		MQTTProperty *p = MQTTProperties_getProperty(&m->properties, MQTTPROPERTY_CODE_RESPONSE_TOPIC);
		if (p)
			in.response_topic = rt = xstrndup(p->value.data.data, (size_t)p->value.data.len);
		p = MQTTProperties_getProperty(&m->properties, MQTTPROPERTY_CODE_CORRELATION_DATA);
		if (p) {
			in.correlation = p->value.data.data;
			in.correlation_len = (size_t)p->value.data.len;
		}
	}
	l->on_message(l->ctx, &in);
	free(rt);
	/* Paho hands over both: free them in this one place. */
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

/* ---- subscribe, then announce ------------------------------------------- */

static void out_pump(struct mqtt_link *l);

/* Subscribed (or refused, which is logged): the link is up. */
static void announce(struct mqtt_link *l)
{
	/* Whatever was in flight on the old connection is Paho's to resend or
	 * forget; its acknowledgements may never come. */
	pthread_mutex_lock(&l->out_lock);
	l->out_inflight = 0;
	pthread_mutex_unlock(&l->out_lock);
	atomic_store(&l->state, ST_CONNECTED);
	l->backoff_s = 0;
	log_info("connected to %s; subscribed", l->uri);
	l->on_state(l->ctx, true, NULL);
}

static void on_sub5(void *ctx, MQTTAsync_successData5 *r)
{
	struct mqtt_link *l = ctx;

	for (int i = 0; i < r->alt.sub.reasonCodeCount; i++)
		if (r->alt.sub.reasonCodes[i] >= 0x80)
			log_warning("the broker refused subscription %d (reason 0x%02x): check the ACL",
				    i, (unsigned)r->alt.sub.reasonCodes[i]);
	if (r->reasonCode >= 0x80)
		log_warning("the broker refused a subscription (reason 0x%02x): check the ACL",
			    (unsigned)r->reasonCode);
	announce(l);
}

static void on_sub(void *ctx, MQTTAsync_successData *r)
{
	struct mqtt_link *l = ctx;

	(void)r;
	announce(l);
}

static void on_sub_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	log_warning("subscribe failed (%d): check the ACL", r ? r->code : 0);
	announce(ctx);
}

static void on_sub_fail(void *ctx, MQTTAsync_failureData *r)
{
	log_warning("subscribe failed (%d): check the ACL", r ? r->code : 0);
	announce(ctx);
}

static void subscribe_all(struct mqtt_link *l)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int n = (int)l->n_subs, qos[n];
	MQTTSubscribe_options opts[n];

	for (int i = 0; i < n; i++) {
		MQTTSubscribe_options o = MQTTSubscribe_options_initializer;
		/* Without it the broker clears the retain flag of a retained command
		 * published while we are subscribed, and intake would type it. */
		o.retainAsPublished = 1;
		qos[i] = 1;
		opts[i] = o;
	}
	ro.context = l;
	if (l->v5) {
		ro.onSuccess5 = on_sub5, ro.onFailure5 = on_sub_fail5;
		ro.subscribeOptionsCount = n;
		ro.subscribeOptionsList = opts;
	} else {
		ro.onSuccess = on_sub, ro.onFailure = on_sub_fail;
	}
	int rc = MQTTAsync_subscribeMany(l->client, n, l->subs, qos, &ro);
	if (rc != MQTTASYNC_SUCCESS)
		log_warning("subscribe: %s", MQTTAsync_strerror(rc));
}

/* ---- connect ------------------------------------------------------------- */

static void connected(struct mqtt_link *l)
{
	atomic_store(&l->failed, false);
	subscribe_all(l);
}

static void on_conn5(void *ctx, MQTTAsync_successData5 *r) { (void)r; connected(ctx); }
static void on_conn(void *ctx, MQTTAsync_successData *r) { (void)r; connected(ctx); }

static void connect_failed(struct mqtt_link *l, int code, const char *msg)
{
	char *why = str_printf("%s (code %d)", msg ? msg : "no answer", code);

	log_warning("cannot connect to %s: %s", l->uri, why);
	atomic_store(&l->failed, true);
	atomic_store(&l->state, ST_IDLE);
	l->on_state(l->ctx, false, why);
	free(why);
}

static void on_conn_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	/* A refusing CONNACK's reason code comes in ->code (->reasonCode stays 0):
	 * say "Not authorized", not "CONNACK return code (code 0)". */
	int code = r ? (r->reasonCode ? (int)r->reasonCode : r->code) : 0;

	connect_failed(ctx, code, code >= 0x80 ? MQTTReasonCode_toString((enum MQTTReasonCodes)code) :
		       r ? r->message : NULL);
}

static void on_conn_fail(void *ctx, MQTTAsync_failureData *r)
{
	connect_failed(ctx, r ? r->code : 0, r ? r->message : NULL);
}

static void fill_tls(struct mqtt_link *l, MQTTAsync_SSLOptions *ssl)
{
	ssl->enableServerCertAuth = 1;
	ssl->verify = 1;   /* check the host name against the certificate */
	ssl->trustStore = *l->cafile ? l->cafile : NULL;
	ssl->CApath = *l->capath ? l->capath : NULL;
	ssl->keyStore = *l->certfile ? l->certfile : NULL;
	ssl->privateKey = *l->keyfile ? l->keyfile : NULL;
}

static int start_connect(struct mqtt_link *l)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_connectOptions co5 = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	MQTTAsync_connectOptions *o = l->v5 ? &co5 : &co;

	will.topicName = l->will_topic;
	will.message = l->will_payload;
	will.retained = 1;
	will.qos = 1;
	o->will = &will;
	o->keepAliveInterval = l->keepalive_s;
	o->connectTimeout = 10;
	o->context = l;
	o->username = *l->username ? l->username : NULL;
	o->password = l->password;
	o->automaticReconnect = 0;   /* our own backoff, which also covers the first connect */
	if (l->v5) {
		o->willProperties = &l->user_props;
		o->cleanstart = 1;   /* no session: nothing queued while away is typed later */
		o->onSuccess5 = on_conn5, o->onFailure5 = on_conn_fail5;
	} else {
		o->cleansession = 1;
		o->onSuccess = on_conn, o->onFailure = on_conn_fail;
	}
	if (l->tls) {
		fill_tls(l, &ssl);
		o->ssl = &ssl;
	}
	atomic_store(&l->state, ST_CONNECTING);
	/* The TCP connection is made on Paho's thread by connect(2), which
	 * nodelay.c interposes to set TCP_NODELAY: without it a result waited
	 * ~40 ms behind the broker's delayed ACK (see nodelay.c). */
	int rc = MQTTAsync_connect(l->client, o);
	if (rc != MQTTASYNC_SUCCESS)
		connect_failed(l, rc, MQTTAsync_strerror(rc));
	return rc == MQTTASYNC_SUCCESS ? 0 : -EIO;
}

/* Capped exponential backoff with ±25% jitter, so a fleet does not reconnect
 * in lockstep after a broker restart. */
static uint64_t next_delay_ms(struct mqtt_link *l)
{
	unsigned max = (unsigned)l->reconnect_max_s;

	l->backoff_s = l->backoff_s ? l->backoff_s * 2 : 1;
	if (l->backoff_s > max)
		l->backoff_s = max;
	uint64_t ms = l->backoff_s * 1000u;
	return ms - ms / 4 + (uint64_t)rand() % (ms / 2 + 1);
}

void mqtt_link_tick(struct mqtt_link *l, uint64_t now_ms)
{
	if (atomic_load(&l->state) != ST_IDLE)
		return;
	if (atomic_exchange(&l->failed, false)) {
		atomic_store(&l->retry_at_ms, now_ms + next_delay_ms(l));
		return;
	}
	if (now_ms >= atomic_load(&l->retry_at_ms))
		start_connect(l);
}

bool mqtt_link_connected(struct mqtt_link *l)
{
	return atomic_load(&l->state) == ST_CONNECTED;
}

/* ---- publish ------------------------------------------------------------- */

static void out_free(struct out_msg *m)
{
	free(m->topic);
	free(m->payload);
	free(m->corr);
	free(m);
}

static void out_done(struct mqtt_link *l)
{
	pthread_mutex_lock(&l->out_lock);
	if (l->out_inflight > 0)
		l->out_inflight--;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->out_lock);
	out_pump(l);
}

/* One publish in Paho's hands: the link, and the topic to name if it fails. */
struct out_ctx {
	struct mqtt_link *l;
	char topic[];
};

static void out_settled(struct out_ctx *c)
{
	struct mqtt_link *l = c->l;

	free(c);
	out_done(l);
}

static void on_out(void *ctx, MQTTAsync_successData *r) { (void)r; out_settled(ctx); }
static void on_out5(void *ctx, MQTTAsync_successData5 *r) { (void)r; out_settled(ctx); }
static void on_out_fail(void *ctx, MQTTAsync_failureData *r) { (void)r; out_settled(ctx); }

/* A publish the broker refused (e.g. a response topic its ACL does not give
 * this device: PUBACK reason 0x87) is said, never dropped without a word.
 * (Publishes cut short by a disconnect carry no reason code: not logged.) */
static void on_out_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	if (r && r->reasonCode >= 0x80)
		log_warning("the broker refused the publish to %s (reason 0x%02x%s)",
			    ((struct out_ctx *)ctx)->topic, (unsigned)r->reasonCode,
			    r->reasonCode == 0x87 ? ": not authorised by its ACL" : "");
	out_settled(ctx);
}

/* Take the next waiting publish if the window has room (and we are connected). */
static struct out_msg *out_next(struct mqtt_link *l)
{
	struct out_msg *m = NULL;

	pthread_mutex_lock(&l->out_lock);
	if (l->out_head && l->out_inflight < OUT_WINDOW && atomic_load(&l->state) == ST_CONNECTED) {
		m = l->out_head;
		l->out_head = m->next;
		if (!l->out_head)
			l->out_tail = NULL;
		l->out_len--;
		l->out_inflight++;
	}
	pthread_mutex_unlock(&l->out_lock);
	return m;
}

/* Hand waiting publishes to Paho while the window has room. Never called
 * with out_lock held: Paho's callbacks come back here. */
static void out_pump(struct mqtt_link *l)
{
	struct out_msg *m;

	while ((m = out_next(l))) {
		MQTTAsync_message msg = MQTTAsync_message_initializer;
		MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
		MQTTProperty corr = { .identifier = MQTTPROPERTY_CODE_CORRELATION_DATA };

		if (l->v5)
			msg.properties = MQTTProperties_copy(&l->user_props);
		if (m->corr) {
			corr.value.data.data = m->corr;
			corr.value.data.len = (int)m->corr_len;
			MQTTProperties_add(&msg.properties, &corr);   /* copies */
		}
		msg.payload = m->payload;
		msg.payloadlen = (int)m->len;
		msg.qos = m->qos;
		msg.retained = m->retained;
		struct out_ctx *c = xmalloc(sizeof *c + strlen(m->topic) + 1);

		c->l = l;
		strcpy(c->topic, m->topic);
		ro.context = c;
		if (l->v5)
			ro.onSuccess5 = on_out5, ro.onFailure5 = on_out_fail5;
		else
			ro.onSuccess = on_out, ro.onFailure = on_out_fail;
		int rc = MQTTAsync_sendMessage(l->client, m->topic, &msg, &ro);
		MQTTProperties_free(&msg.properties);
		if (rc != MQTTASYNC_SUCCESS) {
			free(c);
			log_warning("publish to %s failed: %s", m->topic, MQTTAsync_strerror(rc));
			pthread_mutex_lock(&l->out_lock);
			l->out_inflight--;
			pthread_mutex_unlock(&l->out_lock);
		}
		out_free(m);
	}
}

/* Unlink the oldest message that is not retained: results are events, but a
 * retained message (availability, status) is state that must not go stale.
 * Called with out_lock held and the queue full. */
static struct out_msg *out_take_oldest(struct mqtt_link *l)
{
	struct out_msg **pp = &l->out_head, *prev = NULL;

	while ((*pp)->retained && (*pp)->next)
		prev = *pp, pp = &(*pp)->next;
	struct out_msg *m = *pp;
	*pp = m->next;
	if (l->out_tail == m)
		l->out_tail = prev;
	l->out_len--;
	l->out_dropped++;
	return m;
}

static struct out_msg *out_new(const char *topic, const char *payload, size_t len, int qos,
			       bool retained)
{
	struct out_msg *m = xcalloc(1, sizeof *m);

	m->topic = xstrdup(topic);
	m->payload = xmemdup(payload, len ? len : 1);
	m->len = len;
	m->qos = qos;
	m->retained = retained;
	return m;
}

/* Queue m (owned) behind the others and send what the window allows. */
static void out_push(struct mqtt_link *l, struct out_msg *m)
{
	struct out_msg *old = NULL;
	unsigned long dropped = 0;

	pthread_mutex_lock(&l->out_lock);
	if (l->out_len >= OUT_MAX) {
		old = out_take_oldest(l);
		dropped = l->out_dropped;
	}
	if (l->out_tail)
		l->out_tail->next = m;
	else
		l->out_head = m;
	l->out_tail = m;
	l->out_len++;
	pthread_mutex_unlock(&l->out_lock);
	if (old) {
		/* 1, 2, 4, 8…: a flood must not flood the log too. */
		if (!(dropped & (dropped - 1)))
			log_warning("%d messages wait for the broker: dropped the oldest (to %s); "
				    "%lu dropped so far", OUT_MAX, old->topic, dropped);
		out_free(old);
	}
	out_pump(l);
}

void mqtt_link_publish(struct mqtt_link *l, const char *topic, const char *payload, size_t len,
		       int qos, bool retained)
{
	out_push(l, out_new(topic, payload, len, qos, retained));
}

int mqtt_link_reply(struct mqtt_link *l, const char *topic, const void *correlation,
		    size_t correlation_len, const char *payload, size_t len)
{
	if (!l->v5)
		return -EINVAL;
	struct out_msg *m = out_new(topic, payload, len, 1, false);
	if (correlation) {
		m->corr = xmemdup(correlation, correlation_len ? correlation_len : 1);
		m->corr_len = correlation_len;
	}
	out_push(l, m);   /* in order with the results, through the same window */
	return 0;
}

/* Answers to the stop requests, counted under out_lock; mqtt_link_stop()
 * waits for them on the condition variable. */
static void stop_answered(struct mqtt_link *l)
{
	pthread_mutex_lock(&l->out_lock);
	l->stop_done++;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->out_lock);
}

static void on_stop(void *ctx, MQTTAsync_successData *r) { (void)r; stop_answered(ctx); }
static void on_stop5(void *ctx, MQTTAsync_successData5 *r) { (void)r; stop_answered(ctx); }
static void on_stop_fail(void *ctx, MQTTAsync_failureData *r) { (void)r; stop_answered(ctx); }
static void on_stop_fail5(void *ctx, MQTTAsync_failureData5 *r) { (void)r; stop_answered(ctx); }

/* Wait on l->changed (out_lock held) until deadline_ms; false once it passed. */
static bool wait_changed(struct mqtt_link *l, uint64_t deadline_ms)
{
	uint64_t now = clock_ms();

	if (now >= deadline_ms)
		return false;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);   /* the condvar's clock (mqtt_link_create) */
	uint64_t ns = (uint64_t)ts.tv_nsec + (deadline_ms - now) * 1000000u;
	ts.tv_sec += (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	pthread_cond_timedwait(&l->changed, &l->out_lock, &ts);
	return true;
}

/* Wait until `want` stop requests were answered; false on timeout. */
static bool wait_stop(struct mqtt_link *l, int want, uint64_t deadline_ms)
{
	bool ok = true;

	pthread_mutex_lock(&l->out_lock);
	while (l->stop_done < want && (ok = wait_changed(l, deadline_ms)))
		;
	pthread_mutex_unlock(&l->out_lock);
	return ok;
}

/* Results still waiting here (the last one says "shutting_down") go first,
 * until deadline_ms at most. */
static void wait_out_empty(struct mqtt_link *l, uint64_t deadline_ms)
{
	pthread_mutex_lock(&l->out_lock);
	while ((l->out_head || l->out_inflight) && atomic_load(&l->state) == ST_CONNECTED &&
	       wait_changed(l, deadline_ms))
		;
	pthread_mutex_unlock(&l->out_lock);
}

int mqtt_link_stop(struct mqtt_link *l, int timeout_ms)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	MQTTAsync_message m = MQTTAsync_message_initializer;
	MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
	MQTTAsync_disconnectOptions d5 = MQTTAsync_disconnectOptions_initializer5;
	MQTTAsync_disconnectOptions *o = l->v5 ? &d5 : &d;
	uint64_t deadline = clock_ms() + (uint64_t)timeout_ms;

	wait_out_empty(l, deadline - (uint64_t)timeout_ms / 2);
	switch (atomic_exchange(&l->state, ST_STOPPED)) {
	case ST_CONNECTED:
		break;
	case ST_CONNECTING:
		return -EINPROGRESS;   /* Paho is busy with an attempt */
	default:
		return -ENOTCONN;      /* between attempts: Paho is idle */
	}
	/* The will covers crashes; a clean stop says it itself. */
	m.payload = l->will_payload;
	m.payloadlen = (int)strlen(l->will_payload);
	m.qos = 1;
	m.retained = 1;
	if (l->v5)
		m.properties = l->user_props;   /* borrowed: sendMessage copies */
	ro.context = l;
	if (l->v5)
		ro.onSuccess5 = on_stop5, ro.onFailure5 = on_stop_fail5;
	else
		ro.onSuccess = on_stop, ro.onFailure = on_stop_fail;
	if (MQTTAsync_sendMessage(l->client, l->will_topic, &m, &ro) == MQTTASYNC_SUCCESS)
		wait_stop(l, 1, deadline);
	else
		stop_answered(l);
	o->timeout = timeout_ms;
	o->context = l;
	if (l->v5)
		o->onSuccess5 = on_stop5, o->onFailure5 = on_stop_fail5;
	else
		o->onSuccess = on_stop, o->onFailure = on_stop_fail;
	if (MQTTAsync_disconnect(l->client, o) != MQTTASYNC_SUCCESS)
		return -EIO;
	return wait_stop(l, 2, deadline) ? 0 : -ETIMEDOUT;
}

/* ---- life cycle ---------------------------------------------------------- */

static void copy_config(struct mqtt_link *l, const struct mqtt_link_config *c)
{
	l->uri = paho_uri(c->uri);
	l->tls = uses_tls(c->uri);
	l->v5 = c->mqtt_version == 5;
	l->client_id = xstrdup(c->client_id);
	l->username = xstrdup(c->username);
	l->password = c->password && *c->password ? xstrdup(c->password) : NULL;
	l->cafile = xstrdup(c->cafile), l->capath = xstrdup(c->capath);
	l->certfile = xstrdup(c->certfile), l->keyfile = xstrdup(c->keyfile);
	l->will_topic = xstrdup(c->will_topic), l->will_payload = xstrdup(c->will_payload);
	for (size_t i = 0; i < c->n_user_properties; i++) {
		MQTTProperty p = { .identifier = MQTTPROPERTY_CODE_USER_PROPERTY };
		p.value.data.data = (char *)c->user_properties[2 * i];
		p.value.data.len = (int)strlen(c->user_properties[2 * i]);
		p.value.value.data = (char *)c->user_properties[2 * i + 1];
		p.value.value.len = (int)strlen(c->user_properties[2 * i + 1]);
		MQTTProperties_add(&l->user_props, &p);   /* copies */
	}
	l->n_subs = c->n_subscriptions;
	l->subs = xcalloc(l->n_subs, sizeof *l->subs);
	for (size_t i = 0; i < l->n_subs; i++)
		l->subs[i] = xstrdup(c->subscriptions[i]);
	l->keepalive_s = c->keepalive_s;
	l->reconnect_max_s = c->reconnect_max_s;
	l->on_message = c->on_message, l->on_state = c->on_state, l->ctx = c->ctx;
}

int mqtt_link_create(struct mqtt_link **out, const struct mqtt_link_config *cfg)
{
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	struct mqtt_link *l = xcalloc(1, sizeof *l);
	pthread_condattr_t ca;

	pthread_mutex_init(&l->out_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->changed, &ca);
	pthread_condattr_destroy(&ca);
	copy_config(l, cfg);
	co.MQTTVersion = l->v5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
	/* Results of commands that end while the broker is away go out later. */
	co.sendWhileDisconnected = 1;
	co.maxBufferedMessages = 256;
	co.deleteOldestMessages = 1;
	int rc = MQTTAsync_createWithOptions(&l->client, l->uri, l->client_id,
					     MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc == MQTTASYNC_SUCCESS)
		rc = MQTTAsync_setCallbacks(l->client, l, on_lost, on_message, NULL);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("broker %s: %s", cfg->uri, MQTTAsync_strerror(rc));
		mqtt_link_destroy(l);
		return -EINVAL;
	}
	atomic_store(&l->state, ST_IDLE);
	*out = l;
	return 0;
}

void mqtt_link_destroy(struct mqtt_link *l)
{
	if (!l)
		return;
	if (l->client)
		MQTTAsync_destroy(&l->client);
	while (l->out_head) {
		struct out_msg *m = l->out_head;
		l->out_head = m->next;
		out_free(m);
	}
	pthread_mutex_destroy(&l->out_lock);
	pthread_cond_destroy(&l->changed);
	MQTTProperties_free(&l->user_props);
	for (size_t i = 0; i < l->n_subs; i++)
		free(l->subs[i]);
	free(l->subs);
	free(l->cafile), free(l->capath), free(l->certfile), free(l->keyfile);
	free(l->will_topic), free(l->will_payload);
	if (l->password) {
		/* Do not leave the secret in freed memory. */
		explicit_bzero(l->password, strlen(l->password));
		free(l->password);
	}
	free(l->uri);
	free(l->client_id);
	free(l->username);
	free(l);
}
