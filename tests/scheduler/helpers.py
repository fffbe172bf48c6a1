"""Builders in the style of upstream's st.MakeNode() / st.MakePod() (pkg/scheduler/testing)
and a harness that runs one plugin's PreScore/Score/NormalizeScore like the upstream
plugin tests do — through both kubelab paths (per node and vectorised), which must agree."""

from __future__ import annotations

import itertools
from typing import Optional

import numpy as np

from kubelab.api.core import Node, Pod
from kubelab.scheduler import Scheduler
from kubelab.scheduler.framework.cycle_state import CycleState
from kubelab.scheduler.framework.interface import split_pre_filter
from kubelab.scheduler.framework.types import PodInfo
from kubelab.scheduler.schedule_one import NodeSeq
from kubelab.sim.kernel import Simulator

_uid = itertools.count(1)


def make_node(name: str, capacity: Optional[dict] = None, labels: Optional[dict] = None, taints=None,
              images=None, unschedulable: bool = False) -> Node:
    """st.MakeNode().Name(name).Capacity(...): capacity and allocatable alike (pods 32 if unset)."""
    cap = dict(capacity or {})
    if cap:
        cap.setdefault("pods", "32")
    return Node.model_validate({
        "metadata": {"name": name, "labels": dict(labels or {})},
        "spec": {"taints": taints or [], "unschedulable": unschedulable},
        "status": {"capacity": cap, "allocatable": cap,
                   "images": [{"names": n, "sizeBytes": s} for n, s in (images or [])]},
    })


def make_pod(name: Optional[str] = None, reqs=(), node: Optional[str] = None, labels: Optional[dict] = None,
             namespace: str = "default", priority: Optional[int] = None, images=(), **spec) -> Pod:
    """One container per entry of ``reqs`` (its requests), as st.MakePod().Req(...)."""
    n = next(_uid)
    containers = [{"name": f"c{i}", "image": (images[i] if i < len(images) else "pause"),
                   "resources": {"requests": dict(r)}} for i, r in enumerate(reqs)]
    for j in range(len(reqs), len(images)):
        containers.append({"name": f"c{j}", "image": images[j]})
    body = {"containers": containers, **spec}
    if node:
        body["nodeName"] = node
    if priority is not None:
        body["priority"] = priority
    return Pod.model_validate({
        "metadata": {"name": name or f"pod-{n}", "namespace": namespace, "uid": f"uid-{n}", "labels": dict(labels or {})},
        "spec": body,
    })


def scheduler_with(nodes=(), pods=(), config=None, objects=()) -> Scheduler:
    s = Scheduler(Simulator(seed=0), config=config)
    for o in objects:
        s.add_object(o)
    for n in nodes:
        s.add_node(n)
    for p in pods:
        s.add_pod(p)
    return s


def plugin_config(name: str, args: Optional[dict]) -> dict:
    return {"profiles": [{"schedulerName": "default-scheduler", "pluginConfig": [{"name": name, "args": args}] if args else []}]}


def run_score(plugin: str, pod: Pod, nodes, existing=(), args: Optional[dict] = None, objects=(),
              normalize: bool = True, failed_nodes=()) -> Optional[dict]:
    """PreScore + Score (+ NormalizeScore) of one plugin over all ``nodes``; None if PreScore
    skipped. Checks the per-node and the vector paths agree."""
    s = scheduler_with(list(nodes) + list(failed_nodes), existing, plugin_config(plugin, args), objects)
    fwk = s.framework
    pl = fwk.plugin(plugin)
    pinfo = PodInfo(pod)
    snap = s.cache.snapshot
    idx = np.arange(len(nodes), dtype=np.int64)  # the candidates (failed nodes are only in the snapshot)
    state = CycleState()
    if hasattr(pl, "pre_score"):
        st = pl.pre_score(state, pinfo, NodeSeq(snap, idx))
        if st is not None and st.is_skip():
            return None
    cands = [snap.node_infos()[i] for i in idx.tolist()]
    per_node = np.asarray([int(pl.score(state, pinfo, ni)) for ni in cands], dtype=np.int64)
    if hasattr(pl, "score_nodes"):
        vec = np.asarray(pl.score_nodes(state, pinfo, snap, idx), dtype=np.int64)
        assert vec.tolist() == per_node.tolist(), (vec, per_node)
    out = per_node
    if normalize and hasattr(pl, "normalize_score"):
        r = pl.normalize_score(state, pinfo, per_node.copy(), idx)
        out = per_node if r is None else np.asarray(r)
    return {ni.name: int(v) for ni, v in zip(cands, out.tolist())}


def run_filter(plugin: str, pod: Pod, nodes, existing=(), args: Optional[dict] = None, objects=()) -> dict:
    """PreFilter + Filter of one plugin: node -> (code name, reasons) or None when it passes.
    Checks the per-node and vector paths agree."""
    s = scheduler_with(nodes, existing, plugin_config(plugin, args), objects)
    fwk = s.framework
    pl = fwk.plugin(plugin)
    pinfo = PodInfo(pod)
    snap = s.cache.snapshot
    state = CycleState()
    if hasattr(pl, "pre_filter"):
        # a PreFilterResult is the framework's business (it narrows the nodes, see
        # test_prefilter_result.py); here every node's Filter verdict is wanted
        st = split_pre_filter(pl.pre_filter(state, pinfo, snap))[1]
        if st is not None and st.is_skip():
            return {ni.name: None for ni in snap.node_infos()}
        if st is not None and not st.is_success():
            return {ni.name: (st.code.name, st.reasons) for ni in snap.node_infos()}
    out = {}
    for ni in snap.node_infos():
        st = pl.filter(state, pinfo, ni)
        out[ni.name] = None if st is None or st.is_success() else (st.code.name, st.reasons)
    if hasattr(pl, "filter_nodes"):
        idx = np.arange(s.cache.n, dtype=np.int64)
        codes, statuses = pl.filter_nodes(state, pinfo, snap, idx)
        if codes is None:  # the shorthand for "every node passes"
            codes = np.zeros(idx.size, dtype=np.int64)
        vec = {}
        for ni, c in zip(snap.node_infos(), codes.tolist()):
            vec[ni.name] = None if c == 0 else (statuses[c - 1].code.name, statuses[c - 1].reasons)
        assert vec == out, (vec, out)
    return out
