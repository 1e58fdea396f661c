/* SPDX-License-Identifier: MIT */
/* err: the one error convention of the core. A function that can fail
 * returns 0 or a negative errno and, when the caller passed a struct err,
 * says why in it: a static machine-readable code (the error codes of
 * docs/protocol.md for commands, "config" for settings) and one human line.
 * The untypable characters of a text are part of the detail of the code
 * `untypable`. Pure: no syscalls, no globals. */
#ifndef KEYMIME_ERR_H
#define KEYMIME_ERR_H

#include <stddef.h>
#include <stdint.h>

#define ERR_MAX_BAD 8

struct err {
	const char *code;            /* static string, NULL while no error */
	char detail[384];            /* one line, NUL-terminated */
	size_t n_bad;                /* untypable characters listed in bad[] */
	size_t n_bad_total;          /* all untypable characters */
	struct { uint32_t cp; uint32_t pos; } bad[ERR_MAX_BAD];
};

/* Fill *e (NULL is fine: nothing is recorded) with code and a printf-style
 * detail, and forget any untypable characters noted before (they belong to
 * `untypable` only). Returns -EINVAL, for `return err_fail(e, …);`. */
int err_fail(struct err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with another errno: returns -errnum (errnum > 0). */
int err_failn(struct err *e, int errnum, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
