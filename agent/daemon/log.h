/* SPDX-License-Identifier: MIT */
/* log: leveled messages to stderr (the journal under systemd). Never pass
 * typed text or secrets here: log lengths and ids, not payloads. */
#ifndef KEYMIME_LOG_H
#define KEYMIME_LOG_H

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* "error", "warning", "info", "debug"; returns 0 or -EINVAL. */
int log_set_level(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
