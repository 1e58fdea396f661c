#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""keymime benchmarks: keystroke latency (with its floors), text throughput,
footprint (RSS, instructions, system calls and CPU time per keystroke, binary
size) and a fleet of agents on one broker. Prints what it measured, with the machine and the method.

    tests/bench/bench.py            full run (numbers for docs/performance.md)
    tests/bench/bench.py --short    a quick run that keeps the suite working (CI)

No pass/fail on timings: the exit status says only whether the benchmark ran.
"""
import argparse
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mqttclient  # noqa: E402
from harness import MOSQUITTO, OPERATOR, Agent, Broker, agent_binary, build_dir, wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- the tests' MQTT client (tests/lib/mqttclient.py) without its network
# thread: the caller's thread writes a publish at once and reads what comes,
# so the publisher adds microseconds, not a thread hand-off or a process.


def client(b, name):
    """An operator connection to b, I/O in the caller's thread."""
    return mqttclient.Client(b.port, OPERATOR, b.users[OPERATOR], threaded=False,
                             client_id=name)


# ---- helpers


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def summary(name, us):
    return {"name": name, "n": len(us), "p50_us": round(pct(us, 50), 1), "p90_us": round(pct(us, 90), 1),
            "p99_us": round(pct(us, 99), 1), "max_us": round(max(us), 1), "mean_us": round(statistics.mean(us), 1)}


def read_n(fd, n, timeout=5.0):
    buf, end = b"", time.monotonic() + timeout
    while len(buf) < n:
        r, _, _ = select.select([fd], [], [], max(0, end - time.monotonic()))
        if not r:
            raise TimeoutError("waited for %d bytes, got %d" % (n, len(buf)))
        buf += os.read(fd, n - len(buf))
    return buf


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory_kib(pid):
    """RSS, PSS (shared pages divided among their users) and private (USS) in KiB."""
    out = {"rss": 0, "pss": 0, "private": 0}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k == "Rss":
                out["rss"] = int(v.split()[0])
            elif k == "Pss":
                out["pss"] = int(v.split()[0])
            elif k in ("Private_Clean", "Private_Dirty"):
                out["private"] += int(v.split()[0])
    return out


def bench_idle_memory(b, binary, label):
    env_agent = os.environ.get("KEYMIME_AGENT")
    os.environ["KEYMIME_AGENT"] = binary
    try:
        with Agent(b, "mem-%d" % len(label)) as a:
            a.wait_online()
            time.sleep(1)
            m = memory_kib(a.proc.pid)
    finally:
        if env_agent is None:
            del os.environ["KEYMIME_AGENT"]
        else:
            os.environ["KEYMIME_AGENT"] = env_agent
    m["build"] = label
    return m


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mosq = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True).stdout.splitlines()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "mosquitto": mosq[0] if mosq else "?"}


def timed_us(n, warmup, start, arrived, after=None):
    """n round trips after warmup ones: start() sends, arrived() blocks until
    the first sign of it; after() drains the rest. Returns microseconds."""
    out = []
    for i in range(n + warmup):
        t0 = time.perf_counter_ns()
        start()
        arrived()
        t1 = time.perf_counter_ns()
        if after:
            after()
        if i >= warmup:
            out.append((t1 - t0) / 1000.0)
    return out


