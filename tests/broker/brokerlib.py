# SPDX-License-Identifier: MIT
"""Helpers for the broker tests: broker directories made by the shipped tool
(provisioning/broker/keymime-broker), started through the lead's harness with
the generated mosquitto.conf (only ports substituted), plus a minimal
MQTT-over-WebSockets client in the standard library.

Kept here rather than in tests/lib: only the broker suite needs them.
"""
import atexit
import base64
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))


import harness  # noqa: E402
Broker, free_port, wait_for = harness.Broker, harness.free_port, harness.wait_for

ROOT = harness.ROOT
KB = os.path.join(ROOT, "provisioning", "broker", "keymime-broker")
SKIP = 77  # ctest SKIP_RETURN_CODE


_PLUGIN = []


def plugin():
    """The keymime_guard plugin of the build, copied where the broker's user
    can read it (mosquitto loads plugins after dropping root; a clone under
    a 0700 /root is out of its reach). One copy per test process."""
    if not _PLUGIN:
        src = os.path.join(harness.build_dir(), "broker-config", "plugin", "keymime_guard.so")
        if not os.path.isfile(src):
            raise AssertionError("no %s: build the project (cmake; needs mosquitto-dev and "
                                 "libmosquitto-dev)" % src)
        d = tempfile.mkdtemp(prefix="keymime-plugin-")
        os.chmod(d, 0o755)
        dst = os.path.join(d, "keymime_guard.so")
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o644)
        atexit.register(shutil.rmtree, d, True)
        _PLUGIN.append(dst)
    return _PLUGIN[0]


