/* SPDX-License-Identifier: MIT */
/* mqtt_link: Paho MQTT C async client wiring (a transport: no agent here). */
#include "mqtt_link.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <MQTTAsync.h>

#include "clock.h"
#include "conncause.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

enum link_state { ST_IDLE, ST_CONNECTING, ST_CONNECTED, ST_STOPPED };

/* What the main thread does next (set on Paho's thread). */
enum link_event { EV_NONE, EV_FAILED, EV_LOST, EV_NO_V5 };

/* Outbound flow control. Paho 1.3 sends at most the broker's Receive Maximum
 * of QoS 1 messages at a time (mosquitto: 20) and, with that window full, its
 * send thread sleeps a whole second instead of waking on the PUBACK: results
 * trickled out at 20 a second. Past maxBufferedMessages queued publishes it
 * also deletes the oldest, connected or not, without a word. So at most
 * OUT_WINDOW publishes are in Paho's hands; the rest wait here, in order,
 * and each PUBACK sends the next (a new request wakes Paho's send thread). */
#define OUT_WINDOW 10
#define OUT_MAX 4096          /* waiting publishes; then the oldest result is dropped */
#define CONNECT_TIMEOUT_S 10

/* A publish: waiting (out_head…), or in Paho's hands (fly_head…, and the
 * context of its callbacks) until it is acknowledged or its client is
 * destroyed, when it waits again at the head (at least once, in order). */
struct out_msg {
	struct out_msg *next, *prev;   /* prev: the fly list only */
	struct mqtt_link *l;
	char *topic;
	char *payload;
	size_t len;
	int qos;
	bool retained;
	void *corr;            /* MQTT v5 correlation data of a reply (or NULL) */
	size_t corr_len;
};

/* One broker of the list. */
struct server {
	char *uri;             /* as Paho takes it: tcp://, ssl://, ws://, wss:// */
	char *name;            /* as configured, for the log */
	bool tls;
	int version;           /* 5 or 4 once it answered (auto), or forced; 0: not yet */
};

struct mqtt_link {
	/* Immutable after create. */
	struct server *servers;
	size_t n_servers;
	char *client_id, *username, *password;
	char *cafile, *capath, *certfile, *keyfile;
	char *will_topic, *will_payload;
	char **props;                      /* v5 user properties: name, value, …; on every */
	size_t n_props;                    /* publish and the will (pairs) */
	char **subs;
	size_t n_subs;
	int want_version;                  /* 0 (auto), 4, 5 */
	int keepalive_s, reconnect_max_s;
	void (*on_message)(void *ctx, const struct mqtt_inbound *m);
	void (*on_state)(void *ctx, bool connected, const char *why);
	void *ctx;
	/* The main thread's (mqtt_link_tick); Paho's callbacks read cur and
	 * try_v4 only while the attempt they belong to is under way. */
	size_t cur;                        /* the server tried or used */
	bool try_v4;                       /* the next attempt is the 3.1.1 fallback */
	size_t client_server;              /* the server client was made for */
	bool client_used_v4;
	unsigned backoff_s;
	/* Shared. */
	pthread_rwlock_t client_lock;      /* write: swapping client; read: using it */
	MQTTAsync client;                  /* the current Paho client, or NULL */
	atomic_bool v5;                    /* the attempt or connection is MQTT 5 */
	atomic_int state;
	atomic_int event;                  /* enum link_event */
	atomic_uint_fast64_t retry_at_ms;  /* when to try connecting again */
	const char *no_v5_why;             /* why 3.1.1 is tried (static), for the log */
	pthread_mutex_t tls_lock;
	char tls_error[256];               /* OpenSSL's last words in this attempt */
	int stop_done;                     /* stop requests answered (offline, disconnect) */
	pthread_mutex_t out_lock;          /* guards the out_* and fly_* fields and stop_done */
	pthread_cond_t changed;            /* out_inflight fell, or a stop request was answered */
	struct out_msg *out_head, *out_tail;
	size_t out_len;                    /* waiting in out_head… */
	struct out_msg *fly_head, *fly_tail;
	int out_inflight;                  /* in the fly list */
	unsigned long out_dropped;         /* results dropped because OUT_MAX were waiting */
};

