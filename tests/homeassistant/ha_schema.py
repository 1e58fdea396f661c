# SPDX-License-Identifier: MIT
"""Home Assistant MQTT discovery checker, written from Home Assistant's schemas
(homeassistant/components/mqtt/*.py DISCOVERY_SCHEMA, abbreviations.py,
schemas.py) and NOT from keymime's C code. Templates are rendered with
Debian's python3-jinja2, as Home Assistant renders them (see below).

    problems = check_all(messages, device_id="pi1")   # [(topic, payload)] -> [str]

Besides Home Assistant's own rules it checks that each config points at topics
the keymime agent really serves, and that its templates, rendered by Jinja
against a status/result payload, give values the platform accepts.
"""
import json
import re

# --- Home Assistant's abbreviations (the ones a sender may use; expanded first) ---
ABBREVIATIONS = {
    "avty": "availability", "avty_mode": "availability_mode", "avty_t": "availability_topic",
    "avty_tpl": "availability_template", "cmd_t": "command_topic", "cmd_tpl": "command_template",
    "def_ent_id": "default_entity_id", "dev": "device", "dev_cla": "device_class",
    "e": "encoding", "en": "enabled_by_default", "ent_cat": "entity_category",
    "ent_pic": "entity_picture", "evt_typ": "event_types", "exp_aft": "expire_after",
    "frc_upd": "force_update", "ic": "icon", "json_attr_t": "json_attributes_topic",
    "json_attr_tpl": "json_attributes_template", "lrst_val_tpl": "last_reset_value_template",
    "max": "max", "min": "min", "mode": "mode", "name": "name", "o": "origin",
    "obj_id": "object_id", "off_dly": "off_delay", "ops": "options", "opt": "optimistic",
    "p": "platform", "pl_avail": "payload_available", "pl_not_avail": "payload_not_available",
    "pl_off": "payload_off", "pl_on": "payload_on", "pl_prs": "payload_press",
    "ptrn": "pattern", "qos": "qos", "ret": "retain", "stat_cla": "state_class",
    "stat_t": "state_topic", "sug_dsp_prc": "suggested_display_precision", "t": "topic",
    "uniq_id": "unique_id", "unit_of_meas": "unit_of_measurement", "val_tpl": "value_template",
}
DEVICE_ABBREVIATIONS = {
    "cns": "connections", "cu": "configuration_url", "ids": "identifiers", "name": "name",
    "mf": "manufacturer", "mdl": "model", "mdl_id": "model_id", "hw": "hw_version",
    "sw": "sw_version", "sa": "suggested_area", "sn": "serial_number", "via_device": "via_device",
}
ORIGIN_ABBREVIATIONS = {"name": "name", "sw": "sw_version", "url": "support_url"}

# --- keys every MQTT entity accepts (MQTT_ENTITY_COMMON_SCHEMA + availability + discovery) ---
COMMON_KEYS = {
    "availability", "availability_mode", "availability_template", "availability_topic",
    "payload_available", "payload_not_available", "device", "default_entity_id",
    "enabled_by_default", "entity_category", "entity_picture", "icon", "json_attributes_topic",
    "json_attributes_template", "object_id", "unique_id", "name", "encoding", "qos", "origin",
    "platform", "~",
}

# Per platform: (required keys, optional keys) beyond COMMON_KEYS.
PLATFORMS = {
    "text": ({"command_topic"}, {"command_template", "state_topic", "value_template", "max",
                                 "min", "mode", "pattern", "retain", "optimistic"}),
    "notify": ({"command_topic"}, {"command_template", "retain"}),
    "button": ({"command_topic"}, {"command_template", "payload_press", "device_class",
                                   "retain"}),
    "select": ({"command_topic", "options"}, {"command_template", "state_topic",
                                              "value_template", "optimistic", "retain"}),
    "binary_sensor": ({"state_topic"}, {"value_template", "payload_on", "payload_off",
                                        "device_class", "expire_after", "force_update",
                                        "off_delay"}),
    "sensor": ({"state_topic"}, {"value_template", "device_class", "state_class",
                                 "unit_of_measurement", "expire_after", "force_update",
                                 "last_reset_value_template", "suggested_display_precision",
                                 "options"}),
    "event": ({"state_topic", "event_types"}, {"value_template", "device_class"}),
    "switch": ({"command_topic"}, {"command_template", "state_topic", "value_template",
                                   "payload_on", "payload_off", "state_on", "state_off",
                                   "optimistic", "retain", "device_class"}),
}

