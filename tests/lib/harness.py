# SPDX-License-Identifier: MIT
"""Test harness: a real mosquitto on a free loopback port and real keymime-agent
processes writing HID reports into files. Python standard library only.

    with Broker() as b:                      # password auth, user "test"
        with Agent(b, "pi1") as a:
            a.wait_online()
            b.pub("keymime/pi1/type", "hi")
            a.wait_reports(4)                # 2 reports per character
            assert a.reports() == [...]
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def build_dir():
    return os.environ.get("KEYMIME_BUILD_DIR", os.path.join(ROOT, "build"))


def agent_binary():
    return os.environ.get("KEYMIME_AGENT", os.path.join(build_dir(), "agent", "keymime-agent"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout=10.0, what="condition", interval=0.01):
    """Poll pred() until it returns a true value; return that value or raise."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class Broker:
    """mosquitto on 127.0.0.1:<free port>, no anonymous access.

    users: {name: password}; "test" (an operator, allowed everything) is always
    added unless config is given whole. acl: text of an ACL file (default: the
    test user may do everything, device users only their own topics).
    config: a complete mosquitto.conf text to use instead of the default;
    "{port}", "{dir}" are substituted.
    """

    def __init__(self, users=None, acl=None, config=None, ws=False, extra=""):
        self.dir = tempfile.mkdtemp(prefix="keymime-broker-")
        self.port = free_port()
        self.ws_port = free_port() if ws else None
        self.users = {"test": "test-password"}
        self.users.update(users or {})
        self.proc = None
        if config is None:
            config = self._default_config(acl, extra)
        self.conf_path = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf_path, "w") as f:
            f.write(config.replace("{port}", str(self.port)).replace("{dir}", self.dir))

    def _default_config(self, acl, extra):
        pw = os.path.join(self.dir, "passwd")
        open(pw, "w").close()
        os.chmod(pw, 0o600)
        for name, password in self.users.items():
            subprocess.run(["mosquitto_passwd", "-b", pw, name, password], check=True)
        if acl is None:
            acl = ("user test\ntopic readwrite #\n\n"
                   "pattern read keymime/%u/type\npattern read keymime/%u/keys\n"
                   "pattern read keymime/%u/cmd\npattern read keymime/%u/script\n"
                   "pattern read keymime/group/+/+\n"
                   "pattern write keymime/%u/availability\npattern write keymime/%u/status\n"
                   "pattern write keymime/%u/result\npattern write keymime/%u/progress\npattern readwrite homeassistant/#\n")
        aclf = os.path.join(self.dir, "acl")
        with open(aclf, "w") as f:
            f.write(acl)
        conf = ("per_listener_settings false\nallow_anonymous false\n"
                "password_file %s\nacl_file %s\npersistence false\n"
                "set_tcp_nodelay true\nlog_dest stderr\nlog_type error\nlog_type warning\n"
                "listener {port} 127.0.0.1\n" % (pw, aclf))
        if self.ws_port:
            conf += "listener %d 127.0.0.1\nprotocol websockets\n" % self.ws_port
        return conf + extra

    def _give_to_broker_user(self):
        # mosquitto started as root drops to the "mosquitto" user: that user
        # must be able to read the files (which stay 0600).
        if os.geteuid() != 0:
            return
        try:
            import pwd
            pw = pwd.getpwnam("mosquitto")
        except KeyError:
            return
        for root, dirs, files in os.walk(self.dir):
            os.chown(root, pw.pw_uid, pw.pw_gid)
            for f in files:
                os.chown(os.path.join(root, f), pw.pw_uid, pw.pw_gid)

    def start(self):
        self._give_to_broker_user()
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "w")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf_path],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self._accepting, 10, "mosquitto to listen on %d" % self.port)
        return self

    def _accepting(self):
        if self.proc.poll() is not None:
            raise AssertionError("mosquitto exited: " + open(self.log.name).read())
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
        if getattr(self, "log", None):
            self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def uri(self):
        return "tcp://127.0.0.1:%d" % self.port

    def auth_args(self, user="test"):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-u", user, "-P", self.users[user]]

    def pub(self, topic, payload, *extra, user="test", qos=1, check=True):
        """mosquitto_pub one message. payload: str or bytes."""
        args = ["mosquitto_pub"] + self.auth_args(user) + ["-q", str(qos), "-t", topic]
        if isinstance(payload, bytes):
            args += ["-s"]
            r = subprocess.run(args + list(extra), input=payload, capture_output=True, timeout=20)
        else:
            r = subprocess.run(args + ["-m", payload] + list(extra), capture_output=True, timeout=20)
        if check and r.returncode != 0:
            raise AssertionError("mosquitto_pub failed: %r" % r.stderr)
        return r

    def sub(self, topic, count=1, timeout=10, user="test", *extra):
        """mosquitto_sub -C count; returns a list of (topic, payload-str)."""
        args = (["mosquitto_sub"] + self.auth_args(user) +
                ["-t", topic, "-C", str(count), "-W", str(int(timeout)), "-v"] + list(extra))
        r = subprocess.run(args, capture_output=True, timeout=timeout + 5)
        out = []
        for raw in r.stdout.split(b"\n")[:-1]:
            t, _, p = raw.decode("utf-8", "replace").partition(" ")
            out.append((t, p))
        return out

    def retained(self, topic, user="test", timeout=3):
        """The retained payload on topic (str), or None."""
        got = self.sub(topic, 1, timeout, user, "--retained-only")
        return got[0][1] if got else None


