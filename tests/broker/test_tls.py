# SPDX-License-Identifier: MIT
"""TLS of the shipped broker configuration: keymime-broker's CA, server and
client certificates, the three client-certificate modes, MQTT over TLS and
WebSockets over TLS. A real mosquitto runs the generated files."""
import os
import shutil
import stat
import subprocess
import time

from brokerlib import BrokerDir, Sub, WSMqtt, http_get, pub, run, wait_for

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


def tls(*extra, ca=CA):
    return ["--cafile", ca] + list(extra)


def cert(dev=DEV):
    return ["--cert", os.path.join(dev, "client.crt"), "--key", os.path.join(dev, "client.key")]


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
    with Sub(D.port, "keymime/pi1/type", "pi1", D.accounts["pi1"]) as s:
        rc, err = pub(T, "keymime/pi1/type", "over tls", "op", OP, extra=tls())
        assert rc == 0, err
        assert s.wait(1) == [("keymime/pi1/type", "over tls")]
    # The certificate names the host: "localhost" verifies too.
    rc, err = pub(T, "keymime/pi1/type", "x", "op", OP, extra=tls(), host="localhost")
    assert rc == 0, err


def test_tls_still_needs_a_password():
    rc, _ = pub(T, "keymime/pi1/type", "x", extra=tls())
    assert rc != 0
    rc, _ = pub(T, "keymime/pi1/type", "x", "op", "wrong", extra=tls())
    assert rc != 0


def test_server_from_another_ca_is_refused():
    rc, err = pub(T, "keymime/pi1/type", "x", "op", OP, extra=tls(ca=OTHER.ca_file()))
    assert rc != 0, "client trusted a server certificate from another CA"
    # and a plain-text client gets nowhere on the TLS port
    rc, _ = pub(T, "keymime/pi1/type", "x", "op", OP)
    assert rc != 0


def test_websockets_over_tls():
    status, body = http_get(D.wss_port, "/", tls_ca=CA)
    assert " 200 " in status and b"keymime test page" in body, status
    c = WSMqtt(D.wss_port, tls_ca=CA)
    assert c.connect("op", OP) == 0
    c.close()
    c = WSMqtt(D.wss_port, tls_ca=CA)
    assert c.connect("op", "wrong") in (4, 5)
    c.close()


def test_client_cert_required_mode():
    D.kb("server-cert", "localhost", "127.0.0.1", "--client-certs", "required")
    restart()
    pw = D.accounts["pi1"]
    # certificate from our CA + password: in
    rc, err = pub(T, "keymime/pi1/status", "{}", "pi1", pw, extra=tls(*cert()))
    assert rc == 0, err
    # password without a certificate: out
    rc, _ = pub(T, "keymime/pi1/status", "{}", "pi1", pw, extra=tls())
    assert rc != 0, "required mode accepted a client without certificate"
    # certificate from another CA: out
    rc, _ = pub(T, "keymime/pi1/status", "{}", "pi1", pw, extra=tls(*cert(ODEV)))
    assert rc != 0, "accepted a client certificate from another CA"
    # certificate without the password: out (two factors)
    rc, _ = pub(T, "keymime/pi1/status", "{}", "pi1", None, extra=tls(*cert()))
    assert rc != 0


def test_client_cert_identity_mode():
    D.kb("server-cert", "localhost", "127.0.0.1", "--client-certs", "identity")
    D.kb("add-device", "pi4", "--no-password")
    D.kb("client-cert", "pi4")
    restart()
    dev4 = D.device_dir("pi4")
    assert not os.path.exists(os.path.join(dev4, "password"))
    assert "password_file" not in open(os.path.join(dev4, "agent.conf")).read()
    with Sub(D.port, "keymime/#", "op", OP) as s:
        # The certificate's CN is the user name: no password, pi4's ACL applies.
        rc, err = pub(T, "keymime/pi4/status", "ok", extra=tls(*cert(dev4)))
        assert rc == 0, err
        rc, err = pub(T, "keymime/pi2/status", "fake", extra=tls(*cert(dev4)))
        s.wait(1)
        time.sleep(1)
        assert s.messages() == [("keymime/pi4/status", "ok")], s.messages()
    # Another CA's certificate for the same name gets nothing.
    rc, _ = pub(T, "keymime/pi1/status", "x", extra=tls(*cert(ODEV)))
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
    rc, err = pub(T, "keymime/pi4/status", "probe", extra=tls(*cert(dev4)))
    assert rc == 0, "expected the unrevoked certificate to still connect: %s" % err
    with Sub(D.port, "keymime/#", "op", OP) as s:
        pub(T, "keymime/pi4/status", "after removal", extra=tls(*cert(dev4)))
        time.sleep(1)
        assert s.messages() == [], s.messages()


def test_revoked_certificate_refused_after_reload():
    # still in identity mode: a device that only has a certificate
    D.kb("add-device", "pi6", "--no-password")
    D.kb("client-cert", "pi6")
    keep = os.path.join(D.tmp, "pi6-cert")
    shutil.copytree(D.device_dir("pi6"), keep)
    rc, err = pub(T, "keymime/pi6/status", "ok", extra=tls(*cert(keep)))
    assert rc == 0, err
    # The device stays; its certificate goes on the CRL, which a reload re-reads,
    # and its live session (identity mode: no password to re-check) is ended
    # by the keymime_guard plugin at that reload (#15 item 5).
    live = Sub(T, "keymime/pi6/type", None, None, extra=tls(*cert(keep)))
    try:
        pub(D.port, "keymime/pi6/type", "before", "op", OP)
        assert live.wait(1) == [("keymime/pi6/type", "before")]
        D.kb("revoke-cert", "pi6")
        wait_for(lambda: not live.alive() or live.stderr(), 5, "the live session to end")
        pub(D.port, "keymime/pi6/type", "after", "op", OP)
        time.sleep(1)
        assert live.messages() == [("keymime/pi6/type", "before")], live.messages()
    finally:
        live.close()
    crl = subprocess.run(["openssl", "crl", "-in", os.path.join(D.dir, "certs", "keymime-crl.pem"),
                          "-noout", "-text"], capture_output=True, text=True).stdout
    assert "Serial Number" in crl, crl
    wait_for(lambda: pub(T, "keymime/pi6/status", "x", extra=tls(*cert(keep)))[0] != 0, 5,
             "the revoked certificate to be refused")
    # A new certificate for the same device works, and replacing it revokes it.
    D.kb("client-cert", "pi6")
    rc, err = pub(T, "keymime/pi6/status", "ok", extra=tls(*cert(D.device_dir("pi6"))))
    assert rc == 0, err
    keep2 = os.path.join(D.tmp, "pi6-cert2")
    shutil.copytree(D.device_dir("pi6"), keep2)
    D.kb("client-cert", "pi6")
    wait_for(lambda: pub(T, "keymime/pi6/status", "x", extra=tls(*cert(keep2)))[0] != 0, 5,
             "the replaced certificate to be refused")


if __name__ == "__main__":
    try:
        run([v for k, v in list(globals().items()) if k.startswith("test_")])
    finally:
        B.stop()
        D.cleanup()
        OTHER.cleanup()