static struct server *server_now(struct mqtt_link *l)
{
	return &l->servers[l->cur];
}

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

/* Add the user properties to props (Paho copies them; free props after use). */
static void add_user_props(const struct mqtt_link *l, MQTTProperties *props)
{
	for (size_t i = 0; i < l->n_props; i++) {
		MQTTProperty p = { .identifier = MQTTPROPERTY_CODE_USER_PROPERTY };
		p.value.data.data = l->props[2 * i];
		p.value.data.len = (int)strlen(l->props[2 * i]);
		p.value.value.data = l->props[2 * i + 1];
		p.value.value.len = (int)strlen(l->props[2 * i + 1]);
		MQTTProperties_add(props, &p);
	}
}

/* ---- incoming ------------------------------------------------------------ */

static void on_lost(void *ctx, char *cause)
{
	struct mqtt_link *l = ctx;

	if (atomic_load(&l->state) == ST_STOPPED)
		return;
	log_warning("connection to %s lost%s%s", server_now(l)->name, cause ? ": " : "",
		    cause ? cause : " (the broker closed it, or stopped answering)");
	atomic_store(&l->retry_at_ms, clock_ms() + 1000);
	atomic_store(&l->event, EV_LOST);
	atomic_store(&l->state, ST_IDLE);
	l->on_state(l->ctx, false, cause ? cause : "connection lost");
}

/* An MQTT 5 DISCONNECT from the broker (an administrator's kick, a session
 * taken over, the broker shutting down): Paho reports it here and not as a
 * lost connection, so without this the link would think itself connected
 * and never reconnect. */
