"""TaintToleration, NodeAffinity, ImageLocality, NodeUnschedulable, NodeName, NodePorts
against upstream's tables (plugins/*/..._test.go; ../shared/scheduler-cases when present)."""

import os

import pytest
from helpers import make_node, make_pod, run_filter, run_score

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "scheduler-cases", "README.md")

MB = 1024 * 1024


def taint(k, v, e):
    return {"key": k, "value": v, "effect": e}


# -- TaintToleration (taint_toleration_test.go) ---------------------------------------------

def test_shared_cases_file_is_present_or_skip():
    if not os.path.exists(SHARED):
        pytest.skip("../shared/scheduler-cases/README.md not found (run from the kubelab workspace to check the shared cases)")
    text = open(SHARED).read()
    assert "TaintToleration" in text and "LeastAllocated" in text


def test_taint_score_tolerated_prefer_no_schedule():
    p = make_pod(tolerations=[{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}])
    nodes = [make_node("n1", taints=[taint("foo", "bar", "PreferNoSchedule")]),
             make_node("n2", taints=[taint("foo", "blah", "PreferNoSchedule")])]
    assert run_score("TaintToleration", p, nodes) == {"n1": 100, "n2": 0}


def test_taint_score_no_tolerations():
    nodes = [make_node("n1"), make_node("n2", taints=[taint("cpu-type", "arm64", "PreferNoSchedule")])]
    assert run_score("TaintToleration", make_pod(), nodes) == {"n1": 100, "n2": 0}


def test_taint_score_more_intolerable_taints_score_lower():
    # "the more intolerable taints a node has, the lower score it gets"
    p = make_pod(tolerations=[{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}])
    nodes = [make_node("n1"),
             make_node("n2", taints=[taint("cpu-type", "arm64", "PreferNoSchedule")]),
             make_node("n3", taints=[taint("cpu-type", "arm64", "PreferNoSchedule"), taint("disk-type", "ssd", "PreferNoSchedule")])]
    assert run_score("TaintToleration", p, nodes) == {"n1": 100, "n2": 50, "n3": 0}


def test_taint_score_only_prefer_no_schedule_counts():
    # "only taints and tolerations that have effect PreferNoSchedule are checked"
    p = make_pod(tolerations=[{"key": "cpu-type", "operator": "Equal", "value": "arm64", "effect": "NoSchedule"},
                              {"key": "disk-type", "operator": "Equal", "value": "ssd", "effect": "NoSchedule"}])
    nodes = [make_node("n1"),
             make_node("n2", taints=[taint("cpu-type", "arm64", "NoSchedule")]),
             make_node("n3", taints=[taint("cpu-type", "arm64", "PreferNoSchedule")])]
    assert run_score("TaintToleration", p, nodes) == {"n1": 100, "n2": 100, "n3": 0}


def test_taint_score_empty_effect_toleration_tolerates_all():
    p = make_pod(tolerations=[{"key": "foo", "operator": "Equal", "value": "bar"}])
    nodes = [make_node("n1", taints=[taint("foo", "bar", "PreferNoSchedule")])]
    assert run_score("TaintToleration", p, nodes) == {"n1": 100}


def test_taint_filter_reasons():
    nodes = [make_node("n1", taints=[taint("dedicated", "user1", "NoSchedule")]),
             make_node("n2", taints=[taint("dedicated", "user1", "NoSchedule")]),
             make_node("n3", taints=[taint("foo", "bar", "PreferNoSchedule")]),
             make_node("n4", taints=[taint("ex", "", "NoExecute")])]
    p = make_pod(tolerations=[{"key": "dedicated", "value": "user2", "effect": "NoSchedule"}])
    got = run_filter("TaintToleration", p, nodes)
    assert got["n1"] == ("UnschedulableAndUnresolvable", ("node(s) had untolerated taint {dedicated: user1}",))
    assert got["n3"] is None  # PreferNoSchedule never filters
    assert got["n4"] == ("UnschedulableAndUnresolvable", ("node(s) had untolerated taint {ex: }",))
    ok = make_pod(tolerations=[{"key": "dedicated", "operator": "Exists"}, {"operator": "Exists", "effect": "NoExecute"}])
    assert run_filter("TaintToleration", ok, nodes) == {"n1": None, "n2": None, "n3": None, "n4": None}


# -- NodeUnschedulable / NodeName / NodePorts -------------------------------------------------

def test_node_unschedulable():
    nodes = [make_node("cordoned", unschedulable=True), make_node("open")]
    assert run_filter("NodeUnschedulable", make_pod(), nodes) == {
        "cordoned": ("UnschedulableAndUnresolvable", ("node(s) were unschedulable",)), "open": None}
    tol = make_pod(tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}])
    assert run_filter("NodeUnschedulable", tol, nodes) == {"cordoned": None, "open": None}


def test_node_name():
    p = make_pod()
    p.spec.node_name = "foo"
    got = run_filter("NodeName", p, [make_node("foo"), make_node("bar")])
    assert got == {"foo": None, "bar": ("UnschedulableAndUnresolvable", ("node(s) didn't match the requested node name",))}


def port_pod(*ports, node=None):
    return make_pod(node=node, containers=[{"name": "c", "image": "x", "ports": [
        {"containerPort": 80, "hostPort": hp, "protocol": proto, "hostIP": ip} for ip, proto, hp in ports]}])


