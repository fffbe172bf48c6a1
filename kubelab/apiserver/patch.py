"""PATCH bodies: JSON merge patch (RFC 7386) and strategic merge patch.

Strategic merge patch merges lists of objects by their ``patchMergeKey`` (k8s.io/api
struct tags: containers by ``name``, ports by ``containerPort``, conditions by ``type``...)
and honours ``$patch: delete`` / ``$patch: replace`` and ``$retainKeys`` is not needed
here. Lists without a merge key are replaced, as upstream.
"""

from __future__ import annotations

import copy
from typing import Any

# field name -> merge key (patchMergeKey in k8s.io/api/*/types.go)
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": "containerPort",
    "conditions": "type",
    "ownerReferences": "uid",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "addresses": "type",
    "containerStatuses": "name",
    "initContainerStatuses": "name",
    "taints": "key",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}
# fields whose list merge strategy is "merge" of scalars (finalizers use merge: set union)
SCALAR_MERGE = {"finalizers"}


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = json_merge_patch(out.get(k), v)
    return out


def strategic_merge_patch(target: Any, patch: Any, field: str | None = None) -> Any:
    if isinstance(patch, dict):
        if patch.get("$patch") == "replace":
            return {k: v for k, v in patch.items() if k != "$patch"}
        out = dict(target) if isinstance(target, dict) else {}
        for k, v in patch.items():
            if k.startswith("$"):
                continue
            if v is None:
                out.pop(k, None)
            elif isinstance(v, list):
                out[k] = _merge_list(out.get(k), v, k)
            else:
                out[k] = strategic_merge_patch(out.get(k), v, k)
        return out
    return copy.deepcopy(patch)


def _merge_list(target: Any, patch: list, field: str) -> list:
    key = MERGE_KEYS.get(field)
    if field in SCALAR_MERGE:
        base = list(target or [])
        return base + [x for x in patch if x not in base]
    if key is None or not all(isinstance(x, dict) for x in patch):
        return copy.deepcopy(patch)
    out = [dict(x) for x in (target or [])]
    for item in patch:
        directive = item.get("$patch")
        kval = item.get(key)
        idx = next((i for i, x in enumerate(out) if x.get(key) == kval), None)
        if directive == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append({k: v for k, v in item.items() if k != "$patch"})
        else:
            out[idx] = strategic_merge_patch(out[idx], item, field)
    return out


def apply_patch(original: dict, patch: Any, patch_type: str) -> dict:
    if patch_type in ("merge", "application/merge-patch+json"):
        return json_merge_patch(original, patch)
    if patch_type in ("strategic", "application/strategic-merge-patch+json"):
        return strategic_merge_patch(original, patch)
    if patch_type in ("json", "application/json-patch+json"):
        return json_patch(original, patch)
    raise ValueError(f"unsupported patch type {patch_type!r}")


def json_patch(doc: dict, ops: list) -> dict:
    """RFC 6902 (add, remove, replace, test) with JSON pointers."""
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")] if op["path"] else []
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1] if parts else None
        kind = op["op"]
        if kind == "test":
            cur = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if cur != op.get("value"):
                raise ValueError(f"the server rejected our request due to an error in our request: testing value {op['path']} failed")
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif kind == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                if kind == "replace" and last not in parent:
                    raise ValueError(f"jsonpatch replace operation does not apply: doc is missing key: {op['path']}")
                parent[last] = op["value"]
        elif kind == "remove":
            if isinstance(parent, list):
                parent.pop(int(last))
            else:
                if last not in parent:
                    raise ValueError(f"jsonpatch remove operation does not apply: doc is missing path: {op['path']}")
                del parent[last]
        else:
            raise ValueError(f"unsupported json patch operation {kind!r}")
    return doc
