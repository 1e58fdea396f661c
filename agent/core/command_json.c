/* SPDX-License-Identifier: MIT */
/* command_json: the JSON command language of the cmd topic → struct command.
 * Every field is checked (type, range, unknown names) before anything runs. */
#include "command.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "ducky.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_ID_LEN 128
#define MAX_JSON_DEPTH 8


static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

static int want(json_object *v, json_type t, const char *where, const char *field,
		const char *what, struct err *err)
{
	if (json_object_is_type(v, t))
		return 0;
	return err_fail(err, "bad_type", "%s'%s' must be %s, not %s", where, field, what, type_name(v));
}

/* Integers beyond ±(2^53 - 1) do not survive JSON in most languages, and
 * json-c saturates what does not fit 64 bits (18446744073709551616 becomes
 * …615): such an id could not be echoed as sent. */
#define MAX_INT_ID 9007199254740991LL

/* id: a string of at most 128 bytes, or an integer (echoed as its decimal string). */
static int take_id(struct command *c, json_object *v, struct err *err)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);
		if (x > MAX_INT_ID || x < -MAX_INT_ID)
			return err_fail(err, "bad_id", "a numeric 'id' must be within ±9007199254740991; "
					"send a larger one as a string");
		c->id = xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return err_fail(err, "bad_type", "'id' must be a string, not %s", type_name(v));
	size_t n = (size_t)json_object_get_string_len(v);
	if (n > MAX_ID_LEN)
		return err_fail(err, "bad_id", "'id' is longer than %d bytes", MAX_ID_LEN);
	if (memchr(json_object_get_string(v), '\0', n))
		return err_fail(err, "bad_id", "'id' contains a NUL character");
	c->id = xstrndup(json_object_get_string(v), n);
	return 0;
}

static int take_uint(json_object *v, const char *where, const char *field, uint32_t max,
		     uint32_t *out, struct err *err)
{
	if (!json_object_is_type(v, json_type_int))
		return err_fail(err, "bad_type", "%s'%s' must be a whole number, not %s", where, field,
				type_name(v));
	int64_t x = json_object_get_int64(v);
	if (x < 0 || x > (int64_t)max)
		return err_fail(err, "bad_value", "%s'%s' must be between 0 and %u", where, field,
				(unsigned)max);
	*out = (uint32_t)x;
	return 0;
}

/* down/up: one chord, every key of it held or released. */
static int take_hold(struct command *c, json_object *v, enum act_kind kind, const char *where,
		     const char *field, struct err *err)
{
	int r = want(v, json_type_string, where, field, "a key name", err);
	if (r)
		return r;
	struct chord ch;
	r = chord_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), &ch, err);
	if (r)
		return r;
	command_push_action(c, kind)->u.chord = ch;
	c->uses_consumer |= ch.consumer != 0;
	if (kind == ACT_DOWN)
		c->strokes++;
	return 0;
}

/* hold + ms: the chord goes down, stays down for ms (the sequencer keeps it
 * on the host: a computer that restarts meanwhile sees it too), then up —
 * the key of a boot menu, held while the computer starts. The only way a key
 * stays down longer than hold_timeout_ms, and only up to max_hold_ms. */
static int take_hold_ms(struct command *c, json_object *chord, json_object *ms, const char *where,
			const struct cmd_limits *lim, struct err *err)
{
	uint32_t t = 0;
	int r;

	if (!lim->max_hold_ms)
		return err_fail(err, "bad_command", "%s'hold' is not available here", where);
	if (!ms)
		return err_fail(err, "bad_command", "%s'hold' needs 'ms': how long to hold the keys, "
				"1 to %u", where, (unsigned)lim->max_hold_ms);
	r = take_uint(ms, where, "ms", lim->max_hold_ms, &t, err);
	if (r && strcmp(err->code, "bad_value"))
		return r;
	if (r || t == 0)
		return err_fail(err, "bad_value", "%s'ms' must be between 1 and %u (max_hold_ms)",
				where, (unsigned)lim->max_hold_ms);
	if ((r = take_hold(c, chord, ACT_DOWN, where, "hold", err)))
		return r;
	struct chord ch = c->acts[c->n_acts - 1].u.chord;
	command_push_action(c, ACT_KEEP)->u.delay_ms = t;
	command_push_action(c, ACT_UP)->u.chord = ch;
	return 0;
}

