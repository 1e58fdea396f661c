# SPDX-License-Identifier: MIT
"""Stored macros (issue #18) against a real mosquitto and a real agent: the
macros of agent.conf (`macro.NAME = JSON`) run by {"macro":"NAME"} with exact
reports and one result each, listed in the status, the caller's options
winning over the macro's, and a macro that could only fail refusing to start
the agent with a message that names it (and --check-config saying the same)."""
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itlib import CTRL, ALT, RELEASE, kbd, tap, wait_for  # noqa: E402
from harness import Agent, Broker, agent_binary  # noqa: E402
from test_protocol import ProtocolCase, letters  # noqa: E402

ENTER, F12, DEL, Y, Z = 0x28, 0x45, 0x4C, 0x1C, 0x1D

MACROS = {
    "macro.login": '{"seq":[{"text":"root"},{"keys":"enter"},{"delay_ms":100},{"text":"pw\\n"}]}',
    "macro.cad": '{"keys":"ctrl+alt+delete"}',
    "macro.boot_menu": '{"hold":"F12","ms":300}',
    "macro.z-de": '{"text":"zy","layout":"de"}',
}


class Macros(ProtocolCase):
    conf = dict(MACROS)

    def test_listed_in_the_status(self):
        wait_for(lambda: (self.agent.status() or {}).get("macros"), 10, "status with macros")
        self.assertEqual(self.agent.status()["macros"], ["login", "cad", "boot_menu", "z-de"])

    def test_run(self):
        self.ok({"id": "m1", "macro": "login"},
                letters("root") + tap(0, ENTER) + letters("pw") + tap(0, ENTER),
                id="m1", chars=7, keys=8, source="cmd")
        self.ok({"macro": "cad"}, [kbd(CTRL | ALT), kbd(CTRL | ALT, DEL), RELEASE], keys=1)
        self.ok({"macro": "boot_menu"}, [kbd(0, F12), RELEASE], keys=1)

    def test_options(self):
        self.ok({"macro": "z-de"}, tap(0, Y) + tap(0, Z), layout="de")
        self.ok({"macro": "z-de", "layout": "us"}, letters("zy"), layout="us")

    def test_refused(self):
        self.rejected({"id": "u", "macro": "nope"}, "unknown_macro", "no macro named 'nope'",
                      cid="u")
        self.rejected({"macro": "cad", "text": "x"}, "bad_command", "more than one action")
        self.rejected({"macro": "z-de", "layout": "xx"}, "unknown_layout")


class BadMacros(unittest.TestCase):
    """A macro that could only fail stops the agent at start (exit 2)."""

    def run_agent(self, macro, *extra):
        """keymime-agent on a config with macro.bad = macro (no broker needed:
        it stops before connecting)."""
        b = Broker()
        a = Agent(b, "pi1", conf={"macro.bad": macro})   # writes the config, starts nothing
        try:
            return subprocess.run([agent_binary(), "--config", a.conf_path] + list(extra),
                                  capture_output=True, text=True, timeout=20)
        finally:
            shutil.rmtree(a.dir, ignore_errors=True)
            shutil.rmtree(b.dir, ignore_errors=True)

    def test_refused_at_start_naming_the_macro(self):
        for macro, detail in [
                ('{"keys":"ctl+a"}', "macro.bad: macro 'bad': no key named 'ctl' (unknown_key)"),
                ('{"text":"\\u00e9"}', "macro.bad: macro 'bad': layout 'us' cannot type 'é'"),
                ('{"cancel":true}', "'cancel' cannot be part of a macro (bad_command)"),
                ('{"text":', "the JSON ends too early (bad_json)")]:
            for extra in ([], ["--check-config"]):
                r = self.run_agent(macro, *extra)
                self.assertEqual(r.returncode, 2, (macro, extra, r.stderr))
                self.assertIn(detail, r.stderr, (macro, extra))

    def test_check_config_prints_them(self):
        r = self.run_agent('{"keys":"enter"}', "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('macro.bad = {"keys":"enter"}\n', r.stdout)
        self.assertEqual(json.loads(r.stdout.split("macro.bad = ")[1]), {"keys": "enter"})


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
