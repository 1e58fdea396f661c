# SPDX-License-Identifier: MIT
"""The discovery configs built by agent/core/ha_discovery.c, checked against
Home Assistant's schemas by ha_schema.py (which knows nothing of the C code),
and the checker itself checked: every rule must catch a broken payload."""
import json
import os
import subprocess

import hatest
from hatest import ha_dump, ha_schema

if not os.access(hatest.ha_dump_path(), os.X_OK):
    hatest.skip("ha_dump not built at %s" % hatest.ha_dump_path())

CONFIGS = [
    ("defaults", ["--device-id", "pi1"], "pi1", "keymime", "homeassistant"),
    ("no buttons", ["--device-id", "pi1", "--combos", "none"], "pi1", "keymime", "homeassistant"),
    ("custom", ["--device-id", "desk-2", "--topic-prefix", "office/kb", "--ha-prefix", "ha",
                "--version", "1.2.3", "--combos",
                "Run=super+r, Vol up=AudioVolumeUp, Copy paste=ctrl+c ctrl+v, →=ctrl+alt+ArrowRight"],
     "desk-2", "office/kb", "ha"),
    ("macros", ["--device-id", "pi1", "--macro", "login", "--macro", "Boot-Menu_2"],
     "pi1", "keymime", "homeassistant"),
]


def test_every_config_passes_home_assistants_schema():
    for label, args, dev, prefix, ha in CONFIGS:
        msgs = ha_dump(*args)
        assert msgs, label
        problems = ha_schema.check_all(msgs, dev, prefix, ha)
        assert not problems, "%s:\n  %s" % (label, "\n  ".join(problems))


def test_the_promised_entities_are_there():
    got = {(m.group("component"), m.group("object"))
           for m in (ha_schema.TOPIC_RE.match(t) for t, _ in ha_dump())}
    for want in [("text", "type"), ("notify", "type_long"), ("select", "layout"), ("select", "target"),
                 ("binary_sensor", "host"), ("binary_sensor", "caps_lock"),
                 ("binary_sensor", "num_lock"), ("binary_sensor", "scroll_lock"),
                 ("sensor", "last_result"), ("event", "result"), ("switch", "keep_awake"),
                 ("button", "wake"), ("sensor", "computer"),
                 ("button", "combo_ctrl_alt_del"), ("button", "combo_lock_screen")]:
        assert want in got, "missing %s/%s in %s" % (want + (sorted(got),))


def test_buttons_press_the_configured_chords():
    msgs = dict(ha_dump("--combos", "Paste=ctrl+v, Vol up=AudioVolumeUp"))
    b = json.loads(msgs["homeassistant/button/keymime_pi1/combo_paste/config"])
    assert (b["command_topic"], b["payload_press"], b["name"]) == \
        ("keymime/pi1/keys", "ctrl+v", "Paste"), b
    b = json.loads(msgs["homeassistant/button/keymime_pi1/combo_vol_up/config"])
    assert b["payload_press"] == "AudioVolumeUp", b


def test_a_button_per_macro_runs_it():
    msgs = dict(ha_dump("--macro", "login", "--macro", "Boot-Menu_2"))
    for name in ("login", "Boot-Menu_2"):
        b = json.loads(msgs["homeassistant/button/keymime_pi1/macro_%s/config" % name])
        assert (b["command_topic"], b["name"], b["unique_id"]) == \
            ("keymime/pi1/cmd", name, "keymime_pi1_macro_" + name), b
        assert json.loads(b["payload_press"]) == \
            {"id": "homeassistant-macro-" + name, "macro": name}, b
    assert not [t for t in dict(ha_dump()) if "/macro_" in t], "no macros, no macro buttons"
    r = ha_dump("--macro", "no spaces", check=False)
    assert r.returncode == 1 and r.stdout == "", "a bad name publishes nothing"


