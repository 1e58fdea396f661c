# SPDX-License-Identifier: MIT
"""The cases a new user tries first, literally: an e-mail address, a
password full of {}[]@#|\\~$%^&, € and £, accented words (through dead keys
where the layout has them), Cyrillic, Greek and Hebrew sentences, on Windows
and macOS computers with de, fr, it, es, gb, de-ch, se, pt-br, ru, gr, il
and cz. Each goes through a real mosquitto and keymime-agent and is decoded
by keymime-simhost reading that system's CLDR keyboard itself; the expected
text is the input, written here, or, where the layout has no key for a
character, the exact error (nothing typed). Then the same failures again
with the computer's code entry (unicode_entry), which types them exactly."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hostlib import Typist, have_simhost, simhost  # noqa: E402
from harness import Broker  # noqa: E402

EMAIL = "first.last+tag@example.co.uk"
PASSWORD = "P@ss{w0rd}[x]#|\\~$%^&*"
MONEY = "€ 20, £ 15"
SENTENCE = {
    "de": "Café, Crème brûlée, Grüße",
    "fr": "Noël à l'hôtel, où ça? Ève",
    "it": "Perché così? È più facile",
    "es": "¿Qué tal? Año, pingüino",
    "gb": "café, naïve résumé",
    "de-ch": "Grüezi, Café, Müsli, Ça va",
    "se": "Smörgåsbord, café, naïve",
    "pt-br": "Ação, você, à tarde, pinguim",
    "cz": "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "ru": "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "gr": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία, Γειά σου!",
    "il": "שלום עולם, מה שלומך?",
}
LAYOUTS = ("de", "fr", "it", "es", "gb", "de-ch", "se", "pt-br", "ru", "gr", "il", "cz")

# What does not come out: the exact error of each text a layout cannot type
# (everything not listed here is typed exactly). Windows German, Spanish
# and Czech have no £, Brazilian ABNT no €, Italian no ~ and no È, UK no
# diaeresis, Swiss German no Ç; the Cyrillic, Greek and Hebrew layouts
# have no Latin letters (Hebrew's Shift+letter gives capitals).
LATIN = " and 15 more"
FAILS = {
    ("windows", "de", MONEY): "layout 'de' cannot type '£' (U+00A3) at 6",
    ("windows", "it", PASSWORD): "layout 'it' cannot type '~' (U+007E) at 16",
    ("windows", "it", SENTENCE["it"]): "layout 'it' cannot type 'È' (U+00C8) at 13",
    ("windows", "es", MONEY): "layout 'es' cannot type '£' (U+00A3) at 6",
    ("windows", "gb", SENTENCE["gb"]): "layout 'gb' cannot type 'ï' (U+00EF) at 8",
    ("windows", "de-ch", SENTENCE["de-ch"]): "layout 'de-ch' cannot type 'Ç' (U+00C7) at 21",
    ("windows", "pt-br", MONEY): "layout 'pt-br' cannot type '€' (U+20AC) at 0",
    ("windows", "ru", EMAIL): "layout 'ru' cannot type 'f' (U+0066) at 0, 'i' (U+0069) at 1, "
    "'r' (U+0072) at 2, 's' (U+0073) at 3, 't' (U+0074) at 4, 'l' (U+006C) at 6, 'a' (U+0061) "
    "at 7, 's' (U+0073) at 8 and 16 more",
    ("windows", "ru", PASSWORD): "layout 'ru' cannot type 'P' (U+0050) at 0, '@' (U+0040) at 1, "
    "'s' (U+0073) at 2, 's' (U+0073) at 3, '{' (U+007B) at 4, 'w' (U+0077) at 5, 'r' (U+0072) "
    "at 7, 'd' (U+0064) at 8 and 10 more",
    ("windows", "ru", MONEY): "layout 'ru' cannot type '€' (U+20AC) at 0, '£' (U+00A3) at 6",
    ("windows", "gr", EMAIL): "layout 'gr' cannot type 'f' (U+0066) at 0, 'i' (U+0069) at 1, "
    "'r' (U+0072) at 2, 's' (U+0073) at 3, 't' (U+0074) at 4, 'l' (U+006C) at 6, 'a' (U+0061) "
    "at 7, 's' (U+0073) at 8" + LATIN,
    ("windows", "gr", PASSWORD): "layout 'gr' cannot type 'P' (U+0050) at 0, 's' (U+0073) at 2, "
    "'s' (U+0073) at 3, 'w' (U+0077) at 5, 'r' (U+0072) at 7, 'd' (U+0064) at 8, 'x' (U+0078) "
    "at 11",
    ("windows", "il", EMAIL): "layout 'il' cannot type 'f' (U+0066) at 0, 'i' (U+0069) at 1, "
    "'r' (U+0072) at 2, 's' (U+0073) at 3, 't' (U+0074) at 4, 'l' (U+006C) at 6, 'a' (U+0061) "
    "at 7, 's' (U+0073) at 8" + LATIN,
    ("windows", "il", PASSWORD): "layout 'il' cannot type 's' (U+0073) at 2, 's' (U+0073) at 3, "
    "'w' (U+0077) at 5, 'r' (U+0072) at 7, 'd' (U+0064) at 8, 'x' (U+0078) at 11",
    ("windows", "il", MONEY): "layout 'il' cannot type '£' (U+00A3) at 6",
    ("windows", "cz", MONEY): "layout 'cz' cannot type '£' (U+00A3) at 6",
    ("macos", "ru", EMAIL): "layout 'ru' cannot type 'f' (U+0066) at 0, 'i' (U+0069) at 1, "
    "'r' (U+0072) at 2, 's' (U+0073) at 3, 't' (U+0074) at 4, 'l' (U+006C) at 6, 'a' (U+0061) "
    "at 7, 's' (U+0073) at 8" + LATIN,
    ("macos", "ru", PASSWORD): "layout 'ru' cannot type 'P' (U+0050) at 0, 's' (U+0073) at 2, "
    "'s' (U+0073) at 3, 'w' (U+0077) at 5, 'r' (U+0072) at 7, 'd' (U+0064) at 8, 'x' (U+0078) "
    "at 11, '\\' (U+005C) at 15",
    ("macos", "gr", EMAIL): "layout 'gr' cannot type 'f' (U+0066) at 0, 'i' (U+0069) at 1, "
    "'r' (U+0072) at 2, 's' (U+0073) at 3, 't' (U+0074) at 4, 'l' (U+006C) at 6, 'a' (U+0061) "
    "at 7, 's' (U+0073) at 8" + LATIN,
    ("macos", "gr", PASSWORD): "layout 'gr' cannot type 'P' (U+0050) at 0, 's' (U+0073) at 2, "
    "'s' (U+0073) at 3, 'w' (U+0077) at 5, 'r' (U+0072) at 7, 'd' (U+0064) at 8, 'x' (U+0078) "
    "at 11",
    ("macos", "il", EMAIL): "layout 'il' cannot type 'f' (U+0066) at 0, 'i' (U+0069) at 1, "
    "'r' (U+0072) at 2, 's' (U+0073) at 3, 't' (U+0074) at 4, 'l' (U+006C) at 6, 'a' (U+0061) "
    "at 7, 's' (U+0073) at 8" + LATIN,
    ("macos", "il", PASSWORD): "layout 'il' cannot type 's' (U+0073) at 2, 's' (U+0073) at 3, "
    "'w' (U+0077) at 5, 'r' (U+0072) at 7, 'd' (U+0064) at 8, 'x' (U+0078) at 11, '\\' (U+005C) "
    "at 15",
    ("macos", "il", MONEY): "layout 'il' cannot type '£' (U+00A3) at 6",
}
# Sentences whose accents come through dead keys there (more key presses
# than characters): Windows ´ ` ^ ¨ ~ ˇ ΄, macOS Option+e/u/i/n/` and the
# layouts' own dead keys.
DEAD = {"windows": {"de", "fr", "es", "se", "pt-br", "gr", "cz"},
        "macos": {"de", "es", "gb", "se", "pt-br", "cz"}}


@unittest.skipUnless(have_simhost(), "keymime-simhost not built (no xkbcommon)")
class FirstTries(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def check(self, t, target, layout, text, fails):
        r, reports = t.send({"text": text, "target": target, "layout": layout})
        what = "%s %s %r" % (target, layout, text)
        if fails:
            self.assertEqual((r["ok"], r.get("error"), r.get("detail")), (False, "untypable", fails),
                             what)
            self.assertEqual(reports, b"", what + ": nothing typed")
            return r
        self.assertTrue(r["ok"], "%s: %s" % (what, r))
        self.assertEqual(simhost(["--target", target, "--layout", layout], reports), text, what)
        self.assertEqual(r["chars"], len(text), what)
        return r

    def every_case(self, target):
        n = failed = 0
        with Typist(self.broker, "first-" + target) as t:
            for layout in LAYOUTS:
                texts = (EMAIL, PASSWORD, MONEY, SENTENCE[layout])
                for text in texts:
                    fails = FAILS.get((target, layout, text))
                    r = self.check(t, target, layout, text, fails)
                    n += 1
                    failed += bool(fails)
                    if text == SENTENCE[layout] and layout in DEAD[target]:
                        self.assertGreater(r["keys"], r["chars"], "%s %s: dead keys" % (target, layout))
        print("%s: %d texts on %d layouts, %d refused with the exact error"
              % (target, n, len(LAYOUTS), failed), flush=True)

    def test_windows(self):
        self.every_case("windows")

    def test_macos(self):
        self.every_case("macos")

    def test_windows_failures_through_alt_codes(self):
        """Every Windows failure above is Windows-1252 (ASCII, £, €, È, ï,
        Ç): with unicode_entry windows-altcode all of them come out exactly."""
        with Typist(self.broker, "first-altcode") as t:
            for (target, layout, text) in FAILS:
                if target != "windows":
                    continue
                r, reports = t.send({"text": text, "target": target, "layout": layout,
                                     "unicode_entry": "windows-altcode"})
                self.assertTrue(r["ok"], r)
                self.assertGreater(r["entered"], 0)
                self.assertEqual(simhost(["--target", "windows", "--layout", layout, "--unicode-entry",
                                          "windows-altcode", "--num-lock"], reports), text, layout)

    def test_mac_told_iso(self):
        """A German Mac told its keyboard is ISO exchanges the keys left of 1
        and left of Z: with macos_keyboard_type = iso the agent sends them
        exchanged and the Mac (simhost --macos-iso) sees the text; without
        the setting that Mac sees < and ^ swapped (^ a dead key there, which
        takes the space after it)."""
        text = "a < b > c ° d"
        conf = {"target": "macos", "layout": "de"}
        with Typist(self.broker, "first-iso", dict(conf, macos_keyboard_type="iso")) as t:
            r, reports = t.send({"text": text})
            self.assertTrue(r["ok"], r)
            self.assertEqual(simhost(["--target", "macos", "--layout", "de", "--macos-iso"], reports),
                             text)
        with Typist(self.broker, "first-ansi", conf) as t:
            _, reports = t.send({"text": text})
            self.assertEqual(simhost(["--target", "macos", "--layout", "de"], reports), text)
            self.assertEqual(simhost(["--target", "macos", "--layout", "de", "--macos-iso"], reports),
                             "a ^b ° c > d")

    def test_untypable_names_every_position(self):
        """The untypable list in the result: the first 8, with the total."""
        with Typist(self.broker, "first-list") as t:
            r, _ = t.send({"text": EMAIL, "target": "windows", "layout": "ru"})
            self.assertEqual(r["untypable_total"], 24)
            self.assertEqual(r["untypable"][:2], [{"char": "f", "codepoint": 102, "pos": 0},
                                                  {"char": "i", "codepoint": 105, "pos": 1}])
            self.assertEqual(len(r["untypable"]), 8)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
