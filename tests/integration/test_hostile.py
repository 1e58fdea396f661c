# SPDX-License-Identifier: MIT
"""Hostile input (issue #10): malformed UTF-8, NUL bytes, oversized payloads,
deep JSON nesting, huge seq/keys, wrong types, unknown and duplicate fields,
overlong ids, huge numbers, odd topics, wildcard publishing. Each message due
a result gets exactly one, with a clear error code; nothing is typed; the
agent stays up and still types a normal command afterwards.
"""
import json
import os
import socket
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faults_lib import RELEASE, Agent, Broker, Results, assert_alive, typed_text, wait_for  # noqa: E402
from harness import ADMIN, OPERATOR  # noqa: E402

SEQ_10K = json.dumps({"id": "seq10k", "seq": [{"text": "a"}] * 10000})
KEYS_10K = "a " * 10000

# (topic leaf, payload, expected error code, expected id in the result)
CASES = [
    ("cmd", b"\xff\xfe{}", "bad_utf8", None),
    ("cmd", b'{"id":"u8","text":"a\xc3"}', "bad_utf8", None),
    ("type", b"ab\xc3", "bad_utf8", None),
    ("type", b"\xed\xa0\x80", "bad_utf8", None),             # a UTF-16 surrogate
    ("keys", b"\xc0\x80", "bad_utf8", None),                 # overlong NUL
    ("type", b"a\x00b", "untypable", None),
    ("cmd", b'{"id":"nul1","text":"a\\u0000b"}', "untypable", "nul1"),
    ("cmd", b'{"id":"nul2","text":"a"}\x00', "bad_json", None),
    ("cmd", b'{"id":"nul3",\x00"text":"a"}', "bad_json", None),
    ("cmd", b"x" * 300000, "too_large", None),
    ("type", b"y" * 300000, "too_large", None),
    ("keys", b"a " * 150000, "too_large", None),
    ("cmd", b"[" * 10000, "bad_json", None),
    ("cmd", b'{"a":' * 10000, "bad_json", None),
    ("cmd", b'{"id":"deep","text":"a","x":' + b"[" * 10000 + b"]" * 10000 + b"}", "bad_json", None),
    ("cmd", SEQ_10K.encode(), "too_many_steps", "seq10k"),
    ("keys", KEYS_10K.encode(), "too_many_steps", None),
    ("keys", b"+" * 1000, "bad_chord", None),
    ("cmd", b'{"id":"t1","text":5}', "bad_type", "t1"),
    ("cmd", b'{"id":"t2","delay_ms":"x","text":"a"}', "bad_type", "t2"),
    ("cmd", b'{"id":["x"],"text":"a"}', "bad_type", None),
    ("cmd", b'{"id":{"a":1},"text":"a"}', "bad_type", None),
    ("cmd", b'{"id":"t3","seq":{}}', "bad_type", "t3"),
    ("cmd", b'{"id":"t4","cancel":false}', "bad_value", "t4"),
    ("cmd", b'{"id":"t5","text":null}', "bad_type", "t5"),
    ("cmd", b'{"id":"t6","seq":[1,2]}', "bad_type", "t6"),
    ("cmd", b'{"id":"t7","seq":[{"text":"a","keys":"b"}]}', "bad_command", "t7"),
    ("cmd", b'{"id":"t8","layout":7,"text":"a"}', "bad_type", "t8"),
    ("cmd", b'{"id":"t9","layout":"xx","text":"a"}', "unknown_layout", "t9"),
    ("cmd", b'{"id":"u1","text":"a","foo":1}', "unknown_field", "u1"),
    ("cmd", b'{"id":"u2","seq":[{"typo":"a"}]}', "unknown_field", "u2"),
    ("cmd", b'{"id":"u3","text":"a","keys":"b"}', "bad_command", "u3"),
    ("cmd", b'{"id":"u4"}', "bad_command", "u4"),
    ("cmd", json.dumps({"id": "x" * 1000, "text": "a"}).encode(), "bad_id", None),
    ("cmd", b'{"id":"h1","text":"a","delay_ms":1e400}', "bad_type", "h1"),
    ("cmd", b'{"id":"h2","text":"a","delay_ms":99999999999999999999999}', "bad_value", "h2"),
    ("cmd", b'{"id":"h3","seq":[{"delay_ms":-1}]}', "bad_value", "h3"),
    ("cmd", b'{"id":"h4","delay_ms":1.5,"text":"a"}', "bad_type", "h4"),
    ("cmd", b'{"id":18446744073709551616,"text":"a"}', "bad_id", None),
    ("cmd", b'{"id":-9223372036854775809,"text":"a"}', "bad_id", None),
    ("cmd", b'{"id":1e999,"text":"a"}', "bad_type", None),
    ("cmd", b"", "bad_json", None),
    ("cmd", b"[]", "bad_command", None),
    ("cmd", b'"text"', "bad_command", None),
    ("cmd", b"{} {}", "bad_json", None),
    ("cmd", b'{"id":"trunc","text":"a', "bad_json", None),
    ("keys", b"", "bad_chord", None),
    ("keys", b"ctl+c", "unknown_key", None),
    ("keys", b"ctrl+", "bad_chord", None),
    ("cmd", b'{"id":"k1","keys":"a+b+c+d+e+f+g"}', "too_many_keys", "k1"),
    ("cmd", b'{"id":"k2","down":"VolumeUp+a"}', "bad_chord", "k2"),
    ("type", "é€😀".encode(), "untypable", None),
]


