"""PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch.

One copy for everyone: the API server applies PATCH requests with it, kubectl applies
``--local`` / client-side patches with it.

Strategic merge patch merges lists of objects by their ``patchMergeKey`` (k8s.io/api
struct tags: containers by ``name``, ports by ``containerPort``, conditions by ``type``...)
and honours ``$patch: delete`` / ``$patch: replace`` and ``$retainKeys`` is not needed
here. Lists without a merge key are replaced, as upstream.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Optional

import jsonpatch
import jsonpointer

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
    """RFC 7386 JSON merge patch: objects merge recursively, null deletes a member, anything
    else (lists included) replaces. Returns a new document; ``target`` is left alone."""
    return _merge_into(copy.deepcopy(target), patch)


def _merge_into(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = target if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _merge_into(out.get(k), v)
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


def _check_map(patch: Any) -> None:
    if not isinstance(patch, dict):
        got = {list: "array", tuple: "array", str: "string", bool: "bool", int: "number", float: "number"}.get(
            type(patch), type(patch).__name__)
        raise ValueError(f"json: cannot unmarshal {got} into Go value of type map[string]interface {{}}")


def apply_patch(original: dict, patch: Any, patch_type: str) -> dict:
    """The document after a PATCH of ``patch_type`` (``json``, ``merge``, ``strategic`` or
    their content types). Raises JSONPatchError when a JSON patch does not apply (the API
    server answers 422) and ValueError for a body that is no patch of that type (400)."""
    if patch_type in ("merge", "application/merge-patch+json"):
        if patch is None:  # evanphx/json-patch MergePatch: errBadJSONPatch
            raise ValueError("Invalid JSON Patch")
        _check_map(patch)  # anything else becomes the whole document, which is no object
        return json_merge_patch(original, patch)
    if patch_type in ("strategic", "application/strategic-merge-patch+json"):
        if patch is None:  # json.Unmarshal of null leaves the patch map empty
            return copy.deepcopy(original)
        _check_map(patch)  # handlers/patch.go strategicPatchObject: json.Unmarshal into a map
        return strategic_merge_patch(original, patch)
    if patch_type in ("json", "application/json-patch+json"):
        return json_patch(original, patch)
    raise ValueError(f"unsupported patch type {patch_type!r}")


# ----------------------------------------------------------------------------- RFC 6902
#
# kube-apiserver applies JSON patches with gopkg.in/evanphx/json-patch.v4
# (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go applyJSPatch). The edits
# themselves are done here by the `jsonpatch` library; this layer adds what v4 does that
# RFC 6902 does not (a ``replace`` of a missing object member adds it, evanphx/json-patch
# issue #204; negative array indices count from the end; ``test`` of a missing member
# against null passes) and v4's error texts (patch.go: "<op> operation does not apply:
# doc is missing path: ...: missing value", "testing value /x failed: test failed").

MAX_JSON_PATCH_OPERATIONS = 10000  # handlers/patch.go maxJSONPatchOperations
_OPS = ("add", "remove", "replace", "move", "test", "copy")
_MISSING = "missing value"  # jsonpatch.ErrMissing
_BAD_INDEX = "invalid index referenced"  # jsonpatch.ErrInvalidIndex
_ATOI = re.compile(r"[+-]?[0-9]+")


class JSONPatchError(ValueError):
    """A JSON patch that does not apply to the object. The API server answers it with
    NewGenericServerResponse(422): reason Invalid, "the server rejected our request due to
    an error in our request"; this text stays on the server, as upstream."""


class JSONPatchDecodeError(ValueError):
    """A body that is not a JSON patch at all (jsonpatch.DecodePatch failed: 400)."""


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test) as kube-apiserver applies
    it; returns a new document and leaves ``doc`` alone."""
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        got = "object" if isinstance(ops, dict) else type(ops).__name__
        raise JSONPatchDecodeError(f"json: cannot unmarshal {got} into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        doc = _apply_op(doc, op)
    return doc


def _atoi(s: str) -> Optional[int]:
    return int(s) if _ATOI.fullmatch(s) else None


def _atoi_error(s: str) -> str:
    return f'strconv.Atoi: parsing "{s}": invalid syntax'


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _find_object(doc: Any, path: str) -> tuple[Any, str, str]:
    """findObject (json-patch v4): the container the path's last segment is in, that
    segment, and the RFC 6901 pointer of the container; (None, "", "") when a step is
    missing. Like v4 it ignores what stands before the first ``/``."""
    split = path.split("/")
    if len(split) < 2:
        return None, "", ""
    cur, pointer = doc, ""
    for raw in split[1:-1]:
        part = jsonpointer.unescape(raw)
        if isinstance(cur, dict):
            nxt = cur.get(part)
        else:
            idx = _atoi(part)
            if idx is None or not 0 <= idx < len(cur):
                return None, "", ""
            nxt, part = cur[idx], str(idx)
        if not isinstance(nxt, (dict, list)):
            return None, "", ""
        cur, pointer = nxt, f"{pointer}/{_escape(part)}"
    return cur, jsonpointer.unescape(split[-1]), pointer


def _list_index(lst: list, key: str, for_add: bool) -> tuple[Optional[str], Optional[str]]:
    """partialArray add/remove: the canonical index (or ``-``), or v4's error text."""
    if for_add and key == "-":
        return "-", None
    idx = _atoi(key)
    if idx is None:
        return None, (f"value was not a proper array index: '{key}': " if for_add else "") + _atoi_error(key)
    size = len(lst) + 1 if for_add else len(lst)
    if idx >= size or idx < -size:
        return None, f"Unable to access invalid index: {idx}: {_BAD_INDEX}"
    return str(idx + size if idx < 0 else idx), None


