# SPDX-License-Identifier: MIT
"""Discovery as a real agent publishes it to a real mosquitto: on connect,
again after Home Assistant restarts, gone when discovery is turned off."""
import json

import hatest
from hatest import ha_dump, ha_schema, wait_configs

hatest.require_agent()
from hatest import harness  # noqa: E402

Broker, Agent, HA = harness.Broker, harness.Agent, harness.HOMEASSISTANT
ON = {"ha_discovery": "on"}


def expected(*args):
    """What the agent should publish, from the pure module with the same config."""
    return dict(ha_dump(*args))


def live_status(agent):
    return harness.wait_for(agent.status, 10, "a retained status")


def test_discovery_appears_on_connect_and_passes_the_schema():
    # A device account, as in production: its ACL must let it publish discovery.
    with Broker() as b, Agent(b, "pi1", conf=ON) as a:
        assert a.user == "pi1"
        a.wait_online()
        status = live_status(a)
        want = expected("--version", status["version"])
        got = wait_configs(b, len(want))
        assert sorted(got) == sorted(want), (sorted(got), sorted(want))
        for t in want:
            assert json.loads(got[t]) == json.loads(want[t]), t
        problems = ha_schema.check_all(sorted(got.items()), "pi1", status=status)
        assert not problems, "\n".join(problems)


def test_state_topics_are_ones_the_agent_really_publishes():
    with Broker() as b, Agent(b, "pi1", conf=ON) as a:
        a.wait_online()
        seen = harness.Subscriber(b, "keymime/pi1/#")
        configs = wait_configs(b, len(expected()))
        b.pub("keymime/pi1/keys", "shift")          # so that a result is published
        seen.wait(1, topic_suffix="/result")
        published = {t for t, _ in seen.messages()}
        seen.close()
        for topic, payload in configs.items():
            cfg, _ = ha_schema.expand(json.loads(payload))
            for key in ("state_topic", "json_attributes_topic", "availability_topic"):
                if key in cfg:
                    assert cfg[key] in published, (topic, key, cfg[key], published)


def test_home_assistant_restart_brings_the_configs_back():
    with Broker() as b, Agent(b, "pi1", conf=ON) as a:
        a.wait_online()
        n = len(expected())
        configs = wait_configs(b, n)
        # A fresh Home Assistant (or a wiped broker) has no configs any more...
        for t in configs:
            b.pub(t, "", user=HA, retain=True)
        wait_configs(b, 0)
        # ...and announces itself with its birth message.
        b.pub("homeassistant/status", "online", user=HA)
        again = wait_configs(b, n)
        assert sorted(again) == sorted(configs)


def test_home_assistant_going_offline_changes_nothing():
    with Broker() as b, Agent(b, "pi1", conf=ON) as a:
        a.wait_online()
        n = len(expected())
        wait_configs(b, n)
        topics = [hatest.discovery_filter(), "keymime/pi1/availability"]
        with harness.Subscriber(b, topics, user=HA) as seen, \
                harness.Results(b, "pi1", state=True) as res:
            b.pub("homeassistant/status", "offline", user=HA)
            # The fence: a probe command after it, answered (intake saw the
            # offline first), then a status counting that probe: published by
            # the main thread's tick after it, which handles a discovery
            # request before the status. The agent is fresh: the probe is its
            # first command. So a wrong reaction would be out by now.
            res.fence()
            res.wait_status(lambda st: st["counters"]["commands"] >= 1, 10,
                            "a status counting the probe")
            seen.fence()
            live = [m for m in seen.received() if not m.retain]   # (not those at subscribe)
            assert live == [], live
        a.wait_online()
        assert len(hatest.retained_configs(b)) == n


def test_prefix_and_combos_from_the_config():
    conf = dict(ON, ha_prefix="ha", ha_combos="Paste=ctrl+v, Vol up=AudioVolumeUp")
    # Another discovery prefix is outside the generated ACL (a real install
    # adds acl.local lines like these), and the keymime_guard plugin lets a
    # device retain discovery configs under homeassistant/ only: this agent
    # logs in as ADMIN, which the guard does not limit.
    local = "user %s\ntopic write ha/#\nuser %s\ntopic read ha/#\n" % (harness.ADMIN, HA)
    with Broker(acl_local=local) as b, Agent(b, "pi1", conf=conf, user=harness.ADMIN) as a:
        a.wait_online()
        status = live_status(a)
        want = expected("--ha-prefix", "ha", "--combos", conf["ha_combos"],
                        "--version", status["version"])
        got = wait_configs(b, len(want), ha_prefix="ha")
        assert sorted(got) == sorted(want)
        buttons = sorted(t for t in got if "/button/keymime_pi1/combo_" in t)
        assert buttons == ["ha/button/keymime_pi1/combo_paste/config",
                           "ha/button/keymime_pi1/combo_vol_up/config"], buttons
        assert not ha_schema.check_all(sorted(got.items()), "pi1", ha_prefix="ha", status=status)
        assert hatest.retained_configs(b) == {}, "nothing under homeassistant/"


def test_turning_discovery_off_removes_the_configs():
    with Broker() as b:
        with Agent(b, "pi1", conf=ON) as a:
            a.wait_online()
            wait_configs(b, len(expected()))
        # The harness default is ha_discovery = off: the agent clears its configs.
        with Agent(b, "pi1") as a:
            a.wait_online()
            wait_configs(b, 0)
            b.pub("homeassistant/status", "online", user=HA)   # and does not bring them back
            a.wait_online()
            assert hatest.retained_configs(b) == {}


def test_a_bad_combo_is_refused_by_check_config():
    import subprocess
    with Broker() as b:
        a = Agent(b, "pi1", conf=dict(ON, ha_combos="Oops=ctl+alt+delete"))
        try:
            r = subprocess.run([harness.agent_binary(), "--config", a.conf_path,
                                "--check-config"], capture_output=True, text=True, timeout=20)
            assert r.returncode != 0, r
            assert "ctl" in (r.stdout + r.stderr), r
        finally:
            import shutil
            shutil.rmtree(a.dir, ignore_errors=True)


def test_name_and_location_name_the_device_and_its_area():
    conf = dict(ON, name="Reception PC", location="Front desk")
    with Broker() as b, Agent(b, "pi1", conf=conf) as a:
        a.wait_online()
        status = live_status(a)
        assert status["name"] == "Reception PC" and status["location"] == "Front desk", status
        assert status["limits"] == {"max_chars": 65536, "max_payload": 262144, "max_steps": 1000}, status
        got = wait_configs(b, len(expected()))
        for topic, payload in got.items():
            dev = json.loads(payload)["device"]
            assert dev["name"] == "Reception PC", (topic, dev)
            assert dev["suggested_area"] == "Front desk", (topic, dev)
            assert dev["identifiers"] == ["keymime_pi1"], (topic, dev)
        problems = ha_schema.check_all(sorted(got.items()), "pi1", status=status)
        assert not problems, "\n".join(problems)


if __name__ == "__main__":
    hatest.testmain.main(globals())
