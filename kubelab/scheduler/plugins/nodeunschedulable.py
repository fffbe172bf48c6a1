"""NodeUnschedulable (plugins/nodeunschedulable/node_unschedulable.go): a cordoned node
(spec.unschedulable) takes only pods tolerating node.kubernetes.io/unschedulable:NoSchedule."""

from __future__ import annotations

import numpy as np

from kubelab.api.core import Taint

from ..framework import interface as ep
from ..framework.status import Status

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
_TAINT = Taint(key=TAINT_NODE_UNSCHEDULABLE, effect="NoSchedule")
_STATUS = Status.unresolvable(ERR_REASON_UNSCHEDULABLE)


class NodeUnschedulable:
    name = NAME
    events = {ep.NODE_ADD, ep.NODE_UPDATE}

    def _tolerates(self, pod) -> bool:
        return any(t.tolerates(_TAINT) for t in pod.tolerations)

    def filter(self, state, pod, node):
        if not node.node.spec.unschedulable or self._tolerates(pod):
            return None
        return _STATUS

    def filter_nodes(self, state, pod, snapshot, idx):
        if not snapshot.cache.any_unschedulable():
            return None, ()  # no node is cordoned: every node passes
        bad = snapshot.cache.rows(snapshot.cache.unsched, idx)
        if not bad.any() or self._tolerates(pod):
            return None, ()  # every node passes
        return bad.astype(np.int64), (_STATUS,)
