/* SPDX-License-Identifier: MIT */
/* err: filling a struct err. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static void set(struct err *e, const char *code, const char *fmt, va_list ap)
{
	e->code = code;
	e->n_bad = e->n_bad_total = 0;
	vsnprintf(e->detail, sizeof e->detail, fmt, ap);
}

int err_fail(struct err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		set(e, code, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int err_failn(struct err *e, int errnum, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		set(e, code, fmt, ap);
		va_end(ap);
	}
	return -errnum;
}
