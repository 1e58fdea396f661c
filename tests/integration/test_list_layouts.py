# SPDX-License-Identifier: MIT
"""keymime-agent --list-layouts [--target T] [--json]: one entry per layout
of the target with name, source, description and characters, as a table or
JSON; docs/layouts.md's tables are exactly what it prints (layouts_doc.py
--check), and its counts are those of the agent's tables as keymime-simhost
reads them (--repertoire)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hostlib import have_simhost, simhost  # noqa: E402
import harness  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TARGETS = ("linux", "windows", "macos", "chromeos")


def agent(*args, config="/dev/null"):
    return subprocess.run([harness.agent_binary(), "--config", config] + list(args),
                          capture_output=True, timeout=30)


def listing(target):
    r = agent("--list-layouts", "--target", target, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


class ListLayouts(unittest.TestCase):

    def test_json_fields_and_known_sources(self):
        sources = {"linux": {"de-ch": "ch(de)", "us": "us", "il": "il"},
                   "windows": {"de": "de-t-k0-windows", "pt-br": "pt-t-k0-windows",
                               "pl": "pl-t-k0-windows-extended"},   # Polish (Programmers)
                   "macos": {"de": "de-t-k0-osx", "it-pro": "it-t-k0-osx-extended"},
                   "chromeos": {"fr": "fr-t-k0-chromeos"}}
        for t in TARGETS:
            got = listing(t)
            self.assertEqual(got[0]["name"], "us", "the default first")
            names = [l["name"] for l in got]
            self.assertEqual(len(names), len(set(names)), t)
            for l in got:
                self.assertEqual(set(l), {"name", "target", "source", "description", "characters",
                                          "dead_keys", "caps_blocked", "caps_only"})
                self.assertEqual(l["target"], t)
                self.assertGreaterEqual(l["characters"], 23, l)   # 20 letters, \n, \t, space
                self.assertLessEqual(l["dead_keys"] + l["caps_blocked"], 2 * l["characters"])
            by = {l["name"]: l["source"] for l in got}
            for name, src in sources[t].items():
                self.assertEqual(by.get(name), src, "%s %s" % (t, name))
        self.assertGreater(len(listing("linux")), 500)
        self.assertGreater(len(listing("windows")), 200)

    def test_text_table(self):
        r = agent("--list-layouts", "--target", "macos")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "SOURCE", "CHARACTERS", "DESCRIPTION"])
        got = listing("macos")
        self.assertEqual(len(lines), len(got) + 1)
        for line, l in zip(lines[1:], got):
            name, source, chars, desc = line.split(None, 3)
            self.assertEqual((name, source, int(chars), desc),
                             (l["name"], l["source"], l["characters"], l["description"]))

    def test_target_default_and_from_config(self):
        self.assertEqual(json.loads(agent("--list-layouts", "--json").stdout)[0]["target"], "linux")
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            # Only the target matters: a layout that target lacks is no error here.
            f.write("target = windows\nlayout = us-colemak\n")
            f.flush()
            r = agent("--list-layouts", "--json", config=f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)[0]["source"], "en-t-k0-windows")
            r = agent("--list-layouts", "--json", "--target", "chromeos", config=f.name)
            self.assertEqual(json.loads(r.stdout)[0]["target"], "chromeos", "the option wins")

    def test_bad_target(self):
        r = agent("--list-layouts", "--target", "osx")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.decode(),
                         "keymime-agent: target: 'osx' is not linux, windows, macos or chromeos\n")
        self.assertEqual(r.stdout, b"")

    def test_docs_are_the_listing(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "agent", "tools", "layoutgen",
                                                         "layouts_doc.py"),
                            "--check", harness.agent_binary()], capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    @unittest.skipUnless(have_simhost(), "keymime-simhost not built (no xkbcommon)")
    def test_counts_are_the_tables(self):
        """characters, dead_keys, caps_blocked, caps_only of a few layouts per
        target, counted again from the table rows simhost prints."""
        for t in TARGETS:
            for l in [x for x in listing(t) if x["name"] in ("us", "de", "fr", "ru", "il", "gr")]:
                rows = [line.split() for line in
                        simhost(["--target", t, "--repertoire", l["name"]]).splitlines()]
                main = [r for r in rows if r[3] == "0"]
                self.assertEqual(l["characters"], len(main), l)
                self.assertEqual(l["dead_keys"], sum(1 for r in main if r[1] != "1"), l)
                self.assertEqual(l["caps_blocked"], sum(1 for r in main if r[2] == "0"), l)
                self.assertEqual(l["caps_only"],
                                 "".join(chr(int(r[0], 16)) for r in rows if r[3] == "1"), l)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
