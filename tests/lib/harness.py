# SPDX-License-Identifier: MIT
"""Test harness: a real mosquitto on a free loopback port with the access
control keymime-broker generates, and real keymime-agent processes writing
HID reports into files.

    with Broker() as b:                        # generated ACL + keymime_guard
        with Agent(b, "pi1") as a:             # logs in as device pi1
            a.wait_online()
            with Results(b, "pi1") as res:     # subscribed when this returns
                b.pub("keymime/pi1/type", "hi")          # as "operator", QoS 1
                res.wait_n(1)
                assert a.reports() == [kbd(0, 0x0B), RELEASE, kbd(0, 0x0C), RELEASE]
                res.fence()                    # the agent processed all before
                assert res.all() == [...]      # so "nothing more" holds now

The API, all of it (user None: the broker's operator account):
  Broker(extra="", ws=False, acl_local=None, config=None, users=None):
      start()/stop()/with; port, ws_port, uri, dir, users {name: password},
      auth_args(user) (for literal mosquitto_pub command lines), logtext();
      add_device(name, groups=(), password=None), add_devices(names),
      set_password(name, pw) (each reloads a running broker and waits for it);
      pub(topic, payload, user=None, qos=1, retain=False, response_topic=,
      correlation_data=, user_properties=) (returns after the PUBACK);
      retained(topic, user=None) -> str or None, retained_all(filter) -> dict;
      client(user) (its shared mqttclient.Client), connect(user) (a new one),
      subscribe(topics, user) (a new one, subscribed).
  Agent(broker, device_id, conf={}, args=(), user=None, password=None,
      keyboard=None, consumer=None): start()/stop()/with; wait_online(), status(),
      reports(), consumer_reports(), wait_reports(n), raw(), clear(), logtext(), proc.
  Subscriber(broker, topics, user=None): messages(), received(), json(), wait(n),
      fence(), close().
  Results(broker, device_id="pi1", topics=None, state=False, user=None): the
      results of a device (with state=True its status and availability too):
      all(), messages(), wait_n(n), wait_id(id), by_id(), count_id(), skip_until(),
      base, statuses(), availability(), wait_status(), fence(device_id), fences_ok().
  wait_for(pred, timeout, what), kbd(mods, *keys), RELEASE, free_port(),
  can_connect(), agent_binary(), build_dir(), write_secret(), plugin().
  The MQTT client itself: tests/lib/mqttclient.py; the runner: tests/lib/testmain.py.

Accounts (docs/security.md, "Roles"): the broker's passwd, ACL and guard
rules are made by keymime-broker's own code (provisioning/broker/
keymime_broker/render.py), with the keymime_guard plugin loaded, as in a
real install. Agents log in as their device (added on the fly: the broker
reloads), tests publish as OPERATOR; HOMEASSISTANT is Home Assistant's
account. ADMIN (the ACL's admin role: every keymime/ and homeassistant/
topic, no guard limits) is for what the generated configuration forbids on
purpose, e.g. a retained command: a test that uses it says why.

Fences: "nothing happened" is asserted after a fence, never after a sleep.
Subscriber.fence() / Client.fence(): a probe published (QoS 1) after the
event came back, so the broker has routed everything before it.
Results.fence(): a probe command (an empty seq, typed by nobody) and its
result, so the agent has typed and answered everything sent before it.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "provisioning", "broker"))
import mqttclient  # noqa: E402
from keymime_broker import render  # noqa: E402
from keymime_broker.layout import Account  # noqa: E402

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
OPERATOR, HOMEASSISTANT, ADMIN = "operator", "homeassistant", "admin"
FENCE_ID = "keymime-fence"


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


def can_connect(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), 0.2).close()
        return True
    except OSError:
        return False


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


_PLUGIN = []


def plugin():
    """The keymime_guard plugin of the build, copied where the broker's user
    can read it (mosquitto loads plugins after dropping root; a clone under
    a 0700 /root is out of its reach). One copy per test process."""
    if not _PLUGIN:
        src = os.path.join(build_dir(), "broker-config", "plugin", "keymime_guard.so")
        if not os.path.isfile(src):
            raise AssertionError("no %s: build the project (cmake; needs mosquitto-dev and "
                                 "libmosquitto-dev)" % src)
        d = tempfile.mkdtemp(prefix="keymime-plugin-")
        os.chmod(d, 0o755)
        dst = os.path.join(d, "keymime_guard.so")
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o644)
        import atexit
        atexit.register(shutil.rmtree, d, True)
        _PLUGIN.append(dst)
    return _PLUGIN[0]


def probe_topic(role, client_id):
    """A topic an account of this role reads and ADMIN writes, unique to one
    client (see mqttclient.Client.fence())."""
    if role in ("device", "site"):
        return "homeassistant/status"        # the one non-command topic devices read
    if role == "viewer":
        return "keymime/probe/result/%s" % client_id
    return "keymime/probe/%s" % client_id


class Broker:
    """mosquitto on 127.0.0.1:<free port>, no anonymous access, passwd, ACL
    and guard rules generated by keymime-broker's code for the accounts
    OPERATOR, HOMEASSISTANT, ADMIN and every device added (add_device, or an
    Agent started on it).

    extra: more mosquitto.conf lines. ws: a WebSockets listener too (ws_port).
    acl_local: ACL lines appended to the generated ones (keymime-broker's
    acl.local). config: a complete mosquitto.conf text instead ("{port}",
    "{dir}" substituted; no accounts made: pass users={name: password}).
    """
    mqtt_version = mqttclient.V5    # of the tests' clients
    operator = OPERATOR             # the account tests publish and read as by default

    def __init__(self, extra="", ws=False, config=None, users=None, acl_local=None):
        self.acl_local = acl_local
        self.dir = tempfile.mkdtemp(prefix="keymime-broker-")
        self.port = self.listen_port = free_port()   # (a test may point port elsewhere)
        self.ws_port = free_port() if ws else None
        self.proc = None
        self.log = None
        self._clients = {}
        self._lock = threading.Lock()
        self.accounts = {}          # name -> keymime_broker Account (generated config only)
        self.users = dict(users or {})
        self.roles = {}             # name -> role, for a given config (else from accounts)
        self.admin = ADMIN          # the account fences publish their probes as
        if config is None:
            for role, name in (("operator", OPERATOR), ("homeassistant", HOMEASSISTANT),
                               ("admin", ADMIN)):
                self.accounts[name] = Account(role, name)
                self.users[name] = name + "-password"
            self._write_auth()
            config = self._default_config(extra)
        self.conf_path = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf_path, "w") as f:
            f.write(config.replace("{port}", str(self.port)).replace("{dir}", self.dir))

    def _default_config(self, extra):
        conf = ("per_listener_settings false\nallow_anonymous false\n"
                "password_file {dir}/passwd\nacl_file {dir}/acl\n"
                "plugin %s\nplugin_opt_rules {dir}/guard\npersistence false\n"
                "set_tcp_nodelay true\nlog_dest stderr\nlog_type error\nlog_type warning\n"
                "listener {port} 127.0.0.1\n" % plugin())
        if self.ws_port:
            conf += "listener %d 127.0.0.1\nprotocol websockets\n" % self.ws_port
        return conf + extra

    # ---- accounts (generated configuration)
    def _write_auth(self):
        """passwd (hashed by mosquitto_passwd -U), acl and guard from the accounts."""
        accounts = list(self.accounts.values())
        plain = os.path.join(self.dir, "passwd.new")
        write_secret(plain, "".join("%s:%s\n" % (a.name, self.users[a.name]) for a in accounts))
        subprocess.run(["mosquitto_passwd", "-U", plain], check=True, capture_output=True)
        os.replace(plain, os.path.join(self.dir, "passwd"))
        src = "the test harness (tests/lib/harness.py)"
        for name, text in (("acl", render.acl(accounts, src, self.dir, self.acl_local)),
                           ("guard", render.guard(accounts, "optional", [], src))):
            write_secret(os.path.join(self.dir, name + ".new"), text)
            os.replace(os.path.join(self.dir, name + ".new"), os.path.join(self.dir, name))
        self._give_to_broker_user()

    def _reload(self, user):
        """SIGHUP, then wait until user's current password logs in: the
        passwd, ACL and guard rules are read together, so all are in force."""
        if not self.running():
            return
        # A broker that has just started (its port accepts) may not have its
        # SIGHUP handler yet: the signal then ends it, or is lost where SIGHUP
        # is ignored (as under nohup; seen once: a reload that never came).
        # A login answered means its main loop runs; a lost one is resent.
        if self.admin in self.users and user != self.admin:
            try:
                mqttclient.Client(self.listen_port, self.admin, self.users[self.admin],
                                  timeout=5).close()
            except (mqttclient.Refused, OSError):
                pass
        self.proc.send_signal(signal.SIGHUP)
        sent = [time.monotonic()]

        def in_force():
            try:
                mqttclient.Client(self.listen_port, user, self.users[user], timeout=5).close()
                return True
            except mqttclient.Refused:
                if time.monotonic() - sent[0] > 2:   # a lost signal: again
                    self.proc.send_signal(signal.SIGHUP)
                    sent[0] = time.monotonic()
                return False
        wait_for(in_force, 10, "mosquitto to reload its accounts", interval=0.05)

    def add_device(self, name, groups=(), password=None):
        """Account of device name (groups besides "all"), as add-device makes it."""
        groups = ["all"] + [g for g in groups if g != "all"]
        password = password or name + "-password"
        old = self.accounts.get(name)
        if old and old.role == "device" and old.groups == groups and \
                self.users[name] == password:
            return name
        self.accounts[name] = Account("device", name, groups)
        self.users[name] = password
        self._write_auth()
        self._reload(name)
        return name

    def add_devices(self, names):
        """Accounts of many devices (no groups) with one reload."""
        new = [n for n in names if n not in self.accounts]
        for n in new:
            self.accounts[n] = Account("device", n, ["all"])
            self.users[n] = n + "-password"
        if new:
            self._write_auth()
            self._reload(new[-1])

    def set_password(self, name, password):
        self.users[name] = password
        self._write_auth()
        self._reload(name)

    def role(self, user):
        a = self.accounts.get(user)
        return a.role if a else self.roles.get(user, "operator")

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

    # ---- the process
    def start(self):
        self._give_to_broker_user()
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "a")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf_path],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self._accepting, 10, "mosquitto to listen on %d" % self.port)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _accepting(self):
        if self.proc.poll() is not None:
            raise AssertionError("mosquitto exited: " + open(self.log.name).read())
        return can_connect(self.port)

    def stop(self):
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for c in clients:
            c.close()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.log:
            self.log.close()
            self.log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def uri(self):
        return "tcp://127.0.0.1:%d" % self.port

    def logtext(self):
        return open(os.path.join(self.dir, "mosquitto.log")).read()

    def auth_args(self, user=None):
        """mosquitto_pub/_sub options for user (for tests of literal command lines)."""
        user = user or self.operator
        return ["-h", "127.0.0.1", "-p", str(self.port), "-u", user, "-P", self.users[user]]

    # ---- MQTT
    def connect(self, user=None, **kw):
        """A new connected mqttclient.Client as user (default the operator),
        with its fence probe."""
        user = user or self.operator
        cid = "keymime-test-%d-%d" % (os.getpid(), next(mqttclient._ids))
        prober = None if user == self.admin else self.client(self.admin)
        kw.setdefault("version", self.mqtt_version)
        return mqttclient.Client(self.listen_port, user, self.users[user], client_id=cid,
                                 probe=probe_topic(self.role(user), cid), prober=prober, **kw)

    def client(self, user=None):
        """The broker's shared connection as user (for pub and retained)."""
        user = user or self.operator
        with self._lock:
            c = self._clients.get(user)
        if c is None or not c.connected:
            c = self.connect(user)
            with self._lock:
                self._clients[user] = c
        return c

    def subscribe(self, topics, user=None, **kw):
        """A new Client as user subscribed to topics (SUBACK received)."""
        c = self.connect(user, **kw)
        c.subscribe(topics)
        return c

    def pub(self, topic, payload, user=None, qos=1, retain=False, **props):
        """Publish as user; QoS 1 returns after the PUBACK. props: MQTT v5
        response_topic, correlation_data, user_properties."""
        return self.client(user).publish(topic, payload, qos, retain, **props)

    def retained_all(self, topics, user=None):
        """{topic: payload} of the retained messages on topics now."""
        return self.client(user).retained(topics)

    def retained(self, topic, user=None):
        """The retained payload on topic (str), or None."""
        return self.retained_all(topic, user).get(topic)


