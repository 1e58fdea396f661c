# SPDX-License-Identifier: MIT
"""Long holds (issue #18): {"hold": chord, "ms": N} holds a key through a
target's boot (a boot menu: F12, Del, Option) longer than hold_timeout_ms,
up to max_hold_ms, against a real mosquitto and a real agent: exact reports,
the time the key stays down, one result per command, and a cancel or
release_all during a hold lets the key go at once."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itlib import RELEASE, hexes, kbd, wait_for  # noqa: E402
from test_protocol import ProtocolCase, ReportClock  # noqa: E402

F12, DEL, ENTER, F2 = 0x45, 0x4C, 0x28, 0x3B
ALT, SHIFT = 0x04, 0x02


class Hold(ProtocolCase):
    # hold_timeout_ms is far shorter than the holds: a hold is not cut short.
    conf = {"hold_timeout_ms": 300, "max_hold_ms": 5000}

    def test_hold_longer_than_the_hold_timeout(self):
        clock = ReportClock(self.agent)
        try:
            r = self.ok({"id": "boot", "hold": "F12", "ms": 1200}, [kbd(0, F12), RELEASE],
                        clock=clock, id="boot", keys=1, chars=0)
            wait_for(lambda: len(clock.times) >= 2, 5, "2 reports timed")
        finally:
            clock.close()
        held = clock.times[1] - clock.times[0]
        self.assertGreaterEqual(held, 1.15, "held %.3fs" % held)
        self.assertLess(held, 3.0, "held %.3fs" % held)
        self.assertGreaterEqual(r["ms"], 1200)

    def test_hold_in_a_seq_then_keys(self):
        self.ok({"id": "menu", "seq": [{"hold": "option", "ms": 200}, {"keys": "enter"}]},
                [kbd(ALT), RELEASE, kbd(0, ENTER), RELEASE], keys=2)

    def test_commands_wait_for_the_hold(self):
        """A hold runs in the queue: what comes after it is typed after the release."""
        self.publish({"id": "h", "hold": "del", "ms": 600})
        self.publish({"id": "t", "keys": "F2"})
        wait_for(lambda: self.results.count_id("t") == 1, 10, "the second result")
        self.assertEqual(hexes(self.agent.reports()),
                         hexes([kbd(0, DEL), RELEASE, kbd(0, F2), RELEASE]))
        ids = [r["id"] for r in self.results.all()]
        self.assertEqual(ids, ["h", "t"])

    def test_cancel_lets_go_at_once(self):
        for stop in ({"id": "stop", "cancel": True}, {"id": "stop", "release_all": True}):
            self.agent.clear()
            n = len(self.results.all())
            self.publish({"id": "long", "hold": "F12", "ms": 5000})
            wait_for(lambda: self.agent.reports() == [kbd(0, F12)], 5, "F12 down")
            t0 = time.monotonic()
            self.publish(stop)
            wait_for(lambda: self.results.count_id("stop") >= 1 and
                     self.results.count_id("long") >= 1, 5, "both results")
            self.assertLess(time.monotonic() - t0, 3.0)
            got = {r["id"]: r for r in self.results.all()[n:]}
            self.assertEqual((got["long"]["ok"], got["long"]["error"]), (False, "cancelled"))
            self.assertTrue(got["stop"]["ok"])
            wait_for(lambda: self.agent.reports() == [kbd(0, F12), RELEASE], 3, "the release")
            self.assertEqual(len(self.results.all()), n + 2, self.results.all())
            self.results.base += n + 2    # counted here: tearDown counts from after them
            self.sent -= 2

    def test_shift_held_by_down_stays_down(self):
        self.ok({"seq": [{"down": "shift"}, {"hold": "F12", "ms": 100}]},
                [kbd(SHIFT), kbd(SHIFT, F12), kbd(SHIFT)])
        self.ok({"up": "shift"}, [RELEASE])

    def test_refused_holds_type_nothing(self):
        self.rejected({"id": "x", "hold": "F12"}, "bad_command", "'hold' needs 'ms'", cid="x")
        self.rejected({"hold": "F12", "ms": 5001}, "bad_value",
                      "'ms' must be between 1 and 5000 (max_hold_ms)")
        self.rejected({"hold": "F12", "ms": 0}, "bad_value")
        self.rejected({"keys": "F12", "ms": 10}, "bad_command", "'ms' goes with 'hold'")
        self.rejected({"hold": "F12+ctl", "ms": 10}, "unknown_key")


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