DEVICE_CLASSES = {
    "button": {"identify", "restart", "update"},
    "event": {"button", "doorbell", "motion"},
    "switch": {"outlet", "switch"},
    "binary_sensor": {
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
        "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving",
        "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety",
        "smoke", "sound", "tamper", "update", "vibration", "window"},
    # keymime's sensors need none but enum (a state from a fixed list); any
    # other device_class on a sensor is flagged for review.
    "sensor": {"enum"},
}
STATE_CLASSES = {"measurement", "measurement_angle", "total", "total_increasing"}
READ_ONLY = {"sensor", "binary_sensor", "event"}   # entity_category "config" not allowed
MAX_STATE_LEN = 255                                # MAX_LENGTH_STATE_STATE

TOPIC_RE = re.compile(r"^(?P<prefix>.+)/(?P<component>[a-z_]+)/(?:(?P<node>[a-zA-Z0-9_-]+)/)?"
                      r"(?P<object>[a-zA-Z0-9_-]+)/config$")


def expand(payload):
    """Expand abbreviations and '~' like Home Assistant's discovery does.
    Returns (config, problems)."""
    problems = []
    cfg = {}
    for key, val in payload.items():
        full = ABBREVIATIONS.get(key, key)
        if full in cfg:
            problems.append("key %r given twice (abbreviated and in full)" % full)
        cfg[full] = val
    for name, table in (("device", DEVICE_ABBREVIATIONS), ("origin", ORIGIN_ABBREVIATIONS)):
        if isinstance(cfg.get(name), dict):
            cfg[name] = {table.get(k, k): v for k, v in cfg[name].items()}
    base = cfg.get("~")
    if base is not None:
        for key, val in list(cfg.items()):
            if key.endswith("_topic") and isinstance(val, str):
                if val.startswith("~"):
                    val = base + val[1:]
                if val.endswith("~"):
                    val = val[:-1] + base
                cfg[key] = val
    return cfg, problems


def abbreviation_style(payload):
    """'full', 'abbreviated', 'mixed' or 'neutral' (only keys equal in both forms)."""
    abbr = {k for k in payload if k in ABBREVIATIONS and ABBREVIATIONS[k] != k}
    full = {k for k in payload if k in ABBREVIATIONS.values() and
            k not in ABBREVIATIONS and k != "~"}
    if abbr and full:
        return "mixed"
    return "abbreviated" if abbr else "full" if full else "neutral"


def valid_publish_topic(t):
    return (isinstance(t, str) and 0 < len(t.encode()) <= 65535 and "\0" not in t
            and "+" not in t and "#" not in t)


def valid_subscribe_topic(t):
    if not isinstance(t, str) or not t or len(t.encode()) > 65535 or "\0" in t:
        return False
    levels = t.split("/")
    for i, lvl in enumerate(levels):
        if "#" in lvl and (lvl != "#" or i != len(levels) - 1):
            return False
        if "+" in lvl and lvl != "+":
            return False
    return True


# --- templates: Jinja, as Home Assistant renders them ---------------------------
#
# Home Assistant renders MQTT templates with Jinja2 in an immutable sandbox
# (homeassistant/helpers/template.py); python3-jinja2 is Debian's. What it
# adds to Jinja's own filters and functions is large; implemented here, and
# only here, is what a template of ours could reasonably use, each the way
# Home Assistant defines it:
#   to_json (filter)          json.dumps of the value (no HTML escaping)
#   from_json (filter)        json.loads of the text
#   iif(v, if_true=True, if_false=False, if_none=None)   (function and filter)
#   is_defined (filter)       the value, or an error when it is undefined
# Jinja's own `tojson` (HTML-escaped JSON, as in Home Assistant) and `dict`
# are Jinja's. One difference on purpose: a field the payload does not have
# is an error here (StrictUndefined); Home Assistant would render it empty
# and log a warning, which a checker would not notice.

try:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError as exc:   # a test dependency (tests/homeassistant/apt-packages.txt)
    raise ImportError("%s: install Debian's python3-jinja2 (provisioning/install-deps.sh "
                      "--test) and run the tests with /usr/bin/python3" % exc)


class TemplateError(Exception):
    pass


