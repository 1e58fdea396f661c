# SPDX-License-Identifier: MIT
"""TLS of the shipped broker configuration: keymime-broker's CA, server and
client certificates, the three client-certificate modes, MQTT over TLS and
WebSockets over TLS. A real mosquitto runs the generated files; the
clients are tests/lib/mqttclient.py (paho) with the generated CA."""
import os
import shutil
import stat
import subprocess

from brokerlib import BrokerDir, http_get, mqttclient, testmain, wait_for

D = BrokerDir()
D.add_device("pi1")
D.add_device("pi2")
OP = D.add("operator", "op")
D.kb("ca")
D.kb("server-cert", "localhost", "127.0.0.1")
D.kb("client-cert", "pi1")
B = D.start()

# A second, unrelated CA: its certificates must be worth nothing here.
OTHER = BrokerDir(prefix="keymime-other-")
OTHER.add_device("pi1")
OTHER.kb("ca")
OTHER.kb("server-cert", "localhost")
OTHER.kb("client-cert", "pi1")

CA = D.ca_file()
T = D.tls_port
DEV = D.device_dir("pi1")
ODEV = OTHER.device_dir("pi1")


def tpub(topic, payload, user=None, password=None, ca=CA, cert=None, host="127.0.0.1"):
    """Publish over TLS (the TLS port) with the CA ca and, if given, the
    client certificate of a device directory: 0, or why the login failed."""
    return D.pub(topic, payload, user, password, port=T, tls_ca=ca, cert=cert, host=host)


def pwd(user):
    return D.accounts[user]


def restart():
    B.stop()
    B.start()
    wait_for(lambda: _listening(T), 10, "TLS listener")


