/* SPDX-License-Identifier: MIT */
/* main: wiring — configuration, secrets, signals, the three threads, status
 * and discovery publication, and a clean stop that leaves no key down. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "ha_discovery.h"
#include "log.h"
#include "mqtt_link.h"
#include "notify.h"
#include "topics.h"
#include "writer.h"
#include "xalloc.h"

#define TICK_MS 50

/* ---- helpers shared with the other threads (agent.h) --------------------- */

uint64_t agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t agent_now_ms(void)
{
	return agent_now_ns() / 1000000u;
}

void agent_touch(struct agent *a)
{
	pthread_mutex_lock(&a->st.lock);
	a->st.dirty = true;
	pthread_mutex_unlock(&a->st.lock);
}

void agent_wake(struct agent *a)
{
	uint64_t one = 1;

	if (write(a->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_warning("wake: %s", strerror(errno));
}

void agent_publish_result(struct agent *a, const struct command *c, struct result_info *ri)
{
	ri->id = c->id;
	ri->source = c->source;
	if (!ri->layout && c->layout && (c->chars || c->type == CMD_SET_LAYOUT))
		ri->layout = layout_name(c->layout);
	ri->ms = c->received_ns ? (long)((agent_now_ns() - c->received_ns) / 1000000u) : -1;
	char *json = message_result(ri);
	mqtt_link_publish(a->link, a->topics.result, json, strlen(json), 1, false);
	if (c->response_topic)
		mqtt_link_reply(a->link, c->response_topic, c->correlation, c->correlation_len,
				json, strlen(json));
	log_debug("result %s: %s", c->id ? c->id : "-", ri->ok ? "ok" : ri->error);
	free(json);
}

/* ---- start-up ------------------------------------------------------------ */

static void build_topics(struct agent *a)
{
	const struct config *c = a->cfg;
	struct agent_topics *t = &a->topics;

	t->type = topics_device(c->topic_prefix, c->device_id, TOPIC_TYPE);
	t->keys = topics_device(c->topic_prefix, c->device_id, TOPIC_KEYS);
	t->cmd = topics_device(c->topic_prefix, c->device_id, TOPIC_CMD);
	t->availability = topics_device(c->topic_prefix, c->device_id, TOPIC_AVAILABILITY);
	t->status = topics_device(c->topic_prefix, c->device_id, TOPIC_STATUS);
	t->result = topics_device(c->topic_prefix, c->device_id, TOPIC_RESULT);
	t->ha_status = topics_ha_status(c->ha_prefix);
	t->n_groups = a->n_groups;
	t->group_filters = xcalloc(a->n_groups, sizeof *t->group_filters);
	for (size_t i = 0; i < a->n_groups; i++)
		t->group_filters[i] = topics_group_filter(c->topic_prefix, a->groups[i]);
}

static void free_topics(struct agent_topics *t)
{
	free(t->type), free(t->keys), free(t->cmd);
	free(t->availability), free(t->status), free(t->result), free(t->ha_status);
	for (size_t i = 0; i < t->n_groups; i++)
		free(t->group_filters[i]);
	free(t->group_filters);
}

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
	if (!*cfg->device_id) {
		char host[256] = "";
		gethostname(host, sizeof host - 1);
		config_set(cfg, "device_id", host, NULL);   /* a string option: cannot fail */
	}
	if (config_validate(cfg, &err) ||
	    (cfg->ha_discovery && ha_combos_validate(cfg->ha_combos, &err)))
		return fprintf(stderr, "keymime-agent: %s\n", err.detail), -EINVAL;
	return 0;
}

static int check_files(const struct config *c)
{
	if (!KEYMIME_TLS && (!strncmp(c->broker, "ssl://", 6) || !strncmp(c->broker, "mqtts://", 8) ||
			     !strncmp(c->broker, "wss://", 6)))
		return log_error("broker %s: this keymime-agent was built without TLS (KEYMIME_TLS=OFF)",
				 c->broker), -EINVAL;
	if (*c->keyfile && check_secret_file("keyfile", c->keyfile))
		return -EPERM;
	if (*c->password_file && check_secret_file("password_file", c->password_file))
		return -EPERM;
	return 0;
}

/* ---- the main thread's loop ---------------------------------------------- */

static void publish_status(struct agent *a)
{
	struct status_info s = { 0 };

	pthread_mutex_lock(&a->st.lock);
	s.host = a->st.host;
	s.leds = a->st.leds;
	s.leds_known = a->st.leds_known;
	s.busy = a->st.busy;
	s.counters = a->st.counters;
	a->st.dirty = false;
	pthread_mutex_unlock(&a->st.lock);
	s.device_id = a->cfg->device_id;
	s.version = KEYMIME_VERSION;
	s.layout = layout_name(atomic_load(&a->layout));
	s.groups = a->groups;
	s.queue = cmd_queue_count(&a->queue);
	s.queue_size = (size_t)a->cfg->queue_size;
	s.consumer = *a->cfg->hid_consumer != '\0';
	s.uptime_s = (long)((agent_now_ms() - a->started_ms) / 1000u);
	char *json = message_status(&s);
	mqtt_link_publish(a->link, a->topics.status, json, strlen(json), 1, true);
	free(json);
}

static int emit_discovery(void *ctx, const char *t, const char *payload)
{
	struct agent *a = ctx;

	return mqtt_link_publish(a->link, t, payload, strlen(payload), 1, true);
}

static void discovery(struct agent *a, bool publish)
{
	const struct config *c = a->cfg;
	struct ha_config hc = {
		.device_id = c->device_id, .topic_prefix = c->topic_prefix,
		.ha_prefix = c->ha_prefix, .version = KEYMIME_VERSION, .combos = c->ha_combos,
	};
	int r = publish ? ha_discovery_publish(&hc, emit_discovery, a) :
			  ha_discovery_remove(&hc, emit_discovery, a);
	if (r)
		log_warning("Home Assistant discovery: %s", strerror(-r));
}

struct loop_state {
	uint64_t last_status_ms;
	uint64_t next_watchdog_ms;
	uint64_t watchdog_ms;
	bool discovery_removed;
};

static void tick(struct agent *a, struct loop_state *ls)
{
	uint64_t now = agent_now_ms();

	mqtt_link_tick(a->link, now);
	if (mqtt_link_connected(a->link)) {
		if (atomic_exchange(&a->ha_announce, false)) {
			if (a->cfg->ha_discovery)
				discovery(a, true);
			else if (!ls->discovery_removed)
				discovery(a, false), ls->discovery_removed = true;
		}
		pthread_mutex_lock(&a->st.lock);
		bool dirty = a->st.dirty;
		pthread_mutex_unlock(&a->st.lock);
		if (dirty && now >= ls->last_status_ms + (uint64_t)a->cfg->status_interval_ms) {
			publish_status(a);
			ls->last_status_ms = now;
		}
	}
	if (ls->watchdog_ms && now >= ls->next_watchdog_ms) {
		notify_send("WATCHDOG=1");
		ls->next_watchdog_ms = now + ls->watchdog_ms;
	}
}

static int run_loop(struct agent *a, const sigset_t *sigs)
{
	struct loop_state ls = { .watchdog_ms = notify_watchdog_interval_us() / 1000u };
	struct timespec ts = { 0, TICK_MS * 1000000L };

	notify_send("READY=1");
	for (;;) {
		int sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
			log_info("signal %d: stopping", sig);
			return 0;
		}
		if (sig == SIGHUP)
			log_info("SIGHUP: restart the service to apply a changed configuration");
		tick(a, &ls);
	}
}