def _iif(value, if_true=True, if_false=False, if_none=None):
    if value is None and if_none is not None:
        return if_none
    return if_true if value else if_false


def _is_defined(value):
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return value


def _environment():
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters.update(to_json=lambda v: json.dumps(v), from_json=json.loads, iif=_iif,
                       is_defined=_is_defined)
    env.globals.update(iif=_iif)
    return env


ENV = _environment()


def render(template, **variables):
    """Render a template as Home Assistant would (value, value_json, ...);
    a template error or a missing field raises TemplateError."""
    try:
        return ENV.from_string(template).render(**variables)
    except jinja2.TemplateError as exc:
        raise TemplateError("%s: %s" % (type(exc).__name__, exc))


def check_template(tpl):
    """Does tpl parse as a Jinja template? Returns a problem or None."""
    if not isinstance(tpl, str):
        return "template is not a string"
    try:
        ENV.parse(tpl)
    except jinja2.TemplateSyntaxError as exc:
        return "template %r does not parse: %s" % (tpl, exc)
    return None


# --- one config -------------------------------------------------------------

def _check_keys(component, cfg, p):
    required, optional = PLATFORMS[component]
    for k in sorted(required - set(cfg)):
        p.append("required key %r missing" % k)
    for k in sorted(set(cfg) - required - optional - COMMON_KEYS):
        p.append("key %r is not in Home Assistant's %s schema" % (k, component))


def _check_device(cfg, p):
    dev = cfg.get("device")
    if not isinstance(dev, dict):
        p.append("no device block")
        return
    unknown = set(dev) - set(DEVICE_ABBREVIATIONS.values())
    if unknown:
        p.append("device keys not in Home Assistant's schema: %s" % sorted(unknown))
    ids = dev.get("identifiers")
    ids = [ids] if isinstance(ids, str) else ids
    if not ids and not dev.get("connections"):
        p.append("device needs identifiers or connections")
    elif ids and not all(isinstance(i, str) for i in ids):
        p.append("device identifiers must be strings")
    for k in ("name", "model", "manufacturer", "sw_version"):
        if k in dev and not isinstance(dev[k], str):
            p.append("device %s must be a string" % k)


def _check_origin(cfg, p):
    org = cfg.get("origin")
    if org is None:
        p.append("no origin block")
        return
    if not isinstance(org, dict) or not isinstance(org.get("name"), str) or not org["name"]:
        p.append("origin needs a name")
        return
    if set(org) - {"name", "sw_version", "support_url"}:
        p.append("origin keys not in Home Assistant's schema: %s" % sorted(org))
    url = org.get("support_url")
    if url is not None and not re.match(r"^https?://[^\s/]+", str(url)):
        p.append("origin support_url is not an http(s) URL: %r" % url)


def _check_values(component, cfg, p):
    dc = cfg.get("device_class")
    if dc is not None and dc not in DEVICE_CLASSES.get(component, set()):
        p.append("device_class %r not valid for %s" % (dc, component))
    cat = cfg.get("entity_category")
    if cat is not None and (cat not in ("config", "diagnostic") or
                            (cat == "config" and component in READ_ONLY)):
        p.append("entity_category %r not allowed for %s" % (cat, component))
    if cfg.get("qos", 0) not in (0, 1, 2):
        p.append("qos must be 0, 1 or 2")
    if "state_class" in cfg and cfg["state_class"] not in STATE_CLASSES:
        p.append("state_class %r unknown" % cfg["state_class"])
    if "availability" in cfg and "availability_topic" in cfg:
        p.append("availability and availability_topic are exclusive")
    for k in ("retain", "optimistic", "enabled_by_default", "force_update"):
        if k in cfg and not isinstance(cfg[k], bool):
            p.append("%s must be a boolean" % k)
    if not isinstance(cfg.get("name", ""), (str, type(None))):
        p.append("name must be a string or null")
    if not isinstance(cfg.get("unique_id", ""), str):
        p.append("unique_id must be a string")


