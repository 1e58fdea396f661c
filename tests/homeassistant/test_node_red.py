# SPDX-License-Identifier: MIT
"""docs/node-red-flow.json: a well-formed Node-RED flow that names only the
agent's topics, and whose inject payloads the agent accepts (sent to a real
agent through the same topics, as the flow's mqtt-out nodes would)."""
import json
import os

import hatest

FLOW = os.path.join(hatest.ROOT, "docs", "node-red-flow.json")
COMMANDS = {"keymime/pi1/type", "keymime/pi1/keys", "keymime/pi1/cmd"}
PUBLISHED = {"keymime/pi1/result", "keymime/pi1/status", "keymime/pi1/availability"}


def load():
    with open(FLOW, encoding="utf-8") as f:
        nodes = json.load(f)
    assert isinstance(nodes, list) and all(isinstance(n, dict) for n in nodes)
    return nodes


def test_flow_is_well_formed():
    nodes = load()
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)), "duplicate node ids"
    by_id = {n["id"]: n for n in nodes}
    tabs = {n["id"] for n in nodes if n["type"] == "tab"}
    for n in nodes:
        assert isinstance(n.get("type"), str) and n["type"], n
        if n["type"] in ("tab", "mqtt-broker"):
            continue                       # config nodes live outside tabs
        assert n.get("z") in tabs, "%s not on a tab" % n["id"]
        for port in n.get("wires", []):
            for target in port:
                assert target in by_id, "%s wired to missing %s" % (n["id"], target)
        if n["type"] in ("mqtt in", "mqtt out"):
            assert by_id.get(n.get("broker"), {}).get("type") == "mqtt-broker", n["id"]
            assert n.get("qos") in ("0", "1", "2"), n["id"]


def test_flow_names_only_the_agents_topics():
    nodes = load()
    outs = [n for n in nodes if n["type"] == "mqtt out"]
    ins = [n for n in nodes if n["type"] == "mqtt in"]
    for n in outs:
        assert n["topic"] in COMMANDS, "mqtt out to %r" % n["topic"]
        assert n.get("retain") in ("false", False, ""), "commands must not be retained"
    for n in ins:
        assert n["topic"] in PUBLISHED, "mqtt in from %r" % n["topic"]
    assert {"keymime/pi1/type", "keymime/pi1/keys"} <= {n["topic"] for n in outs}
    assert "keymime/pi1/result" in {n["topic"] for n in ins}


def inject_paths(nodes):
    """(payload, topic) for every inject wired straight to an mqtt out."""
    by_id = {n["id"]: n for n in nodes}
    for n in nodes:
        if n["type"] != "inject":
            continue
        assert n.get("payloadType") == "str", n["id"]
        for port in n["wires"]:
            for t in port:
                if by_id[t]["type"] == "mqtt out":
                    yield n["payload"], by_id[t]["topic"]


def test_flow_payloads_work_on_a_real_agent():
    hatest.require_agent()
    from hatest import harness
    paths = list(inject_paths(load()))
    assert len(paths) >= 2, paths
    with harness.Broker() as b, harness.Agent(b, "pi1") as a:
        a.wait_online()
        results = harness.Results(b, "pi1")
        for payload, topic in paths:
            a.clear()
            before = len(results.messages())
            b.pub(topic, payload)
            results.wait_n(before + 1, timeout=20)
            r = json.loads(results.messages()[before][1])
            assert r["ok"], (topic, payload, r)
            reps = a.wait_reports(2)
            assert reps[-1] == harness.RELEASE, (topic, reps)
        results.close()


if __name__ == "__main__":
    hatest.testmain.main(globals())
