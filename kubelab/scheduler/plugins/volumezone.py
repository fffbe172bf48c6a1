"""VolumeZone (plugins/volumezone/volume_zone.go): a bound volume labelled with a zone
(or region) fits only nodes of that zone — "node(s) had no available volume zone". CSI
volumes say the same with node affinity, which VolumeBinding checks."""

from __future__ import annotations

from ..framework import interface as ep
from ..framework.status import Status
from .volumebinding import pod_claim_names

NAME = "VolumeZone"
ERR_REASON_CONFLICT = "node(s) had no available volume zone"
_TOPOLOGY_LABELS = ("topology.kubernetes.io/zone", "topology.kubernetes.io/region",
                    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region")
_STATE_KEY = "PreFilter" + NAME


class VolumeZone:
    name = NAME
    events = {ep.NODE_ADD, ep.NODE_UPDATE, ep.PVC_ADD, ep.PVC_UPDATE, ep.PV_ADD, ep.PV_UPDATE}

    def __init__(self, handle=None):
        self.handle = handle

    def pre_filter(self, state, pod, snapshot):
        names = pod_claim_names(pod.pod)
        if not names:
            return Status.skip()
        ns = pod.namespace
        claims = {c.metadata.name: c for c in self.handle.list("PersistentVolumeClaim") if c.metadata.namespace == ns}
        volumes = {v.metadata.name: v for v in self.handle.list("PersistentVolume")}
        need = []
        for name in names:
            pvc = claims.get(name)
            if pvc is None or not pvc.spec.volume_name:
                continue  # VolumeBinding answers for missing and unbound claims
            pv = volumes.get(pvc.spec.volume_name)
            if pv is None:
                continue
            for k in _TOPOLOGY_LABELS:
                v = (pv.metadata.labels or {}).get(k)
                if v is not None:
                    # a value may list several zones, separated by "__" (volumehelpers.LabelZonesToSet)
                    need.append((k, frozenset(v.split("__"))))
        if not need:
            return Status.skip()
        state.write(_STATE_KEY, need)
        return None

    def filter(self, state, pod, node):
        for key, values in state.get(_STATE_KEY) or ():
            if node.labels.get(key) not in values:
                return Status.unresolvable(ERR_REASON_CONFLICT)
        return None