static void on_disconnected(void *ctx, MQTTProperties *props, enum MQTTReasonCodes rc)
{
	char why[128];

	(void)props;
	snprintf(why, sizeof why, "the broker disconnected us (reason 0x%02x: %s)", (unsigned)rc,
		 MQTTReasonCode_toString(rc));
	on_lost(ctx, why);
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
	if (atomic_load(&l->v5)) {
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
	struct server *sv = server_now(l);
	bool v5 = atomic_load(&l->v5);
	char *what = str_printf("%s, MQTT %s", sv->name, v5 ? "5" : "3.1.1");

	if (!sv->version && l->want_version == 0)
		log_info("%s speaks MQTT %s%s%s", sv->name, v5 ? "5" : "3.1.1",
			 v5 ? "" : ": ", v5 ? "" : l->no_v5_why);
	sv->version = v5 ? 5 : 4;
	atomic_store(&l->state, ST_CONNECTED);
	l->backoff_s = 0;
	log_info("connected to %s; subscribed", what);
	l->on_state(l->ctx, true, what);
	free(what);
	out_pump(l);
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
	if (atomic_load(&l->v5)) {
		ro.onSuccess5 = on_sub5, ro.onFailure5 = on_sub_fail5;
		ro.subscribeOptionsCount = n;
		ro.subscribeOptionsList = opts;
	} else {
		ro.onSuccess = on_sub, ro.onFailure = on_sub_fail;
	}
	/* On Paho's thread, in its callback: the client cannot be swapped now
	 * (only the main thread swaps it, and only while idle). */
	int rc = MQTTAsync_subscribeMany(l->client, n, l->subs, qos, &ro);
	if (rc != MQTTASYNC_SUCCESS)
		log_warning("subscribe: %s", MQTTAsync_strerror(rc));
}

/* ---- connect: the outcome ------------------------------------------------ */

static void on_conn5(void *ctx, MQTTAsync_successData5 *r) { (void)r; subscribe_all(ctx); }
static void on_conn(void *ctx, MQTTAsync_successData *r) { (void)r; subscribe_all(ctx); }

/* Paho's TLS layer reports OpenSSL's errors here, line by line. */
static int on_tls_error(const char *str, size_t len, void *u)
{
	struct mqtt_link *l = u;

	size_t n = strcspn(str, "\n");

	if (n > len)
		n = len;
	pthread_mutex_lock(&l->tls_lock);
	/* Each line replaces the one before: the last is the most specific. */
	snprintf(l->tls_error, sizeof l->tls_error, "%.*s", (int)n, str);
	pthread_mutex_unlock(&l->tls_lock);
	return 0;
}

static void connect_failed(struct mqtt_link *l, int code, const char *msg)
{
	struct server *sv = server_now(l);
	char tls_error[sizeof l->tls_error];
	struct conn_failure f = {
		.uri = sv->name, .tls = sv->tls, .v5 = atomic_load(&l->v5), .fell_back = l->try_v4,
		.code = code, .message = msg, .tls_error = tls_error,
	};

	pthread_mutex_lock(&l->tls_lock);
	memcpy(tls_error, l->tls_error, sizeof tls_error);
	pthread_mutex_unlock(&l->tls_lock);
	if (l->want_version == 0 && !sv->version && conncause_no_v5(&f)) {
		/* Not a failure yet: the main thread tries 3.1.1 at once. */
		l->no_v5_why = conncause_of(&f) == CAUSE_CLOSED ?
			       "it closed the connection after an MQTT 5 CONNECT" :
			       "it answered an MQTT 5 CONNECT with 'unsupported protocol version'";
		log_info("%s: no MQTT 5 (%s); trying MQTT 3.1.1", sv->name, l->no_v5_why);
		atomic_store(&l->event, EV_NO_V5);
		atomic_store(&l->state, ST_IDLE);
		return;
	}
	char *why = conncause_explain(&f);
	log_warning("cannot connect to %s: %s", sv->name, why);
	atomic_store(&l->event, EV_FAILED);
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

/* ---- connect: the client and the attempt --------------------------------- */

static void out_requeue_flying(struct mqtt_link *l);

/* A Paho client for the current server, able to speak MQTT 5 (a client
 * that once connected with 3.1.1 cannot: Paho refuses v5 on it after). A
 * new client replaces the old one when the server changes, when MQTT 5 is
 * wanted after 3.1.1, and after a connection that carried publishes: what
 * was in flight there is sent again through the new one. Main thread. */
static int fresh_client(struct mqtt_link *l, bool v5)
{
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	MQTTAsync c = NULL, old = l->client;

	pthread_mutex_lock(&l->out_lock);
	bool flying = l->fly_head != NULL;
	pthread_mutex_unlock(&l->out_lock);
	if (old && l->client_server == l->cur && !(v5 && l->client_used_v4) && !flying)
		return 0;
	co.MQTTVersion = MQTTVERSION_5;
	/* Results of commands that end while the broker is away go out later. */
	co.sendWhileDisconnected = 1;
	co.maxBufferedMessages = 256;
	co.deleteOldestMessages = 1;
	int rc = MQTTAsync_createWithOptions(&c, server_now(l)->uri, l->client_id,
					     MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc == MQTTASYNC_SUCCESS)
		rc = MQTTAsync_setCallbacks(c, l, on_lost, on_message, NULL);
	if (rc == MQTTASYNC_SUCCESS)
		rc = MQTTAsync_setDisconnected(c, l, on_disconnected);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("broker %s: %s", server_now(l)->name, MQTTAsync_strerror(rc));
		if (c)
			MQTTAsync_destroy(&c);
		return -EINVAL;
	}
	/* The new one first: with no client left Paho stops its threads. */
	pthread_rwlock_wrlock(&l->client_lock);
	l->client = c;
	pthread_rwlock_unlock(&l->client_lock);
	l->client_server = l->cur;
	l->client_used_v4 = false;
	if (old) {
		MQTTAsync_destroy(&old);   /* no callback of it comes after this */
		out_requeue_flying(l);
	}
	return 0;
}

static void fill_tls(struct mqtt_link *l, MQTTAsync_SSLOptions *ssl)
{
	ssl->enableServerCertAuth = 1;
	ssl->verify = 1;   /* check the host name against the certificate */
	ssl->trustStore = *l->cafile ? l->cafile : NULL;
	ssl->CApath = *l->capath ? l->capath : NULL;
	ssl->keyStore = *l->certfile ? l->certfile : NULL;
	ssl->privateKey = *l->keyfile ? l->keyfile : NULL;
	ssl->ssl_error_cb = on_tls_error;
	ssl->ssl_error_context = l;
}

/* The version of the next attempt: forced, known, or the auto probe. */
static bool next_is_v5(struct mqtt_link *l)
{
	const struct server *sv = server_now(l);

	if (l->want_version)
		return l->want_version == 5;
	if (sv->version)
		return sv->version == 5;
	return !l->try_v4;
}

static void connect_options(struct mqtt_link *l, MQTTAsync_connectOptions *o, bool v5,
			    MQTTAsync_willOptions *will, MQTTProperties *will_props)
{
	will->topicName = l->will_topic;
	will->message = l->will_payload;
	will->retained = 1;
	will->qos = 1;
	o->will = will;
	o->keepAliveInterval = l->keepalive_s;
	o->connectTimeout = CONNECT_TIMEOUT_S;
	o->context = l;
	o->username = *l->username ? l->username : NULL;
	o->password = l->password;
	o->automaticReconnect = 0;   /* our own backoff, which also covers the first connect */
	if (v5) {
		o->willProperties = will_props;
		o->cleanstart = 1;   /* no session: nothing queued while away is typed later */
		o->onSuccess5 = on_conn5, o->onFailure5 = on_conn_fail5;
	} else {
		o->cleansession = 1;
		o->onSuccess = on_conn, o->onFailure = on_conn_fail;
	}
}

static int start_connect(struct mqtt_link *l)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_connectOptions co5 = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	bool v5 = next_is_v5(l);
	MQTTAsync_connectOptions *o = v5 ? &co5 : &co;

	if (fresh_client(l, v5)) {
		atomic_store(&l->event, EV_FAILED);
		return -EINVAL;
	}
	MQTTProperties will_props = MQTTProperties_initializer;

	add_user_props(l, &will_props);
	connect_options(l, o, v5, &will, &will_props);
	if (server_now(l)->tls) {
		fill_tls(l, &ssl);
		o->ssl = &ssl;
	}
	pthread_mutex_lock(&l->tls_lock);
	l->tls_error[0] = '\0';
	pthread_mutex_unlock(&l->tls_lock);
	atomic_store(&l->v5, v5);
	l->client_used_v4 |= !v5;
	atomic_store(&l->state, ST_CONNECTING);
	/* The TCP connection is made on Paho's thread by connect(2), which
	 * nodelay.c interposes to set TCP_NODELAY: without it a result waited
	 * ~40 ms behind the broker's delayed ACK (see nodelay.c). */
	int rc = MQTTAsync_connect(l->client, o);
	MQTTProperties_free(&will_props);   /* Paho took a copy */
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

/* After a failure or a loss: the next server of the list (if there are
 * several), starting with MQTT 5 again where its version is not known. */
static void next_server(struct mqtt_link *l)
{
	l->try_v4 = false;
	if (l->n_servers < 2)
		return;
	l->cur = (l->cur + 1) % l->n_servers;
	log_info("trying the next broker: %s", server_now(l)->name);
}

void mqtt_link_tick(struct mqtt_link *l, uint64_t now_ms)
{
	if (atomic_load(&l->state) != ST_IDLE)
		return;
	switch (atomic_exchange(&l->event, EV_NONE)) {
	case EV_NO_V5:
		l->try_v4 = true;   /* the same server, at once */
		atomic_store(&l->retry_at_ms, now_ms);
		break;
	case EV_FAILED:
		next_server(l);
		atomic_store(&l->retry_at_ms, now_ms + next_delay_ms(l));
		return;
	case EV_LOST:
		next_server(l);     /* on_lost set the delay */
		return;
	default:
		break;
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

/* Take m out of the fly list (out_lock held). */
static void fly_remove(struct mqtt_link *l, struct out_msg *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		l->fly_head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		l->fly_tail = m->prev;
	l->out_inflight--;
	pthread_cond_broadcast(&l->changed);
}

/* Paho is done with m (acknowledged, refused or given up): forget it, send
 * the next. */
static void out_settled(struct out_msg *m)
{
	struct mqtt_link *l = m->l;

	pthread_mutex_lock(&l->out_lock);
	fly_remove(l, m);
	pthread_mutex_unlock(&l->out_lock);
	out_free(m);
	out_pump(l);
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
			    ((struct out_msg *)ctx)->topic, (unsigned)r->reasonCode,
			    r->reasonCode == 0x87 ? ": not authorised by its ACL" : "");
	out_settled(ctx);
}

/* Take the next waiting publish into the fly list if the window has room
 * (and we are connected). */
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
		m->next = NULL;
		m->prev = l->fly_tail;
		if (l->fly_tail)
			l->fly_tail->next = m;
		else
			l->fly_head = m;
		l->fly_tail = m;
		l->out_inflight++;
	}
	pthread_mutex_unlock(&l->out_lock);
	return m;
}

