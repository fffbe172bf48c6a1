"""One scheduling cycle's algorithm (pkg/scheduler/schedule_one.go): find the nodes that
fit, score them, select one.

``find_nodes_that_fit`` walks the nodes from a rotating start index and stops after
``num_feasible_nodes_to_find`` feasible ones (percentageOfNodesToScore); ``select_host``
breaks ties among the best totals at random from the scheduler's seeded stream.
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from .explain import Decision, fit_error_message, reason_histogram
from .framework.cycle_state import CycleState
from .framework.interface import all_nodes, split_pre_filter
from .framework.runtime import Framework
from .framework.status import Code, Status
from .framework.types import PodInfo

MIN_FEASIBLE_NODES_TO_FIND = 100  # schedule_one.go minFeasibleNodesToFind
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"

_EMPTY = np.zeros(0, dtype=np.int64)


class Diagnosis:
    """Why no node fits: the status of every rejected node, and the rejecting plugins.

    ``absent_status`` is NodeToStatus's absentNodesStatus: the status of every node not
    in the map (by default UnschedulableAndUnresolvable with no reason; when a
    PreFilterResult narrowed the nodes, "node(s) didn't satisfy plugin(s) [...]")."""

    def __init__(self, fwk: Framework, names, fail_idx: np.ndarray, fail_ids: np.ndarray, pre_filter_msg: str = "",
                 absent_status: Optional[Status] = None, plugins: Iterable[str] = ()):
        self.fwk = fwk
        self.names = names
        self.fail_idx = fail_idx
        self.fail_ids = fail_ids
        self.pre_filter_msg = pre_filter_msg
        self.post_filter_msg = ""
        self.absent_status = absent_status if absent_status is not None else Status(Code.UnschedulableAndUnresolvable)
        table = fwk.status_table
        # diagnosis.UnschedulablePlugins: the plugins whose PreFilterResult left nodes out,
        # then AddPluginStatus of each rejection (a status without a plugin adds none)
        self.unschedulable_plugins = set(plugins)
        if fail_ids.size:
            self.unschedulable_plugins.update(table[i].plugin for i in np.unique(fail_ids).tolist() if table[i].plugin)
        self._by_idx: Optional[dict[int, Status]] = None

    def status_of(self, idx: int) -> Status:
        """NodeToStatus.Get: a node absent from the map has the absent nodes' status."""
        if self._by_idx is None:
            t = self.fwk.status_table
            self._by_idx = {i: t[s] for i, s in zip(self.fail_idx.tolist(), self.fail_ids.tolist())}
        st = self._by_idx.get(idx)
        return st if st is not None else self.absent_status

    def __len__(self) -> int:
        return int(self.fail_idx.size)


class FitError(Exception):
    def __init__(self, pinfo: PodInfo, num_all_nodes: int, diagnosis: Diagnosis):
        self.pinfo = pinfo
        self.num_all_nodes = num_all_nodes
        self.diagnosis = diagnosis
        super().__init__(self.message())

    def message(self) -> str:
        d = self.diagnosis
        counts = {}
        if not d.pre_filter_msg:
            counts = reason_histogram(d.fwk.status_table, d.fail_ids)
            absent = self.num_all_nodes - len(d)
            if absent > 0:  # FitError.Error: the absent nodes' reasons, counted once per absent node
                for r in d.absent_status.reasons:
                    counts[r] = counts.get(r, 0) + absent
        return fit_error_message(self.num_all_nodes, counts, d.pre_filter_msg, d.post_filter_msg)


class NoNodesAvailable(Exception):
    pass


