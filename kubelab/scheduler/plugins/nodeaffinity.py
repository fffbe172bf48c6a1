"""NodeAffinity (plugins/nodeaffinity/node_affinity.go) with nodeSelector
(component-helpers/scheduling/corev1/nodeaffinity).

PreFilter: affinity to named nodes (matchFields metadata.name In) returns a
PreFilterResult, so only those nodes are filtered (a DaemonSet pod looks at its node).
Filter: ``spec.nodeSelector`` and the required node affinity terms (terms ORed, each
term's expressions ANDed; matchFields only on metadata.name); the profile's
``addedAffinity`` first. Score: the sum of the weights of the preferred terms the node
matches, normalised by DefaultNormalizeScore.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from kubelab.api.core import NodeSelectorTerm
from kubelab.api.labels import Requirement

from ..framework import interface as ep
from ..framework.interface import PreFilterResult
from ..framework.status import Status
from ..framework.types import MAX_NODE_SCORE
from .helper import default_normalize_score

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
_PREFILTER_KEY = "PreFilter" + NAME
_PRESCORE_KEY = "PreScore" + NAME
_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!", "Gt": "gt", "Lt": "lt"}


class _Term:
    """One NodeSelectorTerm, compiled: label requirements and metadata.name field requirements."""

    __slots__ = ("reqs", "fields", "empty")

    def __init__(self, term: NodeSelectorTerm):
        self.reqs = []
        self.fields = []
        for e in term.match_expressions or ():
            op = _OPS.get(e.operator)
            if op is None:
                raise ValueError(f"{e.operator!r} is not a valid node selector operator")
            self.reqs.append(Requirement(e.key, op, tuple(e.values or ())))
        for f in term.match_fields or ():
            if f.key != "metadata.name" or f.operator not in ("In", "NotIn"):
                raise ValueError(f"not a valid field selector: {f.key} {f.operator}")
            self.fields.append((f.operator == "In", frozenset(f.values or ())))
        self.empty = not self.reqs and not self.fields

    def matches(self, name: str, labels: dict) -> bool:
        if self.empty:  # a nil or empty term selects no objects
            return False
        for r in self.reqs:
            if not r.matches(labels):
                return False
        for is_in, vals in self.fields:
            if (name in vals) != is_in:
                return False
        return True


class RequiredNodeAffinity:
    """nodeaffinity.RequiredNodeAffinity: nodeSelector AND (term OR term ...)."""

    __slots__ = ("selector", "terms")

    def __init__(self, node_selector: Optional[dict], required) -> None:
        self.selector = dict(node_selector or {})
        self.terms = None if required is None else [_Term(t) for t in required.node_selector_terms or ()]

    @classmethod
    def of(cls, pod) -> "RequiredNodeAffinity":
        spec = pod.spec
        aff = spec.affinity.node_affinity if spec.affinity and spec.affinity.node_affinity else None
        return cls(spec.node_selector, aff.required_during_scheduling_ignored_during_execution if aff else None)

    @property
    def empty(self) -> bool:
        return not self.selector and self.terms is None

    def match(self, name: str, labels: dict) -> bool:
        for k, v in self.selector.items():
            if labels.get(k) != v:
                return False
        if self.terms is None:
            return True
        return any(t.matches(name, labels) for t in self.terms)


class NodeAffinity:
    name = NAME
    events = {ep.NODE_ADD, ep.NODE_UPDATE}

    def __init__(self, args: Optional[dict] = None):
        args = args or {}
        added = args.get("addedAffinity")
        self.added_required = None
        self.added_preferred: list[tuple[int, _Term]] = []
        if added:
            from kubelab.api.core import NodeAffinity as NA

            na = NA.model_validate(added)
            if na.required_during_scheduling_ignored_during_execution is not None:
                self.added_required = RequiredNodeAffinity(None, na.required_during_scheduling_ignored_during_execution)
            for p in na.preferred_during_scheduling_ignored_during_execution or ():
                self.added_preferred.append((p.weight, _Term(p.preference)))

    # -- filter ----------------------------------------------------------------------------
    def pre_filter(self, state, pod, snapshot):
        spec = pod.pod.spec
        if self.added_required is None and not spec.node_selector and not (
                spec.affinity and spec.affinity.node_affinity
                and spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution is not None):
            return Status.skip()  # node_affinity.go PreFilter: "NodeAffinity Filter has nothing to do with the Pod"
        ra = RequiredNodeAffinity.of(pod.pod)
        if ra.empty and self.added_required is None:
            return Status.skip()
        state.write(_PREFILTER_KEY, ra)
        return self._pre_filter_result(spec)

    @staticmethod
    def _pre_filter_result(spec):
        """node_affinity.go PreFilter: affinity to specific nodes (``matchFields:
        metadata.name In [...]``, as the DaemonSet controller writes) narrows the cycle to
        those nodes. Terms are ORed (a term without such a field allows every node), a
        term's requirements ANDed; terms that name no common node conflict."""
        na = spec.affinity.node_affinity if spec.affinity else None
        req = na.required_during_scheduling_ignored_during_execution if na else None
        if req is None or not req.node_selector_terms:
            return None
        node_names: Optional[set] = None
        for t in req.node_selector_terms:
            term_names: Optional[set] = None
            for r in t.match_fields or ():
                if r.key == "metadata.name" and r.operator == "In":
                    vals = set(r.values or ())
                    term_names = vals if term_names is None else term_names & vals
            if term_names is None:
                return None
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return Status.unresolvable(ERR_REASON_CONFLICT)
        return PreFilterResult(node_names)

    def filter(self, state, pod, node):
        if self.added_required is not None and not self.added_required.match(node.name, node.labels):
            return Status.unresolvable(ERR_REASON_ENFORCED)
        ra = state.get(_PREFILTER_KEY) or RequiredNodeAffinity.of(pod.pod)
        if not ra.match(node.name, node.labels):
            return Status.unresolvable(ERR_REASON_POD)
        return None

    def filter_nodes(self, state, pod, snapshot, idx):
        nodes = snapshot.cache.node_list
        ra = state.get(_PREFILTER_KEY) or RequiredNodeAffinity.of(pod.pod)
        added = self.added_required
        codes = np.zeros(idx.size, dtype=np.int64)
        for j, i in enumerate(idx.tolist()):
            n = nodes[i]
            if added is not None and not added.match(n.name, n.labels):
                codes[j] = 2
            elif not ra.match(n.name, n.labels):
                codes[j] = 1
        return codes, (Status.unresolvable(ERR_REASON_POD), Status.unresolvable(ERR_REASON_ENFORCED))

    # -- score -----------------------------------------------------------------------------
    def pre_score(self, state, pod, nodes):
        spec = pod.pod.spec
        na = spec.affinity.node_affinity if spec.affinity and spec.affinity.node_affinity else None
        terms = [(p.weight, _Term(p.preference)) for p in (na.preferred_during_scheduling_ignored_during_execution or ())] if na else []
        terms = [t for t in terms if t[0] != 0] + self.added_preferred
        if not terms:
            return Status.skip()
        state.write(_PRESCORE_KEY, terms)
        return None

    def score(self, state, pod, node):
        terms = state.get(_PRESCORE_KEY)
        if terms is None:
            return 0
        return sum(w for w, t in terms if t.matches(node.name, node.labels))

    def normalize_score(self, state, pod, scores, idx):
        return default_normalize_score(MAX_NODE_SCORE, False, scores)
