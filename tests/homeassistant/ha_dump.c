/* SPDX-License-Identifier: MIT */
/* ha_dump: prints the discovery messages ha_discovery builds, one
 * "topic payload" line each (mosquitto_sub -v format), for the Python checker. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ha_discovery.h"

static int print_one(void *ctx, const char *topic, const char *payload)
{
	(void)ctx;
	return printf("%s %s\n", topic, payload) < 0 ? -EIO : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device-id", required_argument, NULL, 'd' },
		{ "topic-prefix", required_argument, NULL, 't' },
		{ "ha-prefix", required_argument, NULL, 'a' },
		{ "version", required_argument, NULL, 'v' },
		{ "combos", required_argument, NULL, 'c' },
		{ "macro", required_argument, NULL, 'm' },
		{ "target", required_argument, NULL, 'T' },
		{ "remove", no_argument, NULL, 'r' },
		{ "validate", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ha_config c = { .device_id = "pi1" };
	const char *macros[HA_MAX_MACROS + 2] = { NULL };
	size_t n_macros = 0;
	int remove = 0, validate = 0, opt, r;
	struct err err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': c.device_id = optarg; break;
		case 't': c.topic_prefix = optarg; break;
		case 'a': c.ha_prefix = optarg; break;
		case 'v': c.version = optarg; break;
		case 'c': c.combos = optarg; break;
		case 'm':
			if (n_macros <= HA_MAX_MACROS)
				macros[n_macros++] = optarg;
			c.macros = macros;
			break;
		case 'T': c.target = optarg; break;
		case 'r': remove = 1; break;
		case 'V': validate = 1; break;
		default: return 2;
		}
	}
	if (validate) {
		r = ha_combos_validate(c.combos, &err);
		if (r < 0)
			fprintf(stderr, "%s\n", err.detail);
		return r < 0 ? 1 : 0;
	}
	r = remove ? ha_discovery_remove(&c, print_one, NULL)
		   : ha_discovery_publish(&c, print_one, NULL);
	if (r < 0)
		fprintf(stderr, "ha_dump: %s\n", strerror(-r));
	return r < 0 ? 1 : 0;
}