/* The client that carried them is gone: what was in flight waits again, at
 * the head and in order (the broker may have had some: at least once). */
static void out_requeue_flying(struct mqtt_link *l)
{
	pthread_mutex_lock(&l->out_lock);
	if (l->fly_head) {
		size_t n = 0;
		for (struct out_msg *m = l->fly_head; m; m = m->next)
			m->prev = NULL, n++;
		l->fly_tail->next = l->out_head;
		if (!l->out_head)
			l->out_tail = l->fly_tail;
		l->out_head = l->fly_head;
		l->out_len += n;
		l->fly_head = l->fly_tail = NULL;
		l->out_inflight = 0;
	}
	pthread_mutex_unlock(&l->out_lock);
}

static void out_send(struct mqtt_link *l, struct out_msg *m)
{
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	MQTTProperty corr = { .identifier = MQTTPROPERTY_CODE_CORRELATION_DATA };
	bool v5 = atomic_load(&l->v5);

	if (v5)
		add_user_props(l, &msg.properties);
	if (m->corr && v5) {
		corr.value.data.data = m->corr;
		corr.value.data.len = (int)m->corr_len;
		MQTTProperties_add(&msg.properties, &corr);   /* copies */
	}
	msg.payload = m->payload;
	msg.payloadlen = (int)m->len;
	msg.qos = m->qos;
	msg.retained = m->retained;
	ro.context = m;
	if (v5)
		ro.onSuccess5 = on_out5, ro.onFailure5 = on_out_fail5;
	else
		ro.onSuccess = on_out, ro.onFailure = on_out_fail;
	/* Read-locked: the main thread does not swap the client under us. */
	pthread_rwlock_rdlock(&l->client_lock);
	int rc = MQTTAsync_sendMessage(l->client, m->topic, &msg, &ro);
	pthread_rwlock_unlock(&l->client_lock);
	MQTTProperties_free(&msg.properties);
	if (rc != MQTTASYNC_SUCCESS) {
		log_warning("publish to %s failed: %s", m->topic, MQTTAsync_strerror(rc));
		pthread_mutex_lock(&l->out_lock);
		fly_remove(l, m);
		pthread_mutex_unlock(&l->out_lock);
		out_free(m);
	}
}

