/* SPDX-License-Identifier: MIT */
/* log: one line per message on stderr, with a syslog priority prefix that
 * journald understands. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static volatile int max_level = LOG_INFO;   /* set once at start-up */

int log_set_level(const char *name)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcasecmp(name, names[i]))
			return max_level = i, 0;
	return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { 3, 4, 6, 7 };
	char buf[1024];
	va_list ap;

	if ((int)level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* One fprintf per line keeps lines whole across threads. */
	fprintf(stderr, "<%d>keymime-agent: %s\n", prio[level], buf);
}
