/* SPDX-License-Identifier: MIT */
/* main: wiring — configuration, secrets, signals, the three threads, status
 * and discovery publication, and a clean stop that leaves no key down. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "ha_discovery.h"
#include "intake.h"
#include "layout_list.h"
#include "log.h"
#include "macros.h"
#include "mqtt_link.h"
#include "notify.h"
#include "strbuf.h"
#include "writer.h"
#include "xalloc.h"

#define TICK_MS 50
#define ROLLCALL_EVERY_MS 2000    /* answer roll calls at most this often */

/* What the link said last, for systemd's STATUS= (written on Paho's thread,
 * read by the main thread). */
struct link_news {
	pthread_mutex_t lock;
	char *why;                    /* why not connected, or NULL */
	bool connected;
	bool changed;                 /* since the main thread last looked */
};

struct daemon {
	struct agent agent;
	struct link_news news;
};

/* ---- start-up ------------------------------------------------------------ */

/* A secret file must be ours alone: refuse group/world access, as ssh does. */
static int check_secret_file(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return log_error("%s %s: %s", what, path, strerror(errno)), -errno;
	if (st.st_mode & 077)
		return log_error("%s %s is readable by others (mode %03o): chmod 600 it",
				 what, path, (unsigned)(st.st_mode & 0777)), -EPERM;
	return 0;
}

/* Reads the password (first line, without the newline). The caller frees. */
static int read_password(const char *path, char **out)
{
	char buf[1024];
	int r = check_secret_file("password_file", path);

	*out = NULL;
	if (r)
		return r;
	FILE *f = fopen(path, "re");
	if (!f)
		return log_error("password_file %s: %s", path, strerror(errno)), -errno;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	*out = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (n + 4096 + 1 > cap)
			buf = xreallocarray(buf, cap = cap * 2 + 8192, 1);
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf, *len = n;
	return 0;
}

