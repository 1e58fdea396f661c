# SPDX-License-Identifier: MIT
"""Helpers shared by the Home Assistant tests: ha_dump, the retained
discovery configs on a broker. The runner is unittest (tests/lib/testmain.py),
the MQTT client tests/lib/mqttclient.py through tests/lib/harness.py."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(ROOT, "tests", "lib"))   # after PYTHONPATH, on purpose

import ha_schema  # noqa: E402
import testmain  # noqa: E402
from testmain import skip  # noqa: E402,F401

try:
    import harness  # noqa: E402  (tests/lib; needs python3-paho-mqtt)
    HARNESS_ERROR = None
except Exception as exc:   # a broken harness must not stop the broker-free tests
    harness = None
    HARNESS_ERROR = "%s: %s" % (type(exc).__name__, exc)

SKIP = testmain.SKIP


def build_dir():
    return os.environ.get("KEYMIME_BUILD_DIR", os.path.join(ROOT, "build"))


def require_agent():
    if harness is None:
        raise AssertionError("tests/lib/harness.py does not import: " + HARNESS_ERROR)
    if not os.access(harness.agent_binary(), os.X_OK):
        skip("no agent binary at %s (build the daemon first)" % harness.agent_binary())


def ha_dump_path():
    return os.environ.get("KEYMIME_HA_DUMP",
                          os.path.join(build_dir(), "tests", "homeassistant", "ha_dump"))


def ha_dump(*args, check=True):
    """Run ha_dump; returns [(topic, payload)] (or the CompletedProcess if check=False)."""
    r = subprocess.run([ha_dump_path()] + list(args), capture_output=True, text=True, timeout=30)
    if not check:
        return r
    if r.returncode != 0:
        raise AssertionError("ha_dump %s failed: %s" % (args, r.stderr))
    return [tuple(l.split(" ", 1)) for l in r.stdout.splitlines()]


def discovery_filter(device_id="pi1", ha_prefix="homeassistant"):
    return "%s/+/keymime_%s/+/config" % (ha_prefix, device_id)


def retained_configs(broker, device_id="pi1", ha_prefix="homeassistant", user=None):
    """Every retained discovery config of device_id on the broker, as Home
    Assistant's account reads them: {topic: payload}. (The broker sends the
    retained messages after its SUBACK; a fence sees them all in.)"""
    return broker.retained_all(discovery_filter(device_id, ha_prefix),
                               user or harness.HOMEASSISTANT)


def wait_configs(broker, n, device_id="pi1", ha_prefix="homeassistant", timeout=10, user=None):
    """Wait until exactly n retained configs of device_id exist; returns them."""
    seen = {}

    def enough():
        seen.clear()
        seen.update(retained_configs(broker, device_id, ha_prefix, user))
        return len(seen) == n
    harness.wait_for(enough, timeout, "%d retained discovery configs (have %d)" % (n, len(seen)),
                     interval=0.2)
    return dict(seen)


def by_object(configs):
    """{topic: payload} -> {(component, object_id): parsed payload}."""
    out = {}
    for t, payload in configs.items():
        m = ha_schema.TOPIC_RE.match(t)
        out[(m.group("component"), m.group("object"))] = json.loads(payload)
    return out