def _check_platform(component, cfg, p):
    if component == "text":
        lo, hi = cfg.get("min", 0), cfg.get("max", MAX_STATE_LEN)
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo < hi <= MAX_STATE_LEN):
            p.append("text needs 0 <= min < max <= %d (min=%r max=%r)" % (MAX_STATE_LEN, lo, hi))
        if cfg.get("mode", "text") not in ("text", "password"):
            p.append("text mode must be text or password")
        if "pattern" in cfg:
            try:
                re.compile(cfg["pattern"])
            except re.error:
                p.append("text pattern is not a regex")
    if component == "select":
        ops = cfg.get("options")
        if not (isinstance(ops, list) and ops and all(isinstance(o, str) for o in ops)):
            p.append("select options must be a non-empty list of strings")
        elif len(set(ops)) != len(ops):
            p.append("select options repeat")
    if component == "event":
        et = cfg.get("event_types")
        if not (isinstance(et, list) and et and all(isinstance(e, str) for e in et)):
            p.append("event_types must be a non-empty list of strings")
    if component == "sensor" and "options" in cfg and cfg.get("device_class") != "enum":
        p.append("sensor options need device_class enum")


def _check_topics(cfg, p):
    for k, v in cfg.items():
        if k == "command_topic" and not valid_publish_topic(v):
            p.append("command_topic %r is not a publishable topic (wildcards?)" % v)
        elif k.endswith("_topic") and k != "command_topic" and not valid_subscribe_topic(v):
            p.append("%s %r is not a valid topic filter" % (k, v))
    for av in cfg.get("availability") or []:
        if not valid_subscribe_topic(av.get("topic")):
            p.append("availability topic %r invalid" % av.get("topic"))
    for k, v in cfg.items():
        if k.endswith("_template") and (err := check_template(v)):
            p.append("%s: %s" % (k, err))


def check_config(topic, payload, ha_prefix="homeassistant"):
    """Check one discovery message against Home Assistant's rules.
    Returns (component, expanded config or None, problems)."""
    p = []
    m = TOPIC_RE.match(topic)
    if not m or m.group("prefix") != ha_prefix:
        return None, None, ["discovery topic %r does not match %s/<component>/[<node_id>/]"
                            "<object_id>/config" % (topic, ha_prefix)]
    component = m.group("component")
    if component not in PLATFORMS:
        return component, None, ["component %r is not checked here" % component]
    try:
        raw = json.loads(payload)
    except ValueError as exc:
        return component, None, ["payload is not JSON: %s" % exc]
    if not isinstance(raw, dict):
        return component, None, ["payload is not a JSON object"]
    cfg, p = expand(raw)
    if abbreviation_style(raw) == "mixed":
        p.append("mixes abbreviated and full keys")
    _check_keys(component, cfg, p)
    _check_device(cfg, p)
    _check_origin(cfg, p)
    _check_values(component, cfg, p)
    _check_platform(component, cfg, p)
    _check_topics(cfg, p)
    return component, cfg, p


# --- keymime: the topics the agent serves and what its payloads look like ---

SAMPLE_STATUS = {
    "device_id": "pi1", "version": "0.1.0", "layout": "us", "target": "linux", "groups": ["all"],
    "host": "connected", "leds": {"num_lock": False, "caps_lock": True, "scroll_lock": False, "known": True},
    "busy": False, "keep_awake": True, "queue": 0, "counters": {"commands": 1},
}
SAMPLE_RESULTS = [{"id": "42", "ok": True, "chars": 5, "ms": 12},
                  {"id": None, "ok": False, "error": "unknown_key", "detail": "no key 'ctl'"}]


def served_topics(device_id, prefix="keymime"):
    base = "%s/%s/" % (prefix, device_id)
    return ({base + t for t in ("type", "keys", "cmd")},
            {base + t for t in ("status", "result", "availability")})


