# SPDX-License-Identifier: MIT
"""Roll call: a client publishes to <prefix>/rollcall (or a group's
<prefix>/group/<g>/rollcall) and every agent (of that group) publishes its
availability and status again — so a dashboard sees the fleet on a broker
that does not deliver retained messages to wildcard subscriptions. At most one
answer every 2 s per agent whatever the flood; a retained roll call is no one
asking; Home Assistant's birth message counts as one. Real mosquitto, real
agents; subscribers that print only live (not retained) messages."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clusterlib import log_lines  # noqa: E402,F401
from harness import HOMEASSISTANT, Agent, Broker, Subscriber, wait_for  # noqa: E402

STATE = ["keymime/+/availability", "keymime/+/status"]


class Live(Subscriber):
    """Only what is published from now on (no retained ones: mosquitto_sub -R)."""

    def messages(self):
        return self.client.live()


def live(broker):
    return Live(broker, STATE)


def answers(sub):
    return sorted(t for t, p in sub.messages())


DEVICES = ("pi1", "pi2", "ha1")


def fenced(br, sub):
    """What the agents published before a fence: a roll call of the whole
    fleet past the 2 s answer window, answered by every agent (its
    availability, then its status); what an agent sent before that answer is
    what came of the test's event. A roll call is answered by the agent's
    main loop, not in order with commands, so no probe command fences it."""
    time.sleep(2.1)   # pacing: the fence's roll call must not fall in the answer window
    n = len(sub.messages())
    br.pub("keymime/rollcall", "")

    def answered():
        topics = [t for t, _ in sub.messages()[n:]]
        return all("keymime/%s/availability" % d in topics for d in DEVICES)
    wait_for(answered, 10, "every agent to answer the fence's roll call")
    msgs = sub.messages()
    out = list(msgs[:n])
    for d in DEVICES:
        mine = [m for m in msgs[n:] if m[0].split("/")[1] == d]
        out += mine[:mine.index(("keymime/%s/availability" % d, "online"))]
    return out


class RollCall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.br = Broker().start()
        cls.agents = [Agent(cls.br, "pi1", conf={"groups": "lab"}).start(),
                      Agent(cls.br, "pi2").start(),
                      Agent(cls.br, "ha1", conf={"ha_discovery": "on"}).start()]
        for a in cls.agents:
            a.wait_online()
        time.sleep(2.5)   # pacing: the status after start-up is out, and any first answer window

    @classmethod
    def tearDownClass(cls):
        for a in cls.agents:
            a.__exit__(None, None, None)
        cls.br.__exit__(None, None, None)

    def settle(self):
        time.sleep(2.5)   # pacing: past the last answer's 2 s

    def test_everyone_answers(self):
        self.settle()
        with live(self.br) as sub:
            self.br.pub("keymime/rollcall", "")
            wait_for(lambda: len(sub.messages()) >= 6, 10, "6 answers")
            before = fenced(self.br, sub)
            got = sorted(t for t, p in before)
            avail = {p for t, p in before if t.endswith("availability")}
        want = sorted("keymime/%s/%s" % (d, t) for d in ("pi1", "pi2", "ha1")
                      for t in ("availability", "status"))
        self.assertEqual(got, want)
        self.assertEqual(avail, {"online"})

    def test_a_group_answers(self):
        self.settle()
        with live(self.br) as sub:
            self.br.pub("keymime/group/lab/rollcall", "")
            wait_for(lambda: len(sub.messages()) >= 2, 10, "2 answers")
            got = sorted(t for t, p in fenced(self.br, sub))
        self.assertEqual(got, ["keymime/pi1/availability", "keymime/pi1/status"])

    def test_a_flood_costs_one_answer_per_2_s(self):
        self.settle()
        with live(self.br) as sub:
            t0 = time.monotonic()
            # 40 roll calls, one every 0.1 s (without the limit: ~40 answers).
            for _ in range(40):
                self.br.pub("keymime/rollcall", "", qos=0)
                time.sleep(0.1)   # pacing: the flood's rate
            took = time.monotonic() - t0
            time.sleep(2.5)   # pacing: answers are counted over this time (the rate)
            n = len([1 for t, p in sub.messages() if t == "keymime/pi2/availability"])
        # One answer at once, then at most one per 2 s (one asked for during
        # the wait comes at its end).
        self.assertGreaterEqual(n, 1)
        self.assertLessEqual(n, 2 + int(took / 2), "%d answers in %.1f s" % (n, took))

    def test_retained_roll_call_is_not_asking(self):
        self.settle()
        with live(self.br) as sub:
            self.br.pub("keymime/rollcall", "stale", retain=True)
            self.assertEqual(fenced(self.br, sub), [])
        self.br.pub("keymime/rollcall", "", retain=True)   # clears it (empty and retained)
        self.settle()

    def test_home_assistant_birth_is_a_roll_call(self):
        self.settle()
        with live(self.br) as sub:
            self.br.pub("homeassistant/status", "online", user=HOMEASSISTANT)
            wait_for(lambda: len(sub.messages()) >= 2, 10, "2 answers")
            got = sorted(t for t, p in fenced(self.br, sub))
        self.assertEqual(got, ["keymime/ha1/availability", "keymime/ha1/status"])


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
