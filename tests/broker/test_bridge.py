# SPDX-License-Identifier: MIT
"""Beyond one broker: a site broker bridged over TLS to a central broker, both
laid out by keymime-broker (add-site on the central, bridge-conf on the site).
Commands flow central -> site, state flows site -> central, and the central
ACL confines the site to its own devices in both directions."""
import os
import subprocess

from brokerlib import BrokerDir, testmain, wait_for
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


def bridge_up():
    return CB.retained("keymime/site/kitchen/bridge", "op")


def test_bridge_conf_is_private_and_tls():
    f = os.path.join(S.dir, "conf.d", "keymime-bridge.conf")
    assert os.stat(f).st_mode & 0o077 == 0, "bridge conf (holds a password) is readable by others"
    text = open(f).read()
    assert "bridge_cafile" in text and "remote_username kitchen" in text


def test_bridge_comes_up():
    wait_for(lambda: bridge_up() == "1", 15, "the bridge's notification on the central broker")


def test_central_command_reaches_site_device():
    with S.sub("keymime/#", "pi1") as dev:
        for t in ("keymime/pi1/type", "keymime/group/kitchen/keys", "keymime/group/all/cmd"):
            rc = C.pub(t, "via central", "op")
            assert rc == 0, rc
        got = dev.wait(3)
        assert sorted(t for t, _ in got) == ["keymime/group/all/cmd", "keymime/group/kitchen/keys",
                                             "keymime/pi1/type"], got


def test_other_devices_commands_stay_central():
    with S.sub("keymime/#", "siteop") as site:
        for t in ("keymime/pi2/type", "keymime/pi5/type", "keymime/group/office/type"):
            C.pub(t, "not for this site", "op")
        # The fence: a command the bridge does carry, published after them on
        # the central broker, has come through to the site.
        C.pub("keymime/pi1/type", "fence", "op")
        site.wait_until(lambda: ("keymime/pi1/type", "fence") in site.live(), 10, "the fence")
        got = [m for m in site.live() if m != ("keymime/pi1/type", "fence")]
        assert got == [], got


def test_site_state_reaches_central():
    with C.sub("keymime/+/+", "op") as central:
        S.pub("keymime/pi1/availability", "online", "pi1", retain=True)
        S.pub("keymime/pi1/status", '{"busy":false}', "pi1", retain=True)
        S.pub("keymime/pi1/result", '{"id":"1","ok":true}', "pi1")
        got = central.wait(3)
        assert [t for t, _ in got] == ["keymime/pi1/availability", "keymime/pi1/status",
                                       "keymime/pi1/result"], got
    assert CB.retained("keymime/pi1/availability", "op") == "online"


def test_site_cannot_speak_for_other_devices():
    with C.sub("keymime/#", "op") as central:
        # pi5 is a device of the site broker, but the central ACL does not
        # list it for this site: a compromised site cannot pose as others.
        S.pub("keymime/pi5/status", "{}", "pi5", retain=True)
        # and commands never flow site -> central
        S.pub("keymime/pi2/type", "from the site", "siteop")
        # The fence: a state message the bridge does carry, published after
        # them on the site, has come through to the central broker.
        S.pub("keymime/pi1/result", "fence", "pi1")
        central.wait_until(lambda: ("keymime/pi1/result", "fence") in central.live(), 10,
                           "the fence")
        got = [m for m in central.live() if not m[0].startswith("keymime/site/")
               and m != ("keymime/pi1/result", "fence")]
        assert got == [], got


def test_central_bridge_outage_drops_commands():
    """Commands published while the bridge is down are not typed later."""
    SB.stop()
    wait_for(lambda: bridge_up() == "0", 10, "the central broker to see the bridge go")
    C.pub("keymime/pi1/type", "while the site was away", "op")
    SB.start()
    with S.sub("keymime/pi1/type", "pi1") as dev:
        wait_for(lambda: bridge_up() == "1", 15, "the bridge to come back")
        # Nothing before the first command after it (the bridge carries in
        # order: "after" is the fence).
        C.pub("keymime/pi1/type", "after", "op")
        assert dev.wait(1) == [("keymime/pi1/type", "after")], dev.messages()


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
                 CB.retained("keymime/pi1/availability", "op") == "online",
                 15, "pi1 online as seen on the central broker")
        wait_for(lambda: '"groups":["all","kitchen"]' in
                 (CB.retained("keymime/pi1/status", "op") or ""), 10,
                 "pi1 status on central")
        with C.sub("keymime/pi1/result", "op") as res:
            C.pub("keymime/pi1/cmd", '{"id":"via-central","text":"hi"}', "op")
            wait_for(lambda: os.path.getsize(hid) >= 4 * 8, 10, "reports typed on the site")
            got = res.wait(1)
            assert '"via-central"' in got[0][1] and '"ok":true' in got[0][1], got
    finally:
        p.terminate()
        p.wait(5)


if __name__ == "__main__":
    testmain.main(globals(), cleanup=lambda: (S.cleanup(), C.cleanup()))
