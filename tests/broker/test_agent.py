# SPDX-License-Identifier: MIT
"""The real keymime-agent against the shipped broker configuration, each run
from the agent.conf that keymime-broker wrote for it (HID paths are the only
options added): over plain MQTT and over TLS with the generated CA and client
certificate, with the broker enforcing its groups, Home Assistant discovery
allowed, and remove-device taking it off the broker. Skipped (77) when the
agent is not built."""
import json
import os
import shutil
import subprocess
import tempfile

from brokerlib import BrokerDir, testmain, wait_for
import harness

AGENT = harness.agent_binary()
if not os.access(AGENT, os.X_OK):
    testmain.skip("no agent binary at %s" % AGENT)

D = BrokerDir()
D.kb("ca")
D.kb("server-cert", "localhost", "127.0.0.1")
OP = D.add("operator", "op")
HA = D.add("homeassistant", "ha")
D.add_device("pi1", "--groups", "kitchen", "--broker", "tcp://127.0.0.1:%d" % D.port)
D.add_device("pi2", "--broker", "ssl://localhost:%d" % D.tls_port)
D.kb("client-cert", "pi2")
D.add_device("pi3", "--broker", "tcp://127.0.0.1:%d" % D.port)
B = D.start()
pub, Sub = D.pub, D.sub


