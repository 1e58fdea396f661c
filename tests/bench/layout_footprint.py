#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What the layout tables cost (#14): for each agent binary given, its size
(file; text+rodata as `size` counts it), its start-up time (the median of
--check-config runs: process start, configuration, layout look-up, exit; and
from start to `online` on a local mosquitto), and the private memory of a
running agent with its layout (Private_Clean + Private_Dirty of
/proc/PID/smaps_rollup: idle and connected, then after typing a text of that
layout), per target and layout. The tables are read-only data in the
binary's file: they count as private (clean) only because no other process
maps them, and the kernel maps the cached pages around each page touched
(fault-around: 64 KiB; whole large folios on kernels whose page cache keeps
them), so that part depends on what is in the page cache: each agent starts
with its binary dropped from it, as after a boot. The dirty part (heap,
stack, written data) does not depend on it.

    tests/bench/layout_footprint.py --agent before=OLD/keymime-agent \\
        --agent after=build/agent/keymime-agent [--runs 20] [--json FILE]

An agent that does not know `target` (before #14) is measured on its linux
layouts only. Prints what it measured; no pass/fail.
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import Agent, Broker, Subscriber, wait_for  # noqa: E402

SERIAL = itertools.count()
CASES = [  # target, layout, text typed after the idle measurement
    ("linux", "us", "Hello, world! user@example.com {x} [y] 1234567890\n" * 4),
    ("linux", "de", "Grüße, Zoë! Straße @ € µ {x} [y] ^ ` ´\n" * 4),
    ("windows", "de", "Grüße, Café! Straße @ € {x} [y] ^ ` ´ è ê\n" * 4),
    ("macos", "fr", "Ça marche, à bientôt ! @ € {x} [y] æ œ\n" * 4),
]


def private_kib(pid, which=("Private_Clean", "Private_Dirty")):
    kib = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in which:
                kib += int(v.split()[0])
    return kib


def rodata_kib(pid, binary):
    """Private pages of the binary's read-only data mappings (where the
    layout tables live, with the other constants)."""
    kib, in_ro = 0, False
    real = os.path.realpath(binary)
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                in_ro = head[1] == "r--p" and head[-1] == real
            elif in_ro and head[0] in ("Private_Clean:", "Private_Dirty:"):
                kib += int(head[1])
    return kib


def cold(binary):
    """The binary out of the page cache, as after a boot: written back (a
    binary just built has dirty pages), then dropped, so that what the agent
    maps is what its own page faults bring in (the kernel reads around each
    fault and maps the cached pages around it: fault-around, or a whole
    large folio on kernels whose page cache keeps them)."""
    with open(binary, "rb") as f:
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def sizes(binary):
    out = {"file_bytes": os.path.getsize(binary)}
    r = subprocess.run(["size", binary], capture_output=True, text=True)
    if r.returncode == 0:
        text, data, bss = r.stdout.splitlines()[1].split()[:3]
        out.update(text_bytes=int(text), data_bytes=int(data), bss_bytes=int(bss))
    return out


def check_config_ms(binary, runs):
    """Median wall time of --check-config (no broker): start, config, layout, exit."""
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run([binary, "--config", "/dev/null", "--device-id", "bench", "--check-config"],
                       capture_output=True, check=True)
        times.append((time.monotonic() - t0) * 1000)
    return round(statistics.median(times), 2)


def knows_targets(binary):
    r = subprocess.run([binary, "--config", "/dev/null", "--device-id", "b", "--target", "linux",
                        "--check-config"], capture_output=True)
    return r.returncode == 0


def online_ms(broker, runs):
    """Median time from starting the agent to its `online` reaching a subscriber."""
    times = []
    for i in range(runs):
        dev = "start%d" % next(SERIAL)
        with Subscriber(broker, "keymime/%s/availability" % dev) as sub:
            a = Agent(broker, dev)
            t0 = time.monotonic()
            a.start()
            try:
                wait_for(lambda: ("keymime/%s/availability" % dev, "online") in sub.messages(), 10,
                         "online")
                times.append((time.monotonic() - t0) * 1000)
            finally:
                a.__exit__(None, None, None)
    return round(statistics.median(times), 1)


def memory(broker, target, layout, text, new):
    conf = {"layout": layout}
    if new:
        conf["target"] = target
    dev = "mem-%s-%s-%d" % (target, layout, next(SERIAL))
    cold(os.environ["KEYMIME_AGENT"])
    with Agent(broker, dev, conf=conf) as a, Subscriber(broker, "keymime/%s/result" % dev) as res:
        a.wait_online()
        time.sleep(1.0)
        idle, idle_ro = private_kib(a.proc.pid), rodata_kib(a.proc.pid, os.environ["KEYMIME_AGENT"])
        broker.pub("keymime/%s/cmd" % dev, json.dumps({"id": "t", "text": text}))
        r = json.loads(res.wait(1, timeout=30)[0][1])
        if not r.get("ok"):
            raise AssertionError("%s %s: %s" % (target, layout, r))
        time.sleep(0.5)
        return {"target": target, "layout": layout, "idle_private_kib": idle,
                "typed_dirty_kib": private_kib(a.proc.pid, ("Private_Dirty",)),
                "idle_rodata_kib": idle_ro, "typed_private_kib": private_kib(a.proc.pid),
                "typed_rodata_kib": rodata_kib(a.proc.pid, os.environ["KEYMIME_AGENT"]),
                "chars": r["chars"]}


def measure(label, binary, runs, broker):
    os.environ["KEYMIME_AGENT"] = binary
    new = knows_targets(binary)
    out = {"label": label, "binary": binary, **sizes(binary),
           "check_config_ms": check_config_ms(binary, runs), "online_ms": online_ms(broker, 5),
           "memory": [memory(broker, t, l, text, new) for t, l, text in CASES
                      if new or t == "linux"]}
    print("%s: %s" % (label, binary))
    print("  size      file %.0f KiB, text+rodata %.0f KiB" % (out["file_bytes"] / 1024,
                                                               out.get("text_bytes", 0) / 1024))
    print("  start     --check-config %.2f ms (median of %d), start -> online %.1f ms (median of 5)"
          % (out["check_config_ms"], runs, out["online_ms"]))
    for m in out["memory"]:
        print("  memory    %-8s %-3s private %4d KiB idle (read-only data %3d), %4d KiB after "
              "typing %d chars (read-only data %3d, dirty %3d)"
              % (m["target"], m["layout"], m["idle_private_kib"], m["idle_rodata_kib"],
                 m["typed_private_kib"], m["chars"], m["typed_rodata_kib"], m["typed_dirty_kib"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", action="append", required=True, metavar="LABEL=BINARY")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--json")
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory():
        broker = Broker().start()
        try:
            for spec in a.agent:
                label, _, binary = spec.partition("=")
                results.append(measure(label, os.path.abspath(binary), a.runs, broker))
        finally:
            broker.stop()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