def _render_checks(component, cfg, status, results, p):
    """Render each template as Home Assistant would and check the outcome."""
    samples = {"status": [status], "result": results}
    kind = cfg.get("state_topic", "").rsplit("/", 1)[-1]
    for sample in samples.get(kind, []):
        text = json.dumps(sample)
        try:
            val = render(cfg.get("value_template", "{{ value }}"), value=text, value_json=sample)
        except TemplateError as exc:
            p.append("value_template: %s" % exc)
            continue
        if component == "binary_sensor":
            ok = (cfg.get("payload_on", "ON"), cfg.get("payload_off", "OFF"), "None")
            if val not in ok:
                p.append("value_template renders %r, not one of %s" % (val, ok))
        elif component == "switch":
            # Home Assistant compares the rendered state with state_on/state_off,
            # which default to the payloads.
            ok = (cfg.get("state_on", cfg.get("payload_on", "ON")),
                  cfg.get("state_off", cfg.get("payload_off", "OFF")), "None")
            if val not in ok:
                p.append("value_template renders %r, not state_on/state_off %s" % (val, ok))
        elif component == "sensor" and "options" in cfg and val not in cfg["options"]:
            p.append("value_template renders %r, not one of the options" % val)
        elif component == "select" and val not in cfg.get("options", []):
            p.append("value_template renders %r, not an option" % val)
        elif component == "event":
            try:
                ev = json.loads(val)
                if ev.get("event_type") not in cfg.get("event_types", []):
                    p.append("event renders event_type %r, not declared" % ev.get("event_type"))
            except (ValueError, AttributeError):
                p.append("event value_template renders non-JSON %r" % val)
        elif component == "text" and len(val) > cfg.get("max", MAX_STATE_LEN):
            p.append("text state longer than max")
    if "json_attributes_template" in cfg:
        kind = cfg.get("json_attributes_topic", "").rsplit("/", 1)[-1]
        for sample in samples.get(kind, []):
            try:
                attrs = json.loads(render(cfg["json_attributes_template"], value_json=sample))
                if not isinstance(attrs, dict):
                    p.append("json_attributes_template does not render an object")
            except (TemplateError, ValueError) as exc:
                p.append("json_attributes_template: %s" % exc)


def check_keymime(component, cfg, device_id, prefix="keymime", status=None, results=None):
    """keymime-specific: topics served by the agent, templates against its payloads."""
    p = []
    commands, states = served_topics(device_id, prefix)
    if "command_topic" in cfg and cfg["command_topic"] not in commands:
        p.append("command_topic %r is not one the agent subscribes" % cfg["command_topic"])
    for k in ("state_topic", "json_attributes_topic", "availability_topic"):
        if k in cfg and cfg[k] not in states:
            p.append("%s %r is not one the agent publishes" % (k, cfg[k]))
    if cfg.get("availability_topic") != "%s/%s/availability" % (prefix, device_id):
        p.append("availability must come from the agent's availability topic")
    if (cfg.get("payload_available", "online"), cfg.get("payload_not_available", "offline")) \
            != ("online", "offline"):
        p.append("availability payloads must be online/offline")
    if not str(cfg.get("unique_id", "")).startswith("keymime_%s_" % device_id):
        p.append("unique_id %r not of the form keymime_<id>_<object>" % cfg.get("unique_id"))
    if (cfg.get("device") or {}).get("identifiers") not in (["keymime_%s" % device_id],
                                                           "keymime_%s" % device_id):
        p.append("device identifiers must be keymime_<id>")
    if component == "text" and cfg.get("max", MAX_STATE_LEN) > MAX_STATE_LEN:
        p.append("text max above Home Assistant's limit")
    _render_checks(component, cfg, status or SAMPLE_STATUS, results or SAMPLE_RESULTS, p)
    return p


def check_all(messages, device_id="pi1", prefix="keymime", ha_prefix="homeassistant",
              status=None, results=None):
    """messages: [(topic, payload)]. Returns a list of 'topic: problem' strings."""
    problems, uids, topics, styles = [], {}, set(), set()
    for topic, payload in messages:
        if topic in topics:
            problems.append("%s: published twice" % topic)
        topics.add(topic)
        component, cfg, p = check_config(topic, payload, ha_prefix)
        if cfg is not None:
            p += check_keymime(component, cfg, device_id, prefix, status, results)
            styles.add(abbreviation_style(json.loads(payload)))
            uid = cfg.get("unique_id")
            if uid in uids:
                p.append("unique_id %r also used by %s" % (uid, uids[uid]))
            uids[uid] = topic
            m = TOPIC_RE.match(topic)
            if m.group("node") != "keymime_%s" % device_id:
                p.append("node id must be keymime_<id>")
        problems += ["%s: %s" % (topic, x) for x in p]
    if len(styles - {"neutral"}) > 1:
        problems.append("configs mix abbreviated and full key styles: %s" % sorted(styles))
    return problems


if __name__ == "__main__":
    import sys
    msgs = [tuple(line.rstrip("\n").split(" ", 1)) for line in sys.stdin if " " in line]
    out = check_all(msgs, *(sys.argv[1:2] or ["pi1"]))
    print("\n".join(out) or "%d configs OK" % len(msgs))
    sys.exit(1 if out else 0)
