"""PodTopologySpread against upstream's tables
(pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go, filtering_test.go)."""

import pytest
from helpers import make_node, make_pod, run_filter, run_score

from kubelab.api.core import Service

HOST = "kubernetes.io/hostname"
FOO = {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}
BAR = {"matchExpressions": [{"key": "bar", "operator": "Exists"}]}


def spread(*cs):
    return [{"maxSkew": m, "topologyKey": k, "whenUnsatisfiable": w, "labelSelector": sel} for m, k, w, sel in cs]


def pod(labels=("foo",), constraints=(), **kw):
    return make_pod("p", labels={k: "" for k in labels}, topologySpreadConstraints=spread(*constraints), **kw)


def ex(name, node, labels=("foo",), namespace="default", **kw):
    p = make_pod(name, node=node, labels={k: "" for k in labels}, namespace=namespace)
    for k, v in kw.items():
        setattr(p.metadata, k, v)
    return p


def hosts(*names, **extra):
    return [make_node(n, labels={HOST: n, **extra.get(n, {})}) for n in names]


def zoned(spec):
    return [make_node(n, labels={"zone": z, HOST: n}) for n, z in spec]


SOFT = "ScheduleAnyway"
SCORE_CASES = [
    ("one constraint on node, no existing pods", pod(constraints=[(1, HOST, SOFT, FOO)]), [], hosts("node-a", "node-b"), [],
     {"node-a": 100, "node-b": 100}),
    ("one constraint on node, only one node is candidate", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex("p-a1", "node-a"), ex("p-a2", "node-a"), ex("p-b1", "node-b")], hosts("node-a"), hosts("node-b"), {"node-a": 100}),
    ("one constraint on node, all nodes have the same number of matching pods", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex("p-a1", "node-a"), ex("p-b1", "node-b")], hosts("node-a", "node-b"), [], {"node-a": 100, "node-b": 100}),
    ("one constraint on node, all 4 nodes are candidates", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex("p-a1", "node-a"), ex("p-a2", "node-a"), ex("p-b1", "node-b"), ex("p-d1", "node-d"), ex("p-d2", "node-d"), ex("p-d3", "node-d")],
     hosts("node-a", "node-b", "node-c", "node-d"), [], {"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0}),
    ("one constraint on node, null selector", pod(constraints=[(1, HOST, SOFT, None)]),
     [ex("p-a1", "node-a"), ex("p-a2", "node-a"), ex("p-b1", "node-b"), ex("p-d1", "node-d"), ex("p-d2", "node-d"), ex("p-d3", "node-d")],
     hosts("node-a", "node-b", "node-c", "node-d"), [], {"node-a": 100, "node-b": 100, "node-c": 100, "node-d": 100}),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=2", pod(constraints=[(2, HOST, SOFT, FOO)]),
     [ex("p-a1", "node-a"), ex("p-a2", "node-a"), ex("p-b1", "node-b"), ex("p-d1", "node-d"), ex("p-d2", "node-d"), ex("p-d3", "node-d")],
     hosts("node-a", "node-b", "node-c", "node-d"), [], {"node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16}),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=3", pod(constraints=[(3, HOST, SOFT, FOO)]),
     [ex(f"p-a{i}", "node-a") for i in range(4)] + [ex(f"p-b{i}", "node-b") for i in range(3)]
     + [ex(f"p-c{i}", "node-c") for i in range(2)] + [ex("p-d1", "node-d")],
     hosts("node-a", "node-b", "node-c", "node-d"), [], {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}),
    ("one constraint on node, 3 out of 4 nodes are candidates", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex(f"p-a{i}", "node-a") for i in range(4)] + [ex(f"p-b{i}", "node-b") for i in range(2)] + [ex("p-x1", "node-x")]
     + [ex(f"p-y{i}", "node-y") for i in range(3)],
     hosts("node-a", "node-b", "node-x"), hosts("node-y"), {"node-a": 33, "node-b": 83, "node-x": 100}),
    ("one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex(f"p-a{i}", "node-a") for i in range(4)] + [ex(f"p-b{i}", "node-b") for i in range(2)] + [ex("p-x1", "node-x")]
     + [ex(f"p-y{i}", "node-y") for i in range(3)],
     [make_node("node-a", labels={HOST: "node-a"}), make_node("node-b", labels={"n": "node-b"}), make_node("node-x", labels={HOST: "node-x"})],
     hosts("node-y"), {"node-a": 16, "node-b": 0, "node-x": 100}),
    ("one constraint on zone, 3 out of 4 nodes are candidates", pod(constraints=[(1, "zone", SOFT, FOO)]),
     [ex(f"p-a{i}", "node-a") for i in range(4)] + [ex(f"p-b{i}", "node-b") for i in range(2)] + [ex("p-x1", "node-x")]
     + [ex(f"p-y{i}", "node-y") for i in range(3)],
     zoned([("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")]), zoned([("node-y", "zone2")]),
     {"node-a": 75, "node-b": 75, "node-x": 100}),
    ("two Constraints on zone and node, 2 out of 4 nodes are candidates", pod(constraints=[(1, "zone", SOFT, FOO), (1, HOST, SOFT, FOO)]),
     [ex("p-a1", "node-a"), ex("p-a2", "node-a"), ex("p-b1", "node-b"), ex("p-x1", "node-x"), ex("p-x2", "node-x")]
     + [ex(f"p-y{i}", "node-y") for i in range(4)],
     zoned([("node-a", "zone1"), ("node-x", "zone2")]), zoned([("node-b", "zone1"), ("node-y", "zone2")]),
     {"node-a": 100, "node-x": 63}),
    ("two Constraints on zone, 2 out of 4 nodes are candidates", pod(labels=("foo", "bar"), constraints=[(1, "zone", SOFT, FOO), (1, "zone", SOFT, BAR)]),
     [ex("p-a1", "node-a", ("foo", "bar")), ex("p-a2", "node-a"), ex("p-b1", "node-b", ("foo", "bar")), ex("p-y1", "node-y"),
      ex("p-y2", "node-y", ("foo", "bar")), ex("p-y3", "node-y")],
     [make_node("node-a", labels={"zone": "zone1"}), make_node("node-x", labels={"zone": "zone2"})],
     [make_node("node-b", labels={"zone": "zone1"}), make_node("node-y", labels={"zone": "zone2"})],
     {"node-a": 85, "node-x": 100}),
    ("two Constraints on zone and node, with different labelSelectors", pod(labels=("foo", "bar"), constraints=[(1, "zone", SOFT, FOO), (1, HOST, SOFT, BAR)]),
     [ex("p-a1", "node-a"), ex("p-b1", "node-b", ("foo", "bar")), ex("p-y1", "node-y"), ex("p-y2", "node-y", ("bar",))],
     zoned([("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")]), [],
     {"node-a": 60, "node-b": 20, "node-x": 100, "node-y": 60}),
    ("two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
     pod(labels=("foo", "bar"), constraints=[(1, "zone", SOFT, FOO), (1, HOST, SOFT, BAR)]),
     [ex("p-b1", "node-b", ("bar",)), ex("p-x1", "node-x"), ex("p-y1", "node-y", ("foo", "bar"))],
     zoned([("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")]), [],
     {"node-a": 100, "node-b": 60, "node-x": 40, "node-y": 0}),
    ("two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
     pod(labels=("foo", "bar"), constraints=[(1, "zone", SOFT, FOO), (1, HOST, SOFT, BAR)]),
     [ex("p-a1", "node-a"), ex("p-b1", "node-b", ("foo", "bar")), ex("p-y1", "node-y"), ex("p-y2", "node-y", ("bar",))],
     zoned([("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")]), zoned([("node-y", "zone2")]),
     {"node-a": 50, "node-b": 25, "node-x": 100}),
    ("existing pods in a different namespace do not count", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex("p-a1", "node-a", namespace="ns1"), ex("p-a2", "node-a"), ex("p-b1", "node-b"), ex("p-b2", "node-b")],
     hosts("node-a", "node-b"), [], {"node-a": 100, "node-b": 33}),
    ("terminating Pods should be excluded", pod(constraints=[(1, HOST, SOFT, FOO)]),
     [ex("p-a", "node-a", deletion_timestamp="2025-01-01T00:00:00Z"), ex("p-b", "node-b")],
     hosts("node-a", "node-b"), [], {"node-a": 100, "node-b": 0}),
]


