# SPDX-License-Identifier: MIT
"""Characters no key makes, through each operating system's code entry
(unicode_entry), typed through a real mosquitto and keymime-agent and
decoded by keymime-simhost as a host with that entry enabled (its own
reading of the methods, tools/simhost/unicode_host.c, and of the layouts):
arrows, dashes, quotes, CJK and emoji, with the exact text back, the
results counting what went through entry, and the exact errors where a
method cannot enter a character."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hostlib import Typist, have_simhost, leds_file, simhost  # noqa: E402
from harness import Broker  # noqa: E402

ARROWS = "→ ← ↑ ↓ ⇒"
DASHES = "a – b — c ‐ d"
QUOTES = "“double” ‘single’ „low“ «guillemets» ‹one›"
CJK = "日本語のテキスト 中文 한국어"
EMOJI = "ok 😀 🎉 𝄞"
LATIN1 = "café naïve Ærø ß"


@unittest.skipUnless(have_simhost(), "keymime-simhost not built (no xkbcommon)")
class UnicodeEntry(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def roundtrip(self, t, text, target, layout, method, host_args=(), entered_n=None):
        """Types text with the method given per command; simhost must show
        it exactly, and the result must count entered_n entered characters."""
        r, reports = t.send({"text": text, "target": target, "layout": layout,
                             "unicode_entry": method})
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["unicode_entry"], r["target"], r["layout"]), (method, target, layout))
        got = simhost(["--target", target, "--layout", layout, "--unicode-entry", method]
                      + list(host_args), reports)
        self.assertEqual(got, text, "%s %s %s" % (method, target, layout))
        self.assertEqual(r["chars"], len(text))
        if entered_n is not None:
            self.assertEqual(r["entered"], entered_n, text)
        # Without the entry the host would see something else: the test can fail.
        if r["entered"]:
            self.assertNotEqual(simhost(["--target", target, "--layout", layout] + list(host_args),
                                        reports), text)
        return r

    def test_linux_ibus(self):
        with Typist(self.broker, "ue-ibus") as t:
            for layout in ("us", "de", "fr", "us-dvorak", "gb"):
                for text in (ARROWS, DASHES, QUOTES, CJK, EMOJI):
                    self.roundtrip(t, text, "linux", layout, "linux-ibus")
            # us: every character of these but spaces and ASCII letters is entered.
            r = self.roundtrip(t, "x→y", "linux", "us", "linux-ibus", entered_n=1)
            self.assertEqual(r["keys"], 2 + 1 + 4 + 1)   # x, y; Ctrl+Shift+U, 2192, space

    def test_chromeos_ibus(self):
        with Typist(self.broker, "ue-chromeos") as t:
            for layout in ("us", "fr", "de"):
                self.roundtrip(t, ARROWS + " " + CJK + " " + EMOJI, "chromeos", layout, "linux-ibus")

    def test_windows_altcode(self):
        text = "a – b — c " + "“double” ‘single’ „low“ «guillemets» ‹one› € … • ™ œ Ÿ " + LATIN1
        with Typist(self.broker, "ue-altcode") as t:
            for layout in ("us", "de", "fr"):
                self.roundtrip(t, text, "windows", layout, "windows-altcode", ["--num-lock"])
            # On a Russian layout Latin letters come through Alt codes too.
            self.roundtrip(t, "Hello, мир", "windows", "ru", "windows-altcode", ["--num-lock"],
                           entered_n=5)

    def test_windows_hex(self):
        with Typist(self.broker, "ue-winhex") as t:
            for layout in ("us", "fr", "de", "ru"):
                for text in (ARROWS, DASHES, QUOTES, CJK):
                    self.roundtrip(t, text, "windows", layout, "windows-hex", ["--num-lock"])

    def test_macos_hex(self):
        """Unicode Hex Input is the US layout plus Option+hex: layout us."""
        with Typist(self.broker, "ue-machex") as t:
            for text in (ARROWS, DASHES, QUOTES, CJK, EMOJI):
                self.roundtrip(t, text, "macos", "us", "macos-hex")
            r = self.roundtrip(t, "😀", "macos", "us", "macos-hex", entered_n=1)
            self.assertEqual(r["keys"], 8, "a surrogate pair: two units of four digits")

    def test_device_setting_and_type_topic(self):
        """unicode_entry in the config applies to the type topic and to JSON
        commands; a command for another target goes without it."""
        conf = {"target": "windows", "layout": "de", "unicode_entry": "windows-hex"}
        with Typist(self.broker, "ue-device", conf) as t:
            r, reports = t.send("Pfeil → und 日本", topic="type")
            self.assertTrue(r["ok"], r)
            self.assertEqual((r["unicode_entry"], r["entered"], r["chars"]), ("windows-hex", 3, 14))
            self.assertEqual(simhost(["--target", "windows", "--layout", "de", "--unicode-entry",
                                      "windows-hex", "--num-lock"], reports), "Pfeil → und 日本")
            r, _ = t.send({"text": "日", "target": "linux"})
            self.assertEqual((r["ok"], r["error"]), (False, "untypable"), r)
            self.assertEqual(r["detail"], "layout 'de' cannot type '日' (U+65E5) at 0")
            r, _ = t.send({"text": "ä"})
            self.assertEqual((r["unicode_entry"], r["entered"]), ("windows-hex", 0),
                             "nothing entered, but the method is named")

    def test_num_lock_off(self):
        """The host's LEDs say Num Lock is off: the agent taps it on around
        the keypad digits and off again; the host (Num Lock off at the start)
        sees the text and ends with Num Lock off."""
        conf = {"target": "windows", "unicode_entry": "windows-altcode",
                "hid_keyboard_leds": leds_file(0x00)}
        with Typist(self.broker, "ue-numlock", conf) as t:
            r, reports = t.send({"text": "a—b"})
            self.assertTrue(r["ok"], r)
            self.assertEqual(simhost(["--target", "windows", "--unicode-entry", "windows-altcode"],
                                     reports), "a—b")
            self.assertEqual(reports.count(bytes([0, 0, 0x53, 0, 0, 0, 0, 0])), 2)

    def test_caps_lock_on(self):
        """Caps Lock on (LEDs): IBus entry on AZERTY still gives the exact text."""
        conf = {"layout": "fr", "unicode_entry": "linux-ibus", "hid_keyboard_leds": leds_file(0x02)}
        with Typist(self.broker, "ue-caps", conf) as t:
            text = "É → « ok » 日本"
            r, reports = t.send({"text": text})
            self.assertTrue(r["ok"], r)
            self.assertEqual(simhost(["--layout", "fr", "--unicode-entry", "linux-ibus",
                                      "--caps-lock"], reports), text)

    def test_refusals(self):
        """What a method cannot enter is refused whole, naming the characters."""
        with Typist(self.broker, "ue-refuse") as t:
            cases = [
                ({"text": "ok → 日", "target": "windows", "unicode_entry": "windows-altcode"},
                 "untypable", "layout 'us' cannot type '→' (U+2192) at 3, '日' (U+65E5) at 5; "
                 "unicode_entry windows-altcode enters only Windows-1252 characters"),
                ({"text": "😀", "target": "windows", "unicode_entry": "windows-hex"},
                 "untypable", "layout 'us' cannot type '😀' (U+1F600) at 0; unicode_entry "
                 "windows-hex enters only characters up to U+FFFF"),
                ({"text": "é", "layout": "ru", "unicode_entry": "linux-ibus"},
                 "untypable", "layout 'ru' cannot type 'é' (U+00E9) at 0; unicode_entry "
                 "linux-ibus needs keys for u, 0-9, a-f and space, which layout 'ru' lacks"),
                ({"text": "é", "target": "macos", "unicode_entry": "windows-hex"},
                 "bad_value", "unicode_entry windows-hex is for windows, not target macos"),
                ({"text": "é", "unicode_entry": "utf8"},
                 "bad_value", "'unicode_entry' must be none, linux-ibus, windows-altcode, "
                 "windows-hex or macos-hex, not 'utf8'"),
            ]
            for cmd, code, detail in cases:
                r, reports = t.send(cmd)
                self.assertEqual((r["ok"], r["error"], r["detail"]), (False, code, detail), cmd)
                self.assertEqual(reports, b"", "nothing typed")


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