static int load_config(struct config *cfg, int argc, char **argv, struct config_cli *cli)
{
	struct err err;
	char *text = NULL;
	size_t len = 0;

	config_defaults(cfg);
	if (config_parse_argv(cfg, argc, argv, false, cli, &err))
		return fprintf(stderr, "keymime-agent: %s\n", err.detail), -EINVAL;
	if (cli->help || cli->version)
		return 0;
	const char *path = cli->config_path ? cli->config_path : CONFIG_DEFAULT_PATH;
	int r = read_file(path, &text, &len);
	if (r && (cli->config_path || r != -ENOENT))
		return fprintf(stderr, "keymime-agent: %s: %s\n", path, strerror(-r)), r;
	if (!r) {
		r = config_parse_text(cfg, text, len, path, &err);
		free(text);
		if (r)
			return fprintf(stderr, "keymime-agent: %s\n", err.detail), r;
	}
	if (config_parse_argv(cfg, argc, argv, true, cli, &err))
		return fprintf(stderr, "keymime-agent: %s\n", err.detail), -EINVAL;
	if (cli->list_layouts)
		return 0;   /* only the target matters */
	if (!*cfg->device_id) {
		char host[256] = "";
		gethostname(host, sizeof host - 1);
		config_set(cfg, "device_id", host, NULL);   /* a string option: cannot fail */
	}
	if (config_validate(cfg, &err) || macros_check(cfg, &err) ||
	    (cfg->ha_discovery && ha_combos_validate(cfg->ha_combos, &err)))
		return fprintf(stderr, "keymime-agent: %s\n", err.detail), -EINVAL;
	return 0;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static bool any_tls(const struct config *c)
{
	size_t n;
	char **uris = config_broker_list(c, &n);
	bool tls = false;

	for (size_t i = 0; i < n; i++)
		tls |= !strncmp(uris[i], "ssl://", 6) || !strncmp(uris[i], "mqtts://", 8) ||
		       !strncmp(uris[i], "wss://", 6);
	free_list(uris, n);
	return tls;
}

static int check_files(const struct config *c)
{
	if (!KEYMIME_TLS && any_tls(c))
		return log_error("broker %s: this keymime-agent was built without TLS (KEYMIME_TLS=OFF)",
				 c->broker), -EINVAL;
	if (*c->keyfile && check_secret_file("keyfile", c->keyfile))
		return -EPERM;
	if (*c->password_file && check_secret_file("password_file", c->password_file))
		return -EPERM;
	return 0;
}

/* ---- the link's news (Paho's thread) ----------------------------------- */

static void on_link_state(void *ctx, bool connected, const char *why)
{
	struct daemon *d = ctx;
	struct agent *a = &d->agent;

	if (connected) {
		mqtt_link_publish(a->link, a->topics.availability, "online", 6, 1, true);
		atomic_store(&a->ha_announce, true);
		agent_touch(a);   /* status goes out from the main thread */
	}
	pthread_mutex_lock(&d->news.lock);
	free(d->news.why);
	d->news.why = why ? xstrdup(why) : NULL;
	d->news.connected = connected;
	d->news.changed = true;
	pthread_mutex_unlock(&d->news.lock);
}

static int link_create(struct daemon *d, const char *password)
{
	struct agent *a = &d->agent;
	const struct config *c = a->cfg;
	const char *subs[5 + a->n_groups + 1];
	size_t n = 0;
	char *client_id = *c->client_id ? xstrdup(c->client_id) : str_printf("keymime-%s", c->device_id);
	/* Every message says who sent it: a reply to a response topic has no
	 * other way to name its device (docs/protocol.md). */
	const char *props[] = { "device", c->device_id };

	subs[n++] = a->topics.type, subs[n++] = a->topics.keys, subs[n++] = a->topics.cmd;
	subs[n++] = a->topics.script;
	subs[n++] = a->topics.rollcall;   /* a group's comes with its filter */
	for (size_t i = 0; i < a->n_groups; i++)
		subs[n++] = a->topics.group_filters[i];
	if (c->ha_discovery)
		subs[n++] = a->topics.ha_status;
	size_t n_uris;
	char **uris = config_broker_list(c, &n_uris);
	struct mqtt_link_config lc = {
		.uris = (const char *const *)uris, .n_uris = n_uris,
		.client_id = client_id, .username = c->username,
		.password = password, .cafile = c->cafile, .capath = c->capath,
		.certfile = c->certfile, .keyfile = c->keyfile, .mqtt_version = (int)c->mqtt_version,
		.keepalive_s = (int)c->keepalive_s, .reconnect_max_s = (int)c->reconnect_max_s,
		.will_topic = a->topics.availability, .will_payload = "offline",
		.user_properties = props, .n_user_properties = 1,
		.subscriptions = subs, .n_subscriptions = n,
		.on_message = intake_message, .on_state = on_link_state, .ctx = d,
	};
	int r = mqtt_link_create(&a->link, &lc);
	free(client_id);
	free_list(uris, n_uris);
	return r;
}

/* ---- the main thread's loop ---------------------------------------------- */

static int emit_discovery(void *ctx, const char *t, const char *payload)
{
	struct agent *a = ctx;

	mqtt_link_publish(a->link, t, payload, strlen(payload), 1, true);
	return 0;
}

static void discovery(struct agent *a, bool publish)
{
	const struct config *c = a->cfg;
	struct ha_config hc = {
		.device_id = c->device_id, .topic_prefix = c->topic_prefix,
		.ha_prefix = c->ha_prefix, .version = KEYMIME_VERSION, .combos = c->ha_combos,
		.macros = a->macro_names,
		.name = c->name, .location = c->location,
		.target = layout_target_name(layout_target(atomic_load(&a->layout))),
	};
	int r = publish ? ha_discovery_publish(&hc, emit_discovery, a) :
			  ha_discovery_remove(&hc, emit_discovery, a);
	if (r)
		log_warning("Home Assistant discovery: %s", strerror(-r));
}

struct loop_state {
	uint64_t last_status_ms;
	uint64_t last_rollcall_ms;    /* last roll call answered */
	uint64_t next_watchdog_ms;
	uint64_t watchdog_ms;
	bool discovery_removed;
	bool ready;                   /* READY=1 sent (after the first connection) */
	uint64_t next_extend_ms;      /* until then: when to extend the start timeout */
};

/* Until the first connection the unit is "activating": every 20 s ask
 * systemd for 60 s more, so that a broker down at boot never fails the unit,
 * while an agent that hangs (and stops asking) still does after
 * TimeoutStartSec. See provisioning/systemd/keymime-agent.service. */
#define EXTEND_EVERY_MS 20000
#define EXTEND_BY "EXTEND_TIMEOUT_USEC=60000000"

/* Tell systemd what the link said: READY=1 once the first connection is up
 * (subscribed, `online` sent), and a STATUS= line at every change. */
static void notify_link(struct daemon *d, struct loop_state *ls)
{
	const struct config *c = d->agent.cfg;
	char *msg = NULL;

	pthread_mutex_lock(&d->news.lock);
	if (d->news.changed)
		msg = d->news.connected ?
		      str_printf("%sSTATUS=connected to %s; typing on %s", ls->ready ? "" : "READY=1\n",
				 d->news.why ? d->news.why : c->broker, c->hid_keyboard) :
		      str_printf("STATUS=waiting for the broker %s: %s", c->broker,
				 d->news.why ? d->news.why : "connecting");
	ls->ready = ls->ready || d->news.connected;
	d->news.changed = false;
	pthread_mutex_unlock(&d->news.lock);
	if (msg)
		notify_send(msg);
	free(msg);
}

static void tick(struct daemon *d, struct loop_state *ls)
{
	struct agent *a = &d->agent;
	uint64_t now = clock_ms();

	mqtt_link_tick(a->link, now);
	notify_link(d, ls);
	if (mqtt_link_connected(a->link)) {
		if (atomic_exchange(&a->ha_announce, false)) {
			if (a->cfg->ha_discovery)
				discovery(a, true);
			else if (!ls->discovery_removed)
				discovery(a, false), ls->discovery_removed = true;
		}
		/* A flood of roll calls costs one answer every ROLLCALL_EVERY_MS;
		 * one that comes sooner is answered when that time is up. */
		if (now >= ls->last_rollcall_ms + ROLLCALL_EVERY_MS &&
		    atomic_exchange(&a->rollcall, false)) {
			agent_answer_rollcall(a);
			ls->last_rollcall_ms = ls->last_status_ms = now;
		}
		if (agent_status_dirty(a) &&
		    now >= ls->last_status_ms + (uint64_t)a->cfg->status_interval_ms) {
			agent_publish_status(a);
			ls->last_status_ms = now;
		}
	}
	if (!ls->ready && now >= ls->next_extend_ms) {
		notify_send(EXTEND_BY);
		ls->next_extend_ms = now + EXTEND_EVERY_MS;
	}
	/* Fed from the start: before READY=1 systemd does not count it yet,
	 * but it costs nothing and is right the moment READY goes out. */
	if (ls->watchdog_ms && now >= ls->next_watchdog_ms) {
		notify_send("WATCHDOG=1");
		ls->next_watchdog_ms = now + ls->watchdog_ms;
	}
}

static int run_loop(struct daemon *d, const sigset_t *sigs)
{
	struct loop_state ls = { .watchdog_ms = notify_watchdog_interval_us() / 1000u };
	struct timespec ts = { 0, TICK_MS * 1000000L };

	notify_send("STATUS=connecting to the broker");
	for (;;) {
		int sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
			log_info("signal %d: stopping", sig);
			return 0;
		}
		if (sig == SIGHUP)
			log_info("SIGHUP: restart the service to apply a changed configuration");
		tick(d, &ls);
	}
}