@pytest.mark.parametrize("name,incoming,existing,nodes,failed,want", SCORE_CASES, ids=[c[0] for c in SCORE_CASES])
def test_score(name, incoming, existing, nodes, failed, want):
    assert run_score("PodTopologySpread", incoming, nodes, existing, failed_nodes=failed) == want


def test_system_defaulting_nodes_without_zone_pods_match_service():
    # "system defaulting, nodes don't have zone, pods match service": same as one hostname constraint (maxSkew 3)
    existing = ([ex(f"p-a{i}", "node-a") for i in range(4)] + [ex(f"p-b{i}", "node-b") for i in range(3)]
                + [ex(f"p-c{i}", "node-c") for i in range(2)] + [ex("p-d1", "node-d")])
    svc = Service.model_validate({"metadata": {"name": "s", "namespace": "default"}, "spec": {"selector": {"foo": ""}}})
    got = run_score("PodTopologySpread", pod(), hosts("node-a", "node-b", "node-c", "node-d"), existing, objects=[svc])
    assert got == {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}


def test_system_defaulting_without_service_or_owner_is_skipped():
    assert run_score("PodTopologySpread", pod(), hosts("node-a"), []) is None


# -- filtering_test.go ------------------------------------------------------------------------

HARD = "DoNotSchedule"


