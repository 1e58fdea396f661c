# SPDX-License-Identifier: MIT
"""The command protocol (issue #3) against a real mosquitto and real agents:
every JSON command form and every error path, each checked by the exact
result (id echoed, ok, error code, detail) and exactly what reached the
device (nothing at all for a rejected command: a command is validated whole
before its first keystroke). Every command gets exactly one result: each test
counts them. Also cancel, the hold timeout, set_layout, queue_full, MQTT v5
response topics with correlation data, groups, and a dozen malformed payloads
a new user might send.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itlib import (ALT, CTRL, META, RELEASE, SHIFT, Results, Subscriber, hexes, kbd,  # noqa: E402
                   started, tap, wait_for)
from harness import ADMIN, Agent, Broker  # noqa: E402

A, B, Z, Y, TAB, ENTER = 0x04, 0x05, 0x1D, 0x1C, 0x2B, 0x28

LIMITS = {"max_chars": 100, "max_payload": 4096, "max_steps": 8, "hold_timeout_ms": 2000}


def letters(text):
    """Reports of lower-case US letters and spaces."""
    out = []
    for ch in text:
        out += tap(0, 0x2C if ch == " " else 0x04 + ord(ch) - ord("a"))
    return out


class ReportClock:
    """Polls a device file in a thread and notes when each report arrived."""

    def __init__(self, agent, size=8, path=None):
        self.agent, self.size, self.path = agent, size, path
        self.times = []
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            n = len(self.agent.raw(self.path)) // self.size
            while len(self.times) < n:
                self.times.append(time.monotonic())
            time.sleep(0.002)

    def close(self):
        self.stop = True
        self.t.join()


class ProtocolCase(unittest.TestCase):
    """One broker and agent pi1 per class; one result subscriber per test.
    send() counts commands; tearDown checks there was exactly one result each."""
    conf = LIMITS

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.agent = Agent(cls.broker, "pi1", conf=cls.conf).start()
        started(cls.agent, media=cls.conf.get("hid_consumer") != "")

    @classmethod
    def tearDownClass(cls):
        cls.agent.__exit__(None, None, None)
        cls.broker.__exit__(None, None, None)

    def setUp(self):
        # Nothing held over from an earlier test: a release_all. Its result, and
        # any result before it (of an earlier test, late on a loaded machine),
        # is not this test's: counting starts after it. (Waiting a fixed time
        # before subscribing let a late result in: "2 != 1".)
        self.results = Results(self.broker)
        self.broker.pub("keymime/pi1/cmd", '{"id":"test-setup","release_all":true}')
        self.results.skip_until("test-setup")
        self.agent.clear()
        self.sent = 0

    def tearDown(self):
        try:
            self.results.fence()   # every command before it has been answered
            self.assertEqual(len(self.results.all()), self.sent,
                             "exactly one result per command: %s" % self.results.all())
            self.assertIsNone(self.agent.proc.poll(), "the agent is still running")
        finally:
            self.results.close()

    def publish(self, payload, leaf="cmd", **kw):
        """Publish one command (kw: Broker.pub's retain, user, v5 properties)."""
        self.sent += 1
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        self.broker.pub("keymime/pi1/" + leaf, payload, **kw)

    def send(self, payload, leaf="cmd"):
        """Publish one command and return its result (the next one to come)."""
        n = len(self.results.messages())
        self.publish(payload, leaf)
        return self.results.wait_n(n + 1)[n]

    def ok(self, payload, reports=None, leaf="cmd", clock=None, **fields):
        """A command that succeeds: its result fields, exactly the reports
        (then cleared; a ReportClock given as clock has timed them all first)."""
        r = self.send(payload, leaf)
        self.assertIs(r["ok"], True, r)
        self.assertNotIn("error", r)
        for k, v in fields.items():
            self.assertEqual(r[k], v, (k, r))
        if clock is not None and reports is not None:
            wait_for(lambda: len(clock.times) >= len(reports), 5, "every report timed")
        if reports is not None:
            self.assertEqual(hexes(self.agent.reports()), hexes(reports), payload)
            self.agent.clear()
        return r

    def rejected(self, payload, code, detail=None, leaf="cmd", cid=None):
        """A refused command: one error result, and nothing typed at all."""
        self.agent.clear()
        r = self.send(payload, leaf)
        self.assertEqual((r["ok"], r["error"]), (False, code), r)
        self.assertIsInstance(r["detail"], str)
        self.assertTrue(r["detail"], r)
        if detail is not None:
            self.assertIn(detail, r["detail"])
        self.assertEqual(r["id"], cid)
        self.assertEqual((r["chars"], r["keys"]), (0, 0), r)
        self.results.fence()
        self.assertEqual(self.agent.reports(), [], payload)
        self.assertEqual(self.agent.consumer_reports(), [], payload)
        return r


class JsonForms(ProtocolCase):
    def test_text(self):
        r = self.ok({"id": "42", "text": "hello\n"}, letters("hello") + tap(0, ENTER),
                    id="42", chars=6, keys=6, source="cmd", layout="us")
        self.assertIsInstance(r["ms"], int)

    def test_id_forms(self):
        self.ok({"id": 7, "text": "a"}, letters("a"), id="7")
        self.ok({"text": "a"}, letters("a"), id=None)
        self.ok({"id": "", "text": "a"}, letters("a"), id="")
        self.ok({"id": "x" * 128, "text": "a"}, letters("a"), id="x" * 128)
        self.ok({"id": "ünïcødé ✓", "text": "a"}, letters("a"), id="ünïcødé ✓")

    def test_keys(self):
        self.ok({"id": "43", "keys": "ctrl+alt+delete"},
                [kbd(CTRL | ALT), kbd(CTRL | ALT, 0x4C), RELEASE], id="43", keys=1, chars=0)
        self.ok({"keys": "super+r ctrl+c"},
                [kbd(META), kbd(META, 0x15), RELEASE, kbd(CTRL), kbd(CTRL, 0x06), RELEASE], keys=2)

    def test_keys_are_case_insensitive_codes_or_aliases(self):
        for name in ["Enter", "enter", "ENTER", "return", "ret"]:
            self.ok({"keys": name}, [kbd(0, ENTER), RELEASE])
        self.ok({"keys": "ArrowUp up pgup PageUp"},
                [kbd(0, 0x52), RELEASE, kbd(0, 0x52), RELEASE, kbd(0, 0x4B), RELEASE,
                 kbd(0, 0x4B), RELEASE])

    def test_seq(self):
        self.ok({"id": "44", "seq": [{"text": "ab"}, {"keys": "enter"}, {"delay_ms": 0},
                                     {"text": "b"}]},
                letters("ab") + [kbd(0, ENTER), RELEASE] + letters("b"),
                id="44", chars=3, keys=4)

    def test_seq_delay_step_pauses(self):
        clock = ReportClock(self.agent)
        try:
            r = self.ok({"id": "d", "seq": [{"text": "a"}, {"delay_ms": 400}, {"text": "b"}]},
                        letters("ab"), clock=clock)
            wait_for(lambda: len(clock.times) >= 4, 5, "4 reports timed")
        finally:
            clock.close()
        gap = clock.times[2] - clock.times[1]
        self.assertGreaterEqual(gap, 0.38, "pause %.3fs" % gap)
        self.assertLess(gap, 1.5, "pause %.3fs" % gap)
        self.assertLess(clock.times[1] - clock.times[0], 0.3)
        self.assertGreaterEqual(r["ms"], 400)

    def test_delay_ms_paces_keystrokes(self):
        clock = ReportClock(self.agent)
        try:
            r = self.ok({"id": "p", "text": "abcd", "delay_ms": 150}, letters("abcd"), clock=clock)
            wait_for(lambda: len(clock.times) >= 8, 5, "8 reports timed")
        finally:
            clock.close()
        for i in (2, 4, 6):   # between a release and the next press
            gap = clock.times[i] - clock.times[i - 1]
            self.assertGreaterEqual(gap, 0.14, "gap %d: %.3fs" % (i, gap))
            self.assertLess(gap, 1.0, "gap %d: %.3fs" % (i, gap))
        self.assertGreaterEqual(r["ms"], 450)

    def test_layout_override(self):
        # On a German keyboard Z and Y trade places; ä is on the US ' key.
        self.ok({"id": "45", "text": "zy", "layout": "de"},
                tap(0, Y) + tap(0, Z), id="45", layout="de", chars=2)
        self.ok({"text": "ä", "layout": "de"}, tap(0, 0x34), layout="de")
        self.ok({"text": "z"}, tap(0, Z), layout="us")   # only that command

    def test_down_and_up_across_messages(self):
        self.ok({"id": "d1", "down": "ShiftLeft"}, [kbd(SHIFT)], keys=1)
        # Text is typed as written: held modifiers are lifted for it, then restored.
        self.ok({"text": "a"}, [kbd(0, A), RELEASE, kbd(SHIFT)])
        # A chord adds to what is held.
        self.ok({"keys": "tab"}, [kbd(SHIFT, TAB), kbd(SHIFT)])
        self.ok({"id": "u1", "up": "ShiftLeft"}, [RELEASE], keys=0)

    def test_down_up_in_a_seq_and_chords(self):
        self.ok({"seq": [{"down": "alt"}, {"keys": "tab"}, {"keys": "tab"}, {"up": "alt"}]},
                [kbd(ALT), kbd(ALT, TAB), kbd(ALT), kbd(ALT, TAB), kbd(ALT), RELEASE])
        self.ok({"down": "ctrl+shift"}, [kbd(CTRL | SHIFT)])
        self.ok({"down": "a"}, [kbd(CTRL | SHIFT, A)])
        self.ok({"up": "ctrl"}, [kbd(SHIFT, A)])
        self.ok({"release_all": True}, [RELEASE])

    def test_media_down_up(self):
        self.ok({"down": "volup"})
        self.assertEqual(self.agent.consumer_reports(), [b"\xe9\x00"])
        self.ok({"up": "AudioVolumeUp"})
        self.assertEqual(self.agent.consumer_reports(), [b"\xe9\x00", b"\0\0"])
        self.assertEqual(self.agent.reports(), [])

    def test_release_all(self):
        self.ok({"down": "ctrl+alt"}, [kbd(CTRL | ALT)])
        self.ok({"down": "volup"})
        r = self.ok({"id": "ra", "release_all": True}, id="ra")
        self.assertNotIn("dropped", r)
        self.assertEqual(self.agent.reports(), [RELEASE])
        self.assertEqual(self.agent.consumer_reports(), [b"\xe9\x00", b"\0\0"])
        # Nothing held: release_all sends nothing more.
        self.agent.clear()
        self.ok({"release_all": True}, [])

    def test_set_layout(self):
        r = self.ok({"id": "sl", "set_layout": "de"}, [], id="sl", layout="de")
        wait_for(lambda: self.agent.status()["layout"] == "de", 5, "status layout de")
        self.ok({"text": "z"}, tap(0, Y), layout="de")
        self.ok({"set_layout": "us"}, [])
        wait_for(lambda: self.agent.status()["layout"] == "us", 5, "status layout us")
        self.ok({"text": "z"}, tap(0, Z), layout="us")
        self.assertEqual(r["chars"], 0)

    def test_type_and_keys_topics(self):
        self.ok("ab", letters("ab"), leaf="type", id=None, source="type", chars=2)
        self.ok("a b", letters("a") + letters("b"), leaf="keys", id=None, source="keys", keys=2)
        # The type topic types JSON as text; the cmd topic does not type text.
        self.ok('{"a"}', leaf="type", chars=5)


class Errors(ProtocolCase):
    def test_seq_is_validated_before_the_first_keystroke(self):
        self.rejected({"seq": [{"text": "ok"}, {"keys": "ctl"}]}, "unknown_key",
                      "no key named 'ctl'")
        self.rejected({"id": "s", "seq": [{"text": "ok"}, {"delay_ms": 10}, {"text": "é"}]},
                      "untypable", cid="s")
        self.rejected({"seq": [{"keys": "a"}, {"bogus": 1}]}, "unknown_field",
                      "seq[1]: unknown field 'bogus'")

    def test_unknown_key(self):
        self.rejected({"id": "e1", "keys": "ctl+c"}, "unknown_key", "no key named 'ctl'", cid="e1")
        self.rejected("ctrl+alt+dle", "unknown_key", "no key named 'dle'", leaf="keys")
        self.rejected({"down": "Shift_L"}, "unknown_key", "'Shift_L'")

    def test_untypable(self):
        r = self.rejected({"id": "u", "text": "café €"}, "untypable", cid="u",
                          detail="layout 'us' cannot type 'é' (U+00E9) at 3, '€' (U+20AC) at 5")
        self.assertEqual(r["untypable"], [{"char": "é", "codepoint": 0xE9, "pos": 3},
                                          {"char": "€", "codepoint": 0x20AC, "pos": 5}])
        self.assertEqual(r["untypable_total"], 2)
        r = self.rejected("a\x01b", "untypable", "U+0001 at 1", leaf="type")

    def test_bad_utf8(self):
        self.rejected(b"ab\xffc", "bad_utf8", "invalid UTF-8 at byte 2", leaf="type")
        self.rejected(b"ctrl+\xc3", "bad_utf8", leaf="keys")
        self.rejected(b'{"text":"\xe9"}', "bad_utf8", leaf="cmd")

    def test_limits(self):
        self.rejected({"text": "a" * 101}, "too_long", "more than 100 characters")
        self.rejected("a" * 101, "too_long", leaf="type")
        self.rejected({"seq": [{"text": "a" * 60}, {"text": "a" * 41}]}, "too_long")
        self.rejected({"text": "a" * 5000}, "too_large", "bytes; the limit is 4096")
        self.rejected("a" * 4097, "too_large", "4097 bytes; the limit is 4096", leaf="type")
        self.rejected({"seq": [{"text": "a"}] * 9}, "too_many_steps", "'seq' has 9 steps; the limit is 8")
        self.rejected(" ".join(["a"] * 9), "too_many_steps", "more than 8 chords", leaf="keys")
        self.rejected({"keys": "a+b+c+d+e+f+g"}, "too_many_keys", "at most 6 keys")
        self.ok({"keys": "ctrl+shift+alt+a+b+c+d+e+f"},
                [kbd(CTRL | SHIFT | ALT), kbd(CTRL | SHIFT | ALT, A, B, 6, 7, 8, 9), RELEASE])
        self.ok({"text": "a" * 100}, letters("a" * 100))

    def test_bad_chord(self):
        self.rejected({"keys": "ctrl++c"}, "bad_chord", "empty key name")
        self.rejected({"keys": "volup+a"}, "bad_chord", "cannot be combined")
        self.rejected({"keys": "shift+mute"}, "bad_chord", "cannot be combined")
        self.rejected("  ", "bad_chord", "no keys given", leaf="keys")
        self.rejected({"keys": ""}, "bad_chord")
        self.rejected({"down": ""}, "bad_chord", "empty chord")

    def test_bad_json(self):
        self.rejected("{", "bad_json", "ends too early")
        self.rejected('{"text":"a"} x', "bad_json", "unexpected data after the JSON value")
        self.rejected("[" * 20 + "]" * 20, "bad_json", "deeper than")
        self.rejected(b'{"text":"a\x00"}', "bad_json", "NUL byte at offset 10")

    def test_bad_command(self):
        self.rejected("[1,2]", "bad_command", "a command is a JSON object, not an array")
        self.rejected({"id": "m", "text": "a", "keys": "b"}, "bad_command", "more than one action",
                      cid="m")
        self.rejected({"id": "n"}, "bad_command", "no action", cid="n")
        self.rejected({"seq": [{"text": "a", "keys": "b"}]}, "bad_command", "exactly one of")
        self.rejected({"seq": [{}]}, "bad_command")

    def test_unknown_field(self):
        self.rejected({"id": "f", "txt": "a"}, "unknown_field", "unknown field 'txt'", cid="f")

    def test_bad_type_and_value(self):
        self.rejected({"text": 5}, "bad_type", "'text' must be a string, not a number")
        self.rejected({"id": ["x"], "text": "a"}, "bad_type", "'id' must be a string")
        self.rejected({"seq": {"text": "a"}}, "bad_type", "'seq' must be an array")
        self.rejected({"seq": ["a"]}, "bad_type", "seq[0]: a step must be an object")
        self.rejected({"text": "a", "delay_ms": "5"}, "bad_type", "'delay_ms' must be a whole number")
        self.rejected({"text": "a", "delay_ms": 1.5}, "bad_type")
        self.rejected({"text": "a", "delay_ms": -1}, "bad_value", "between 0 and 60000")
        self.rejected({"seq": [{"delay_ms": 60001}]}, "bad_value", "seq[0]: 'delay_ms' must be between 0 and 60000")
        self.rejected({"cancel": False}, "bad_value", "'cancel' must be true")
        self.rejected({"release_all": 1}, "bad_type")
        self.rejected({"id": "x" * 129, "text": "a"}, "bad_id", "longer than 128")

    def test_unknown_layout(self):
        self.rejected({"text": "a", "layout": "klingon"}, "unknown_layout", "no layout named 'klingon'")
        self.rejected({"id": "L", "set_layout": "xx"}, "unknown_layout", cid="L")
        self.assertEqual(self.agent.status()["layout"], "us")

    def test_rollover(self):
        self.ok({"down": "a+b+c+d+e+f"}, [kbd(0, A, B, 6, 7, 8, 9)])
        r = self.send({"id": "ro", "keys": "g"})
        self.assertEqual((r["id"], r["ok"], r["error"]), ("ro", False, "rollover"), r)
        self.assertIn("six keys", r["detail"])
        self.assertEqual(self.agent.reports(), [RELEASE])   # every key let go

    def test_retained(self):
        # ADMIN: the generated configuration's guard never lets an operator
        # retain a command; the agent's own refusal is what is tested here.
        self.publish({"id": "rt", "text": "a"}, "cmd", retain=True, user=ADMIN)
        r = self.results.wait_id("rt")
        self.assertEqual((r["ok"], r["error"]), (False, "retained"), r)
        self.assertIn("mosquitto_pub -r -n -t keymime/pi1/cmd", r["detail"])
        # Clearing it: no command, no result (tearDown counts them).
        self.broker.pub("keymime/pi1/cmd", "", retain=True, user=ADMIN)
        self.results.fence()
        self.assertEqual(self.agent.reports(), [])

    def test_malformed_payloads_a_new_user_might_send(self):
        cases = [
            ("cmd", "hello", "bad_json"),                         # plain text on cmd
            ("cmd", '{text:"a"}', "bad_json"),                    # JavaScript object
            ("cmd", "", "bad_json"),                              # empty message
            ("cmd", '"hello"', "bad_command"),                    # a JSON string
            ("cmd", '{"keys":["ctrl","c"]}', "bad_type"),         # keys as a list
            ("cmd", '{"keys":"ctrl-c"}', "unknown_key"),          # '-' instead of '+'
            ("cmd", '{"keys":"Ctrl + C"}', "bad_chord"),          # spaces split chords
            ("cmd", '{"text":null}', "bad_type"),
            ("cmd", '{"Text":"a"}', "unknown_field"),             # capital letter
            ("cmd", '{"command":"type","text":"a"}', "unknown_field"),
            ("cmd", '{"delay_ms":100}', "bad_command"),           # options, no action
            ("cmd", '{"cancel":"yes"}', "bad_type"),
            ("cmd", '{"text":"a"}{"text":"b"}', "bad_json"),      # two commands in one
            ("cmd", '[{"text":"a"},{"text":"b"}]', "bad_command"),  # a list instead of seq
            ("cmd", '\ufeff{"text":"a"}', "bad_json"),            # Windows BOM
            ("keys", "ctrl+", "bad_chord"),
            ("keys", "Strg+C", "unknown_key"),                    # German key caps
            ("keys", "volup+voldown", "bad_chord"),
        ]
        for leaf, payload, code in cases:
            with self.subTest(payload=payload):
                self.rejected(payload, code, leaf=leaf)
        self.ok("ok", letters("ok"), leaf="type")


class Cancel(ProtocolCase):
    conf = dict(LIMITS, queue_size=4)

    def test_cancel_stops_a_long_text_and_drops_the_queue(self):
        text = "abcdefghijklmnopqrstuvwxyz" * 2
        self.publish({"id": "long", "text": text, "delay_ms": 80})   # about 4 s
        wait_for(lambda: len(self.agent.reports()) >= 6, 5, "typing to start")
        # One connection publishes in order: q1 and q2 are queued before the
        # cancel reaches the agent.
        self.publish({"id": "q1", "text": "x"})
        self.publish({"id": "q2", "keys": "enter"})
        t0 = time.monotonic()
        self.publish({"id": "c", "cancel": True})
        res = self.results
        for cid in ("long", "q1", "q2", "c"):
            res.wait_id(cid, 5)
        took = time.monotonic() - t0
        n_at_result = len(self.agent.reports())
        res.fence()   # the writer is done: no report of the long text can follow
        reports = self.agent.reports()
        self.assertLessEqual(len(reports) - n_at_result, 1, "stops within one report")
        self.assertLess(took, 2.0)
        long = res.wait_id("long")
        self.assertEqual((long["ok"], long["error"]), (False, "cancelled"), long)
        self.assertIn("cancelled", long["detail"])
        self.assertLess(long["chars"], len(text))
        self.assertGreater(long["chars"], 0)
        for cid in ("q1", "q2"):
            r = res.wait_id(cid)
            self.assertEqual((r["ok"], r["error"], r["chars"]), (False, "cancelled", 0), r)
            self.assertIn("dropped from the queue", r["detail"])
        c = res.wait_id("c")
        self.assertEqual((c["ok"], c["dropped"]), (True, 2), c)
        # What came out: the first `chars` letters, each pressed and released,
        # perhaps one more press cut short, and all keys up at the end.
        n = long["chars"]
        self.assertEqual(hexes(reports[:2 * n]), hexes(letters(text[:n])))
        self.assertIn(len(reports) - 2 * n, (0, 1, 2))
        self.assertEqual(reports[-1], RELEASE)
        # Nothing of q1/q2 was typed, and the agent takes new commands.
        self.assertNotIn(kbd(0, 0x1B), reports)
        self.agent.clear()
        self.ok({"id": "next", "text": "n"}, letters("n"))

    def test_cancel_while_idle(self):
        r = self.ok({"id": "ci", "cancel": True}, [], id="ci")
        self.assertNotIn("dropped", r)

    def test_queue_full(self):
        self.publish({"id": "slow", "text": "abcdefghij", "delay_ms": 150})
        wait_for(lambda: self.agent.status()["busy"], 5, "busy")
        for i in range(4):
            self.publish({"id": "w%d" % i, "text": "x"})
        r = self.send({"id": "over", "text": "x"})
        self.assertEqual((r["id"], r["ok"], r["error"]), ("over", False, "queue_full"), r)
        self.assertIn("4 commands are already waiting", r["detail"])
        st = wait_for(lambda: (lambda s: s if s["queue"] == 4 else None)(self.agent.status()),
                      5, "status queue 4")
        self.assertEqual((st["busy"], st["queue_size"]), (True, 4))
        self.publish({"id": "c", "cancel": True})
        for cid in ("slow", "w0", "w1", "w2", "w3", "c"):
            self.results.wait_id(cid)
        self.assertEqual(self.results.wait_id("c")["dropped"], 4)
        # The counters add up (docs/protocol.md, status).
        c = wait_for(lambda: (lambda s: s if not s["busy"] else None)(self.agent.status()),
                     5, "idle")["counters"]
        self.assertEqual(c["commands"], c["ok"] + c["errors"] + c["rejected"] + c["dropped"], c)
        self.assertGreaterEqual((c["rejected"], c["dropped"], c["errors"]), (1, 4, 1))

    def test_shutting_down(self):
        with Agent(self.broker, "pi2") as a:
            started(a)
            with Results(self.broker, "pi2") as res:
                self.broker.pub("keymime/pi2/cmd", json.dumps(
                    {"id": "sd", "text": "abcdefghij", "delay_ms": 300}))
                wait_for(lambda: len(a.reports()) >= 2, 5, "typing to start")
                self.assertEqual(a.stop(signal.SIGTERM), 0)
                r = res.wait_id("sd")
                self.assertEqual((r["ok"], r["error"]), (False, "shutting_down"), r)
                self.assertEqual(a.reports()[-1], RELEASE)
                self.assertEqual(len(res.all()), 1)


class HoldTimeout(ProtocolCase):
    conf = dict(LIMITS, hold_timeout_ms=300)

    def test_held_keys_are_released_after_the_hold_timeout(self):
        clock = ReportClock(self.agent)
        try:
            self.ok({"id": "h", "down": "ctrl+a"}, keys=1)
            wait_for(lambda: len(clock.times) >= 2, 3, "the release after the hold timeout")
        finally:
            clock.close()
        held = clock.times[1] - clock.times[0]
        self.assertEqual(self.agent.reports(), [kbd(CTRL, A), RELEASE])
        self.assertGreaterEqual(held, 0.28, "released after %.3fs" % held)
        self.assertLess(held, 1.5, "released after %.3fs" % held)
        # A command in between starts the wait again.
        self.agent.clear()
        self.ok({"down": "shift"}, [kbd(SHIFT)])
        time.sleep(0.2)   # pacing: part of the 0.3 s hold timeout runs out
        self.ok({"keys": "b"}, [kbd(SHIFT, B), kbd(SHIFT)])
        # Pacing, not a fence: 0.3 s after the down but 0.1 s after the chord,
        # which restarted the wait, Shift is still held. (A probe command would
        # restart it once more.)
        time.sleep(0.1)
        self.assertEqual(self.agent.reports(), [], "still held more than 0.3 s after the down")
        wait_for(lambda: self.agent.reports() == [RELEASE], 2, "the release")


class NoMediaDevice(ProtocolCase):
    conf = dict(LIMITS, hid_consumer="")

    def test_media_keys_without_a_consumer_device(self):
        r = self.send({"id": "m", "keys": "volup"})
        self.assertEqual((r["id"], r["ok"], r["error"]), ("m", False, "no_media_device"), r)
        self.assertIn("hid_consumer", r["detail"])
        self.assertEqual(self.agent.reports(), [])
        self.assertIs(self.agent.status()["media_keys"], False)
        self.ok({"keys": "a"}, [kbd(0, A), RELEASE])


class HostLink(unittest.TestCase):
    """The keyboard device is a FIFO: no reader = no host; a reader that stops
    reading = a host that stopped taking reports."""

    def test_host_disconnected_and_host_timeout(self):
        d = tempfile.mkdtemp(prefix="keymime-fifo-")
        self.addCleanup(shutil.rmtree, d, True)
        fifo = os.path.join(d, "hidg0")
        os.mkfifo(fifo)
        with Broker() as b:
            a = Agent(b, "pi1", keyboard=fifo, conf={"write_timeout_ms": 300})
            with a, Results(b) as res:
                a.wait_online()
                wait_for(lambda: a.status()["host"] == "disconnected", 5, "host disconnected")
                b.pub("keymime/pi1/cmd", '{"id":"nohost","text":"abc"}')
                r = res.wait_id("nohost")
                self.assertEqual((r["ok"], r["error"], r["chars"]), (False, "host_disconnected", 0), r)
                self.assertIn("not connected", r["detail"])
                # A host that reads (the FIFO gets a reader): typing works.
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
                try:
                    wait_for(lambda: a.status()["host"] == "connected", 5, "host connected")

                    def drain():
                        try:
                            return os.read(fd, 1 << 20)
                        except BlockingIOError:
                            return b""
                    drain()
                    b.pub("keymime/pi1/cmd", '{"id":"host","text":"ab"}')
                    self.assertTrue(res.wait_id("host")["ok"])
                    self.assertEqual(drain(), b"".join(letters("ab")))
                    # It stops reading: the pipe fills (8192 reports), the next
                    # write times out after write_timeout_ms: host_timeout.
                    text = "a" * 5000
                    b.pub("keymime/pi1/cmd", json.dumps({"id": "stuck", "text": text}))
                    r = res.wait_id("stuck", 10)
                    self.assertEqual((r["ok"], r["error"]), (False, "host_timeout"), r)
                    self.assertIn("write timeout", r["detail"])
                    self.assertLess(r["chars"], len(text))
                    wait_for(lambda: a.status()["host"] == "disconnected", 5, "host disconnected")
                    # The host reads again: it is told that every key is up.
                    got = [b""]

                    def reconnected():
                        got[0] += drain()
                        return a.status()["host"] == "connected" and got[0][-8:] == RELEASE
                    wait_for(reconnected, 5, "host connected and told every key is up",
                             interval=0.05)
                    res.fence()    # nothing more comes after the release
                    got = got[0] + drain()
                    self.assertEqual(got[-8:], RELEASE)
                    self.assertEqual(a.status()["host"], "connected")
                    self.assertEqual(len(res.all()), 3)
                finally:
                    os.close(fd)


class RequestResponse(ProtocolCase):
    """MQTT v5: a command with a response topic gets its result there too."""

    def test_mosquitto_rr(self):
        self.sent += 1   # the result on keymime/pi1/result counts too
        out = subprocess.run(["mosquitto_rr", "-V", "5"] + self.broker.auth_args() +
                             ["-t", "keymime/pi1/cmd", "-e", "keymime/pi1/result/x", "-W", "10",
                              "-m", '{"id":"rr1","text":"a"}'],
                             capture_output=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        r = json.loads(out.stdout)
        self.assertEqual((r["id"], r["ok"], r["chars"]), ("rr1", True, 1), r)
        self.assertEqual(self.results.wait_id("rr1"), r)
        self.assertEqual(self.agent.reports(), letters("a"))

    def test_correlation_data_is_echoed(self):
        with Subscriber(self.broker, "keymime/pi1/result/y") as listener:
            self.publish('{"id":"c1","keys":"a"}', "cmd", response_topic="keymime/pi1/result/y",
                         correlation_data="corr-1234")
            # An error result goes to the response topic too.
            self.publish('{"id":"c2","keys":"nokey"}', "cmd", response_topic="keymime/pi1/result/y",
                         correlation_data="corr-5678")
            listener.wait(2, 15)
            self.results.wait_id("c1")
            self.results.wait_id("c2")
            self.results.fence()
            listener.fence()
            got = listener.received()
        self.assertEqual(len(got), 2, got)
        self.assertEqual((got[0].topic, got[0].correlation_data, json.loads(got[0].payload)["id"]),
                         ("keymime/pi1/result/y", b"corr-1234", "c1"))
        r = json.loads(got[1].payload)
        self.assertEqual((got[1].correlation_data, r["id"], r["error"]),
                         (b"corr-5678", "c2", "unknown_key"))
        self.assertEqual(r, self.results.wait_id("c2"))

    def test_no_correlation_data(self):
        with Subscriber(self.broker, "keymime/pi1/result/z") as listener:
            self.publish('{"id":"nc","text":"b"}', "cmd", response_topic="keymime/pi1/result/z")
            listener.wait(1, 15)
            self.results.wait_id("nc")
            self.results.fence()
            listener.fence()
            got = listener.received()
        self.assertEqual(len(got), 1, got)
        self.assertEqual((got[0].topic, got[0].correlation_data, json.loads(got[0].payload)["id"]),
                         ("keymime/pi1/result/z", None, "nc"))


class Mqtt311(ProtocolCase):
    """mqtt_version = 4: no response topics, results on the result topic only."""
    conf = dict(LIMITS, mqtt_version=4)

    def test_results_without_response_topics(self):
        with Subscriber(self.broker, "keymime/pi1/result/v4") as listener:
            self.publish('{"id":"v4","text":"a"}', "cmd", response_topic="keymime/pi1/result/v4")
            r = self.results.wait_id("v4")
            self.assertEqual((r["ok"], r["chars"]), (True, 1))
            self.assertEqual(self.agent.reports(), letters("a"))
            self.results.fence()   # the agent published all it would for v4 ...
            listener.fence()       # ... and the broker routed it
            self.assertEqual(listener.messages(), [], "no reply on the response topic")

    def test_retained_at_subscribe_is_still_refused(self):
        # ADMIN retains the command: the guard of the generated configuration
        # would drop an operator's (the agent's own defence is tested here).
        self.publish({"id": "r4", "text": "a"}, "cmd", retain=True, user=ADMIN)
        # Delivered live, the retain flag is lost under 3.1.1, and it is typed:
        # the limitation docs/protocol.md states (update it if this changes).
        self.assertIs(self.results.wait_id("r4")["ok"], True)
        self.agent.stop()
        self.agent.clear()
        self.agent.start()
        started(self.agent)
        self.sent += 1
        wait_for(lambda: self.results.count_id("r4") == 2, 10, "the retained refusal")
        r = [x for x in self.results.all() if x["id"] == "r4"][1]
        self.assertEqual((r["ok"], r["error"]), (False, "retained"), r)
        # Clearing it reaches a 3.1.1 agent as an empty command: one bad_json.
        self.publish("", "cmd", retain=True, user=ADMIN)
        self.assertEqual(self.results.wait_n(3)[2]["error"], "bad_json")
        self.assertEqual(self.agent.reports(), [])


class Groups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.agents = {
            "pi1": Agent(cls.broker, "pi1", conf={"groups": "lab"}).start(),
            "pi2": Agent(cls.broker, "pi2", conf={"groups": "lab,desk"}).start(),
            "pi3": Agent(cls.broker, "pi3", conf={"groups": "office"}).start(),
        }
        for a in cls.agents.values():
            started(a)

    @classmethod
    def tearDownClass(cls):
        for a in cls.agents.values():
            a.__exit__(None, None, None)
        cls.broker.__exit__(None, None, None)

    def setUp(self):
        for a in self.agents.values():
            a.clear()
        self.results = Results(self.broker, topics="keymime/+/result")

    def tearDown(self):
        self.results.close()

    def by_device(self):
        out = {}
        for t, p in self.results.messages():
            out.setdefault(t.split("/")[1], []).append(json.loads(p))
        return out

    def check(self, topic, payload, reached, reports):
        n = len(self.results.messages())
        self.broker.pub(topic, payload)
        self.results.wait_n(n + len(reached))
        for name in self.agents:     # every agent has answered all it was sent
            self.results.fence(name)
        self.assertEqual(len(self.results.messages()), n + len(reached))
        for name, a in self.agents.items():
            if name in reached:
                self.assertEqual(hexes(a.reports()), hexes(reports), (topic, name))
            else:
                self.assertEqual(a.reports(), [], (topic, name))
            a.clear()

    def test_status_lists_groups(self):
        self.assertEqual(self.agents["pi2"].status()["groups"], ["all", "lab", "desk"])

    def test_group_type_keys_cmd(self):
        lab = ("pi1", "pi2")
        self.check("keymime/group/lab/type", "ab", lab, letters("ab"))
        self.check("keymime/group/lab/keys", "ctrl+c", lab, [kbd(CTRL), kbd(CTRL, 0x06), RELEASE])
        self.check("keymime/group/lab/cmd", '{"id":"g1","text":"b"}', lab, letters("b"))
        got = self.by_device()
        self.assertEqual([r["id"] for r in got["pi1"]], [None, None, "g1"])
        self.assertEqual([r["id"] for r in got["pi2"]], [None, None, "g1"])
        self.assertNotIn("pi3", got)
        self.check("keymime/group/desk/type", "a", ("pi2",), letters("a"))
        self.check("keymime/group/office/keys", "enter", ("pi3",), [kbd(0, ENTER), RELEASE])

    def test_group_all(self):
        everyone = ("pi1", "pi2", "pi3")
        self.check("keymime/group/all/type", "a", everyone, letters("a"))
        self.check("keymime/group/all/cmd", '{"id":"all","keys":"enter"}', everyone,
                   [kbd(0, ENTER), RELEASE])

    def test_group_errors_answer_once_per_device(self):
        self.check("keymime/group/lab/cmd", '{"id":"bad","keys":"ctl"}', ("pi1", "pi2"), [])
        for r in self.results.all():
            self.assertEqual((r["id"], r["error"]), ("bad", "unknown_key"))

    def test_other_group_topics_are_ignored(self):
        # The generated ACL would keep these topics from every device (and
        # from the operator); the agent's own filter is what is tested, so an
        # agent logged in as ADMIN (it reads everything) gets them, from ADMIN.
        with Agent(self.broker, "gx1", conf={"groups": "lab"}, user=ADMIN) as gx:
            started(gx)
            n = len(self.results.messages())
            for t in ("keymime/group/nosuch/type", "keymime/group/lab/other",
                      "keymime/group/lab/type/x", "keymime/pi9/type", "keymime/gx1/other"):
                self.broker.pub(t, "a", user=ADMIN)
            for name in list(self.agents) + ["gx1"]:
                self.results.fence(name)
            self.assertEqual(len(self.results.messages()), n)
            for a in list(self.agents.values()) + [gx]:
                self.assertEqual(a.reports(), [])


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
