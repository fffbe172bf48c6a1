"""VolumeBinding (plugins/volumebinding/volume_binding.go, binder.go): a pod's
PersistentVolumeClaims decide where it can run.

PreFilter: no claims — Skip (the common case costs one pass over ``spec.volumes``). A
claim that does not exist, or is being deleted, makes the pod unresolvable; so does an
unbound claim of an ``Immediate`` class ("pod has unbound immediate
PersistentVolumeClaims": the PV controller must bind it first).

Filter, per node (FindPodVolumes): a bound claim's volume must admit the node by its node
affinity ("node(s) had volume node affinity conflict"); a claim of a
``WaitForFirstConsumer`` class must find an Available volume that fits the node, or be
provisionable there ("node(s) didn't find available persistent volumes to bind").

PreBind (BindPodVolumes): each delayed claim gets ``volume.kubernetes.io/selected-node``
= the chosen node; the PV controller and the provisioner take it from there. Upstream
PreBind then waits (up to bindTimeoutSeconds) for the claims to be bound; kubelab binds the
pod at once and the kubelet waits for the claims instead (see kubelab/node/kubelet.py).
"""

from __future__ import annotations

from kubelab.api.storage import (
    VOLUME_BINDING_WAIT,
    check_node_affinity,
    claim_class,
    find_matching_volume,
)

from ..framework import interface as ep
from ..framework.status import Status

NAME = "VolumeBinding"
ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_NOT_ENOUGH_SPACE = "node(s) did not have enough free storage"
ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
_STATE_KEY = "PreFilter" + NAME


def pod_claim_names(pod) -> list[str]:
    """The claimNames of a pod's persistentVolumeClaim volumes (cheap: no claims, no work)."""
    out = []
    for v in pod.spec.volumes or ():
        src = v.persistent_volume_claim
        if src:
            out.append(src.get("claimName", ""))
    return out


class _State:
    __slots__ = ("bound", "delayed", "classes", "volumes")

    def __init__(self, bound, delayed, classes, volumes):
        self.bound = bound        # [(claim, pv)]
        self.delayed = delayed    # [claim] unbound, WaitForFirstConsumer
        self.classes = classes    # name -> StorageClass
        self.volumes = volumes    # every PV (for matching delayed claims)

    def clone(self):
        return self


def _index(objs) -> dict:
    return {o.metadata.name: o for o in objs}


class VolumeBinding:
    name = NAME
    events = {ep.NODE_ADD, ep.NODE_UPDATE, ep.PVC_ADD, ep.PVC_UPDATE, ep.PV_ADD, ep.PV_UPDATE, ep.SC_ADD}

    def __init__(self, handle=None):
        self.handle = handle

    def pre_filter(self, state, pod, snapshot):
        names = pod_claim_names(pod.pod)
        if not names:
            return Status.skip()
        ns = pod.namespace
        claims = {c.metadata.name: c for c in self.handle.list("PersistentVolumeClaim") if c.metadata.namespace == ns}
        volumes = _index(self.handle.list("PersistentVolume"))
        classes = _index(self.handle.list("StorageClass"))
        bound, delayed = [], []
        for name in names:
            pvc = claims.get(name)
            if pvc is None:
                return Status.unresolvable(f'persistentvolumeclaim "{name}" not found')
            if pvc.metadata.deletion_timestamp is not None:
                return Status.unresolvable(f'persistentvolumeclaim "{name}" is being deleted')
            if pvc.spec.volume_name:
                pv = volumes.get(pvc.spec.volume_name)
                if pv is None:
                    return Status.unresolvable(ERR_REASON_PV_NOT_EXIST)
                bound.append((pvc, pv))
                continue
            sc = classes.get(claim_class(pvc))
            if sc is not None and sc.volume_binding_mode == VOLUME_BINDING_WAIT:
                delayed.append(pvc)
            else:
                return Status.unresolvable(ERR_UNBOUND_IMMEDIATE)
        state.write(_STATE_KEY, _State(bound, delayed, classes, list(volumes.values())))
        return None

    def filter(self, state, pod, node):
        s = state.get(_STATE_KEY)
        if s is None:
            return None
        labels = node.labels
        for _pvc, pv in s.bound:
            if not check_node_affinity(pv, node.name, labels):
                return Status.unresolvable(ERR_REASON_NODE_CONFLICT)
        taken = set()
        for pvc in s.delayed:
            pv = find_matching_volume(pvc, [v for v in s.volumes if v.metadata.name not in taken], node=node.node)
            if pv is not None:
                taken.add(pv.metadata.name)
                continue
            sc = s.classes.get(claim_class(pvc))
            if sc is None or sc.provisioner == NO_PROVISIONER or not _allowed_topology(sc, labels):
                return Status.unresolvable(ERR_REASON_BIND_CONFLICT)
        return None

    def reserve(self, state, pod, node_name):
        return None

    def unreserve(self, state, pod, node_name):
        return None

    def pre_bind(self, state, pod, node_name):
        s = state.get(_STATE_KEY)
        if s is None:
            return None
        for pvc in s.delayed:
            if (pvc.metadata.annotations or {}).get(ANN_SELECTED_NODE) != node_name:
                self.handle.port.annotate(pvc, ANN_SELECTED_NODE, node_name)
        return None


def _allowed_topology(sc, labels) -> bool:
    """checkVolumeProvisions: the class's allowedTopologies must admit the node."""
    terms = sc.allowed_topologies or ()
    if not terms:
        return True
    for t in terms:
        if all(labels.get(r.key) in r.values for r in t.match_label_expressions or ()):
            return True
    return False