class RunAgent:
    """keymime-agent --config <generated agent.conf> + HID files."""

    def __init__(self, dev, *extra):
        self.dev = dev
        self.tmp = tempfile.mkdtemp(prefix="keymime-bagent-")
        self.hid = os.path.join(self.tmp, "hidg0")
        open(self.hid, "wb").close()
        open(self.hid + "c", "wb").close()
        self.log = os.path.join(self.tmp, "agent.log")
        self.conf = os.path.join(D.device_dir(dev), "agent.conf")
        self.proc = subprocess.Popen(
            [AGENT, "--config", self.conf, "--hid-keyboard", self.hid,
             "--hid-consumer", self.hid + "c"] + list(extra),
            stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)

    def logtext(self):
        return open(self.log, "rb").read().decode("utf-8", "replace")

    def online(self, timeout=15):
        t = "keymime/%s/availability" % self.dev

        def up():
            if self.proc.poll() is not None:
                raise AssertionError("agent exited %s: %s" % (self.proc.returncode, self.logtext()))
            return B.retained(t, "op") == "online"
        wait_for(up, timeout, "%s online" % self.dev)
        return self

    def typed(self):
        return os.path.getsize(self.hid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_agent_online_with_generated_config_and_types():
    with RunAgent("pi1") as a:
        a.online()
        assert pub("keymime/pi1/type", "hi", "op") == 0
        wait_for(lambda: a.typed() >= 4 * 8, 10, "reports for 'hi'")
        st = wait_for(lambda: B.retained("keymime/pi1/status", "op"), 5, "status")
        assert '"kitchen"' in st, st


def test_progress_reaches_operator_and_viewer():
    # The generated ACL lets a device publish its progress and an operator
    # and a viewer read it (docs/protocol.md: progress after 250 ms).
    viewer = D.add("viewer", "wall")
    with Sub("keymime/+/progress", "op") as so, Sub("keymime/+/progress", "wall", viewer) as sv:
        with RunAgent("pi1") as a:
            a.online()
            cmd = '{"id":"p1","text":"abcdefghij","delay_ms":100}'
            assert pub("keymime/pi1/cmd", cmd, "op") == 0
            wait_for(lambda: a.typed() >= 20 * 8, 10, "reports for the text")
        for s in (so, sv):
            got = s.wait(1)
            topic, payload = got[0]
            assert topic == "keymime/pi1/progress", got
            msg = json.loads(payload)
            assert msg["id"] == "p1" and msg["device"] == "pi1", msg
            assert msg["chars_total"] == 10 and 0 < msg["chars"] < 10, msg


def test_broker_enforces_groups_even_if_agent_claims_more():
    # The agent is told it is in "office" too; the broker knows better.
    with RunAgent("pi1", "--groups", "kitchen,office") as a, Sub("keymime/pi1/result", "op") as r:
        a.online()
        before = a.typed()
        pub("keymime/group/office/type", "nope", "op")
        # The fence: a command to the agent after it, answered: the agent
        # has dealt with everything the broker sent it before.
        pub("keymime/pi1/cmd", '{"id":"fence","seq":[]}', "op")
        r.wait_until(lambda: any('"id":"fence"' in p for _, p in r.messages()), 10, "the fence")
        assert a.typed() == before, "typed a command of a group it is not in"
        assert len(r.messages()) == 1, r.messages()
        pub("keymime/group/kitchen/type", "ok", "op")
        wait_for(lambda: a.typed() >= before + 4 * 8, 10, "group kitchen typed")


def test_home_assistant_discovery_allowed():
    with Sub("homeassistant/#", "ha") as s:
        with RunAgent("pi1", "--ha-discovery", "on") as a:
            a.online()
            s.wait(1)
            topics = [t for t, _ in s.messages()]
            assert topics and all("/keymime_pi1/" in t and t.endswith("/config")
                                  for t in topics), topics


def test_agent_over_tls_with_client_certificate():
    conf = open(os.path.join(D.device_dir("pi2"), "agent.conf")).read()
    assert "ssl://" in conf and "cafile" in conf and "certfile" in conf
    with RunAgent("pi2") as a:
        a.online()
        pub("keymime/pi2/keys", "enter", "op")
        wait_for(lambda: a.typed() >= 2 * 8, 10, "enter typed over TLS")


def test_tls_files_never_beside_a_plain_uri():
    """#15 item 4, as docs/install.md orders it (devices first, TLS later): the
    device's certificate switches its agent.conf to TLS, and the agent refuses
    TLS files beside a plain-text URI instead of silently talking in clear."""
    D.add_device("pold", "--broker", "tcp://127.0.0.1:%d" % D.port)
    path = os.path.join(D.device_dir("pold"), "agent.conf")
    assert "cafile" not in open(path).read()
    D.kb("client-cert", "pold")
    conf = open(path).read()
    assert "\nbroker = ssl://localhost:%d\n" % D.tls_port in conf, conf
    assert "certfile = " in conf and "cafile = " in conf
    with RunAgent("pold") as a:
        a.online()
        pub("keymime/pold/keys", "enter", "op")
        wait_for(lambda: a.typed() >= 2 * 8, 10, "enter typed over TLS")
    plain = os.path.join(D.tmp, "plain-with-tls.conf")
    with open(plain, "w") as f:
        f.write(conf.replace("ssl://localhost:%d" % D.tls_port, "tcp://127.0.0.1:%d" % D.port))
    r = subprocess.run([AGENT, "--config", plain, "--check-config"], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode != 0, "the agent accepted TLS files with a tcp:// broker"
    assert ("broker: 'tcp://127.0.0.1:%d' is plain text, but cafile/certfile/keyfile are set"
            % D.port) in r.stdout + r.stderr, r.stdout + r.stderr


def test_refused_response_topic_is_logged():
    """#15: a response topic outside the device's ACL is refused by the broker
    (PUBACK 0x87); the agent says so in its log instead of dropping it in
    silence. The result on its own topic still goes out."""
    with RunAgent("pi1") as a:
        a.online()
        with Sub("keymime/pi1/result", "op") as res:
            with D.client("op") as c:
                c.publish("keymime/pi1/cmd", '{"id":"rt","text":"x"}',
                          response_topic="elsewhere/replies")
            assert '"id":"rt"' in res.wait(1)[0][1]
        want = ("the broker refused the publish to elsewhere/replies "
                "(reason 0x87: not authorised by its ACL)")
        wait_for(lambda: want in a.logtext(), 10, "the refusal in the agent's log")


def cli_tls(dev, cafile):
    """Agent options alone, no config file: the TLS options by name."""
    dd = D.device_dir(dev)
    return ["--device-id", dev, "--broker", "ssl://localhost:%d" % D.tls_port,
            "--username", dev, "--password-file", os.path.join(dd, "password"),
            "--cafile", cafile, "--certfile", os.path.join(dd, "client.crt"),
            "--keyfile", os.path.join(dd, "client.key"), "--ha-discovery", "off"]


class CliAgent(RunAgent):
    def __init__(self, dev, args):
        self.dev = dev
        self.tmp = tempfile.mkdtemp(prefix="keymime-bagent-")
        self.hid = os.path.join(self.tmp, "hidg0")
        open(self.hid, "wb").close()
        self.log = os.path.join(self.tmp, "agent.log")
        empty = os.path.join(self.tmp, "empty.conf")
        open(empty, "w").close()
        self.proc = subprocess.Popen(
            [AGENT, "--config", empty, "--hid-keyboard", self.hid, "--hid-consumer", ""] + args,
            stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)


def test_agent_tls_options_on_command_line():
    before = connections("pi2")
    with CliAgent("pi2", cli_tls("pi2", D.ca_file())) as a:
        a.online()
        assert connections("pi2") > before   # (the counter the next test relies on)
        pub("keymime/pi2/keys", "enter", "op")
        wait_for(lambda: a.typed() >= 2 * 8, 10, "enter typed")


def connections(user):
    return open(B.log.name).read().count("u'%s')" % user)


def test_agent_refuses_server_from_another_ca():
    other = BrokerDir(prefix="keymime-other-")
    try:
        other.kb("ca")
        before = connections("pi2")
        with CliAgent("pi2", cli_tls("pi2", other.ca_file())) as a:
            # Two attempts refused by the agent itself (its log), and none
            # reached the broker's login.
            wait_for(lambda: a.logtext().count("cannot connect") >= 2, 15, "two attempts")
            assert connections("pi2") == before, "agent connected to an untrusted server"
            assert B.retained("keymime/pi2/availability", "op") != "online"
    finally:
        other.cleanup()


def test_agent_with_wrong_password_stays_offline():
    bad = os.path.join(D.tmp, "wrong-password")
    with open(bad, "w") as f:
        f.write("not-the-password\n")
    os.chmod(bad, 0o600)
    with RunAgent("pi3", "--password-file", bad) as a:
        wait_for(lambda: a.logtext().count("cannot connect") >= 2, 15, "two refused attempts")
        assert B.retained("keymime/pi3/availability", "op") is None
        print("  agent with a refused password: %s" %
              ("still running (retrying)" if a.proc.poll() is None
               else "exited %d" % a.proc.returncode))


def test_agent_refuses_readable_password_file():
    loose = os.path.join(D.tmp, "loose-password")
    with open(loose, "w") as f:
        f.write(D.accounts["pi3"] + "\n")
    os.chmod(loose, 0o644)
    with RunAgent("pi3", "--password-file", loose) as a:
        wait_for(lambda: a.proc.poll() is not None, 10, "agent to refuse a 0644 password file")
        assert a.proc.returncode != 0
        assert B.retained("keymime/pi3/availability", "op") is None


def test_remove_device_takes_agent_off():
    with RunAgent("pi3") as a:
        a.online()
        D.kb("remove-device", "pi3")
        # The broker ends its session (its log says so) and would refuse its
        # credentials; its state is gone from the broker.
        wait_for(lambda: "Client keymime-pi3 been disconnected" in open(B.log.name).read(), 10,
                 "the broker to end pi3's session")
        # The agent notices the broker's DISCONNECT (MQTT 5: not a lost
        # socket) and tries again, and the broker refuses the removed account.
        wait_for(lambda: "the broker disconnected us" in a.logtext(), 10,
                 "the agent to notice the DISCONNECT")
        wait_for(lambda: "cannot connect" in a.logtext().split("the broker disconnected us")[1],
                 15, "a refused attempt after the removal")
        assert a.proc.poll() is None, a.logtext()
        assert B.retained("keymime/pi3/availability", "op") is None
        assert B.retained("keymime/pi3/status", "op") is None
        before = a.typed()
        # Its session is over: nothing published now can reach it.
        pub("keymime/pi3/type", "after removal", "op")
        assert a.typed() == before


if __name__ == "__main__":
    testmain.main(globals(), cleanup=D.cleanup)
