# SPDX-License-Identifier: MIT
"""Access control of the shipped broker configuration: a real mosquitto runs
the mosquitto.conf, passwd and ACL that keymime-broker generated (only the
ports are chosen by the test). Every "cannot" is checked from the other side:
an operator subscribed to everything sees nothing arrive."""
import os
import time

from brokerlib import BrokerDir, Sub, pub, run, wait_for

D = BrokerDir()
D.add_device("pi1", "--groups", "kitchen")
D.add_device("pi2", "--groups", "office")
OP = D.add("operator", "op")
D.add("operator", "labop", "--devices", "pi1", "--groups", "kitchen")
HA = D.add("homeassistant", "ha")
VIEW = D.add("viewer", "view")
A = D.accounts
B = D.start()
P = D.port

QUIET = 1.0  # seconds to wait for something that must not arrive


def as_(user):
    return dict(user=user, password=A[user])


def assert_nothing(sub, what):
    time.sleep(QUIET)
    assert sub.messages() == [], "%s: unexpected %r" % (what, sub.messages())


def test_anonymous_refused():
    rc, err = pub(P, "keymime/pi1/type", "x")
    assert rc != 0 and "not authorised" in err.lower(), (rc, err)


def test_wrong_password_refused():
    rc, err = pub(P, "keymime/pi1/type", "x", user="pi1", password="not-" + A["pi1"])
    assert rc != 0 and "not authorised" in err.lower(), (rc, err)
    rc, err = pub(P, "keymime/pi1/type", "x", user="nobody", password=A["pi1"])
    assert rc != 0, (rc, err)


def test_device_gets_own_and_group_commands_only():
    with Sub(P, ["keymime/#", "homeassistant/#"], **as_("pi1")) as s:
        for t in ("keymime/pi1/type", "keymime/pi1/keys", "keymime/pi1/cmd",
                  "keymime/pi1/script", "keymime/group/all/type", "keymime/group/kitchen/keys",
                  "keymime/group/all/script", "keymime/pi2/type", "keymime/pi2/cmd",
                  "keymime/pi2/script", "keymime/group/office/type",
                  "keymime/group/office/cmd", "keymime/group/office/script"):
            assert pub(P, t, "to " + t, **as_("op"))[0] == 0
        s.wait(7)
        time.sleep(QUIET)
        got = sorted(t for t, _ in s.messages())
        assert got == sorted(["keymime/pi1/type", "keymime/pi1/keys", "keymime/pi1/cmd",
                              "keymime/pi1/script", "keymime/group/all/type",
                              "keymime/group/kitchen/keys", "keymime/group/all/script"]), got


def test_device_cannot_read_other_device_directly():
    with Sub(P, "keymime/pi2/type", **as_("pi1")) as s:
        pub(P, "keymime/pi2/type", "secret for pi2", **as_("op"))
        assert_nothing(s, "pi1 reading pi2's commands")


def test_device_cannot_read_foreign_group():
    with Sub(P, "keymime/group/office/type", **as_("pi1")) as s:
        pub(P, "keymime/group/office/type", "office only", **as_("op"))
        assert_nothing(s, "pi1 reading group office")


def test_device_cannot_fake_another_device():
    with Sub(P, "keymime/#", **as_("op")) as s:
        for leaf in ("availability", "status", "result"):
            pub(P, "keymime/pi2/" + leaf, "fake", **as_("pi1"), extra=["-r"])
        pub(P, "homeassistant/button/keymime_pi2/x/config", "{}", **as_("pi1"), extra=["-r"])
        assert_nothing(s, "pi1 faking pi2")
    with Sub(P, "homeassistant/#", **as_("ha")) as s:
        assert_nothing(s, "pi1 faking pi2's discovery")


