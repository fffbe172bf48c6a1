"""The patch a ControllerRevision stores, and the template it restores: one copy for the
controllers (pkg/controller/daemon/update.go getPatch / Match, pkg/controller/statefulset
stateful_set_utils.go getPatch / ApplyRevision) and kubectl (pkg/polymorphichelpers
history.go applyDaemonSetHistory / applyStatefulSetHistory, rollback.go daemonSetMatch /
statefulsetMatch), which upstream keeps as duplicates.

The patch is ``{"spec": {"template": {..., "$patch": "replace"}}}``; upstream keeps its JSON
bytes (``Data.Raw``, Go's ``json.Marshal``: map keys sorted, compact) and compares by them.
"""

from __future__ import annotations

import json
from typing import Any

from .core import PodTemplateSpec

def go_json(value: Any) -> bytes:
    """Go's ``json.Marshal`` of decoded JSON (maps): keys sorted, no spaces, ``<``, ``>`` and
    ``&`` escaped as ``\\u003c`` ``\\u003e`` ``\\u0026`` (encoding/json's HTML-safe default)."""
    s = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(a, b)
    return s.encode()


def raw(revision) -> bytes:
    """``revision.Data.Raw``: the stored patch as Go would have written it."""
    return go_json(revision.data) if revision.data is not None else b""


def get_patch(owner) -> dict:
    """getPatch (daemon/update.go, statefulset/stateful_set_utils.go): the owner's
    ``spec.template`` with ``$patch: replace``, alone under ``spec``. Go writes the zero
    values of struct fields that omitempty cannot drop: the template's ``creationTimestamp``
    as ``null``, a container's ``resources`` as ``{}``; the patch carries them too, so its
    bytes are the ones kubectl's daemonSetMatch / statefulsetMatch compute."""
    template = owner.spec.template.to_dict()
    meta = dict(template.get("metadata") or {})
    meta.setdefault("creationTimestamp", None)
    template["metadata"] = meta
    spec = template.get("spec")
    if isinstance(spec, dict):
        for key in ("initContainers", "containers", "ephemeralContainers"):
            for c in spec.get(key) or ():
                if isinstance(c, dict):
                    c.setdefault("resources", {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def template_of(revision):
    """The pod template a revision restores (what applying its patch to the owner gives:
    kubectl's applyDaemonSetHistory / applyRevision, stateful_set_utils.go ApplyRevision)."""
    t = dict(((revision.data or {}).get("spec") or {}).get("template") or {})
    t.pop("$patch", None)
    meta = dict(t.get("metadata") or {})
    if meta.get("creationTimestamp") is None:
        meta.pop("creationTimestamp", None)
    t["metadata"] = meta
    return PodTemplateSpec.model_validate(t)
