# SPDX-License-Identifier: MIT
"""Access control of the shipped broker configuration: a real mosquitto runs
the mosquitto.conf, passwd and ACL that keymime-broker generated (only the
ports are chosen by the test). Every "cannot" is checked from the other side:
an operator subscribed to everything sees nothing arrive, after a fence (a
probe published after it came back to that subscriber)."""
import os

from brokerlib import BrokerDir, testmain, wait_for

D = BrokerDir()
D.add_device("pi1", "--groups", "kitchen")
D.add_device("pi2", "--groups", "office")
OP = D.add("operator", "op")
D.add("operator", "labop", "--devices", "pi1", "--groups", "kitchen")
HA = D.add("homeassistant", "ha")
VIEW = D.add("viewer", "view")
A = D.accounts
B = D.start()
pub, Sub = D.pub, D.sub
NOT_AUTHORISED = 5   # MQTT 3.1.1 CONNACK "not authorised"


def assert_nothing(sub, what):
    sub.fence()
    assert sub.messages() == [], "%s: unexpected %r" % (what, sub.messages())


def test_anonymous_refused():
    rc = pub("keymime/pi1/type", "x", version=4)
    assert rc == NOT_AUTHORISED, rc


def test_wrong_password_refused():
    rc = pub("keymime/pi1/type", "x", "pi1", "not-" + A["pi1"], version=4)
    assert rc == NOT_AUTHORISED, rc
    rc = pub("keymime/pi1/type", "x", "nobody", A["pi1"])
    assert rc != 0, rc


def test_device_gets_own_and_group_commands_only():
    with Sub(["keymime/#", "homeassistant/#"], "pi1") as s:
        for t in ("keymime/pi1/type", "keymime/pi1/keys", "keymime/pi1/cmd",
                  "keymime/pi1/script", "keymime/group/all/type", "keymime/group/kitchen/keys",
                  "keymime/group/all/script", "keymime/pi2/type", "keymime/pi2/cmd",
                  "keymime/pi2/script", "keymime/group/office/type",
                  "keymime/group/office/cmd", "keymime/group/office/script"):
            assert pub(t, "to " + t, "op") == 0
        s.wait(7)
        s.fence()
        got = sorted(t for t, _ in s.messages())
        assert got == sorted(["keymime/pi1/type", "keymime/pi1/keys", "keymime/pi1/cmd",
                              "keymime/pi1/script", "keymime/group/all/type",
                              "keymime/group/kitchen/keys", "keymime/group/all/script"]), got


def test_device_cannot_read_other_device_directly():
    with Sub("keymime/pi2/type", "pi1") as s:
        pub("keymime/pi2/type", "secret for pi2", "op")
        assert_nothing(s, "pi1 reading pi2's commands")


def test_device_cannot_read_foreign_group():
    with Sub("keymime/group/office/type", "pi1") as s:
        pub("keymime/group/office/type", "office only", "op")
        assert_nothing(s, "pi1 reading group office")


def test_device_cannot_fake_another_device():
    with Sub("keymime/#", "op") as s:
        for leaf in ("availability", "status", "result"):
            pub("keymime/pi2/" + leaf, "fake", "pi1", retain=True)
        pub("homeassistant/button/keymime_pi2/x/config", "{}", "pi1", retain=True)
        assert_nothing(s, "pi1 faking pi2")
    with Sub("homeassistant/#", "ha") as s:
        assert_nothing(s, "pi1 faking pi2's discovery")


def test_device_cannot_command_anyone():
    with Sub("keymime/#", "op") as s:
        for t in ("keymime/pi2/type", "keymime/pi1/type", "keymime/group/all/type",
                  "keymime/group/kitchen/cmd", "keymime/pi2/script", "keymime/group/all/script"):
            pub(t, "from pi1", "pi1")
        assert_nothing(s, "commands published by a device")


def test_device_publishes_its_own_state():
    with Sub(["keymime/#", "homeassistant/#"], "ha") as s:
        for leaf in ("availability", "status", "result", "result/reply-1"):
            assert pub("keymime/pi1/" + leaf, leaf, "pi1") == 0
        pub("homeassistant/button/keymime_pi1/enter/config", "{}", "pi1")
        got = sorted(t for t, _ in s.wait(5))
        assert got == sorted(["keymime/pi1/availability", "keymime/pi1/status",
                              "keymime/pi1/result", "keymime/pi1/result/reply-1",
                              "homeassistant/button/keymime_pi1/enter/config"]), got


def test_device_replies_to_its_groups_only():
    # A group command's response topic: keymime/group/<g>/reply/… of a group
    # the device is in; not another group's, and not a command topic.
    with Sub("keymime/#", "op") as s:
        for g in ("kitchen", "all"):
            assert pub("keymime/group/%s/reply/job" % g, g, "pi1") == 0
        got = sorted(t for t, _ in s.wait(2))
        assert got == ["keymime/group/all/reply/job", "keymime/group/kitchen/reply/job"], got
    with Sub("keymime/#", "op") as s:
        pub("keymime/group/office/reply/job", "not mine", "pi1")
        pub("keymime/group/kitchen/replyx", "not a reply", "pi1")
        assert_nothing(s, "pi1 replying for group office")