def test_device_cannot_command_anyone():
    with Sub(P, "keymime/#", **as_("op")) as s:
        for t in ("keymime/pi2/type", "keymime/pi1/type", "keymime/group/all/type",
                  "keymime/group/kitchen/cmd", "keymime/pi2/script", "keymime/group/all/script"):
            pub(P, t, "from pi1", **as_("pi1"))
        assert_nothing(s, "commands published by a device")


def test_device_publishes_its_own_state():
    with Sub(P, ["keymime/#", "homeassistant/#"], **as_("ha")) as s:
        for leaf in ("availability", "status", "result", "result/reply-1"):
            assert pub(P, "keymime/pi1/" + leaf, leaf, **as_("pi1"))[0] == 0
        pub(P, "homeassistant/button/keymime_pi1/enter/config", "{}", **as_("pi1"))
        got = sorted(t for t, _ in s.wait(5))
        assert got == sorted(["keymime/pi1/availability", "keymime/pi1/status",
                              "keymime/pi1/result", "keymime/pi1/result/reply-1",
                              "homeassistant/button/keymime_pi1/enter/config"]), got


def test_device_replies_to_its_groups_only():
    # A group command's response topic: keymime/group/<g>/reply/… of a group
    # the device is in; not another group's, and not a command topic.
    with Sub(P, "keymime/#", **as_("op")) as s:
        for g in ("kitchen", "all"):
            assert pub(P, "keymime/group/%s/reply/job" % g, g, **as_("pi1"))[0] == 0
        got = sorted(t for t, _ in s.wait(2))
        assert got == ["keymime/group/all/reply/job", "keymime/group/kitchen/reply/job"], got
    with Sub(P, "keymime/#", **as_("op")) as s:
        pub(P, "keymime/group/office/reply/job", "not mine", **as_("pi1"))
        pub(P, "keymime/group/kitchen/replyx", "not a reply", **as_("pi1"))
        assert_nothing(s, "pi1 replying for group office")


def test_roll_calls():
    # Devices hear the fleet's roll call and their groups'; operators, Home
    # Assistant and viewers may call the fleet; a scoped operator its groups.
    with Sub(P, "keymime/#", **as_("pi1")) as s1, Sub(P, "keymime/#", **as_("pi2")) as s2:
        for who in ("op", "ha", "view"):
            assert pub(P, "keymime/rollcall", who, **as_(who))[0] == 0
        pub(P, "keymime/group/kitchen/rollcall", "labop", **as_("labop"))
        pub(P, "keymime/group/office/rollcall", "not labop's", **as_("labop"))
        pub(P, "keymime/rollcall", "not labop's either", **as_("labop"))
        pub(P, "keymime/group/office/rollcall", "viewer", **as_("view"))
        pub(P, "keymime/rollcall", "a device", **as_("pi2"))
        pub(P, "keymime/group/office/rollcall", "op", **as_("op"))
        s1.wait(4)
        s2.wait(4)
        time.sleep(QUIET)
        assert s1.messages() == [("keymime/rollcall", "op"), ("keymime/rollcall", "ha"),
                                 ("keymime/rollcall", "view"),
                                 ("keymime/group/kitchen/rollcall", "labop")], s1.messages()
        assert s2.messages() == [("keymime/rollcall", "op"), ("keymime/rollcall", "ha"),
                                 ("keymime/rollcall", "view"),
                                 ("keymime/group/office/rollcall", "op")], s2.messages()


def test_device_reads_homeassistant_status_only():
    with Sub(P, "homeassistant/#", **as_("pi1")) as s:
        pub(P, "homeassistant/status", "online", **as_("ha"))
        pub(P, "homeassistant/light/other/config", "{}", **as_("ha"))
        msgs = s.wait(1)
        time.sleep(QUIET)
        assert s.messages() == [("homeassistant/status", "online")], s.messages()


