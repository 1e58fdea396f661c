# SPDX-License-Identifier: MIT
"""Helpers for the fault, hostile-input and flood tests (issue #10): a
simulated host reading a FIFO that can stop reading, drop the pipe and come
back; result collection by id; process memory. Builds on tests/lib/harness.py.
"""
import fcntl
import os
import select
import shutil
import stat
import struct
import sys
import tempfile
import termios
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


class Results(harness.Results):
    """harness.Results of a device with its status and availability too."""

    def __init__(self, broker, device="pi1"):
        super().__init__(broker, device, state=True)


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
        with self.lock:    # a read in progress (it holds the lock) has finished
            pass

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
                time.sleep(0.005)   # polling pace of a stopped host
                continue
            with self.lock:
                fd = self.fd
            if fd is None:
                time.sleep(0.005)   # polling pace of an unplugged host
                continue
            try:
                r, _, _ = select.select([fd], [], [], 0.02)
            except (OSError, ValueError):
                continue
            if not r:
                continue
            # Read and keep under the lock: pending() and stop_reading() see
            # either nothing read or everything kept.
            with self.lock:
                if not self.reading.is_set() or self.fd != fd:
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = None
                if chunk:
                    now = time.monotonic()
                    before = len(self.data) // REPORT
                    self.data += chunk
                    after = len(self.data) // REPORT
                    self.times += [now] * (after - before)
            if not chunk:           # no writer right now (EOF), or an error
                time.sleep(0.005)   # polling pace

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

    def pending(self):
        """Bytes written into the FIFO and not read yet (FIONREAD)."""
        with self.lock:
            if self.fd is None:
                return 0
            return struct.unpack("i", fcntl.ioctl(self.fd, termios.FIONREAD, b"\0" * 4))[0]

    def settle(self, results, device=None, timeout=15):
        """The fence of a host: the agent has written everything it had
        (results.fence(): a probe command answered), and this host has read
        all of it (the FIFO is empty). Returns the count of reports."""
        results.fence(device)
        wait_for(lambda: self.pending() == 0, timeout, "the host to read what was written")
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


def pub_lines(broker, topic, lines, qos=0, timeout=120, **props):
    """Publishes many messages as fast as the broker takes them, in order, on
    the operator's connection (QoS 1: returns once every one is acknowledged)."""
    broker.client().publish_many(topic, lines, qos, timeout=timeout, **props)


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)


def is_fifo(path):
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False
