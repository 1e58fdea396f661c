#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""systemd notification (sd_notify) of a real agent, read from a datagram
socket given as NOTIFY_SOCKET: READY=1 comes only after the first MQTT
connection, STATUS= says what the agent waits for, and while the broker is
away the start timeout is extended (a broker down at boot never fails the
unit; provisioning/systemd/keymime-agent.service)."""
import os
import shutil
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Agent, Broker, free_port, wait_for  # noqa: E402


class Notify:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="keymime-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.got = []

    def until(self, pred, timeout):
        """Collect messages until pred(all so far) is true; return them."""
        end = time.monotonic() + timeout
        while not pred(self.got):
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out; got %r" % self.got)
            self.s.settimeout(left)
            try:
                self.got.append(self.s.recv(4096).decode())
            except socket.timeout:
                pass
        return self.got

    def drain(self):
        """Collect what is already queued on the socket, without waiting."""
        self.s.setblocking(False)
        try:
            while True:
                self.got.append(self.s.recv(4096).decode())
        except BlockingIOError:
            pass
        finally:
            self.s.setblocking(True)
        return self.got

    def close(self):
        self.s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def lines(msgs):
    return [line for m in msgs for line in m.split("\n")]


class ReadyAfterConnect(unittest.TestCase):
    def test_ready_once_connected(self):
        n = Notify()
        self.addCleanup(n.close)
        with Broker() as b:
            a = Agent(b, "nt1").start(env={"NOTIFY_SOCKET": n.path})
            try:
                got = lines(n.until(lambda g: "READY=1" in lines(g), 20))
                a.wait_online()
                i = got.index("READY=1")
                self.assertEqual(got[i + 1], "STATUS=connected to %s, MQTT 5; typing on %s" % (b.uri, a.keyboard))
                self.assertNotIn("READY=1", got[:i])
                self.assertEqual(got[0], "STATUS=connecting to the broker")
            finally:
                a.__exit__(None, None, None)

    def test_broker_down_extends_and_never_ready(self):
        n = Notify()
        self.addCleanup(n.close)
        with Broker() as b:
            port = free_port()
            uri = "tcp://127.0.0.1:%d" % port
            a = Agent(b, "nt2", conf={"broker": uri}).start(env={"NOTIFY_SOCKET": n.path})
            try:
                got = lines(n.until(lambda g: any(x.startswith("STATUS=waiting") for x in lines(g)), 20))
                self.assertIn("EXTEND_TIMEOUT_USEC=60000000", got)
                waiting = [x for x in got if x.startswith("STATUS=waiting")][0]
                self.assertTrue(waiting.startswith("STATUS=waiting for the broker %s: " % uri), waiting)
                # A second attempt fails too (the fence: its line in the log,
                # written after the notifications of the first): still not ready.
                wait_for(lambda: a.logtext().count("cannot connect to") >= 2, 10,
                         "a second failed attempt")
                n.drain()
                self.assertNotIn("READY=1", lines(n.got))
            finally:
                a.__exit__(None, None, None)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
