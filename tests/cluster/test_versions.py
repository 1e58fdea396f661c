# SPDX-License-Identifier: MIT
"""mqtt_version = auto (the default): MQTT 5 first, and MQTT 3.1.1 with a
broker that refuses 5 — Aedes (npm) answers an MQTT 5 CONNECT with CONNACK
code 1; the agent says once which version it speaks and why, works, and
keeps 3.1.1 with that broker across reconnects. And every connection failure
is named by its likely cause in plain words: refused, TLS, not authorized,
version, closed, no answer in time. Real mosquitto, real Aedes, real agents.
(RabbitMQ, which closes the connection instead: test_rabbitmq.py.)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clusterlib import Aedes, Silent, log_lines  # noqa: E402
from harness import Agent, Broker, Subscriber, wait_for  # noqa: E402


def wait_log(agent, needle, timeout=20):
    return wait_for(lambda: log_lines(agent, needle), timeout, repr(needle))


class AutoVersion(unittest.TestCase):
    def test_aedes_gets_3_1_1_once_and_for_good(self):
        with Aedes() as b, Agent(b, "pi1") as a:
            wait_log(a, "connected to %s, MQTT 3.1.1; subscribed" % b.uri)
            self.assertEqual(log_lines(a, "speaks MQTT"),
                             ["<6>keymime-agent: %s speaks MQTT 3.1.1: it answered an MQTT 5 "
                              "CONNECT with 'unsupported protocol version'" % b.uri])
            self.assertEqual(log_lines(a, "cannot connect"), [], "the probe is not a failure")
            # It works: a command is typed and answered.
            with Subscriber(b, "keymime/pi1/result") as res:
                b.pub("keymime/pi1/cmd", '{"id":"v1","text":"ab"}')
                r = json.loads(res.wait(1, 20)[0][1])
            self.assertEqual((r["id"], r["device"], r["ok"], r["chars"]), ("v1", "pi1", True, 2))
            self.assertEqual(len(a.wait_reports(5)), 5)
            # Aedes restarted: straight back with 3.1.1, no second probe.
            b.stop()
            wait_log(a, "lost")
            b.start()
            wait_for(lambda: len(log_lines(a, "; subscribed")) == 2, 30, "the reconnection")
            self.assertEqual(len(log_lines(a, "speaks MQTT")), 1)
            self.assertEqual(len(log_lines(a, "trying MQTT 3.1.1")), 1)

    def test_aedes_with_mqtt_5_forced_says_what_to_set(self):
        with Aedes() as b, Agent(b, "pi1", conf={"mqtt_version": "5", "reconnect_max_s": 1}) as a:
            line = wait_log(a, "cannot connect")[0]
            self.assertIn("the broker does not speak MQTT 5: set mqtt_version = auto (or 4) "
                          "(Paho: CONNACK return code, code 1)", line)
            self.assertEqual(log_lines(a, "trying MQTT 3.1.1"), [])

    def test_mosquitto_speaks_5(self):
        with Broker() as b, Agent(b, "pi1") as a:
            a.wait_online()
            wait_log(a, "connected to %s, MQTT 5; subscribed" % b.uri)
            self.assertEqual(log_lines(a, "speaks MQTT"),
                             ["<6>keymime-agent: %s speaks MQTT 5" % b.uri])


class PlainWords(unittest.TestCase):
    """Each failure, from the real thing, names its likely cause."""

    def failure(self, broker, conf=None, timeout=20, **kw):
        conf = dict({"reconnect_max_s": 1}, **(conf or {}))
        with Agent(broker, "pi1", conf=conf, **kw) as a:
            return wait_log(a, "cannot connect", timeout)[0]

    def test_refused(self):
        b = Broker()   # never started: nothing listens on its port
        line = self.failure(b)
        self.assertIn("cannot connect to %s: nothing accepted the connection at 127.0.0.1:%d: "
                      "the broker is not running there, or the port is wrong" % (b.uri, b.port), line)

    def test_not_authorized(self):
        with Broker() as b:
            line = self.failure(b, password="wrong")
        self.assertIn("the broker refused the login: check username and password_file", line)

    def test_not_authorized_3_1_1(self):
        with Broker() as b:
            line = self.failure(b, conf={"mqtt_version": "4"}, password="wrong")
        self.assertIn("the broker refused the login", line)
        self.assertIn("(Paho: CONNACK return code, code 5)", line)

    def test_no_answer_in_time(self):
        s = Silent()
        try:
            b = Broker()
            b.port = s.port
            line = self.failure(b, timeout=40)
        finally:
            s.close()
        self.assertIn("no answer from 127.0.0.1:%d in time: a firewall drops the connection, "
                      "the host is down, or the port is not an MQTT port" % s.port, line)

    def test_tls_port_with_tcp(self):
        with TlsBroker() as b:
            b.port = b.tls_port
            line = self.failure(b)
        self.assertIn("the broker closed the connection without an answer, to MQTT 5 and to "
                      "3.1.1: is it a TLS port reached with tcp:// (use ssl://)", line)

    def test_tls_wrong_ca(self):
        with TlsBroker() as b:
            line = self.failure(b, conf={"broker": "ssl://localhost:%d" % b.tls_port,
                                         "cafile": b.other_ca})
        self.assertIn("the TLS handshake with localhost:%d failed (" % b.tls_port, line)
        self.assertIn("certificate verify failed", line)
        self.assertIn("check cafile/capath", line)

    def test_tls_wrong_host_name(self):
        with TlsBroker() as b:
            line = self.failure(b, conf={"broker": "ssl://127.0.0.1:%d" % b.tls_port,
                                         "cafile": b.ca})
        # Paho's TLS layer leaves no OpenSSL error for a name that does not
        # match: the words name both likely causes, the host name among them.
        self.assertIn("no TLS connection to 127.0.0.1:%d: nothing accepted it (the broker is "
                      "not running there, or the port is wrong), or the TLS handshake failed "
                      "(check cafile/capath, the broker's certificate, and that the host name "
                      "in broker is a name in it)" % b.tls_port, line)

    def test_tls_right_ca_connects(self):
        with TlsBroker() as b:
            with Agent(b, "pi1", conf={"broker": "ssl://localhost:%d" % b.tls_port,
                                       "cafile": b.ca}) as a:
                wait_log(a, "connected to ssl://localhost:%d, MQTT 5" % b.tls_port)


class TlsBroker(Broker):
    """mosquitto with a TLS listener (a CA of its own, a certificate for
    localhost) beside the plain one; other_ca: a CA that signed nothing."""

    def __init__(self):
        self.tls_port = __import__("harness").free_port()
        tmp = tempfile.mkdtemp(prefix="keymime-tls-")
        self.tls_dir = tmp

        def ssl(*args):
            subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=tmp)
        ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=keymime test CA")
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
            "-subj", "/CN=localhost")
        with open(os.path.join(tmp, "ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost\n")
        ssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "srv.crt", "-days", "2", "-extfile", "ext")
        ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out",
            "other.crt", "-days", "2", "-subj", "/CN=another CA")
        for f in os.listdir(tmp):
            os.chmod(os.path.join(tmp, f), 0o644)
        os.chmod(tmp, 0o755)
        self.ca = os.path.join(tmp, "ca.crt")
        self.other_ca = os.path.join(tmp, "other.crt")
        super().__init__(extra="listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n" % (
            self.tls_port, self.ca, os.path.join(tmp, "srv.crt"), os.path.join(tmp, "srv.key")))

    def __exit__(self, *exc):
        super().__exit__(*exc)
        shutil.rmtree(self.tls_dir, ignore_errors=True)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
