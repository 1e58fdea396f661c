# SPDX-License-Identifier: MIT
"""Round trip through a real broker, a real agent and a simulated host, for
every shipped layout of every target: the layout's whole repertoire goes out
as JSON text commands ("layout" and "target"), the agent writes boot keyboard
reports into a file, and keymime-simhost decodes that file as the target
computer would: for linux with the layout's XKB keymap and the Compose table,
for windows, macos and chromeos with the CLDR keyboard XML it reads itself
(--target). The decoded text must equal the input character for character.
The decoding side never reads agent/core's tables (it only asks them which
XKB keymap or CLDR file a name stands for), so a wrong table row shows up
here.

Also: the same with the host's Caps Lock on (the agent learns it from a LED
report, simhost starts with --caps-lock; the agent taps Caps Lock off
around characters Caps Lock would change beyond Shift), and checks of simhost itself on
hand-made reports, so the judge is tested too.
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import simhost, simhost_binary  # noqa: E402
import harness  # noqa: E402
from harness import Agent, Broker, Subscriber, kbd, wait_for  # noqa: E402

CHUNK = 400          # characters per command
TARGETS = ("linux", "windows", "macos", "chromeos")
SHIFT, ALTGR = 0x02, 0x40


def layouts(target="linux"):
    """(name, characters, source, caps key locks) of every layout the agent
    ships for target."""
    out = []
    for line in simhost(["--target", target, "--list-layouts"]).splitlines():
        name, count, _desc, source, locks = line.split("\t")
        out.append((name, int(count), source, locks == "1"))
    return out


def repertoires(target, caps_only=False):
    """{layout: (its characters in table order, the caps-blocked ones)} for
    every layout of target, from one simhost run; with caps_only, the
    characters each types only with Caps Lock on (fr: Ç)."""
    out = {}
    for line in simhost(["--target", target, "--repertoire", "*"]).splitlines():
        name, cp, _strokes, caps_ok, only = line.split()
        chars, blocked = out.setdefault(name, ([], set()))
        if (only == "1") != caps_only:
            continue
        chars.append(chr(int(cp, 16)))
        if caps_ok == "0":
            blocked.add(chr(int(cp, 16)))
    return out


def decode_batch(target, caps, path, jobs):
    """simhost's text for each (layout or CLDR id, start, end) part of the
    report file at path, each on a fresh host: one process for them all."""
    with tempfile.NamedTemporaryFile("w", prefix="keymime-jobs-") as f:
        f.write("".join("%s %d %d\n" % j for j in jobs))
        f.flush()
        out = simhost(["--target", target, "--batch", f.name] + (["--caps-lock"] if caps else [])
                      + [path])
    parts = out.split("\0")
    assert len(parts) == len(jobs) + 1 and parts[-1] == "", "%d parts for %d jobs" % (
        len(parts) - 1, len(jobs))
    return parts[:-1]


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

    def test_batch_decodes_each_part_on_a_fresh_host(self):
        # Y: z on de, y on us; a dead circumflex left pending at the end of
        # the first part must not reach the second.
        data = tap(0, 0x1C) + tap(0, 0x35) + tap(0, 0x1C)
        with tempfile.NamedTemporaryFile(prefix="keymime-reports-") as f:
            f.write(data)
            f.flush()
            jobs = [("de", 0, 32), ("us", 32, 48), ("de-t-k0-windows", 0, 16)]
            got = decode_batch("linux", False, f.name, jobs[:2])
            self.assertEqual(got, ["z", "y"])
            self.assertEqual(decode_batch("windows", False, f.name, jobs[2:]), ["z"])
        rows = simhost(["--target", "macos", "--repertoire", "*"]).splitlines()
        self.assertEqual(rows[0].split()[0], "us")
        self.assertEqual(len({r.split()[0] for r in rows}), len(layouts("macos")))

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

    def type_all(self, agent, sub, layout, chars, target="linux"):
        """Sends chars as text commands; returns where the reports written for
        them are in the agent's file: (start, end)."""
        start = os.path.getsize(agent.keyboard)
        ids = []
        for i in range(0, len(chars), CHUNK):
            cid = "%s-%s-%d" % (target, layout, i)
            ids.append(cid)
            self.broker.pub("keymime/%s/cmd" % agent.device_id, json.dumps(
                {"id": cid, "text": "".join(chars[i:i + CHUNK]), "layout": layout,
                 "target": target}))

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
            self.assertEqual((r.get("layout"), r.get("target")), (layout, target))
        return start, os.path.getsize(agent.keyboard)

    def check_layouts(self, agent, sub, todo, caps=False, target="linux"):
        """Types the characters of each (name, source, chars) of todo, then
        has simhost decode every layout's reports as that computer would and
        compares them with the characters."""
        jobs = []
        for name, source, chars in todo:
            start, end = self.type_all(agent, sub, name, chars, target)
            # simhost takes linux layouts by name (it asks the agent's tables
            # only which XKB keymap a name stands for) and CLDR keyboards by id.
            jobs.append((name if target == "linux" else source, start, end))
        got = decode_batch(target, caps, agent.keyboard, jobs)
        for (name, source, chars), text in zip(todo, got):
            want = "".join(chars)
            self.assertEqual(text, want, "%s %s (%s)%s: %s" % (
                target, name, source, " (Caps Lock)" if caps else "", describe_diff(want, text)))

    def every_layout(self, target, caps):
        """Every character of every layout of target, Caps Lock off or on."""
        dev = "rt-%s-%d" % (target, caps)
        agent = self.caps_agent(dev) if caps else Agent(self.broker, dev)
        with agent, Subscriber(self.broker, "keymime/%s/result" % dev) as sub:
            self.wait_caps(agent) if caps else agent.wait_online()
            total = toggled = 0
            reps, todo = repertoires(target), []
            for name, count, source, locks in layouts(target):
                chars, blocked = reps[name]
                self.assertEqual(len(chars), count)
                # us-colemak's Caps Lock key is Backspace: nothing can turn Caps
                # Lock off there, so its caps-blocked characters are left out.
                if caps and not locks:
                    chars = [c for c in chars if c not in blocked]
                todo.append((name, source, chars))
                total += len(chars)
                toggled += len(blocked & set(chars))
            self.check_layouts(agent, sub, todo, caps, target)
            print("roundtrip %s%s: %d characters on %d layouts checked (%d with Caps Lock "
                  "toggled)" % (target, " with Caps Lock on" if caps else "", total,
                                len(layouts(target)), toggled if caps else 0), flush=True)
            self.assertGreater(total, 0)

    def test_linux(self):
        self.every_layout("linux", False)

    def test_linux_caps_lock_on(self):
        """Caps Lock on: the agent types with caps_mods, and taps Caps Lock off
        around the characters no modifiers give under Caps Lock (de: µ)."""
        self.every_layout("linux", True)

    def test_windows(self):
        self.every_layout("windows", False)

    def test_windows_caps_lock_on(self):
        self.every_layout("windows", True)

    def test_macos(self):
        self.every_layout("macos", False)

    def test_macos_caps_lock_on(self):
        """macOS: Caps Lock gives capitals even with Shift, so small letters
        go out with Caps Lock tapped off around them."""
        self.every_layout("macos", True)

    def test_chromeos(self):
        self.every_layout("chromeos", False)

    def test_chromeos_caps_lock_on(self):
        self.every_layout("chromeos", True)

    def caps_agent(self, dev="rt2"):
        """An agent (not started yet) whose host says Caps Lock is on: its LED
        source holds the 1-byte output report 0x02."""
        leds = os.path.join(tempfile.mkdtemp(prefix="keymime-leds-"), "leds")
        with open(leds, "wb") as f:
            f.write(b"\x02")
        return Agent(self.broker, dev, conf={"hid_keyboard_leds": leds})

    @staticmethod
    def wait_caps(agent):
        agent.wait_online()
        wait_for(lambda: (agent.status() or {}).get("leds", {}).get("caps_lock"), 10,
                 "agent to see Caps Lock on")

    # Characters only Caps Lock reaches (fr: Ç is the ç key under Caps Lock)
    # need the agent to tap Caps Lock on around them when the host's is off
    # (layout_lookup_caps_only()), and with Caps Lock already on, type the key
    # as it is.
    def test_caps_only_characters(self):
        for caps in (False, True):
            agent = self.caps_agent() if caps else Agent(self.broker, "rt3")
            n = 0
            with agent, Subscriber(self.broker, "keymime/%s/result" % agent.device_id) as sub:
                self.wait_caps(agent) if caps else agent.wait_online()
                for target in TARGETS:
                    reps = repertoires(target, caps_only=True)
                    todo = [(name, source, reps[name][0]) for name, _, source, _ in layouts(target)
                            if reps[name][0]]
                    self.check_layouts(agent, sub, todo, caps, target)
                    n += sum(len(chars) for _, _, chars in todo)
            print("roundtrip: %d characters only Caps Lock reaches checked (Caps Lock %s)"
                  % (n, "on" if caps else "off"), flush=True)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