def fifo_reader(path):
    os.mkfifo(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    return fd


def bench_latency(b, n):
    d = tempfile.mkdtemp(prefix="keymime-bench-")
    fifo = os.path.join(d, "hidg0")
    fd = fifo_reader(fifo)
    with Agent(b, "bench", keyboard=fifo) as a:
        a.wait_online()
        read_n(fd, 8, 10)   # the release every agent sends at start
        pub = client(b, "bench-pub")
        out = timed_us(n, 200, lambda: pub.publish("keymime/bench/keys", b"a", qos=0),
                       lambda: read_n(fd, 8), lambda: read_n(fd, 8))
    os.close(fd)
    shutil.rmtree(d, ignore_errors=True)
    return summary("agent: publish -> first report on the device (FIFO)", out)


def bench_result_rtt(b, n):
    """Publish a QoS 1 command (the agent PUBACKs it, then publishes the
    result), wait for the result: what a dashboard sees.
    (Nagle + delayed ACK on any hop shows here as ~40 ms steps.)"""
    with Agent(b, "rtt") as a:
        a.wait_online()
        sub = client(b, "bench-rtt-sub")
        sub.subscribe("keymime/rtt/result", qos=0)
        pub = client(b, "bench-rtt-pub")
        out = timed_us(n, 50, lambda: pub.publish("keymime/rtt/keys", b"a", qos=1),
                       sub.next_message)
    return summary("agent: publish -> result received (round trip)", out)


def bench_floor_c(n):
    d = tempfile.mkdtemp(prefix="keymime-floor-")
    exe = os.path.join(d, "floor_writer")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "floor_writer.c")], check=True)
    fifo = os.path.join(d, "fifo")
    fd = fifo_reader(fifo)
    p = subprocess.Popen([exe, fifo], stdin=subprocess.PIPE)
    def poke():
        p.stdin.write(b"x")
        p.stdin.flush()
    out = timed_us(n, 200, poke, lambda: read_n(fd, 8), lambda: read_n(fd, 8))
    p.stdin.close()
    p.wait()
    os.close(fd)
    shutil.rmtree(d, ignore_errors=True)
    return summary("floor: minimal C loop, pipe -> report on the FIFO", out)


def bench_mqtt_rtt(b, n):
    # a command topic of no device: the operator may publish and read it
    sub = client(b, "bench-sub")
    sub.subscribe("keymime/bench-floor/type", qos=0)
    pub = client(b, "bench-pub2")
    out = timed_us(n, 200, lambda: pub.publish("keymime/bench-floor/type", b"a", qos=0),
                   sub.next_message)
    return summary("floor: bare MQTT publish -> receive through mosquitto", out)