def _listening(port):
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def test_fresh_tls_config_files():
    conf = open(os.path.join(D.dir, "conf.d", "keymime-tls.conf")).read()
    assert "listener %d" % T in conf and "listener %d" % D.wss_port in conf
    for key in (os.path.join(D.dir, "certs", "keymime-server.key"),
                os.path.join(D.dir, "keymime", "ca", "ca.key"),
                os.path.join(DEV, "client.key")):
        mode = stat.S_IMODE(os.stat(key).st_mode)
        assert mode == 0o600, "%s has mode %o" % (key, mode)
    text = subprocess.run(["openssl", "x509", "-in", os.path.join(D.dir, "certs",
                           "keymime-server.crt"), "-noout", "-text"],
                          capture_output=True, text=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    agent = open(os.path.join(DEV, "agent.conf")).read()
    assert "cafile = " in agent and "certfile = " in agent and "keyfile = " in agent
    # #15 item 4: pi1 was added before TLS (tcp://); its certificate switched
    # the URI to TLS at the server certificate's first name.
    assert "\nbroker = ssl://localhost:%d\n" % T in agent, agent


def test_tls_with_generated_ca():
    with D.sub("keymime/pi1/type", "pi1") as s:
        rc = tpub("keymime/pi1/type", "over tls", "op", OP)
        assert rc == 0, rc
        assert s.wait(1) == [("keymime/pi1/type", "over tls")]
    # The certificate names the host: "localhost" verifies too.
    rc = tpub("keymime/pi1/type", "x", "op", OP, host="localhost")
    assert rc == 0, rc


def test_tls_still_needs_a_password():
    rc = tpub("keymime/pi1/type", "x")
    assert rc != 0
    rc = tpub("keymime/pi1/type", "x", "op", "wrong")
    assert rc != 0


def test_server_from_another_ca_is_refused():
    rc = tpub("keymime/pi1/type", "x", "op", OP, ca=OTHER.ca_file())
    assert rc != 0, "client trusted a server certificate from another CA"
    # and a plain-text client gets nowhere on the TLS port
    rc = D.pub("keymime/pi1/type", "x", "op", OP, port=T)
    assert rc != 0


def test_websockets_over_tls():
    status, body = http_get(D.wss_port, "/", tls_ca=CA)
    assert " 200 " in status and b"keymime test page" in body, status
    wss = dict(transport="websockets", tls_ca=CA, version=4)
    assert mqttclient.connack(D.wss_port, "op", OP, **wss) == 0
    assert mqttclient.connack(D.wss_port, "op", "wrong", **wss) in (4, 5)


def test_client_cert_required_mode():
    D.kb("server-cert", "localhost", "127.0.0.1", "--client-certs", "required")
    restart()
    pw = D.accounts["pi1"]
    # certificate from our CA + password: in
    rc = tpub("keymime/pi1/status", "{}", "pi1", pw, cert=DEV)
    assert rc == 0, rc
    # password without a certificate: out
    rc = tpub("keymime/pi1/status", "{}", "pi1", pw)
    assert rc != 0, "required mode accepted a client without certificate"
    # certificate from another CA: out
    rc = tpub("keymime/pi1/status", "{}", "pi1", pw, cert=ODEV)
    assert rc != 0, "accepted a client certificate from another CA"
    # certificate without the password: out (two factors)
    rc = D.pub("keymime/pi1/status", "{}", "pi1", "", port=T, tls_ca=CA, cert=DEV)
    assert rc != 0


def test_client_cert_identity_mode():
    D.kb("server-cert", "localhost", "127.0.0.1", "--client-certs", "identity")
    D.kb("add-device", "pi4", "--no-password")
    D.kb("client-cert", "pi4")
    restart()
    dev4 = D.device_dir("pi4")
    assert not os.path.exists(os.path.join(dev4, "password"))
    assert "password_file" not in open(os.path.join(dev4, "agent.conf")).read()
    with D.sub("keymime/#", "op") as s:
        # The certificate's CN is the user name: no password, pi4's ACL applies.
        rc = tpub("keymime/pi4/status", "ok", cert=dev4)
        assert rc == 0, rc
        rc = tpub("keymime/pi2/status", "fake", cert=dev4)
        s.wait(1)
        s.fence()
        assert s.messages() == [("keymime/pi4/status", "ok")], s.messages()
    # Another CA's certificate for the same name gets nothing.
    rc = tpub("keymime/pi1/status", "x", cert=ODEV)
    assert rc != 0
    # Removal without a CRL entry: remove-device takes every ACL right away,
    # so the still-valid certificate connects to an empty topic tree.
    # (The CA key is moved away, as if kept offline: no CRL entry is made.)
    keep = os.path.join(D.tmp, "pi4-cert")
    shutil.copytree(dev4, keep)
    ca_key = os.path.join(D.dir, "keymime", "ca", "ca.key")
    os.rename(ca_key, ca_key + ".offline")
    try:
        D.kb("remove-device", "pi4")
    finally:
        os.rename(ca_key + ".offline", ca_key)
    assert not os.path.exists(dev4)
    dev4 = keep
    rc = tpub("keymime/pi4/status", "probe", cert=dev4)
    assert rc == 0, "expected the unrevoked certificate to still connect: %s" % rc
    with D.sub("keymime/#", "op") as s:
        tpub("keymime/pi4/status", "after removal", cert=dev4)
        s.fence()
        assert s.messages() == [], s.messages()


def test_revoked_certificate_refused_after_reload():
    # still in identity mode: a device that only has a certificate
    D.kb("add-device", "pi6", "--no-password")
    D.kb("client-cert", "pi6")
    keep = os.path.join(D.tmp, "pi6-cert")
    shutil.copytree(D.device_dir("pi6"), keep)
    rc = tpub("keymime/pi6/status", "ok", cert=keep)
    assert rc == 0, rc
    # The device stays; its certificate goes on the CRL, which a reload re-reads,
    # and its live session (identity mode: no password to re-check) is ended
    # by the keymime_guard plugin at that reload (#15 item 5).
    live = D.sub("keymime/pi6/type", port=T, tls_ca=CA, cert=keep)
    try:
        D.pub("keymime/pi6/type", "before", "op", OP)
        assert live.wait(1) == [("keymime/pi6/type", "before")]
        D.kb("revoke-cert", "pi6")
        assert live.wait_closed(5), "the live session did not end"
        D.pub("keymime/pi6/type", "after", "op", OP)
        # (no fence: the connection is closed, nothing can arrive on it)
        assert live.messages() == [("keymime/pi6/type", "before")], live.messages()
    finally:
        live.close()
    crl = subprocess.run(["openssl", "crl", "-in", os.path.join(D.dir, "certs", "keymime-crl.pem"),
                          "-noout", "-text"], capture_output=True, text=True).stdout
    assert "Serial Number" in crl, crl
    wait_for(lambda: tpub("keymime/pi6/status", "x", cert=keep) != 0, 5,
             "the revoked certificate to be refused")
    # A new certificate for the same device works, and replacing it revokes it.
    D.kb("client-cert", "pi6")
    rc = tpub("keymime/pi6/status", "ok", cert=D.device_dir("pi6"))
    assert rc == 0, rc
    keep2 = os.path.join(D.tmp, "pi6-cert2")
    shutil.copytree(D.device_dir("pi6"), keep2)
    D.kb("client-cert", "pi6")
    wait_for(lambda: tpub("keymime/pi6/status", "x", cert=keep2) != 0, 5,
             "the replaced certificate to be refused")


if __name__ == "__main__":
    testmain.main(globals(), cleanup=lambda: (D.cleanup(), OTHER.cleanup()))
