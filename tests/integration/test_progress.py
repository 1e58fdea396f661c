#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The progress of long commands on <prefix>/<id>/progress (docs/protocol.md):
only for a command that runs longer than 250 ms, at most every 250 ms, never
retained, fields as documented; no final one (the result says the end)."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Agent, Broker, Subscriber  # noqa: E402


class Progress(unittest.TestCase):
    def test_long_command_reports_progress(self):
        with Broker() as b, Agent(b, "pg1") as a:
            a.wait_online()
            with Subscriber(b, ["keymime/pg1/progress", "keymime/pg1/result"]) as sub:
                # 24 characters, 40 ms apart: about a second of typing.
                text = "abcdefghijklmnopqrstuvwx"
                t0 = time.monotonic()
                b.pub("keymime/pg1/cmd", json.dumps({"id": "long", "text": text, "delay_ms": 40}))
                sub.wait(1, 20, "/result")
                took = time.monotonic() - t0
                b.pub("keymime/pg1/cmd", json.dumps({"id": "short", "text": "ab"}))
                sub.wait(2, 20, "/result")
                msgs = sub.messages()
            # (checked while the broker runs: after it, there was nothing to ask)
            retained_progress = b.retained("keymime/pg1/progress")
        progress = [json.loads(p) for t, p in msgs if t.endswith("/progress")]
        results = [json.loads(p) for t, p in msgs if t.endswith("/result")]
        self.assertEqual([r["id"] for r in results], ["long", "short"])
        self.assertGreaterEqual(len(progress), 2, progress)
        self.assertLessEqual(len(progress), took * 4 + 1, "at most ~4 a second")
        self.assertEqual({p["id"] for p in progress}, {"long"}, "none for a short command")
        last = 0
        for p in progress:
            self.assertEqual(sorted(p), ["chars", "chars_total", "device", "id", "keys", "keys_total",
                                         "ms", "source"])
            self.assertEqual((p["device"], p["source"], p["chars_total"], p["keys_total"]),
                             ("pg1", "cmd", 24, 24))
            self.assertGreater(p["chars"], last)
            self.assertLess(p["chars"], 24, "no final one: the result says the end")
            self.assertGreaterEqual(p["ms"], 250)
            last = p["chars"]
        # Every progress message came before the result it leads to.
        topics = [t for t, _ in msgs]
        self.assertLess(max(i for i, t in enumerate(topics) if t.endswith("/progress")),
                        topics.index("keymime/pg1/result"))
        self.assertIsNone(retained_progress, "never retained")


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
