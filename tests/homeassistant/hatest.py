# SPDX-License-Identifier: MIT
"""Helpers shared by the Home Assistant tests: a tiny test runner, ha_dump,
collecting retained discovery configs from a broker. Standard library only."""
import os
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(ROOT, "tests", "lib"))   # after PYTHONPATH, on purpose

import ha_schema  # noqa: E402

try:
    import harness  # noqa: E402  (the lead's harness, tests/lib)
    HARNESS_ERROR = None
except Exception as exc:   # a broken harness must not stop the broker-free tests
    harness = None
    HARNESS_ERROR = "%s: %s" % (type(exc).__name__, exc)

SKIP = 77   # ctest SKIP_RETURN_CODE


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


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


def retained(auth_args, topic, settle=0.3, timeout=15):
    """The retained messages on topic (a filter) now on the broker: {topic: payload}.
    Waits for the broker's SUBACK (mosquitto_sub -d), after which it sends the
    retained messages at once, so a slow machine cannot make this miss any."""
    # stdbuf: mosquitto_sub flushes messages but not its -d lines.
    args = (["stdbuf", "-oL", "mosquitto_sub"] + list(auth_args) +
            ["-t", topic, "-v", "-d", "--retained-only"])
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(p.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while not any("received SUBACK" in l for l in list(lines)):
            if p.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("mosquitto_sub did not subscribe: %s" % "".join(lines))
            time.sleep(0.02)
        time.sleep(settle)
    finally:
        p.terminate()
        p.wait(5)
        reader.join(5)
    got = {}
    for line in lines:
        if line.startswith(("Client ", "Subscribed (")):
            continue                       # -d chatter
        t, _, payload = line.rstrip("\n").partition(" ")
        if payload:
            got[t] = payload
    return got


PROBE = '{"probe":"keymime-test"}'


def subscribe(broker, topic, probe_topic=None):
    """A harness.Subscriber on topic that is known to be subscribed: a probe
    message (on probe_topic, default topic itself) is published until it comes
    back, so that no message published afterwards can be missed on a slow
    machine. The probe stays in messages(): count from len(messages())."""
    sub = harness.Subscriber(broker, topic)
    probe_topic = probe_topic or topic

    def back():
        if any(t == probe_topic and p == PROBE for t, p in sub.messages()):
            return True
        broker.pub(probe_topic, PROBE)
        return False
    harness.wait_for(back, 20, "the subscription to %s" % topic, interval=0.3)
    return sub


def retained_configs(broker, device_id="pi1", ha_prefix="homeassistant"):
    """Every retained discovery config of device_id on the broker: {topic: payload}."""
    return retained(broker.auth_args(), discovery_filter(device_id, ha_prefix))


def wait_configs(broker, n, device_id="pi1", ha_prefix="homeassistant", timeout=10):
    """Wait until exactly n retained configs of device_id exist; returns them."""
    seen = {}

    def enough():
        seen.clear()
        seen.update(retained_configs(broker, device_id, ha_prefix))
        return len(seen) == n
    harness.wait_for(enough, timeout, "%d retained discovery configs (have %d)" % (n, len(seen)),
                     interval=0.2)
    return dict(seen)


def by_object(configs):
    """{topic: payload} -> {(component, object_id): parsed payload}."""
    import json
    out = {}
    for t, payload in configs.items():
        m = ha_schema.TOPIC_RE.match(t)
        out[(m.group("component"), m.group("object"))] = json.loads(payload)
    return out


def run_tests(namespace):
    """Run every test_* function of a module in order; exit 0/1."""
    tests = [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        t0 = time.monotonic()
        try:
            fn()
            print("ok   %s (%.1fs)" % (name, time.monotonic() - t0))
        except SystemExit:
            raise
        except Exception:
            failed += 1
            print("FAIL %s (%.1fs)" % (name, time.monotonic() - t0))
            traceback.print_exc()
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    sys.exit(1 if failed else 0)
