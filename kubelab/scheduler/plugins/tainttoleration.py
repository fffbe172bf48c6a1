"""TaintToleration (plugins/tainttoleration/taint_toleration.go).

Filter: the first NoSchedule/NoExecute taint the pod does not tolerate rejects the node
(``node(s) had untolerated taint {key: value}``, UnschedulableAndUnresolvable).
Score: the number of PreferNoSchedule taints not tolerated, normalised in reverse
(fewer is better). Nodes share taint sets, so verdicts are computed once per distinct
set (cache.taint_id) and looked up for all nodes.
"""

from __future__ import annotations

import numpy as np

from ..framework import interface as ep
from ..framework.status import Status
from ..framework.types import MAX_NODE_SCORE
from .helper import default_normalize_score, find_matching_untolerated_taint, tolerations_tolerate_taint

NAME = "TaintToleration"
_FILTER_EFFECTS = ("NoSchedule", "NoExecute")
_PRESCORE_KEY = "PreScore" + NAME


def untolerated_reason(taint) -> str:
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value or ''}}}"


class TaintToleration:
    name = NAME
    events = {ep.NODE_ADD, ep.NODE_UPDATE}

    # -- filter ----------------------------------------------------------------------------
    def filter(self, state, pod, node):
        t = find_matching_untolerated_taint(node.taints, pod.tolerations, _FILTER_EFFECTS)
        if t is None:
            return None
        return Status.unresolvable(untolerated_reason(t))

    def filter_nodes(self, state, pod, snapshot, idx):
        cache = snapshot.cache
        if not cache.any_tainted():
            return None, ()  # no node has a taint: every node passes
        tids = cache.rows(cache.taint_id, idx)
        if not tids.any():
            return None, ()  # no taints: every node passes
        statuses: list[Status] = []
        lut = np.zeros(len(cache.taint_sets), dtype=np.int64)
        seen: dict[str, int] = {}
        for tid in np.unique(tids).tolist():
            t = find_matching_untolerated_taint(cache.taint_sets[tid], pod.tolerations, _FILTER_EFFECTS)
            if t is not None:
                reason = untolerated_reason(t)
                k = seen.get(reason)
                if k is None:
                    statuses.append(Status.unresolvable(reason))
                    k = seen[reason] = len(statuses)
                lut[tid] = k
        return lut[tids], statuses

    # -- score -----------------------------------------------------------------------------
    def pre_score(self, state, pod, nodes):
        # getAllTolerationPreferNoSchedule
        tols = tuple(t for t in pod.tolerations if not t.effect or t.effect == "PreferNoSchedule")
        state.write(_PRESCORE_KEY, tols)

    @staticmethod
    def _count(taints, tols) -> int:
        return sum(1 for t in taints if t.effect == "PreferNoSchedule" and not tolerations_tolerate_taint(tols, t))

    def score(self, state, pod, node):
        return self._count(node.taints, state.read(_PRESCORE_KEY))

    def score_nodes(self, state, pod, snapshot, idx):
        cache = snapshot.cache
        tols = state.read(_PRESCORE_KEY)
        if not cache.any_tainted():
            return np.zeros(idx.size, dtype=np.int64)
        tids = cache.rows(cache.taint_id, idx)
        if not tids.any():
            return np.zeros(idx.size, dtype=np.int64)
        lut = np.zeros(len(cache.taint_sets), dtype=np.int64)
        for tid in np.unique(tids).tolist():
            lut[tid] = self._count(cache.taint_sets[tid], tols)
        return lut[tids]

    def normalize_score(self, state, pod, scores, idx):
        return default_normalize_score(MAX_NODE_SCORE, True, scores)
