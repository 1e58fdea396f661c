# SPDX-License-Identifier: MIT
"""Failover: `broker` lists several URIs; when the connection to one is lost
the agent moves to the next (the same backoff), comes back online there, and
never types a command twice across the switch — also when a publisher sends
it again through the other broker (a QoS 1 retry after it lost its own
connection), which the agent tells by its id and payload. Two real
mosquittos (not a cluster: what is published on one does not reach the
other), real agents; a broker is killed with SIGKILL, also mid-command."""
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clusterlib import log_lines  # noqa: E402
from harness import RELEASE, Agent, Broker, Results, Subscriber, wait_for  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from faults_lib import typed_text  # noqa: E402


def online(broker, device="pi1", timeout=20):
    wait_for(lambda: broker.retained("keymime/%s/availability" % device) == "online",
             timeout, "%s online on port %d" % (device, broker.port))


class Failover(unittest.TestCase):
    def setUp(self):
        self.a, self.b = Broker().start(), Broker().start()

    def tearDown(self):
        for br in (self.a, self.b):
            br.__exit__(None, None, None)

    def agent(self, **conf):
        conf = dict({"broker": "%s, %s" % (self.a.uri, self.b.uri), "reconnect_max_s": 2,
                     "duplicate_window_s": 60}, **conf)
        self.b.add_device("pi1")   # the same account on both brokers
        return Agent(self.a, "pi1", conf=conf)

    def kill_a(self):
        self.a.proc.send_signal(signal.SIGKILL)
        self.a.proc.wait()

    def test_moves_to_the_next_on_loss(self):
        with self.agent() as ag:
            online(self.a)
            self.assertEqual(len(log_lines(ag, "connected to %s, MQTT 5" % self.a.uri)), 1)
            self.kill_a()
            online(self.b)
            wait_for(lambda: log_lines(ag, "connected to %s, MQTT 5" % self.b.uri), 10, "B")
            self.assertEqual(len(log_lines(ag, "trying the next broker: %s" % self.b.uri)), 1)
            with Subscriber(self.b, "keymime/pi1/result") as res:
                ag.clear()
                self.b.pub("keymime/pi1/cmd", '{"id":"b1","text":"ok"}')
                r = json.loads(res.wait(1)[0][1])
            self.assertEqual((r["id"], r["device"], r["ok"]), ("b1", "pi1", True))
            self.assertEqual(typed_text(ag.wait_reports(4)), "ok")
            # The status is there again on B (retained), from this run.
            st = json.loads(self.b.retained("keymime/pi1/status"))
            self.assertEqual(st["device_id"], "pi1")

    def test_first_broker_down_at_start(self):
        self.a.stop()
        with self.agent() as ag:
            online(self.b)
            self.assertIn("nothing accepted the connection at 127.0.0.1:%d" % self.a.port,
                          ag.logtext())

    def test_killed_mid_command_typed_once_result_via_the_other(self):
        text = "failover mid command " * 2
        with self.agent() as ag, Results(self.b, "pi1") as res_b:
            online(self.a)
            ag.clear()
            self.a.pub("keymime/pi1/cmd", json.dumps({"id": "long", "text": text, "delay_ms": 40}))
            wait_for(lambda: len(ag.reports()) >= 6, 10, "typing to start")
            self.kill_a()   # while it types
            online(self.b)
            # The command goes on to its end, typed once; its result comes via B.
            r = wait_for(lambda: [json.loads(p) for t, p in res_b.messages()], 30, "the result")
            long_results = [x for x in r if x["id"] == "long"]
            self.assertGreaterEqual(len(long_results), 1, r)
            self.assertEqual({(x["ok"], x["chars"]) for x in long_results}, {(True, len(text))})
            res_b.fence()   # the agent has typed all it will of it
            reps = ag.reports()
            self.assertEqual(typed_text(reps), text)
            self.assertEqual(len(reps), 2 * len(text))
            self.assertEqual(reps[-1], RELEASE)
            # Everything typed after the failure, exactly once.
            for i in range(5):
                self.b.pub("keymime/pi1/cmd", json.dumps({"id": "after%d" % i, "text": str(i)}))
            wait_for(lambda: len([1 for t, p in res_b.messages()
                                  if json.loads(p)["id"].startswith("after")]) >= 5, 20, "5 results")
            res_b.fence()
            self.assertEqual(typed_text(ag.reports()), text + "01234")

    def test_a_command_sent_again_through_the_other_broker_is_not_typed_twice(self):
        cmd = json.dumps({"id": "d-17", "text": "once"})
        with self.agent() as ag:
            online(self.a)
            ag.clear()
            with Subscriber(self.a, "keymime/pi1/result") as res_a:
                self.a.pub("keymime/pi1/cmd", cmd)
                res_a.wait(1)
            self.kill_a()
            online(self.b)
            with Subscriber(self.b, ["keymime/pi1/result", "keymime/pi1/status"]) as res_b:
                # The publisher lost A before its PUBACK and sent it again, to B.
                self.b.pub("keymime/pi1/cmd", cmd)
                self.b.pub("keymime/pi1/cmd", json.dumps({"id": "d-18", "text": "new"}))
                wait_for(lambda: [1 for t, p in res_b.messages() if t.endswith("result")], 10,
                         "the result of d-18")
                # (a status can go out between the duplicate and d-18: wait
                # for the one that has d-18 typed too)
                st = wait_for(lambda: [json.loads(p) for t, p in res_b.messages()
                                       if t.endswith("status") and
                                       json.loads(p)["counters"]["duplicates"] == 1 and
                                       json.loads(p)["counters"]["ok"] == 2], 10,
                              "a status counting the duplicate and d-18")[-1]
                results = [json.loads(p) for t, p in res_b.messages() if t.endswith("result")]
            self.assertEqual([r["id"] for r in results], ["d-18"], "no second result for d-17")
            self.assertEqual(typed_text(ag.reports()), "oncenew")
            self.assertEqual(st["counters"]["commands"], 2, st)
            self.assertIn("command d-17 on keymime/pi1/cmd: the same command came again within "
                          "60 s (a redelivery): not typed again", ag.logtext())


