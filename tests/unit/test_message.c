/* SPDX-License-Identifier: MIT */
/* test_message: result and status JSON, parsed back with json-c, field names as contract.md fixes them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "message.h"

/* Parse s (and free it); the caller puts the root. */
static json_object *parse_owned(char *s)
{
	cr_assert_not_null(s);
	json_object *o = json_tokener_parse(s);
	cr_assert_not_null(o, "not JSON: %s", s);
	cr_assert(json_object_is_type(o, json_type_object), "not an object: %s", s);
	free(s);
	return o;
}

static json_object *field(json_object *o, const char *name, json_type t)
{
	json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, name, &v), "no field '%s' in %s", name,
		  json_object_to_json_string(o));
	cr_assert(json_object_is_type(v, t), "'%s' has type %s in %s", name,
		  json_type_to_name(json_object_get_type(v)), json_object_to_json_string(o));
	return v;
}

static void expect_absent(json_object *o, const char *name)
{
	cr_expect_not(json_object_object_get_ex(o, name, NULL), "unexpected field '%s' in %s", name,
		      json_object_to_json_string(o));
}

static const char *str(json_object *o, const char *name)
{
	return json_object_get_string(field(o, name, json_type_string));
}

static int64_t num(json_object *o, const char *name)
{
	return json_object_get_int64(field(o, name, json_type_int));
}

static bool flag(json_object *o, const char *name)
{
	return json_object_get_boolean(field(o, name, json_type_boolean));
}

/* ---- results ------------------------------------------------------------------------ */

Test(message, result_ok)
{
	struct result_info r = {
		.id = "42", .device = "pi1", .ok = true, .source = "type", .layout = "us", .chars = 5,
		.strokes = 6, .ms = 12,
	};
	json_object *o = parse_owned(message_result(&r));

	cr_expect_str_eq(str(o, "id"), "42");
	cr_expect_str_eq(str(o, "device"), "pi1");
	cr_expect(flag(o, "ok"));
	cr_expect_eq(num(o, "chars"), 5);
	cr_expect_eq(num(o, "ms"), 12);
	cr_expect_str_eq(str(o, "source"), "type");
	cr_expect_str_eq(str(o, "layout"), "us");
	expect_absent(o, "error");
	expect_absent(o, "detail");
	expect_absent(o, "untypable");
	expect_absent(o, "dropped");
	expect_absent(o, "unicode_entry");
	expect_absent(o, "entered");
	json_object_put(o);
}

/* Text typed with a code entry method says which and how many characters
 * went through it. */
Test(message, result_entered)
{
	struct result_info r = {
		.id = "e", .ok = true, .source = "cmd", .layout = "us", .target = "windows", .chars = 3,
		.strokes = 11, .ms = -1, .unicode_entry = "windows-hex", .entered = 2,
	};
	json_object *o = parse_owned(message_result(&r));

	cr_expect_str_eq(str(o, "unicode_entry"), "windows-hex");
	cr_expect_eq(num(o, "entered"), 2);
	cr_expect_eq(num(o, "chars"), 3);
	cr_expect_str_eq(str(o, "target"), "windows");
	json_object_put(o);
}

/* A command without an id: "id":null, present. ms -1 leaves ms out. */
Test(message, result_null_id)
{
	struct result_info r = { .id = NULL, .ok = true, .ms = -1 };
	json_object *o = parse_owned(message_result(&r));

	field(o, "id", json_type_null);
	cr_expect(flag(o, "ok"));
	cr_expect_eq(num(o, "chars"), 0);
	expect_absent(o, "device");
	expect_absent(o, "ms");
	expect_absent(o, "source");
	expect_absent(o, "layout");
	json_object_put(o);
}