def text_of(n):
    base = "The quick brown fox jumps over the lazy dog; THE QUICK BROWN FOX! 0123456789 (ok?)\n"
    return (base * (n // len(base) + 1))[:n]


def wait_result(sub, rid, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = json.loads(sub.next_message(end - time.monotonic()).payload)
        if r.get("id") == rid:
            return r
    raise TimeoutError(rid)


def bench_throughput(b, chars):
    with Agent(b, "tput") as a:
        a.wait_online()
        sub = client(b, "bench-tput")
        sub.subscribe("keymime/tput/result", qos=0)
        a.wait_reports(1)
        idle = rss_kib(a.proc.pid)
        a.clear()
        text = text_of(chars)
        peak = [idle]
        t0 = time.perf_counter()
        b.pub("keymime/tput/cmd", json.dumps({"id": "t", "text": text}))
        r = wait_result(sub, "t")
        wall = time.perf_counter() - t0
        peak.append(rss_kib(a.proc.pid))
        with open("/proc/%d/status" % a.proc.pid) as f:
            hwm = [int(l.split()[1]) for l in f if l.startswith("VmHWM:")][0]
        reports = len(a.raw()) // 8
    return {"chars": r["chars"], "agent_ms": r["ms"], "wall_s": round(wall, 3),
            "chars_per_s_agent": round(r["chars"] / max(r["ms"], 1) * 1000),
            "chars_per_s_wall": round(r["chars"] / wall), "reports_per_char": round(reports / r["chars"], 3),
            "rss_idle_kib": idle, "rss_after_kib": peak[-1], "rss_peak_kib": hwm}


def callgrind_total(b, keys):
    out = tempfile.mktemp(prefix="keymime-callgrind-")
    os.environ["KEYMIME_AGENT_WRAPPER"] = "valgrind --tool=callgrind --callgrind-out-file=%s" % out
    try:
        with Agent(b, "cg") as a:
            a.wait_online(60)
            a.wait_reports(1, 30)
            for _ in range(keys // 100):
                b.pub("keymime/cg/keys", " ".join(["a"] * 100))
            if keys:
                a.wait_reports(1 + 2 * keys, 120)
            a.stop(timeout=60)
    finally:
        del os.environ["KEYMIME_AGENT_WRAPPER"]
    total = 0
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    os.unlink(out)
    return total


def bench_instructions(b, keys):
    base = callgrind_total(b, 0)
    withk = callgrind_total(b, keys)
    return {"keystrokes": keys, "instructions_idle_run": base, "instructions_with_keys": withk,
            "instructions_per_keystroke": round((withk - base) / keys)}


def cpu_ns(pid):
    """CPU time of every thread of pid so far (ns, from /proc/<pid>/task/*/schedstat)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass   # a thread that just ended
    return total


def one_key_cycles(pub, sub, fd, n):
    """n one-key commands, each to its end: publish `a` on keys, read its two
    reports from the FIFO, receive its result."""
    for _ in range(n):
        pub.publish("keymime/sys/keys", b"a", qos=0)
        read_n(fd, 16)
        sub.next_message()


def strace_counts(path):
    """Parse `strace -c` output: ({syscall: calls}, total calls)."""
    calls, total = {}, 0
    for line in open(path):
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[3].isdigit():
            if f[-1] == "total":
                total = int(f[3])
            else:
                calls[f[-1]] = int(f[3])
    return calls, total


def bench_per_key(b, n):
    """System calls and CPU time the agent spends per keystroke: n one-key
    commands on the keys topic, one at a time (publish, two reports, result).
    CPU: the agent's threads' run time (schedstat) over the loop, untraced.
    System calls: a second loop under `strace -c -f -p <agent>`."""
    d = tempfile.mkdtemp(prefix="keymime-perkey-")
    fifo = os.path.join(d, "hidg0")
    fd = fifo_reader(fifo)
    out = {"keys": n, "method": "strace -c -f -p over %d one-key commands; CPU from "
           "/proc/<pid>/task/*/schedstat over another %d, untraced" % (n, n)}
    try:
        with Agent(b, "sys", keyboard=fifo) as a:
            a.wait_online()
            read_n(fd, 8, 10)
            sub = client(b, "bench-sys-sub")
            sub.subscribe("keymime/sys/result", qos=0)
            pub = client(b, "bench-sys-pub")
            one_key_cycles(pub, sub, fd, 200)   # warm up
            c0 = cpu_ns(a.proc.pid)
            one_key_cycles(pub, sub, fd, n)
            out["cpu_us_per_key"] = round((cpu_ns(a.proc.pid) - c0) / 1000.0 / n, 1)
            if shutil.which("strace"):
                log = os.path.join(d, "strace.txt")
                st = subprocess.Popen(["strace", "-c", "-f", "-o", log, "-p", str(a.proc.pid)],
                                      stderr=subprocess.DEVNULL)
                time.sleep(1.0)   # strace attaches to every thread
                one_key_cycles(pub, sub, fd, n)
                st.send_signal(signal.SIGINT)
                st.wait(30)
                calls, total = strace_counts(log)
                out["syscalls_per_key"] = round(total / n, 1)
                out["syscalls_by_name_per_key"] = {k: round(v / n, 2) for k, v in
                                                   sorted(calls.items(), key=lambda kv: -kv[1])[:8]}
    finally:
        os.close(fd)
        shutil.rmtree(d, ignore_errors=True)
    return out


def bench_fleet(b, n):
    import resource
    agents = []
    b.add_devices(["f%04d" % i for i in range(n)])   # their accounts, one broker reload
    try:
        for i in range(n):
            a = Agent(b, "f%04d" % i, conf={"keepalive_s": "60"})
            a.start()
            agents.append(a)
        t_start = time.monotonic()
        want = {"keymime/%s/availability" % a.device_id for a in agents}
        wait_for(lambda: len([1 for t, p in b.retained_all("keymime/+/availability").items()
                              if p == "online" and t in want]) >= n,
                 120 + n / 5, "%d agents online" % n, 0.5)
        online_s = time.monotonic() - t_start
        wait_for(lambda: all(os.path.getsize(a.keyboard) >= 8 for a in agents), 60, "initial reports")
        for a in agents:
            a.clear()
        rss = [rss_kib(a.proc.pid) for a in agents]
        t0 = time.perf_counter()
        b.pub("keymime/group/all/type", "fleet")
        done = {}
        while len(done) < n and time.perf_counter() - t0 < 60:
            for a in agents:
                if a.device_id not in done and os.path.getsize(a.keyboard) >= 80:
                    done[a.device_id] = (time.perf_counter() - t0) * 1000
            time.sleep(0.0005)
        ms = list(done.values())
        return {"agents": n, "reached": len(done), "online_after_start_s": round(online_s, 1),
                "p50_ms": round(pct(ms, 50), 1) if ms else None, "p99_ms": round(pct(ms, 99), 1) if ms else None,
                "max_ms": round(max(ms), 1) if ms else None,
                "rss_per_agent_kib_mean": round(statistics.mean(rss))}
    finally:
        for a in agents:
            try:
                a.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - a benchmark cleans up what it can
                pass


# ---- the cluster engineer's section (#17): a fleet spread over a two-node
# ejabberd cluster (tests/cluster/clusterlib.py), group broadcast timed.
# Timings are printed, never judged.


def bench_cluster_fleet(n):
    """n agents, half on each node of a two-node ejabberd 23.01 cluster (each
    lists its own node first, the other second); a group broadcast published
    on node B; time until each agent wrote its reports."""
    sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
    from clusterlib import Ejabberd, log_lines  # noqa: E402
    agents = []
    t_cluster = time.monotonic()
    with Ejabberd(2) as c:
        nodes = [c.node(0), c.node(1)]
        cluster_s = time.monotonic() - t_cluster
        try:
            t_start = time.monotonic()
            for i in range(n):
                own, other = nodes[i % 2], nodes[1 - i % 2]
                a = Agent(own, "c%04d" % i, conf={"keepalive_s": "60", "broker": "%s, %s" % (
                    own.uri, other.uri)})
                a.start()
                agents.append(a)
            wait_for(lambda: all(log_lines(a, "; subscribed") for a in agents), 120 + n / 5,
                     "%d agents connected" % n, 0.5)
            online_s = time.monotonic() - t_start
            wait_for(lambda: all(os.path.getsize(a.keyboard) >= 8 for a in agents), 60,
                     "initial reports")
            for a in agents:
                a.clear()
            t0 = time.perf_counter()
            nodes[1].pub("keymime/group/all/type", "fleet")
            done = {}
            while len(done) < n and time.perf_counter() - t0 < 60:
                for a in agents:
                    if a.device_id not in done and os.path.getsize(a.keyboard) >= 80:
                        done[a.device_id] = (time.perf_counter() - t0) * 1000
                time.sleep(0.0005)
            ms = list(done.values())
            on_b = [done[a.device_id] for i, a in enumerate(agents) if i % 2 and a.device_id in done]
            return {"agents": n, "nodes": 2, "reached": len(done),
                    "cluster_up_s": round(cluster_s, 1), "connected_after_start_s": round(online_s, 1),
                    "p50_ms": round(pct(ms, 50), 1) if ms else None,
                    "p99_ms": round(pct(ms, 99), 1) if ms else None,
                    "max_ms": round(max(ms), 1) if ms else None,
                    "p50_ms_same_node": round(pct(on_b, 50), 1) if on_b else None,
                    "p50_ms_other_node": round(pct([done[a.device_id] for i, a in enumerate(agents)
                                                    if not i % 2 and a.device_id in done], 50), 1)
                    if len(done) > len(on_b) else None}
        finally:
            for a in agents:
                try:
                    a.__exit__(None, None, None)
                except Exception:  # noqa: BLE001 - a benchmark cleans up what it can
                    pass


def bench_broker_rate(n_agents, n_msgs):
    """One mosquitto's message rate: n_msgs one-character messages to
    keymime/group/all/type as fast as QoS 1 allows, to n_agents agents; the
    time until every agent's result of every message arrived. Counts the
    broker's messages: n_msgs in, n_msgs * n_agents commands out, as many
    results in and out again (to the one subscriber)."""
    with Broker(extra="max_connections -1\nmax_queued_messages 100000\n") as b:
        agents = []
        b.add_devices(["r%03d" % i for i in range(n_agents)])
        try:
            for i in range(n_agents):
                a = Agent(b, "r%03d" % i, conf={"queue_size": "10000"})
                a.start()
                agents.append(a)
            for a in agents:
                a.wait_online(60)
            sub = b.subscribe("keymime/+/result")
            want = n_agents * n_msgs
            t0 = time.perf_counter()
            for _ in range(n_msgs):
                b.pub("keymime/group/all/type", "a")
            sub.wait_until(lambda: len(sub.messages()) >= want, 300, "%d results" % want)
            s = time.perf_counter() - t0
            sub.close()
            return {"agents": n_agents, "messages": n_msgs, "results": want, "seconds": round(s, 2),
                    "broker_messages_per_s": round((n_msgs + 3 * want) / s),
                    "results_per_s": round(want / s)}
        finally:
            for a in agents:
                try:
                    a.__exit__(None, None, None)
                except Exception:  # noqa: BLE001 - a benchmark cleans up what it can
                    pass


# ---- end of the cluster section


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--short", action="store_true", help="a quick run (CI): fewer samples, small fleet")
    ap.add_argument("--fleet", type=int, nargs="*", help="fleet sizes (default 100 1000; short: 20)")
    ap.add_argument("--cluster", type=int, nargs="*", help="fleet sizes over a two-node "
                    "ejabberd cluster (default 1000; short: none)")
    ap.add_argument("--rate", action="store_true", help="also one mosquitto's message rate "
                    "(100 agents x 100 messages, 10 x 1000; docs/scaling.md)")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--notls-agent", help="also measure the idle memory of this agent binary "
                    "(built with -DKEYMIME_TLS=OFF)")
    args = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))   # a broker for 1000 agents
    n = 1000 if args.short else 10000
    fleets = args.fleet if args.fleet is not None else ([20] if args.short else [100, 1000])
    res = {"machine": machine(), "agent": agent_binary(),
           "binary_bytes": os.path.getsize(agent_binary())}
    with Broker(extra="max_connections -1\n") as b:
        print("machine:", json.dumps(res["machine"]))
        res["latency"] = [bench_latency(b, n), bench_result_rtt(b, n // 10), bench_floor_c(n),
                          bench_mqtt_rtt(b, n)]
        for r in res["latency"]:
            print("latency  %-58s n=%d p50=%.1fus p90=%.1fus p99=%.1fus max=%.1fus" %
                  (r["name"], r["n"], r["p50_us"], r["p90_us"], r["p99_us"], r["max_us"]))
        res["memory_idle"] = [bench_idle_memory(b, agent_binary(), "default (TLS)")]
        notls = args.notls_agent
        if notls:
            res["memory_idle"].append(bench_idle_memory(b, os.path.abspath(notls), "KEYMIME_TLS=OFF"))
        for m in res["memory_idle"]:
            print("memory   idle agent, %-16s RSS %d KiB, PSS %d KiB, private %d KiB" %
                  (m["build"], m["rss"], m["pss"], m["private"]))
        res["throughput"] = bench_throughput(b, 65536 if not args.short else 8192)
        print("text     %s" % json.dumps(res["throughput"]))
        res["per_key"] = bench_per_key(b, 500 if args.short else 4000)
        print("per key  %s" % json.dumps(res["per_key"]))
        res["instructions"] = bench_instructions(b, 200 if args.short else 2000)
        print("cpu      %s" % json.dumps(res["instructions"]))
        print("binary   %d bytes (%s)" % (res["binary_bytes"], res["agent"]))
        res["fleet"] = []
        for f in fleets:
            r = bench_fleet(b, f)
            res["fleet"].append(r)
            print("fleet    %s" % json.dumps(r))
    if args.rate:
        res["broker_rate"] = [bench_broker_rate(100, 100), bench_broker_rate(10, 1000)]
        for r in res["broker_rate"]:
            print("rate     %s" % json.dumps(r))
    res["cluster_fleet"] = []
    for f in args.cluster if args.cluster is not None else ([] if args.short else [1000]):
        r = bench_cluster_fleet(f)
        res["cluster_fleet"].append(r)
        print("cluster  %s" % json.dumps(r))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
