# SPDX-License-Identifier: MIT
"""Keep awake (issue #18) against a real mosquitto and a real agent: with
keep_awake on the agent taps keep_awake_key (F15) every keep_awake_interval_s
of idle time — exact reports, spacing measured — never between the
keystrokes of a command, not while a key is held; {"keep_awake":false} and
release_all stop it, cancel does not; the status and its counter follow."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itlib import RELEASE, kbd, wait_for  # noqa: E402
from harness import Agent, Broker, Results, agent_binary  # noqa: E402
from test_protocol import ProtocolCase, ReportClock, letters  # noqa: E402

F15, SHIFT, CTRL = 0x6A, 0x02, 0x01
TAP = [kbd(0, F15), RELEASE]


class KeepAwake(ProtocolCase):
    conf = {"keep_awake": "on", "keep_awake_interval_s": "1", "hold_timeout_ms": "4000"}

    def setUp(self):
        super().setUp()
        self.ok({"keep_awake": True})

    def status(self):
        return wait_for(self.agent.status, 5, "status")

    def taps(self):
        return [r for r in self.agent.reports() if r == kbd(0, F15)]

    def test_taps_at_the_interval(self):
        clock = ReportClock(self.agent)
        try:
            # (and timed: the clock polls the file, it may lag the last report)
            wait_for(lambda: len(self.taps()) >= 4 and len(clock.times) >= 8, 10, "four taps")
        finally:
            clock.close()
        reps = self.agent.reports()
        self.assertEqual(reps[:8], TAP * 4, "F15 down, all up: nothing else")
        downs = [clock.times[i] for i, r in enumerate(reps[:8]) if r == kbd(0, F15)]
        gaps = [b - a for a, b in zip(downs, downs[1:])]
        self.assertTrue(all(0.9 <= g < 3.0 for g in gaps), gaps)
        st = self.status()
        self.assertIs(st["keep_awake"], True)
        self.assertGreaterEqual(st["counters"]["keep_awake_taps"], 4)

    def test_never_inside_a_command(self):
        text = "abcdefghij"
        wait_for(lambda: self.taps(), 5, "a first tap")
        self.agent.clear()
        r = self.ok({"id": "slow", "text": text, "delay_ms": 300})   # 3 s: three intervals
        self.assertGreaterEqual(r["ms"], 2700)
        reps = self.agent.reports()
        first = reps.index(kbd(0, 0x04))
        last = len(reps) - 1 - reps[::-1].index(kbd(0, 0x0D))
        self.assertEqual(reps[first:last + 2], letters(text), "no tap between its keystrokes")
        # The next tap comes an interval after the command, not during it.
        wait_for(lambda: self.agent.reports()[last + 2:][:2] == TAP, 5, "a tap after it")

    def test_not_while_a_key_is_held(self):
        self.ok({"down": "ctrl"})
        self.agent.clear()
        time.sleep(2.5)   # pacing: two keep-awake intervals go by with Ctrl held
        self.results.fence()   # (a tap the writer had due is written by now)
        self.assertEqual(self.agent.reports(), [], "two intervals with Ctrl held: no tap")
        self.ok({"up": "ctrl"}, [RELEASE])
        wait_for(lambda: self.taps(), 5, "taps again once it is let go")

    def test_switched_off_and_by_release_all_not_by_cancel(self):
        for stop in ({"keep_awake": False}, {"release_all": True}):
            self.ok({"keep_awake": True})
            wait_for(lambda: self.taps(), 5, "tapping")
            self.ok(stop)
            wait_for(lambda: self.status()["keep_awake"] is False, 5, "status off")
            self.results.fence()   # a tap under way before the stop is written
            self.agent.clear()
            time.sleep(2.5)   # pacing: two keep-awake intervals go by
            self.results.fence()
            self.assertEqual(self.agent.reports(), [], "no tap after %s" % stop)
        self.ok({"keep_awake": True})
        self.ok({"cancel": True})
        self.agent.clear()
        wait_for(lambda: self.taps(), 5, "still tapping after a cancel")
        self.assertIs(self.status()["keep_awake"], True)

    def test_refused(self):
        self.rejected({"keep_awake": "yes"}, "bad_type", "'keep_awake' must be true or false")
        self.rejected({"keep_awake": True, "text": "a"}, "bad_command", "more than one action")


class KeepAwakeConfig(unittest.TestCase):
    def test_other_key_and_off_by_default(self):
        with Broker() as b:
            with Agent(b, "pi1", conf={"keep_awake_key": "shift", "keep_awake_interval_s": "1"}) as a:
                a.wait_online()
                time.sleep(1.5)   # pacing: more than one keep-awake interval goes by
                with Results(b) as res:
                    res.fence()   # (a tap the writer had due is written by now)
                self.assertNotIn(kbd(SHIFT), a.reports(), "off by default")
                b.pub("keymime/pi1/cmd", '{"keep_awake":true}')
                wait_for(lambda: kbd(SHIFT) in a.reports(), 5, "a Shift tap")
                i = a.reports().index(kbd(SHIFT))
                self.assertEqual(a.reports()[i + 1], RELEASE)

    def test_bad_keys_refuse_to_start(self):
        for key, detail in (("ctl", "keep_awake_key: no key named 'ctl'"),
                            ("volup", "keep_awake_key: 'volup' is a media key")):
            r = subprocess.run([agent_binary(), "--check-config", "--keep-awake-key", key,
                                "--device-id", "pi1", "--hid-keyboard", "/dev/null"],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(detail, r.stderr)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