Test(message, result_error)
{
	struct result_info r = {
		.id = "43", .ok = false, .error = "unknown_key", .detail = "no key named 'ctl'",
		.source = "keys", .ms = 0,
	};
	json_object *o = parse_owned(message_result(&r));

	cr_expect_str_eq(str(o, "id"), "43");
	cr_expect_not(flag(o, "ok"));
	cr_expect_str_eq(str(o, "error"), "unknown_key");
	cr_expect_str_eq(str(o, "detail"), "no key named 'ctl'");
	cr_expect_eq(num(o, "ms"), 0);
	json_object_put(o);

	/* No detail given: an empty string, never a missing field. */
	r.detail = NULL;
	o = parse_owned(message_result(&r));
	cr_expect_str_eq(str(o, "detail"), "");
	json_object_put(o);
}

/* Partial progress on failure, and the queue dropped by a cancel. */
Test(message, result_partial_and_dropped)
{
	struct result_info r = {
		.id = "c", .ok = false, .error = "cancelled", .detail = "cancelled", .chars = 3,
		.strokes = 4, .ms = 99, .dropped = 2,
	};
	json_object *o = parse_owned(message_result(&r));

	cr_expect_eq(num(o, "chars"), 3);
	cr_expect_eq(num(o, "keys"), 4);
	cr_expect_eq(num(o, "dropped"), 2);
	json_object_put(o);
}

Test(message, result_untypable)
{
	struct err e = {
		.code = "untypable", .n_bad = 3, .n_bad_total = 12,
		.bad = { { 0xE9, 1 }, { 0x1F600, 3 }, { 0x7F, 9 } },
	};
	struct result_info r = {
		.id = "u", .ok = false, .error = "untypable", .detail = "layout 'us' cannot type …",
		.bad = &e, .ms = -1,
	};
	json_object *o = parse_owned(message_result(&r));
	json_object *a = field(o, "untypable", json_type_array);

	cr_assert_eq(json_object_array_length(a), 3);
	static const struct { const char *ch; int64_t cp, pos; } want[] = {
		{ "\xC3\xA9", 0xE9, 1 }, { "\xF0\x9F\x98\x80", 0x1F600, 3 }, { "\x7F", 0x7F, 9 },
	};
	for (size_t i = 0; i < 3; i++) {
		json_object *b = json_object_array_get_idx(a, i);
		cr_expect_str_eq(str(b, "char"), want[i].ch, "[%zu]", i);
		cr_expect_eq(num(b, "codepoint"), want[i].cp, "[%zu]", i);
		cr_expect_eq(num(b, "pos"), want[i].pos, "[%zu]", i);
	}
	cr_expect_eq(num(o, "untypable_total"), 12);
	json_object_put(o);

	/* An error struct with nothing listed adds nothing. */
	e.n_bad = 0;
	o = parse_owned(message_result(&r));
	expect_absent(o, "untypable");
	json_object_put(o);
}

/* Ids and details with characters JSON must escape come back byte for byte. */
Test(message, result_escaping)
{
	static const char *const ids[] = {
		"", "a\"b", "back\\slash", "with/slash", "tab\there", "new\nline", "\x01\x1f",
		"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "</script>", "{\"id\":1}",
	};

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct result_info r = { .id = ids[i], .ok = false, .error = "bad_json", .detail = ids[i],
					 .ms = -1 };
		char *s = message_result(&r);
		cr_expect_null(strchr(s, '\n'), "raw newline in %s", s);
		json_object *o = parse_owned(s);
		cr_expect_str_eq(str(o, "id"), ids[i], "id %zu", i);
		cr_expect_str_eq(str(o, "detail"), ids[i], "detail %zu", i);
		json_object_put(o);
	}
}

/* ---- status ------------------------------------------------------------------------- */

