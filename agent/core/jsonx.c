/* SPDX-License-Identifier: MIT */
/* jsonx: checked json-c construction. */
#include "jsonx.h"

#include "xalloc.h"

json_object *jx_object(void) { return xcheck(json_object_new_object()); }
json_object *jx_array(void) { return xcheck(json_object_new_array()); }

json_object *jx_string(const char *s)
{
	return s ? xcheck(json_object_new_string(s)) : NULL;
}

void jx_put(json_object *o, const char *key, json_object *v)
{
	/* json-c fails only to allocate the entry (and then does not take v). */
	if (json_object_object_add(o, key, v))
		xcheck(NULL);
}

void jx_str(json_object *o, const char *key, const char *val) { jx_put(o, key, jx_string(val)); }
void jx_int(json_object *o, const char *key, int64_t val)
{
	jx_put(o, key, xcheck(json_object_new_int64(val)));
}
void jx_bool(json_object *o, const char *key, bool val)
{
	jx_put(o, key, xcheck(json_object_new_boolean(val)));
}

void jx_push(json_object *a, json_object *v)
{
	if (json_object_array_add(a, v))
		xcheck(NULL);
}

void jx_push_str(json_object *a, const char *s) { jx_push(a, jx_string(s)); }

const char *jx_text(json_object *o)
{
	return xcheck((void *)json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
}

char *jx_finish(json_object *o)
{
	char *s = xstrdup(jx_text(o));

	json_object_put(o);
	return s;
}
