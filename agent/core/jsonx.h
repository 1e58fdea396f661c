/* SPDX-License-Identifier: MIT */
/* jsonx: building JSON with json-c, allocation failures handled the one way
 * the agent handles them: every constructor and every add goes through
 * xcheck(), which aborts (see xalloc.h) — so callers never check, and no
 * half-built message is ever published. Parsing is not here: a NULL from
 * json-c's tokener is "not valid JSON" to command_json.c. Pure. */
#ifndef KEYMIME_JSONX_H
#define KEYMIME_JSONX_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

json_object *jx_object(void);
json_object *jx_array(void);
json_object *jx_string(const char *s);           /* NULL → JSON null */

/* Add to object o under key (copied). jx_put takes v (NULL = null). */
void jx_put(json_object *o, const char *key, json_object *v);
void jx_str(json_object *o, const char *key, const char *val);   /* NULL → null */
void jx_int(json_object *o, const char *key, int64_t val);
void jx_bool(json_object *o, const char *key, bool val);

/* Append to array a; jx_push takes v. */
void jx_push(json_object *a, json_object *v);
void jx_push_str(json_object *a, const char *s);

/* The compact text of o (no escaped slashes), borrowed: valid until o changes
 * or is put. */
const char *jx_text(json_object *o);

/* The compact text of o, copied (caller frees), and o put. */
char *jx_finish(json_object *o);

#endif