/* Hand waiting publishes to Paho while the window has room. Never called
 * with out_lock held: Paho's callbacks come back here. */
static void out_pump(struct mqtt_link *l)
{
	struct out_msg *m;

	while ((m = out_next(l)))
		out_send(l, m);
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
	m->l = l;
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
	if (!atomic_load(&l->v5))
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
	MQTTAsync_disconnectOptions *o = atomic_load(&l->v5) ? &d5 : &d;
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
	if (atomic_load(&l->v5))
		add_user_props(l, &m.properties);
	ro.context = l;
	if (atomic_load(&l->v5))
		ro.onSuccess5 = on_stop5, ro.onFailure5 = on_stop_fail5;
	else
		ro.onSuccess = on_stop, ro.onFailure = on_stop_fail;
	int rc = MQTTAsync_sendMessage(l->client, l->will_topic, &m, &ro);
	MQTTProperties_free(&m.properties);   /* sendMessage copied them */
	if (rc == MQTTASYNC_SUCCESS)
		wait_stop(l, 1, deadline);
	else
		stop_answered(l);
	o->timeout = timeout_ms;
	o->context = l;
	if (atomic_load(&l->v5))
		o->onSuccess5 = on_stop5, o->onFailure5 = on_stop_fail5;
	else
		o->onSuccess = on_stop, o->onFailure = on_stop_fail;
	if (MQTTAsync_disconnect(l->client, o) != MQTTASYNC_SUCCESS)
		return -EIO;
	return wait_stop(l, 2, deadline) ? 0 : -ETIMEDOUT;
}