Test(message, status_fields)
{
	char *groups[] = { "all", "kitchen", NULL };
	struct status_info s = {
		.device_id = "pi1", .version = "0.1.0", .layout = "de", .groups = groups,
		.host = "connected", .leds = { .num_lock = true, .caps_lock = false, .scroll_lock = true },
		.leds_known = true, .busy = true, .queue = 3, .queue_size = 64, .consumer = true,
		.uptime_s = 3600,
		.counters = { .commands = 10, .ok = 8, .errors = 2, .chars = 1234, .reports = 5000,
			      .dropped = 1, .rejected = 4, .duplicates = 7 },
	};
	json_object *o = parse_owned(message_status(&s));

	cr_expect_str_eq(str(o, "version"), "0.1.0");
	cr_expect_str_eq(str(o, "layout"), "de");
	cr_expect_str_eq(str(o, "host"), "connected");
	cr_expect(flag(o, "busy"));
	cr_expect_eq(num(o, "queue"), 3);
	json_object *g = field(o, "groups", json_type_array);
	cr_assert_eq(json_object_array_length(g), 2);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(g, 0)), "all");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(g, 1)), "kitchen");
	json_object *l = field(o, "leds", json_type_object);
	cr_expect(flag(l, "num_lock"));
	cr_expect_not(flag(l, "caps_lock"));
	cr_expect(flag(l, "scroll_lock"));
	/* Fields added beyond the contract. */
	cr_expect_str_eq(str(o, "device_id"), "pi1");
	cr_expect_eq(num(o, "queue_size"), 64);
	cr_expect(flag(o, "media_keys"));
	cr_expect_eq(num(o, "uptime_s"), 3600);
	cr_expect(flag(l, "known"));
	json_object *c = field(o, "counters", json_type_object);
	cr_expect_eq(num(c, "commands"), 10);
	cr_expect_eq(num(c, "ok"), 8);
	cr_expect_eq(num(c, "errors"), 2);
	cr_expect_eq(num(c, "chars"), 1234);
	cr_expect_eq(num(c, "reports"), 5000);
	cr_expect_eq(num(c, "dropped"), 1);
	cr_expect_eq(num(c, "rejected"), 4);
	cr_expect_eq(num(c, "duplicates"), 7);
	expect_absent(o, "name");
	expect_absent(o, "location");
	expect_absent(o, "limits");
	json_object_put(o);
}

/* name, location and limits appear when set, so a dashboard can show and check them. */
Test(message, status_name_location_limits)
{
	struct status_info s = {
		.device_id = "pi1", .version = "0.1.0", .layout = "us", .host = "unknown",
		.name = "Reception \"PC\"", .location = "Empfang — Tür 3",
		.limits = { .max_chars = 65536, .max_payload = 262144, .max_steps = 1000 },
	};
	json_object *o = parse_owned(message_status(&s));

	cr_expect_str_eq(str(o, "name"), "Reception \"PC\"");
	cr_expect_str_eq(str(o, "location"), "Empfang — Tür 3");
	json_object *l = field(o, "limits", json_type_object);
	cr_expect_eq(num(l, "max_chars"), 65536);
	cr_expect_eq(num(l, "max_payload"), 262144);
	cr_expect_eq(num(l, "max_steps"), 1000);
	json_object_put(o);
	s.name = "";
	s.location = NULL;
	o = parse_owned(message_status(&s));
	expect_absent(o, "name");
	expect_absent(o, "location");
	json_object_put(o);
}

/* Every LED combination and every host state round-trips. */
Test(message, status_leds_and_host)
{
	static const char *const hosts[] = { "connected", "disconnected", "unknown" };
	char *groups[] = { "all", NULL };

	for (unsigned v = 0; v < 8; v++) {
		struct status_info s = {
			.device_id = "d", .version = "v", .layout = "us", .groups = groups,
			.host = hosts[v % 3], .leds = hid_leds_decode((uint8_t)v), .busy = v & 1,
			.queue = v,
		};
		json_object *o = parse_owned(message_status(&s));
		json_object *l = field(o, "leds", json_type_object);
		cr_expect_eq(flag(l, "num_lock"), (v & 1) != 0, "0x%x", v);
		cr_expect_eq(flag(l, "caps_lock"), (v & 2) != 0, "0x%x", v);
		cr_expect_eq(flag(l, "scroll_lock"), (v & 4) != 0, "0x%x", v);
		cr_expect_not(flag(l, "known"));
		cr_expect_str_eq(str(o, "host"), hosts[v % 3]);
		cr_expect_eq(flag(o, "busy"), (v & 1) != 0);
		cr_expect_eq(num(o, "queue"), v);
		json_object_put(o);
	}
}

