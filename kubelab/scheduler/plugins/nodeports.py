"""NodePorts (plugins/nodeports/node_ports.go): a hostPort already taken on the node
(same protocol and port, on the same IP or on 0.0.0.0) rejects it."""

from __future__ import annotations

from ..framework import interface as ep
from ..framework.status import Status

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_STATUS = Status.unschedulable(ERR_REASON)


class NodePorts:
    name = NAME
    events = {ep.NODE_ADD, ep.POD_DELETE}

    def pre_filter(self, state, pod, snapshot):
        if not pod.host_ports:
            return Status.skip()
        return None

    def filter(self, state, pod, node):
        used = node.used_ports
        if not len(used):
            return None
        for ip, proto, port in pod.host_ports:
            if used.check_conflict(ip, proto, port):
                return _STATUS
        return None
