# SPDX-License-Identifier: MIT
"""The files shipped in broker-config/ are exactly what keymime-broker writes
for /etc/mosquitto (so the shipped config and the tool cannot drift), and a
fresh install — no certificates yet — starts.

    python3 tests/broker/test_shipped_config.py --write   # regenerate them
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from brokerlib import KB, ROOT, BrokerDir, mqttclient, plugin, testmain

SHIPPED = os.path.join(ROOT, "broker-config")
PROD = "/etc/mosquitto"


def kb(bdir, *args):
    r = subprocess.run([KB, "--dir", bdir, "--no-reload"] + list(args), capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def render():
    """{shipped file: text it must have}, from a throw-away directory whose
    path is then written as /etc/mosquitto."""
    out = {}
    r = subprocess.run([KB, "init", PROD, "--dry-run"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out["mosquitto.conf"] = r.stdout
    tmp = tempfile.mkdtemp(prefix="keymime-shipped-")
    try:
        d = os.path.join(tmp, "etc-mosquitto")
        web = os.path.join(tmp, "web")   # stands for /usr/share/keymime/web (never written)
        subprocess.run([KB, "init", d, "--plugin", plugin(), "--http-dir", web], check=True,
                       capture_output=True)
        kb(d, "ca")
        kb(d, "server-cert", "broker.example.net", "192.0.2.10")
        kb(d, "add-device", "pi1", "--groups", "kitchen,lab", "--agent-dir", "/etc/keymime",
           "--broker", "ssl://broker.example.net:8883")
        for role, name in (("operator", "alice"), ("homeassistant", "homeassistant"),
                           ("viewer", "wallboard")):
            kb(d, "add-" + role, name, "--password-file", os.path.join(tmp, name))
        kb(d, "add-operator", "bob", "--devices", "pi1", "--groups", "lab",
           "--password-file", os.path.join(tmp, "bob"))
        kb(d, "add-site", "kitchen", "--devices", "pi1,pi2", "--groups", "kitchen",
           "--password-file", os.path.join(tmp, "site.pw"))
        kb(d, "bridge-conf", "kitchen", "--address", "central.example.net:8883",
           "--password-file", os.path.join(tmp, "site.pw"), "--cafile",
           os.path.join(d, "certs", "keymime-ca.crt"))
        pw = open(os.path.join(tmp, "site.pw")).read().strip()

        def rd(*p):
            return open(os.path.join(d, *p)).read().replace(d, PROD).replace(
                web, "/usr/share/keymime/web")
        out["acl.example"] = rd("acl")
        out["guard.example"] = rd("guard")
        out["conf.d/keymime-tls.conf.example"] = rd("conf.d", "keymime-tls.conf")
        out["bridge.conf.example"] = rd("conf.d", "keymime-bridge.conf").replace(
            pw, "<the site's password on the central broker>")
        out["agent.conf.example"] = rd("keymime", "devices", "pi1", "agent.conf")
    finally:
        shutil.rmtree(tmp)
    return out


def test_shipped_files_match_the_tool():
    for name, text in render().items():
        path = os.path.join(SHIPPED, name)
        assert os.path.exists(path), "missing %s (run with --write)" % path
        assert open(path).read() == text, "%s differs from what keymime-broker writes " \
            "(run tests/broker/test_shipped_config.py --write)" % path


def test_shipped_conf_settings():
    conf = open(os.path.join(SHIPPED, "mosquitto.conf")).read()
    lines = [l.split("#")[0].strip() for l in conf.splitlines()]
    for want in ("per_listener_settings false", "allow_anonymous false",
                 "password_file /etc/mosquitto/passwd", "acl_file /etc/mosquitto/acl",
                 "set_tcp_nodelay true", "max_packet_size 262144", "listener 1883",
                 "listener 9001", "protocol websockets", "http_dir /usr/share/keymime/web",
                 "include_dir /etc/mosquitto/conf.d"):
        assert want in lines, want
    # The plain MQTT listener comes first: 2.0.11 refuses to start with only WS.
    listeners = [l for l in lines if l.startswith("listener ")]
    assert listeners[0] == "listener 1883", listeners
    assert not any(l.startswith("pattern") for l in
                   open(os.path.join(SHIPPED, "acl.example")).read().splitlines())


def test_fresh_install_starts_without_certificates():
    with BrokerDir() as d:
        assert not os.listdir(os.path.join(d.dir, "conf.d"))
        pw = d.add("operator", "op")
        b = d.start()
        try:
            assert d.pub("keymime/pi1/type", "x", "op", pw) == 0
            assert d.pub("keymime/pi1/type", "x", "op", pw, ws=True) == 0
        finally:
            b.stop()


def test_missing_dashboard_does_not_stop_the_broker():
    """mosquitto 2.0.11 refuses to start when http_dir does not exist; init
    creates it empty so a broker without the dashboard installed starts."""
    with BrokerDir() as d:
        web = os.path.join(d.tmp, "not-yet", "web")
        r = subprocess.run([KB, "init", d.dir, "--port", str(d.port), "--ws-port", str(d.ws_port),
                            "--http-dir", web, "--plugin", plugin()], capture_output=True, text=True)
        assert r.returncode == 0 and os.path.isdir(web), r.stderr
        pw = d.add("operator", "op")
        b = d.start()
        try:
            assert mqttclient.connack(d.ws_port, "op", pw, transport="websockets") == 0
        finally:
            b.stop()


def test_reinit_keeps_accounts_and_tls():
    """Re-running init (here: plaintext to loopback once TLS is on) keeps
    the accounts, the client-certificate mode and the TLS listeners."""
    with BrokerDir() as d:
        pw = d.add("operator", "op")
        d.kb("ca")
        d.kb("server-cert", "localhost", "--client-certs", "required")
        before = open(os.path.join(d.dir, "passwd")).read()
        r = subprocess.run([KB, "init", d.dir, "--port", str(d.port), "--ws-port", str(d.ws_port),
                            "--tls-port", str(d.tls_port), "--wss-port", str(d.wss_port),
                            "--bind", "127.0.0.1", "--http-dir", d.http_dir],   # plugin: kept
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert open(os.path.join(d.dir, "passwd")).read() == before
        tls = open(os.path.join(d.dir, "conf.d", "keymime-tls.conf")).read()
        assert "listener %d\n" % d.tls_port in tls and "require_certificate true" in tls
        b = d.start()
        try:
            assert d.pub("keymime/pi1/type", "x", "op", pw) == 0
        finally:
            b.stop()


def test_message_size_limits():
    """64 KiB of text in a JSON command passes; more than 256 KiB does not."""
    with BrokerDir() as d:
        d.add_device("pi1")
        pw = d.add("operator", "op")
        b = d.start()
        try:
            with d.sub("keymime/pi1/cmd", "pi1") as s:
                text = "\u00e9" * 32768 + "a" * 16384   # 64 KiB of UTF-8
                big = '{"id":"1","text":"%s"}' % text
                assert len(big.encode()) > 65536
                assert d.pub("keymime/pi1/cmd", big, "op", pw) == 0
                s.wait(1)
                # More than max_packet_size: the broker drops the connection
                # instead of acknowledging it.
                with d.client("op", pw) as c:
                    try:
                        c.publish("keymime/pi1/cmd", "x" * (300 * 1024))
                        raise AssertionError("the broker acknowledged a 300 KiB packet")
                    except ConnectionError:
                        pass
                s.fence()
                assert [len(p.encode()) for _, p in s.messages()] == [len(big.encode())]
        finally:
            b.stop()


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        for name, text in render().items():
            path = os.path.join(SHIPPED, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            print("wrote", path)
        sys.exit(0)
    testmain.main(globals())