def test_roll_calls():
    # Devices hear the fleet's roll call and their groups'; operators, Home
    # Assistant and viewers may call the fleet; a scoped operator its groups.
    with Sub("keymime/#", "pi1") as s1, Sub("keymime/#", "pi2") as s2:
        for who in ("op", "ha", "view"):
            assert pub("keymime/rollcall", who, who) == 0
        pub("keymime/group/kitchen/rollcall", "labop", "labop")
        pub("keymime/group/office/rollcall", "not labop's", "labop")
        pub("keymime/rollcall", "not labop's either", "labop")
        pub("keymime/group/office/rollcall", "viewer", "view")
        pub("keymime/rollcall", "a device", "pi2")
        pub("keymime/group/office/rollcall", "op", "op")
        s1.wait(4)
        s2.wait(4)
        s1.fence()
        s2.fence()
        assert s1.messages() == [("keymime/rollcall", "op"), ("keymime/rollcall", "ha"),
                                 ("keymime/rollcall", "view"),
                                 ("keymime/group/kitchen/rollcall", "labop")], s1.messages()
        assert s2.messages() == [("keymime/rollcall", "op"), ("keymime/rollcall", "ha"),
                                 ("keymime/rollcall", "view"),
                                 ("keymime/group/office/rollcall", "op")], s2.messages()


def test_device_reads_homeassistant_status_only():
    with Sub("homeassistant/#", "pi1") as s:
        pub("homeassistant/status", "online", "ha")
        pub("homeassistant/light/other/config", "{}", "ha")
        s.wait(1)
        s.fence()
        assert s.messages() == [("homeassistant/status", "online")], s.messages()


def test_viewer_reads_state_cannot_command():
    with Sub("keymime/#", "view") as v, Sub("keymime/#", "op") as o:
        pub("keymime/pi1/status", "{}", "pi1")
        pub("keymime/pi1/availability", "online", "pi1")
        for t in ("keymime/pi1/type", "keymime/group/all/keys"):
            pub(t, "viewer typing", "view")
        o.wait(2)
        o.fence()
        assert all(t.endswith(("status", "availability")) for t, _ in o.messages()), o.messages()
        # Nor does the viewer see the commands operators send.
        pub("keymime/pi1/type", "private text", "op")
        v.fence()
        assert sorted(t for t, _ in v.messages()) == ["keymime/pi1/availability",
                                                      "keymime/pi1/status"], v.messages()


def test_operator_drives_every_device_and_group():
    with Sub("keymime/#", "pi1") as s1, Sub("keymime/#", "pi2") as s2:
        pub("keymime/pi1/type", "one", "op")
        pub("keymime/pi2/cmd", '{"text":"two"}', "op")
        pub("keymime/group/all/keys", "enter", "op")
        s1.wait(2)
        s2.wait(2)
        assert s1.messages() == [("keymime/pi1/type", "one"), ("keymime/group/all/keys", "enter")]
        assert s2.messages() == [("keymime/pi2/cmd", '{"text":"two"}'),
                                 ("keymime/group/all/keys", "enter")]


def test_scoped_operator():
    with Sub("keymime/#", "pi1") as s1, Sub("keymime/#", "pi2") as s2, \
            Sub("keymime/#", "labop") as seen:
        pub("keymime/pi1/type", "mine", "labop")
        pub("keymime/group/kitchen/keys", "enter", "labop")
        pub("keymime/pi2/type", "not mine", "labop")
        pub("keymime/group/all/type", "not mine either", "labop")
        pub("keymime/pi1/status", "{}", "pi1")
        pub("keymime/pi2/status", "{}", "pi2")
        s1.wait(2)
        for s in (s1, s2, seen):
            s.fence()
        assert s1.messages() == [("keymime/pi1/type", "mine"),
                                 ("keymime/group/kitchen/keys", "enter")], s1.messages()
        assert s2.messages() == [], s2.messages()
        assert ("keymime/pi1/status", "{}") in seen.live()   # (live: mosquitto_sub -R)
        assert not [t for t, _ in seen.live() if "pi2" in t], seen.live()


def test_operator_cannot_fake_device_state():
    with Sub("keymime/#", "ha") as s:
        pub("keymime/pi1/availability", "offline", "op")
        pub("keymime/pi1/status", "{}", "op")
        assert_nothing(s, "operator writing device state")


def test_homeassistant_commands_and_discovery():
    with Sub("keymime/#", "pi1") as s:
        pub("keymime/pi1/keys", "ctrl+alt+delete", "ha")
        assert s.wait(1) == [("keymime/pi1/keys", "ctrl+alt+delete")]
    with Sub("homeassistant/#", "op") as s:
        pub("homeassistant/status", "online", "ha")
        assert_nothing(s, "operator reading homeassistant/#")


