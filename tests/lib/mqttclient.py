# SPDX-License-Identifier: MIT
"""The one MQTT client of the Python test suites: a thin layer over Debian's
python3-paho-mqtt (1.6, MQTT 3.1.1 and 5, TCP or WebSockets, TLS).

    c = Client(port, "operator", password)            # connected when this returns
    c.subscribe("keymime/pi1/result")                 # returns after the SUBACK
    c.publish("keymime/pi1/cmd", '{"text":"hi"}')     # QoS 1: returns after the PUBACK
    c.wait(1)                                         # [(topic, payload str)]
    c.close()

Every method that talks to the broker waits for the broker's answer (CONNACK,
SUBACK, PUBACK), so a test never needs a sleep to "let it get there".
Messages are collected in arrival order: messages() gives (topic, payload
str) pairs, received() the full Message (bytes, retain flag, MQTT v5
properties). A refused connection raises Refused (its reason code in .rc);
connack() returns the code instead.

fence(): proves that everything the broker had for this client before the
call has arrived. A probe message, unique to this client, is published to a
topic the client reads (its `probe` topic) by the `prober` client, and
fence() returns once it came back; probes never show in messages(). (The
probe topic gets a subscription of its own, made at the first fence, only
when none of the test's covers it.) A
message another connection published with QoS 1 (its PUBACK received)
before the fence is routed by the broker before the probe, so "it did not
arrive" can be asserted right after fence() instead of after a sleep.

Where a test must send what no client would (malformed packets, a PUBLISH to
a wildcard topic), it uses a raw socket of its own, marked as such; the
WebSocket-less MQTT encoders the suites used to carry are gone.
"""
import itertools
import os
import ssl
import threading
import time

try:
    import paho.mqtt.client as paho
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    from paho.mqtt.subscribeoptions import SubscribeOptions
except ImportError as exc:   # python3-paho-mqtt is a test dependency (install-deps.sh --test)
    raise ImportError("%s: install Debian's python3-paho-mqtt (provisioning/install-deps.sh "
                      "--test) and run the tests with Debian's /usr/bin/python3" % exc)

V311, V5 = 4, 5
_ids = itertools.count(1)


class Refused(ConnectionError):
    """The broker refused the connection (rc: the CONNACK code) or closed it
    before answering (rc None)."""

    def __init__(self, rc, why):
        super().__init__(why)
        self.rc = rc


class Message:
    """One message as it arrived: topic (str), payload (bytes), qos, retain,
    and with MQTT v5 its user properties [(key, value)], correlation data
    (bytes or None) and response topic (str or None)."""
    __slots__ = ("topic", "payload", "qos", "retain", "user_properties", "correlation_data",
                 "response_topic")

    def __init__(self, msg):
        self.topic, self.payload = msg.topic, bytes(msg.payload)
        self.qos, self.retain = msg.qos, bool(msg.retain)
        props = getattr(msg, "properties", None)
        self.user_properties = list(getattr(props, "UserProperty", []) or [])
        self.correlation_data = getattr(props, "CorrelationData", None)
        self.response_topic = getattr(props, "ResponseTopic", None)

    @property
    def text(self):
        return self.payload.decode("utf-8", "replace")

    def __repr__(self):
        return "Message(%r, %r%s)" % (self.topic, self.payload, ", retain" if self.retain else "")


class _Paho(paho.Client):
    """paho's client, whose network thread ends quietly when the connection
    fails under it (a TLS alert from a broker refusing the certificate, a
    reset): the Client sees it closed, as after any disconnect."""

    def _thread_main(self):
        try:
            super()._thread_main()
        except (OSError, ssl.SSLError, ValueError):
            if self.on_disconnect:
                self.on_disconnect(self, None, paho.MQTT_ERR_CONN_LOST)


def _rc(code):
    """A CONNACK/SUBACK code as an int (paho gives MQTT v5 ReasonCodes objects)."""
    return code if isinstance(code, int) else code.value


