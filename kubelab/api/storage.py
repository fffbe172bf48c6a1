"""storage.k8s.io/v1 StorageClass and CSINode (k8s.io/api/storage/v1/types.go), and the
storage helpers several components share (component-helpers/storage/volume,
pkg/apis/core/v1/helper): the default-class annotation, access-mode strings, which class a
claim asks for."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from pydantic import Field

from .base import K8sModel
from .meta import KubeObject

Json = dict[str, Any]

# storageutil.IsDefaultStorageClassAnnotation / BetaIsDefaultStorageClassAnnotation
IS_DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class"

VOLUME_BINDING_IMMEDIATE = "Immediate"
VOLUME_BINDING_WAIT = "WaitForFirstConsumer"
BINDING_MODES = (VOLUME_BINDING_IMMEDIATE, VOLUME_BINDING_WAIT)
RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
# v1helper.GetAccessModesAsString: the short forms, in this order
_SHORT = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


class TopologySelectorLabelRequirement(K8sModel):
    key: str
    values: list[str] = Field(default_factory=list)


class TopologySelectorTerm(K8sModel):
    match_label_expressions: Optional[list[TopologySelectorLabelRequirement]] = None


class StorageClass(KubeObject):
    GROUP: ClassVar[str] = "storage.k8s.io"
    KIND: ClassVar[str] = "StorageClass"
    RESOURCE: ClassVar[str] = "storageclasses"
    NAMESPACED: ClassVar[bool] = False
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("sc",)

    provisioner: str = ""
    parameters: Optional[dict[str, str]] = None
    reclaim_policy: Optional[str] = None
    mount_options: Optional[list[str]] = None
    allow_volume_expansion: Optional[bool] = None
    volume_binding_mode: Optional[str] = None
    allowed_topologies: Optional[list[TopologySelectorTerm]] = None


class CSINodeDriver(K8sModel):
    name: str
    node_id: str = Field(default="", alias="nodeID")
    topology_keys: Optional[list[str]] = None
    allocatable: Optional[Json] = None  # {count: N}: the driver's volume limit on the node


class CSINodeSpec(K8sModel):
    drivers: list[CSINodeDriver] = Field(default_factory=list)


class CSINode(KubeObject):
    GROUP: ClassVar[str] = "storage.k8s.io"
    KIND: ClassVar[str] = "CSINode"
    RESOURCE: ClassVar[str] = "csinodes"
    NAMESPACED: ClassVar[bool] = False

    spec: CSINodeSpec = Field(default_factory=CSINodeSpec)


def is_default_class(sc: StorageClass) -> bool:
    """storageutil.IsDefaultAnnotation: the GA or the beta annotation set to "true"."""
    ann = sc.metadata.annotations or {}
    return ann.get(IS_DEFAULT_STORAGE_CLASS_ANNOTATION) == "true" or \
        ann.get(BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION) == "true"


def default_class(classes) -> Optional[StorageClass]:
    """The DefaultStorageClass admission plugin's choice (plugin/pkg/admission/storage/
    storageclass/setdefault, GetDefaultClass): of the classes marked default, the newest
    (then the name, alphabetically) wins."""
    marked = [c for c in classes if is_default_class(c)]
    if not marked:
        return None
    marked.sort(key=lambda c: (c.metadata.creation_timestamp or "", c.metadata.name or ""), reverse=True)
    newest = marked[0].metadata.creation_timestamp or ""
    same = sorted((c for c in marked if (c.metadata.creation_timestamp or "") == newest), key=lambda c: c.metadata.name)
    return same[0]


def access_modes_string(modes) -> str:
    """v1helper.GetAccessModesAsString: ``RWO,ROX``."""
    modes = set(modes or ())
    return ",".join(short for long_, short in _SHORT if long_ in modes)


def claim_class(pvc) -> str:
    """storagehelpers.GetPersistentVolumeClaimClass: spec.storageClassName (or the beta
    annotation); "" means "no class"."""
    ann = pvc.metadata.annotations or {}
    if "volume.beta.kubernetes.io/storage-class" in ann:
        return ann["volume.beta.kubernetes.io/storage-class"]
    return pvc.spec.storage_class_name or ""


def volume_class(pv) -> str:
    """storagehelpers.GetPersistentVolumeClass."""
    ann = pv.metadata.annotations or {}
    if "volume.beta.kubernetes.io/storage-class" in ann:
        return ann["volume.beta.kubernetes.io/storage-class"]
    return pv.spec.storage_class_name or ""


_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!", "Gt": "gt", "Lt": "lt"}


def check_node_affinity(pv, node_name: str, node_labels: dict) -> bool:
    """component-helpers/storage/volume CheckNodeAffinity: a PV without node affinity fits
    every node; otherwise one of its required terms (expressions ANDed, metadata.name
    fields) must match the node."""
    from .labels import Requirement

    na = pv.spec.node_affinity
    if na is None or na.required is None:
        return True
    for term in na.required.node_selector_terms or ():
        exprs, fields = term.match_expressions or (), term.match_fields or ()
        if not exprs and not fields:
            continue
        ok = all(Requirement(e.key, _OPS.get(e.operator, e.operator), tuple(e.values or ())).matches(node_labels)
                 for e in exprs)
        for f in fields:
            if f.key == "metadata.name":
                ok = ok and ((node_name in (f.values or ())) == (f.operator == "In"))
        if ok:
            return True
    return False


def storage_request(pvc) -> int:
    """The claim's spec.resources.requests[storage], in bytes (0 when unset)."""
    from .quantity import parse_quantity

    req = (pvc.spec.resources.requests or {}) if pvc.spec.resources else {}
    return parse_quantity(req["storage"]).value() if "storage" in req else 0