/* "seq[2]: " in front of an error that came from elsewhere (a script). */
static void take_where(struct err *err, const char *where)
{
	char detail[sizeof err->detail];

	snprintf(detail, sizeof detail, "%s%.360s", where, err->detail);
	memcpy(err->detail, detail, sizeof detail);
}

/* One step of a seq (or the single action of a plain command). */
static int take_action(struct command *c, const char *key, json_object *v, const char *where,
		       const struct cmd_limits *lim, size_t *pos, struct err *err)
{
	int r;

	if (!strcmp(key, "text")) {
		if ((r = want(v, json_type_string, where, key, "a string", err)))
			return r;
		return command_compile_text_step(c, json_object_get_string(v),
						 (size_t)json_object_get_string_len(v), c->layout, lim, pos, err);
	}
	if (!strcmp(key, "keys")) {
		if ((r = want(v, json_type_string, where, key, "a string", err)))
			return r;
		return command_compile_keys_step(c, json_object_get_string(v),
						 (size_t)json_object_get_string_len(v), lim, err);
	}
	if (!strcmp(key, "down") || !strcmp(key, "up"))
		return take_hold(c, v, key[0] == 'd' ? ACT_DOWN : ACT_UP, where, key, err);
	if (!strcmp(key, "ducky")) {
		if ((r = want(v, json_type_string, where, key, "a DuckyScript", err)))
			return r;
		r = ducky_compile(c, json_object_get_string(v), (size_t)json_object_get_string_len(v),
				  lim, err);
		if (r && *where)
			take_where(err, where);
		return r;
	}
	/* delay_ms as a step: a pause */
	uint32_t ms;
	if ((r = take_uint(v, where, key, lim->max_delay_ms, &ms, err)))
		return r;
	command_push_action(c, ACT_DELAY)->u.delay_ms = ms;
	return 0;
}

static bool is_step_key(const char *k)
{
	return !strcmp(k, "text") || !strcmp(k, "keys") || !strcmp(k, "down") ||
	       !strcmp(k, "up") || !strcmp(k, "delay_ms") || !strcmp(k, "ducky");
}

static int take_step(struct command *c, json_object *step, size_t idx,
		     const struct cmd_limits *lim, size_t *pos, struct err *err)
{
	char where[32];

	snprintf(where, sizeof where, "seq[%zu]: ", idx);
	if (!json_object_is_type(step, json_type_object))
		return err_fail(err, "bad_type", "%sa step must be an object, not %s", where,
				type_name(step));
	json_object *hold = NULL, *ms = NULL;
	json_object_object_get_ex(step, "hold", &hold);
	json_object_object_get_ex(step, "ms", &ms);
	if (hold && json_object_object_length(step) == (ms ? 2 : 1))
		return take_hold_ms(c, hold, ms, where, lim, err);
	if (json_object_object_length(step) != 1)
		return err_fail(err, "bad_command", "%sa step has exactly one of text, keys, down, up, "
				"delay_ms, ducky, or hold with ms", where);
	json_object_object_foreach(step, k, v) {
		if (!strcmp(k, "ms"))
			return err_fail(err, "bad_command", "%s'ms' goes with 'hold'", where);
		if (!is_step_key(k))
			return err_fail(err, "unknown_field", "%sunknown field '%.40s'", where, k);
		return take_action(c, k, v, where, lim, pos, err);
	}
	return 0;
}

static int take_seq(struct command *c, json_object *v, const struct cmd_limits *lim,
		    struct err *err)
{
	size_t pos = 0;
	int r = want(v, json_type_array, "", "seq", "an array", err);

	if (r)
		return r;
	size_t n = json_object_array_length(v);
	if (n > lim->max_steps)
		return err_fail(err, "too_many_steps", "'seq' has %zu steps; the limit is %zu", n,
				lim->max_steps);
	for (size_t i = 0; i < n; i++)
		if ((r = take_step(c, json_object_array_get_idx(v, i), i, lim, &pos, err)))
			return r;
	return 0;
}