def kb(bdir, *args, input=None, check=True):
    """Run keymime-broker --dir bdir ARGS; returns CompletedProcess (text)."""
    r = subprocess.run([KB, "--dir", bdir] + list(args), input=input, capture_output=True,
                       text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError("keymime-broker %s failed (%d): %s" % (args, r.returncode, r.stderr))
    return r


class BrokerDir:
    """A broker directory laid out by `keymime-broker init` on free ports.

    Plain listeners are bound to `bind` (init --bind; None: every address). accounts: the
    passwords handed out, {name: password}.
    """

    def __init__(self, prefix="keymime-bdir-", http_dir=None, bind="127.0.0.1"):
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        atexit.register(self.cleanup)   # also when a test module fails while setting up
        # The broker re-reads its files after dropping root; see keymime-broker.
        os.chmod(self.tmp, 0o711)
        self.dir = os.path.join(self.tmp, "broker")
        # The harness picks the plain MQTT port; init is told to use it, and
        # the harness then runs the generated mosquitto.conf verbatim.
        self.b = Broker(config="# replaced by the generated configuration\n")
        self.port = self.b.port
        self.ws_port = free_port()
        self.tls_port = free_port()
        self.wss_port = free_port()
        self.http_dir = http_dir or os.path.join(self.tmp, "web")
        os.makedirs(self.http_dir, exist_ok=True)
        with open(os.path.join(self.http_dir, "index.html"), "w") as f:
            f.write("<!doctype html><title>keymime test page</title>\n")
        os.chmod(self.http_dir, 0o755)
        os.chmod(os.path.join(self.http_dir, "index.html"), 0o644)
        r = subprocess.run([KB, "init", self.dir, "--port", str(self.port),
                            "--ws-port", str(self.ws_port), "--tls-port", str(self.tls_port),
                            "--wss-port", str(self.wss_port), "--http-dir", self.http_dir,
                            "--plugin", plugin()] +
                           (["--bind", bind] if bind else []), capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        self.accounts = {}

    def kb(self, *args, **kw):
        return kb(self.dir, *args, **kw)

    def add(self, role, name, *extra):
        """add-<role> NAME: returns the password printed once on stdout."""
        out = self.kb("add-" + role, name, *extra).stdout.strip()
        assert out and "\n" not in out, "expected exactly the password on stdout, got %r" % out
        self.accounts[name] = out
        return out

    def add_device(self, name, *extra):
        """A device whose agent.conf names the files where the broker keeps
        them (--agent-dir), so a test can run the agent from it as it is."""
        if "--agent-dir" not in extra:
            extra = extra + ("--agent-dir", self.device_dir(name))
        self.kb("add-device", name, *extra)
        pw = self.device_password(name)
        self.accounts[name] = pw
        return pw

    def device_dir(self, name):
        return os.path.join(self.dir, "keymime", "devices", name)

    def device_password(self, name):
        with open(os.path.join(self.device_dir(name), "password")) as f:
            return f.read().strip()

    def broker(self):
        """The harness Broker, running DIR/mosquitto.conf exactly as generated."""
        self.b.conf_path = os.path.join(self.dir, "mosquitto.conf")
        self.b.users = dict(self.accounts)
        return self.b

    def start(self):
        """Start the broker; wait for the WebSockets listener too (the
        harness waits for the plain MQTT port only)."""
        b = self.broker().start()
        wait_for(lambda: can_connect(self.ws_port), 10, "WebSockets listener")
        return b

    def ca_file(self):
        return os.path.join(self.dir, "certs", "keymime-ca.crt")

    def cleanup(self):
        self.b.stop()
        shutil.rmtree(self.b.dir, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def can_connect(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), 0.2).close()
        return True
    except OSError:
        return False


def mqtt_args(port, user=None, password=None, host="127.0.0.1"):
    a = ["-h", host, "-p", str(port)]
    if user:
        a += ["-u", user]
    if password is not None:
        a += ["-P", password]
    return a


def pub(port, topic, payload, user=None, password=None, extra=(), host="127.0.0.1"):
    """mosquitto_pub; returns (returncode, stderr)."""
    r = subprocess.run(["mosquitto_pub"] + mqtt_args(port, user, password, host) +
                       ["-q", "1", "-t", topic, "-m", payload] + list(extra),
                       capture_output=True, text=True, timeout=20)
    return r.returncode, r.stderr


class Sub:
    """A background mosquitto_sub for any account; messages() -> [(topic, payload)]."""

    def __init__(self, port, topics, user, password, extra=(), host="127.0.0.1"):
        args = ["mosquitto_sub"] + mqtt_args(port, user, password, host) + ["-v", "-q", "1"]
        for t in ([topics] if isinstance(topics, str) else topics):
            args += ["-t", t]
        self.path = tempfile.mktemp(prefix="keymime-bsub-")
        self.out = open(self.path, "wb")
        self.err = open(self.path + ".err", "wb")
        self.proc = subprocess.Popen(args + list(extra), stdout=self.out, stderr=self.err)
        import time
        time.sleep(0.4)

    def messages(self):
        with open(self.path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return [tuple(l.split(" ", 1)) if " " in l else (l, "") for l in lines]

    def stderr(self):
        with open(self.path + ".err", "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc.poll() is None

    def wait(self, n, timeout=10):
        return wait_for(lambda: len(self.messages()) >= n and self.messages(), timeout,
                        "%d messages" % n)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        self.out.close()
        self.err.close()
        for p in (self.path, self.path + ".err"):
            try:
                os.unlink(p)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- a minimal MQTT 3.1.1 client over WebSockets (RFC 6455) ----------------

def _mqtt_str(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def _remaining_length(n):
    out = b""
    while True:
        d, n = n % 128, n // 128
        out += bytes([d | (0x80 if n else 0)])
        if not n:
            return out


def _packet(ptype, body):
    return bytes([ptype]) + _remaining_length(len(body)) + body


class WSMqtt:
    """MQTT over a WebSocket: connect() returns the CONNACK return code
    (0 accepted, 4 bad user name or password, 5 not authorised), or raises
    ConnectionError when the socket closes without one."""

    def __init__(self, port, host="127.0.0.1", tls_ca=None, timeout=5):
        raw = socket.create_connection((host, port), timeout)
        if tls_ca:
            ctx = ssl.create_default_context(cafile=tls_ca)
            raw = ctx.wrap_socket(raw, server_hostname=host)
        self.sock = raw
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /mqtt HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"
               % (host, port, key))
        self.sock.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the WebSocket handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = head.split(b"\r\n")[0].decode()
        if " 101 " not in self.status + " ":
            raise ConnectionError("WebSocket upgrade refused: " + self.status)

    def _send(self, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            hdr = bytes([0x82, 0x80 | n])
        elif n < 65536:
            hdr = bytes([0x82, 0x80 | 126]) + struct.pack("!H", n)
        else:
            hdr = bytes([0x82, 0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + masked)

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _frame(self):
        """One WebSocket frame's payload (binary frames); None on close."""
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        mask = self._need(4) if b1 & 0x80 else None
        data = self._need(n)
        if mask:
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        if b0 & 0x0F == 0x8:
            return None
        return data

    def packet(self):
        """The next MQTT packet (type byte, body); frames are reassembled."""
        data = b""
        while True:
            f = self._frame()
            if f is None:
                raise ConnectionError("WebSocket closed")
            data += f
            if len(data) >= 2:
                mult, n, i = 1, 0, 1
                while True:
                    if i >= len(data):
                        break
                    d = data[i]
                    n += (d & 0x7F) * mult
                    mult *= 128
                    i += 1
                    if not d & 0x80:
                        if len(data) >= i + n:
                            return data[0], data[i:i + n]
                        break

    def connect(self, user=None, password=None, client_id="ws-test"):
        flags = 0x02
        payload = _mqtt_str(client_id)
        if user is not None:
            flags |= 0x80
            payload += _mqtt_str(user)
        if password is not None:
            flags |= 0x40
            payload += _mqtt_str(password)
        body = _mqtt_str("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + payload
        self._send(_packet(0x10, body))
        try:
            ptype, body = self.packet()
        except (ConnectionError, OSError) as e:
            raise ConnectionError("no CONNACK: %s" % e)
        assert ptype == 0x20, "expected CONNACK, got 0x%02x" % ptype
        return body[1]

    def subscribe(self, topic, mid=1):
        """Returns the SUBACK return code (0/1 granted, 0x80 refused)."""
        self._send(_packet(0x82, struct.pack("!H", mid) + _mqtt_str(topic) + b"\x01"))
        while True:
            ptype, body = self.packet()
            if ptype == 0x90:
                return body[2]

    def publish(self, topic, payload):
        """QoS 0 publish."""
        self._send(_packet(0x30, _mqtt_str(topic) + payload.encode()))

    def recv_publish(self, timeout=3):
        """(topic, payload) of the next PUBLISH, or None after timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                ptype, body = self.packet()
                if ptype & 0xF0 == 0x30:
                    tl = struct.unpack("!H", body[:2])[0]
                    topic = body[2:2 + tl].decode()
                    rest = body[2 + tl:]
                    if ptype & 0x06:  # QoS > 0: skip the packet id (and ack it)
                        mid = rest[:2]
                        rest = rest[2:]
                        self._send(_packet(0x40, mid))
                    return topic, rest.decode("utf-8", "replace")
        except socket.timeout:
            return None

    def close(self):
        try:
            self._send(_packet(0xE0, b""))
        except OSError:
            pass
        self.sock.close()


def http_get(port, path="/", host="127.0.0.1", tls_ca=None):
    """(status line, body bytes) of a plain HTTP GET."""
    s = socket.create_connection((host, port), 5)
    if tls_ca:
        s = ssl.create_default_context(cafile=tls_ca).wrap_socket(s, server_hostname=host)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


def run(tests):
    """Run test functions in order; print a line each; exit 1 on failure."""
    failed = 0
    for t in tests:
        try:
            t()
            print("ok   %s" % t.__name__, flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (t.__name__, e), flush=True)
    sys.exit(1 if failed else 0)