/* ---- main ---------------------------------------------------------------- */

/* Signals are handled by sigtimedwait() in the main thread only; every other
 * thread (Paho's, the writer) inherits this mask. */
static void block_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGQUIT);
	sigaddset(sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);   /* a FIFO reader going away is an EPIPE, not a death */
}

static void free_secret(char *password)
{
	if (password)
		explicit_bzero(password, strlen(password));
	free(password);
}

static int run(const struct config *cfg)
{
	struct daemon d = { 0 };
	struct agent *a = &d.agent;
	struct writer w;
	sigset_t sigs;
	char *password = NULL;
	int r;

	if ((r = check_files(cfg)) || (*cfg->password_file && (r = read_password(cfg->password_file, &password))))
		return 1;
	block_signals(&sigs);
	pthread_mutex_init(&d.news.lock, NULL);
	if ((r = agent_init(a, cfg)) || (r = link_create(&d, password))) {
		free_secret(password);
		agent_destroy(a);
		return 1;
	}
	free_secret(password);
	log_info("keymime-agent %s: device %s, broker %s, keyboard %s, layout %s", KEYMIME_VERSION,
		 cfg->device_id, cfg->broker, cfg->hid_keyboard, cfg->layout);
	if ((r = writer_start(&w, a))) {
		log_error("writer thread: %s", strerror(-r));
		return 1;
	}
	run_loop(&d, &sigs);
	notify_send("STOPPING=1");
	atomic_store(&a->stopping, true);
	atomic_fetch_add(&a->cancel_gen, 1);
	agent_wake(a);
	writer_join(&w);   /* it released every key on its way out */
	/* After a clean disconnect, or between connection attempts, Paho's
	 * threads sit idle; its destroy would sleep a fixed 100 ms to stop them,
	 * and a stop must take less than that (issue #10). The process is
	 * exiting: leave them be. */
	r = mqtt_link_stop(a->link, 1000);
	if (r && r != -ENOTCONN)
		mqtt_link_destroy(a->link);
	agent_destroy(a);
	pthread_mutex_lock(&d.news.lock);
	free(d.news.why);
	d.news.why = NULL;
	pthread_mutex_unlock(&d.news.lock);
	return 0;
}