static const char *const top_fields[] = {
	"id", "layout", "target", "delay_ms", "ms", "unicode_entry",
	"text", "keys", "seq", "down", "up", "release_all", "cancel", "set_layout", "set_target",
	"hold", "macro", "ducky", "keep_awake", "wake", NULL,
};
#define FIRST_ACTION 6

/* What a macro may hold: options and the actions that type. */
static bool macro_field(const char *k)
{
	static const char *const ok[] = { "layout", "target", "delay_ms", "ms", "unicode_entry",
					  "text", "keys", "seq", "down", "up", "hold", "ducky", NULL };

	for (int i = 0; ok[i]; i++)
		if (!strcmp(k, ok[i]))
			return true;
	return false;
}

static int field_index(const char *k)
{
	for (int i = 0; top_fields[i]; i++)
		if (!strcmp(k, top_fields[i]))
			return i;
	return -1;
}

static json_object *parse_root(const char *payload, size_t len, struct err *err)
{
	size_t bad;

	if (utf8_validate(payload, len, &bad)) {
		err_fail(err, "bad_utf8", "invalid UTF-8 at byte %zu", bad);
		return NULL;
	}
	const char *nul = memchr(payload, '\0', len);
	if (nul) {
		err_fail(err, "bad_json", "NUL byte at offset %zu", (size_t)(nul - payload));
		return NULL;
	}
	json_tokener *tok = json_tokener_new_ex(MAX_JSON_DEPTH);
	json_object *root = json_tokener_parse_ex(tok, payload, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	/* json-c finishes a bare number or literal at the end of the input only
	 * once it sees the terminating NUL (json_tokener.h), so feed it one. */
	if (!root && e == json_tokener_continue) {
		root = json_tokener_parse_ex(tok, "", 1);
		if (root || json_tokener_get_error(tok) == json_tokener_success)
			e = json_tokener_success, end = len;
	}
	json_tokener_free(tok);
	if (!root && e == json_tokener_success)   /* the literal null */
		err_fail(err, "bad_command", "a command is a JSON object, not null");
	else if (!root && e == json_tokener_continue)
		err_fail(err, "bad_json", "the JSON ends too early");
	else if (!root && e == json_tokener_error_depth)
		err_fail(err, "bad_json", "JSON nested deeper than %d levels", MAX_JSON_DEPTH);
	else if (!root)
		err_fail(err, "bad_json", "%s at offset %zu", json_tokener_error_desc(e), end);
	if (!root)
		return NULL;
	while (end < len && strchr(" \t\r\n", payload[end]))
		end++;
	if (end < len) {
		err_fail(err, "bad_json", "unexpected data after the JSON value at offset %zu", end);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static int take_flag(json_object *v, const char *field, struct err *err)
{
	int r = want(v, json_type_boolean, "", field, "true", err);
	if (!r && !json_object_get_boolean(v))
		r = err_fail(err, "bad_value", "'%s' must be true", field);
	return r;
}

/* The string value of field k of root into *out, if it is there. */
static int take_name(json_object *root, const char *k, const char *what, const char **out,
		     struct err *err)
{
	json_object *v;

	if (!json_object_object_get_ex(root, k, &v))
		return 0;
	int r = want(v, json_type_string, "", k, what, err);
	if (!r)
		*out = json_object_get_string(v);
	return r;
}

/* The layout a command types with: "layout" (or set_layout's value) names
 * it, "target" (or set_target's) says for which operating system; what is
 * not given stays the device's. c->layout holds the device's on entry. */
static int take_layout(struct command *c, json_object *root, struct err *err)
{
	enum layout_target t = layout_target(c->layout);
	const char *name = NULL, *target = NULL;
	int r;

	if ((r = take_name(root, "layout", "a layout name", &name, err)) ||
	    (r = take_name(root, "set_layout", "a layout name", &name, err)) ||
	    (r = take_name(root, "target", "a target name", &target, err)) ||
	    (r = take_name(root, "set_target", "a target name", &target, err)))
		return r;
	if (target && layout_target_parse(target, &t) < 0)
		return err_fail(err, "unknown_target",
				"no target named '%.40s' (linux, windows, macos, chromeos)", target);
	if (!name && !target)
		return 0;
	const struct layout *l = layout_find(t, name ? name : layout_name(c->layout));
	if (!l)
		return err_fail(err, "unknown_layout",
				"no layout named '%.40s' for target %s (keymime-agent --list-layouts "
				"--target %s)", name ? name : layout_name(c->layout),
				layout_target_name(t), layout_target_name(t));
	c->layout = l;
	return 0;
}

static int take_macro(struct command *c, json_object *root, json_object *v,
		      const struct cmd_limits *lim, struct err *err);

/* "unicode_entry": the method for characters no key makes, instead of the
 * device's; it must be one the command's target has. */
static int take_entry(struct command *c, json_object *root, struct err *err)
{
	const char *name = NULL;
	enum unicode_entry m;
	enum layout_target t = layout_target(c->layout);
	int r = take_name(root, "unicode_entry", "a method name", &name, err);

	if (r || !name)
		return r;
	if (unicode_entry_parse(name, &m) < 0)
		return err_fail(err, "bad_value", "'unicode_entry' must be none, linux-ibus, "
				"windows-altcode, windows-hex or macos-hex, not '%.40s'", name);
	if (!unicode_entry_fits(m, t))
		return err_fail(err, "bad_value", "unicode_entry %s is for %s, not target %s",
				unicode_entry_name(m), unicode_entry_targets(m), layout_target_name(t));
	c->unicode_entry = (uint8_t)m;
	return 0;
}

static int dispatch(struct command *c, json_object *root, const char *k, json_object *v,
		    const struct cmd_limits *lim, struct err *err)
{
	size_t pos = 0;
	int r;

	if (!strcmp(k, "macro"))
		return take_macro(c, root, v, lim, err);
	if (!strcmp(k, "seq"))
		r = take_seq(c, v, lim, err);
	else if (!strcmp(k, "release_all") || !strcmp(k, "cancel")) {
		c->type = k[0] == 'r' ? CMD_RELEASE_ALL : CMD_CANCEL;
		return take_flag(v, k, err);
	} else if (!strcmp(k, "set_layout") || !strcmp(k, "set_target")) {
		c->type = CMD_SET_LAYOUT;   /* the layout carries its target */
		return 0;
	} else if (!strcmp(k, "wake")) {
		c->type = CMD_WAKE;
		return take_flag(v, k, err);
	} else if (!strcmp(k, "keep_awake")) {
		c->type = CMD_KEEP_AWAKE;
		if ((r = want(v, json_type_boolean, "", k, "true or false", err)))
			return r;
		c->keep_awake = json_object_get_boolean(v);
		return 0;
	} else if (!strcmp(k, "hold")) {
		json_object *ms = NULL;
		json_object_object_get_ex(root, "ms", &ms);
		r = take_hold_ms(c, v, ms, "", lim, err);
	} else
		r = take_action(c, k, v, "", lim, &pos, err);
	return r ? r : command_finish_text(c, err);
}

/* Every field name known (in a macro: only what types), at most one action,
 * returned in *action. */
static int check_fields(json_object *root, bool in_macro, const char **action, struct err *err)
{
	*action = NULL;
	json_object_object_foreach(root, k, val) {
		int i = field_index(k);
		(void)val;
		if (i < 0)
			return err_fail(err, "unknown_field", "unknown field '%.40s'", k);
		if (in_macro && !macro_field(k))
			return err_fail(err, "bad_command", "'%s' cannot be part of a macro", k);
		if (i >= FIRST_ACTION && *action)
			return err_fail(err, "bad_command", "more than one action ('%s' and '%s'); use seq",
					*action, k);
		if (i >= FIRST_ACTION)
			*action = top_fields[i];
	}
	if (!*action)
		return err_fail(err, "bad_command", "no action: give one of text, keys, seq, down, up, "
				"release_all, cancel, set_layout, set_target, hold, macro, ducky, keep_awake, wake");
	if (json_object_object_get_ex(root, "ms", NULL) && strcmp(*action, "hold"))
		return err_fail(err, "bad_command", "'ms' goes with 'hold'");
	return 0;
}

/* layout/target and delay_ms of root, applied to c. */
static int take_options(struct command *c, json_object *root, const struct cmd_limits *lim,
			struct err *err)
{
	json_object *v;
	uint32_t ms;
	int r;

	if ((r = take_layout(c, root, err)) || (r = take_entry(c, root, err)))
		return r;
	if (json_object_object_get_ex(root, "delay_ms", &v)) {
		if ((r = take_uint(v, "", "delay_ms", lim->max_delay_ms, &ms, err)))
			return r;
		c->delay_ms = (int32_t)ms;
	}
	return 0;
}

static const struct config_macro *find_macro(const struct cmd_limits *lim, const char *name)
{
	for (size_t i = 0; i < lim->n_macros; i++)
		if (!strcmp(lim->macros[i].name, name))
			return &lim->macros[i];
	return NULL;
}

/* The macro's own command, compiled into c: its options first, then the
 * calling command's (layout, target, delay_ms given there win). */
static int run_macro(struct command *c, json_object *root, json_object *mroot,
		     const struct cmd_limits *lim, struct err *err)
{
	const char *action;
	json_object *v;
	int r;

	if (!json_object_is_type(mroot, json_type_object))
		return err_fail(err, "bad_command", "a macro is a JSON object, not %s", type_name(mroot));
	if ((r = check_fields(mroot, true, &action, err)) || (r = take_options(c, mroot, lim, err)) ||
	    (r = take_options(c, root, lim, err)))
		return r;
	json_object_object_get_ex(mroot, action, &v);
	return dispatch(c, mroot, action, v, lim, err);
}

/* {"macro":"NAME"}: the configured command NAME. An error inside it says so. */
static int take_macro(struct command *c, json_object *root, json_object *v,
		      const struct cmd_limits *lim, struct err *err)
{
	int r = want(v, json_type_string, "", "macro", "a macro name", err);

	if (r)
		return r;
	const char *name = json_object_get_string(v);
	const struct config_macro *m = find_macro(lim, name);
	if (!m)
		return err_fail(err, "unknown_macro", "no macro named '%.64s'", name);
	json_object *mroot = parse_root(m->json, strlen(m->json), err);
	r = mroot ? run_macro(c, root, mroot, lim, err) : -EINVAL;
	json_object_put(mroot);
	if (r && strncmp(err->detail, "macro '", 7)) {
		char detail[sizeof err->detail];
		snprintf(detail, sizeof detail, "macro '%.64s': %.300s", m->name, err->detail);
		memcpy(err->detail, detail, sizeof detail);
	}
	return r;
}

/* Checks every field name and the options, then runs the one action. */
static int parse_object(struct command *c, json_object *root, const struct cmd_limits *lim,
			struct err *err)
{
	const char *action;
	json_object *v;
	int r;

	if (json_object_object_get_ex(root, "id", &v) && (r = take_id(c, v, err)))
		return r;
	if ((r = check_fields(root, false, &action, err)))
		return r;
	if (strcmp(action, "macro") && (r = take_options(c, root, lim, err)))
		return r;
	json_object_object_get_ex(root, action, &v);
	return dispatch(c, root, action, v, lim, err);
}

int command_parse_json(struct command *c, const char *payload, size_t len,
		       const struct layout *l, const struct cmd_limits *lim,
		       struct err *err)
{
	if (len > lim->max_payload)
		return err_fail(err, "too_large", "%zu bytes; the limit is %zu", len, lim->max_payload);
	json_object *root = parse_root(payload, len, err);
	if (!root)
		return -EINVAL;
	c->layout = l;
	int r;
	if (!json_object_is_type(root, json_type_object))
		r = err_fail(err, "bad_command", "a command is a JSON object, not %s", type_name(root));
	else
		r = parse_object(c, root, lim, err);
	json_object_put(root);
	return r;
}
