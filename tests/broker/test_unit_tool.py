# SPDX-License-Identifier: MIT
"""Unit tests of keymime-broker's Python package (provisioning/broker/
keymime_broker): the pure renderers line by line, name/path checks, the
registry, password hashing with the real mosquitto_passwd, option parsing,
and the reload's error paths (a failing `systemctl reload` is an error, not
"reloaded"). The end-to-end suites beside this file run the whole tool
against a real mosquitto."""
import io
import os
import stat
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "provisioning", "broker"))

from keymime_broker import cli, passwords, reload as kreload, render, util  # noqa: E402
from keymime_broker.layout import Account, Layout  # noqa: E402


def tmpdir():
    d = tempfile.mkdtemp(prefix="keymime-kbunit-")
    return d


def layout():
    """An initialised broker directory (no broker running)."""
    return layout_with(["--http-dir", "web"])


def layout_with(extra):
    """init with extra options; the plugin is a stand-in file (init only
    checks that the broker's user can read it)."""
    d = os.path.join(tmpdir(), "b")
    fake = os.path.join(os.path.dirname(d), "keymime_guard.so")
    open(fake, "w").close()
    os.chmod(os.path.dirname(d), 0o755)
    os.chmod(fake, 0o644)
    extra = [os.path.join(os.path.dirname(d), x) if x == "web" else x for x in extra]
    with redirect_stderr(io.StringIO()):
        assert cli.main(["init", d, "--plugin", fake] + extra) == 0
    return Layout(d)


