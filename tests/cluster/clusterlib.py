# SPDX-License-Identifier: MIT
"""Helpers of the cluster suite, on top of tests/lib/harness.py (the MQTT
client is tests/lib/mqttclient.py)."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import mqttclient  # noqa: E402
from harness import wait_for  # noqa: E402,F401


class V5Subscriber(harness.Subscriber):
    """An MQTT v5 subscription whose messages() are (topic, user properties
    as "key:value" joined by spaces, correlation data, payload), as
    `mosquitto_sub -F '%t|%P|%D|%p'` prints them. Subscribed (SUBACK) when
    this returns."""

    def messages(self):
        return [(m.topic, " ".join("%s:%s" % kv for kv in m.user_properties),
                 (m.correlation_data or b"").decode("utf-8", "replace"), m.text)
                for m in self.received()]

    def wait(self, n, timeout=20):
        self.client.wait_until(lambda: len(self.messages()) >= n, timeout, "%d messages" % n)
        return self.messages()


def v5_subscriber(broker, topics, user=harness.OPERATOR):
    """A V5Subscriber on a harness.Broker."""
    return V5Subscriber(broker, topics, user)


def node():
    import shutil
    return shutil.which("node") or "/usr/bin/node"


class Aedes(harness.Broker):
    """An Aedes broker (npm, MQTT 3.1.1 only) on a free loopback port, with
    the one account "test" (tests/cluster/aedes-broker.mjs) and no ACL: every
    agent logs in as "test". A harness.Broker for Agent, Subscriber,
    Results, pub() and retained() (its clients speak MQTT 3.1.1)."""
    mqtt_version = mqttclient.V311
    operator = "test"

    def __init__(self):
        super().__init__(config="# Aedes: no mosquitto configuration\n",
                         users={"test": "test-password"})
        self.admin = "test"          # the one account publishes its own fence probes

    def add_device(self, name, groups=(), password=None):
        return "test"

    def start(self):
        script = os.path.join(HERE, "aedes-broker.mjs")
        if not os.path.isdir(os.path.join(HERE, "node_modules", "aedes")):
            raise AssertionError("tests/cluster: run `npm ci` there first (Aedes)")
        self.log = tempfile.NamedTemporaryFile("w", prefix="keymime-aedes-")
        self.proc = subprocess.Popen([node(), script, str(self.port), "test", self.users["test"]],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=HERE)
        wait_for(self._accepting, 20, "Aedes to listen")
        return self

    def _accepting(self):
        if self.proc.poll() is not None:
            raise AssertionError("aedes exited: %s" % open(self.log.name).read())
        return harness.can_connect(self.port)


class Silent:
    """A TCP port that accepts connections and never says a word (a broker
    behind a firewall looks like this to the agent: no answer in time)."""

    def __init__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def log_lines(agent, needle):
    return [l for l in agent.logtext().splitlines() if needle in l]


class ErlangDist:
    """A private Erlang distribution on loopback: its own epmd on a free port
    (started here, in the foreground, so it ends with the test) and a cookie.
    Node names are <name>@127.0.0.1 (long names: no host name lookup)."""

    def __init__(self, tag):
        import secrets
        self.port = harness.free_port()
        self.cookie = "keymime" + secrets.token_hex(8)
        self.tag = "%s%d" % (tag, os.getpid())
        self.env = dict(os.environ, ERL_EPMD_PORT=str(self.port), ERL_EPMD_ADDRESS="127.0.0.1")
        self.epmd = subprocess.Popen(["epmd", "-port", str(self.port), "-address", "127.0.0.1"],
                                     env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(lambda: self._epmd_up(), 10, "epmd")

    def _epmd_up(self):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def node(self, name):
        return "%s%s@127.0.0.1" % (name, self.tag)

    def erl_args(self, name, hidden=False):
        return (["erl", "-name", self.node(name), "-setcookie", self.cookie, "-noinput",
                 "-kernel", "inet_dist_use_interface", "{127,0,0,1}"] +
                (["-hidden"] if hidden else []))

    def call(self, node, expr, timeout=60):
        """Evaluate an Erlang call on node (rpc), from a short-lived hidden
        node; returns what it printed (~p of the result)."""
        import secrets
        code = ("R = rpc:call('%s', %s, %d), io:format(\"~p~n\", [R]), halt()."
                % (node, expr, timeout * 1000))
        r = subprocess.run(self.erl_args("ctl" + secrets.token_hex(3), hidden=True) +
                           ["-eval", code], env=self.env, capture_output=True, text=True,
                           timeout=timeout + 30)
        return r.stdout.strip()

    def close(self):
        self.epmd.terminate()
        self.epmd.wait(10)


class Managed:
    """A server started by `with`: stopped, and its scratch directories
    removed, on leaving, and also when start() itself fails half-way."""

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        self.stop()
        for d in self.scratch_dirs():
            shutil.rmtree(d, ignore_errors=True)


class Ejabberd(Managed):
    """A cluster of ejabberd nodes (Debian 12's ejabberd 23.01, mod_mqtt) on
    loopback, started from erl directly (no system service, no su): each node
    has its own config (one MQTT listener on a free port), spool and log; the
    nodes share a cookie and a private epmd; node k>0 joins node 0 with
    ejabberd's join_cluster command. One account per user given (ejabberd's
    internal auth; mod_mqtt users are <name>@keymime.test). Quacks like a
    harness.Broker for agents and mosquitto clients: .node(i) gives one."""

    HOST = "keymime.test"
    EJABBERD_LIBS = "/usr/lib/x86_64-linux-gnu"

    def __init__(self, n=2, users=None, ws=False):
        self.ws_ports = [harness.free_port() for _ in range(n)] if ws else None
        self.dir = tempfile.mkdtemp(prefix="keymime-ejabberd-")
        self.dist = ErlangDist("kmej")
        self.names = ["node%s" % chr(ord("a") + i) for i in range(n)]
        self.ports = [harness.free_port() for _ in range(n)]
        self.procs = [None] * n
        self.clients = []            # EjabberdNode views, their clients closed at stop
        self.users = {"test": "test-password"}
        self.users.update(users or {})

    def _config(self, i):
        d = os.path.join(self.dir, self.names[i])
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "ejabberd.yml")
        with open(path, "w") as f:
            f.write("hosts: [\"%s\"]\nloglevel: warning\n"
                    "listen:\n  -\n    port: %d\n    ip: \"127.0.0.1\"\n"
                    "    module: mod_mqtt\n    backlog: 1000\n" % (self.HOST, self.ports[i]))
            if self.ws_ports:   # MQTT over WebSockets for the dashboard: ws://…/mqtt
                f.write("  -\n    port: %d\n    ip: \"127.0.0.1\"\n    module: ejabberd_http\n"
                        "    request_handlers:\n      /mqtt: mod_mqtt_ws\n" % self.ws_ports[i])
            f.write("auth_method: [internal]\nshaper_rules: {}\n"
                    "modules:\n  mod_mqtt:\n    max_queue: 10000\n")
        return d, path

    def start_node(self, i):
        d, path = self._config(i)
        env = dict(self.dist.env, EJABBERD_CONFIG_PATH=path, ERL_LIBS=self.EJABBERD_LIBS,
                   EJABBERD_LOG_PATH=os.path.join(d, "ejabberd.log"), HOME=d)
        log = open(os.path.join(d, "erl.log"), "ab")
        self.procs[i] = subprocess.Popen(
            self.dist.erl_args(self.names[i]) +
            ["-mnesia", "dir", '"%s"' % os.path.join(d, "spool"), "-s", "ejabberd"],
            cwd=d, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def _started(self, i):
        if self.procs[i].poll() is not None:
            raise AssertionError("ejabberd node %s exited: %s" % (
                self.names[i], self.log(i)[-8000:]))
        out = self.dist.call(self.node_name(i), 'ejabberd_ctl, process, [["status"]]', 20)
        # (the Erlang node may be up with the ejabberd application not yet,
        # or not any more: during a join it is stopped and started again)
        return "with status: started" in out and "is running in that node" in out

    def node_name(self, i):
        return self.dist.node(self.names[i])

    def ctl(self, i, *args):
        """An ejabberdctl command run on node i (ejabberd_ctl:process/1, what
        ejabberdctl itself calls); returns its printed output and status."""
        return self.dist.call(self.node_name(i), "ejabberd_ctl, process, [%s]" % (
            "[" + ", ".join('"%s"' % a for a in args) + "]"))

    def start(self):
        for i in range(len(self.names)):
            self.start_node(i)
        for i in range(len(self.names)):
            wait_for(lambda: self._started(i), 120, "ejabberd node %s" % self.names[i],
                     interval=0.5)
        for i in range(1, len(self.names)):
            self._join(i)
        for user, password in self.users.items():
            out = self.ctl(0, "register", user, self.HOST, password)
            assert out.endswith("0"), out
        for i in range(len(self.names)):
            wait_for(lambda: self._accepting(i), 30, "MQTT on %s" % self.names[i])
        return self

    def _join(self, i):
        """join_cluster, then the membership seen from node 0."""
        out = ""
        for _ in range(3):
            # The nodes see each other first (a loaded machine can make the
            # first distribution handshake time out: no_ping).
            wait_for(lambda: self.dist.call(self.node_name(i), "net_adm, ping, ['%s']" %
                                            self.node_name(0), 30) == "pong",
                     120, "%s to reach %s" % (self.names[i], self.names[0]), interval=1.0)
            # What `ejabberdctl join_cluster` runs (ejabberd_admin:join_cluster),
            # called directly: the command's own lookup fails while the join
            # restarts the database under it.
            out = self.dist.call(self.node_name(i), "ejabberd_cluster, join, ['%s']" %
                                 self.node_name(0), 120)
            wait_for(lambda: self._started(i), 120, "%s after the join" % self.names[i],
                     interval=0.5)
            if self.node_name(i) in self.dist.call(self.node_name(0),
                                                   "ejabberd_cluster, get_nodes, []"):
                return
        raise AssertionError("join_cluster: %s\n%s\n%s" % (out, self.log(i)[-3000:],
                                                           self.log(0)[-3000:]))

    def _accepting(self, i):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.ports[i]), 0.2).close()
            return True
        except OSError:
            return False

    def kill(self, i, sig=9):
        """Stop node i at once (SIGKILL: a crash, its clients' TCP drop)."""
        p = self.procs[i]
        if p and p.poll() is None:
            p.send_signal(sig)
            p.wait(30)

    def log(self, i):
        d = os.path.join(self.dir, self.names[i])
        out = ""
        for f in ("erl.log", "ejabberd.log"):
            try:
                out += open(os.path.join(d, f), errors="replace").read()
            except OSError:
                pass
        return out

    def stop(self):
        for n in self.clients:
            n.stop()
        for i in range(len(self.names)):
            self.kill(i, 15)
        self.dist.close()

    def scratch_dirs(self):
        return [self.dir]

    def node(self, i):
        n = EjabberdNode(self, i)
        self.clients.append(n)
        return n


class StandIn(harness.Broker):
    """A broker that is not our mosquitto, as a harness.Broker for Agent,
    Subscriber, Results, pub() and retained(): one account, "test", no ACL
    (every agent and client logs in as test). start/stop are its owner's."""
    operator = "test"

    def __init__(self, port, version=mqttclient.V5):
        super().__init__(config="# not a mosquitto: no configuration\n",
                         users={"test": "test-password"})
        self.port = self.listen_port = port
        self.admin = "test"          # the one account publishes its own fence probes
        self.mqtt_version = version

    def add_device(self, name, groups=(), password=None):
        return "test"

    def start(self):
        return self

    def stop(self):
        """Close the test's clients (the broker is its owner's to stop)."""
        self.proc = None
        super().stop()


class EjabberdNode(StandIn):
    """One node of an Ejabberd cluster (MQTT 5)."""

    def __init__(self, cluster, i):
        super().__init__(cluster.ports[i])
        self.cluster, self.i = cluster, i



class RabbitMQ(Managed, StandIn):
    """RabbitMQ 3.10 (Debian 12) with rabbitmq_mqtt on a free loopback port,
    run from its own scripts as this user (no system service): a private
    epmd, node rmq<pid>@127.0.0.1, its own config, database and logs; one
    account, test. Its MQTT is 3.1.1 only (it closes the connection after an
    MQTT 5 CONNECT), and it gives wildcard subscriptions no retained
    messages. Quacks like a harness.Broker."""

    SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"

    def __init__(self):
        super().__init__(harness.free_port(), mqttclient.V311)
        self.rdir = tempfile.mkdtemp(prefix="keymime-rabbitmq-")
        self.dist = ErlangDist("rmq")
        self.rproc = None

    def start(self):
        d = self.rdir
        with open(os.path.join(d, "rabbitmq.conf"), "w") as f:
            f.write("listeners.tcp.default = 127.0.0.1:%d\n"
                    "mqtt.listeners.tcp.default = 127.0.0.1:%d\n"
                    "mqtt.allow_anonymous = false\n"
                    "default_user = test\ndefault_pass = %s\nloopback_users = none\n"
                    "log.console = false\nlog.file.level = warning\n"
                    % (harness.free_port(), self.port, self.users["test"]))
        with open(os.path.join(d, "enabled_plugins"), "w") as f:
            f.write("[rabbitmq_mqtt].\n")
        cookie = os.path.join(d, ".erlang.cookie")
        with open(cookie, "w") as f:
            f.write(self.dist.cookie)
        os.chmod(cookie, 0o400)
        env = dict(self.dist.env, HOME=d, RABBITMQ_USE_LONGNAME="true",
                   RABBITMQ_NODENAME=self.dist.node("rmq"),
                   RABBITMQ_MNESIA_BASE=os.path.join(d, "mnesia"),
                   RABBITMQ_LOG_BASE=os.path.join(d, "log"),
                   RABBITMQ_CONFIG_FILE=os.path.join(d, "rabbitmq.conf"),
                   RABBITMQ_ADVANCED_CONFIG_FILE=os.path.join(d, "advanced.config"),
                   RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(d, "enabled_plugins"),
                   RABBITMQ_PID_FILE=os.path.join(d, "pid"), RABBITMQ_CONF_ENV_FILE="/dev/null",
                   RABBITMQ_DIST_PORT=str(harness.free_port()),
                   RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface "
                                                       "{127,0,0,1}")
        with open(os.path.join(d, "out.log"), "ab") as log:
            self.rproc = subprocess.Popen([self.SERVER], cwd=d, env=env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._accepting, 120, "RabbitMQ's MQTT listener", interval=0.5)
        return self

    def _accepting(self):
        if self.rproc.poll() is not None:
            raise AssertionError("rabbitmq-server exited: %s" % open(
                os.path.join(self.rdir, "out.log"), errors="replace").read()[-3000:])
        return harness.can_connect(self.port)

    def stop(self):
        import signal as sg
        super().stop()
        if self.rproc and self.rproc.poll() is None:
            os.killpg(self.rproc.pid, sg.SIGTERM)   # the script and the Erlang VM under it
            try:
                self.rproc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.rproc.pid, sg.SIGKILL)
                self.rproc.wait()
        self.rproc = None
        self.dist.close()

    def scratch_dirs(self):
        return [self.rdir, self.dir]


def v5_like(node, topics):
    """A V5Subscriber on a StandIn (user test)."""
    return V5Subscriber(node, topics, "test")


def serve_ejabberd(argv):
    """clusterlib.py ejabberd USER… : a two-node cluster with WebSockets
    listeners (ws://127.0.0.1:PORT/mqtt) and these accounts (all with one
    password); prints one JSON line (ports, password), then reads commands
    from stdin ("kill N": SIGKILL node N) until it closes, and stops."""
    import json
    import secrets
    pw = "pw-" + secrets.token_hex(6)
    with Ejabberd(2, users={u: pw for u in argv}, ws=True) as c:
        print(json.dumps({"mqtt": c.ports, "ws": c.ws_ports, "password": pw}), flush=True)
        for line in sys.stdin:
            words = line.split()
            if words[:1] == ["kill"]:
                c.kill(int(words[1]))
                print(json.dumps({"killed": int(words[1])}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["ejabberd"]:
        serve_ejabberd(sys.argv[2:])
