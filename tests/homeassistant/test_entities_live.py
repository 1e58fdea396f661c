# SPDX-License-Identifier: MIT
"""Use the discovered entities as Home Assistant would: read each entity's
command_topic (and command_template) FROM its discovery payload, publish what
Home Assistant publishes, and check the HID reports the agent writes."""
import json

import hatest
from hatest import ha_schema, wait_configs, by_object

hatest.require_agent()
from hatest import harness  # noqa: E402

kbd, RELEASE = harness.kbd, harness.RELEASE
CTRL, SHIFT, ALT = 0x01, 0x02, 0x04


class Setup:
    """One broker + agent with discovery on, the configs read back, results watched."""

    def __init__(self, **conf):
        self.conf = dict(conf, ha_discovery="on")

    def __enter__(self):
        self.broker = harness.Broker().start()
        self.agent = harness.Agent(self.broker, "pi1", conf=self.conf).start()
        self.agent.wait_online()
        macros = [a for k in self.conf if k.startswith("macro.") for a in ("--macro", k[6:])]
        n = len(hatest.ha_dump(*macros))
        self.entities = by_object(wait_configs(self.broker, n))
        self.results = harness.Results(self.broker, "pi1")
        return self

    def __exit__(self, *exc):
        self.results.close()
        self.agent.__exit__()
        self.broker.__exit__()

    def press(self, component, obj, value=None):
        """Do what Home Assistant does for this entity; returns the result JSON."""
        cfg = self.entities[(component, obj)]
        if component == "button":
            payload = cfg.get("payload_press", "PRESS")
        else:
            payload = value
        if "command_template" in cfg:
            payload = ha_schema.render(cfg["command_template"], value=value)
        before = len(self.results.messages())
        self.agent.clear()
        # as Home Assistant's account, with the entity's QoS
        self.broker.pub(cfg["command_topic"], payload, user=harness.HOMEASSISTANT,
                        qos=cfg.get("qos", 0))
        self.results.wait_n(before + 1, timeout=30)
        return json.loads(self.results.messages()[before][1])


def test_button_presses_its_chord():
    with Setup() as s:
        r = s.press("button", "combo_ctrl_alt_del")
        assert r["ok"], r
        assert s.agent.reports() == [kbd(CTRL | ALT), kbd(CTRL | ALT, 0x4C), RELEASE], \
            s.agent.reports()


def test_macro_button_runs_the_macro():
    with Setup(**{"macro.login": '{"seq":[{"text":"ab"},{"keys":"enter"}]}'}) as s:
        r = s.press("button", "macro_login")
        assert r["ok"] and r["id"] == "homeassistant-macro-login", r
        assert s.agent.reports() == [kbd(0, 0x04), RELEASE, kbd(0, 0x05), RELEASE,
                                     kbd(0, 0x28), RELEASE], s.agent.reports()


def test_every_default_button_types_something_and_releases():
    with Setup() as s:
        for (comp, obj), cfg in sorted(s.entities.items()):
            if comp != "button" or not obj.startswith("combo_"):   # Wake types nothing
                continue
            r = s.press(comp, obj)
            reps = s.agent.reports()
            assert r["ok"] and reps and reps[-1] == RELEASE, (obj, r, reps)
            assert any(rep[2] for rep in reps), (obj, reps)


def test_text_entity_types_the_value():
    with Setup() as s:
        r = s.press("text", "type", "a")
        assert r["ok"], r
        assert s.agent.reports() == [kbd(0, 0x04), RELEASE], s.agent.reports()
        r = s.press("text", "type", "Ab")
        assert s.agent.reports() == [kbd(SHIFT, 0x04), RELEASE, kbd(0, 0x05), RELEASE], \
            s.agent.reports()


def test_notify_entity_types_the_message():
    with Setup() as s:
        msg = "ab " * 90                       # longer than a text entity allows
        r = s.press("notify", "type_long", msg)
        assert r["ok"] and r.get("chars", len(msg)) == len(msg), r
        reps = s.agent.reports()
        assert len(reps) == 2 * len(msg) and reps[-1] == RELEASE, len(reps)
        assert reps[:6] == [kbd(0, 0x04), RELEASE, kbd(0, 0x05), RELEASE, kbd(0, 0x2C), RELEASE]


def test_select_changes_the_layout_in_the_status():
    with Setup() as s:
        cfg = s.entities[("select", "layout")]
        assert "de" in cfg["options"], cfg["options"]
        r = s.press("select", "layout", "de")
        assert r["ok"], r
        st = harness.wait_for(lambda: (s.agent.status() or {}).get("layout") == "de"
                              and s.agent.status(), 10, "layout de in the status")
        # What Home Assistant would show as the select's state:
        assert ha_schema.render(cfg["value_template"], value_json=st) == "de"
        # And typing follows it: 'z' is where 'y' is on a US keyboard.
        s.press("text", "type", "z")
        assert s.agent.reports() == [kbd(0, 0x1C), RELEASE], s.agent.reports()
        s.press("select", "layout", "us")
        harness.wait_for(lambda: (s.agent.status() or {}).get("layout") == "us", 10, "us again")


