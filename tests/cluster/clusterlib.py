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
