# SPDX-License-Identifier: MIT
"""#15 item 1: `keymime-broker init --bind ADDR` keeps the plaintext listeners
(MQTT and WebSockets) off every address but ADDR, IPv4 and IPv6.

mosquitto 2.0.11 binds a `protocol websockets` listener to every address
whatever its `listener` line says unless `socket_domain` is set; the tool
writes it. The test runs in a network namespace of its own (`unshare -n` as
root, `unshare -rn` otherwise) with an interface holding a
non-loopback IPv4 and IPv6 address (a veth pair), and connects to every listener through
each address: a loopback-bound listener must refuse the others, the TLS
listeners (meant for the network) must not, and a configuration without
socket_domain shows the hole this closes."""
import os
import re
import subprocess
import sys

INSIDE = "KEYMIME_TEST_NETNS"
if os.environ.get(INSIDE) != "1":
    ns = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    if subprocess.run(ns + ["true"], capture_output=True).returncode != 0:
        print("skip: cannot make a network namespace (%s)" % " ".join(ns))
        sys.exit(77)
    sys.exit(subprocess.run(ns + [sys.executable] + sys.argv,
                            env=dict(os.environ, **{INSIDE: "1"})).returncode)

from brokerlib import BrokerDir, can_connect, mqttclient, testmain, wait_for  # noqa: E402
import harness  # noqa: E402

V4, V6 = "10.213.0.1", "fd00:6b6d::1"   # the namespace's own non-loopback addresses


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True)


ip("link", "set", "lo", "up")
ip("link", "add", "km0", "type", "veth", "peer", "name", "km1")   # (no dummy module here)
ip("addr", "add", V4 + "/24", "dev", "km0")
ip("-6", "addr", "add", V6 + "/64", "dev", "km0", "nodad")
ip("link", "set", "km0", "up")
ip("link", "set", "km1", "up")
ALL = ("127.0.0.1", "::1", V4, V6)


def reachable(ports):
    """{(address, port): connects?} for every address."""
    return {(a, p): can_connect(p, a) for a in ALL for p in ports}


class Running:
    """mosquitto on a BrokerDir's generated (or given) configuration; waits
    for every listener on the given address."""

    def __init__(self, d, at, conf=None, ports=None):
        self.d = d
        conf = conf or os.path.join(d.dir, "mosquitto.conf")
        d.broker()._give_to_broker_user()
        self.log = open(os.path.join(d.tmp, "mosquitto.log"), "w")
        self.proc = subprocess.Popen([harness.MOSQUITTO, "-c", conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        for p in ports or (d.port, d.ws_port):
            wait_for(lambda: self._up(p, at), 10, "listener %s:%d" % (at, p))

    def _up(self, port, at):
        if self.proc.poll() is not None:
            raise AssertionError("mosquitto exited: " + open(self.log.name).read())
        return can_connect(port, at)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # What listens where is under test here, not shutdown: mosquitto
        # 2.0.11 once took over 10 s to end on SIGTERM with WebSockets on
        # every address (a loaded CI run); then it is killed, and says so.
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            print("warning: mosquitto did not end within 10 s of SIGTERM; killed. Its log:\n"
                  + open(self.log.name).read()[-2000:])
        self.log.close()
        self.d.cleanup()


def use(port, pw, **kw):
    """Log in as op and publish (acknowledged): 0, or why the login failed."""
    try:
        with mqttclient.Client(port, "op", pw, **kw) as c:
            c.publish("keymime/pi1/type", "x")
        return 0
    except mqttclient.Refused as exc:
        return exc.rc or "closed"


def only(d, addr):
    got = reachable((d.port, d.ws_port))
    want = {(a, p): a == addr for a, p in got}
    assert got == want, "reachable: %s" % sorted(k for k, v in got.items() if v)


def test_loopback_ipv4_bind_holds_for_websockets_too():
    d = BrokerDir(bind="127.0.0.1")
    pw = d.add("operator", "op")
    with Running(d, "127.0.0.1"):
        only(d, "127.0.0.1")
        # the legitimate use on loopback still works, MQTT and WebSockets
        assert use(d.port, pw) == 0
        assert use(d.ws_port, pw, transport="websockets") == 0


def test_loopback_ipv6_bind():
    d = BrokerDir(bind="::1")
    assert "socket_domain ipv6" in open(os.path.join(d.dir, "mosquitto.conf")).read()
    pw = d.add("operator", "op")
    with Running(d, "::1"):
        only(d, "::1")
        assert use(d.port, pw, host="::1") == 0
        assert use(d.ws_port, pw, host="::1", transport="websockets") == 0


def test_tls_listeners_serve_the_network():
    d = BrokerDir(bind="127.0.0.1")
    d.kb("ca")
    d.kb("server-cert", V4)
    pw = d.add("operator", "op")
    with Running(d, "127.0.0.1", ports=(d.port, d.ws_port, d.tls_port, d.wss_port)):
        only(d, "127.0.0.1")
        got = reachable((d.tls_port, d.wss_port))
        assert all(got.values()), got
        rc = use(d.tls_port, pw, host=V4, tls_ca=d.ca_file())
        assert rc == 0, rc


def test_without_bind_every_address_listens():
    """The probe sees a listener where there is one (the checks above can fail)."""
    d = BrokerDir(bind=None)
    with Running(d, "127.0.0.1"):
        got = reachable((d.port, d.ws_port))
        assert all(got.values()), got


def test_without_socket_domain_websockets_listen_everywhere():
    """The hole itself, on this mosquitto: the same configuration without the
    socket_domain lines puts WebSockets on the network despite the bind."""
    d = BrokerDir(bind="127.0.0.1")
    conf = os.path.join(d.dir, "mosquitto.conf")
    text = open(conf).read()
    assert text.count("\nsocket_domain ipv4\n") == 2, text
    hole = os.path.join(d.dir, "conf.d", "..", "hole.conf")
    with open(hole, "w") as f:
        f.write(re.sub(r"\nsocket_domain ipv4\n", "\n", text))
    with Running(d, "127.0.0.1", conf=hole):   # (it waits until the listeners take connections)
        assert can_connect(d.ws_port, V4), "2.0.11's WebSockets bind bug is gone: update docs"
        assert not can_connect(d.port, V4)


if __name__ == "__main__":
    testmain.main(globals())
