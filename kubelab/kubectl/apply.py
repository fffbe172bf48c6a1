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

from .printers import resource_name
from .source import ApplyResult, Source

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class ManifestError(ValueError):
    """A manifest kubectl refuses before sending anything (bad YAML, unknown kind)."""


class Applied(list):
    """What ``apply`` did, one :class:`ApplyResult` per object; shows as kubectl's lines."""

    def __repr__(self) -> str:
        return "\n".join(str(r) for r in self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def apply_manifests(source: Source, manifest: Any, namespace: Optional[str] = None) -> Applied:
    """Apply every object of ``manifest`` (YAML/JSON text, a path, a dict, a list or a
    model) through ``source``; stops at the first object the server refuses."""
    out = Applied()
    for doc in parse_manifests(manifest):
        out.append(apply_one(source, doc, namespace))
    return out


def apply_one(source: Source, doc: dict, namespace: Optional[str] = None) -> ApplyResult:
    try:
        obj = decode(doc)
    except DecodeError as exc:
        if exc.kind is None or "no matches for kind" in exc.message:
            raise ManifestError(_kubectl_decode_message(exc, doc)) from None
        raise errors.new_bad_request(exc.message) from None
    cls = type(obj)
    ns = (obj.metadata.namespace or namespace or "default") if cls.NAMESPACED else None
    name = obj.metadata.name
    applied = json.dumps(doc, sort_keys=True, separators=(",", ":"))
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
        return ApplyResult(source.create(decode(body), ns), "created")
    last = json.loads((current.metadata.annotations or {}).get(LAST_APPLIED, "null") or "null")
    patch = three_way_patch(last, doc)
    patch.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = applied + "\n"
    before = current.metadata.resource_version
    updated = source.patch(cls.KIND, name, patch, ns, patch_type="strategic")
    return ApplyResult(updated, "unchanged" if updated.metadata.resource_version == before else "configured")


def _kubectl_decode_message(exc: DecodeError, doc: dict) -> str:
    if "no matches for kind" in exc.message:
        name = (doc.get("metadata") or {}).get("name", "")
        ns = (doc.get("metadata") or {}).get("namespace", "")
        # kubectl apply: resource mapping not found (k8s.io/cli-runtime resource/mapper.go)
        return (f'error: resource mapping not found for name: "{name}" namespace: "{ns}" from "STDIN": '
                f"{exc.message}\nensure CRDs are installed first")
    return f"error: {exc.message}"


def parse_manifests(manifest: Any) -> list[dict]:
    """The objects of a manifest: YAML (multi-document) or JSON text, a file path, a dict
    (a ``List`` is unwrapped), a list of any of these, or a model."""
    if isinstance(manifest, KubeObject):
        return [manifest.to_dict()]
    if isinstance(manifest, dict):
        if manifest.get("kind") == "List":
            return [dict(i) for i in manifest.get("items", [])]
        return [manifest]
    if isinstance(manifest, (list, tuple)):
        out = []
        for m in manifest:
            out.extend(parse_manifests(m))
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
            docs = [json.loads(text)]
        else:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ManifestError(f"error: error parsing STDIN: {exc}") from None
    return parse_manifests(docs) if docs else []


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


__all__ = ["LAST_APPLIED", "Applied", "ManifestError", "apply_manifests", "apply_one", "parse_manifests",
           "three_way_patch"]
