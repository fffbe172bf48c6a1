"""ControllerRevisions: the history of a DaemonSet's or StatefulSet's pod template
(pkg/controller/history/controller_history.go, with the DaemonSet's and StatefulSet's
``getPatch``: pkg/controller/daemon/update.go, pkg/controller/statefulset/stateful_set_utils.go).

A revision stores, in ``data``, the strategic merge patch that puts the owner's template
back: ``{"spec": {"template": {..., "$patch": "replace"}}}``. Upstream keeps its JSON bytes
(``Data.Raw``, Go's ``json.Marshal``: map keys sorted, compact) and compares revisions by
those bytes; :func:`raw` gives the same bytes here, and the hash of a StatefulSet revision
(HashControllerRevision) is FNV-32 over them.
"""

from __future__ import annotations

from typing import Optional

from kubelab.api.apps import ControllerRevision
from kubelab.api.revisionpatch import get_patch, go_json, raw, template_of  # one copy, kubectl's too
from kubelab.api.meta import KubeObject, ObjectMeta

from .base import owner_ref
from .deployment import safe_encode_string

__all__ = ["CONTROLLER_REVISION_HASH_LABEL", "REVISION_HASH_LABEL_KEY", "go_json", "raw", "get_patch", "template_of",
           "fnv32", "hash_controller_revision", "controller_revision_name", "new_controller_revision",
           "sort_controller_revisions", "equal_revision", "find_equal_revisions", "next_revision", "max_revision",
           "safe_encode_string"]

# history.ControllerRevisionHashLabel: the label a StatefulSet's revisions carry their hash in
CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"
# apps.ControllerRevisionHashLabelKey (= DefaultDaemonSetUniqueLabelKey = StatefulSetRevisionLabel):
# on DaemonSet pods and revisions, and on StatefulSet pods
REVISION_HASH_LABEL_KEY = "controller-revision-hash"


def fnv32(data: bytes) -> int:
    """hash/fnv New32 (FNV-1: multiply, then xor)."""
    h = 0x811C9DC5
    for b in data:
        h = (h * 0x01000193) & 0xFFFFFFFF
        h ^= b
    return h


def hash_controller_revision(revision: ControllerRevision, probe: Optional[int]) -> str:
    """HashControllerRevision: FNV-32 over ``Data.Raw``, then the probe's decimal digits,
    printed in decimal and passed through rand.SafeEncodeString."""
    data = raw(revision)
    if probe is not None:
        data += str(probe).encode()
    return safe_encode_string(str(fnv32(data)))


def controller_revision_name(prefix: str, hash_: str) -> str:
    """ControllerRevisionName: ``<prefix>-<hash>``, the prefix cut to 223 characters."""
    return f"{prefix[:223]}-{hash_}"


def new_controller_revision(parent: KubeObject, template_labels: Optional[dict], data: dict, revision: int,
                            collision_count: Optional[int]) -> ControllerRevision:
    """NewControllerRevision: the template's labels plus the hash label, a controller
    ownerReference to the parent, named ``<parent>-<hash>``."""
    cr = ControllerRevision(metadata=ObjectMeta(namespace=parent.metadata.namespace, labels=dict(template_labels or {}),
                                                owner_references=[owner_ref(parent)]),
                            data=data, revision=revision)
    h = hash_controller_revision(cr, collision_count)
    cr.metadata.name = controller_revision_name(parent.name, h)
    cr.metadata.labels[CONTROLLER_REVISION_HASH_LABEL] = h
    return cr


def _ts(cr: ControllerRevision) -> str:
    return cr.metadata.creation_timestamp or ""


def sort_controller_revisions(revisions: list) -> list:
    """SortControllerRevisions: by revision, then creation time, then name."""
    return sorted(revisions, key=lambda r: (r.revision, _ts(r), r.metadata.name))


def equal_revision(lhs: Optional[ControllerRevision], rhs: Optional[ControllerRevision]) -> bool:
    """EqualRevision: the hash labels (when both parse as numbers) must agree, then the data."""
    if lhs is None or rhs is None:
        return lhs is rhs

    def num(r):
        v = (r.metadata.labels or {}).get(CONTROLLER_REVISION_HASH_LABEL)
        try:
            return int(v) & 0xFFFFFFFF if v is not None and -(1 << 31) <= int(v) < (1 << 31) else None
        except ValueError:
            return None

    a, b = num(lhs), num(rhs)
    if a is not None and b is not None and a != b:
        return False
    return raw(lhs) == raw(rhs)


def find_equal_revisions(revisions: list, needle: ControllerRevision) -> list:
    """FindEqualRevisions."""
    return [r for r in revisions if equal_revision(r, needle)]


def next_revision(revisions: list) -> int:
    """statefulset nextRevision: one past the highest (revisions sorted)."""
    return revisions[-1].revision + 1 if revisions else 1


def max_revision(revisions: list) -> int:
    """daemon maxRevision."""
    return max((r.revision for r in revisions), default=0)