class Duplicates(unittest.TestCase):
    """On one broker: what is a duplicate, what is not."""

    @classmethod
    def setUpClass(cls):
        cls.br = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.br.__exit__(None, None, None)

    def run_cmds(self, ag, msgs, n_results):
        """The results of msgs, once the agent answered a fence after them
        (a probe command, counted by the agent: self.fences)."""
        ag.wait_online()
        ag.clear()
        with Results(self.br, ag.device_id, topics="keymime/+/result") as res:
            for topic, payload in msgs:
                self.br.pub(topic, payload)
            res.wait_n(n_results)
            res.fence()
            self.fences += res.fences_ok()
            return res.all()

    def setUp(self):
        self.fences = 0

    def test_what_counts(self):
        with Agent(self.br, "pi1", conf={"duplicate_window_s": "60"}) as ag:
            got = self.run_cmds(ag, [
                ("keymime/pi1/cmd", '{"id":"x","text":"a"}'),
                ("keymime/pi1/cmd", '{"id":"x","text":"a"}'),        # the same: dropped
                ("keymime/pi1/cmd", '{"id":"x","text":"b"}'),        # same id, new payload
                ("keymime/group/all/cmd", '{"id":"x","text":"a"}'),  # another topic
                ("keymime/pi1/cmd", '{"text":"c"}'),                 # no id: never a duplicate
                ("keymime/pi1/cmd", '{"text":"c"}'),
                ("keymime/pi1/type", "d"),
                ("keymime/pi1/type", "d"),
                ("keymime/pi1/cmd", '{"id":"bad","txt":"e"}'),       # refused once…
                ("keymime/pi1/cmd", '{"id":"bad","txt":"e"}'),       # …and not again
            ], 8)
            self.assertEqual(typed_text(ag.reports()), "abaccdd")
            self.assertEqual([(r["id"], r["ok"]) for r in got],
                             [("x", True), ("x", True), ("x", True), (None, True), (None, True),
                              (None, True), (None, True), ("bad", False)])
            st = wait_for(lambda: (lambda s: s and s["counters"]["duplicates"] == 2 and s)(
                ag.status()), 10, "duplicates counted")
            self.assertEqual(st["counters"]["commands"], 8 + self.fences)

    def test_off_by_default(self):
        with Agent(self.br, "pi2") as ag:
            self.run_cmds(ag, [("keymime/pi2/cmd", '{"id":"y","text":"a"}')] * 2, 2)
            self.assertEqual(typed_text(ag.reports()), "aa", "ids may be reused")

    def test_window_ends(self):
        with Agent(self.br, "pi3", conf={"duplicate_window_s": "1"}) as ag:
            self.run_cmds(ag, [("keymime/pi3/cmd", '{"id":"z","text":"a"}')], 1)
            time.sleep(1.5)   # pacing: the 1 s window runs out
            self.run_cmds(ag, [("keymime/pi3/cmd", '{"id":"z","text":"a"}')], 1)
            self.assertEqual(typed_text(ag.reports()), "a", "typed again after the window")


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