/* ---- life cycle ---------------------------------------------------------- */

static void copy_servers(struct mqtt_link *l, const struct mqtt_link_config *c)
{
	l->n_servers = c->n_uris;
	l->servers = xcalloc(l->n_servers, sizeof *l->servers);
	for (size_t i = 0; i < l->n_servers; i++) {
		struct server *sv = &l->servers[i];
		sv->uri = paho_uri(c->uris[i]);
		sv->name = xstrdup(c->uris[i]);
		sv->tls = uses_tls(c->uris[i]);
		sv->version = c->mqtt_version;   /* forced, or 0: found out */
	}
}

/* Kept as our own strings: Paho's property lists are made per message and
 * freed at once (a link left to the exiting process leaks nothing). */
static void user_properties(struct mqtt_link *l, const struct mqtt_link_config *c)
{
	l->n_props = c->n_user_properties;
	l->props = xcalloc(2 * l->n_props + 1, sizeof *l->props);
	for (size_t i = 0; i < 2 * l->n_props; i++)
		l->props[i] = xstrdup(c->user_properties[i]);
}

static void copy_config(struct mqtt_link *l, const struct mqtt_link_config *c)
{
	copy_servers(l, c);
	l->want_version = c->mqtt_version;
	l->client_id = xstrdup(c->client_id);
	l->username = xstrdup(c->username);
	l->password = c->password && *c->password ? xstrdup(c->password) : NULL;
	l->cafile = xstrdup(c->cafile), l->capath = xstrdup(c->capath);
	l->certfile = xstrdup(c->certfile), l->keyfile = xstrdup(c->keyfile);
	l->will_topic = xstrdup(c->will_topic), l->will_payload = xstrdup(c->will_payload);
	user_properties(l, c);
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
	struct mqtt_link *l = xcalloc(1, sizeof *l);
	pthread_condattr_t ca;

	pthread_mutex_init(&l->out_lock, NULL);
	pthread_mutex_init(&l->tls_lock, NULL);
	pthread_rwlock_init(&l->client_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->changed, &ca);
	pthread_condattr_destroy(&ca);
	copy_config(l, cfg);
	atomic_store(&l->state, ST_IDLE);
	/* Paho checks each URI when it makes a client for it: make one for
	 * every server now, so a bad one is said at start; the first stays. */
	for (size_t i = l->n_servers; i-- > 0;) {
		l->cur = i;
		if (fresh_client(l, true)) {
			mqtt_link_destroy(l);
			return -EINVAL;
		}
	}
	*out = l;
	return 0;
}

static void free_list(struct out_msg *m)
{
	while (m) {
		struct out_msg *next = m->next;
		out_free(m);
		m = next;
	}
}

void mqtt_link_destroy(struct mqtt_link *l)
{
	if (!l)
		return;
	if (l->client)
		MQTTAsync_destroy(&l->client);   /* no callback comes after this */
	free_list(l->out_head);
	free_list(l->fly_head);
	pthread_mutex_destroy(&l->out_lock);
	pthread_mutex_destroy(&l->tls_lock);
	pthread_rwlock_destroy(&l->client_lock);
	pthread_cond_destroy(&l->changed);
	for (size_t i = 0; i < 2 * l->n_props; i++)
		free(l->props[i]);
	free(l->props);
	for (size_t i = 0; i < l->n_subs; i++)
		free(l->subs[i]);
	free(l->subs);
	for (size_t i = 0; i < l->n_servers; i++)
		free(l->servers[i].uri), free(l->servers[i].name);
	free(l->servers);
	free(l->cafile), free(l->capath), free(l->certfile), free(l->keyfile);
	free(l->will_topic), free(l->will_payload);
	if (l->password) {
		/* Do not leave the secret in freed memory. */
		explicit_bzero(l->password, strlen(l->password));
		free(l->password);
	}
	free(l->client_id);
	free(l->username);
	free(l);
}
