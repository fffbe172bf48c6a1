"""PodTopologySpread (plugins/podtopologyspread: common.go, filtering.go, scoring.go).

Filter (whenUnsatisfiable: DoNotSchedule): for each constraint,
``matching pods in the node's domain + (1 if the pod matches itself) - the global
minimum <= maxSkew``; a node missing the topology key is UnschedulableAndUnresolvable.
Score (ScheduleAnyway, and the system default constraints — hostname maxSkew 3, zone
maxSkew 5 — for pods a Service / ReplicaSet / StatefulSet selects): per node
``sum(count * log(domains + 2) + maxSkew - 1)``, rounded, then normalised so the least
crowded node gets 100.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from kubelab.api.labels import Requirement, Selector

from ..framework import interface as ep
from ..framework.status import Status
from ..framework.types import LABEL_HOSTNAME, LABEL_ZONE, MAX_NODE_SCORE
from .helper import find_matching_untolerated_taint
from .nodeaffinity import RequiredNodeAffinity

NAME = "PodTopologySpread"
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
SYSTEM_DEFAULT_CONSTRAINTS = [
    {"topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 3},
    {"topologyKey": LABEL_ZONE, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 5},
]
_PREFILTER_KEY = "PreFilter" + NAME
_PRESCORE_KEY = "PreScore" + NAME
_PRESCORE_VEC_KEY = "PreScore" + NAME + "/vector"
_MAX_INT32 = (1 << 31) - 1


class Constraint:
    __slots__ = ("max_skew", "topology_key", "selector", "min_domains", "node_affinity_policy", "node_taints_policy")

    def __init__(self, max_skew, topology_key, selector, min_domains=1, node_affinity_policy="Honor", node_taints_policy="Ignore"):
        self.max_skew = max_skew
        self.topology_key = topology_key
        self.selector = selector
        self.min_domains = min_domains or 1
        self.node_affinity_policy = node_affinity_policy or "Honor"
        self.node_taints_policy = node_taints_policy or "Ignore"

    def match_node_inclusion_policies(self, pod, node, required: RequiredNodeAffinity) -> bool:
        if self.node_affinity_policy == "Honor" and not required.match(node.name, node.labels):
            return False
        if self.node_taints_policy == "Honor" and \
                find_matching_untolerated_taint(node.taints, pod.tolerations, ("NoSchedule", "NoExecute")) is not None:
            return False
        return True


def count_pods_match_selector(pods, selector: Selector, ns: str) -> int:
    if selector.empty():
        return 0
    n = 0
    for p in pods:
        if p.terminating or p.namespace != ns:
            continue
        if selector.matches(p.labels):
            n += 1
    return n


def node_labels_match_spread_constraints(labels: dict, constraints) -> bool:
    return all(c.topology_key in labels for c in constraints)


class PodTopologySpread:
    name = NAME
    events = {ep.POD_ADD, ep.POD_UPDATE, ep.POD_DELETE, ep.NODE_ADD, ep.NODE_UPDATE}
    depends_on_pods = True

    def __init__(self, args: Optional[dict] = None, handle=None):
        args = args or {}
        self.defaulting_type = args.get("defaultingType") or "System"
        self.system_defaulted = self.defaulting_type == "System"
        self.default_constraints = SYSTEM_DEFAULT_CONSTRAINTS if self.system_defaulted else (args.get("defaultConstraints") or [])
        self.handle = handle
        self._values: dict[str, tuple[dict, list]] = {}  # topology key -> (value -> id, id -> value)

    # -- constraints -----------------------------------------------------------------------
    def _filter_constraints(self, pod, action: str) -> list[Constraint]:
        out = []
        labels = pod.labels
        for c in pod.pod.spec.topology_spread_constraints or ():
            if c.when_unsatisfiable != action:
                continue
            sel = Selector.from_label_selector(c.label_selector)
            if c.match_label_keys:
                extra = [Requirement(k, "in", (labels[k],)) for k in c.match_label_keys if k in labels]
                sel = Selector(tuple(sel.requirements) + tuple(extra))
            out.append(Constraint(c.max_skew, c.topology_key, sel, c.min_domains, c.node_affinity_policy, c.node_taints_policy))
        return out

    def default_selector(self, pod) -> Selector:
        """helper.DefaultSelector: the selectors of the Services selecting the pod and of
        its controlling ReplicaSet / StatefulSet / ReplicationController, merged."""
        if self.handle is None:
            return Selector()
        label_set: dict[str, str] = {}
        for svc in self.handle.list("Service"):
            if (svc.metadata.namespace or "default") != pod.namespace or not svc.spec.selector:
                continue
            if Selector.from_set(svc.spec.selector).matches(pod.labels):
                label_set.update(svc.spec.selector)
        reqs = list(Selector.from_set(label_set).requirements) if label_set else []
        owner = pod.pod.metadata.controller_ref()
        if owner is not None:
            kinds = {"ReplicaSet": "ReplicaSet", "StatefulSet": "StatefulSet", "ReplicationController": "ReplicationController"}
            kind = kinds.get(owner.kind)
            if kind is not None:
                for o in self.handle.list(kind):
                    if o.metadata.name == owner.name and (o.metadata.namespace or "default") == pod.namespace:
                        sel = o.spec.selector
                        if kind == "ReplicationController":
                            label_set.update(sel or {})
                            reqs = list(Selector.from_set(label_set).requirements)
                        else:
                            reqs += list(Selector.from_label_selector(sel).requirements)
                        break
        return Selector(reqs)

    def _build_default_constraints(self, pod, action: str) -> list[Constraint]:
        cs = [c for c in self.default_constraints if c["whenUnsatisfiable"] == action]
        if not cs:
            return []
        sel = self.default_selector(pod)
        if sel.empty():
            return []
        return [Constraint(c["maxSkew"], c["topologyKey"], sel) for c in cs]

    def _constraints(self, pod, action: str) -> list[Constraint]:
        if pod.pod.spec.topology_spread_constraints:
            return self._filter_constraints(pod, action)
        return self._build_default_constraints(pod, action)

    # -- PreFilter / Filter ----------------------------------------------------------------
    def compute_pre_filter_state(self, pod, snapshot, constraints=None):
        if constraints is None:
            constraints = self._constraints(pod, DO_NOT_SCHEDULE)
        required = RequiredNodeAffinity.of(pod.pod)
        counts: list[dict[str, int]] = [dict() for _ in constraints]
        for ni in snapshot.node_infos():
            if not node_labels_match_spread_constraints(ni.labels, constraints):
                continue
            for i, c in enumerate(constraints):
                if not c.match_node_inclusion_policies(pod, ni, required):
                    continue
                v = ni.labels[c.topology_key]
                counts[i][v] = counts[i].get(v, 0) + count_pods_match_selector(ni.pods.values(), c.selector, pod.namespace)
        return constraints, counts

    def pre_filter(self, state, pod, snapshot):
        constraints = self._constraints(pod, DO_NOT_SCHEDULE)
        if not constraints:
            return Status.skip()
        state.write(_PREFILTER_KEY, self.compute_pre_filter_state(pod, snapshot, constraints))
        return None

    def filter(self, state, pod, node):
        s = state.get(_PREFILTER_KEY)
        if s is None:
            s = self.compute_pre_filter_state(pod, node._cache.snapshot)
        constraints, counts = s
        for i, c in enumerate(constraints):
            v = node.labels.get(c.topology_key)
            if v is None:
                return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)
            mn = min(counts[i].values()) if counts[i] else _MAX_INT32
            if len(counts[i]) < c.min_domains:
                mn = 0
            self_match = 1 if c.selector.matches(pod.labels) else 0
            skew = counts[i].get(v, 0) + self_match - mn
            if skew > c.max_skew:
                return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
        return None

    # -- per-node arrays kept between cycles (Cache.memo_rows) ---------------------------------
    def _match_counts(self, cache, selector, ns) -> np.ndarray:
        """countPodsMatchSelector for every node: recounted only on nodes whose pods changed."""
        def fn(idx):
            nl = cache.node_list
            return np.fromiter((count_pods_match_selector(nl[i].pods.values(), selector, ns) for i in idx.tolist()),
                               dtype=np.int64, count=idx.size)
        return cache.memo_rows(("PodTopologySpread/count", selector, ns), fn)

    def _value_ids(self, cache, key: str):
        """The node's value of topology ``key`` as a small int (-1: no such label), and the
        value table (id -> value)."""
        table = self._values.setdefault(key, ({}, []))
        ids, names = table

        def fn(idx):
            nl = cache.node_list
            out = np.empty(idx.size, dtype=np.int64)
            for j, i in enumerate(idx.tolist()):
                v = nl[i].labels.get(key)
                if v is None:
                    out[j] = -1
                    continue
                k = ids.get(v)
                if k is None:
                    k = ids[v] = len(names)
                    names.append(v)
                out[j] = k
            return out
        return cache.memo_rows(("PodTopologySpread/values", id(self), key), fn), table

    def _value_id(self, table, v: str) -> int:
        ids, names = table
        k = ids.get(v)
        if k is None:
            k = ids[v] = len(names)
            names.append(v)
        return k

    def _pre_score_vector(self, state, pod, nodes, snap, constraints, require_all) -> bool:
        """initPreScoreState with arrays, for the common case: every node passes the
        inclusion policies (no required node affinity honoured, taints ignored). Gives the
        same counts, weights and ignored nodes as the loop below."""
        if not hasattr(nodes, "idx") or any(c.node_taints_policy == "Honor" for c in constraints):
            return False
        if any(c.node_affinity_policy == "Honor" for c in constraints) and not RequiredNodeAffinity.of(pod.pod).empty:
            return False
        cache = snap.cache
        n = cache.n
        feas = nodes.idx
        vals = [self._value_ids(cache, c.topology_key) for c in constraints]
        if require_all:
            has_all = np.ones(n, dtype=bool)
            for t, _ in vals:
                has_all &= t >= 0
        else:
            has_all = None
        ign_f = ~has_all[feas] if has_all is not None else np.zeros(feas.size, dtype=bool)
        names = snap.names()
        ignored = {names[i] for i in feas[ign_f].tolist()} if ign_f.any() else set()
        live_f = feas[~ign_f]
        counts: list[dict[str, int]] = []
        weights = []
        cnts = []
        for (t, table), c in zip(vals, constraints):
            cnt = self._match_counts(cache, c.selector, pod.namespace)
            cnts.append(cnt)
            if c.topology_key == LABEL_HOSTNAME:
                counts.append({})
                weights.append(math.log(live_f.size + 2))
                continue
            empty = self._value_id(table, "")  # labels.get(key, ""): no label is the "" domain
            t2 = np.where(t < 0, empty, t)
            domains = np.unique(t2[live_f]).tolist()
            weights.append(math.log(len(domains) + 2))
            use = t2 if has_all is None else t2[has_all]
            w = cnt if has_all is None else cnt[has_all]
            sums = np.bincount(use, weights=w, minlength=len(table[1])) if use.size else np.zeros(len(table[1]))
            tn = table[1]
            counts.append({tn[k]: int(sums[k]) for k in domains})
        state.write(_PRESCORE_KEY, (constraints, counts, weights, ignored))
        state.write(_PRESCORE_VEC_KEY, ([v[0] for v in vals], [v[1] for v in vals], cnts, has_all))
        return True

    # -- PreScore / Score ------------------------------------------------------------------
    def pre_score(self, state, pod, nodes):
        snap = self.handle.snapshot if self.handle is not None else None
        if len(nodes) == 0 or snap is None or snap.num_nodes == 0:
            return Status.skip()
        constraints = self._constraints(pod, SCHEDULE_ANYWAY)
        if not constraints:
            return Status.skip()
        require_all = bool(pod.pod.spec.topology_spread_constraints) or not self.system_defaulted
        if self._pre_score_vector(state, pod, nodes, snap, constraints, require_all):
            return None
        ignored: set[str] = set()
        counts: list[dict[str, int]] = [dict() for _ in constraints]
        topo_size = [0] * len(constraints)
        for ni in nodes:
            if require_all and not node_labels_match_spread_constraints(ni.labels, constraints):
                ignored.add(ni.name)
                continue
            for i, c in enumerate(constraints):
                if c.topology_key == LABEL_HOSTNAME:
                    continue
                v = ni.labels.get(c.topology_key, "")
                if v not in counts[i]:
                    counts[i][v] = 0
                    topo_size[i] += 1
        weights = []
        for i, c in enumerate(constraints):
            sz = topo_size[i]
            if c.topology_key == LABEL_HOSTNAME:
                sz = len(nodes) - len(ignored)
            weights.append(math.log(sz + 2))  # topologyNormalizingWeight
        required = RequiredNodeAffinity.of(pod.pod)
        for ni in snap.node_infos():
            if require_all and not node_labels_match_spread_constraints(ni.labels, constraints):
                continue
            for i, c in enumerate(constraints):
                if not c.match_node_inclusion_policies(pod, ni, required):
                    continue
                v = ni.labels.get(c.topology_key, "")
                if v not in counts[i]:
                    continue
                counts[i][v] += count_pods_match_selector(ni.pods.values(), c.selector, pod.namespace)
        state.write(_PRESCORE_KEY, (constraints, counts, weights, ignored))
        return None

    def score(self, state, pod, node):
        s = state.get(_PRESCORE_KEY)
        if s is None:
            return 0
        constraints, counts, weights, ignored = s
        if node.name in ignored:
            return 0
        score = 0.0
        for i, c in enumerate(constraints):
            v = node.labels.get(c.topology_key)
            if v is None:
                continue
            if c.topology_key == LABEL_HOSTNAME:
                cnt = count_pods_match_selector(node.pods.values(), c.selector, pod.namespace)
            else:
                cnt = counts[i][v]
            score += cnt * weights[i] + (c.max_skew - 1)  # scoreForCount
        return int(_go_round(score))

    def score_nodes(self, state, pod, snapshot, idx):
        """score() for many nodes: the same float sums, in the same order, as arrays."""
        s = state.get(_PRESCORE_KEY)
        if s is None:
            return np.zeros(idx.size, dtype=np.int64)
        vec = state.get(_PRESCORE_VEC_KEY)
        if vec is None:
            nl = snapshot.cache.node_list
            return np.asarray([self.score(state, pod, nl[i]) for i in idx.tolist()], dtype=np.int64)
        constraints, counts, weights, _ = s
        tids, tables, cnts, has_all = vec
        out = np.zeros(idx.size, dtype=np.float64)
        for i, c in enumerate(constraints):
            t = tids[i][idx]
            present = t >= 0
            if c.topology_key == LABEL_HOSTNAME:
                cv = cnts[i][idx]
            else:
                lut = np.zeros(len(tables[i][1]) + 1, dtype=np.int64)
                ids = tables[i][0]
                for v, k in counts[i].items():
                    lut[ids[v]] = k
                cv = lut[t]  # t = -1 reads the spare last slot (0); masked out below anyway
            out += np.where(present, cv * weights[i] + (c.max_skew - 1), 0.0)
        if has_all is not None:
            out[~has_all[idx]] = 0.0  # ignored nodes score 0
        return np.floor(out + 0.5).astype(np.int64)  # math.Round (every sum is >= 0)

    def normalize_score(self, state, pod, scores, idx):
        s = state.get(_PRESCORE_KEY)
        if s is None:
            return scores
        ignored = s[3]
        names = self.handle.snapshot.names() if self.handle is not None else None
        ign = np.fromiter((names[i] in ignored for i in idx.tolist()), dtype=bool, count=idx.size) if ignored else np.zeros(idx.size, dtype=bool)
        live = scores[~ign]
        if live.size == 0:
            return np.zeros_like(scores)
        mn, mx = int(live.min()), int(live.max())
        if mx == 0:
            out = np.full_like(scores, MAX_NODE_SCORE)
        else:
            out = MAX_NODE_SCORE * (mx + mn - scores) // mx
        out[ign] = 0
        return out


def _go_round(x: float) -> float:
    """math.Round: half away from zero (Python's round() is half to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)