def test_borrowed_client_id_gains_nothing():
    """mosquitto lets any account take over a connected client id (a DoS we
    document), but the thief receives nothing of the victim's: neither live
    commands nor those queued in the victim's persistent session."""
    cid = dict(client_id="keymime-pi2", clean=False, version=4)   # mosquitto_sub -i … -c
    victim = Sub("keymime/pi2/type", "pi2", **cid)
    victim.close()                        # a persistent session, now offline
    pub("keymime/pi2/type", "queued for pi2", "op")
    with Sub("keymime/pi2/type", "pi1", **cid) as thief:
        pub("keymime/pi2/type", "live for pi2", "op")
        assert_nothing(thief, "pi1 using pi2's client id")


def test_passwords_never_stored_in_clear():
    passwd = open(os.path.join(D.dir, "passwd")).read()
    for name, pw in A.items():
        assert pw not in passwd
        assert ("%s:$7$" % name) in passwd, "no PBKDF2 hash for " + name


def test_secret_files_not_group_or_world_readable():
    bad = []
    for root, dirs, files in os.walk(D.dir):
        for f in files:
            p = os.path.join(root, f)
            if f in ("mosquitto.conf", "mosquitto.pid") or p.endswith(".crt"):
                continue
            if os.stat(p).st_mode & 0o077:
                bad.append("%s %o" % (p, os.stat(p).st_mode & 0o777))
    assert not bad, bad


def test_rotate_replaces_password():
    old_session = Sub("keymime/+/status", "view")
    new = D.kb("rotate", "view").stdout.strip()
    assert new and new != A["view"]
    # the reload drops the client that is still logged in with the old password
    assert old_session.wait_closed(5), "the old session was not dropped"
    old_session.close()
    wait_for(lambda: pub("keymime/x", "x", "view", A["view"]) != 0,
             5, "old password refused")
    assert pub("keymime/x", "x", "view", new) == 0
    A["view"] = new


def test_invalid_names_refused():
    for bad in ("a/b", "a+b", "#", "", "x" * 65, "group", "keymime-admin", "pi1"):
        r = D.kb("add-device", bad, check=False)
        assert r.returncode != 0, "accepted device id %r" % bad
    r = D.kb("add-device", "pi9", "--groups", "a/b", check=False)
    assert r.returncode != 0
    r = D.kb("add-device", "pi9", "--broker", "tcp://x y\npassword_file = /tmp/x", check=False)
    assert r.returncode != 0
    # a refused command changes nothing
    assert "pi9" not in D.kb("list").stdout
    assert not os.path.exists(D.device_dir("pi9"))


def test_set_groups_applies_live():
    with Sub("keymime/group/+/type", "pi2") as dev:
        pub("keymime/group/kitchen/type", "before", "op")   # (acknowledged: routed)
        D.kb_reload("set-groups", "pi2", "kitchen")   # office is dropped, kitchen added
        pub("keymime/group/kitchen/type", "after", "op")
        pub("keymime/group/office/type", "office", "op")
        pub("keymime/group/all/type", "everyone", "op")
        dev.wait(2)
        dev.fence()
        assert dev.messages() == [("keymime/group/kitchen/type", "after"),
                                  ("keymime/group/all/type", "everyone")], dev.messages()
    assert "groups = kitchen\n" in open(os.path.join(D.device_dir("pi2"), "agent.conf")).read()
    D.kb("set-groups", "pi2", "office")


def test_retained_state_of_removed_device_is_not_served():
    """Even when remove-device could not clear them (no reload at the time),
    check_retain_source stops the broker serving a removed device's retained
    messages once it reloads."""
    D.add_device("pi7")
    pub("keymime/pi7/status", "stale", "pi7", A["pi7"], retain=True)
    assert B.retained("keymime/pi7/status", "op") == "stale"
    D.kb("--no-reload", "remove-device", "pi7")
    D.kb("reload")
    wait_for(lambda: B.retained("keymime/pi7/status", "op") is None, 5,
             "the stale status to be withheld")


def test_remove_device_kicks_it_and_clears_retained():
    D.add_device("pi3")
    pw = A["pi3"]
    pub("keymime/pi3/availability", "online", "pi3", pw, retain=True)
    pub("keymime/pi3/status", '{"busy":false}', "pi3", pw, retain=True)
    pub("homeassistant/button/keymime_pi3/enter/config", "{}", "pi3", pw,
        retain=True)
    with Sub("keymime/pi3/type", "pi3", pw) as dev:
        assert B.retained("keymime/pi3/availability", "op") == "online"
        D.kb("remove-device", "pi3")
        assert dev.wait_closed(5), "the removed device's connection was not dropped"
        pub("keymime/pi3/type", "after removal", "op")
        # (no fence: the connection is closed, nothing can arrive on it)
        assert dev.messages() == [], dev.messages()
    assert B.retained("keymime/pi3/availability", "op") is None
    assert B.retained("keymime/pi3/status", "op") is None
    assert B.retained("homeassistant/button/keymime_pi3/enter/config", "ha") is None
    assert pub("keymime/pi3/status", "x", "pi3", pw) != 0
    assert not os.path.exists(D.device_dir("pi3"))


if __name__ == "__main__":
    testmain.main(globals(), cleanup=D.cleanup)
