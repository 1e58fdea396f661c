# SPDX-License-Identifier: MIT
"""The WebSockets listener of the shipped configuration serves the dashboard
and asks for the same credentials, with the same ACL, as plain MQTT. The
client is a minimal MQTT-over-WebSocket in the standard library
(brokerlib.WSMqtt): HTTP upgrade with Sec-WebSocket-Protocol: mqtt, masked
binary frames, CONNACK return code."""
import time

from brokerlib import BrokerDir, Sub, WSMqtt, http_get, pub, run

D = BrokerDir()
D.add_device("pi1")
OP = D.add("operator", "op")
VIEW = D.add("viewer", "view")
B = D.start()
W = D.ws_port


def connack(user=None, password=None):
    c = WSMqtt(W)
    try:
        return c.connect(user, password)
    except ConnectionError:
        return "closed"
    finally:
        c.sock.close()


def test_serves_the_dashboard():
    status, body = http_get(W, "/")
    assert " 200 " in status and b"keymime test page" in body, status
    status, _ = http_get(W, "/../../etc/passwd")
    assert " 200 " not in status, status


def test_anonymous_refused():
    assert connack() in (5, "closed")


def test_wrong_password_refused():
    assert connack("op", "wrong") in (4, 5)
    assert connack("nobody", OP) in (4, 5)
    assert connack("op", None) in (4, 5, "closed")


def test_operator_commands_over_websockets():
    with Sub(D.port, "keymime/pi1/type", "pi1", D.accounts["pi1"]) as s:
        c = WSMqtt(W)
        assert c.connect("op", OP) == 0
        c.publish("keymime/pi1/type", "from the dashboard")
        assert s.wait(1) == [("keymime/pi1/type", "from the dashboard")]
        c.close()


def test_viewer_over_websockets_reads_but_cannot_command():
    c = WSMqtt(W)
    assert c.connect("view", VIEW, client_id="viewer-ws") == 0
    assert c.subscribe("keymime/#") in (0, 1)
    pub(D.port, "keymime/pi1/status", '{"busy":false}', "pi1", D.accounts["pi1"])
    got = c.recv_publish(5)
    assert got == ("keymime/pi1/status", '{"busy":false}'), got
    pub(D.port, "keymime/pi1/type", "private", "op", OP)
    assert c.recv_publish(1) is None, "viewer saw a command"
    with Sub(D.port, "keymime/pi1/type", "pi1", D.accounts["pi1"]) as s:
        c.publish("keymime/pi1/type", "viewer typing")
        time.sleep(1)
        assert s.messages() == [], s.messages()
    c.close()


if __name__ == "__main__":
    try:
        run([v for k, v in list(globals().items()) if k.startswith("test_")])
    finally:
        B.stop()
        D.cleanup()