def run(argv):
    """cli.main(argv) -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


class Names(unittest.TestCase):
    def test_valid_names(self):
        for ok in ("pi1", "a", "A-b_9", "x" * 64):
            self.assertTrue(util.valid_name(ok), ok)
        for bad in ("", "x" * 65, "a/b", "a+b", "#", "a b", "pi1\n", "group", "site",
                    "keymime-admin", "é"):
            self.assertFalse(util.valid_name(bad), bad)

    def test_parse_list_dedupes_and_refuses(self):
        self.assertEqual(util.parse_list("all,kitchen,,all,lab"), ["all", "kitchen", "lab"])
        self.assertEqual(util.parse_list(""), [])
        with self.assertRaises(util.Die):
            util.parse_list("ok,a/b")

    def test_paths_and_ports(self):
        util.need_path("/etc/keymime")
        for bad in ("etc/keymime", "/a b", "/a#b", "/a\tb"):
            with self.assertRaises(util.Die):
                util.need_path(bad)
        self.assertEqual(util.need_port("65535"), "65535")
        for bad in ("0", "65536", "x", "", "123456"):
            with self.assertRaises(util.Die):
                util.need_port(bad)

    def test_uri_re(self):
        self.assertTrue(util.URI_RE.fullmatch("ssl://[::1]:8883"))
        self.assertFalse(util.URI_RE.fullmatch("tcp://x y"))
        self.assertFalse(util.URI_RE.fullmatch("tcp://x\npassword_file = /tmp/x"))


class Files(unittest.TestCase):
    def test_write_file_atomic_mode(self):
        d = tmpdir()
        p = os.path.join(d, "f")
        util.write_file(p, "one\n", 0o600)
        util.write_file(p, "two\n", 0o644)
        self.assertEqual(open(p).read(), "two\n")
        self.assertEqual(stat.S_IMODE(os.stat(p).st_mode), 0o644)
        self.assertEqual(os.listdir(d), ["f"])   # no temporary left behind

    def test_never_replaces_a_symlink_or_device(self):
        d = tmpdir()
        link = os.path.join(d, "l")
        os.symlink("/dev/null", link)
        for p in (link, "/dev/null"):
            with self.assertRaises(util.Die):
                util.write_file(p, "x", 0o600)
        with self.assertRaises(util.Die):
            util.write_file(os.path.join(d, "missing", "f"), "x", 0o600)


class Registry(unittest.TestCase):
    def test_account_line_round_trip(self):
        a = Account("operator", "bob", ["lab"], ["pi1", "pi2"])
        self.assertEqual(a.line(), "operator bob lab pi1,pi2")
        b = Account.parse(a.line())
        self.assertEqual((b.role, b.name, b.groups, b.devices), ("operator", "bob", ["lab"],
                                                                 ["pi1", "pi2"]))
        self.assertEqual(Account.parse("viewer v - -").groups, [])
        self.assertIsNone(Account.parse(""))

    def test_set_account_moves_to_end(self):
        lay = layout()
        lay.set_account(Account("viewer", "a"))
        lay.set_account(Account("viewer", "b"))
        lay.set_account(Account("operator", "a"))
        self.assertEqual([(x.role, x.name) for x in lay.accounts()],
                         [("admin", "keymime-admin"), ("viewer", "b"), ("operator", "a")])
        lay.drop_account("b")
        self.assertEqual(lay.role("b"), "")

    def test_settings_are_not_evaluated(self):
        lay = layout()
        lay.set_setting("bind", "$(touch /tmp/pwned)")
        self.assertEqual(lay.setting("bind"), "$(touch /tmp/pwned)")
        self.assertEqual(lay.setting("nothing", "dflt"), "dflt")


class Acl(unittest.TestCase):
    def lines(self, *a):
        return render.acl_lines(Account(*a))

    def test_device(self):
        self.assertEqual(self.lines("device", "pi1", ["all", "lab"]), [
            "topic read keymime/pi1/type", "topic read keymime/pi1/keys",
            "topic read keymime/pi1/cmd", "topic read keymime/pi1/script",
            "topic read keymime/group/all/type", "topic read keymime/group/all/keys",
            "topic read keymime/group/all/cmd", "topic read keymime/group/all/script",
            "topic read keymime/group/all/rollcall",
            "topic read keymime/group/lab/type", "topic read keymime/group/lab/keys",
            "topic read keymime/group/lab/cmd", "topic read keymime/group/lab/script",
            "topic read keymime/group/lab/rollcall",
            "topic read keymime/rollcall",
            "topic read homeassistant/status",
            "topic write keymime/pi1/availability", "topic write keymime/pi1/status",
            "topic write keymime/pi1/result", "topic write keymime/pi1/result/#",
            "topic write keymime/pi1/progress",
            "topic write keymime/group/all/reply/#", "topic write keymime/group/lab/reply/#",
            "topic write homeassistant/+/keymime_pi1/+/config"])

    def test_operators(self):
        full = self.lines("operator", "alice")
        self.assertEqual(full[0], "topic read keymime/#")
        self.assertEqual(len(full), 11)
        self.assertIn("topic write keymime/rollcall", full)
        self.assertIn("topic write keymime/group/+/rollcall", full)
        self.assertTrue(all(l.startswith("topic write keymime/") for l in full[1:]))
        scoped = self.lines("operator", "bob", ["lab"], ["pi1"])
        self.assertEqual(scoped, [
            "topic read keymime/pi1/#", "topic write keymime/pi1/type",
            "topic write keymime/pi1/keys", "topic write keymime/pi1/cmd",
            "topic write keymime/pi1/script",
            "topic read keymime/group/lab/#", "topic write keymime/group/lab/type",
            "topic write keymime/group/lab/keys", "topic write keymime/group/lab/cmd",
            "topic write keymime/group/lab/script",
            "topic write keymime/group/lab/rollcall"])

    def test_viewer_reads_state_only(self):
        self.assertEqual(self.lines("viewer", "v"), [
            "topic read keymime/+/availability", "topic read keymime/+/status",
            "topic read keymime/+/result", "topic read keymime/+/result/#",
            "topic read keymime/+/progress", "topic write keymime/rollcall"])

    def test_site(self):
        got = self.lines("site", "k", ["all", "kitchen"], ["pi1", "pi2"])
        self.assertIn("topic read keymime/pi2/cmd", got)
        self.assertIn("topic read keymime/group/kitchen/keys", got)
        self.assertIn("topic write homeassistant/+/keymime_pi2/+/config", got)
        self.assertEqual(got[-1], "topic write keymime/site/k/bridge")
        self.assertFalse([l for l in got if "pi3" in l or "keymime/#" in l])

    def test_whole_file_has_no_pattern_and_appends_local(self):
        accs = [Account("device", "pi1", ["all"]), Account("viewer", "v")]
        text = render.acl(accs, "/b/keymime/accounts", "/b", "user x\ntopic read y\n")
        self.assertNotIn("\npattern", text)
        self.assertIn("\n# device pi1\nuser pi1\ntopic read keymime/pi1/type\n", text)
        self.assertIn("topic write homeassistant/+/keymime_pi1/+/config\n\n# viewer v\n", text)
        self.assertTrue(text.endswith("# ---- /b/acl.local ----\nuser x\ntopic read y\n"))


class Render(unittest.TestCase):
    CONF = dict(dir="/b", port="1883", ws_port="9001", tls_port="8883", wss_port="9443",
                bind="", http_dir="/w", user="mosquitto", pid_file="/p", data_dir="/d",
                plugin="/usr/lib/keymime/keymime_guard.so")

    def test_bind_sets_socket_domain_on_both_plain_listeners(self):
        """#15 item 1: without socket_domain 2.0.11 puts WebSockets on every address."""
        for bind, dom in (("127.0.0.1", "ipv4"), ("::1", "ipv6")):
            t = render.mosquitto_conf(dict(self.CONF, bind=bind))
            self.assertIn("listener 1883 %s\nprotocol mqtt\nsocket_domain %s\n" % (bind, dom), t)
            self.assertIn("listener 9001 %s\nprotocol websockets\nhttp_dir /w\n"
                          "socket_domain %s\n" % (bind, dom), t)
        self.assertNotIn("\nsocket_domain", render.mosquitto_conf(self.CONF))
        rc, _, err = run(["init", "/tmp/x", "--dry-run", "--bind", "localhost"])
        self.assertEqual(rc, 1)
        self.assertIn("an IP address", err)

    def test_plugin_and_guard_rules(self):
        t = render.mosquitto_conf(self.CONF)
        self.assertIn("\nplugin /usr/lib/keymime/keymime_guard.so\nplugin_opt_rules /b/guard\n", t)
        self.assertLess(t.index("acl_file"), t.index("\nplugin "))
        g = render.guard([Account("admin", "keymime-admin"), Account("device", "pi1", ["all"]),
                          Account("operator", "op"), Account("site", "k", ["all"], ["pi1", "pi2"])],
                         "required", [("pi3", "17")], "/b/keymime/accounts")
        self.assertEqual(g.splitlines()[2:], ["client_certs required", "admin keymime-admin",
                                              "device pi1", "site k pi1,pi2", "kick pi3 17"])

    def test_agent_conf(self):
        self.assertEqual(render.agent_conf("pi1", "tcp://h:1883", "/etc/keymime",
                                           ["all", "lab"], True, True, True),
                         "# keymime-agent configuration for device pi1 — written by "
                         "keymime-broker.\n# The broker enforces the same groups: listing "
                         "another one here gains nothing.\ndevice_id = pi1\n"
                         "broker = tcp://h:1883\nusername = pi1\n"
                         "password_file = /etc/keymime/password\ngroups = lab\n"
                         "cafile = /etc/keymime/ca.crt\ncertfile = /etc/keymime/client.crt\n"
                         "keyfile = /etc/keymime/client.key\n")
        bare = render.agent_conf("pi2", "tcp://h:1", "/x", ["all"], False, False, False)
        self.assertNotIn("password_file", bare)
        self.assertIn("groups = \n", bare)

    def test_tls_modes(self):
        for mode, req, ident in (("optional", "false", "false"), ("required", "true", "false"),
                                 ("identity", "true", "true")):
            t = render.tls_conf(mode, "/c", "8883", "9443", "/w")
            self.assertIn("require_certificate %s\n" % req, t)
            self.assertIn("use_identity_as_username %s\n" % ident, t)
            self.assertIn("crlfile /c/keymime-crl.pem\n", t)

    def test_bridge_with_and_without_tls(self):
        plain = render.bridge_conf("k", "h:1883", "pw", None)
        self.assertIn("remote_password pw\n\nbridge_protocol_version", plain)
        t = render.bridge_conf("k", "h:8883", "pw", "/c/ca.crt")
        self.assertIn("bridge_cafile /c/ca.crt\nbridge_insecure false\n", t)
        self.assertIn("topic keymime/group/+/cmd in 1\n", t)
        # Roll calls reach the site's devices too.
        self.assertIn("topic keymime/group/+/rollcall in 1\ntopic keymime/rollcall in 1\n", t)
        self.assertIn("topic homeassistant/+/+/+/config out 1\n", t)


