"""``kubectl apply``, client side, over any :class:`~kubelab.kubectl.source.Source`
(k8s.io/kubectl/pkg/cmd/apply): read the manifests, then for each object create it when
missing or send a three-way strategic merge patch against the
``kubectl.kubernetes.io/last-applied-configuration`` annotation.

The in-process cluster (``cluster.apply``), ``cluster.kubectl("apply -f ...")`` and, over
HTTPS, any other source share this one implementation.
"""

from __future__ import annotations

import json
import os
from typing import Any, Optional

import yaml

from kubelab.api import errors
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import DecodeError, decode

from .source import ApplyResult, Source
from .yamlload import load_all

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class ManifestError(ValueError):
    """A manifest kubectl refuses before sending anything (bad YAML, unknown kind)."""


class Applied(list):
    """What ``apply`` did, one :class:`ApplyResult` per object; shows as kubectl's lines."""

    def __repr__(self) -> str:
        return "\n".join(str(r) for r in self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


class ApplyErrors(Exception):
    """Several objects refused in one apply (apply.go returns utilerrors.NewAggregate):
    ``errors`` holds each one, ``applied`` what was applied meanwhile."""

    def __init__(self, errors_: list[BaseException], applied: "Applied"):
        self.errors = list(errors_)
        self.applied = applied
        super().__init__("\n".join(str(e) for e in self.errors))


def apply_manifests(source: Source, manifest: Any, namespace: Optional[str] = None) -> Applied:
    """Apply every object of ``manifest`` (YAML/JSON text, a path, a dict, a list or a
    model) through ``source``. As apply.go, every object is tried and the errors come at
    the end: one refused object raises its own error, several raise :class:`ApplyErrors`
    (either way with ``.applied``, what did go through)."""
    out = Applied()
    failures: list[BaseException] = []
    for doc in parse_manifests(manifest):
        try:
            out.append(apply_one(source, doc, namespace))
        except Exception as exc:  # noqa: BLE001 - collected, re-raised below
            failures.append(exc)
    if len(failures) == 1:
        failures[0].applied = out  # type: ignore[attr-defined]
        raise failures[0]
    if failures:
        raise ApplyErrors(failures, out)
    return out


def apply_one(source: Source, doc: dict, namespace: Optional[str] = None, dry_run: Optional[str] = None) -> ApplyResult:
    """Create or three-way-patch one object (apply.go applyOneObject). ``dry_run``:
    None, ``"client"`` (compute the answer, send nothing) or ``"server"`` (send with
    dryRun=All: validated and admitted, never stored)."""
    if not isinstance(doc, dict):
        raise ManifestError(f"error: unable to decode an object: json: cannot unmarshal {_json_type(doc)} "
                            "into Go value of type map[string]interface {}")
    try:
        obj = decode(doc)
    except DecodeError as exc:
        if exc.kind is None or "no matches for kind" in exc.message:
            raise ManifestError(_kubectl_decode_message(exc, doc)) from None
        raise errors.new_bad_request(exc.message) from None
    cls = type(obj)
    ns = (obj.metadata.namespace or namespace or "default") if cls.NAMESPACED else None
    name = obj.metadata.name
    if not name and obj.metadata.generate_name:
        # apply.go applyOneObject
        raise ManifestError(f"error: from {obj.metadata.generate_name}: cannot use generate name with apply")
    applied = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    server_dry = {"dry_run": True} if dry_run == "server" else {}
    current = None
    if name:
        try:
            current = source.get(cls.KIND, name, ns)
        except Exception as exc:  # noqa: BLE001 - only "not found" means create
            if not errors.is_not_found(exc):
                raise
    if current is None:
        body = dict(doc)
        meta = dict(body.get("metadata") or {})
        meta["annotations"] = {**(meta.get("annotations") or {}), LAST_APPLIED: applied + "\n"}
        if cls.NAMESPACED:
            meta["namespace"] = ns
        body["metadata"] = meta
        if dry_run == "client":
            return ApplyResult(decode(body), "created")
        return ApplyResult(source.create(decode(body), ns, **server_dry), "created")
    last = json.loads((current.metadata.annotations or {}).get(LAST_APPLIED, "null") or "null")
    patch = three_way_patch(_with_annotations(last), _with_annotations(doc))
    # kubectl sets the annotation on the modified object, creating the map when the manifest
    # has none or a null one (apply/apply.go via util.GetModifiedConfiguration)
    meta = patch.get("metadata") if isinstance(patch.get("metadata"), dict) else {}
    meta["annotations"] = {**(meta.get("annotations") or {}), LAST_APPLIED: applied + "\n"}
    patch["metadata"] = meta
    if dry_run == "client":
        from kubelab.api.patch import strategic_merge_patch

        merged = strategic_merge_patch(current.to_dict(), patch)
        return ApplyResult(current if merged == current.to_dict() else decode(merged),
                           "unchanged" if merged == current.to_dict() else "configured")
    before = current.metadata.resource_version
    updated = source.patch(cls.KIND, name, patch, ns, patch_type="strategic", **server_dry)
    if dry_run == "server":  # nothing was written: compare what would be with what is
        same = without_resource_version(updated) == without_resource_version(current)
    else:
        same = updated.metadata.resource_version == before
    return ApplyResult(updated, "unchanged" if same else "configured")


def _with_annotations(doc: Any) -> Any:
    """``doc`` with a null ``metadata.annotations`` read as an empty map: kubectl's modified
    configuration always carries the map it adds last-applied to, so a null there deletes
    every annotation the last apply set (util.GetModifiedConfiguration)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict) or doc["metadata"].get("annotations") is not None:
        return doc
    return {**doc, "metadata": {**doc["metadata"], "annotations": {}}}


def without_resource_version(obj: KubeObject) -> dict:
    """The object as a dict without its resourceVersion (what a dry run leaves unchanged)."""
    d = obj.to_dict()
    d.get("metadata", {}).pop("resourceVersion", None)
    return d


def _json_type(v: Any) -> str:
    return {str: "string", int: "number", float: "number", bool: "bool", list: "array"}.get(type(v), type(v).__name__)


def _kubectl_decode_message(exc: DecodeError, doc: dict) -> str:
    if "no matches for kind" in exc.message:
        # unstructured's accessors read a field of the wrong type as unset
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        name = meta.get("name") if isinstance(meta.get("name"), str) else ""
        ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
        # kubectl apply: resource mapping not found (k8s.io/cli-runtime resource/mapper.go)
        return (f'error: resource mapping not found for name: "{name}" namespace: "{ns}" from "STDIN": '
                f"{exc.message}\nensure CRDs are installed first")
    return f"error: {exc.message}"


def parse_manifests(manifest: Any) -> list[Any]:
    """The objects of a manifest: YAML (multi-document) or JSON text, a file path, a dict
    (a ``List`` is unwrapped), a list of any of these, or a model. A document that is not
    a mapping is kept as it is (``apply_one`` refuses it, the others still apply)."""
    if isinstance(manifest, KubeObject):
        return [manifest.to_dict()]
    if isinstance(manifest, dict):
        return _unwrap(manifest)
    if isinstance(manifest, (list, tuple)):
        out = []
        for m in manifest:
            out.extend(parse_manifests(m) if isinstance(m, (dict, list, tuple, KubeObject)) else [m])
        return out
    if isinstance(manifest, os.PathLike) or (isinstance(manifest, str) and "\n" not in manifest
                                              and manifest.endswith((".yaml", ".yml", ".json"))):
        with open(manifest) as f:
            manifest = f.read()
    if not isinstance(manifest, str):
        raise ManifestError(f"error: cannot apply a {type(manifest).__name__}")
    text = manifest.strip()
    try:
        if text.startswith("{") or text.startswith("["):
            docs = [json.loads(text, parse_constant=_no_constant)]
        else:
            docs = load_all(text)
    except (yaml.YAMLError, json.JSONDecodeError, ValueError) as exc:
        raise ManifestError(f"error: error parsing STDIN: {exc}") from None
    except RecursionError:
        # sigs.k8s.io/yaml and encoding/json both refuse nesting past their depth limit
        raise ManifestError("error: error parsing STDIN: exceeded max depth") from None
    out = []
    for d in docs:
        out.extend(_unwrap(d) if isinstance(d, dict) else [d])
    return out


def _no_constant(name: str) -> Any:
    """encoding/json knows no NaN or Infinity (Python's json module does)."""
    raise ValueError(f"invalid character '{name[0] if name[0] != '-' else 'I'}' looking for beginning of value")


def _unwrap(doc: dict) -> list[Any]:
    """A ``List`` (kind ``List`` or ``<Kind>List``) is its items; anything else is itself."""
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        items = doc.get("items")
        if not isinstance(items, list):
            raise ManifestError(f"error: error parsing STDIN: items of a {kind} must be a list, "
                                f"not {_json_type(items) if items is not None else 'null'}")
        return [dict(i) if isinstance(i, dict) else i for i in items]
    return [doc]


def three_way_patch(last: Optional[dict], new: dict) -> dict:
    """kubectl apply's patch: the new configuration, plus ``null`` for every field that was
    in the last applied configuration and is gone now (so the server deletes it)."""
    def deletions(old: Any, cur: Any) -> Any:
        if not isinstance(old, dict) or not isinstance(cur, dict):
            return cur
        out = dict(cur)
        for k, v in old.items():
            if k not in cur:
                out[k] = None
            elif isinstance(v, dict) and isinstance(cur[k], dict):
                out[k] = deletions(v, cur[k])
        return out

    patch = deletions(last or {}, new)
    return {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}


__all__ = ["LAST_APPLIED", "Applied", "ApplyErrors", "ManifestError", "apply_manifests", "apply_one", "parse_manifests",
           "three_way_patch"]