# ---- RAW SOCKET, on purpose: a PUBLISH to a wildcard topic, which no client
# (mosquitto_pub, paho) would send, to see the broker hang up on it.

def mqtt_string(s):
    b = s.encode("utf-8")
    return struct.pack("!H", len(b)) + b


def mqtt_packet(kind, body):
    n, rem = len(body), b""
    while True:
        byte, n = n % 128, n // 128
        rem += bytes([byte | (0x80 if n else 0)])
        if not n:
            return bytes([kind]) + rem + body


def raw_publish(broker, topic, payload=b"x"):
    """CONNECT as the operator and PUBLISH (QoS 0) to topic with a bare
    socket, bypassing client-side checks. Returns True if the broker is still
    talking to us afterwards (answers a PINGREQ), False if it hung up."""
    s = socket.create_connection(("127.0.0.1", broker.port), 5)
    try:
        connect = (mqtt_string("MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 30) +
                   mqtt_string("keymime-hostile-%d" % os.getpid()) + mqtt_string(OPERATOR) +
                   mqtt_string(broker.users[OPERATOR]))
        s.sendall(mqtt_packet(0x10, connect))
        ack = s.recv(4)
        assert ack[:1] == b"\x20" and ack[3:4] == b"\x00", ack
        s.sendall(mqtt_packet(0x30, mqtt_string(topic) + payload))
        s.sendall(b"\xc0\x00")   # PINGREQ
        s.settimeout(3)
        try:
            return s.recv(2) == b"\xd0\x00"
        except (ConnectionResetError, socket.timeout):
            return False
    finally:
        s.close()


class Hostile(unittest.TestCase):

    def test_hostile_payloads(self):
        with Broker() as b, Results(b) as res:
            with Agent(b, "pi1") as a:
                a.wait_online()
                a.wait_reports(1)
                got = []
                for leaf, payload, code, rid in CASES:
                    n0 = len(res.results())
                    b.pub("keymime/pi1/" + leaf, payload)   # the exact bytes
                    wait_for(lambda: len(res.results()) > n0, 10,
                             "a result for %s %r" % (leaf, payload[:60]))
                    result = res.results()[n0]
                    got.append(result)
                    what = "%s %r -> %s" % (leaf, payload[:60], result)
                    self.assertIs(result["ok"], False, what)
                    self.assertEqual(result["error"], code, what)
                    self.assertTrue(result["detail"], what)
                    self.assertEqual(result["id"], rid, what)
                    assert_alive(a, "after " + what)
                res.fence()
                # Exactly one result each, and not a keystroke typed.
                self.assertEqual(len(res.results()), len(CASES))
                self.assertEqual(a.reports(), [RELEASE])
                # (the status is republished at most every status_interval_ms)
                st = wait_for(lambda: (lambda s: s["counters"]["rejected"] >= len(CASES) and s)(
                    a.status()), 5, "a status counting every rejection")
                self.assertEqual(st["counters"]["rejected"], len(CASES), st)
                # Still works.
                b.pub("keymime/pi1/cmd", json.dumps({"id": "fine", "text": "fine"}))
                self.assertTrue(res.wait_id("fine")["ok"])
                self.assertEqual(typed_text(a.wait_reports(9)), "fine")

    def test_retained_command_is_not_typed(self):
        # ADMIN retains the commands: the generated configuration's guard
        # refuses a retained command from an operator, and the agent's own
        # defence is what is tested here.
        with Broker() as b, Results(b) as res:
            with Agent(b, "pi1") as a:
                a.wait_online()
                b.pub("keymime/pi1/type", "replayed", user=ADMIN, retain=True)
                r = wait_for(lambda: res.results(), 5, "a result")[0]
                self.assertEqual(r["error"], "retained", r)
                b.pub("keymime/pi1/type", b"", user=ADMIN, retain=True)
            # A restart sees the retained message again and refuses it again.
            b.pub("keymime/pi1/type", "replayed", user=ADMIN, retain=True)
            with Agent(b, "pi1") as a2:
                a2.wait_online()
                wait_for(lambda: len(res.results()) >= 2, 10, "a second result")
                res.fence()
                self.assertEqual([r["error"] for r in res.results()], ["retained", "retained"])
                self.assertEqual(a2.reports(), [RELEASE])
                b.pub("keymime/pi1/type", b"", user=ADMIN, retain=True)

    def test_odd_topics(self):
        """Topics under the prefix that are not ours get no result and type
        nothing; publishing to wildcard topics is refused by the broker."""
        odd = ["keymime/pi1/type/ü x", "keymime/pi1 /type", "keymime/pi1/type ",
               "keymime/ü/type", "keymime/pi1/typé", "keymime/pi1/TYPE", "keymime/pi1//type",
               "keymime//pi1/type", "keymime/group/all/type x", "keymime/group/all/", "keymime/group/al/type",
               "keymime/group/all/type/x", "keymime/pi1/availability",
               "keymime/pi1", "keymime/", "/keymime/pi1/type", "keymime/pi1/type\u200b",
               "keymime/pi1/type\u00a0", "keymime/pi1/\U0001f600"]
        # The generated ACL keeps most of these topics from an operator and
        # from a device; the agent's own topic filter is what is tested, so
        # ADMIN publishes them and the agent logs in as ADMIN (reads them all).
        with Broker() as b, Results(b) as res:
            with Agent(b, "pi1", user=ADMIN) as a:
                a.wait_online()
                a.wait_reports(1)
                for t in odd:
                    b.pub(t, "x", user=ADMIN)
                for t in ["keymime/pi1/#", "keymime/+/type", "keymime/group/+/type", "#", "+"]:
                    with self.assertRaises(ValueError, msg="the client accepted %r" % t):
                        b.pub(t, "x")
                    # Past the client's own check, the broker hangs up.
                    self.assertFalse(raw_publish(b, t), "the broker accepted a PUBLISH to %r" % t)
                self.assertTrue(raw_publish(b, "keymime/elsewhere/x"), "the raw client works")
                res.fence()
                assert_alive(a)
                self.assertEqual(res.results(), [])
                self.assertEqual(a.reports(), [RELEASE])
                b.pub("keymime/group/all/type", "ok")
                self.assertEqual(typed_text(a.wait_reports(5)), "ok")
                assert_alive(a)


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
