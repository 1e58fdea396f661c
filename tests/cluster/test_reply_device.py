# SPDX-License-Identifier: MIT
"""Every result names its device: "device" in the JSON and, with MQTT v5, a
user property `device` on the result, on the reply to a response topic and on
everything else the agent publishes (status, availability, the will) — so the
replies to one group command can be told apart, and a missing one noticed.
Real mosquitto, real agents."""
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clusterlib import v5_subscriber  # noqa: E402
from harness import Agent, Broker  # noqa: E402


class ReplyNamesDevice(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.agents = [Agent(cls.broker, "pi1"), Agent(cls.broker, "pi2"),
                      Agent(cls.broker, "old", conf={"mqtt_version": "4"})]
        for a in cls.agents:
            a.start()
        for a in cls.agents:
            a.wait_online()

    @classmethod
    def tearDownClass(cls):
        for a in cls.agents:
            a.__exit__(None, None, None)
        cls.broker.__exit__(None, None, None)

    def test_group_replies_say_who_answered(self):
        # (the group's reply topic: where the generated ACL lets a device answer)
        reply = "keymime/group/all/reply/job"
        with v5_subscriber(self.broker, [reply, "keymime/+/result"]) as sub:
            self.broker.pub("keymime/group/all/cmd", '{"id":"g1","keys":"a"}',
                            response_topic=reply, correlation_data="job-9")
            got = sub.wait(5)
        replies = sorted((p, c, json.loads(body)) for t, p, c, body in got if t == reply)
        results = sorted((t, p, json.loads(body)) for t, p, c, body in got if t != reply)
        # The MQTT v5 agents answer on the response topic; the 3.1.1 one cannot.
        self.assertEqual([(p, c, r["device"], r["id"], r["ok"]) for p, c, r in replies],
                         [("device:pi1", "job-9", "pi1", "g1", True),
                          ("device:pi2", "job-9", "pi2", "g1", True)])
        # On the result topics: the JSON says it always, the property with v5.
        self.assertEqual([(t, p, r["device"], r["id"]) for t, p, r in results],
                         [("keymime/old/result", "", "old", "g1"),
                          ("keymime/pi1/result", "device:pi1", "pi1", "g1"),
                          ("keymime/pi2/result", "device:pi2", "pi2", "g1")])

    def test_status_and_availability_carry_it(self):
        with v5_subscriber(self.broker, ["keymime/pi2/status", "keymime/pi2/availability"]) as sub:
            got = sub.wait(2)
        # (the status may come twice: a command of another test changed it)
        self.assertEqual(sorted(set((t, p) for t, p, c, body in got)),
                         [("keymime/pi2/availability", "device:pi2"),
                          ("keymime/pi2/status", "device:pi2")])

    def test_the_will_carries_it(self):
        with Agent(self.broker, "w1") as w:
            w.wait_online()
            with v5_subscriber(self.broker, ["keymime/w1/availability"]) as sub:
                sub.wait(1)   # the retained "online"
                w.stop(signal.SIGKILL)
                got = sub.wait(2)
        self.assertEqual([(p, body) for t, p, c, body in got],
                         [("device:w1", "online"), ("device:w1", "offline")])


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
