"""InterPodAffinity (plugins/interpodaffinity: filtering.go, scoring.go).

Filter, from counts made once per cycle in PreFilter (topology pair -> matching pods):
  1. the pod's required affinity: every term's topology key on the node and some
     matching pod in that domain (or no matching pod anywhere and the pod matches its own
     terms: the first pod of a group)     UnschedulableAndUnresolvable
  2. the pod's required anti-affinity: no matching pod in the node's domain   Unschedulable
  3. existing pods' required anti-affinity against this pod             Unschedulable
Score: preferred (anti-)affinity of the pod towards existing pods and of existing pods
towards the pod (hard affinity of existing pods counts ``hardPodAffinityWeight``), summed
per topology domain, min-max normalised to 0..100.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..framework import interface as ep
from ..framework.status import Status
from ..framework.types import MAX_NODE_SCORE

NAME = "InterPodAffinity"
ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"
_PREFILTER_KEY = "PreFilter" + NAME
_PRESCORE_KEY = "PreScore" + NAME


class _PreFilterState:
    __slots__ = ("existing_anti_affinity_counts", "affinity_counts", "anti_affinity_counts", "ns_labels")

    def __init__(self):
        self.existing_anti_affinity_counts: dict[tuple[str, str], int] = {}
        self.affinity_counts: dict[tuple[str, str], int] = {}
        self.anti_affinity_counts: dict[tuple[str, str], int] = {}
        self.ns_labels: dict = {}


def _update(m: dict, labels: dict, key: str, value: int) -> None:
    v = labels.get(key)
    if v is not None:
        pair = (key, v)
        m[pair] = m.get(pair, 0) + value


def _matches_all(terms, pod, ns_labels=None) -> bool:
    """podMatchesAllAffinityTerms (nil namespace labels: the incoming pod's terms have
    their namespace selector merged already)."""
    if not terms:
        return False
    return all(t.matches(pod, ns_labels) for t in terms)


class InterPodAffinity:
    name = NAME
    events = {ep.POD_ADD, ep.POD_UPDATE, ep.POD_DELETE, ep.NODE_ADD, ep.NODE_UPDATE}
    depends_on_pods = True

    def __init__(self, args: Optional[dict] = None, handle=None):
        args = args or {}
        self.hard_pod_affinity_weight = int(args.get("hardPodAffinityWeight", 1))
        self.ignore_preferred_terms_of_existing_pods = bool(args.get("ignorePreferredTermsOfExistingPods", False))
        self.handle = handle

    def _ns_labels(self, ns: str) -> dict:
        if self.handle is None:
            return {"kubernetes.io/metadata.name": ns}
        return self.handle.namespace_labels(ns)

    # -- PreFilter -------------------------------------------------------------------------
    def compute_pre_filter_state(self, pod, snapshot) -> _PreFilterState:
        s = _PreFilterState()
        s.ns_labels = self._ns_labels(pod.namespace)
        # existing pods' required anti-affinity terms that match the incoming pod
        for ni in snapshot.have_pods_with_required_anti_affinity_list():
            labels = ni.labels
            for ex in ni.pods_with_required_anti_affinity.values():
                for t in ex.required_anti_affinity_terms:
                    if t.matches(pod, s.ns_labels):
                        _update(s.existing_anti_affinity_counts, labels, t.topology_key, 1)
        # the incoming pod's required terms against all existing pods
        aff, anti = pod.required_affinity_terms, pod.required_anti_affinity_terms
        if aff or anti:
            for ni in snapshot.node_infos():
                labels = ni.labels
                for ex in ni.pods.values():
                    if aff and _matches_all(aff, ex):
                        for t in aff:
                            _update(s.affinity_counts, labels, t.topology_key, 1)
                    for t in anti:
                        if t.matches(ex, None):
                            _update(s.anti_affinity_counts, labels, t.topology_key, 1)
        return s

    def pre_filter(self, state, pod, snapshot):
        if not pod.required_affinity_terms and not pod.required_anti_affinity_terms \
                and not snapshot.cache.anti_affinity_nodes:
            return Status.skip()
        state.write(_PREFILTER_KEY, self.compute_pre_filter_state(pod, snapshot))
        return None

    # -- Filter ----------------------------------------------------------------------------
    @staticmethod
    def _satisfy_pod_affinity(s: _PreFilterState, pod, labels: dict) -> bool:
        pods_exist = True
        for t in pod.required_affinity_terms:
            v = labels.get(t.topology_key)
            if v is None:
                return False  # all topology labels must exist on the node
            if s.affinity_counts.get((t.topology_key, v), 0) <= 0:
                pods_exist = False
        if not pods_exist:
            # the first pod of a group that has affinity to itself
            return not s.affinity_counts and _matches_all(pod.required_affinity_terms, pod)
        return True

    @staticmethod
    def _satisfy_pod_anti_affinity(s: _PreFilterState, pod, labels: dict) -> bool:
        if s.anti_affinity_counts:
            for t in pod.required_anti_affinity_terms:
                v = labels.get(t.topology_key)
                if v is not None and s.anti_affinity_counts.get((t.topology_key, v), 0) > 0:
                    return False
        return True

    @staticmethod
    def _satisfy_existing_pods_anti_affinity(s: _PreFilterState, labels: dict) -> bool:
        if s.existing_anti_affinity_counts:
            for kv in labels.items():
                if s.existing_anti_affinity_counts.get(kv, 0) > 0:
                    return False
        return True

    def filter(self, state, pod, node):
        s = state.get(_PREFILTER_KEY)
        if s is None:
            s = self.compute_pre_filter_state(pod, node._cache.snapshot)
        labels = node.labels
        if not self._satisfy_pod_affinity(s, pod, labels):
            return Status.unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH)
        if not self._satisfy_pod_anti_affinity(s, pod, labels):
            return Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
        if not self._satisfy_existing_pods_anti_affinity(s, labels):
            return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)
        return None

    def filter_nodes(self, state, pod, snapshot, idx):
        s = state.get(_PREFILTER_KEY)
        if s is None:
            s = self.compute_pre_filter_state(pod, snapshot)
        codes = np.zeros(idx.size, dtype=np.int64)
        if not pod.required_affinity_terms and not s.anti_affinity_counts and not s.existing_anti_affinity_counts:
            return codes, ()
        nodes = snapshot.cache.node_list
        for j, i in enumerate(idx.tolist()):
            labels = nodes[i].labels
            if not self._satisfy_pod_affinity(s, pod, labels):
                codes[j] = 1
            elif not self._satisfy_pod_anti_affinity(s, pod, labels):
                codes[j] = 2
            elif not self._satisfy_existing_pods_anti_affinity(s, labels):
                codes[j] = 3
        return codes, (Status.unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH),
                       Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH),
                       Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH))

    # -- Score -----------------------------------------------------------------------------
    def _process_term(self, m: dict, term, weight: int, pod, ns_labels, node_labels: dict, mult: int) -> None:
        if term.matches(pod, ns_labels):
            v = node_labels.get(term.topology_key)
            if v is not None:
                d = m.setdefault(term.topology_key, {})
                d[v] = d.get(v, 0) + weight * mult

    def _process_existing_pod(self, m: dict, pod, ns_labels, ex, node_labels: dict) -> None:
        if not node_labels:
            return
        for t in pod.preferred_affinity_terms:
            self._process_term(m, t, t.weight, ex, None, node_labels, 1)
        for t in pod.preferred_anti_affinity_terms:
            self._process_term(m, t, t.weight, ex, None, node_labels, -1)
        if self.hard_pod_affinity_weight > 0:
            for t in ex.required_affinity_terms:
                self._process_term(m, t, self.hard_pod_affinity_weight, pod, ns_labels, node_labels, 1)
        for t in ex.preferred_affinity_terms:
            self._process_term(m, t, t.weight, pod, ns_labels, node_labels, 1)
        for t in ex.preferred_anti_affinity_terms:
            self._process_term(m, t, t.weight, pod, ns_labels, node_labels, -1)

    def pre_score(self, state, pod, nodes):
        if len(nodes) == 0:
            return Status.skip()
        has_constraints = bool(pod.preferred_affinity_terms or pod.preferred_anti_affinity_terms)
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return Status.skip()
        snap = self.handle.snapshot if self.handle is not None else None
        if snap is None:
            return Status.skip()
        if not has_constraints and not snap.cache.affinity_nodes:
            return Status.skip()  # no pod with affinity anywhere: topologyScore stays empty, so Skip
        all_nodes = snap.node_infos() if has_constraints else snap.have_pods_with_affinity_list()
        ns_labels = self._ns_labels(pod.namespace)
        topology_score: dict[str, dict[str, int]] = {}
        for ni in all_nodes:
            pods = ni.pods if has_constraints else ni.pods_with_affinity
            for ex in pods.values():
                self._process_existing_pod(topology_score, pod, ns_labels, ex, ni.labels)
        if not topology_score:
            return Status.skip()
        state.write(_PRESCORE_KEY, topology_score)
        return None

    def score(self, state, pod, node):
        ts = state.get(_PRESCORE_KEY) or {}
        s = 0
        for key, values in ts.items():
            v = node.labels.get(key)
            if v is not None:
                s += values.get(v, 0)
        return s

    def normalize_score(self, state, pod, scores, idx):
        if not state.get(_PRESCORE_KEY):
            return scores
        mn, mx = int(scores.min()), int(scores.max())
        diff = mx - mn
        if diff <= 0:
            return np.zeros_like(scores)
        # float64(MaxNodeScore) * (float64(score-min) / float64(diff)), truncated
        return np.trunc(float(MAX_NODE_SCORE) * ((scores - mn).astype(np.float64) / float(diff))).astype(np.int64)
