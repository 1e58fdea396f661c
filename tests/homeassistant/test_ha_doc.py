# SPDX-License-Identifier: MIT
"""docs/home-assistant.md says what the agent really does: its entity ids follow
from the discovery configs, its JSON example is a real config, and its shell
commands (clearing a stale button, listing configs) work as described."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import hatest
from hatest import ha_dump

DOC = os.path.join(hatest.ROOT, "docs", "home-assistant.md")
TEXT = open(DOC, encoding="utf-8").read()
SH = re.findall(r"^```sh\n(.*?)^```", TEXT, re.S | re.M)


def ha_slug(s):
    """Home Assistant's slugify for ASCII names: lower-case, runs of others -> '_'."""
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def entity_ids(msgs):
    """The entity ids Home Assistant derives: <component>.<slug(device name + name)>."""
    out = set()
    for t, p in msgs:
        cfg = json.loads(p)
        comp = ha_schema_component(t)
        out.add("%s.%s" % (comp, ha_slug(cfg["device"]["name"] + " " + cfg["name"])))
    return out


def ha_schema_component(topic):
    return hatest.ha_schema.TOPIC_RE.match(topic).group("component")


def test_entity_ids_in_the_doc_exist():
    if not os.access(hatest.ha_dump_path(), os.X_OK):
        hatest.skip("ha_dump not built")
    # The agent the doc describes has the macros its ```ini examples define.
    macros = [a for m in re.findall(r"^macro\.([A-Za-z0-9_-]+) =", TEXT, re.M)
              for a in ("--macro", m)]
    known = entity_ids(ha_dump(*macros))
    named = set(re.findall(r"\b(?:text|notify|button|select|binary_sensor|sensor|event|switch)"
                           r"\.keymime_pi1_[a-z0-9_]+", TEXT))
    assert named, "the doc names no entity ids"
    assert named <= known, "not published: %s (published: %s)" % (sorted(named - known),
                                                                   sorted(known))


def test_the_json_example_is_a_real_config():
    if not os.access(hatest.ha_dump_path(), os.X_OK):
        hatest.skip("ha_dump not built")
    example = json.loads(re.search(r"^```json\n(.*?)^```", TEXT, re.S | re.M).group(1))
    real = dict(ha_dump("--version", "0.1.0"))
    assert example == json.loads(real["homeassistant/button/keymime_pi1/combo_lock_screen/config"])


def test_the_broker_command_exists():
    assert any("keymime-broker add-homeassistant homeassistant" in b for b in SH)
    tool = subprocess.run([os.path.join(hatest.ROOT, "provisioning", "broker", "keymime-broker"),
                           "--help"], capture_output=True, text=True).stdout
    assert "add-homeassistant NAME" in tool


def test_shell_commands_work_as_described():
    hatest.require_agent()
    from hatest import harness
    clear = [b.strip() for b in SH if b.startswith("mosquitto_pub -r -n")]
    listing = [b.strip() for b in SH if b.startswith("mosquitto_sub -v -t 'homeassistant/")]
    assert len(clear) == 1 and len(listing) == 1, SH
    assert len(SH) == 3, "a new sh block in the doc needs a check here"
    home = tempfile.mkdtemp(prefix="keymime-hadoc-")
    try:
        with harness.Broker() as b:
            conf = os.path.join(home, ".config")
            os.makedirs(conf)
            for client in ("mosquitto_pub", "mosquitto_sub"):
                with open(os.path.join(conf, client), "w") as f:
                    # "with an account that may read homeassistant/#": Home Assistant's
                    f.write("-h 127.0.0.1\n-p %d\n-u %s\n-P %s\n"
                            % (b.port, harness.HOMEASSISTANT, b.users[harness.HOMEASSISTANT]))
            env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
            env["HOME"] = home
            # A combo named "Old name", then the agent restarted without it:
            # its button stays behind, as the doc says.
            on = {"ha_discovery": "on"}
            with harness.Agent(b, "pi1", conf=dict(on, ha_combos="Old name=a")) as a:
                a.wait_online()
                hatest.wait_configs(b, len(ha_dump("--combos", "Old name=a")))
            with harness.Agent(b, "pi1", conf=on) as a:
                a.wait_online()
                n = len(ha_dump())
                stale = "homeassistant/button/keymime_pi1/combo_old_name/config"
                got = hatest.wait_configs(b, n + 1)
                assert stale in got, sorted(got)
                r = subprocess.run(["sh", "-e", "-c", listing[0]], env=env, cwd=home,
                                   capture_output=True, text=True, timeout=30)
                assert r.returncode == 27, r        # -W 2 timed out, as documented
                assert len(r.stdout.splitlines()) == n + 1 and stale in r.stdout, r.stdout
                r = subprocess.run(["sh", "-e", "-c", clear[0]], env=env, cwd=home,
                                   capture_output=True, text=True, timeout=30)
                assert r.returncode == 0, r
                got = hatest.wait_configs(b, n)
                assert stale not in got
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    hatest.testmain.main(globals())
