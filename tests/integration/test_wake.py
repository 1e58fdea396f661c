# SPDX-License-Identifier: MIT
"""Remote wakeup (issue #18) with a stand-in for the USB device controller's
sysfs directory (udc = <dir>: state, srp, device/gadget.0/suspended,
device/driver), played by a thread as the kernel and a host would: writing
"1" to srp resumes the bus when the host armed remote wakeup, and does nothing
when it did not. Against a real mosquitto and a real agent: the status says
"suspended" and what wake can do, a text to a suspended host wakes it first
and is typed exactly, {"wake":true} wakes it alone, a host that did not arm
wakeup gives wake_failed and nothing typed, and a UDC that cannot wake gives
wake_unsupported. The real kernel does the same in tests/qemu/features.sh."""
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itlib import Results, wait_for  # noqa: E402
from harness import Agent, Broker  # noqa: E402
from test_protocol import ProtocolCase, letters  # noqa: E402


class FakeUdc:
    """The sysfs of a UDC named udc-sim, and a host that suspends and resumes."""

    def __init__(self, driver="dummy_udc", srp=True):
        self.root = tempfile.mkdtemp(prefix="keymime-udc-")
        self.dir = os.path.join(self.root, "udc-sim")
        gadget = os.path.join(self.dir, "device", "gadget.0")
        os.makedirs(gadget)
        os.makedirs(os.path.join(self.root, "drivers", driver))
        os.symlink(os.path.join(self.root, "drivers", driver), os.path.join(self.dir, "device", "driver"))
        self.suspended_path = os.path.join(gadget, "suspended")
        self.write(os.path.join(self.dir, "state"), "configured\n")
        self.write(self.suspended_path, "0\n")
        self.srp = os.path.join(self.dir, "srp")
        if srp:
            self.write(self.srp, "")
        self.armed = True
        self.signals = 0
        self.stop = False
        self.thread = threading.Thread(target=self._host, daemon=True)
        self.thread.start()

    @staticmethod
    def write(path, text):
        with open(path, "w") as f:
            f.write(text)

    def suspend(self, armed=True):
        self.armed = armed
        self.write(self.suspended_path, "1\n")

    def suspended(self):
        with open(self.suspended_path) as f:
            return f.read().strip() == "1"

    def _host(self):
        """srp written: the controller signals; an armed host resumes 50 ms later."""
        while not self.stop:
            if os.path.exists(self.srp) and os.path.getsize(self.srp):
                self.write(self.srp, "")
                self.signals += 1
                if self.armed and self.suspended():
                    time.sleep(0.05)
                    self.write(self.suspended_path, "0\n")
            time.sleep(0.01)

    def close(self):
        self.stop = True
        self.thread.join()
        shutil.rmtree(self.root, ignore_errors=True)


class Wake(ProtocolCase):
    @classmethod
    def setUpClass(cls):
        cls.udc = FakeUdc()
        cls.conf = {"udc": cls.udc.dir, "wake_timeout_ms": "700"}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.udc.close()

    def status(self, want=None):
        return wait_for(lambda: (lambda s: s if s and (want is None or want(s)) else None)(
            self.agent.status()), 10, "the status")

    def sleep_host(self, armed=True):
        self.udc.suspend(armed)
        self.status(lambda s: s["host"] == "suspended")

    def test_status_says_what_wake_can_do(self):
        w = self.status()["wake"]
        self.assertEqual(w, {"udc": "udc-sim", "driver": "dummy_udc", "supported": True,
                             "advertised": None})

    def test_text_wakes_the_host_first(self):
        self.sleep_host()
        n = self.udc.signals
        self.ok({"id": "t", "text": "hi"}, letters("hi"), wake="woken")
        self.assertEqual(self.udc.signals, n + 1, "one wakeup signal")
        self.assertFalse(self.udc.suspended())
        self.status(lambda s: s["host"] != "suspended")

    def test_wake_alone(self):
        self.sleep_host()
        self.ok({"id": "w", "wake": True}, [], wake="woken", keys=0)
        self.assertFalse(self.udc.suspended())
        n = self.udc.signals
        self.ok({"id": "w2", "wake": True}, [], wake="awake")
        self.assertEqual(self.udc.signals, n, "awake already: no signal")

    def test_not_armed(self):
        self.sleep_host(armed=False)
        for cmd in ({"id": "x", "text": "lost"}, {"id": "y", "wake": True}):
            t0 = time.monotonic()
            r = self.send(cmd)
            self.assertEqual((r["ok"], r["error"]), (False, "wake_failed"), r)
            self.assertIn("did not wake up within 700 ms", r["detail"])
            self.assertGreaterEqual(time.monotonic() - t0, 0.6)
            self.assertEqual(self.agent.reports(), [], "nothing typed")
        self.assertTrue(self.udc.suspended())
        self.udc.write(self.udc.suspended_path, "0\n")   # the host resumes by itself
        self.status(lambda s: s["host"] != "suspended")
        self.ok({"text": "ok"}, letters("ok"))

    def test_refused(self):
        self.rejected({"wake": False}, "bad_value", "'wake' must be true")
        self.rejected({"wake": True, "text": "a"}, "bad_command")


class CannotWake(unittest.TestCase):
    """Controllers that cannot wake the host: the status says why, and typing
    to a suspended host fails at once with wake_unsupported."""

    def run_case(self, udc_kw, conf, why):
        udc = FakeUdc(**udc_kw)
        try:
            with Broker() as b:
                with Agent(b, "pi1", conf=dict({"udc": udc.dir}, **conf)) as a:
                    a.wait_online()
                    st = wait_for(a.status, 10, "status")
                    self.assertIs(st["wake"]["supported"], False, st["wake"])
                    self.assertIn(why, st["wake"]["why"])
                    udc.suspend()
                    wait_for(lambda: (a.status() or {}).get("host") == "suspended", 10, "suspended")
                    with Results(b) as res:
                        b.pub("keymime/pi1/type", "x")
                        r = res.wait_n(1)[0]
                    self.assertEqual((r["ok"], r["error"]), (False, "wake_unsupported"), r)
                    self.assertIn(why, r["detail"])
                    self.assertEqual(udc.signals, 0)
                    self.assertEqual(a.reports()[-1:], [bytes(8)], "nothing but the start-up release")
        finally:
            udc.close()

    def test_dwc2_on_a_stock_kernel(self):
        self.run_case({"driver": "dwc2"}, {}, "raspberrypi/linux#3977")

    def test_wake_off(self):
        self.run_case({}, {"wake": "off"}, "wake = off")

    def test_no_srp(self):
        self.run_case({"srp": False}, {}, "cannot write the UDC's srp")

    def test_dwc2_with_wake_on_tries(self):
        udc = FakeUdc(driver="dwc2")
        try:
            with Broker() as b:
                with Agent(b, "pi1", conf={"udc": udc.dir, "wake": "on"}) as a:
                    a.wait_online()
                    self.assertIs(wait_for(a.status, 10, "status")["wake"]["supported"], True)
        finally:
            udc.close()

    def test_no_udc_for_a_file(self):
        with Broker() as b:
            with Agent(b, "pi1") as a:
                a.wait_online()
                w = wait_for(a.status, 10, "status")["wake"]
                self.assertEqual((w["udc"], w["supported"]), (None, False), w)
                self.assertIn("no USB device controller", w["why"])


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