def test_viewer_reads_state_cannot_command():
    with Sub(P, "keymime/#", **as_("view")) as v, Sub(P, "keymime/#", **as_("op")) as o:
        pub(P, "keymime/pi1/status", "{}", **as_("pi1"))
        pub(P, "keymime/pi1/availability", "online", **as_("pi1"))
        for t in ("keymime/pi1/type", "keymime/group/all/keys"):
            pub(P, t, "viewer typing", **as_("view"))
        o.wait(2)
        time.sleep(QUIET)
        assert all(t.endswith(("status", "availability")) for t, _ in o.messages()), o.messages()
        # Nor does the viewer see the commands operators send.
        pub(P, "keymime/pi1/type", "private text", **as_("op"))
        time.sleep(QUIET)
        assert sorted(t for t, _ in v.messages()) == ["keymime/pi1/availability",
                                                      "keymime/pi1/status"], v.messages()


def test_operator_drives_every_device_and_group():
    with Sub(P, "keymime/#", **as_("pi1")) as s1, Sub(P, "keymime/#", **as_("pi2")) as s2:
        pub(P, "keymime/pi1/type", "one", **as_("op"))
        pub(P, "keymime/pi2/cmd", '{"text":"two"}', **as_("op"))
        pub(P, "keymime/group/all/keys", "enter", **as_("op"))
        s1.wait(2)
        s2.wait(2)
        assert s1.messages() == [("keymime/pi1/type", "one"), ("keymime/group/all/keys", "enter")]
        assert s2.messages() == [("keymime/pi2/cmd", '{"text":"two"}'),
                                 ("keymime/group/all/keys", "enter")]


def test_scoped_operator():
    with Sub(P, "keymime/#", **as_("pi1")) as s1, Sub(P, "keymime/#", **as_("pi2")) as s2, \
            Sub(P, "keymime/#", **as_("labop"), extra=["-R"]) as seen:
        pub(P, "keymime/pi1/type", "mine", **as_("labop"))
        pub(P, "keymime/group/kitchen/keys", "enter", **as_("labop"))
        pub(P, "keymime/pi2/type", "not mine", **as_("labop"))
        pub(P, "keymime/group/all/type", "not mine either", **as_("labop"))
        pub(P, "keymime/pi1/status", "{}", **as_("pi1"))
        pub(P, "keymime/pi2/status", "{}", **as_("pi2"))
        s1.wait(2)
        time.sleep(QUIET)
        assert s1.messages() == [("keymime/pi1/type", "mine"),
                                 ("keymime/group/kitchen/keys", "enter")], s1.messages()
        assert s2.messages() == [], s2.messages()
        assert ("keymime/pi1/status", "{}") in seen.messages()
        assert not [t for t, _ in seen.messages() if "pi2" in t], seen.messages()


def test_operator_cannot_fake_device_state():
    with Sub(P, "keymime/#", **as_("ha")) as s:
        pub(P, "keymime/pi1/availability", "offline", **as_("op"))
        pub(P, "keymime/pi1/status", "{}", **as_("op"))
        assert_nothing(s, "operator writing device state")


def test_homeassistant_commands_and_discovery():
    with Sub(P, "keymime/#", **as_("pi1")) as s:
        pub(P, "keymime/pi1/keys", "ctrl+alt+delete", **as_("ha"))
        assert s.wait(1) == [("keymime/pi1/keys", "ctrl+alt+delete")]
    with Sub(P, "homeassistant/#", **as_("op")) as s:
        pub(P, "homeassistant/status", "online", **as_("ha"))
        assert_nothing(s, "operator reading homeassistant/#")


