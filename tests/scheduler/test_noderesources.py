"""NodeResourcesFit / BalancedAllocation against upstream's tables
(pkg/scheduler/framework/plugins/noderesources/{least,most}_allocated_test.go,
balanced_allocation_test.go, fit_test.go)."""

import pytest
from helpers import make_node, make_pod, run_filter, run_score

from kubelab.scheduler.config import ConfigError

POD_3000_5000 = [{"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}]


def n(name, cpu, mem, **kw):
    return make_node(name, {"cpu": cpu, "memory": mem}, **kw)


LEAST = [
    ("nothing scheduled, nothing requested", [], [n("node1", "4000", "10000"), n("node2", "4000", "10000")], [], {"node1": 100, "node2": 100}),
    ("nothing scheduled, resources requested, differently sized nodes", POD_3000_5000,
     [n("node1", "4000", "10000"), n("node2", "6000", "10000")], [], {"node1": 37, "node2": 50}),
    ("no resources requested, pods scheduled", [], [n("node1", "4000", "10000"), n("node2", "4000", "10000")],
     [("node1", []), ("node1", []), ("node2", []), ("node2", [])], {"node1": 100, "node2": 100}),
    ("no resources requested, pods scheduled with resources", [], [n("node1", "10000", "20000"), n("node2", "10000", "20000")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node1", [{"cpu": "3000", "memory": "0"}]),
      ("node2", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 70, "node2": 57}),
    ("resources requested, pods scheduled with resources", POD_3000_5000, [n("node1", "10000", "20000"), n("node2", "10000", "20000")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 57, "node2": 45}),
    ("resources requested, pods scheduled with resources, differently sized nodes", POD_3000_5000,
     [n("node1", "10000", "20000"), n("node2", "10000", "50000")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 57, "node2": 60}),
    ("requested resources exceed node capacity", [{"cpu": "3000", "memory": "0"}], [n("node1", "4000", "10000"), n("node2", "4000", "10000")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 50, "node2": 25}),
    ("zero node resources, pods scheduled with resources", [], [make_node("node1"), make_node("node2")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 0, "node2": 0}),
]


@pytest.mark.parametrize("name,reqs,nodes,existing,want", LEAST, ids=[c[0] for c in LEAST])
def test_least_allocated(name, reqs, nodes, existing, want):
    pods = [make_pod(reqs=r, node=node) for node, r in existing]
    assert run_score("NodeResourcesFit", make_pod(reqs=reqs), nodes, pods) == want


def test_least_allocated_resource_weights():
    # "nothing scheduled, resources requested with different weight on CPU and memory"
    args = {"scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}]}}
    got = run_score("NodeResourcesFit", make_pod(reqs=POD_3000_5000), [n("node1", "4000", "10000"), n("node2", "6000", "10000")], args=args)
    assert got == {"node1": 41, "node2": 50}


@pytest.mark.parametrize("weight", [-1, 0, 101])
def test_resource_weight_out_of_range_is_refused(weight):
    args = {"scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "memory", "weight": weight}, {"name": "cpu", "weight": 1}]}}
    with pytest.raises(ConfigError, match=r"scoringStrategy.resources\[0\].weight"):
        run_score("NodeResourcesFit", make_pod(reqs=POD_3000_5000), [n("node1", "4000", "10000")], args=args)


def test_least_allocated_bypasses_extended_resource_not_requested():
    args = {"scoringStrategy": {"type": "LeastAllocated", "resources": [
        {"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": "intel.com/foo", "weight": 1}]}}
    nodes = [n("node1", "6000", "10000"), make_node("node2", {"cpu": "6000", "memory": "10000", "intel.com/foo": "4"})]
    assert run_score("NodeResourcesFit", make_pod(reqs=POD_3000_5000), nodes, args=args) == {"node1": 50, "node2": 50}


MOST = [
    ("nothing scheduled, nothing requested", [], [n("node1", "4000", "10000"), n("node2", "4000", "10000")], [], {"node1": 0, "node2": 0}),
    ("nothing scheduled, resources requested, differently sized nodes", POD_3000_5000,
     [n("node1", "4000", "10000"), n("node2", "6000", "10000")], [], {"node1": 62, "node2": 50}),
    ("no resources requested, pods scheduled with resources", [], [n("node1", "10000", "20000"), n("node2", "10000", "20000")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node1", [{"cpu": "3000", "memory": "0"}]),
      ("node2", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 30, "node2": 42}),
    ("resources requested, pods scheduled with resources", POD_3000_5000, [n("node1", "10000", "20000"), n("node2", "10000", "20000")],
     [("node1", [{"cpu": "3000", "memory": "0"}]), ("node2", [{"cpu": "3000", "memory": "5000"}])], {"node1": 42, "node2": 55}),
    ("resources requested with more than the node, pods scheduled with resources", [{"cpu": "2000", "memory": "4000"}, {"cpu": "3000", "memory": "5000"}],
     [n("node1", "4000", "10000"), n("node2", "10000", "8000")], [], {"node1": 95, "node2": 75}),
]


@pytest.mark.parametrize("name,reqs,nodes,existing,want", MOST, ids=[c[0] for c in MOST])
def test_most_allocated(name, reqs, nodes, existing, want):
    pods = [make_pod(reqs=r, node=node) for node, r in existing]
    args = {"scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]}}
    assert run_score("NodeResourcesFit", make_pod(reqs=reqs), nodes, pods, args=args) == want


def test_requested_to_capacity_ratio():
    # shape {0: 10, 100: 0} (prefer empty nodes), scores scaled x10; node1 has 4000m/10000,
    # pod asks 3000m/5000: cpu util 75 -> 25, memory util 50 -> 50: round(75/2) = 38
    args = {"scoringStrategy": {"type": "RequestedToCapacityRatio",
                                "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
                                "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]}}}
    got = run_score("NodeResourcesFit", make_pod(reqs=POD_3000_5000), [n("node1", "4000", "10000"), n("node2", "6000", "10000")], args=args)
    assert got == {"node1": 38, "node2": 50}


# balanced_allocation_test.go (score = (1 - std) * 100, std of the two fractions = |a - b| / 2)
CPU_AND_MEMORY = [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"}]
CPU_ONLY = [{"cpu": "1000m", "memory": "0"}, {"cpu": "2000m", "memory": "0"}]
BALANCED = [
    ("nothing scheduled, resources requested, differently sized machines", CPU_AND_MEMORY,
     [n("machine1", "4000m", "10000"), n("machine2", "6000m", "10000")], [], {"machine1": 87, "machine2": 100}),
    ("resources requested, pods scheduled with resources", CPU_AND_MEMORY,
     [n("machine1", "10000m", "20000"), n("machine2", "10000m", "20000")],
     [("machine1", CPU_ONLY), ("machine2", CPU_AND_MEMORY)], {"machine1": 82, "machine2": 95}),
    ("resources requested, pods scheduled with resources, differently sized machines", CPU_AND_MEMORY,
     [n("machine1", "10000m", "20000"), n("machine2", "10000m", "50000")],
     [("machine1", CPU_ONLY), ("machine2", CPU_AND_MEMORY)], {"machine1": 82, "machine2": 80}),
    ("zero node resources, pods scheduled with resources", CPU_AND_MEMORY, [make_node("machine1"), make_node("machine2")],
     [], {"machine1": 100, "machine2": 100}),
]


@pytest.mark.parametrize("name,reqs,nodes,existing,want", BALANCED, ids=[c[0] for c in BALANCED])
def test_balanced_allocation(name, reqs, nodes, existing, want):
    pods = [make_pod(reqs=r, node=node) for node, r in existing]
    assert run_score("NodeResourcesBalancedAllocation", make_pod(reqs=reqs), nodes, pods) == want


def test_balanced_allocation_skips_best_effort_pods():
    # kubernetes#129138: best-effort pods are not scored, or they would pile on one node
    assert run_score("NodeResourcesBalancedAllocation", make_pod(), [n("m1", "4000m", "10000")]) is None


def test_balanced_allocation_caps_fraction_at_one():
    # cpu 6000m on 4000m -> fraction 1 (capped); memory 0 / 5000 of 10000
    pods = [make_pod(reqs=[{"cpu": "3000m", "memory": "0"}], node="m1"), make_pod(reqs=[{"cpu": "3000m", "memory": "5000"}], node="m2")]
    got = run_score("NodeResourcesBalancedAllocation", make_pod(reqs=[{"cpu": "3000m", "memory": "0"}]),
                    [n("m1", "4000m", "10000"), n("m2", "4000m", "10000")], pods)
    assert got == {"m1": 50, "m2": 75}


# -- Fit filter (fit_test.go) ----------------------------------------------------------------

def fit(pod, node_cap, existing_reqs=(), pods_cap=None):
    cap = dict(node_cap)
    if pods_cap is not None:
        cap["pods"] = str(pods_cap)
    node = make_node("node", cap)
    existing = [make_pod(reqs=r, node="node") for r in existing_reqs]
    return run_filter("NodeResourcesFit", pod, [node], existing)["node"]


def test_fit_no_resources_requested_always_fits():
    assert fit(make_pod(), {"cpu": "10m", "memory": "20"}, [[{"cpu": "10m", "memory": "20"}]]) is None


def test_fit_too_many_resources_fails():
    got = fit(make_pod(reqs=[{"cpu": "1m", "memory": "1"}]), {"cpu": "10m", "memory": "20"}, [[{"cpu": "10m", "memory": "20"}]])
    assert got == ("Unschedulable", ("Insufficient cpu", "Insufficient memory"))


def test_fit_cpu_only_insufficient():
    got = fit(make_pod(reqs=[{"cpu": "1m", "memory": "1"}]), {"cpu": "10m", "memory": "20"}, [[{"cpu": "9m", "memory": "5"}]]) is None
    assert got
    got = fit(make_pod(reqs=[{"cpu": "2m", "memory": "1"}]), {"cpu": "10m", "memory": "20"}, [[{"cpu": "9m", "memory": "5"}]])
    assert got == ("Unschedulable", ("Insufficient cpu",))


def test_fit_init_containers_max_is_used():
    # init container 3m, containers 1m: the pod needs max(3, 1) = 3m; 8m used of 10m
    pod = make_pod(reqs=[{"cpu": "1m", "memory": "1"}], initContainers=[{"name": "init", "image": "x", "resources": {"requests": {"cpu": "3m", "memory": "1"}}}])
    assert fit(pod, {"cpu": "10m", "memory": "20"}, [[{"cpu": "8m", "memory": "19"}]]) == ("Unschedulable", ("Insufficient cpu",))
    assert fit(pod, {"cpu": "10m", "memory": "20"}, [[{"cpu": "7m", "memory": "19"}]]) is None


def test_fit_sidecar_init_container_adds_to_containers():
    pod = make_pod(reqs=[{"cpu": "2m"}], initContainers=[{"name": "side", "image": "x", "restartPolicy": "Always", "resources": {"requests": {"cpu": "2m"}}}])
    assert fit(pod, {"cpu": "10m", "memory": "20"}, [[{"cpu": "7m"}]]) == ("Unschedulable", ("Insufficient cpu",))
    assert fit(pod, {"cpu": "10m", "memory": "20"}, [[{"cpu": "6m"}]]) is None


def test_fit_pod_overhead_counts():
    pod = make_pod(reqs=[{"cpu": "1m", "memory": "1"}], overhead={"cpu": "3m", "memory": "13"})
    assert fit(pod, {"cpu": "10m", "memory": "20"}, [[{"cpu": "5m", "memory": "7"}]]) == ("Unschedulable", ("Insufficient memory",))
    assert fit(pod, {"cpu": "10m", "memory": "20"}, [[{"cpu": "5m", "memory": "6"}]]) is None


def test_fit_too_many_pods():
    got = fit(make_pod(reqs=[{"cpu": "1m"}]), {"cpu": "10m", "memory": "20"}, [[{"cpu": "1m"}]], pods_cap=1)
    assert got == ("Unschedulable", ("Too many pods",))
    got = fit(make_pod(reqs=[{"cpu": "20m"}]), {"cpu": "10m", "memory": "20"}, [[{"cpu": "1m"}]], pods_cap=1)
    assert got == ("Unschedulable", ("Too many pods", "Insufficient cpu"))


def test_fit_extended_resource():
    pod = make_pod(reqs=[{"example.com/aaa": "2"}])
    assert fit(pod, {"cpu": "10m", "memory": "20", "example.com/aaa": "5"}, [[{"example.com/aaa": "4"}]]) == \
        ("Unschedulable", ("Insufficient example.com/aaa",))
    assert fit(pod, {"cpu": "10m", "memory": "20", "example.com/aaa": "5"}, [[{"example.com/aaa": "3"}]]) is None


def test_fit_ignored_extended_resource():
    pod = make_pod(reqs=[{"example.com/aaa": "2"}])
    node = make_node("node", {"cpu": "10m", "memory": "20"})
    got = run_filter("NodeResourcesFit", pod, [node], args={"ignoredResources": ["example.com/aaa"]})
    assert got["node"] is None