class Subscriber:
    """A background mosquitto_sub collecting messages (topic, payload) in order."""

    def __init__(self, broker, topic, user="test", extra=()):
        args = (["mosquitto_sub"] + broker.auth_args(user) + ["-t", topic, "-v", "-q", "1"]
                + list(extra))
        if isinstance(topic, (list, tuple)):
            args = ["mosquitto_sub"] + broker.auth_args(user) + ["-v", "-q", "1"] + list(extra)
            for t in topic:
                args += ["-t", t]
        self.path = tempfile.mktemp(prefix="keymime-sub-")
        self.out = open(self.path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.DEVNULL)
        time.sleep(0.3)  # let the subscription reach the broker

    def messages(self):
        """Complete lines only: mosquitto_sub may be writing the next one, and
        a write that crosses a page boundary can show its first page alone.
        Split on b"\n" only (str.splitlines also splits at U+2028, U+0085…,
        which JSON payloads carry unescaped)."""
        with open(self.path, "rb") as f:
            data = f.read()
        lines = [l.decode("utf-8", "replace") for l in data.split(b"\n")[:-1]]
        return [tuple(l.split(" ", 1)) if " " in l else (l, "") for l in lines]

    def json(self, topic_suffix=""):
        return [json.loads(p) for t, p in self.messages() if t.endswith(topic_suffix)]

    def wait(self, n, timeout=10, topic_suffix=""):
        return wait_for(lambda: len([1 for t, _ in self.messages() if t.endswith(topic_suffix)]) >= n
                        and self.messages(), timeout, "%d messages" % n)

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.out.close()
        os.unlink(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Agent:
    """A keymime-agent process writing reports to <dir>/hidg0 (a regular file).

    user: the MQTT username (default: the device id, with a password added to
    the broker's users only when the broker was built with it; else "test").
    conf: extra `key = value` lines for its config file. args: extra argv.
    """

    def __init__(self, broker, device_id="pi1", conf=None, args=(), user=None, password=None,
                 keyboard=None, consumer=None):
        self.broker = broker
        self.device_id = device_id
        self.dir = tempfile.mkdtemp(prefix="keymime-agent-%s-" % device_id)
        self.keyboard = keyboard or os.path.join(self.dir, "hidg0")
        self.consumer = consumer or os.path.join(self.dir, "hidg1")
        for p in (self.keyboard, self.consumer):
            if not os.path.exists(p):
                open(p, "wb").close()
        if user is None:
            user = device_id if device_id in broker.users else "test"
        self.user = user
        password = password if password is not None else broker.users.get(user, "")
        self.password_file = write_secret(os.path.join(self.dir, "password"), password)
        lines = {"device_id": device_id, "broker": broker.uri, "username": user,
                 "password_file": self.password_file, "hid_keyboard": self.keyboard,
                 "hid_consumer": self.consumer, "ha_discovery": "off"}
        lines.update(conf or {})
        self.conf_path = os.path.join(self.dir, "agent.conf")
        with open(self.conf_path, "w") as f:
            for k, v in lines.items():
                f.write("%s = %s\n" % (k, v))
        self.args = list(args)
        self.proc = None

    def start(self, env=None):
        self.log_path = os.path.join(self.dir, "agent.log")
        self.log = open(self.log_path, "ab")
        cmd = [agent_binary(), "--config", self.conf_path] + self.args
        wrapper = os.environ.get("KEYMIME_AGENT_WRAPPER")  # e.g. "valgrind --error-exitcode=99"
        if wrapper:
            cmd = wrapper.split() + cmd
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        return self

    def wait_online(self, timeout=10):
        t = "keymime/%s/availability" % self.device_id
        wait_for(lambda: self.broker.retained(t, timeout=1) == "online" or self._check_alive(),
                 timeout, "%s online" % self.device_id)
        return self

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise AssertionError("agent exited with %s: %s" % (self.proc.returncode, self.logtext()))
        return False

    def logtext(self):
        try:
            return open(self.log_path, "rb").read().decode("utf-8", "replace")
        except OSError:
            return ""

    def status(self):
        s = self.broker.retained("keymime/%s/status" % self.device_id, timeout=1)
        return json.loads(s) if s else None

    def raw(self, path=None):
        with open(path or self.keyboard, "rb") as f:
            return f.read()

    def reports(self, size=8, path=None):
        data = self.raw(path)
        return [data[i:i + size] for i in range(0, len(data) - len(data) % size, size)]

    def consumer_reports(self):
        return self.reports(2, self.consumer)

    def wait_reports(self, n, timeout=10, size=8, path=None):
        return wait_for(lambda: len(self.raw(path)) >= n * size and self.reports(size, path),
                        timeout, "%d reports" % n)

    def clear(self):
        open(self.keyboard, "wb").close()
        open(self.consumer, "wb").close()

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=5):
        """Stop the agent; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("agent did not stop within %ss of signal %s" % (timeout, sig))
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
            if getattr(self, "log", None):
                self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def kbd(mods=0, *keys):
    """An 8-byte boot keyboard report."""
    k = list(keys) + [0] * (6 - len(keys))
    return bytes([mods, 0] + k)


RELEASE = kbd()
