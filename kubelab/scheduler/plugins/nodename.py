"""NodeName (plugins/nodename/node_name.go): a pod that names a node fits only there."""

from __future__ import annotations

import numpy as np

from ..framework import interface as ep
from ..framework.status import Status

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"
_STATUS = Status.unresolvable(ERR_REASON)


class NodeName:
    name = NAME
    events = {ep.NODE_ADD}

    def filter(self, state, pod, node):
        if not pod.node_name or pod.node_name == node.name:
            return None
        return _STATUS

    def filter_nodes(self, state, pod, snapshot, idx):
        if not pod.node_name:
            return None, ()  # every node passes
        nodes = snapshot.cache.node_list
        codes = np.fromiter((nodes[i].name != pod.node_name for i in idx.tolist()), dtype=np.int64, count=idx.size)
        return codes, (_STATUS,)