def _get(con: Any, key: str) -> tuple[Any, Optional[str]]:
    """container.get: a missing object member is null (no error), a bad index is an error."""
    if isinstance(con, dict):
        return con.get(key), None
    idx = _atoi(key)
    if idx is None:
        return None, _atoi_error(key)
    if idx >= len(con) or idx < 0:
        return None, f"Unable to access invalid index: {idx}: {_BAD_INDEX}"
    return con[idx], None


def _locate(doc: Any, op: dict, field: str, kind: str, missing: str) -> tuple[Any, str, str, str]:
    path = op.get(field)
    if not isinstance(path, str):
        what = "from" if field == "from" else "path"
        raise JSONPatchError(f"{kind} operation failed to decode {what}: {_MISSING}")
    con, key, pointer = _find_object(doc, path)
    if con is None:
        raise JSONPatchError(f"{kind} operation does not apply: {missing}: {path}: {_MISSING}"
                             if kind != "add" and kind != "remove" else
                             f'{kind} operation does not apply: {missing}: "{path}": {_MISSING}')
    return con, key, pointer, path


def _add_pointer(con: Any, key: str, pointer: str) -> tuple[Optional[str], Optional[str]]:
    if isinstance(con, dict):
        return f"{pointer}/{_escape(key)}", None
    idx, err = _list_index(con, key, for_add=True)
    return (None, err) if err else (f"{pointer}/{idx}", None)


def _rfc(doc: Any, op: dict) -> Any:
    try:
        return jsonpatch.JsonPatch([op]).apply(doc, in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:  # pragma: no cover
        raise JSONPatchError(str(exc)) from None  # the checks above leave jsonpatch nothing to refuse


def _apply_op(doc: Any, op: dict) -> Any:
    kind = op.get("op") if isinstance(op.get("op"), str) else "unknown"
    if kind not in _OPS:
        raise JSONPatchError(f"Unexpected kind: {kind}")
    if kind == "add":
        con, key, pointer, path = _locate(doc, op, "path", kind, "doc is missing path")
        target, err = _add_pointer(con, key, pointer)
        if err:
            raise JSONPatchError(f"error in add for path: '{path}': {err}")
        return _rfc(doc, {"op": "add", "path": target, "value": op.get("value")})
    if kind == "remove":
        con, key, pointer, path = _locate(doc, op, "path", kind, "doc is missing path")
        if isinstance(con, dict):
            if key not in con:
                raise JSONPatchError(f"error in remove for path: '{path}': Unable to remove nonexistent key: {key}: {_MISSING}")
            return _rfc(doc, {"op": "remove", "path": f"{pointer}/{_escape(key)}"})
        idx, err = _list_index(con, key, for_add=False)
        if err:
            raise JSONPatchError(f"error in remove for path: '{path}': {err}")
        return _rfc(doc, {"op": "remove", "path": f"{pointer}/{idx}"})
    if kind == "replace":
        con, key, pointer, path = _locate(doc, op, "path", kind, "doc is missing path")
        if isinstance(con, dict):  # v4: a missing member is added, not refused
            rfc = "replace" if key in con else "add"
            return _rfc(doc, {"op": rfc, "path": f"{pointer}/{_escape(key)}", "value": op.get("value")})
        _, err = _get(con, key)
        if err:
            raise JSONPatchError(f"replace operation does not apply: doc is missing key: {path}: {_MISSING}")
        return _rfc(doc, {"op": "replace", "path": f"{pointer}/{int(key)}", "value": op.get("value")})
    if kind == "test":
        con, key, pointer, path = _locate(doc, op, "path", kind, "is missing path")
        val, err = _get(con, key)
        if err:
            raise JSONPatchError(f"error in test for path: '{path}': {err}")
        want = op.get("value")
        if val is None and want is None:
            return doc
        if val is None or "value" not in op:
            raise JSONPatchError(f"testing value {path} failed: test failed")
        target = f"{pointer}/{_escape(key) if isinstance(con, dict) else int(key)}"
        try:
            return jsonpatch.JsonPatch([{"op": "test", "path": target, "value": want}]).apply(doc, in_place=True)
        except jsonpatch.JsonPatchTestFailed:
            raise JSONPatchError(f"testing value {path} failed: test failed") from None
    # move and copy: read ``from``, then add at ``path``
    con, key, pointer, frm = _locate(doc, op, "from", kind, "doc is missing from path")
    val, err = _get(con, key)
    if err:
        where = f"error in move for path: '{key}'" if kind == "move" else f"error in copy for from: '{frm}'"
        raise JSONPatchError(f"{where}: {err}")
    if kind == "move":
        if isinstance(con, dict) and key not in con:
            raise JSONPatchError(f"error in move for path: '{key}': Unable to remove nonexistent key: {key}: {_MISSING}")
        doc = _rfc(doc, {"op": "remove", "path": f"{pointer}/{_escape(key) if isinstance(con, dict) else int(key)}"})
    else:
        val = copy.deepcopy(val)
    con, key, pointer, path = _locate(doc, op, "path", kind, "doc is missing destination path")
    target, err = _add_pointer(con, key, pointer)
    if err:
        raise JSONPatchError(f"error in move for path: '{path}': {err}" if kind == "move"
                             else f"error while adding value during copy: {err}")
    return _rfc(doc, {"op": "add", "path": target, "value": val})
