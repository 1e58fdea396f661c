# SPDX-License-Identifier: MIT
"""RabbitMQ 3.10 (Debian 12, rabbitmq_mqtt): a broker without MQTT 5 that
closes the connection after an MQTT 5 CONNECT, and gives wildcard
subscriptions no retained messages. With mqtt_version = auto the agent falls
back to 3.1.1 and says so once; it types and answers; a dashboard-like
wildcard subscriber sees no device until it calls the roll, then every one.
Real RabbitMQ, real agents."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clusterlib import RabbitMQ, log_lines  # noqa: E402
from faults_lib import typed_text  # noqa: E402
from harness import Agent, Subscriber, wait_for  # noqa: E402


class OnRabbitMQ(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.br = RabbitMQ().__enter__()
        print("RabbitMQ up in %.1f s" % (time.monotonic() - t0))
        cls.agents = []
        try:
            for d in ("pi1", "pi2"):
                cls.agents.append(Agent(cls.br, d).start())
            for ag in cls.agents:
                wait_for(lambda: log_lines(ag, "; subscribed"), 30, "%s connected" % ag.device_id)
        except BaseException:
            cls.tearDownClass()   # unittest does not when setUpClass fails
            raise

    @classmethod
    def tearDownClass(cls):
        for ag in cls.agents:
            ag.__exit__(None, None, None)
        cls.br.__exit__(None, None, None)

    def test_falls_back_to_3_1_1_and_says_why_once(self):
        for ag in self.agents:
            self.assertEqual(log_lines(ag, "speaks MQTT"),
                             ["<6>keymime-agent: %s speaks MQTT 3.1.1: it closed the connection "
                              "after an MQTT 5 CONNECT" % self.br.uri])
            self.assertEqual(log_lines(ag, "cannot connect"), [])

    def test_types_and_answers(self):
        pi1 = self.agents[0]
        pi1.clear()
        with Subscriber(self.br, "keymime/+/result") as res:
            self.br.pub("keymime/pi1/cmd", '{"id":"r1","text":"ok"}')
            r = json.loads(res.wait(1, 20)[0][1])
        self.assertEqual((r["id"], r["device"], r["ok"]), ("r1", "pi1", True))
        self.assertEqual(typed_text(pi1.wait_reports(4)), "ok")

    def test_wildcards_see_the_fleet_only_after_a_roll_call(self):
        # The state is retained, and there for an exact subscription…
        self.assertEqual(self.br.retained("keymime/pi1/availability"), "online")
        # …but not for a wildcard one: nothing comes until the roll call.
        with Subscriber(self.br, ["keymime/+/availability", "keymime/+/status"]) as sub:
            time.sleep(2.0)   # the SUBACK is in: retained ones would have come with it
            # (pi1's status may come live, changed by the typing above; pi2
            # did nothing, and availability never changes by itself)
            self.assertEqual([t for t, p in sub.messages() if t != "keymime/pi1/status"], [])
            n = len(sub.messages())
            self.br.pub("keymime/rollcall", "")
            wait_for(lambda: len(sub.messages()) >= n + 4, 15, "4 answers")
            got = sorted(t for t, p in sub.messages()[n:])
        self.assertEqual(got, ["keymime/pi1/availability", "keymime/pi1/status",
                               "keymime/pi2/availability", "keymime/pi2/status"])


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
