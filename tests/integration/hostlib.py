# SPDX-License-Identifier: MIT
"""Typing through a real broker and agent into keymime-simhost: the helpers
of the tests that compare decoded text (test_layout_roundtrip.py,
test_unicode_entry.py, test_first_tries.py). Python standard library only."""
import itertools
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import Agent, Subscriber, wait_for  # noqa: E402


def simhost_binary():
    return os.environ.get("KEYMIME_SIMHOST", os.path.join(
        harness.build_dir(), "agent", "tools", "simhost", "keymime-simhost"))


def have_simhost():
    return os.path.exists(simhost_binary())


def simhost(args, data=None, check_rc=0):
    """Runs keymime-simhost on data (bytes, written to a temporary file)."""
    with tempfile.NamedTemporaryFile(prefix="keymime-reports-") as f:
        if data is not None:
            f.write(data)
            f.flush()
            args = args + [f.name]
        r = subprocess.run([simhost_binary()] + args, capture_output=True, timeout=60)
    if check_rc is not None and r.returncode != check_rc:
        raise AssertionError("simhost %s: exit %d: %s" % (args, r.returncode, r.stderr.decode()))
    return r.stdout.decode("utf-8")


def leds_file(byte):
    """A file holding one LED output report (bit 0 Num, 1 Caps Lock), for an
    agent's hid_keyboard_leds: the host's lock states the agent starts with."""
    path = os.path.join(tempfile.mkdtemp(prefix="keymime-leds-"), "leds")
    with open(path, "wb") as f:
        f.write(bytes([byte]))
    return path


class Typist:
    """One agent device and its result subscription: send() publishes a JSON
    command (or text on the type topic), waits for its one result, and
    returns it with the reports the command wrote."""

    _ids = itertools.count()

    def __init__(self, broker, device_id, conf=None):
        self.broker = broker
        self.agent = Agent(broker, device_id, conf=conf)
        self.sub = None

    def __enter__(self):
        self.agent.__enter__()
        self.sub = Subscriber(self.broker, "keymime/%s/result" % self.agent.device_id)
        self.agent.wait_online()
        with open(self.agent.conf_path) as f:
            if "hid_keyboard_leds" in f.read():
                wait_for(lambda: (self.agent.status() or {}).get("leds", {}).get("known"), 10,
                         "agent to read the LEDs")
        return self

    def __exit__(self, *exc):
        self.sub.close()
        self.agent.__exit__(*exc)

    def send(self, cmd, topic="cmd"):
        """cmd: a dict (its id is set here) or, for the type topic, a str."""
        start = os.path.getsize(self.agent.keyboard)
        seen = len(self.sub.json("/result"))
        cid = "t%d" % next(self._ids)
        if topic == "cmd":
            cmd = dict(cmd, id=cid)
            self.broker.pub("keymime/%s/cmd" % self.agent.device_id, json.dumps(cmd))
        else:
            self.broker.pub("keymime/%s/%s" % (self.agent.device_id, topic), cmd)

        def result():
            got = self.sub.json("/result")
            if topic != "cmd":
                return got[seen] if len(got) > seen else None
            return next((r for r in got if r.get("id") == cid), None)
        r = wait_for(result, 30, "the result of %r" % (cmd,))
        with open(self.agent.keyboard, "rb") as f:
            f.seek(start)
            return r, f.read()
