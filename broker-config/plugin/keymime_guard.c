/* SPDX-License-Identifier: MIT */
/* keymime_guard: the mosquitto 2.0 plugin (interface v5) around guard.c. It
 * loads DIR/guard at start (plugin_opt_rules) and on every reload, refuses
 * the publishes and logins the rules refuse (before the ACL file is asked),
 * and on reload ends the live sessions of accounts the rules newly kick. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "guard.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_RULES_BYTES (1 << 20)

struct plugin {
	mosquitto_plugin_id_t *id;
	char *path;                  /* DIR/guard */
	struct guard rules;
};

/* Read and parse the rules file into *out. 0, or an error already logged. */
static int load(const char *path, struct guard *out)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(MAX_RULES_BYTES + 1), why[128] = "";
	size_t n = 0;
	int rc = -1;

	if (f && buf) {
		n = fread(buf, 1, MAX_RULES_BYTES + 1, f);
		if (!ferror(f) && n <= MAX_RULES_BYTES) {
			buf[n] = '\0';
			rc = guard_parse(out, buf, why, sizeof why);
		}
	}
	if (rc)
		mosquitto_log_printf(MOSQ_LOG_ERR, "keymime_guard: cannot load %s: %s", path,
				     !f ? "cannot open it" : *why ? why : "unreadable or too large");
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_acl_check *ed = event_data;
	struct plugin *p = userdata;
	const char *user, *why;

	if (ed->access != MOSQ_ACL_WRITE)
		return MOSQ_ERR_PLUGIN_DEFER;
	user = mosquitto_client_username(ed->client);
	why = guard_publish(&p->rules, user, ed->topic, ed->payload, ed->payloadlen, ed->retain);
	if (!why)
		return MOSQ_ERR_PLUGIN_DEFER;
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "keymime_guard: refused %s'%s' from %s (%u bytes): %s",
			     ed->retain ? "retained " : "", ed->topic, user ? user : "?",
			     (unsigned)ed->payloadlen, why);
	return MOSQ_ERR_ACL_DENIED;
}

/* The common name of the client's verified certificate into cn, or false.
 * mosquitto hands it out only where require_certificate is true. */
static bool client_cn(struct mosquitto *client, char *cn, int size)
{
	X509 *cert = mosquitto_client_certificate(client);
	int n = -1;

	if (!cert)
		return false;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, size);
	X509_free(cert);
	if (n < 0)
		cn[0] = '\0';
	return true;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *ed = event_data;
	struct plugin *p = userdata;
	char cn[256];
	bool has_cert = client_cn(ed->client, cn, sizeof cn);
	const char *why = guard_login(&p->rules, ed->username, has_cert, has_cert ? cn : NULL);

	if (!why)
		return MOSQ_ERR_PLUGIN_DEFER;   /* the password file decides */
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "keymime_guard: refused login of %s%s%s: %s",
			     ed->username ? ed->username : "(no user name)",
			     has_cert ? " with the certificate of " : "", has_cert ? cn : "", why);
	return MOSQ_ERR_AUTH;
}

/* On SIGHUP: new rules, and the sessions of newly kicked accounts end now
 * (their will is published, if their ACL still allows it). Bad rules keep
 * the old ones: a reload never leaves the broker without a guard. */
static int on_reload(int event, void *event_data, void *userdata)
{
	struct plugin *p = userdata;
	struct guard fresh = {0};

	if (load(p->path, &fresh))
		return MOSQ_ERR_SUCCESS;
	for (size_t i = 0; i < fresh.n_kick; i++) {
		if (guard_kick_known(&p->rules, &fresh.kick[i]))
			continue;
		mosquitto_log_printf(MOSQ_LOG_NOTICE, "keymime_guard: ending the sessions of %s",
				     fresh.kick[i].name);
		mosquitto_kick_client_by_username(fresh.kick[i].name, true);
	}
	guard_free(&p->rules);
	p->rules = fresh;
	return MOSQ_ERR_SUCCESS;
}

EXPORT int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	return 5;
}

static const char *option(struct mosquitto_opt *opts, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(opts[i].key, key))
			return opts[i].value;
	return NULL;
}

EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
				 struct mosquitto_opt *opts, int opt_count)
{
	const char *path = option(opts, opt_count, "rules");
	struct plugin *p = calloc(1, sizeof *p);

	if (!p || !path || !(p->path = strdup(path)) || load(p->path, &p->rules)) {
		if (!path)
			mosquitto_log_printf(MOSQ_LOG_ERR, "keymime_guard: plugin_opt_rules is missing");
		if (p)
			free(p->path);
		free(p);
		return MOSQ_ERR_INVAL;
	}
	p->id = identifier;
	*userdata = p;
	mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, p);
	mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, p);
	mosquitto_callback_register(identifier, MOSQ_EVT_RELOAD, on_reload, NULL, p);
	mosquitto_log_printf(MOSQ_LOG_INFO, "keymime_guard: %zu accounts from %s; certificates %s",
			     p->rules.n_acc, p->path,
			     p->rules.certs_bound ? "bound to devices" : "optional");
	return MOSQ_ERR_SUCCESS;
}

EXPORT int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *opts, int opt_count)
{
	struct plugin *p = userdata;

	mosquitto_callback_unregister(p->id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
	mosquitto_callback_unregister(p->id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
	mosquitto_callback_unregister(p->id, MOSQ_EVT_RELOAD, on_reload, NULL);
	guard_free(&p->rules);
	free(p->path);
	free(p);
	return MOSQ_ERR_SUCCESS;
}