@pytest.mark.parametrize("existing,incoming,fits", [
    ([], [("", "UDP", 8080)], True),
    ([("127.0.0.1", "UDP", 8080)], [("127.0.0.1", "UDP", 8080)], False),
    ([("127.0.0.1", "TCP", 8080)], [("127.0.0.1", "UDP", 8080)], True),
    ([("127.0.0.1", "TCP", 8080)], [("127.0.0.2", "TCP", 8080)], True),
    ([("0.0.0.0", "TCP", 8001)], [("127.0.0.1", "TCP", 8001)], False),
    ([("10.0.10.10", "TCP", 8001)], [("0.0.0.0", "TCP", 8001)], False),
])
def test_node_ports(existing, incoming, fits):
    # node_ports_test.go TestNodePorts
    node = make_node("m1")
    got = run_filter("NodePorts", port_pod(*incoming), [node], [port_pod(*existing, node="m1")] if existing else [])
    assert (got["m1"] is None) == fits
    if not fits:
        assert got["m1"] == ("Unschedulable", ("node(s) didn't have free ports for the requested pod ports",))


# -- NodeAffinity (node_affinity_test.go) ------------------------------------------------------

def term(*exprs):
    return {"matchExpressions": [{"key": k, "operator": op, "values": list(v)} for k, op, v in exprs]}


def test_node_affinity_filter_node_selector_and_terms():
    nodes = [make_node("a", labels={"foo": "bar", "zone": "z1"}), make_node("b", labels={"foo": "baz"}), make_node("c", labels={"gpu": "1"})]
    p = make_pod(nodeSelector={"foo": "bar"})
    miss = ("UnschedulableAndUnresolvable", ("node(s) didn't match Pod's node affinity/selector",))
    assert run_filter("NodeAffinity", p, nodes) == {"a": None, "b": miss, "c": miss}
    p = make_pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        term(("foo", "In", ["baz", "qux"])), term(("gpu", "Exists", []))]}}})
    assert run_filter("NodeAffinity", p, nodes) == {"a": miss, "b": None, "c": None}
    gt = make_pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        term(("gpu", "Gt", ["0"]))]}}})
    assert run_filter("NodeAffinity", gt, nodes) == {"a": miss, "b": miss, "c": None}
    fields = make_pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b"]}]}]}}})
    assert run_filter("NodeAffinity", fields, nodes) == {"a": miss, "b": None, "c": miss}
    empty = make_pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{}]}}})
    assert run_filter("NodeAffinity", empty, nodes) == {"a": miss, "b": miss, "c": miss}


def test_node_affinity_added_affinity():
    args = {"addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term(("zone", "In", ["z1"]))]}}}
    nodes = [make_node("a", labels={"zone": "z1"}), make_node("b", labels={"zone": "z2"})]
    got = run_filter("NodeAffinity", make_pod(), nodes, args=args)
    assert got == {"a": None, "b": ("UnschedulableAndUnresolvable", ("node(s) didn't match scheduler-enforced node affinity",))}


def test_node_affinity_priority():
    # TestNodeAffinityPriority "all nodes matches the preferred scheduling requirements of pod but
    # with different priorities": weights 2 (foo=bar), 4 (key=value), 5 (foo=bar, key=value, az=az1)
    label1 = {"foo": "bar"}
    label2 = {"key": "value"}
    label5 = {"foo": "bar", "key": "value", "az": "az1"}
    pref = [{"weight": 2, "preference": term(("foo", "In", ["bar"]))},
            {"weight": 4, "preference": term(("key", "In", ["value"]))},
            {"weight": 5, "preference": term(("foo", "In", ["bar"]), ("key", "In", ["value"]), ("az", "In", ["az1"]))}]
    p = make_pod(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": pref}})
    nodes = [make_node("node1", labels=label1), make_node("node5", labels=label5), make_node("node2", labels=label2)]
    assert run_score("NodeAffinity", p, nodes) == {"node1": 18, "node5": 100, "node2": 36}


def test_node_affinity_priority_no_match_scores_zero():
    pref = [{"weight": 2, "preference": term(("foo", "In", ["bar"]))}]
    p = make_pod(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": pref}})
    assert run_score("NodeAffinity", p, [make_node("n1", labels={"x": "y"}), make_node("n2")]) == {"n1": 0, "n2": 0}
    assert run_score("NodeAffinity", make_pod(), [make_node("n1")]) is None  # no preferred terms: Skip


# -- ImageLocality (image_locality_test.go) ----------------------------------------------------

NODE_40_300_2000 = [(["gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"], 40 * MB), (["gcr.io/300:latest", "gcr.io/300:v1"], 300 * MB),
                    (["gcr.io/2000:latest"], 2000 * MB)]
NODE_250_10 = [(["gcr.io/250:latest"], 250 * MB), (["gcr.io/10:latest", "gcr.io/10:v1"], 10 * MB)]


@pytest.mark.parametrize("name,images,nodes,want", [
    ("two images spread on two nodes, prefer the larger image one", ["gcr.io/40", "gcr.io/250"],
     [("machine1", NODE_40_300_2000), ("machine2", NODE_250_10)], {"machine1": 0, "machine2": 5}),
    ("two images on one node, prefer this node", ["gcr.io/40", "gcr.io/300"],
     [("machine1", NODE_40_300_2000), ("machine2", NODE_250_10)], {"machine1": 7, "machine2": 0}),
    ("if exceed limit, use limit", ["gcr.io/10", "gcr.io/2000"],
     [("machine1", NODE_40_300_2000), ("machine2", NODE_250_10)], {"machine1": 49, "machine2": 0}),
    ("if exceed limit, use limit (with node which has no images present)", ["gcr.io/10", "gcr.io/2000"],
     [("machine1", NODE_40_300_2000), ("machine2", NODE_250_10), ("machine3", [])], {"machine1": 32, "machine2": 0, "machine3": 0}),
])
def test_image_locality(name, images, nodes, want):
    ns = [make_node(n, images=imgs) for n, imgs in nodes]
    assert run_score("ImageLocality", make_pod(images=images), ns) == want