/* --list-layouts: the target's layouts, a table or JSON, on stdout. */
static int list_layouts(const struct config *cfg, bool json)
{
	enum layout_target t;

	if (layout_target_parse(cfg->target, &t) < 0) {
		fprintf(stderr, "keymime-agent: target: '%s' is not linux, windows, macos or chromeos\n",
			cfg->target);
		return 2;
	}
	char *s = layout_list(t, json);
	fputs(s, stdout);
	if (json)
		fputc('\n', stdout);
	free(s);
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct config_cli cli = { 0 };
	int r;

	/* One malloc arena for all threads: glibc would give Paho's two threads
	 * and the writer an arena each, whose touched pages stay private to the
	 * process (~50 KiB after a few hundred commands, docs/performance.md);
	 * the threads allocate little and rarely at the same time. */
	mallopt(M_ARENA_MAX, 1);
	if (load_config(&cfg, argc, argv, &cli)) {
		config_free(&cfg);
		return 2;
	}
	if (cli.help || cli.version) {
		if (cli.help)
			config_print_help(stdout, argv[0]);
		else
			printf("keymime-agent %s\n", KEYMIME_VERSION);
		config_free(&cfg);
		return 0;
	}
	if (cli.list_layouts) {
		r = list_layouts(&cfg, cli.json);
		config_free(&cfg);
		return r;
	}
	if (log_set_level(cfg.log_level)) {
		fprintf(stderr, "keymime-agent: log_level: '%s' is not error, warning, info or debug\n",
			cfg.log_level);
		config_free(&cfg);
		return 2;
	}
	if (cli.check_only) {
		r = check_files(&cfg) ? 2 : 0;
		if (!r)
			config_print(stdout, &cfg);
		config_free(&cfg);
		return r;
	}
	r = run(&cfg);
	config_free(&cfg);
	return r;
}
