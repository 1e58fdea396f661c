# SPDX-License-Identifier: MIT
"""Helpers shared by the integration tests of the pipeline and the protocol
(test_pipeline.py, test_protocol.py, test_protocol_doc.py), on top of
tests/lib/harness.py. Python standard library only."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import RELEASE, Subscriber, kbd, wait_for  # noqa: E402,F401

SHIFT, CTRL, ALT, META, ALTGR = 0x02, 0x01, 0x04, 0x08, 0x40


def usage_of_letter(ch):
    return 0x04 + ord(ch.lower()) - ord("a")


def tap(mods, usage):
    """The two reports of one keystroke of text: press, release."""
    return [kbd(mods, usage), RELEASE]


def hexes(reports):
    return [r.hex() for r in reports]


def started(agent, timeout=10, media=True):
    """Start-up: wait until the agent is online and has written its first
    all-zero reports (the host's state is unknown), then empty both files.
    media: the agent has a consumer-control device (hid_consumer)."""
    agent.wait_online(timeout)
    cons = [b"\0\0"] if media else []
    wait_for(lambda: agent.reports() == [RELEASE] and agent.consumer_reports() == cons,
             timeout, "the start-up release reports")
    agent.clear()
    return agent


class Results(Subscriber):
    """Every result of one device (or any topic or topics). Returns only once
    the subscription is in place (a probe message came back through it)."""

    def __init__(self, broker, device_id="pi1", topic=None, extra=()):
        topics = topic or "keymime/%s/result" % device_id
        topics = list(topics) if isinstance(topics, (list, tuple)) else [topics]
        self.probe = "keymime-test/probe/%d-%d" % (os.getpid(), id(self))
        self.base = 0   # results before this index are not counted (skip_until)
        super().__init__(broker, topics + [self.probe], extra=extra)

        def arrived():
            broker.pub(self.probe, "probe", qos=0)
            return any(t == self.probe for t, _ in Subscriber.messages(self))
        wait_for(arrived, 10, "the subscription", interval=0.1)

    def messages(self):
        return [m for m in super().messages() if m[0] != self.probe][self.base:]

    def skip_until(self, cid, timeout=10):
        """Wait for the result with id cid, then forget it and every result
        before it (e.g. a late one of an earlier test)."""
        self.wait_id(cid, timeout)
        self.base += [r.get("id") for r in self.all()].index(cid) + 1

    def all(self):
        return [json.loads(p) for t, p in self.messages()]

    def wait_n(self, n, timeout=10):
        wait_for(lambda: len(self.messages()) >= n, timeout, "%d results" % n)
        return self.all()

    def wait_id(self, cid, timeout=10):
        """The one result with id cid (waits for it)."""
        wait_for(lambda: any(r.get("id") == cid for r in self.all()), timeout,
                 "the result of %r" % (cid,))
        return [r for r in self.all() if r.get("id") == cid][0]

    def count_id(self, cid):
        return len([1 for r in self.all() if r.get("id") == cid])


def sub_v5(broker, topic, fmt, count=1, timeout=10):
    """mosquitto_sub -V 5 in the background with output format fmt; returns
    the Popen (call .communicate() to get what it printed)."""
    args = (["mosquitto_sub", "-V", "5"] + broker.auth_args() +
            ["-t", topic, "-C", str(count), "-W", str(int(timeout)), "-F", fmt])
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    return p


class TcpProxy:
    """A TCP relay 127.0.0.1:<port> → target, whose connections can be cut
    (to take an agent off the broker while both keep running)."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.accepting = True
        self.conns = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def uri(self):
        return "tcp://127.0.0.1:%d" % self.port

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            if not self.accepting:
                c.close()
                continue
            try:
                u = socket.create_connection(self.target, 2)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, u]
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self, refuse=True):
        """Drop every relayed connection; with refuse, turn new ones away."""
        self.accepting = not refuse
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.conns = []

    def restore(self):
        self.accepting = True

    def close(self):
        self.closed = True
        self.cut()
        self.listener.close()