def test_filter_no_existing_pods():
    nodes = zoned([("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")])
    got = run_filter("PodTopologySpread", pod(constraints=[(1, "zone", HARD, FOO)]), nodes)
    assert got == {n: None for n in ("node-a", "node-b", "node-x", "node-y")}


def test_filter_spread_on_zone_with_skew():
    # "normal case with one spreadConstraint": pods spread as 3/1 across zones -> only zone2 fits
    nodes = zoned([("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")])
    existing = [ex("p-a1", "node-a"), ex("p-a2", "node-a"), ex("p-b1", "node-b"), ex("p-y1", "node-y")]
    got = run_filter("PodTopologySpread", pod(constraints=[(1, "zone", HARD, FOO)]), nodes, existing)
    miss = ("Unschedulable", ("node(s) didn't match pod topology spread constraints",))
    assert got == {"node-a": miss, "node-b": miss, "node-x": None, "node-y": None}


def test_filter_node_without_topology_key_is_unresolvable():
    nodes = [make_node("node-a", labels={"zone": "zone1"}), make_node("node-b", labels={})]
    got = run_filter("PodTopologySpread", pod(constraints=[(1, "zone", HARD, FOO)]), nodes)
    assert got["node-b"] == ("UnschedulableAndUnresolvable", ("node(s) didn't match pod topology spread constraints (missing required label)",))
    assert got["node-a"] is None


def test_filter_min_domains():
    # 2 domains (< minDomains 3): the global minimum counts as 0, so a domain with 1 match is full
    nodes = zoned([("node-a", "zone1"), ("node-x", "zone2")])
    existing = [ex("p-a1", "node-a"), ex("p-x1", "node-x")]
    p = make_pod("p", labels={"foo": ""}, topologySpreadConstraints=[
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": HARD, "labelSelector": FOO, "minDomains": 3}])
    got = run_filter("PodTopologySpread", p, nodes, existing)
    assert got["node-a"] is not None and got["node-x"] is not None


@pytest.mark.parametrize("explicit", [False, True])
def test_pre_score_arrays_match_the_per_node_loop(explicit):
    """upstream: podtopologyspread/scoring.go initPreScoreState. kubelab keeps per-node
    match counts and topology values as arrays between cycles (Cache.memo_rows); its
    counts, weights and ignored nodes must equal the per-node loop's, here over nodes
    with and without a zone, pods spread unevenly, and a pod added between two cycles."""
    import numpy as np
    from helpers import scheduler_with

    from kubelab.scheduler.framework.cycle_state import CycleState
    from kubelab.scheduler.framework.types import PodInfo
    from kubelab.scheduler.plugins import podtopologyspread as pts
    from kubelab.scheduler.schedule_one import NodeSeq

    zones = {"n0": "a", "n1": "a", "n2": "b", "n3": None, "n4": "c", "n5": "b"}
    nodes = [make_node(n, labels={HOST: n, **({"topology.kubernetes.io/zone": z} if z else {})}) for n, z in zones.items()]
    existing = [ex(f"e{i}", f"n{i % 5}") for i in range(9)] + [ex("other", "n2", labels=("bar",))]
    svc = Service.model_validate({"metadata": {"name": "s", "namespace": "default"}, "spec": {"selector": {"foo": ""}}})
    s = scheduler_with(nodes, existing, objects=[svc])
    pl = s.framework.plugin("PodTopologySpread")
    cons = (((2, "topology.kubernetes.io/zone", "ScheduleAnyway", FOO), (1, HOST, "ScheduleAnyway", FOO))
            if explicit else ())
    incoming = PodInfo(pod(constraints=cons))
    snap = s.cache.snapshot
    for step in range(2):
        feasible = NodeSeq(snap, np.asarray([0, 2, 3, 4, 5], dtype=np.int64))
        vec_state, loop_state = CycleState(), CycleState()
        assert pl.pre_score(vec_state, incoming, feasible) is None
        orig = pl._pre_score_vector
        pl._pre_score_vector = lambda *a: False
        try:
            assert pl.pre_score(loop_state, incoming, feasible) is None
        finally:
            pl._pre_score_vector = orig
        v, lo = vec_state.read(pts._PRESCORE_KEY), loop_state.read(pts._PRESCORE_KEY)
        assert v[1:] == lo[1:] and any(sum(c.values()) for c in v[1])
        got = pl.score_nodes(vec_state, incoming, snap, feasible.idx).tolist()
        want = [pl.score(loop_state, incoming, ni) for ni in feasible]
        assert got == want
        s.add_pod(ex(f"late{step}", "n4"))  # one more pod: its node's count is redone
