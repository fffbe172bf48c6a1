"""Properties: the vector paths agree with the per-node reference on random clusters;
the cache's aggregated numbers equal a recount from its pods; the layering holds."""

import ast
import pathlib

import numpy as np
from helpers import make_node, make_pod, scheduler_with
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.scheduler.framework.cycle_state import CycleState
from kubelab.scheduler.framework.types import PodInfo
from kubelab.scheduler.schedule_one import NodeSeq

CPUS = st.sampled_from(["500m", "1", "2", "4", "8"])
MEMS = st.sampled_from(["1Gi", "2Gi", "4Gi", "16Gi"])
REQ_CPU = st.sampled_from([None, "0", "100m", "250m", "1", "3"])
REQ_MEM = st.sampled_from([None, "0", "64Mi", "512Mi", "2Gi"])
TAINT = st.sampled_from([None, ("a", "1", "NoSchedule"), ("a", "2", "PreferNoSchedule"), ("b", "", "NoExecute")])


@st.composite
def clusters(draw):
    n = draw(st.integers(1, 12))
    nodes = []
    for i in range(n):
        t = draw(TAINT)
        nodes.append(make_node(f"n{i}", {"cpu": draw(CPUS), "memory": draw(MEMS), "pods": str(draw(st.integers(1, 6)))},
                               taints=[{"key": t[0], "value": t[1], "effect": t[2]}] if t else [],
                               unschedulable=draw(st.booleans()) and draw(st.booleans())))
    pods = []
    for j in range(draw(st.integers(0, 15))):
        req = {}
        c, m = draw(REQ_CPU), draw(REQ_MEM)
        if c is not None:
            req["cpu"] = c
        if m is not None:
            req["memory"] = m
        pods.append(make_pod(f"e{j}", reqs=[req], node=f"n{draw(st.integers(0, n - 1))}"))
    req = {}
    c, m = draw(REQ_CPU), draw(REQ_MEM)
    if c is not None:
        req["cpu"] = c
    if m is not None:
        req["memory"] = m
    tol = draw(st.sampled_from([[], [{"key": "a", "operator": "Exists"}], [{"key": "a", "value": "2", "effect": "PreferNoSchedule"}]]))
    return nodes, pods, make_pod("incoming", reqs=[req], tolerations=tol)


@settings(max_examples=60, deadline=None)
@given(clusters())
def test_vector_paths_match_per_node_reference(c):
    nodes, pods, incoming = c
    s = scheduler_with(nodes, pods)
    fwk = s.framework
    snap = s.cache.snapshot
    p = PodInfo(incoming)
    state = CycleState()
    fwk.run_pre_filter(state, p, snap)
    idx = np.arange(s.cache.n, dtype=np.int64)
    ok, fi, fs = fwk.run_filter_nodes(state, p, snap, idx)
    got = {int(i): fwk.status_table[int(k)].key() for i, k in zip(fi, fs)}
    for ni in snap.node_infos():
        ref = fwk.run_filter(state, p, ni)
        if ref.is_success():
            assert ni.idx in ok.tolist()
        else:
            assert got[ni.idx] == ref.key()
    if ok.size:
        fwk.run_pre_score(state, p, NodeSeq(snap, ok))
        for pl in fwk.points["score"]:
            if pl.name in state.skip_score_plugins or not hasattr(pl, "score_nodes"):
                continue
            vec = np.asarray(pl.score_nodes(state, p, snap, ok)).tolist()
            ref = [int(pl.score(state, p, snap.node_infos()[i])) for i in ok.tolist()]
            assert vec == ref, pl.name


@settings(max_examples=40, deadline=None)
@given(clusters(), st.data())
def test_cache_aggregates_equal_a_recount(c, data):
    nodes, pods, _ = c
    s = scheduler_with(nodes, pods)
    # remove some pods again, as deletes would
    for p in pods:
        if data.draw(st.booleans()):
            s.delete_pod(p)
    cache = s.cache
    for ni in cache.node_list:
        cpu = sum(p.requests.get("cpu", 0) for p in ni.pods.values())
        mem = sum(p.requests.get("memory", 0) for p in ni.pods.values())
        nzc = sum(p.non_zero[0] for p in ni.pods.values())
        assert ni.requested["cpu"] == cpu and ni.requested["memory"] == mem
        assert ni.non_zero_requested["cpu"] == nzc
        assert cache.npods[ni.idx] == len(ni.pods)


def test_layering_scheduler_imports_only_downwards():
    """sim <- api <- client <- scheduler: nothing above at module level, never the viz layer."""
    root = pathlib.Path(__file__).resolve().parents[2] / "kubelab" / "scheduler"
    banned = ("kubelab.viz", "kubelab.cluster", "kubelab.kubectl", "kubelab.controllers", "kubelab.node",
              "kubelab.components")
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only; lazy imports inside functions are the idiom
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for n in names:
                assert not n.startswith(banned), f"{path.name} imports {n} at module level"
        src = path.read_text()
        assert "import time" not in src and "import random" not in src.replace("random stream", ""), path.name
