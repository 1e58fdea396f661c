# SPDX-License-Identifier: MIT
"""The WebSockets listener of the shipped configuration serves the dashboard
and asks for the same credentials, with the same ACL, as plain MQTT. The
client is the tests' MQTT client over WebSockets (tests/lib/mqttclient.py on
python3-paho-mqtt: HTTP upgrade with Sec-WebSocket-Protocol: mqtt, masked
binary frames); connects as MQTT 3.1.1 to read the CONNACK return code."""
from brokerlib import BrokerDir, http_get, mqttclient, testmain

D = BrokerDir()
D.add_device("pi1")
OP = D.add("operator", "op")
VIEW = D.add("viewer", "view")
B = D.start()


def connack(user=None, password=None):
    """0 accepted, 4 bad user name or password, 5 not authorised, or "closed"."""
    return mqttclient.connack(D.ws_port, user, password, transport="websockets", version=4)


def test_serves_the_dashboard():
    status, body = http_get(D.ws_port, "/")
    assert " 200 " in status and b"keymime test page" in body, status
    status, _ = http_get(D.ws_port, "/../../etc/passwd")
    assert " 200 " not in status, status


def test_anonymous_refused():
    assert connack() in (5, "closed")


def test_wrong_password_refused():
    assert connack("op", "wrong") in (4, 5)
    assert connack("nobody", OP) in (4, 5)
    assert connack("op", None) in (4, 5, "closed")


def test_operator_commands_over_websockets():
    with D.sub("keymime/pi1/type", "pi1") as s:
        with D.client("op", ws=True) as c:
            c.publish("keymime/pi1/type", "from the dashboard")
        assert s.wait(1) == [("keymime/pi1/type", "from the dashboard")]


def test_viewer_over_websockets_reads_but_cannot_command():
    with D.client("view", ws=True, client_id="viewer-ws", version=4) as c:
        assert c.subscribe("keymime/#") in ([0], [1])
        D.pub("keymime/pi1/status", '{"busy":false}', "pi1")
        assert c.wait(1) == [("keymime/pi1/status", '{"busy":false}')], c.messages()
        D.pub("keymime/pi1/type", "private", "op")
        c.fence()
        assert c.messages() == [("keymime/pi1/status", '{"busy":false}')], "viewer saw a command"
        with D.sub("keymime/pi1/type", "pi1") as s:
            c.publish("keymime/pi1/type", "viewer typing")
            s.fence()
            assert s.messages() == [], s.messages()


if __name__ == "__main__":
    testmain.main(globals(), cleanup=D.cleanup)