def volume_capacity(pv) -> int:
    from .quantity import parse_quantity

    cap = pv.spec.capacity or {}
    return parse_quantity(cap["storage"]).value() if "storage" in cap else 0


def find_matching_volume(pvc, volumes, node=None, delay_binding: bool = False):
    """component-helpers/storage/volume FindMatchingVolume: a volume pre-bound to this claim
    first; else, among Available volumes of the claim's class, mode and selector whose
    access modes contain the claim's (and whose node affinity admits ``node`` when one is
    given), the smallest one that is big enough. With delayed binding and no node, only a
    pre-bound volume is returned (the scheduler's path decides the rest)."""
    from .labels import Selector

    want = storage_request(pvc)
    cls = claim_class(pvc)
    modes = set(pvc.spec.access_modes or ())
    mode = pvc.spec.volume_mode or "Filesystem"
    selector = Selector.from_label_selector(pvc.spec.selector) if pvc.spec.selector is not None else None
    best, best_size = None, None
    for pv in sorted(volumes, key=lambda v: v.metadata.name):
        if pv.metadata.deletion_timestamp is not None:
            continue
        if (pv.spec.volume_mode or "Filesystem") != mode:
            continue
        size = volume_capacity(pv)
        node_ok = node is None or check_node_affinity(pv, node.metadata.name, node.metadata.labels or {})
        ref = pv.spec.claim_ref
        if ref is not None and ref.name == pvc.metadata.name and ref.namespace == pvc.metadata.namespace and \
                (not ref.uid or ref.uid == pvc.metadata.uid):
            if node_ok and size >= want:
                return pv  # pre-bound to this claim
            continue
        if node is None and delay_binding:
            continue
        if pv.status.phase != "Available" or ref is not None:
            continue
        if selector is not None and not selector.matches(pv.metadata.labels or {}):
            continue
        if volume_class(pv) != cls or not node_ok:
            continue
        if not modes <= set(pv.spec.access_modes or ()):
            continue
        if size >= want and (best is None or size < best_size):
            best, best_size = pv, size
    return best