def test_borrowed_client_id_gains_nothing():
    """mosquitto lets any account take over a connected client id (a DoS we
    document), but the thief receives nothing of the victim's: neither live
    commands nor those queued in the victim's persistent session."""
    cid = ["-i", "keymime-pi2", "-c"]
    victim = Sub(P, "keymime/pi2/type", **as_("pi2"), extra=cid)
    victim.close()                        # a persistent session, now offline
    pub(P, "keymime/pi2/type", "queued for pi2", **as_("op"))
    with Sub(P, "keymime/pi2/type", **as_("pi1"), extra=cid) as thief:
        pub(P, "keymime/pi2/type", "live for pi2", **as_("op"))
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
    old_session = Sub(P, "keymime/+/status", **as_("view"))
    new = D.kb("rotate", "view").stdout.strip()
    assert new and new != A["view"]
    # the reload drops the client that is still logged in with the old password
    wait_for(lambda: "not authorised" in old_session.stderr().lower() or not old_session.alive(),
             5, "the old session to be dropped")
    old_session.close()
    wait_for(lambda: pub(P, "keymime/x", "x", user="view", password=A["view"])[0] != 0,
             5, "old password refused")
    assert pub(P, "keymime/x", "x", user="view", password=new)[0] == 0
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
    with Sub(P, "keymime/group/+/type", **as_("pi2")) as dev:
        pub(P, "keymime/group/kitchen/type", "before", **as_("op"))
        time.sleep(0.5)
        D.kb("set-groups", "pi2", "kitchen")   # office is dropped, kitchen added
        time.sleep(0.5)
        pub(P, "keymime/group/kitchen/type", "after", **as_("op"))
        pub(P, "keymime/group/office/type", "office", **as_("op"))
        pub(P, "keymime/group/all/type", "everyone", **as_("op"))
        dev.wait(2)
        time.sleep(QUIET)
        assert dev.messages() == [("keymime/group/kitchen/type", "after"),
                                  ("keymime/group/all/type", "everyone")], dev.messages()
    assert "groups = kitchen\n" in open(os.path.join(D.device_dir("pi2"), "agent.conf")).read()
    D.kb("set-groups", "pi2", "office")


def test_retained_state_of_removed_device_is_not_served():
    """Even when remove-device could not clear them (no reload at the time),
    check_retain_source stops the broker serving a removed device's retained
    messages once it reloads."""
    D.add_device("pi7")
    pub(P, "keymime/pi7/status", "stale", "pi7", A["pi7"], extra=["-r"])
    assert B.retained("keymime/pi7/status", user="op") == "stale"
    D.kb("--no-reload", "remove-device", "pi7")
    D.kb("reload")
    wait_for(lambda: B.retained("keymime/pi7/status", user="op", timeout=1) is None, 5,
             "the stale status to be withheld")


def test_remove_device_kicks_it_and_clears_retained():
    D.add_device("pi3")
    pw = A["pi3"]
    pub(P, "keymime/pi3/availability", "online", user="pi3", password=pw, extra=["-r"])
    pub(P, "keymime/pi3/status", '{"busy":false}', user="pi3", password=pw, extra=["-r"])
    pub(P, "homeassistant/button/keymime_pi3/enter/config", "{}", user="pi3", password=pw,
        extra=["-r"])
    with Sub(P, "keymime/pi3/type", "pi3", pw) as dev:
        assert B.retained("keymime/pi3/availability", user="op") == "online"
        D.kb("remove-device", "pi3")
        wait_for(lambda: not dev.alive() or "not authorised" in dev.stderr().lower(), 5,
                 "the removed device's connection to be dropped")
        pub(P, "keymime/pi3/type", "after removal", **as_("op"))
        time.sleep(QUIET)
        assert dev.messages() == [], dev.messages()
    assert B.retained("keymime/pi3/availability", user="op") is None
    assert B.retained("keymime/pi3/status", user="op") is None
    assert B.retained("homeassistant/button/keymime_pi3/enter/config", user="ha") is None
    assert pub(P, "keymime/pi3/status", "x", user="pi3", password=pw)[0] != 0
    assert not os.path.exists(D.device_dir("pi3"))


if __name__ == "__main__":
    try:
        run([v for k, v in list(globals().items()) if k.startswith("test_")])
    finally:
        B.stop()
        D.cleanup()
