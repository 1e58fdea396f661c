# SPDX-License-Identifier: MIT
"""Helpers shared by the integration tests of the pipeline and the protocol
(test_pipeline.py, test_protocol.py, test_protocol_doc.py), on top of
tests/lib/harness.py (which has Results and the fences)."""
import os
import socket
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import RELEASE, Results, Subscriber, kbd, wait_for  # noqa: E402,F401

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
