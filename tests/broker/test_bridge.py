# SPDX-License-Identifier: MIT
"""Beyond one broker: a site broker bridged over TLS to a central broker, both
laid out by keymime-broker (add-site on the central, bridge-conf on the site).
Commands flow central -> site, state flows site -> central, and the central
ACL confines the site to its own devices in both directions."""
import os
import subprocess
import time

from brokerlib import BrokerDir, Sub, pub, run, wait_for
import harness  # noqa: E402 (brokerlib puts tests/lib on the path)

# central: TLS, an operator, a site account for the devices of "kitchen"
C = BrokerDir(prefix="keymime-central-")
C.kb("ca")
C.kb("server-cert", "localhost", "127.0.0.1")
COP = C.add("operator", "op")
SITE_PW = os.path.join(C.tmp, "kitchen.password")
C.kb("add-site", "kitchen", "--devices", "pi1", "--groups", "kitchen",
     "--password-file", SITE_PW)
C.accounts["op"] = COP

# site: its devices, a local operator, the bridge to the central TLS port
S = BrokerDir(prefix="keymime-site-")
S.add_device("pi1", "--groups", "kitchen", "--broker", "tcp://127.0.0.1:%d" % S.port)
S.add_device("pi5")                      # on the site, but not granted centrally
SOP = S.add("operator", "siteop")
S.kb("bridge-conf", "kitchen", "--address", "127.0.0.1:%d" % C.tls_port,
     "--password-file", SITE_PW, "--cafile", C.ca_file())

CB = C.start()
SB = S.start()
QUIET = 1.0


def c_op():
    return dict(user="op", password=COP)


def test_bridge_conf_is_private_and_tls():
    f = os.path.join(S.dir, "conf.d", "keymime-bridge.conf")
    assert os.stat(f).st_mode & 0o077 == 0, "bridge conf (holds a password) is readable by others"
    text = open(f).read()
    assert "bridge_cafile" in text and "remote_username kitchen" in text


def test_bridge_comes_up():
    wait_for(lambda: CB.retained("keymime/site/kitchen/bridge", user="op", timeout=1) == "1",
             15, "the bridge's notification on the central broker")


def test_central_command_reaches_site_device():
    with Sub(S.port, "keymime/#", "pi1", S.accounts["pi1"]) as dev:
        for t in ("keymime/pi1/type", "keymime/group/kitchen/keys", "keymime/group/all/cmd"):
            rc, err = pub(C.port, t, "via central", **c_op())
            assert rc == 0, err
        got = dev.wait(3)
        assert sorted(t for t, _ in got) == ["keymime/group/all/cmd", "keymime/group/kitchen/keys",
                                             "keymime/pi1/type"], got


def test_other_devices_commands_stay_central():
    with Sub(S.port, "keymime/#", "siteop", SOP, extra=["-R"]) as site:
        for t in ("keymime/pi2/type", "keymime/pi5/type", "keymime/group/office/type"):
            pub(C.port, t, "not for this site", **c_op())
        time.sleep(QUIET)
        assert site.messages() == [], site.messages()


def test_site_state_reaches_central():
    with Sub(C.port, "keymime/+/+", **c_op()) as central:
        pw = S.accounts["pi1"]
        pub(S.port, "keymime/pi1/availability", "online", "pi1", pw, extra=["-r"])
        pub(S.port, "keymime/pi1/status", '{"busy":false}', "pi1", pw, extra=["-r"])
        pub(S.port, "keymime/pi1/result", '{"id":"1","ok":true}', "pi1", pw)
        got = central.wait(3)
        assert [t for t, _ in got] == ["keymime/pi1/availability", "keymime/pi1/status",
                                       "keymime/pi1/result"], got
    assert CB.retained("keymime/pi1/availability", user="op") == "online"


def test_site_cannot_speak_for_other_devices():
    with Sub(C.port, "keymime/#", **c_op(), extra=["-R"]) as central:
        # pi5 is a device of the site broker, but the central ACL does not
        # list it for this site: a compromised site cannot pose as others.
        pub(S.port, "keymime/pi5/status", "{}", "pi5", S.accounts["pi5"], extra=["-r"])
        # and commands never flow site -> central
        pub(S.port, "keymime/pi2/type", "from the site", "siteop", SOP)
        time.sleep(QUIET)
        got = [m for m in central.messages() if not m[0].startswith("keymime/site/")]
        assert got == [], got


def test_central_bridge_outage_drops_commands():
    """Commands published while the bridge is down are not typed later."""
    SB.stop()
    wait_for(lambda: CB.retained("keymime/site/kitchen/bridge", user="op", timeout=1) == "0",
             10, "the central broker to see the bridge go")
    pub(C.port, "keymime/pi1/type", "while the site was away", **c_op())
    SB.start()
    with Sub(S.port, "keymime/pi1/type", "pi1", S.accounts["pi1"]) as dev:
        wait_for(lambda: CB.retained("keymime/site/kitchen/bridge", user="op", timeout=1) == "1",
                 15, "the bridge to come back")
        time.sleep(QUIET)
        assert dev.messages() == [], dev.messages()
        pub(C.port, "keymime/pi1/type", "after", **c_op())
        assert dev.wait(1) == [("keymime/pi1/type", "after")]


def test_real_agent_on_site_gets_central_command():
    agent = harness.agent_binary()
    if not os.access(agent, os.X_OK):
        print("  (no agent binary: covered by mosquitto_sub above)")
        return
    hid = os.path.join(S.tmp, "hidg0")
    open(hid, "wb").close()
    log = open(os.path.join(S.tmp, "agent.log"), "wb")
    p = subprocess.Popen([agent, "--config", os.path.join(S.device_dir("pi1"), "agent.conf"),
                          "--hid-keyboard", hid, "--hid-consumer", hid + "c"],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        # its availability, published on the site, shows up on the central broker
        wait_for(lambda: p.poll() is None and
                 CB.retained("keymime/pi1/availability", user="op", timeout=1) == "online",
                 15, "pi1 online as seen on the central broker")
        wait_for(lambda: '"groups":["all","kitchen"]' in
                 (CB.retained("keymime/pi1/status", user="op", timeout=1) or ""), 10,
                 "pi1 status on central")
        with Sub(C.port, "keymime/pi1/result", **c_op()) as res:
            pub(C.port, "keymime/pi1/cmd", '{"id":"via-central","text":"hi"}', **c_op())
            wait_for(lambda: os.path.getsize(hid) >= 4 * 8, 10, "reports typed on the site")
            got = res.wait(1)
            assert '"via-central"' in got[0][1] and '"ok":true' in got[0][1], got
    finally:
        p.terminate()
        p.wait(5)


if __name__ == "__main__":
    try:
        run([v for k, v in list(globals().items()) if k.startswith("test_")])
    finally:
        SB.stop()
        CB.stop()
        S.cleanup()
        C.cleanup()
