/* SPDX-License-Identifier: MIT */
/* gen_bench: how fast the pure core turns text into reports — parse a JSON
 * text command (compile + validate) and run the sequencer into a sink that
 * only counts, with no device and no MQTT. Prints chars/s and reports/char. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "layout.h"
#include "sequencer.h"

static size_t reports;

static int count_kbd(void *ctx, const uint8_t r[HID_KBD_REPORT_LEN]) { (void)ctx; (void)r; reports++; return 0; }
static int count_cons(void *ctx, const uint8_t r[HID_CONSUMER_REPORT_LEN]) { (void)ctx; (void)r; reports++; return 0; }
static int no_pause(void *ctx, uint32_t us) { (void)ctx; (void)us; return 0; }

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "us";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 65536;
	int rounds = argc > 3 ? atoi(argv[3]) : 20;
	const struct layout *l = layout_find(LAYOUT_LINUX, name);
	const char *base = "The quick brown fox jumps over the lazy dog; THE QUICK BROWN FOX! 0123456789 (ok?)\n";
	struct cmd_limits lim = { .max_payload = 1 << 24, .max_chars = 1 << 22, .max_steps = 1000,
				  .max_delay_ms = 60000, .max_hold_ms = 60000 };
	struct seq_sink sink = { NULL, count_kbd, count_cons, no_pause, NULL };

	if (!l)
		return fprintf(stderr, "no layout %s\n", name), 2;
	char *json = malloc(n + 64), *p = json;
	p += sprintf(p, "{\"id\":\"b\",\"text\":\"");
	for (size_t i = 0; i < n; i++)
		*p++ = base[i % strlen(base)] == '\n' ? ' ' : base[i % strlen(base)];
	p += sprintf(p, "\"}");
	double t_parse = 0, t_seq = 0;
	size_t chars = 0;
	for (int r = 0; r < rounds; r++) {
		struct command *c = command_new();
		struct err err = { 0 };
		struct seq s;
		struct seq_progress prog = { 0 };
		double t0 = now();
		if (command_parse_json(c, json, (size_t)(p - json), l, &lim, &err))
			return fprintf(stderr, "parse: %s %s\n", err.code, err.detail), 1;
		double t1 = now();
		seq_init(&s);
		reports = 0;
		seq_run(&s, c, 0, &sink, &prog);
		t_seq += now() - t1;
		t_parse += t1 - t0;
		chars = prog.chars;
		command_free(c);
	}
	printf("generation layout=%s chars=%zu rounds=%d parse+validate=%.0f chars/s sequence=%.0f chars/s "
	       "total=%.0f chars/s reports/char=%.3f\n", name, chars, rounds,
	       (double)chars * rounds / t_parse, (double)chars * rounds / t_seq,
	       (double)chars * rounds / (t_parse + t_seq), (double)reports / (double)chars);
	free(json);
	return 0;
}