def num_feasible_nodes_to_find(percentage: Optional[int], num_all_nodes: int) -> int:
    """schedule_one.go numFeasibleNodesToFind: all nodes under 100; otherwise a share
    (adaptive: 50% - nodes/125, at least 5%), never under 100."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    pct = percentage or 0
    if pct == 0:
        pct = 50 - num_all_nodes // 125
        if pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    n = num_all_nodes * pct // 100
    return max(n, MIN_FEASIBLE_NODES_TO_FIND)


class NodeSeq:
    """The feasible nodes handed to PreScore: indexable like a list of NodeInfo, with the
    index array kept for vector code (``.idx``)."""

    __slots__ = ("idx", "_nodes")

    def __init__(self, snapshot, idx: np.ndarray):
        self.idx = idx
        self._nodes = snapshot.cache.node_list

    def __len__(self) -> int:
        return int(self.idx.size)

    def __iter__(self):
        nodes = self._nodes
        return (nodes[i] for i in self.idx.tolist())

    def __getitem__(self, k):
        return self._nodes[int(self.idx[k])]


def find_nodes_that_fit(sched, fwk: Framework, state: CycleState, pinfo: PodInfo, d: Decision) -> np.ndarray:
    snap = sched.cache.update_snapshot()
    n = snap.num_nodes
    names = snap.names()
    d.num_all_nodes = n
    pre_res, st, with_nodes = fwk.run_pre_filter_plugins(state, pinfo, snap)
    if not st.is_success():
        # PreFilter rejected: every node carries the same status (schedule_one.go)
        sid = fwk.intern(st)
        idx = np.arange(n, dtype=np.int64)
        ids = np.full(n, sid, dtype=np.int64)
        d.record_filter(names, fwk.status_table, idx, ids)
        d.pre_filter_message = st.message()
        d.evaluated_nodes = n
        raise FitError(pinfo, n, Diagnosis(fwk, names, idx, ids, st.message(), plugins=with_nodes))

    filters, vector = fwk.filter_plan(state)
    # a pod that preempted tries its nominated node first (evaluateNominatedNode)
    nom = pinfo.pod.status.nominated_node_name
    if nom:
        ni = snap.get(nom)
        if ni is not None:
            ok, _, _ = fwk.run_filter_nodes(state, pinfo, snap, np.asarray([ni.idx], dtype=np.int64), filters)
            if ok.size:
                d.record_filter(names, fwk.status_table, _EMPTY, _EMPTY)
                d.evaluated_nodes = d.feasible_nodes = 1
                return ok

    if not all_nodes(pre_res):
        return _find_in_pre_filter_result(sched, fwk, state, pinfo, d, snap, filters, names, n, pre_res, with_nodes)

    to_find = num_feasible_nodes_to_find(fwk.percentage_of_nodes_to_score, n)
    start = sched.next_start_node_index % n if n else 0
    order = snap.cache.rotation()  # 0..n-1 twice: order[start:start + k] is the walk, a view
    if vector and to_find >= n:
        return _find_vector(sched, fwk, state, pinfo, d, snap, filters, names, n, start, to_find)
    # walk from ``start`` in chunks and stop once ``to_find`` nodes fit (upstream checks
    # nodes in parallel chunks and cancels the rest); vector filters see only the chunk,
    # so a cycle over 5,000 nodes filters the ~500 it needs, not all of them
    chunk = max(to_find, 1)
    feas, fail_i, fail_s = [], [], []
    found = 0
    processed = n
    pos = 0
    while pos < n:
        sl = order[start + pos:start + min(pos + chunk, n)]
        ok, fi, fs = fwk.run_filter_nodes(state, pinfo, snap, sl, filters)
        ok, fi, fs = _with_nominated_pods(sched, fwk, state, pinfo, snap, ok, fi, fs)
        if found + ok.size >= to_find:
            need = to_find - found
            last = int(ok[need - 1])
            p = (last - start - pos) % n  # its position within this slice
            feas.append(ok[:need])
            if fi.size:
                keep = ((fi - start - pos) % n) <= p
                fail_i.append(fi[keep])
                fail_s.append(fs[keep])
            found = to_find
            processed = pos + p + 1
            break
        feas.append(ok)
        fail_i.append(fi)
        fail_s.append(fs)
        found += ok.size
        pos += chunk
        if vector:
            chunk *= 2  # mostly-full clusters: fewer, larger vector passes
    sched.next_start_node_index = (start + processed) % n if n else 0
    # one chunk (the usual case) stays a view of the walk, so plugins read array slices
    feasible = (feas[0] if len(feas) == 1 else np.concatenate(feas)) if feas else _EMPTY
    fail_idx = (fail_i[0] if len(fail_i) == 1 else np.concatenate(fail_i)) if fail_i else _EMPTY
    fail_ids = (fail_s[0] if len(fail_s) == 1 else np.concatenate(fail_s)) if fail_s else _EMPTY
    d.record_filter(names, fwk.status_table, fail_idx, fail_ids)
    d.evaluated_nodes = int(feasible.size + fail_idx.size)
    d.feasible_nodes = int(feasible.size)
    if feasible.size == 0:
        raise FitError(pinfo, n, Diagnosis(fwk, names, fail_idx, fail_ids))
    return feasible


def _with_nominated_pods(sched, fwk, state, pinfo, snap, ok, fi, fs):
    """RunFilterPluginsWithNominatedPods: on nodes where pods of equal or higher priority
    are nominated (they preempted and wait for their victims to leave), filter as if those
    pods were already there, so the room they freed is not taken by someone else."""
    nominated = sched.queue.nominated
    if not nominated or ok.size == 0:
        return ok, fi, fs
    cache = sched.cache
    drop, ids = [], []
    okset = None
    for node_name, pods in nominated.items():
        ni = cache.nodes.get(node_name)
        if ni is None:
            continue
        if okset is None:
            okset = set(ok.tolist())
        if ni.idx not in okset:
            continue
        add = [p for p in pods.values() if p.priority >= pinfo.priority and p.uid != pinfo.uid]
        if not add:
            continue
        for p in add:
            cache._place(p, node_name, +1)
        try:
            st2 = state.clone()
            for pl in fwk.active_filters(state):
                if getattr(pl, "depends_on_pods", False):
                    r = split_pre_filter(pl.pre_filter(st2, pinfo, snap))[1]
                    if r is not None and r.is_skip():
                        st2.skip_filter_plugins.add(pl.name)
            good, _, bad_ids = fwk.run_filter_nodes(st2, pinfo, snap, np.asarray([ni.idx], dtype=np.int64))
        finally:
            for p in add:
                cache._place(p, node_name, -1)
        if good.size == 0:
            drop.append(ni.idx)
            ids.append(int(bad_ids[0]))
    if not drop:
        return ok, fi, fs
    keep = ~np.isin(ok, np.asarray(drop, dtype=np.int64))
    return (ok[keep], np.concatenate((fi, np.asarray(drop, dtype=np.int64))),
            np.concatenate((fs, np.asarray(ids, dtype=np.int64))))


def _find_in_pre_filter_result(sched, fwk, state, pinfo, d, snap, filters, names, n, pre_res, with_nodes) -> np.ndarray:
    """findNodesThatFitPod when PreFilter returned node names: only those nodes (that
    exist) are filtered; every other node gets the absent nodes' status
    UnschedulableAndUnresolvable "node(s) didn't satisfy plugin(s) [<plugins>]".
    numFeasibleNodesToFind and the start index apply to the narrowed list; the next start
    index moves on by the nodes processed, modulo all nodes (schedule_one.go).

    Upstream ranges over the result's Go map (no set order); kubelab takes the nodes in the
    snapshot's order, so the same seed gives the same walk."""
    get = snap.get
    cand = np.asarray(sorted(ni.idx for ni in (get(nm) for nm in pre_res.node_names) if ni is not None), dtype=np.int64)
    m = int(cand.size)
    absent = Status(Code.UnschedulableAndUnresolvable, f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(with_nodes))}]")
    if m:
        to_find = num_feasible_nodes_to_find(fwk.percentage_of_nodes_to_score, m)
        start = sched.next_start_node_index % m
        walk = np.concatenate((cand[start:], cand[:start])) if start else cand
        ok, fi, fs = fwk.run_filter_nodes(state, pinfo, snap, walk, filters)
        ok, fi, fs = _with_nominated_pods(sched, fwk, state, pinfo, snap, ok, fi, fs)
        if ok.size >= to_find > 0:  # ok keeps the walk's order
            feasible = ok[:to_find]
            p = int((np.searchsorted(cand, feasible[-1]) - start) % m)
            if fi.size:
                keep = ((np.searchsorted(cand, fi) - start) % m) <= p
                fi, fs = fi[keep], fs[keep]
        else:
            feasible = ok
    else:
        feasible = fi = fs = _EMPTY
    processed = int(feasible.size + fi.size)  # len(feasibleNodes) + diagnosis.NodeToStatus.Len()
    sched.next_start_node_index = (sched.next_start_node_index + processed) % n
    d.record_filter(names, fwk.status_table, fi, fs)
    d.record_pre_filter_result(cand, absent, sorted(with_nodes))
    d.evaluated_nodes = processed
    d.feasible_nodes = int(feasible.size)
    if feasible.size == 0:
        raise FitError(pinfo, n, Diagnosis(fwk, names, fi, fs, absent_status=absent, plugins=with_nodes))
    return feasible