/* ---- main ---------------------------------------------------------------- */

static int agent_init(struct agent *a, const struct config *cfg)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	a->groups = config_group_list(cfg, &a->n_groups);
	build_topics(a);
	a->limits = (struct cmd_limits){
		.max_payload = (size_t)cfg->max_payload, .max_chars = (size_t)cfg->max_chars,
		.max_steps = (size_t)cfg->max_steps, .max_delay_ms = 60000,
	};
	cmd_queue_init(&a->queue, (size_t)cfg->queue_size);
	pthread_mutex_init(&a->st.lock, NULL);
	a->st.host = "unknown";
	a->st.dirty = true;
	atomic_store(&a->layout, layout_find(cfg->layout));
	a->started_ms = agent_now_ms();
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return a->wake_fd < 0 ? -errno : 0;
}

static void agent_destroy(struct agent *a)
{
	cmd_queue_destroy(&a->queue);
	free_topics(&a->topics);
	for (size_t i = 0; i < a->n_groups; i++)
		free(a->groups[i]);
	free(a->groups);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	pthread_mutex_destroy(&a->st.lock);
}

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

static int run(const struct config *cfg)
{
	struct agent a;
	struct writer w;
	sigset_t sigs;
	char *password = NULL;
	int r;

	if ((r = check_files(cfg)) || (*cfg->password_file && (r = read_password(cfg->password_file, &password))))
		return 1;
	block_signals(&sigs);
	if ((r = agent_init(&a, cfg)) || (r = mqtt_link_create(&a.link, &a, password))) {
		free(password);
		agent_destroy(&a);
		return 1;
	}
	if (password)
		explicit_bzero(password, strlen(password));
	free(password);
	log_info("keymime-agent %s: device %s, broker %s, keyboard %s, layout %s", KEYMIME_VERSION,
		 cfg->device_id, cfg->broker, cfg->hid_keyboard, cfg->layout);
	if ((r = writer_start(&w, &a))) {
		log_error("writer thread: %s", strerror(-r));
		return 1;
	}
	run_loop(&a, &sigs);
	notify_send("STOPPING=1");
	atomic_store(&a.stopping, true);
	atomic_fetch_add(&a.cancel_gen, 1);
	agent_wake(&a);
	writer_join(&w);   /* it released every key on its way out */
	/* After a clean disconnect, or between connection attempts, Paho's
	 * threads sit idle; its destroy would sleep a fixed 100 ms to stop them,
	 * and a stop must take less than that (issue #10). The process is
	 * exiting: leave them be. */
	r = mqtt_link_stop(a.link, 1000);
	if (r && r != -ENOTCONN)
		mqtt_link_destroy(a.link);
	agent_destroy(&a);
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct config_cli cli = { 0 };
	int r;

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