def test_keep_awake_switch_sends_and_reads_it():
    s = json.loads(dict(ha_dump())["homeassistant/switch/keymime_pi1/keep_awake/config"])
    assert s["command_topic"] == "keymime/pi1/cmd" and s["state_topic"] == "keymime/pi1/status"
    assert json.loads(s["payload_on"])["keep_awake"] is True
    assert json.loads(s["payload_off"])["keep_awake"] is False
    for on in (True, False):
        state = ha_schema.render(s["value_template"], value_json={"keep_awake": on})
        assert state == (s["state_on"] if on else s["state_off"]), state


def test_wake_button_and_computer_state():
    msgs = dict(ha_dump())
    b = json.loads(msgs["homeassistant/button/keymime_pi1/wake/config"])
    assert b["command_topic"] == "keymime/pi1/cmd" and json.loads(b["payload_press"])["wake"] is True
    s = json.loads(msgs["homeassistant/sensor/keymime_pi1/computer/config"])
    h = json.loads(msgs["homeassistant/binary_sensor/keymime_pi1/host/config"])
    for host, conn in (("connected", "ON"), ("disconnected", "OFF"), ("suspended", "OFF"),
                       ("unknown", "None")):
        assert ha_schema.render(s["value_template"], value_json={"host": host}) == host
        assert host in s["options"]
        assert ha_schema.render(h["value_template"], value_json={"host": host}) == conn, host


def test_select_template_renders_the_set_layout_command():
    msgs = dict(ha_dump())
    s = json.loads(msgs["homeassistant/select/keymime_pi1/layout/config"])
    for option in s["options"]:
        cmd = json.loads(ha_schema.render(s["command_template"], value=option))
        assert cmd["set_layout"] == option, cmd
    assert "us" in s["options"] and len(s["options"]) == len(set(s["options"]))


def test_target_select_renders_set_target_and_the_layouts_follow():
    msgs = dict(ha_dump())
    s = json.loads(msgs["homeassistant/select/keymime_pi1/target/config"])
    assert s["options"] == ["linux", "windows", "macos", "chromeos"], s
    for option in s["options"]:
        cmd = json.loads(ha_schema.render(s["command_template"], value=option))
        assert cmd == {"id": "homeassistant-target", "set_target": option}, cmd
    for target in s["options"]:
        layouts = json.loads(dict(ha_dump("--target", target))
                             ["homeassistant/select/keymime_pi1/layout/config"])["options"]
        want = [l["name"] for l in json.loads(subprocess.run(
            [os.path.join(hatest.build_dir(), "agent", "keymime-agent"), "--config", "/dev/null", "--list-layouts", "--target", target,
             "--json"], capture_output=True, check=True).stdout)]
        assert layouts == want, target
        problems = ha_schema.check_all(ha_dump("--target", target), "pi1", "keymime",
                                       "homeassistant")
        assert not problems, problems


def test_remove_clears_exactly_the_published_topics():
    for label, args, *_ in CONFIGS:
        pub = ha_dump(*args)
        rem = ha_dump("--remove", *args)
        assert [t for t, _ in rem] == [t for t, _ in pub], label
        assert all(p == "" for _, p in rem), label


def test_bad_combos_are_refused_with_a_message():
    for text, needle in [("Paste", "Name=keys"), ("X=ctl+v", "no key named 'ctl'"),
                         ("A=a, a=b", "same id")]:
        r = ha_dump("--validate", "--combos", text, check=False)
        assert r.returncode == 1 and needle in r.stderr, (text, r.stderr)
        r = ha_dump("--combos", text, check=False)
        assert r.returncode == 1 and r.stdout == "", (text, r.stdout)
    assert ha_dump("--validate", "--combos", "Paste=ctrl+v", check=False).returncode == 0


# --- the checker must not be vacuous: each rule catches a broken config ---