def _find_vector(sched, fwk, state, pinfo, d, snap, filters, names, n, start, to_find) -> np.ndarray:
    """Every filter has a vector form: run them once over all nodes in their natural
    order (array slices, no gathers), then read the result in the rotated order."""
    ok, fi, fs = fwk.run_filter_nodes(state, pinfo, snap, snap.cache.all_idx(), filters)
    ok, fi, fs = _with_nominated_pods(sched, fwk, state, pinfo, snap, ok, fi, fs)
    # ok is sorted (natural order); rotate so the walk starts at ``start``
    k = int(np.searchsorted(ok, start))
    rotated = np.concatenate((ok[k:], ok[:k])) if k else ok
    if rotated.size >= to_find and to_find > 0:
        feasible = rotated[:to_find]
        p = int((feasible[-1] - start) % n)
        processed = p + 1
        if fi.size:
            keep = ((fi - start) % n) <= p
            fi, fs = fi[keep], fs[keep]
    else:
        feasible = rotated
        processed = n
    sched.next_start_node_index = (start + processed) % n if n else 0
    d.record_filter(names, fwk.status_table, fi, fs)
    d.evaluated_nodes = int(feasible.size + fi.size)
    d.feasible_nodes = int(feasible.size)
    if feasible.size == 0:
        raise FitError(pinfo, n, Diagnosis(fwk, names, fi, fs))
    return feasible


