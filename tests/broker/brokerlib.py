# SPDX-License-Identifier: MIT
"""Helpers for the broker tests: broker directories made by the shipped tool
(provisioning/broker/keymime-broker), started through tests/lib/harness.py
with the generated mosquitto.conf (only ports substituted), and connections
to them as any account, over MQTT, TLS, WebSockets or WebSockets over TLS
(tests/lib/mqttclient.py, on Debian's python3-paho-mqtt).

    D = BrokerDir(); D.add_device("pi1"); op = D.add("operator", "op"); D.start()
    with D.sub("keymime/pi1/type", "pi1") as s:       # subscribed (SUBACK) on return
        assert D.pub("keymime/pi1/type", "x", "op") == 0
        s.wait(1)
        ...
        s.fence()                                     # all routed before has arrived
        assert s.messages() == [...]

The runner is unittest (tests/lib/testmain.py).
"""
import atexit
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))


import harness  # noqa: E402
import mqttclient  # noqa: E402,F401 (for the tests)
import testmain  # noqa: E402,F401
Broker, free_port, wait_for, plugin = harness.Broker, harness.free_port, harness.wait_for, \
    harness.plugin

ROOT = harness.ROOT
KB = os.path.join(ROOT, "provisioning", "broker", "keymime-broker")
SKIP = testmain.SKIP
ADMIN = "keymime-admin"   # the tool's own account (DIR/keymime/admin/)


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
        self.roles = {}
        self.probes = {}     # name -> a probe topic prefix a scoped operator reads

    def kb(self, *args, **kw):
        return kb(self.dir, *args, **kw)

    def add(self, role, name, *extra):
        """add-<role> NAME: returns the password printed once on stdout."""
        out = self.kb("add-" + role, name, *extra).stdout.strip()
        assert out and "\n" not in out, "expected exactly the password on stdout, got %r" % out
        self.accounts[name] = out
        self.roles[name] = role
        for opt, fmt in (("--groups", "keymime/group/%s/probe"), ("--devices", "keymime/%s/probe")):
            if opt in extra:   # a scoped operator reads only below its devices and groups
                self.probes[name] = fmt % extra[list(extra).index(opt) + 1].split(",")[0]
        return out

    def add_device(self, name, *extra):
        """A device whose agent.conf names the files where the broker keeps
        them (--agent-dir), so a test can run the agent from it as it is."""
        if "--agent-dir" not in extra:
            extra = extra + ("--agent-dir", self.device_dir(name))
        self.kb("add-device", name, *extra)
        self.roles[name] = "device"
        if "--no-password" in extra:
            return None
        pw = self.device_password(name)
        self.accounts[name] = pw
        return pw

    def device_dir(self, name):
        return os.path.join(self.dir, "keymime", "devices", name)

    def device_password(self, name):
        with open(os.path.join(self.device_dir(name), "password")) as f:
            return f.read().strip()

    def broker(self):
        """The harness Broker, running DIR/mosquitto.conf exactly as generated;
        its fences use the tool's own account (keymime-admin)."""
        self.b.conf_path = os.path.join(self.dir, "mosquitto.conf")
        self.b.users = dict(self.accounts)
        self.b.users[ADMIN] = self.admin_password()
        self.b.roles = dict(self.roles, **{ADMIN: "admin"})
        self.b.admin = ADMIN
        return self.b

    def admin_password(self):
        with open(os.path.join(self.dir, "keymime", "admin", "mosquitto_sub")) as f:
            return [l[3:].strip() for l in f if l.startswith("-P ")][0]

    # ---- connections
    def client(self, user=None, password=None, port=None, host="127.0.0.1", tls=False,
               cert=None, ws=False, **kw):
        """A connected mqttclient.Client: as user (password: the one handed
        out; None for anonymous), on the plain port or port; tls: TLS with
        the generated CA (on the TLS port, or with ws the WebSockets-over-TLS
        port); cert: a device directory whose client.crt/.key to present.
        Raises mqttclient.Refused. Its fence() goes through keymime-admin."""
        if password is None and user is not None:
            password = self.accounts.get(user)
        if port is None:
            port = ((self.wss_port if tls else self.ws_port) if ws else
                    (self.tls_port if tls else self.port))
        if tls or cert:
            kw.setdefault("tls_ca", self.ca_file())
        if cert:
            kw.update(cert=os.path.join(cert, "client.crt"), key=os.path.join(cert, "client.key"))
        cid = kw.pop("client_id", None) or "keymime-test-%d-%d" % (os.getpid(),
                                                                  next(mqttclient._ids))
        role = self.roles.get(user, "operator")
        probe = (self.probes[user] + "/" + cid if user in self.probes else
                 harness.probe_topic(role, cid))
        prober = None if user == ADMIN or not self.b.running() else self.b.client(ADMIN)
        return mqttclient.Client(port, user, password, host=host, client_id=cid,
                                 transport="websockets" if ws else "tcp",
                                 probe=probe, prober=prober, **kw)

    def sub(self, topics, user=None, password=None, **kw):
        """client(...) subscribed to topics (the SUBACK received)."""
        c = self.client(user, password, **kw)
        c.subscribe(topics)
        return c

    def pub(self, topic, payload, user=None, password=None, retain=False, **kw):
        """Connect as user (see client()), publish (QoS 1, acknowledged),
        disconnect: 0, or the CONNACK code / "closed" of a refused login."""
        try:
            c = self.client(user, password, **kw)
        except mqttclient.Refused as exc:
            return "closed" if exc.rc is None else exc.rc
        try:
            c.publish(topic, payload, qos=1, retain=retain)
        finally:
            c.close()
        return 0

    def reloads(self):
        """How many times the broker has begun a reload (its log)."""
        return open(self.b.log.name).read().count("Reloading config")

    def kb_reload(self, *args, **kw):
        """kb(*args) for a command that reloads the broker; returns once the
        broker has reloaded (mosquitto reloads in its one thread: a client's
        packet read after the log line is handled under the new files)."""
        n = self.reloads()
        r = self.kb(*args, **kw)
        wait_for(lambda: self.reloads() > n, 10, "the broker to reload")
        return r

    def retained(self, topic, user=ADMIN):
        """The retained payload on topic as user reads it, or None."""
        return self.b.retained(topic, user)

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
