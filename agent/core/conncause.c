/* SPDX-License-Identifier: MIT */
/* conncause: a failed connection's likely cause, in plain words. */
#include "conncause.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Paho 1.3's messages for failures below MQTT (MQTTAsync.c). */
#define PAHO_REFUSED "TCP/TLS connect failure"      /* connect(2) or TLS handshake */
#define PAHO_CLOSED "TCP connect completion failure"  /* closed before the CONNACK */
#define PAHO_SOCKET "socket error"                  /* closed while waiting for it */
#define PAHO_TIMEOUT "connect timeout"              /* "TCP connect timeout" too */

static bool says(const char *msg, const char *what)
{
	return msg && strstr(msg, what);
}

/* Did the broker answer with a CONNACK (code is its return/reason code)? */
static bool answered(const struct conn_failure *f)
{
	return f->code > 0;
}

static enum conn_cause connack_cause(int code)
{
	switch (code) {
	case 1: case 0x84:                        /* unacceptable / unsupported version */
		return CAUSE_VERSION;
	case 2: case 0x85:                        /* identifier rejected / not valid */
		return CAUSE_CLIENT_ID;
	case 3: case 0x88: case 0x89: case 0x97: case 0x9F:   /* unavailable, busy, quota, rate */
		return CAUSE_BUSY;
	case 4: case 5: case 0x86: case 0x87: case 0x8A: case 0x8C:
		return CAUSE_AUTH;                /* bad name/password, not authorized, banned, method */
	default:
		return CAUSE_OTHER;
	}
}

enum conn_cause conncause_of(const struct conn_failure *f)
{
	if (answered(f))
		return connack_cause(f->code);
	if (f->tls_error && *f->tls_error)
		return CAUSE_TLS;
	if (says(f->message, PAHO_REFUSED))
		return CAUSE_REFUSED;
	if (says(f->message, PAHO_CLOSED) || says(f->message, PAHO_SOCKET))
		return CAUSE_CLOSED;
	if (says(f->message, PAHO_TIMEOUT))
		return CAUSE_TIMEOUT;
	if (!f->message)
		return CAUSE_RESOLVE;   /* Paho says nothing when getaddrinfo fails */
	return CAUSE_OTHER;
}

bool conncause_no_v5(const struct conn_failure *f)
{
	enum conn_cause c = conncause_of(f);

	return f->v5 && (c == CAUSE_VERSION || c == CAUSE_CLOSED);
}

/* The host:port part of a URI (borrowed into buf). */
static const char *host_of(const char *uri, char *buf, size_t size)
{
	const char *p = strstr(uri, "://");
	size_t n;

	p = p ? p + 3 : uri;
	n = strcspn(p, "/");
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static const char *closed_words(const struct conn_failure *f)
{
	if (f->fell_back)
		return "the broker closed the connection without an answer, to MQTT 5 and to 3.1.1: "
		       "is it a TLS port reached with tcp:// (use ssl://), a port that is not MQTT, or "
		       "a broker that turned this client away (its log says why)?";
	if (f->v5)
		return "the broker closed the connection right after the MQTT 5 CONNECT: it may not "
		       "speak MQTT 5 (RabbitMQ 3.10 does this; set mqtt_version = auto or 4), or it "
		       "is a TLS port reached with tcp:// (use ssl://)";
	return "the broker closed the connection without an answer: is it a TLS port reached "
	       "with tcp:// (use ssl://), a port that is not MQTT, or a broker that turned this "
	       "client away (its log says why)?";
}

static char *words(const struct conn_failure *f, const char *hp)
{
	switch (conncause_of(f)) {
	case CAUSE_REFUSED:
		return f->tls ? str_printf("no TLS connection to %s: nothing accepted it (the broker "
					   "is not running there, or the port is wrong), or the TLS "
					   "handshake failed (check cafile/capath, the broker's "
					   "certificate, and that the host name in broker is a name "
					   "in it)", hp) :
				str_printf("nothing accepted the connection at %s: the broker is not "
					   "running there, or the port is wrong", hp);
	case CAUSE_TLS:
		return str_printf("the TLS handshake with %s failed (%s): check cafile/capath, "
				  "the broker's certificate, and that the host name in broker is a "
				  "name in that certificate", hp, f->tls_error);
	case CAUSE_AUTH:
		return str_printf("the broker refused the login: check username and password_file "
				  "(and the broker's password file and ACL)%s",
				  f->code == 0x8A ? "; the broker has banned this client" : "");
	case CAUSE_VERSION:
		return str_printf("the broker does not speak MQTT %s: set mqtt_version = %s",
				  f->v5 ? "5" : "3.1.1", f->v5 ? "auto (or 4)" : "auto (or 5)");
	case CAUSE_CLOSED:
		return str_printf("%s", closed_words(f));
	case CAUSE_TIMEOUT:
		return str_printf("no answer from %s in time: a firewall drops the connection, the "
				  "host is down, or the port is not an MQTT port", hp);
	case CAUSE_RESOLVE:
		return str_printf("cannot reach %s: is the host name right (DNS), and the network "
				  "up?", hp);
	case CAUSE_CLIENT_ID:
		return str_printf("the broker refused the client id: set client_id to one it takes");
	case CAUSE_BUSY:
		return str_printf("the broker is not taking connections now (busy, unavailable or "
				  "over a limit): it is tried again");
	default:
		return str_printf("the connection to %s failed", hp);
	}
}

char *conncause_explain(const struct conn_failure *f)
{
	char buf[256];
	char *w = words(f, host_of(f->uri, buf, sizeof buf));
	char *out = str_printf("%s (Paho: %s, code %d)", w, f->message ? f->message : "no message",
			       f->code);

	free(w);
	return out;
}