def test_keep_awake_switch_turns_it_on_and_off():
    with Setup(keep_awake_interval_s="1") as s:
        cfg = s.entities[("switch", "keep_awake")]

        def state():
            st = s.agent.status() or {}
            return ha_schema.render(cfg["value_template"], value_json=st) if st else None
        harness.wait_for(lambda: state() == cfg["state_off"], 10, "off at start")
        for payload, want in (("payload_on", "state_on"), ("payload_off", "state_off")):
            before = len(s.results.messages())
            s.broker.pub(cfg["command_topic"], cfg[payload], user=harness.HOMEASSISTANT,
                         qos=cfg.get("qos", 0))
            s.results.wait_n(before + 1)
            r = json.loads(s.results.messages()[before][1])
            assert r["ok"] and r["id"] == "homeassistant-keep-awake", r
            harness.wait_for(lambda: state() == cfg[want], 10, "switch " + want)
            if want == "state_on":   # and it taps F15 (0x6A) once a second while on
                harness.wait_for(lambda: kbd(0, 0x6A) in s.agent.reports(), 5, "a tap")


def test_target_select_changes_the_system_and_the_layout_options():
    """Choosing macOS: the status says macos, the agent publishes the layout
    select again with macOS's layouts, and text follows (@ on a German Mac
    is Option+L)."""
    with Setup(layout="de") as s:
        cfg = s.entities[("select", "target")]
        assert cfg["options"] == ["linux", "windows", "macos", "chromeos"], cfg["options"]
        linux_options = s.entities[("select", "layout")]["options"]
        r = s.press("select", "target", "macos")
        assert r["ok"] and (r["target"], r["layout"]) == ("macos", "de"), r
        st = harness.wait_for(lambda: (s.agent.status() or {}).get("target") == "macos"
                              and s.agent.status(), 10, "target macos in the status")
        assert ha_schema.render(cfg["value_template"], value_json=st) == "macos"

        def layout_options():
            c = hatest.retained_configs(s.broker)["homeassistant/select/keymime_pi1/layout/config"]
            return json.loads(c)["options"]
        mac = harness.wait_for(lambda: layout_options() != linux_options and layout_options(), 10,
                               "the layout select republished")
        assert "it-pro" in mac and "us-workman" not in mac and len(mac) < len(linux_options), mac
        layout_state = ha_schema.render(s.entities[("select", "layout")]["value_template"],
                                        value_json=st)
        assert layout_state == "de" and layout_state in mac
        s.press("text", "type", "@")
        assert s.agent.reports() == [kbd(ALT, 0x0F), RELEASE], s.agent.reports()
        s.press("select", "target", "linux")
        harness.wait_for(lambda: layout_options() == linux_options, 10, "linux layouts again")


def test_wake_button_and_computer_sensor():
    """With no USB controller (the harness writes to a file) the Wake button
    says it cannot; the Computer sensor renders the status's host."""
    with Setup() as s:
        r = s.press("button", "wake")
        assert (r["ok"], r["error"], r["id"]) == (False, "wake_unsupported", "homeassistant-wake"), r
        assert s.agent.reports() == [], "nothing typed"
        st = harness.wait_for(s.agent.status, 10, "status")
        cfg = s.entities[("sensor", "computer")]
        assert ha_schema.render(cfg["value_template"], value_json=st) == st["host"] == "unknown"


def test_sensors_read_the_live_status_and_results():
    with Setup() as s:
        st = harness.wait_for(s.agent.status, 10, "status")
        host = ha_schema.render(s.entities[("binary_sensor", "host")]["value_template"],
                                value_json=st)
        assert host in ("ON", "OFF", "None"), host
        # No LED report from a computer yet: unknown ("None"), not OFF (#15).
        assert st["leds"]["known"] is False, st
        for led in ("caps_lock", "num_lock", "scroll_lock"):
            v = ha_schema.render(s.entities[("binary_sensor", led)]["value_template"],
                                 value_json=st)
            assert v == "None", (led, v)
        good = s.press("button", "combo_enter")       # a result to read
        cfg = s.entities[("sensor", "last_result")]
        assert ha_schema.render(cfg["value_template"], value_json=good) == "ok"
        ev = s.entities[("event", "result")]
        assert json.loads(ha_schema.render(ev["value_template"], value_json=good))["event_type"] \
            == "ok"
        # An error result renders its code, and the event type "error".
        before = len(s.results.messages())
        s.broker.pub("keymime/pi1/keys", "ctl+c")
        s.results.wait_n(before + 1)
        err = json.loads(s.results.messages()[before][1])
        assert not err["ok"], err
        assert ha_schema.render(cfg["value_template"], value_json=err) == err["error"]
        assert json.loads(ha_schema.render(ev["value_template"], value_json=err))["event_type"] \
            == "error"


def test_led_and_host_sensors_follow_the_status():
    # The host said: Caps Lock on (LED output report, bit 1). A report file has
    # no host behind it, so the host link is "unknown": the sensor must say so.
    import os
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="keymime-leds-")
    leds = os.path.join(d, "leds")
    with open(leds, "wb") as f:
        f.write(b"\x02")
    try:
        _check_leds(leds)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _check_leds(leds):
    with Setup(hid_keyboard_leds=leds) as s:
        st = harness.wait_for(lambda: (s.agent.status() or {}).get("leds", {}).get("caps_lock")
                              and s.agent.status(), 10, "Caps Lock on in the status")
        state = {led: ha_schema.render(s.entities[("binary_sensor", led)]["value_template"],
                                       value_json=st)
                 for led in ("caps_lock", "num_lock", "scroll_lock", "host", "busy")}
        want_host = {"connected": "ON", "disconnected": "OFF"}.get(st["host"], "None")
        assert state == {"caps_lock": "ON", "num_lock": "OFF", "scroll_lock": "OFF",
                         "host": want_host, "busy": "OFF"}, (state, st)
        assert st["host"] == "unknown", st


if __name__ == "__main__":
    hatest.testmain.main(globals())