class Passwords(unittest.TestCase):
    def test_generated(self):
        pws = {passwords.gen_password() for _ in range(50)}
        self.assertEqual(len(pws), 50)
        for p in pws:
            self.assertRegex(p, r"^[A-Za-z0-9_-]{32}$")

    def test_set_and_drop_with_real_mosquitto_passwd(self):
        lay = layout()
        passwords.set_password(lay, "alice", "secret-one")
        passwords.set_password(lay, "alice", "secret-two")
        text = open(lay.path("passwd")).read()
        self.assertEqual(text.count("alice:$7$"), 1)
        self.assertNotIn("secret", text)
        self.assertEqual(stat.S_IMODE(os.stat(lay.path("passwd")).st_mode), 0o600)
        passwords.drop_password(lay, "alice")
        self.assertNotIn("alice:", open(lay.path("passwd")).read())
        self.assertFalse([f for f in os.listdir(lay.reg()) if f.startswith(".pw")])


class Cli(unittest.TestCase):
    def test_usage_and_errors(self):
        rc, out, _ = run(["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("add-homeassistant NAME", out)
        self.assertEqual(run([])[0], 2)
        lay = layout()
        self.assertEqual(run(["--dir", lay.dir, "bogus"])[0], 2)
        rc, _, err = run(["--dir", lay.dir, "add-device", "pi1", "--groups"])
        self.assertEqual((rc, err), (1, "keymime-broker: add-device: --groups needs a value\n"))
        rc, _, err = run(["--dir", lay.dir, "add-device", "pi1", "--frobnicate"])
        self.assertEqual((rc, err), (1, "keymime-broker: add-device: unknown option "
                                        "--frobnicate\n"))
        rc, _, err = run(["--dir", tmpdir(), "list"])
        self.assertEqual(rc, 1)
        self.assertIn("is not a keymime broker directory", err)

    def test_global_options_anywhere(self):
        lay = layout()
        rc, out, _ = run(["add-viewer", "v", "--dir", lay.dir, "--no-reload"])
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^[A-Za-z0-9_-]{32}\n$")

    def test_refused_command_changes_nothing(self):
        lay = layout()
        before = {f: open(lay.path(f)).read() for f in ("passwd", "acl")}
        for bad in (["add-device", "pi9", "--groups", "a/b"],
                    ["add-device", "pi9", "--broker", "tcp://x y"],
                    ["add-device", "group"]):
            self.assertEqual(run(["--dir", lay.dir] + bad)[0], 1, bad)
        self.assertEqual(before, {f: open(lay.path(f)).read() for f in ("passwd", "acl")})
        self.assertFalse(os.path.exists(lay.device_dir("pi9")))


class Devices(unittest.TestCase):
    def test_add_device_names_the_files_and_where_they_go(self):
        """#13: the password is not lost in a file nobody names, and agent.conf
        points where the Pi keeps its files (/etc/keymime by default)."""
        lay = layout()
        rc, out, err = run(["--dir", lay.dir, "add-device", "pi1", "--groups", "office"])
        dd = lay.device_dir("pi1")
        self.assertEqual((rc, out), (0, ""))
        self.assertIn("its password is in %s/password (0600, not printed)" % dd, err)
        self.assertIn("copy %s/{agent.conf,password} to the Pi's /etc/keymime/" % dd, err)
        conf = open(os.path.join(dd, "agent.conf")).read()
        self.assertIn("password_file = /etc/keymime/password\n", conf)
        self.assertNotIn(lay.dir, conf)
        rc, out, err = run(["--dir", lay.dir, "rotate", "pi1"])
        self.assertEqual((rc, out), (0, ""))
        self.assertIn("copy %s/{agent.conf,password} to the Pi's /etc/keymime/" % dd, err)
        rc, _, err = run(["--dir", lay.dir, "add-device", "pi2", "--agent-dir", "/opt/k"])
        self.assertIn("to the Pi's /opt/k/", err)
        self.assertIn("password_file = /opt/k/password\n",
                      open(os.path.join(lay.device_dir("pi2"), "agent.conf")).read())


class Init(unittest.TestCase):
    def test_own_directory_never_writes_the_system_web_dir(self):
        """#15: init DIR without --http-dir wrote /usr/share/keymime/web."""
        system = os.path.join(tmpdir(), "usr-share-keymime-web")
        saved, cli.WEB_DIR = cli.WEB_DIR, system
        try:
            lay = layout_with([])
            self.assertFalse(os.path.exists(system))
            self.assertEqual(lay.setting("http_dir"), lay.dir + "/web")
            self.assertTrue(os.path.isdir(lay.dir + "/web"))
            os.makedirs(system)            # the package's dashboard is installed: use it
            lay = layout_with([])
            self.assertEqual(lay.setting("http_dir"), system)
            rc, out, _ = run(["init", "/etc/mosquitto", "--dry-run"])
            self.assertIn("\nhttp_dir %s\n" % system, out)
        finally:
            cli.WEB_DIR = saved


class Kicks(unittest.TestCase):
    def test_commands_that_end_sessions(self):
        """remove, rotate and a replaced certificate put a kick in DIR/guard."""
        lay = layout()
        run(["--dir", lay.dir, "add-viewer", "v"])
        run(["--dir", lay.dir, "add-viewer", "w"])
        self.assertEqual(lay.kicks(), [])
        run(["--dir", lay.dir, "rotate", "v"])
        run(["--dir", lay.dir, "remove", "w"])
        self.assertEqual([k[0] for k in lay.kicks()], ["v", "w"])
        guard = open(lay.path("guard")).read()
        for name, stamp in lay.kicks():
            self.assertIn("\nkick %s %s\n" % (name, stamp), guard)
        self.assertEqual(stat.S_IMODE(os.stat(lay.path("guard")).st_mode), 0o600)

    def test_old_kicks_are_dropped(self):
        lay = layout()
        util.write_file(lay.reg("kicks"), "old 1000\n", 0o600)
        lay.add_kick("new")
        self.assertEqual([k[0] for k in lay.kicks()], ["new"])


class Reload(unittest.TestCase):
    def test_no_broker_is_an_error(self):
        lay = layout()
        rc, _, err = run(["--dir", lay.dir, "reload"])
        self.assertEqual(rc, 1)
        self.assertIn("no running mosquitto for", err)
        self.assertNotIn("reloaded", err)

    def test_pid_of_another_program_is_not_the_broker(self):
        lay = layout()
        with open(lay.setting("pid_file"), "w") as f:
            f.write("%d\n" % os.getpid())
        self.assertIsNone(kreload.broker_pid(lay))

    def test_failing_systemctl_reload_is_reported(self):
        """#20: `systemctl reload mosquitto` failing must not say "reloaded"."""
        lay = layout()
        lay.is_debian = lambda: True
        bindir = tmpdir()
        fake = os.path.join(bindir, "systemctl")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n[ \"$1\" = is-active ] && exit 0\n"
                    "echo 'Job for mosquitto.service failed.' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        path = os.environ["PATH"]
        os.environ["PATH"] = bindir + os.pathsep + path
        try:
            err = io.StringIO()
            with redirect_stderr(err), self.assertRaises(util.Die) as cm:
                kreload.reload(lay)
            self.assertIn("`systemctl reload mosquitto` failed (exit 1)", str(cm.exception))
            self.assertIn("Job for mosquitto.service failed.", str(cm.exception))
            self.assertNotIn("reloaded", err.getvalue())
            with open(fake, "w") as f:
                f.write("#!/bin/sh\nexit 0\n")
            with redirect_stderr(err):
                kreload.reload(lay)
            self.assertIn("reloaded: passwords and ACL re-read", err.getvalue())
        finally:
            os.environ["PATH"] = path


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
