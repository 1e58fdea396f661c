# SPDX-License-Identifier: MIT
"""`keymime-broker reload` (SIGHUP) on mosquitto 2.0.11: accounts added after
start work without a restart, connected clients stay connected, ACL changes
apply to existing subscriptions, and server certificates are re-read; new
listeners are not opened by a reload (a restart is needed)."""
import os
import socket
import ssl
import subprocess

from brokerlib import BrokerDir, testmain, wait_for

D = BrokerDir()
D.add_device("pi1")
OP = D.add("operator", "op")
B = D.start()


def served_serial(port):
    ctx = ssl.create_default_context(cafile=D.ca_file())
    der = None

    def handshake():
        # A handshake reset once under a loaded CI run (not reproduced):
        # retried for a while, and the broker's log shown if it persists.
        nonlocal der
        try:
            with socket.create_connection(("127.0.0.1", port), 5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    der = s.getpeercert(binary_form=True)
            return True
        except (ConnectionResetError, ssl.SSLError) as e:
            handshake.last = e
            return False
    try:
        wait_for(handshake, 5, "a TLS handshake on port %d" % port)
    except AssertionError as e:
        raise AssertionError("%s (%r); mosquitto's log:\n%s"
                             % (e, getattr(handshake, "last", None), open(B.log.name).read()))
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"],
                         input=der, capture_output=True).stdout.decode()
    return out.strip().split("=")[1]


def file_serial(path):
    return subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"],
                          capture_output=True, text=True).stdout.strip().split("=")[1]


def test_reload_keeps_connections_and_adds_accounts():
    with D.sub("keymime/pi1/type", "pi1") as dev:
        pw = D.add("viewer", "late")   # the tool reloads the running broker
        wait_for(lambda: D.pub("keymime/pi1/status", "x", "late", pw) == 0, 5,
                 "the new account to work without restart")
        D.kb_reload("reload")
        D.pub("keymime/pi1/type", "after two reloads", "op", OP)
        assert dev.wait(1) == [("keymime/pi1/type", "after two reloads")]
        assert dev.connected
    log = open(B.log.name).read()
    assert log.count("Reloading config") >= 2, log


def test_group_change_applies_to_live_subscription():
    with D.sub("keymime/group/+/type", "pi1") as dev:
        D.pub("keymime/group/lab/type", "before", "op", OP)
        dev.fence()
        assert dev.messages() == []
        # Group membership is the ACL: write it and reload, no reconnect.
        with open(os.path.join(D.dir, "acl.local"), "w") as f:
            f.write("user pi1\ntopic read keymime/group/lab/type\n")
        D.kb_reload("acl")
        D.pub("keymime/group/lab/type", "after", "op", OP)
        assert dev.wait(1) == [("keymime/group/lab/type", "after")]
    os.unlink(os.path.join(D.dir, "acl.local"))
    D.kb("acl")


def test_reload_rereads_server_certificate_not_listeners():
    # TLS added to a running broker: a reload cannot open the listeners ...
    D.kb("ca")
    D.kb("server-cert", "localhost")
    D.kb_reload("reload")
    try:
        socket.create_connection(("127.0.0.1", D.tls_port), 0.5).close()
        raise AssertionError("a reload opened a new listener")
    except ConnectionRefusedError:
        pass
    assert B.proc.poll() is None, "broker died on reload"
    # ... a restart does; a later reload swaps a renewed certificate in place.
    B.stop()
    B.start()
    wait_for(lambda: _can_connect(D.tls_port), 5, "TLS listener")
    crt = os.path.join(D.dir, "certs", "keymime-server.crt")
    first = served_serial(D.tls_port)
    assert first == file_serial(crt)
    with D.sub("keymime/pi1/type", "pi1") as dev:
        D.kb("server-cert", "localhost")
        D.kb("reload")
        wait_for(lambda: served_serial(D.tls_port) == file_serial(crt), 5, "renewed certificate")
        assert served_serial(D.tls_port) != first
        D.pub("keymime/pi1/type", "still here", "op", OP)
        assert dev.wait(1) == [("keymime/pi1/type", "still here")]


def _can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    testmain.main(globals(), cleanup=D.cleanup)