def select_host(totals: np.ndarray, rng) -> int:
    """selectHost: the highest total; ties broken uniformly at random.

    Upstream walks the tied nodes with reservoir sampling (replace the pick with
    probability 1/k at the k-th tie); one draw among the k ties gives the same uniform
    choice at a fraction of the cost."""
    best = np.maximum.reduce(totals)
    ties = (totals == best).nonzero()[0]
    if ties.size == 1:
        return int(ties[0])
    return int(ties[rng.randrange(ties.size)])


def schedule_pod(sched, fwk: Framework, state: CycleState, pinfo: PodInfo, d: Decision) -> str:
    """schedulePod: returns the chosen node's name; raises FitError / NoNodesAvailable."""
    snap = sched.cache.update_snapshot()
    if snap.num_nodes == 0:
        raise NoNodesAvailable(ERR_NO_NODES_AVAILABLE)
    feasible = find_nodes_that_fit(sched, fwk, state, pinfo, d)
    names = snap.names()
    if feasible.size == 1:
        return names[int(feasible[0])]
    fwk.run_pre_score(state, pinfo, NodeSeq(snap, feasible))
    plugins, raw, norm, weights, total = fwk.run_score(state, pinfo, snap, feasible)
    if not plugins:  # no score plugins: every node scores 1 (prioritizeNodes)
        total = np.ones(feasible.size, dtype=np.int64)
    d.record_scores(feasible, plugins, raw, norm, weights, total, fwk.normalized_rows(plugins) if plugins else None)
    j = select_host(total, sched.rng)
    d._sel_idx = int(feasible[j])
    d._sel_pos = j
    return names[int(feasible[j])]
