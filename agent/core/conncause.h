/* SPDX-License-Identifier: MIT */
/* conncause: why a connection to the broker failed, in plain words — what
 * Paho said (its code and message, the CONNACK's return or reason code,
 * OpenSSL's last error) turned into the likely cause and what to check.
 * Pure: no Paho header, strings and numbers only. */
#ifndef KEYMIME_CONNCAUSE_H
#define KEYMIME_CONNCAUSE_H

#include <stdbool.h>

enum conn_cause {
	CAUSE_REFUSED,     /* nothing listening: wrong host/port, broker down */
	CAUSE_TLS,         /* the TLS handshake failed: CA, certificate, host name */
	CAUSE_AUTH,        /* user name, password or ACL */
	CAUSE_VERSION,     /* the broker does not speak this MQTT version */
	CAUSE_CLOSED,      /* connection closed before any answer */
	CAUSE_TIMEOUT,     /* no answer in time: firewall, host down */
	CAUSE_RESOLVE,     /* the host name could not be resolved or reached */
	CAUSE_CLIENT_ID,   /* the broker refused the client id */
	CAUSE_BUSY,        /* the broker is up but not taking connections now */
	CAUSE_OTHER,
};

/* One failed connection attempt, as the transport saw it. Strings borrowed. */
struct conn_failure {
	const char *uri;        /* as configured: tcp://host:port, ssl://… */
	bool tls;               /* a TLS URI */
	bool v5;                /* the attempt was MQTT 5 (else 3.1.1) */
	bool fell_back;         /* a 3.1.1 attempt after MQTT 5 failed the same way */
	int code;               /* the CONNACK return code (3.1.1) or reason code (5)
	                         * when the broker answered; else Paho's code (< 0) */
	const char *message;    /* Paho's words, or NULL */
	const char *tls_error;  /* OpenSSL's error during the attempt, or NULL / "" */
};

enum conn_cause conncause_of(const struct conn_failure *f);

/* The MQTT 5 attempt failed as a broker without MQTT 5 fails it: CONNACK
 * "unacceptable protocol version" (3.1.1 code 1, Aedes), reason 0x84, or the
 * connection closed right after the CONNECT (RabbitMQ 3.10). */
bool conncause_no_v5(const struct conn_failure *f);

/* "<the cause in plain words>: <what to check> (Paho: <message>, code N)".
 * The caller frees it. */
char *conncause_explain(const struct conn_failure *f);

#endif