def _mutated(mutate, component="text", obj="type"):
    msgs = ha_dump()
    topic = "homeassistant/%s/keymime_pi1/%s/config" % (component, obj)
    out = []
    for t, p in msgs:
        if t == topic:
            cfg = json.loads(p)
            mutate(cfg)
            t = cfg.pop("__topic__", t)     # a mutation may move the config
            p = json.dumps(cfg)
        out.append((t, p))
    return ha_schema.check_all(out, "pi1")


MUTATIONS = [
    ("required key", lambda c: c.pop("command_topic"), "text", "type", "required key"),
    ("wildcard command", lambda c: c.update(command_topic="keymime/+/type"), "text", "type",
     "not a publishable topic"),
    ("wrong command topic", lambda c: c.update(command_topic="keymime/pi1/typo"), "text", "type",
     "not one the agent subscribes"),
    ("wrong state topic", lambda c: c.update(state_topic="keymime/pi1/state"), "sensor",
     "last_result", "not one the agent publishes"),
    ("bad filter", lambda c: c.update(state_topic="keymime/#/status"), "binary_sensor", "host",
     "not a valid topic filter"),
    ("unknown key", lambda c: c.update(colour="red"), "button", "combo_enter", "not in Home"),
    ("abbreviated twice", lambda c: c.update(cmd_t=c["command_topic"]), "button", "combo_enter",
     "given twice"),
    ("mixed styles", lambda c: c.update(uniq_id=c.pop("unique_id")), "button", "combo_enter",
     "mixes"),
    ("config on sensor", lambda c: c.update(entity_category="config"), "sensor", "queue",
     "not allowed"),
    ("device class", lambda c: c.update(device_class="keyboard"), "binary_sensor", "host",
     "device_class"),
    ("text max", lambda c: c.update(max=1000), "text", "type", "max"),
    ("text mode", lambda c: c.update(mode="secret"), "text", "type", "mode"),
    ("no identifiers", lambda c: c["device"].pop("identifiers"), "select", "layout",
     "identifiers"),
    ("origin name", lambda c: c["origin"].pop("name"), "select", "layout", "origin needs"),
    ("no origin", lambda c: c.pop("origin"), "select", "layout", "no origin"),
    ("empty options", lambda c: c.update(options=[]), "select", "layout", "options"),
    ("no event types", lambda c: c.pop("event_types"), "event", "result", "event_types"),
    ("undeclared event", lambda c: c.update(event_types=["ok"]), "event", "result",
     "not declared"),
    ("template field", lambda c: c.update(value_template="{{ value_json.led.caps_lock }}"),
     "binary_sensor", "caps_lock", "has no attribute 'led'"),
    ("template value", lambda c: c.update(value_template="{{ value_json.busy }}"),
     "binary_sensor", "busy", "not one of"),
    ("select state", lambda c: c.update(value_template="{{ value_json.version }}"),
     "select", "layout", "not an option"),
    ("unbalanced", lambda c: c.update(value_template="{{ value_json.queue }"), "sensor",
     "queue", "does not parse"),
    ("availability", lambda c: c.update(availability_topic="keymime/pi2/availability"),
     "text", "type", "availability"),
    ("unique id", lambda c: c.update(unique_id="keymime_pi1_type"), "notify", "type_long",
     "also used"),
    ("enum state", lambda c: c.update(options=["on", "off"]), "sensor", "computer",
     "not one of the options"),
    ("enum class", lambda c: c.pop("device_class"), "sensor", "computer", "need device_class enum"),
    ("switch state", lambda c: c.pop("state_on"), "switch", "keep_awake",
     "not state_on/state_off"),
    ("switch device class", lambda c: c.update(device_class="heater"), "switch", "keep_awake",
     "device_class"),
    ("bad object id", lambda c: c.update(__topic__="homeassistant/text/keymime_pi1/ty.pe/config"), "text", "type",
     "does not match"),
]