class Client:
    """One connection, its own network thread (paho), no automatic reconnect.

    port, user, password: the broker and the account (user None: anonymous).
    version: V5 (default) or V311. transport: "tcp" or "websockets" (path
    /mqtt). tls_ca: a CA file turns TLS on (the server's name is checked
    against host); cert, key: a client certificate. client_id: default a
    unique "keymime-test-…"; clean False keeps a session (v3.1.1 clean
    session / v5 clean start with a session that outlives the connection).
    probe, prober: see fence(). timeout: for every wait on the broker.
    threaded False: no network thread; the caller's thread does the I/O
    (publish() writes at once, next_message() reads): for a benchmark, where
    a thread hand-off would be measured too.
    """

    def __init__(self, port, user=None, password=None, host="127.0.0.1", version=V5,
                 transport="tcp", tls_ca=None, cert=None, key=None, client_id=None, clean=True,
                 keepalive=60, timeout=10.0, probe=None, prober=None, threaded=True):
        self.host, self.port, self.user, self.version = host, port, user, version
        self.threaded = threaded
        self.timeout = timeout
        self.probe_topic, self.prober = probe, prober
        self.client_id = client_id or "keymime-test-%d-%d" % (os.getpid(), next(_ids))
        self._cond = threading.Condition()
        self._msgs = []          # Message, in arrival order (probes included)
        self._suback = {}        # mid -> [codes]
        self._connack = None     # CONNACK code once answered
        self._closed = False     # the connection ended (or never was)
        self._probe_seq = itertools.count(1)
        self._subs = []          # the filters subscribed (but the probe's own)
        self._probe_sub = False  # the probe topic has a subscription of its own
        proto = paho.MQTTv5 if version == V5 else paho.MQTTv311
        kw = {} if version == V5 else {"clean_session": clean}
        self._c = _Paho(client_id=self.client_id, protocol=proto, transport=transport,
                              reconnect_on_failure=False, **kw)
        self._c.max_inflight_messages_set(100)
        if transport == "websockets":
            self._c.ws_set_options(path="/mqtt")
        if user is not None:
            self._c.username_pw_set(user, password)
        if tls_ca:
            self._c.tls_set(ca_certs=tls_ca, certfile=cert, keyfile=key,
                            cert_reqs=ssl.CERT_REQUIRED)
        self._c.on_connect = self._on_connect
        self._c.on_disconnect = self._on_disconnect
        self._c.on_message = self._on_message
        self._c.on_subscribe = self._on_subscribe
        self._connect(keepalive, clean)

    # ---- paho callbacks (network thread)
    def _on_connect(self, c, userdata, flags, rc, properties=None):
        with self._cond:
            self._connack = _rc(rc)
            self._cond.notify_all()

    def _on_disconnect(self, c, userdata, rc, properties=None):
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _on_message(self, c, userdata, msg):
        with self._cond:
            self._msgs.append(Message(msg))
            self._cond.notify_all()

    def _on_subscribe(self, c, userdata, mid, granted, properties=None):
        with self._cond:
            self._suback[mid] = [_rc(g) for g in granted]
            self._cond.notify_all()

    # ---- connecting
    def _connect(self, keepalive, clean):
        kw = {}
        if self.version == V5:
            kw["clean_start"] = clean
            if not clean:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = 3600
                kw["properties"] = props
        try:
            self._c.connect(self.host, self.port, keepalive, **kw)
        except (OSError, ssl.SSLError, ValueError) as exc:   # refused, TLS, WebSocket upgrade
            self._closed = True
            raise Refused(None, "cannot connect to %s:%d: %s" % (self.host, self.port, exc))
        if self.threaded:
            self._c.loop_start()
        with self._cond:
            if not self._wait(lambda: self._connack is not None or self._closed, self.timeout):
                self.close()
                raise Refused(None, "no CONNACK from %s:%d within %.0fs"
                              % (self.host, self.port, self.timeout))
            rc = self._connack
        if rc != 0:
            self.close()
            raise Refused(rc, "the broker refused %s: CONNACK %s" % (self.user, rc))

    @property
    def connected(self):
        with self._cond:
            return not self._closed

    def wait_closed(self, timeout=None):
        """Wait until the broker ends the connection; True if it did."""
        with self._cond:
            return self._cond.wait_for(lambda: self._closed, timeout or self.timeout)

    def close(self):
        if not self._closed:
            try:
                self._c.disconnect()
            except Exception:  # noqa: BLE001 - closing what may be half open
                pass
        if self.threaded:
            self._c.loop_stop()
        with self._cond:
            self._closed = True

    def _wait(self, pred, timeout):
        """Wait for pred() under the lock (held by the caller); without a
        network thread, run the network loop meanwhile."""
        if self.threaded:
            return self._cond.wait_for(pred, timeout)
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline or self._closed:
                return pred()
            self._cond.release()
            try:
                if self._c.loop(0.01) != paho.MQTT_ERR_SUCCESS:
                    self._closed = True
            finally:
                self._cond.acquire()
        return True

    def next_message(self, timeout=10):
        """(Unthreaded use.) The next Message to arrive; it is taken off the
        list. Raises TimeoutError."""
        with self._cond:
            if not self._wait(lambda: self._msgs, timeout):
                raise TimeoutError("no message within %.1fs" % timeout)
            return self._msgs.pop(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- publishing and subscribing
    def publish(self, topic, payload, qos=1, retain=False, response_topic=None,
                correlation_data=None, user_properties=()):
        """Publish; with QoS 1 or 2, return after the broker acknowledged it.
        payload: str (UTF-8) or bytes; "" or b"" is an empty message. A
        wildcard topic raises ValueError (no client sends one)."""
        info = self._publish(topic, payload, qos, retain, response_topic, correlation_data,
                             user_properties)
        if qos:
            self._wait_published([info], topic, self.timeout)
        return info

    def publish_many(self, topic, payloads, qos=0, timeout=120, **props):
        """Publish every payload in order, as fast as the connection takes
        them; returns once all were written (QoS 0) or acknowledged."""
        infos = [self._publish(topic, p, qos, False, **props) for p in payloads]
        self._wait_published(infos if qos else infos[-1:], topic, timeout)

    def _wait_published(self, infos, topic, timeout):
        deadline = time.monotonic() + timeout
        for info in infos:
            while not info.is_published():
                if not self.connected or time.monotonic() > deadline:
                    raise ConnectionError("no PUBACK for %s (connected: %s)"
                                          % (topic, self.connected))
                with self._cond:
                    self._wait(info.is_published, 0.01)

    def _publish(self, topic, payload, qos, retain, response_topic=None, correlation_data=None,
                 user_properties=()):
        props = None
        if response_topic or correlation_data is not None or user_properties:
            props = Properties(PacketTypes.PUBLISH)
            if response_topic:
                props.ResponseTopic = response_topic
            if correlation_data is not None:
                props.CorrelationData = (correlation_data.encode()
                                         if isinstance(correlation_data, str) else correlation_data)
            for k, v in user_properties:
                props.UserProperty = (k, v)
        if isinstance(payload, str):
            payload = payload.encode()
        info = self._c.publish(topic, payload, qos, retain, props)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise ConnectionError("publish to %s: %s" % (topic, paho.error_string(info.rc)))
        return info

    def subscribe(self, topics, qos=1, retain_as_published=False, no_local=False, _probe=False):
        """Subscribe to one filter or a list; returns the SUBACK codes once
        the broker answered (a code >= 0x80 is a refusal)."""
        topics = [topics] if isinstance(topics, str) else list(topics)
        if not _probe:
            self._subs += topics
            if self._probe_sub and self._covered():
                # The probe's own subscription would now deliver twice.
                self.unsubscribe([self.probe_topic], _probe=True)
                self._probe_sub = False
        if self.version == V5:
            opts = SubscribeOptions(qos=qos, retainAsPublished=retain_as_published,
                                    noLocal=no_local)
            rc, mid = self._c.subscribe([(t, opts) for t in topics])
        else:
            rc, mid = self._c.subscribe([(t, qos) for t in topics])
        if rc != paho.MQTT_ERR_SUCCESS:
            raise ConnectionError("subscribe %s: %s" % (topics, paho.error_string(rc)))
        with self._cond:
            if not self._wait(lambda: mid in self._suback or self._closed, self.timeout):
                raise AssertionError("no SUBACK for %s within %.0fs" % (topics, self.timeout))
            if mid not in self._suback:
                raise ConnectionError("connection closed before the SUBACK for %s" % topics)
            return self._suback.pop(mid)

    def unsubscribe(self, topics, _probe=False):
        if not _probe:
            for t in topics:
                self._subs.remove(t)
        self._c.unsubscribe(topics)

    def _covered(self):
        return any(paho.topic_matches_sub(f, self.probe_topic) for f in self._subs)

    # ---- what arrived
    def _is_probe(self, m):
        """A fence's probe (of any client), or anything that came only
        through the probe topic's own subscription."""
        return m.payload.startswith(b"keymime-probe ") or (
            self._probe_sub and m.topic == self.probe_topic)

    def received(self):
        """Every Message so far but the probes, in arrival order."""
        with self._cond:
            return [m for m in self._msgs if not self._is_probe(m)]

    def messages(self):
        """[(topic, payload as str)] so far, probes left out."""
        return [(m.topic, m.text) for m in self.received()]

    def live(self):
        """messages() without those the broker sent as retained at subscribe
        time (mosquitto_sub -R)."""
        return [(m.topic, m.text) for m in self.received() if not m.retain]

    def clear(self):
        """Forget what arrived so far."""
        with self._cond:
            self._msgs = []

    def wait(self, n, timeout=10, topic_suffix=""):
        """Wait for at least n messages (on topics ending in topic_suffix);
        returns messages()."""
        def enough():
            return len([1 for t, _ in self.messages() if t.endswith(topic_suffix)]) >= n
        self.wait_until(enough, timeout, "%d messages%s" % (n, topic_suffix and " on *" +
                                                              topic_suffix))
        return self.messages()

    def wait_until(self, pred, timeout=10, what="a message"):
        """Wait until pred() (called under no lock) is true; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out after %.1fs waiting for %s; got %r"
                                     % (timeout, what, self.messages()[-10:]))
            with self._cond:
                self._cond.wait(min(left, 0.05))

    def fence(self, timeout=None):
        """Return once everything routed to this client before the call has
        arrived: a unique probe is published (by the prober, QoS 1) on the
        probe topic and waited for. Needs probe= and a prober that may
        publish there (default: this client itself)."""
        if not self.probe_topic:
            raise AssertionError("fence() needs a probe topic this client reads")
        if not self._probe_sub and not self._covered():
            # Subscribed for the probe only when no subscription of the test
            # covers it (two would deliver a message twice).
            self.subscribe(self.probe_topic, _probe=True)
            self._probe_sub = True
        token = ("keymime-probe %s %d" % (self.client_id, next(self._probe_seq))).encode()
        (self.prober or self).publish(self.probe_topic, token, qos=1)
        with self._cond:
            if not self._cond.wait_for(lambda: any(m.payload == token for m in self._msgs),
                                       timeout or self.timeout):
                raise AssertionError("the fence probe on %s did not come back (connected: %s)"
                                     % (self.probe_topic, not self._closed))

    def retained(self, topics, timeout=None):
        """The retained messages on topics (a filter or a list) now:
        {topic: payload str}. Subscribes, waits for the SUBACK and a fence,
        unsubscribes. Needs a probe topic (see fence())."""
        n0 = len(self.received())
        self.subscribe(topics)
        self.fence(timeout)
        got = [m for m in self.received()[n0:] if m.retain]
        self.unsubscribe(topics if isinstance(topics, list) else [topics])
        return {m.topic: m.text for m in got}


def connack(port, user=None, password=None, **kw):
    """The CONNACK code a connection gets (0 accepted), or "closed" when the
    broker hangs up without one (or the TLS/WebSocket handshake fails)."""
    try:
        Client(port, user, password, **kw).close()
        return 0
    except Refused as exc:
        return "closed" if exc.rc is None else exc.rc
