# SPDX-License-Identifier: MIT
"""Round trip through a real broker, a real agent and a simulated host, for
every shipped layout: the layout's whole repertoire goes out as JSON text
commands, the agent writes boot keyboard reports into a file, and
keymime-simhost decodes that file with the layout's XKB keymap and the
Compose table, as a Linux host would. The decoded text must equal the input
character for character. The decoding side never reads agent/core's tables,
so a wrong table row shows up here.

Also: the same with the host's Caps Lock on (the agent learns it from a LED
report, simhost starts with --caps-lock; the agent taps Caps Lock off
around characters Caps Lock would change beyond Shift), and checks of simhost itself on
hand-made reports, so the judge is tested too.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import Agent, Broker, Subscriber, kbd, wait_for  # noqa: E402

CHUNK = 150          # characters per command
SHIFT, ALTGR = 0x02, 0x40


def simhost_binary():
    return os.environ.get("KEYMIME_SIMHOST", os.path.join(
        harness.build_dir(), "agent", "tools", "simhost", "keymime-simhost"))


def simhost(args, data=None, check_rc=0):
    """Runs keymime-simhost on data (bytes, written to a temporary file)."""
    with tempfile.NamedTemporaryFile(prefix="keymime-reports-") as f:
        if data is not None:
            f.write(data)
            f.flush()
            args = args + [f.name]
        r = subprocess.run([simhost_binary()] + args, capture_output=True, timeout=60)
    if check_rc is not None and r.returncode != check_rc:
        raise AssertionError("simhost %s: exit %d: %s" % (args, r.returncode, r.stderr.decode()))
    return r.stdout.decode("utf-8")


def layouts():
    """(name, characters) of every layout the agent ships."""
    return [(l.split("\t")[0], int(l.split("\t")[1]))
            for l in simhost(["--list-layouts"]).splitlines()]


def repertoire(name, caps_only=False):
    """The layout's characters, in table order, and the caps-blocked ones; or,
    with caps_only, the characters it types only with Caps Lock on (fr: Ç)."""
    chars, blocked = [], set()
    for line in simhost(["--repertoire", name]).splitlines():
        cp, _strokes, caps_ok, only = line.split()
        if (only == "1") != caps_only:
            continue
        chars.append(chr(int(cp, 16)))
        if caps_ok == "0":
            blocked.add(chr(int(cp, 16)))
    return chars, blocked


def tap(mods, usage):
    return kbd(mods, usage) + kbd()


def describe_diff(want, got):
    """The first few differences, as code points, for a readable failure."""
    out = []
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            out.append("at %d: want U+%04X %r, got U+%04X %r" % (i, ord(w), w, ord(g), g))
            if len(out) == 5:
                break
    if len(want) != len(got):
        out.append("lengths: want %d, got %d" % (len(want), len(got)))
    return "; ".join(out)


@unittest.skipUnless(os.path.exists(simhost_binary()), "keymime-simhost not built (no xkbcommon)")
class SimhostDecodes(unittest.TestCase):
    """simhost on reports made by hand: it decodes like a host, not like our tables."""

    def test_text_and_enter(self):
        data = tap(SHIFT, 0x0B) + tap(0, 0x0C) + tap(0, 0x28) + tap(0, 0x2B)
        self.assertEqual(simhost([], data), "Hi\n\t")

    def test_dead_keys(self):
        # de: dead circumflex, e -> ê; dead circumflex, space -> ^; z/y swapped.
        data = tap(0, 0x35) + tap(0, 0x08) + tap(0, 0x35) + tap(0, 0x2C) + tap(0, 0x1C)
        self.assertEqual(simhost(["--layout", "de"], data), "\u00ea^z")
        self.assertEqual(simhost(["--layout", "DE"], tap(ALTGR, 0x14)), "@")

    def test_altgr_on_us_is_alt_not_text(self):
        self.assertEqual(simhost([], tap(ALTGR, 0x04)), "")
        self.assertEqual(simhost(["--show-keys"], tap(ALTGR, 0x04)), "[Alt+KeyA]")

    def test_caps_lock(self):
        self.assertEqual(simhost(["--caps-lock"], tap(0, 0x04) + tap(SHIFT, 0x04) + tap(0, 0x1E)),
                         "Aa1")
        # Caps Lock pressed on the keyboard toggles it, as on a host.
        self.assertEqual(simhost([], tap(0, 0x39) + tap(0, 0x04) + tap(0, 0x39) + tap(0, 0x04)),
                         "Aa")

    def test_slot_order_and_rollover(self):
        data = (kbd(0, 0x04) + kbd(0, 0x04, 0x05) + kbd(0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01)
                + kbd(0, 0x05) + kbd(0, 0x06, 0x05) + kbd())
        self.assertEqual(simhost([], data), "abc")

    def test_usage_above_logical_max_ignored(self):
        self.assertEqual(simhost(["--layout", "jp"], tap(0, 0x87)), "\\")
        self.assertEqual(simhost(["--layout", "jp", "--logical-max", "0x65"], tap(0, 0x87)), "")

    def test_backspace_interpret(self):
        data = tap(0, 0x04) + tap(0, 0x05) + tap(0, 0x2A) + tap(0, 0x06) + tap(0, 0x28)
        self.assertEqual(simhost(["--interpret"], data), "ac\n")
        self.assertEqual(simhost([], data), "abc\n")
        self.assertEqual(simhost(["--show-keys"], data), "ab[Backspace]c\n")

    def test_consumer(self):
        with tempfile.NamedTemporaryFile(prefix="keymime-consumer-") as c:
            c.write(b"\xe9\x00\x00\x00\xcd\x00\x00\x00")
            c.flush()
            self.assertEqual(simhost(["--consumer", c.name], b""),
                             "[AudioVolumeUp][MediaPlayPause]")

    def test_raw(self):
        self.assertEqual(simhost(["--raw"], kbd(2, 4)), "kbd 02 00 04 00 00 00 00 00\n")

    def test_keys_left_down_fail(self):
        self.assertEqual(simhost([], kbd(SHIFT, 0x04), check_rc=3), "A")


@unittest.skipUnless(os.path.exists(simhost_binary()), "keymime-simhost not built (no xkbcommon)")
class RoundTrip(unittest.TestCase):
    """Every character of every layout, through mosquitto and keymime-agent."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(harness.agent_binary()):
            raise AssertionError("no agent at %s (build first)" % harness.agent_binary())
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def type_all(self, agent, sub, layout, chars):
        """Sends chars as text commands; returns the reports written for them."""
        start = os.path.getsize(agent.keyboard)
        ids = []
        for i in range(0, len(chars), CHUNK):
            cid = "%s-%d" % (layout, i)
            ids.append(cid)
            self.broker.pub("keymime/%s/cmd" % agent.device_id, json.dumps(
                {"id": cid, "text": "".join(chars[i:i + CHUNK]), "layout": layout}))

        def done():
            got = {r.get("id"): r for r in sub.json("/result") if r.get("id") in ids}
            return got if len(got) == len(ids) else None
        try:
            results = wait_for(done, 60, "results for %s" % layout)
        except AssertionError:
            print("results seen: %s\nagent log: %s" % (sub.messages()[-10:], agent.logtext()[-2000:]))
            raise
        for r in results.values():
            self.assertTrue(r.get("ok"), "%s: %s" % (layout, r))
        with open(agent.keyboard, "rb") as f:
            f.seek(start)
            return f.read()

    def check_layout(self, agent, sub, name, chars, caps=False):
        reports = self.type_all(agent, sub, name, chars)
        got = simhost(["--layout", name] + (["--caps-lock"] if caps else []), reports)
        want = "".join(chars)
        self.assertEqual(got, want, "%s%s: %s" % (name, " (Caps Lock)" if caps else "",
                                                 describe_diff(want, got)))

    def test_every_layout(self):
        with Agent(self.broker, "rt1") as agent, \
                Subscriber(self.broker, "keymime/rt1/result") as sub:
            agent.wait_online()
            total = 0
            for name, count in layouts():
                chars, _ = repertoire(name)
                self.assertEqual(len(chars), count)
                self.check_layout(agent, sub, name, chars)
                total += len(chars)
                print("roundtrip %-10s %4d characters checked" % (name, len(chars)), flush=True)
            print("roundtrip: %d characters on %d layouts" % (total, len(layouts())), flush=True)

    def caps_agent(self):
        """An agent (not started yet) whose host says Caps Lock is on: its LED
        source holds the 1-byte output report 0x02."""
        leds = os.path.join(tempfile.mkdtemp(prefix="keymime-leds-"), "leds")
        with open(leds, "wb") as f:
            f.write(b"\x02")
        return Agent(self.broker, "rt2", conf={"hid_keyboard_leds": leds})

    @staticmethod
    def wait_caps(agent):
        agent.wait_online()
        wait_for(lambda: (agent.status() or {}).get("leds", {}).get("caps_lock"), 10,
                 "agent to see Caps Lock on")

    def test_caps_lock_on(self):
        """Caps Lock on: the agent types with caps_mods, and taps Caps Lock off
        around the characters no modifiers give under Caps Lock (de: µ)."""
        with self.caps_agent() as agent, \
                Subscriber(self.broker, "keymime/rt2/result") as sub:
            self.wait_caps(agent)
            for name, _ in layouts():
                chars, blocked = repertoire(name)
                # us-colemak's Caps Lock key is Backspace: nothing can turn Caps
                # Lock off there, so its caps-blocked characters are left out.
                if name == "us-colemak":
                    chars = [c for c in chars if c not in blocked]
                self.check_layout(agent, sub, name, chars, caps=True)
                print("roundtrip %-10s %4d characters checked with Caps Lock on (%d toggled)"
                      % (name, len(chars), len(blocked & set(chars))), flush=True)


    # Characters only Caps Lock reaches (fr: Ç is the ç key under Caps Lock)
    # need the agent to tap Caps Lock on around them when the host's is off
    # (layout_lookup_caps_only()), and with Caps Lock already on, type the key
    # as it is.
    def test_caps_only_characters(self):
        for caps in (False, True):
            agent = self.caps_agent() if caps else Agent(self.broker, "rt3")
            with agent, Subscriber(self.broker, "keymime/%s/result" % agent.device_id) as sub:
                self.wait_caps(agent) if caps else agent.wait_online()
                for name, _ in layouts():
                    chars, _ = repertoire(name, caps_only=True)
                    if chars:
                        self.check_layout(agent, sub, name, chars, caps=caps)


if __name__ == "__main__":
    unittest.main(verbosity=2)