def test_checker_catches_each_broken_config():
    for label, mutate, comp, obj, needle in MUTATIONS:
        problems = _mutated(mutate, comp, obj)
        assert any(needle in p for p in problems), "%s not caught: %s" % (label, problems)


def test_checker_expands_abbreviations_and_base_topic():
    # The same configs written with Home Assistant's abbreviations and a "~" base
    # topic must pass too: the checker reads them as Home Assistant does.
    full_to_abbr = {v: k for k, v in ha_schema.ABBREVIATIONS.items() if k != v}
    dev_abbr = {v: k for k, v in ha_schema.DEVICE_ABBREVIATIONS.items() if k != v}
    out = []
    for t, p in ha_dump():
        cfg = json.loads(p)
        cfg["~"] = "keymime/pi1"
        for k in list(cfg):
            if k.endswith("_topic") and cfg[k].startswith("keymime/pi1/"):
                cfg[k] = "~" + cfg[k][len("keymime/pi1"):]
        cfg["device"] = {dev_abbr.get(k, k): v for k, v in cfg["device"].items()}
        cfg = {full_to_abbr.get(k, k): v for k, v in cfg.items()}
        out.append((t, json.dumps(cfg)))
    assert "cmd_t" in json.loads(out[0][1]) and "~" in json.loads(out[0][1])
    problems = ha_schema.check_all(out, "pi1")
    assert not problems, problems


def test_templates_render_as_in_home_assistant():
    """ha_schema.render is Jinja2 (Debian's python3-jinja2) in Home
    Assistant's sandbox, with the few Home Assistant additions it documents."""
    r = ha_schema.render
    assert r("{{ 'ON' if value_json.a.b else 'OFF' }}", value_json={"a": {"b": True}}) == "ON"
    assert r("{% if value_json.h == 'x' %}1{% elif value_json.h == 'y' %}2{% else %}3{% endif %}",
             value_json={"h": "y"}) == "2"
    assert r("{% if value_json.h == 'x' %}1{% elif value_json.h == 'y' %}2{% else %}3{% endif %}",
             value_json={"h": "z"}) == "3"
    assert json.loads(r("{{ dict(value_json, event_type='ok') | tojson }}",
                        value_json={"id": None})) == {"id": None, "event_type": "ok"}
    assert r('{"set_layout":"{{ value }}"}', value="de") == '{"set_layout":"de"}'
    assert r("{{ value_json.x }}", value_json={"x": None}) == "None"       # as Jinja prints it
    # Jinja's tojson escapes HTML characters, as in Home Assistant; to_json does not.
    assert r("{{ value_json | tojson }}", value_json={"d": "'<"}) == '{"d": "\\u0027\\u003c"}'
    assert r("{{ value_json | to_json }}", value_json={"d": "'<"}) == '{"d": "\'<"}'
    assert r("{{ (value | from_json).a }}", value='{"a": 5}') == "5"
    assert r("{{ iif(value_json.ok, 'yes', 'no') }}", value_json={"ok": False}) == "no"
    assert r("{{ value_json.ok | iif('yes', 'no', 'unknown') }}", value_json={"ok": None}) == \
        "unknown"
    assert r("{{ value_json.a | is_defined }}", value_json={"a": 1}) == "1"
    for bad, env in (("{{ value_json.__class__ }}", {}),          # the sandbox
                     ("{{ value_json.missing }}", {}),            # a field it does not have
                     ("{{ value_json.a | is_defined }}", {}),
                     ("{{ value_json.a | nosuchfilter }}", {"a": 1}),
                     ("{% if value_json.a %}", {"a": 1})):        # unclosed
        try:
            r(bad, value_json=env)
            raise AssertionError("rendered: %r" % bad)
        except ha_schema.TemplateError:
            pass
    assert ha_schema.check_template("{{ value_json.queue }}") is None
    assert "does not parse" in ha_schema.check_template("{{ value_json.queue }")


if __name__ == "__main__":
    hatest.testmain.main(globals())
