# SPDX-License-Identifier: MIT
"""Runs every ```sh block of docs/cookbook.md word for word, in order, against a
real mosquitto and agent, as a user would after following its setup (the
connection comes from KEYMIME_HOST/PORT/USER/PASSWORD and the mosquitto client
option files the setup block writes into a scratch HOME), and checks what each
block did: the reports the agent wrote, the results it published, the output."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import hatest

hatest.require_agent()
from hatest import harness  # noqa: E402

DOC = os.path.join(hatest.ROOT, "docs", "cookbook.md")
kbd, RELEASE = harness.kbd, harness.RELEASE
CTRL, SHIFT, ALT, META = 0x01, 0x02, 0x04, 0x08

# "<!-- test: NAME [background] [rc=N] -->" right before each ```sh block.
BLOCK_RE = re.compile(r"<!--\s*test:\s*([\w-]+)((?:\s+[\w=]+)*)\s*-->\s*\n```sh\n(.*?)^```",
                      re.S | re.M)


def blocks():
    text = open(DOC, encoding="utf-8").read()
    found = [(m.group(1), m.group(2).split(), m.group(3)) for m in BLOCK_RE.finditer(text)]
    fences = len(re.findall(r"^```sh\s*$", text, re.M))
    assert fences == len(found), "%d sh blocks but %d with a <!-- test: --> marker" % (
        fences, len(found))
    return found


US = {c: (0, 0x04 + i) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
US.update({c.upper(): (SHIFT, u) for c, (_, u) in list(US.items())})
US.update({str(d): (0, 0x1E + (d - 1) % 10) for d in range(1, 10)})
US.update({"0": (0, 0x27), "\n": (0, 0x28), "\t": (0, 0x2B), " ": (0, 0x2C), "-": (0, 0x2D)})


def typed(text):
    """The reports a US-layout target needs for text: press, release per character."""
    out = []
    for ch in text:
        mods, usage = US[ch]
        out += [kbd(mods, usage), RELEASE]
    return out


def pressed(reports):
    """The reports that have a key down, in order, as (mods, first usage)."""
    return [(r[0], r[2]) for r in reports if r[2]]


class Ctx:
    def __init__(self, broker, agent, results):
        self.broker, self.agent, self.results = broker, agent, results
        self.base = 0
        self.out = ""

    def new_results(self, n, timeout=20):
        self.results.wait_n(self.base + n, timeout)
        self.results.fence()   # a result too many would be in now
        got = [json.loads(p) for _, p in self.results.messages()[self.base:]]
        assert len(got) == n, "expected %d results, got %s" % (n, got)
        return got

    def reports(self):
        return self.agent.reports()


def ok_results(ctx, n=1):
    res = ctx.new_results(n)
    assert all(r["ok"] for r in res), res
    return res


# --- what each block must do ----------------------------------------------------

def check_setup(ctx):
    conf = os.path.join(ctx.home, ".config")
    for client in ("mosquitto_pub", "mosquitto_sub", "mosquitto_rr"):
        path = os.path.join(conf, client)
        assert oct(os.stat(path).st_mode & 0o777) == "0o600", path
        assert "-p %d\n" % ctx.broker.port in open(path).read()


def check_type(ctx):
    ok_results(ctx)
    assert ctx.reports() == typed("hello"), ctx.reports()


def check_type_stdin(ctx):
    ok_results(ctx)
    assert ctx.reports() == typed("ls -l\n"), ctx.reports()


def check_keys(ctx):
    ok_results(ctx)
    assert ctx.reports() == [kbd(CTRL | ALT), kbd(CTRL | ALT, 0x4C), RELEASE], ctx.reports()


def check_keys_sequence(ctx):
    ok_results(ctx)
    reps = ctx.reports()
    assert pressed(reps) == [(CTRL, 0x04), (CTRL, 0x06)] and reps[-1] == RELEASE, reps


def check_media(ctx):
    ok_results(ctx)
    cons = ctx.agent.consumer_reports()
    assert cons and cons[0] == b"\xe9\x00" and cons[-1] == b"\x00\x00", cons
    assert not pressed(ctx.reports()), "nothing on the keyboard interface"


def check_hold(ctx):
    ok_results(ctx, 3)
    reps = ctx.reports()
    assert reps[0] == kbd(ALT), reps
    assert pressed(reps) == [(ALT, 0x2B), (ALT, 0x2B)], reps
    assert reps[-1] == RELEASE, reps


def check_release_all(ctx):
    res = ctx.new_results(2)
    # release_all also drops what is still queued: the down may not have run,
    # and then answers "cancelled". Results of the two may come in any order.
    failed = [r for r in res if not r["ok"]]
    assert len(failed) <= 1 and all(r["error"] == "cancelled" for r in failed), res
    reps = ctx.reports()
    if not failed:
        assert reps[0] == kbd(SHIFT) and reps[-1] == RELEASE, reps
    else:
        assert not pressed(reps) and all(r == RELEASE for r in reps), reps


def check_cmd_text(ctx):
    r, = ok_results(ctx)
    assert r["id"] == "42" and r.get("chars") == 6, r
    assert ctx.reports() == typed("hello\n"), ctx.reports()


def check_cmd_keys(ctx):
    r, = ok_results(ctx)
    assert r["id"] == "43", r
    assert pressed(ctx.reports()) == [(META, 0x15)] and ctx.reports()[-1] == RELEASE


def check_cmd_seq(ctx):
    r, = ok_results(ctx)
    assert r["id"] == "44", r
    assert ctx.reports() == typed("root\npw\n"), ctx.reports()


def check_cmd_layout(ctx):
    r, = ok_results(ctx)
    assert (r["id"], r["target"], r["layout"]) == ("45", "windows", "de"), r
    # German layout: z and y swap places.
    assert ctx.reports() == [kbd(0, 0x1C), RELEASE, kbd(0, 0x1D), RELEASE], ctx.reports()


def check_cmd_delay(ctx):
    r, = ok_results(ctx)
    assert r["id"] == "46", r
    assert ctx.reports() == typed("slow"), ctx.reports()
    if "ms" in r:
        assert r["ms"] >= 3 * 50, r


def check_cancel(ctx):
    res = ctx.new_results(2)
    by_id = {r.get("id"): r for r in res}
    assert "long" in by_id, res
    reps = ctx.reports()
    full = typed("this text is typed slowly and will not get to the end")
    assert 0 < len(reps) < len(full) and reps[-1] == RELEASE, len(reps)
    assert any(r["ok"] for r in res if r.get("id") != "long"), res


def check_set_layout(ctx):
    r, = ok_results(ctx)
    assert (r["id"], r["target"], r["layout"]) == ("47", "windows", "de"), r
    harness.wait_for(lambda: (lambda st: (st.get("target"), st.get("layout")))(
        ctx.agent.status() or {}) == ("windows", "de"), 10, "windows de")


def check_set_layout_back(ctx):
    ok_results(ctx)
    harness.wait_for(lambda: (lambda st: (st.get("target"), st.get("layout")))(
        ctx.agent.status() or {}) == ("linux", "us"), 10, "linux us")


def check_unicode_entry(ctx):
    r, = ok_results(ctx)
    assert (r["id"], r["unicode_entry"], r["entered"]) == ("48", "linux-ibus", 1), r
    # Ctrl+Shift+U, 2192, space.
    assert ctx.reports() == [kbd(CTRL | SHIFT, 0x18), RELEASE] + typed("2192 "), ctx.reports()


def check_group(ctx):
    ok_results(ctx)
    assert ctx.reports() == typed("hi"), ctx.reports()


def check_status(ctx):
    st = json.loads(ctx.out)
    assert st["layout"] == "us" and st["host"] in ("connected", "disconnected", "unknown"), st


def check_fleet(ctx):
    assert "keymime/pi1/availability online" in ctx.out.splitlines(), ctx.out


def check_error(ctx):
    r, = ctx.new_results(1)
    assert r["ok"] is False and r["error"], r
    assert ctx.reports() == [], "nothing typed"


def check_rr(ctx):
    r = json.loads(ctx.out.strip().splitlines()[-1])
    assert r["id"] == "rr1" and r["ok"], r
    ctx.new_results(1)
    assert ctx.reports() == typed("ok\n"), ctx.reports()


def check_group_rr(ctx):
    line = ctx.out.strip().splitlines()[-1]
    prop, _, body = line.partition(" ")
    r = json.loads(body)
    assert prop == "device:pi1" and r["device"] == "pi1" and r["id"] == "g1" and r["ok"], line
    ctx.new_results(1)
    assert ctx.reports() == typed("\n"), ctx.reports()


def check_watch_results(ctx, proc_out):
    # While the watcher runs, type something; its result must show up in the
    # output. Typed again until it does: the watcher may still be subscribing.
    sent = []

    def shown():
        if "keymime/pi1/result " in proc_out():
            return True
        ctx.broker.pub("keymime/pi1/type", "x")
        sent.append(1)
        return False
    harness.wait_for(shown, 20, "a result in the output", interval=1.0)
    line = [l for l in proc_out().splitlines() if l.startswith("keymime/pi1/result ")][-1]
    assert json.loads(line.split(" ", 1)[1])["ok"], line
    ctx.new_results(len(sent))      # every "x" answered before the next block


CHECKS = {name[len("check_"):].replace("_", "-"): fn
          for name, fn in globals().items() if name.startswith("check_")}


# --- running the blocks --------------------------------------------------------------

def user_env(broker, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "KEYMIME_"))}
    env.update(HOME=home, KEYMIME_HOST="127.0.0.1", KEYMIME_PORT=str(broker.port),
               KEYMIME_USER=harness.OPERATOR, KEYMIME_PASSWORD=broker.users[harness.OPERATOR])
    return env


def run_block(name, opts, code, env, home, ctx):
    if "background" in opts:
        out_path = os.path.join(home, name + ".out")
        with open(out_path, "w") as out:
            p = subprocess.Popen(["sh", "-e", "-c", code], env=env, cwd=home, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        try:
            CHECKS[name](ctx, lambda: open(out_path).read())
            assert p.poll() is None, "exited early: " + open(out_path).read()
        finally:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(5)
        return
    want_rc = int(([o[3:] for o in opts if o.startswith("rc=")] or ["0"])[0])
    r = subprocess.run(["sh", "-e", "-c", code], env=env, cwd=home, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == want_rc, "%s: exit %d (want %d)\n%s%s" % (
        name, r.returncode, want_rc, r.stdout, r.stderr)
    ctx.out = r.stdout
    CHECKS[name](ctx)


def test_every_block_has_a_check_and_every_check_a_block():
    names = [n for n, _, _ in blocks()]
    assert len(names) == len(set(names)), names
    assert set(names) == set(CHECKS), (set(names) ^ set(CHECKS))
    assert names[0] == "setup", "the setup block comes first"


def test_the_cookbook_runs():
    home = tempfile.mkdtemp(prefix="keymime-cookbook-")
    try:
        with harness.Broker() as b, harness.Agent(b, "pi1") as a:
            a.wait_online()
            env = user_env(b, home)
            # Without the setup block the clients do not know the broker.
            r = subprocess.run(["mosquitto_pub", "-t", "keymime/pi1/type", "-m", "x"],
                               env=env, capture_output=True, timeout=20)
            assert r.returncode != 0, "mosquitto_pub reached a broker before the setup"
            with harness.Results(b, "pi1") as results:
                ctx = Ctx(b, a, results)
                ctx.home = home
                for name, opts, code in blocks():
                    a.clear()
                    ctx.base = len(results.messages())
                    try:
                        run_block(name, opts, code, env, home, ctx)
                    except AssertionError as exc:
                        raise AssertionError("block %r:\n%s\n%s" % (name, code, exc))
                    print("  block %-16s ok" % name)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    hatest.testmain.main(globals())
