# SPDX-License-Identifier: MIT
"""docs/protocol.md is run, word for word: every ```sh block marked
<!-- test: NAME --> is extracted and run by /bin/sh against a real mosquitto
and a real keymime-agent (device pi1), with the mosquitto clients configured
the way the doc tells a user to (its "setup" block, run first, writes the
clients' options files into $XDG_CONFIG_HOME from KEYMIME_HOST/PORT/USER/
PASSWORD). An example marked `user=admin` runs with the
clients set up for the harness's ADMIN account instead of the operator (for
what the generated broker configuration forbids an operator on purpose: a
retained command). The ```text block right after an example states its
effect, and that is checked:

    keyboard: <8-byte reports in hex, space separated>   exactly what was written
    keyboard: nothing                                   (or consumer: …)
    result:   {json}    one line per result (in any order: the results of
                        separate commands may overtake each other); every field
                        shown must match (fields left out, like "ms", are not
                        checked), and there must be exactly as many results
    prints:   text      a line the block printed; text before a '{' must match
                        exactly, a JSON object after it field by field
    status:   {json}    the retained status afterwards, field by field

The agent's configuration holds the lines of the doc's ```ini blocks marked
<!-- agent.conf --> (its macros), so the doc shows what the examples run on.

Also: the key table in the doc is what tests/integration/keynames.py makes of
agent/core/keymap.c, and every name in it types the HID usage it lists.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keynames  # noqa: E402
from itlib import RELEASE, Results, hexes, kbd, started, wait_for  # noqa: E402
from harness import OPERATOR, Agent, Broker  # noqa: E402

DOC = keynames.DOC
CONF = re.compile(r"<!-- agent\.conf -->\n```ini\n(.*?)```\n", re.S)
MARK = re.compile(r"<!-- test: ([\w-]+)((?: [\w=-]+)*) -->\n```sh\n(.*?)```\n"
                  r"(?:\s*```text\n(.*?)```\n)?", re.S)


def examples(text):
    """[(name, options, script, expectation lines)] in document order."""
    out = []
    for m in MARK.finditer(text):
        opts = dict((o.split("=", 1) + [True])[:2] for o in m.group(2).split())
        expect = [l for l in (m.group(4) or "").splitlines() if l.strip()]
        out.append((m.group(1), opts, m.group(3), expect))
    return out


def doc_config(text):
    """The `key = value` lines of the doc's <!-- agent.conf --> blocks: the
    example device is configured with exactly what the doc shows."""
    conf = {}
    for block in CONF.findall(text):
        for line in block.splitlines():
            key, _, value = line.partition(" = ")
            conf[key] = value
    return conf


def subset(want, got, where=""):
    """Every field of want is in got with the same value (objects recursively)."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k, v in want.items():
            if k not in got:
                raise AssertionError("%s: no field %r in %s" % (where, k, got))
            subset(v, got[k], where + "." + k)
    elif want != got:
        raise AssertionError("%s: want %r, got %r" % (where, want, got))


def parse_expect(lines):
    e = {"result": [], "prints": []}
    for line in lines:
        kind, _, value = line.partition(":")
        value = value.strip()
        if kind in ("result", "prints"):
            e[kind].append(value)
        elif kind in ("keyboard", "consumer", "status"):
            e[kind] = value
        else:
            raise AssertionError("unknown expectation %r" % line)
    return e


def reports_of(value):
    return [] if value == "nothing" else value.split()


