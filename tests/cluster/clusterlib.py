# SPDX-License-Identifier: MIT
"""Helpers of the cluster suite, on top of tests/lib/harness.py. Python
standard library only."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402


class V5Subscriber:
    """A background `mosquitto_sub -V 5` printing each message as
    "<topic>|<user properties>|<correlation data>|<payload>", collected in
    order. Returns once the subscription is in place (a probe came back)."""

    def __init__(self, host, port, topics, user="test", password="test-password"):
        self.probe = "keymime-test/probe/%d-%d" % (os.getpid(), id(self))
        self.auth = ["-h", host, "-p", str(port), "-u", user, "-P", password]
        args = ["mosquitto_sub", "-V", "5", "-q", "1", "-F", "%t|%P|%D|%p"] + self.auth
        for t in list(topics) + [self.probe]:
            args += ["-t", t]
        self.path = tempfile.mktemp(prefix="keymime-sub5-")
        self.out = open(self.path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.DEVNULL)

        def arrived():
            subprocess.run(["mosquitto_pub"] + self.auth + ["-t", self.probe, "-m", "p"],
                           capture_output=True, timeout=10)
            return any(m[0] == self.probe for m in self._all())
        wait_for(arrived, 20, "the v5 subscription", interval=0.2)

    def _all(self):
        with open(self.path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return [tuple(l.split("|", 3)) for l in lines if l.count("|") >= 3]

    def messages(self):
        """[(topic, user properties, correlation data, payload)] but probes."""
        return [m for m in self._all() if m[0] != self.probe]

    def wait(self, n, timeout=20):
        return wait_for(lambda: len(self.messages()) >= n and self.messages(), timeout,
                        "%d messages" % n)

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.out.close()
        os.unlink(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def v5_subscriber(broker, topics):
    """A V5Subscriber on a harness.Broker (user "test")."""
    return V5Subscriber("127.0.0.1", broker.port, topics, "test", broker.users["test"])


def node():
    import shutil
    return shutil.which("node") or "/usr/bin/node"


class Aedes:
    """An Aedes broker (npm, MQTT 3.1.1 only) on a free loopback port, with
    the one account "test" (tests/cluster/aedes-broker.mjs). Quacks like a
    harness.Broker for Agent: uri, users, port, pub()."""

    def __init__(self):
        self.port = harness.free_port()
        self.users = {"test": "test-password"}
        self.proc = None

    def start(self):
        script = os.path.join(HERE, "aedes-broker.mjs")
        if not os.path.isdir(os.path.join(HERE, "node_modules", "aedes")):
            raise AssertionError("tests/cluster: run `npm ci` there first (Aedes)")
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([node(), script, str(self.port), "test", self.users["test"]],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=HERE)
        wait_for(self._accepting, 20, "Aedes to listen")
        return self

    def _accepting(self):
        import socket
        if self.proc.poll() is not None:
            self.log.seek(0)
            raise AssertionError("aedes exited: %s" % self.log.read().decode(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def uri(self):
        return "tcp://127.0.0.1:%d" % self.port

    def auth_args(self, user="test"):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-u", user, "-P", self.users[user],
                "-V", "311"]

    def pub(self, topic, payload, *extra, qos=1):
        r = subprocess.run(["mosquitto_pub"] + self.auth_args() + ["-q", str(qos), "-t", topic,
                           "-m", payload] + list(extra), capture_output=True, timeout=20)
        if r.returncode:
            raise AssertionError("mosquitto_pub: %r" % r.stderr)


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
