"""NodeVolumeLimits (plugins/nodevolumelimits/csi.go): a node takes at most as many
volumes of a CSI driver as its CSINode says (``spec.drivers[].allocatable.count``) —
"node(s) exceed max volume count". Volumes already used by the node's pods count once
each; a node without a CSINode entry for the driver has no limit."""

from __future__ import annotations

from kubelab.api.storage import claim_class

from ..framework import interface as ep
from ..framework.status import Status
from .volumebinding import pod_claim_names

NAME = "NodeVolumeLimits"
ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED = "node(s) exceed max volume count"
_STATE_KEY = "PreFilter" + NAME


def _volume_id(pvc, volumes, classes):
    """(driver, volume handle) of a claim: its bound CSI volume, or — unbound — the driver
    its class provisions with (one new volume)."""
    if pvc.spec.volume_name:
        pv = volumes.get(pvc.spec.volume_name)
        if pv is None or not pv.spec.csi:
            return None
        return pv.spec.csi.get("driver", ""), pv.spec.csi.get("volumeHandle", pv.metadata.name)
    sc = classes.get(claim_class(pvc))
    if sc is None:
        return None
    return sc.provisioner, f"{pvc.metadata.namespace}/{pvc.metadata.name}"


class NodeVolumeLimits:
    name = NAME
    events = {ep.NODE_ADD, ep.POD_DELETE, ep.CSINODE_ADD, ep.CSINODE_UPDATE}

    def __init__(self, handle=None):
        self.handle = handle

    def pre_filter(self, state, pod, snapshot):
        if not pod_claim_names(pod.pod):
            return Status.skip()
        csinodes = {c.metadata.name: c for c in self.handle.list("CSINode")}
        if not csinodes:
            return Status.skip()
        claims = {c.key(): c for c in self.handle.list("PersistentVolumeClaim")}
        volumes = {v.metadata.name: v for v in self.handle.list("PersistentVolume")}
        classes = {c.metadata.name: c for c in self.handle.list("StorageClass")}

        def ids(p):
            out = set()
            for name in pod_claim_names(p):
                pvc = claims.get(f"{p.metadata.namespace}/{name}")
                vid = _volume_id(pvc, volumes, classes) if pvc is not None else None
                if vid is not None:
                    out.add(vid)
            return out

        state.write(_STATE_KEY, (csinodes, ids(pod.pod), ids))
        return None

    def filter(self, state, pod, node):
        s = state.get(_STATE_KEY)
        if s is None:
            return None
        csinodes, new, ids = s
        cn = csinodes.get(node.name)
        if cn is None or not new:
            return None
        limits = {d.name: (d.allocatable or {}).get("count") for d in cn.spec.drivers}
        attached = set()
        for p in node.pods.values():
            attached |= ids(p.pod)
        for driver in {d for d, _ in new}:
            limit = limits.get(driver)
            if limit is None:
                continue
            used = {v for v in attached if v[0] == driver}
            if len(used | {v for v in new if v[0] == driver}) > limit:
                return Status.unschedulable(ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED)
        return None