Test(message, status_no_groups)
{
	struct status_info s = { .device_id = "d", .version = "v", .layout = "us", .host = "unknown" };
	json_object *o = parse_owned(message_status(&s));

	cr_expect_eq(json_object_array_length(field(o, "groups", json_type_array)), 0);
	cr_expect_not(flag(o, "busy"));
	cr_expect_eq(num(o, "queue"), 0);
	json_object_put(o);
}

/* The configured macros by name; none is an empty list. */
Test(message, status_macros)
{
	const char *macros[] = { "login", "boot_menu", NULL };
	struct status_info s = { .device_id = "d", .version = "v", .layout = "us", .host = "unknown",
				 .macros = macros };
	json_object *o = parse_owned(message_status(&s));
	json_object *m = field(o, "macros", json_type_array);

	cr_assert_eq(json_object_array_length(m), 2);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(m, 0)), "login");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(m, 1)), "boot_menu");
	json_object_put(o);
	s.macros = NULL;
	o = parse_owned(message_status(&s));
	cr_expect_eq(json_object_array_length(field(o, "macros", json_type_array)), 0);
	json_object_put(o);
}

Test(message, status_keep_awake)
{
	struct status_info s = { .device_id = "d", .version = "v", .layout = "us", .host = "unknown",
				 .keep_awake = true, .counters = { .keep_awake_taps = 12 } };
	json_object *o = parse_owned(message_status(&s));

	cr_expect(flag(o, "keep_awake"));
	cr_expect_eq(num(field(o, "counters", json_type_object), "keep_awake_taps"), 12);
	json_object_put(o);
	s.keep_awake = false;
	o = parse_owned(message_status(&s));
	cr_expect_not(flag(o, "keep_awake"));
	json_object_put(o);
}

/* Remote wakeup in the status: the controller, whether a wake can work, what
 * the gadget offers, and why not. */
Test(message, status_wake)
{
	struct status_info s = { .device_id = "d", .version = "v", .layout = "us", .host = "suspended",
				 .wake = { "fe980000.usb", "dwc2", false, 1, "dwc2 cannot" } };
	json_object *o = parse_owned(message_status(&s));
	json_object *w = field(o, "wake", json_type_object);

	cr_expect_str_eq(str(o, "host"), "suspended");
	cr_expect_str_eq(str(w, "udc"), "fe980000.usb");
	cr_expect_str_eq(str(w, "driver"), "dwc2");
	cr_expect_not(flag(w, "supported"));
	cr_expect(flag(w, "advertised"));
	cr_expect_str_eq(str(w, "why"), "dwc2 cannot");
	json_object_put(o);
	s.wake = (struct wake_status){ NULL, NULL, false, -1, "no USB device controller" };
	o = parse_owned(message_status(&s));
	w = field(o, "wake", json_type_object);
	json_object *v;
	cr_expect(json_object_object_get_ex(w, "udc", &v) && v == NULL, "udc null");
	cr_expect(json_object_object_get_ex(w, "advertised", &v) && v == NULL, "advertised null");
	cr_expect_not(json_object_object_get_ex(w, "driver", NULL));
	json_object_put(o);
	s.wake = (struct wake_status){ "dummy_udc.0", "dummy_udc", true, 1, "" };
	o = parse_owned(message_status(&s));
	w = field(o, "wake", json_type_object);
	cr_expect(flag(w, "supported"));
	cr_expect_not(json_object_object_get_ex(w, "why", NULL), "no why when supported");
	json_object_put(o);
}

Test(message, result_wake)
{
	struct result_info r = { .ok = true, .source = "cmd", .wake = "woken", .ms = -1 };
	json_object *o = parse_owned(message_result(&r));

	cr_expect_str_eq(str(o, "wake"), "woken");
	json_object_put(o);
	r.wake = NULL;
	o = parse_owned(message_result(&r));
	cr_expect_not(json_object_object_get_ex(o, "wake", NULL));
	json_object_put(o);
}