class Subscriber:
    """Messages on topics (a filter or a list) as user, collected in order
    from the moment this returns (the SUBACK arrived)."""

    def __init__(self, broker, topics, user=None):
        self.client = broker.subscribe(topics, user)

    def messages(self):
        """[(topic, payload str)] in arrival order."""
        return self.client.messages()

    def received(self):
        return self.client.received()

    def json(self, topic_suffix=""):
        return [json.loads(p) for t, p in self.messages() if t.endswith(topic_suffix)]

    def wait(self, n, timeout=10, topic_suffix=""):
        return self.client.wait(n, timeout, topic_suffix)

    def fence(self):
        """Everything the broker routed here before this call has arrived."""
        self.client.fence()

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Results(Subscriber):
    """The results of one device (or of topics), in arrival order; with
    state=True its status and availability too. Subscribed when this
    returns. Fence results (see fence()) are never counted."""

    def __init__(self, broker, device_id="pi1", topics=None, state=False, user=None):
        self.broker, self.device_id = broker, device_id
        if topics is None:
            topics = ["keymime/%s/result" % device_id]
            if state:
                topics += ["keymime/%s/status" % device_id, "keymime/%s/availability" % device_id]
        self.state = state
        self.base = 0   # results before this index are not counted (skip_until)
        self._fences = 0
        super().__init__(broker, topics, user)

    def _is_fence(self, payload):
        return ('"id":"%s-' % FENCE_ID) in payload

    def fences_ok(self):
        """How many fence commands were answered ok (the agent counts them)."""
        return len([1 for t, p in super().messages()
                    if t.endswith("/result") and self._is_fence(p) and json.loads(p).get("ok")])

    def fences_sent(self):
        """How many fence commands were sent (some may have been answered
        and their result lost, see fence())."""
        return self._fences

    def everything(self):
        """Every message (results, status, availability), fence results left out."""
        return [(t, p) for t, p in super().messages()
                if not (t.endswith("/result") and self._is_fence(p))]

    def mark(self):
        """A position in everything(), for statuses_since()."""
        return len(self.everything())

    def messages(self):
        """[(topic, payload)] of the results counted (after base): with
        state=True, status and availability messages are left out."""
        return [m for m in self.everything()
                if not (self.state and m[0].endswith(("/status", "/availability")))][self.base:]

    def all(self):
        out = []
        for t, p in self.messages():
            try:
                out.append(json.loads(p))
            except ValueError:
                raise AssertionError("a result that is not JSON on %s: %r" % (t, p))
        return out

    results = all

    def statuses(self, since=0):
        return [json.loads(p) for t, p in self.everything()[since:] if t.endswith("/status")]

    def availability(self):
        return [p for t, p in self.everything() if t.endswith("/availability")]

    def wait_n(self, n, timeout=10):
        """Wait for n results (counted); returns all()."""
        self.client.wait_until(lambda: len(self.messages()) >= n, timeout, "%d results" % n)
        return self.all()

    def by_id(self, cid):
        return [r for r in self.all() if r.get("id") == cid]

    def wait_id(self, cid, timeout=10):
        """The (first) result with id cid; waits for it."""
        self.client.wait_until(lambda: self.by_id(cid), timeout, "the result of %r" % (cid,))
        return self.by_id(cid)[0]

    def count_id(self, cid):
        return len(self.by_id(cid))

    def skip_until(self, cid, timeout=10):
        """Wait for the result with id cid, then forget it and every result
        before it (e.g. a late one of an earlier test)."""
        self.wait_id(cid, timeout)
        self.base += [r.get("id") for r in self.all()].index(cid) + 1

    def wait_status(self, pred, timeout=10, what="status", since=0):
        return self.client.wait_until(
            lambda: next((s for s in reversed(self.statuses(since)) if pred(s)), None),
            timeout, what)

    def last_status(self):
        st = self.statuses()
        return st[-1] if st else None

    def fence(self, device_id=None, timeout=30, retry=5):
        """The agent has typed, and answered, every command sent before this:
        a probe command that types nothing (an empty seq) goes through its
        queue behind them, and its result comes after theirs. The device's
        result topic must be among those subscribed. A probe refused as
        queue_full, or lost (a broker drops messages for a client that reads
        slower than they come), is sent again every `retry` seconds."""
        dev = device_id or self.device_id
        deadline = time.monotonic() + timeout
        while True:
            self._fences += 1
            cid = "%s-%d" % (FENCE_ID, self._fences)
            self.broker.pub("keymime/%s/cmd" % dev, json.dumps({"id": cid, "seq": []}))

            def back():
                for t, p in super(Results, self).messages():
                    if t == "keymime/%s/result" % dev and self._is_fence(p):
                        r = json.loads(p)
                        if r.get("id") == cid:
                            return r
                return None
            left = deadline - time.monotonic()
            try:
                r = self.client.wait_until(back, max(0.1, min(retry, left)),
                                           "the fence result of %s" % dev)
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise
                continue
            if r.get("ok"):
                return r
            if r.get("error") != "queue_full" or time.monotonic() >= deadline:
                raise AssertionError("the fence command was refused: %r" % r)
            time.sleep(0.1)   # pacing: the queue is full; try again


class Agent:
    """A keymime-agent process writing reports to <dir>/hidg0 (a regular file).

    user: the MQTT username (default: the device's own account, added to the
    broker with the groups of conf["groups"]; a broker without add_device,
    like another engineer's stand-in, must then be given user=). password:
    default the broker's for user. conf: extra `key = value` lines for its
    config file. args: extra argv.
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
            groups = [g.strip() for g in (conf or {}).get("groups", "").split(",") if g.strip()]
            user = broker.add_device(device_id, groups)
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
        if getattr(self, "log", None):
            self.log.close()
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
        wait_for(lambda: self.broker.retained(t) == "online" or self._check_alive(),
                 timeout, "%s online" % self.device_id, interval=0.05)
        return self

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise AssertionError("agent exited with %s: %s" % (self.proc.returncode, self.logtext()))
        return False

    def logtext(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def status(self):
        s = self.broker.retained("keymime/%s/status" % self.device_id)
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