class DocExamples:
    """Runs the marked examples of one doc (doc) against broker and agent pi1;
    a doc without its own "setup" example gets protocol.md's first."""
    doc = DOC
    min_examples = 1

    @classmethod
    def setUpClass(cls):
        cls.text = open(cls.doc, encoding="utf-8").read()
        cls.broker = Broker().start()
        cls.agent = Agent(cls.broker, "pi1", conf=doc_config(cls.text)).start()
        started(cls.agent)
        cls.home = tempfile.mkdtemp(prefix="keymime-doc-")
        cls.env = dict(os.environ, HOME=cls.home, XDG_CONFIG_HOME=os.path.join(cls.home, "cfg"),
                       KEYMIME_HOST="127.0.0.1", KEYMIME_PORT=str(cls.broker.port),
                       KEYMIME_USER=OPERATOR, KEYMIME_PASSWORD=cls.broker.users[OPERATOR])

    @classmethod
    def tearDownClass(cls):
        cls.agent.__exit__(None, None, None)
        cls.broker.__exit__(None, None, None)
        shutil.rmtree(cls.home, ignore_errors=True)

    def run_sh(self, script, timeout=30, env=None):
        return subprocess.run(["sh", "-e", "-c", script], env=env or self.env, cwd=self.home,
                              capture_output=True, timeout=timeout)

    def env_of(self, user, setup):
        """The environment of a user whose clients the setup block configured."""
        if user is None:
            return self.env
        env = dict(self.env, XDG_CONFIG_HOME=os.path.join(self.home, "cfg-" + user),
                   KEYMIME_USER=user, KEYMIME_PASSWORD=self.broker.users[user])
        r = self.run_sh(setup, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return env

    def test_examples(self):
        found = examples(self.text)
        names = [n for n, _, _, _ in found]
        self.assertEqual(len(names), len(set(names)), "example names are unique")
        self.assertGreaterEqual(len(found), self.min_examples)
        n_blocks = self.text.count("```sh\n")
        self.assertEqual(n_blocks, len(found), "every sh block is marked as a test")
        if names[0] != "setup":
            found = examples(open(DOC, encoding="utf-8").read())[:1] + found
        setup = found[0][2]
        for name, opts, script, expect in found:
            with self.subTest(example=name):
                env = self.env_of(opts.get("user"), setup)
                self.check_example(name, opts, script, parse_expect(expect), env)

    def check_example(self, name, opts, script, e, env):
        self.agent.clear()
        with Results(self.broker) as res:
            r = self.run_sh(script, env=env)
            rc = int(opts.get("rc", 0))
            self.assertEqual(r.returncode, rc, "%s: exit %d: %s" % (name, r.returncode, r.stderr))
            if e["result"]:
                res.wait_n(len(e["result"]), 15)
            res.fence()    # the agent has answered everything the example sent
            got = res.all()
            self.assertEqual(len(got), len(e["result"]), "%s: results %s" % (name, got))
            left = list(got)   # results of separate commands may come in any order
            for want in e["result"]:
                match = [h for h in left if self.fits(json.loads(want), h)]
                self.assertTrue(match, "%s: no result like %s in %s" % (name, want, got))
                left.remove(match[0])
        if "keyboard" in e:
            self.assertEqual(hexes(self.agent.reports()), reports_of(e["keyboard"]), name)
        if "consumer" in e:
            self.assertEqual([c.hex() for c in self.agent.consumer_reports()],
                             reports_of(e["consumer"]), name)
        out = r.stdout.decode().splitlines()
        for want in e["prints"]:
            self.assertTrue(any(self.printed(want, line) for line in out),
                            "%s: %r not in output %r" % (name, want, out))
        if "status" in e:
            # The status is republished at most every status_interval_ms.
            want = json.loads(e["status"])
            try:
                wait_for(lambda: self.fits(want, self.agent.status()), 5, "the status")
            except AssertionError:
                pass   # the subset below says what differs
            subset(want, self.agent.status(), name)
        if name == "setup":
            conf = os.path.join(self.env["XDG_CONFIG_HOME"], "mosquitto_pub")
            self.assertEqual(os.stat(conf).st_mode & 0o077, 0, "the options file is private")

    @staticmethod
    def fits(want, got):
        try:
            subset(want, got)
            return True
        except AssertionError:
            return False

    @staticmethod
    def printed(want, line):
        if "{" not in want:
            return want == line
        prefix = want[:want.index("{")]
        if not line.startswith(prefix) or "{" not in line[len(prefix):]:
            return False
        try:
            subset(json.loads(want[len(prefix):]), json.loads(line[len(prefix):]))
            return True
        except (AssertionError, ValueError):
            return False



class ProtocolDoc(DocExamples, unittest.TestCase):
    min_examples = 25

    def test_setup_comes_first(self):
        self.assertEqual(examples(self.text)[0][0], "setup")

    def test_key_table_is_generated_from_keymap_c(self):
        table = keynames.doc_block(self.text)
        self.assertIsNotNone(table, "key table markers in docs/protocol.md")
        self.assertEqual(table, keynames.markdown(*keynames.load()),
                         "run tests/integration/keynames.py --write")

    def test_every_key_name_types_its_usage(self):
        """The table's parse of keymap.c agrees with the agent binary."""
        keys, aliases = keynames.load()
        names, want_kbd, want_cons = [], [], []
        for code, page, usage in keys:
            for name in [code, code.lower(), code.upper()] + aliases.get(code, []):
                names.append(name)
                if page == "consumer":
                    want_cons += [bytes([usage & 0xFF, usage >> 8]), b"\0\0"]
                elif 0xE0 <= usage <= 0xE7:
                    want_kbd += [kbd(1 << (usage - 0xE0)), RELEASE]
                else:
                    want_kbd += [kbd(0, usage), RELEASE]
        self.agent.clear()
        with Results(self.broker) as res:
            for i in range(0, len(names), 500):
                self.broker.pub("keymime/pi1/keys", " ".join(names[i:i + 500]))
            got = res.wait_n(len(range(0, len(names), 500)), 20)
        self.assertTrue(all(r["ok"] for r in got), got)
        wait_for(lambda: len(self.agent.reports()) >= len(want_kbd), 20, "all reports")
        self.assertEqual(hexes(self.agent.reports()), hexes(want_kbd))
        self.assertEqual(self.agent.consumer_reports(), want_cons)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
