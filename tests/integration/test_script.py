# SPDX-License-Identifier: MIT
"""The DuckyScript topic (issue #18) against a real mosquitto and a real
agent: <prefix>/<id>/script and the group form type exact reports with one
result ("source":"script"), a refused script types nothing, a cancel stops a
running script and lets every key go, and a retained script is never typed."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itlib import CTRL, ALT, META, RELEASE, kbd, tap, wait_for  # noqa: E402
from test_protocol import ProtocolCase, letters  # noqa: E402
from harness import ADMIN  # noqa: E402

ENTER, DEL, R, SHIFT = 0x28, 0x4C, 0x15, 0x02


class Script(ProtocolCase):
    conf = {"max_steps": 50, "max_chars": 200}

    def test_script_topic(self):
        self.ok("REM run box\nGUI r\nDELAY 50\nSTRINGLN cmd\n",
                [kbd(META), kbd(META, R), RELEASE] + letters("cmd") + tap(0, ENTER),
                leaf="script", source="script", chars=4, keys=5, id=None, layout="us")

    def test_crlf_and_repeat(self):
        self.ok("CTRL ALT DELETE\r\nREPEAT 1\r\n",
                [kbd(CTRL | ALT), kbd(CTRL | ALT, DEL), RELEASE] * 2, leaf="script", keys=2)

    def test_group_topic(self):
        n = len(self.results.all())
        self.sent += 1
        self.broker.pub("keymime/group/all/script", "STRING ab")
        self.results.wait_n(n + 1)
        r = self.results.all()[n]
        self.assertEqual((r["ok"], r["source"], r["chars"]), (True, "script", 2), r)
        wait_for(lambda: self.agent.reports() == letters("ab"), 5, "ab")

    def test_refused_types_nothing(self):
        r = self.rejected("STRING fine\nATTACKMODE HID\n", "unsupported_command",
                          "line 2: ATTACKMODE belongs to the Rubber Ducky itself", leaf="script")
        self.assertEqual(r["source"], "script")
        self.rejected("DELAY soon", "bad_script", "line 1: DELAY needs a whole number", leaf="script")
        self.rejected("STRING caf\u00e9", "untypable", "line 1: layout 'us' cannot type", leaf="script")
        self.rejected("ENTER\nTAB\nREPEAT 49", "too_many_steps", "line 3: more than 50 steps",
                      leaf="script")
        self.rejected("", "bad_script", "the script does nothing", leaf="script")

    def test_cancel_stops_a_script(self):
        n = len(self.results.all())
        self.publish("HOLD SHIFT\nSTRING a\nDELAY 5000\nSTRING b", leaf="script")
        wait_for(lambda: len(self.agent.reports()) >= 3, 5, "the script running")
        t0 = time.monotonic()
        self.publish({"id": "stop", "cancel": True})
        wait_for(lambda: len(self.results.all()) >= n + 2, 5, "both results")
        self.assertLess(time.monotonic() - t0, 3)
        by_source = {r["source"]: r for r in self.results.all()[n:]}
        self.assertEqual(by_source["script"]["error"], "cancelled")
        wait_for(lambda: self.agent.reports()[-1:] == [RELEASE], 3, "everything released")
        self.assertEqual(self.agent.reports(), [kbd(SHIFT), kbd(0, 0x04), RELEASE],
                         "held Shift lifted for the text, everything let go at the cancel")

    # ADMIN retains the scripts: the generated configuration's guard never
    # lets an operator retain a command; the agent's own refusal is tested.
    def test_retained_script_is_never_typed(self):
        self.rejected("STRING oops", "retained", leaf="script")
        # clears it: no command, no result (tearDown counts them)
        self.broker.pub("keymime/pi1/script", "", user=ADMIN, retain=True)

    def rejected(self, payload, code, detail=None, leaf="cmd", cid=None):
        if code != "retained":
            return super().rejected(payload, code, detail, leaf, cid)
        self.agent.clear()
        n = len(self.results.messages())
        self.sent += 1
        self.broker.pub("keymime/pi1/" + leaf, payload, user=ADMIN, retain=True)
        r = self.results.wait_n(n + 1)[n]
        self.assertEqual((r["ok"], r["error"]), (False, "retained"), r)
        self.results.fence()
        self.assertEqual(self.agent.reports(), [])
        return r


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
