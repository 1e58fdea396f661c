# SPDX-License-Identifier: MIT
"""Helpers for the fault, hostile-input and flood tests (issue #10): a
simulated host reading a FIFO that can stop reading, drop the pipe and come
back; result collection by id; process memory. Python standard library only;
builds on tests/lib/harness.py.
"""
import fcntl
import json
import os
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402,F401
from harness import RELEASE, Agent, Broker, Subscriber, kbd, wait_for  # noqa: E402,F401

REPORT = 8

# tests/lib/harness.py leaves log files to the garbage collector: quiet.
warnings.filterwarnings("ignore", category=ResourceWarning)


def tempdir(tag):
    return tempfile.mkdtemp(prefix="keymime-%s-" % tag)


def asan_build():
    """Is the agent binary built with AddressSanitizer?"""
    try:
        with open(harness.agent_binary(), "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def wrapped():
    """True when the agent runs under a wrapper (valgrind…) or is a sanitizer
    build: timings that the plain binary meets are then not meaningful."""
    return bool(os.environ.get("KEYMIME_AGENT_WRAPPER") or os.environ.get("KEYMIME_SANITIZED")
                or asan_build())


def rss_kib(pid):
    """VmRSS of a process in KiB (None once it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def alive(agent):
    return agent.proc is not None and agent.proc.poll() is None


def assert_alive(agent, what=""):
    if not alive(agent):
        raise AssertionError("agent died %s(exit %s): %s"
                             % (what and what + " ", agent.proc.returncode, agent.logtext()[-3000:]))


class Results:
    """Collects <prefix>/<id>/result (and status/availability) messages."""

    def __init__(self, broker, device="pi1"):
        self.device = device
        self.sub = Subscriber(broker, ["keymime/%s/result" % device,
                                       "keymime/%s/status" % device,
                                       "keymime/%s/availability" % device])

    def close(self):
        self.sub.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def results(self):
        out = []
        for t, p in self.sub.messages():
            if t.endswith("/result"):
                try:
                    out.append(json.loads(p))
                except ValueError:
                    raise AssertionError("a result that is not JSON: %r" % p)
        return out

    def statuses(self):
        return [json.loads(p) for t, p in self.sub.messages() if t.endswith("/status")]

    def availability(self):
        return [p for t, p in self.sub.messages() if t.endswith("/availability")]

    def by_id(self, rid):
        return [r for r in self.results() if r.get("id") == rid]

    def wait_id(self, rid, timeout=10):
        """The one result with this id (waits for it; fails on a second one
        arriving within a short grace period)."""
        wait_for(lambda: self.by_id(rid), timeout, "result %r" % rid)
        return self.by_id(rid)[0]

    def wait_status(self, pred, timeout=10, what="status"):
        return wait_for(lambda: next((s for s in reversed(self.statuses()) if pred(s)), None),
                        timeout, what)

    def last_status(self):
        st = self.statuses()
        return st[-1] if st else None


class FifoHost:
    """A simulated host on a FIFO: a thread reads 8-byte reports with their
    arrival times (time.monotonic()). It can stop reading while keeping the
    FIFO open (a host that stops polling), close its end (unplugged) and
    open it again.

    pipe_size: shrink the pipe (F_SETPIPE_SZ) so that "stopped reading"
    fills it quickly; the kernel rounds it up to a page.
    """

    def __init__(self, path, pipe_size=None, open_now=True):
        self.path = path
        if not os.path.exists(path):
            os.mkfifo(path, 0o600)
        self.pipe_size = pipe_size
        self.lock = threading.Lock()
        self.data = bytearray()
        self.times = []          # arrival time of each complete report
        self.reading = threading.Event()
        self.reading.set()
        self.fd = None
        self.quit = False
        self.want_close = threading.Event()
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        if open_now:
            self.open()
        self.thread.start()

    def open(self):
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        if self.pipe_size:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, self.pipe_size)
        with self.lock:
            self.fd = fd

    def close_fd(self):
        """Close the read end (the host goes away). The reading thread closes
        it itself: a close() while it sits in select() would only take effect
        when select() returns."""
        if self.thread.is_alive():
            self.closed.clear()
            self.want_close.set()
            self.closed.wait(2)
        with self.lock:
            fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    def stop_reading(self):
        self.reading.clear()
        time.sleep(0.05)   # let a read in progress finish

    def resume_reading(self):
        self.reading.set()

    def _run(self):
        while not self.quit:
            if self.want_close.is_set():
                with self.lock:
                    fd, self.fd = self.fd, None
                if fd is not None:
                    os.close(fd)
                self.want_close.clear()
                self.closed.set()
                continue
            if not self.reading.is_set():
                time.sleep(0.005)
                continue
            with self.lock:
                fd = self.fd
            if fd is None:
                time.sleep(0.005)
                continue
            try:
                r, _, _ = select.select([fd], [], [], 0.02)
            except (OSError, ValueError):
                continue
            if not r or not self.reading.is_set():
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                time.sleep(0.005)
                continue
            if not chunk:           # no writer right now: EOF
                time.sleep(0.005)
                continue
            now = time.monotonic()
            with self.lock:
                before = len(self.data) // REPORT
                self.data += chunk
                after = len(self.data) // REPORT
                self.times += [now] * (after - before)

    def reports(self):
        with self.lock:
            d = bytes(self.data)
        return [d[i:i + REPORT] for i in range(0, len(d) - len(d) % REPORT, REPORT)]

    def count(self):
        with self.lock:
            return len(self.data) // REPORT

    def timed(self):
        """[(time, report)]"""
        with self.lock:
            d, t = bytes(self.data), list(self.times)
        return [(t[i], d[i * REPORT:(i + 1) * REPORT]) for i in range(len(t))]

    def wait_count(self, n, timeout=10):
        return wait_for(lambda: self.count() >= n, timeout, "%d reports on %s" % (n, self.path))

    def wait_quiet(self, quiet=0.5, timeout=15):
        """Wait until no report arrived for `quiet` seconds; returns the count."""
        last = [self.count(), time.monotonic()]

        def settled():
            n = self.count()
            if n != last[0]:
                last[0], last[1] = n, time.monotonic()
            return time.monotonic() - last[1] >= quiet
        wait_for(settled, timeout, "the host to go quiet")
        return self.count()

    def close(self):
        self.quit = True
        self.thread.join(2)
        with self.lock:
            fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def typed_text(reports):
    """Decode US-layout reports of plain lowercase letters/digits/space into
    text (enough to count what was typed); a key press is a report whose key
    slot 0 goes from empty to a usage."""
    out = []
    prev = 0
    for r in reports:
        k = r[2]
        if k and k != prev:
            if 0x04 <= k <= 0x1d:
                out.append(chr(ord("a") + k - 0x04))
            elif 0x1e <= k <= 0x26:
                out.append(chr(ord("1") + k - 0x1e))
            elif k == 0x27:
                out.append("0")
            elif k == 0x2c:
                out.append(" ")
            elif k == 0x28:
                out.append("\n")
            else:
                out.append("?")
        prev = k
    return "".join(out)


def pub_lines(broker, topic, lines, qos=0, timeout=120):
    """Publishes many messages with one `mosquitto_pub -l` (one line each)."""
    args = ["mosquitto_pub"] + broker.auth_args() + ["-q", str(qos), "-t", topic, "-l"]
    data = ("\n".join(lines) + "\n").encode()
    r = subprocess.run(args, input=data, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError("mosquitto_pub -l failed: %r" % r.stderr)


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)


def is_fifo(path):
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False
