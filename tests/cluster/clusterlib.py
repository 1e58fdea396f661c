# SPDX-License-Identifier: MIT
"""Helpers of the cluster suite, on top of tests/lib/harness.py (the MQTT
client is tests/lib/mqttclient.py)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
import mqttclient  # noqa: E402
from harness import wait_for  # noqa: E402,F401


class V5Subscriber(harness.Subscriber):
    """An MQTT v5 subscription whose messages() are (topic, user properties
    as "key:value" joined by spaces, correlation data, payload), as
    `mosquitto_sub -F '%t|%P|%D|%p'` prints them. Subscribed (SUBACK) when
    this returns."""

    def messages(self):
        return [(m.topic, " ".join("%s:%s" % kv for kv in m.user_properties),
                 (m.correlation_data or b"").decode("utf-8", "replace"), m.text)
                for m in self.received()]

    def wait(self, n, timeout=20):
        self.client.wait_until(lambda: len(self.messages()) >= n, timeout, "%d messages" % n)
        return self.messages()


def v5_subscriber(broker, topics, user=harness.OPERATOR):
    """A V5Subscriber on a harness.Broker."""
    return V5Subscriber(broker, topics, user)


def node():
    import shutil
    return shutil.which("node") or "/usr/bin/node"


class Aedes(harness.Broker):
    """An Aedes broker (npm, MQTT 3.1.1 only) on a free loopback port, with
    the one account "test" (tests/cluster/aedes-broker.mjs) and no ACL: every
    agent logs in as "test". A harness.Broker for Agent, Subscriber,
    Results, pub() and retained() (its clients speak MQTT 3.1.1)."""
    mqtt_version = mqttclient.V311
    operator = "test"

    def __init__(self):
        super().__init__(config="# Aedes: no mosquitto configuration\n",
                         users={"test": "test-password"})
        self.admin = "test"          # the one account publishes its own fence probes

    def add_device(self, name, groups=(), password=None):
        return "test"

    def start(self):
        script = os.path.join(HERE, "aedes-broker.mjs")
        if not os.path.isdir(os.path.join(HERE, "node_modules", "aedes")):
            raise AssertionError("tests/cluster: run `npm ci` there first (Aedes)")
        self.log = tempfile.NamedTemporaryFile("w", prefix="keymime-aedes-")
        self.proc = subprocess.Popen([node(), script, str(self.port), "test", self.users["test"]],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=HERE)
        wait_for(self._accepting, 20, "Aedes to listen")
        return self

    def _accepting(self):
        if self.proc.poll() is not None:
            raise AssertionError("aedes exited: %s" % open(self.log.name).read())
        return harness.can_connect(self.port)


class Silent:
    """A TCP port that accepts connections and never says a word (a broker
    behind a firewall looks like this to the agent: no answer in time)."""

    def __init__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def log_lines(agent, needle):
    return [l for l in agent.logtext().splitlines() if needle in l]
