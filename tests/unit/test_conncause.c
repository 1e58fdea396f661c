/* SPDX-License-Identifier: MIT */
/* test_conncause: every failure Paho reports is named by its likely cause, in
 * plain words that say what to check. The Paho messages and codes here are
 * the ones seen from real brokers (tests/cluster/test_versions.py). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "conncause.h"

struct row {
	struct conn_failure f;
	enum conn_cause cause;
	bool no_v5;
	const char *words;      /* must appear in the explanation */
};

#define TCP "tcp://broker.lan:1883"
#define SSL "ssl://broker.lan:8883"

static const struct row rows[] = {
	{ { TCP, false, true, false, -1, "TCP/TLS connect failure", NULL }, CAUSE_REFUSED, false,
	  "nothing accepted the connection at broker.lan:1883: the broker is not running there, "
	  "or the port is wrong (Paho: TCP/TLS connect failure, code -1)" },
	{ { SSL, true, true, false, -1, "TCP/TLS connect failure", "" }, CAUSE_REFUSED, false,
	  "no TLS connection to broker.lan:8883: nothing accepted it (the broker is not running "
	  "there, or the port is wrong), or the TLS handshake failed (check cafile/capath, the "
	  "broker's certificate, and that the host name in broker is a name in it)" },
	{ { SSL, true, true, false, -1, "TCP/TLS connect failure",
	    "error:0A000086:SSL routines::certificate verify failed" }, CAUSE_TLS, false,
	  "the TLS handshake with broker.lan:8883 failed (error:0A000086:SSL routines::certificate "
	  "verify failed): check cafile/capath" },
	{ { TCP, false, true, false, 0x87, "Not authorized", NULL }, CAUSE_AUTH, false,
	  "the broker refused the login: check username and password_file" },
	{ { TCP, false, true, false, 0x86, NULL, NULL }, CAUSE_AUTH, false, "refused the login" },
	{ { TCP, false, false, false, 5, "CONNACK return code", NULL }, CAUSE_AUTH, false,
	  "refused the login" },
	{ { TCP, false, false, false, 4, "CONNACK return code", NULL }, CAUSE_AUTH, false,
	  "refused the login" },
	{ { TCP, false, true, false, 0x8A, NULL, NULL }, CAUSE_AUTH, false, "banned" },
	/* Aedes answers an MQTT 5 CONNECT with a 3.1.1 CONNACK, code 1. */
	{ { TCP, false, true, false, 1, "CONNACK return code", NULL }, CAUSE_VERSION, true,
	  "the broker does not speak MQTT 5: set mqtt_version = auto (or 4)" },
	{ { TCP, false, true, false, 0x84, NULL, NULL }, CAUSE_VERSION, true, "not speak MQTT 5" },
	{ { TCP, false, false, false, 1, "CONNACK return code", NULL }, CAUSE_VERSION, false,
	  "the broker does not speak MQTT 3.1.1: set mqtt_version = auto (or 5)" },
	/* RabbitMQ 3.10 closes the connection after an MQTT 5 CONNECT. */
	{ { TCP, false, true, false, -1, "TCP connect completion failure", NULL }, CAUSE_CLOSED, true,
	  "closed the connection right after the MQTT 5 CONNECT: it may not speak MQTT 5" },
	{ { TCP, false, false, true, -1, "TCP connect completion failure", NULL }, CAUSE_CLOSED, false,
	  "to MQTT 5 and to 3.1.1: is it a TLS port reached with tcp://" },
	{ { TCP, false, false, false, -1, "TCP connect completion failure", NULL }, CAUSE_CLOSED, false,
	  "closed the connection without an answer" },
	{ { TCP, false, false, true, -1, "socket error", NULL }, CAUSE_CLOSED, false,
	  "to MQTT 5 and to 3.1.1" },
	{ { TCP, false, true, false, -1, "TCP connect timeout", NULL }, CAUSE_TIMEOUT, false,
	  "no answer from broker.lan:1883 in time: a firewall drops the connection, the host is down" },
	{ { "tcp://nowhere.invalid:1883", false, true, false, -1, NULL, NULL }, CAUSE_RESOLVE, false,
	  "cannot reach nowhere.invalid:1883: is the host name right (DNS)" },
	{ { "ws://h:9001/mqtt", false, true, false, -1, NULL, NULL }, CAUSE_RESOLVE, false,
	  "cannot reach h:9001:" },
	{ { TCP, false, true, false, 0x85, NULL, NULL }, CAUSE_CLIENT_ID, false, "client id" },
	{ { TCP, false, false, false, 2, NULL, NULL }, CAUSE_CLIENT_ID, false, "set client_id" },
	{ { TCP, false, true, false, 0x89, NULL, NULL }, CAUSE_BUSY, false, "not taking connections" },
	{ { TCP, false, false, false, 3, NULL, NULL }, CAUSE_BUSY, false, "tried again" },
	{ { TCP, false, true, false, -3, "something new", NULL }, CAUSE_OTHER, false,
	  "the connection to broker.lan:1883 failed (Paho: something new, code -3)" },
};

Test(conncause, every_row)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		char *w = conncause_explain(&r->f);

		cr_expect_eq(conncause_of(&r->f), r->cause, "row %zu: cause %d", i, conncause_of(&r->f));
		cr_expect_eq(conncause_no_v5(&r->f), r->no_v5, "row %zu: no_v5", i);
		cr_expect_not_null(strstr(w, r->words), "row %zu: '%s' lacks '%s'", i, w, r->words);
		free(w);
	}
}

/* Paho's own words and code are always kept at the end, for a search. */
Test(conncause, keeps_pahos_words)
{
	struct conn_failure f = { TCP, false, true, false, 0x87, "Not authorized", NULL };
	char *w = conncause_explain(&f);
	const char *tail = " (Paho: Not authorized, code 135)";

	cr_expect_str_eq(w + strlen(w) - strlen(tail), tail, "%s", w);
	free(w);
	f.message = NULL;
	w = conncause_explain(&f);
	cr_expect_not_null(strstr(w, "(Paho: no message, code 135)"), "%s", w);
	free(w);
}
