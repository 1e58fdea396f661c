# SPDX-License-Identifier: MIT
"""Home Assistant integration under the access control a real install has: a
broker directory made by provisioning/broker/keymime-broker (its generated
mosquitto.conf and ACL), the agent run from the agent.conf the tool wrote, and
Home Assistant's own account (`add-homeassistant`) doing what Home Assistant
does: read the configs, restart (clear + birth message), press a button."""
import json
import os
import subprocess
import sys
import tempfile
import shutil

import hatest

hatest.require_agent()
sys.path.insert(0, os.path.join(hatest.ROOT, "tests", "broker"))
from brokerlib import BrokerDir, wait_for  # noqa: E402  (the broker suite's helpers)
from hatest import harness, ha_dump, ha_schema  # noqa: E402


class Site:
    def __init__(self):
        self.d = BrokerDir(prefix="keymime-ha-acl-")
        self.ha = self.d.add("homeassistant", "ha")
        self.d.add_device("pi1", "--broker", "tcp://127.0.0.1:%d" % self.d.port)
        self.d.start()
        self.tmp = tempfile.mkdtemp(prefix="keymime-ha-agent-")
        self.hid = os.path.join(self.tmp, "hidg0")
        self.proc = None

    def agent(self, discovery="on"):
        for p in (self.hid, self.hid + "c"):
            open(p, "wb").close()
        conf = os.path.join(self.d.device_dir("pi1"), "agent.conf")
        self.proc = subprocess.Popen(
            [harness.agent_binary(), "--config", conf, "--hid-keyboard", self.hid,
             "--hid-consumer", self.hid + "c", "--ha-discovery", discovery],
            stdout=open(os.path.join(self.tmp, "agent.log"), "ab"), stderr=subprocess.STDOUT)
        wait_for(lambda: self.as_ha("keymime/pi1/availability") == {"keymime/pi1/availability":
                                                                    "online"},
                 15, "pi1 online")

    def stop_agent(self):
        self.proc.terminate()
        self.proc.wait(10)

    def as_ha(self, topic):
        """Retained messages on topic as Home Assistant's account sees them."""
        return self.d.broker().retained_all(topic, "ha")

    def ha_pub(self, topic, payload, retain=False):
        assert self.d.pub(topic, payload, "ha", retain=retain) == 0

    def configs(self, n):
        got = {}

        def have():
            got.clear()
            got.update(self.as_ha("homeassistant/#"))
            return len(got) == n
        wait_for(have, 15, "%d configs seen by Home Assistant (have %d)" % (n, len(got)))
        return dict(got)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.stop_agent()
        self.d.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_home_assistant_account_sees_restarts_and_presses():
    s = Site()
    try:
        s.agent()
        n = len(ha_dump())
        configs = s.configs(n)
        assert not ha_schema.check_all(sorted(configs.items()), "pi1")
        # Home Assistant restarts on a fresh store: configs gone, then its birth.
        for t in configs:
            s.ha_pub(t, "", retain=True)
        s.configs(0)
        s.ha_pub("homeassistant/status", "online")
        assert sorted(s.configs(n)) == sorted(configs)
        # A button press from Home Assistant's account types the chord.
        btn = json.loads(configs["homeassistant/button/keymime_pi1/combo_ctrl_alt_del/config"])
        open(s.hid, "wb").close()   # drop what the agent wrote at start (a release)
        s.ha_pub(btn["command_topic"], btn["payload_press"])
        wait_for(lambda: os.path.getsize(s.hid) >= 3 * 8, 10, "the chord typed")
        with open(s.hid, "rb") as f:
            reports = f.read()
        assert reports == harness.kbd(5) + harness.kbd(5, 0x4C) + harness.RELEASE, reports
        # Discovery turned off: the device's own account removes the configs.
        s.stop_agent()
        s.agent(discovery="off")
        s.configs(0)
    finally:
        s.close()


if __name__ == "__main__":
    hatest.testmain.main(globals())
