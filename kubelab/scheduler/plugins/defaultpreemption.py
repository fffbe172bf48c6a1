"""DefaultPreemption (plugins/defaultpreemption/default_preemption.go and
framework/preemption/preemption.go).

When no node fits, find nodes where evicting lower-priority pods would let the pod in:
  * nodes rejected as UnschedulableAndUnresolvable are not tried ("Preemption is not
    helpful for scheduling");
  * on each other node (from a random offset, until enough candidates), remove every
    lower-priority pod; if the pod still does not fit, the node is out; otherwise add pods
    back, most important first, PDB-violating ones first, keeping as victims those whose
    return makes the pod unfit;
  * pick a node: fewest PDB violations, then lowest highest-victim priority, lowest sum
    of priorities, fewest victims, latest start time of the top victims;
  * delete the victims, nominate the node (status.nominatedNodeName).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from kubelab.api.labels import Selector

from ..explain import fit_error_message
from ..framework.interface import split_pre_filter
from ..framework.status import Code, Status
from ..framework.types import more_important_pod

NAME = "DefaultPreemption"
MSG_NOT_HELPFUL = "Preemption is not helpful for scheduling"
MSG_NO_VICTIMS = "No preemption victims found for incoming pod"
_MAX_INT32 = (1 << 31) - 1


class PostFilterResult:
    def __init__(self, nominated_node_name: str = "", victims=()):
        self.nominated_node_name = nominated_node_name
        self.victims = list(victims)

    def __repr__(self) -> str:
        return f"PostFilterResult(nominated_node_name={self.nominated_node_name!r}, victims={self.victims})"


class Candidate:
    __slots__ = ("node", "victims", "num_pdb_violations")

    def __init__(self, node: str, victims: list, num_pdb_violations: int):
        self.node, self.victims, self.num_pdb_violations = node, victims, num_pdb_violations


def filter_pods_with_pdb_violation(pods, pdbs):
    allowed = [p.status.disruptions_allowed for p in pdbs]
    sels = [Selector.from_label_selector(p.spec.selector) for p in pdbs]
    violating, non_violating = [], []
    for pi in pods:
        violated = False
        if pi.labels:
            for i, pdb in enumerate(pdbs):
                if (pdb.metadata.namespace or "default") != pi.namespace:
                    continue
                sel = sels[i]
                if sel.empty() or not sel.matches(pi.labels):  # a nil or empty selector matches nothing
                    continue
                if pi.name in (pdb.status.disrupted_pods or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pi)
    return violating, non_violating


def _sort_important(pods):
    import functools

    return sorted(pods, key=functools.cmp_to_key(lambda a, b: -1 if more_important_pod(a, b) else (1 if more_important_pod(b, a) else 0)))


def pick_one_node_for_preemption(candidates: list[Candidate]) -> Optional[Candidate]:
    if not candidates:
        return None

    def earliest_start_of_top(c: Candidate) -> float:
        if not c.victims:
            return float("-inf")
        top = c.victims[0].priority
        return min(v.start_time for v in c.victims if v.priority == top)

    funcs = [
        lambda c: -c.num_pdb_violations,
        lambda c: -c.victims[0].priority,
        lambda c: -sum(v.priority + _MAX_INT32 + 1 for v in c.victims),
        lambda c: -len(c.victims),
        earliest_start_of_top,
    ]
    cands = list(candidates)
    for f in funcs:
        best = max(f(c) for c in cands)
        cands = [c for c in cands if f(c) == best]
        if len(cands) == 1:
            return cands[0]
    return cands[0]


class DefaultPreemption:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        args = args or {}
        self.min_candidate_nodes_percentage = int(args.get("minCandidateNodesPercentage", 10))
        self.min_candidate_nodes_absolute = int(args.get("minCandidateNodesAbsolute", 100))
        self.handle = handle

    def calculate_num_candidates(self, num_nodes: int) -> int:
        n = num_nodes * self.min_candidate_nodes_percentage // 100
        if n < self.min_candidate_nodes_absolute:
            n = self.min_candidate_nodes_absolute
        return min(n, num_nodes)

    # -- eligibility -------------------------------------------------------------------------
    def pod_eligible_to_preempt_others(self, pod, diagnosis) -> tuple[bool, str]:
        if pod.pod.spec.preemption_policy == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nom = pod.pod.status.nominated_node_name
        if nom:
            snap = self.handle.snapshot
            ni = snap.get(nom)
            if ni is not None:
                if diagnosis.status_of(ni.idx).code == Code.UnschedulableAndUnresolvable:
                    return True, ""
                for p in ni.pods.values():
                    if p.priority < pod.priority and p.terminating:
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    # -- what-if -------------------------------------------------------------------------
    def _fits(self, fwk, state, pod, ni) -> Status:
        snap = self.handle.snapshot
        st2 = state.clone()
        for pl in fwk.active_filters(state):
            if getattr(pl, "depends_on_pods", False) and hasattr(pl, "pre_filter"):
                r = split_pre_filter(pl.pre_filter(st2, pod, snap))[1]
                if r is not None and r.is_skip():
                    st2.skip_filter_plugins.add(pl.name)
        ok, _, ids = fwk.run_filter_nodes(st2, pod, snap, np.asarray([ni.idx], dtype=np.int64))
        if ok.size:
            return Status(Code.Success)
        return fwk.status_table[int(ids[0])]

    def select_victims_on_node(self, fwk, state, pod, ni, pdbs):
        """SelectVictimsOnNode: (victims, number violating a PDB, status)."""
        cache = self.handle.cache
        lower = [p for p in ni.pods.values() if p.priority < pod.priority]
        if not lower:
            return None, 0, Status.unresolvable(MSG_NO_VICTIMS)
        removed = []
        try:
            for p in lower:
                cache._place(p, ni.name, -1)
                removed.append(p)
            st = self._fits(fwk, state, pod, ni)
            if not st.is_success():
                return None, 0, st
            victims = []
            num_violating = 0
            violating, non_violating = filter_pods_with_pdb_violation(_sort_important(lower), pdbs)

            def reprieve(p) -> bool:
                cache._place(p, ni.name, +1)
                removed.remove(p)
                if self._fits(fwk, state, pod, ni).is_success():
                    return True
                cache._place(p, ni.name, -1)
                removed.append(p)
                victims.append(p)
                return False

            for p in violating:
                if not reprieve(p):
                    num_violating += 1
            for p in non_violating:
                reprieve(p)
            if violating and non_violating:
                victims = _sort_important(victims)
            return victims, num_violating, Status(Code.Success)
        finally:
            for p in removed:
                cache._place(p, ni.name, +1)

    # -- the PostFilter ------------------------------------------------------------------------
    def post_filter(self, state, pod, diagnosis):
        fwk = diagnosis.fwk
        ok, msg = self.pod_eligible_to_preempt_others(pod, diagnosis)
        if not ok:
            return None, Status.unschedulable("preemption: " + msg)
        snap = self.handle.snapshot
        nodes = snap.node_infos()
        n_all = len(nodes)
        statuses: dict[int, Status] = {}
        potential = []
        for ni in nodes:
            if diagnosis.status_of(ni.idx).code == Code.UnschedulableAndUnresolvable:
                statuses[ni.idx] = Status.unresolvable(MSG_NOT_HELPFUL)
            else:
                potential.append(ni)
        candidates: list[Candidate] = []
        if potential:
            pdbs = list(self.handle.list("PodDisruptionBudget"))
            offset = self.handle.rng("preemption").randrange(len(potential))
            num_candidates = self.calculate_num_candidates(len(potential))
            non_violating = violating = 0
            for k in range(len(potential)):
                ni = potential[(offset + k) % len(potential)]
                victims, nviol, st = self.select_victims_on_node(fwk, state, pod, ni, pdbs)
                if st.is_success() and not victims:
                    st = Status(Code.Error, f'expected at least one victim pod on node "{ni.name}"')
                if st.is_success():
                    candidates.append(Candidate(ni.name, victims, nviol))
                    if nviol:
                        violating += 1
                    else:
                        non_violating += 1
                    if non_violating > 0 and non_violating + violating >= num_candidates:
                        break
                else:
                    statuses[ni.idx] = st
        if not candidates:
            counts: dict[str, int] = {}
            for st in statuses.values():
                for r in st.reasons:
                    counts[r] = counts.get(r, 0) + 1
            return PostFilterResult(""), Status.unschedulable("preemption: " + fit_error_message(n_all, counts))
        best = pick_one_node_for_preemption(candidates)
        # prepareCandidate: evict the victims, clear lower-priority nominations on that node
        for v in best.victims:
            self.handle.record_event(v.pod, "Normal", "Preempted", f"Preempted by pod {pod.uid} on node {best.node}")
            self.handle.delete_pod(v, f"{self.handle.sched.identity if hasattr(self.handle, 'sched') else 'kube-scheduler'}: preempting to accommodate a higher priority pod")
        q = self.handle.queue
        for other in q.nominated_pods_for_node(best.node):
            if other.priority < pod.priority and other.uid != pod.uid:
                q.delete_nominated(other.uid)
                self.handle.set_nominated_node(other, "")
        return PostFilterResult(best.node, [v.key for v in best.victims]), Status(Code.Success)
