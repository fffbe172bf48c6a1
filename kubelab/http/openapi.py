"""``/openapi/v2`` and ``/openapi/v3``, generated from the pydantic models.

What kubectl reads from them: ``kubectl explain`` walks a kind's schema (found by its
``x-kubernetes-group-version-kind``); client-side ``apply`` computes a strategic merge patch
from ``x-kubernetes-patch-strategy`` / ``x-kubernetes-patch-merge-key``; ``--validate=strict``
and ``--dry-run=server`` check that the PATCH operation of the kind accepts the
``fieldValidation`` / ``dryRun`` query parameters (k8s.io/cli-runtime resource
query_param_verifier_v3.go). Definition names follow upstream's
(``io.k8s.api.apps.v1.Deployment``, ``io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta``).
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from functools import lru_cache
from typing import Any, Literal, Union

from pydantic import BaseModel

from kubelab.api.meta import KubeObject
from kubelab.api.version import GIT_VERSION
from kubelab.api.patch import MERGE_KEYS, SCALAR_MERGE

from . import discovery

_GROUP_PKG = {"": "core", "apps": "apps", "batch": "batch", "coordination.k8s.io": "coordination",
              "scheduling.k8s.io": "scheduling", "policy": "policy", "discovery.k8s.io": "discovery"}
_MODULE_PKG = {"core": "io.k8s.api.core.v1", "apps": "io.k8s.api.apps.v1", "batch": "io.k8s.api.batch.v1",
               "coordination": "io.k8s.api.coordination.v1", "meta": "io.k8s.apimachinery.pkg.apis.meta.v1"}


def def_name(cls: type) -> str:
    if isinstance(cls, type) and issubclass(cls, KubeObject) and cls.KIND:
        return f"io.k8s.api.{_GROUP_PKG.get(cls.GROUP, cls.GROUP.split('.')[0])}.{cls.VERSION}.{cls.KIND}"
    mod = cls.__module__.rsplit(".", 1)[-1]
    return f"{_MODULE_PKG.get(mod, 'io.k8s.api.' + mod + '.v1')}.{cls.__name__}"


class _Gen:
    def __init__(self, ref_prefix: str):
        self.ref_prefix = ref_prefix
        self.defs: dict[str, dict] = {}

    def ref(self, cls: type) -> dict:
        name = def_name(cls)
        if name not in self.defs:
            self.defs[name] = {}  # placeholder against recursion
            self.defs[name] = self.model(cls)
        return {"$ref": self.ref_prefix + name}

    def model(self, cls: type[BaseModel]) -> dict:
        props: dict[str, Any] = {}
        required = []
        extra = (cls.model_config or {}).get("extra")
        for name, f in cls.model_fields.items():
            alias = f.alias or name
            s = self.annotation(f.annotation, alias)
            if isinstance(cls, type) and issubclass(cls, KubeObject) and alias in ("apiVersion", "kind"):
                s = {"type": "string"}
            props[alias] = s
            if f.is_required():
                required.append(alias)
        out: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            out["required"] = required
        if extra == "allow":
            out["x-kubernetes-preserve-unknown-fields"] = True
        if isinstance(cls, type) and issubclass(cls, KubeObject) and cls.KIND:
            out["description"] = f"{cls.KIND} (simulated by kubelab)."
            out["x-kubernetes-group-version-kind"] = [{"group": cls.GROUP, "kind": cls.KIND, "version": cls.VERSION}]
        return out

    def annotation(self, ann: Any, alias: str = "") -> dict:
        origin = typing.get_origin(ann)
        args = typing.get_args(ann)
        if origin in (Union, types.UnionType):
            non_null = [a for a in args if a is not type(None)]
            if len(non_null) == 1:
                return self.annotation(non_null[0], alias)
            if set(non_null) == {int, str}:
                return {"type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": True}
            return {"x-kubernetes-preserve-unknown-fields": True}
        if origin is Literal:
            return {"type": "string", "enum": list(args)}
        if origin in (list, tuple, typing.Sequence) or ann in (list, tuple):
            item = self.annotation(args[0]) if args else {"x-kubernetes-preserve-unknown-fields": True}
            s: dict[str, Any] = {"type": "array", "items": item}
            key = MERGE_KEYS.get(alias)
            if key and "$ref" in item:
                s.update({"x-kubernetes-patch-merge-key": key, "x-kubernetes-patch-strategy": "merge",
                          "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": [key]})
            elif alias in SCALAR_MERGE:
                s.update({"x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set"})
            else:
                s["x-kubernetes-list-type"] = "atomic"
            return s
        if origin is dict or ann is dict:
            val = args[1] if len(args) == 2 else Any
            return {"type": "object", "additionalProperties": self.annotation(val)}
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return self.ref(ann)
        if ann is bool:
            return {"type": "boolean"}
        if ann is int:
            return {"type": "integer", "format": "int64" if alias.endswith(("Seconds", "generation")) else "int32"}
        if ann is float:
            return {"type": "number", "format": "double"}
        if ann is str:
            return {"type": "string"}
        return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


_PATCH_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "pretty")


def _param(name: str, where: str = "query", typ: str = "string") -> dict:
    return {"name": name, "in": where, "description": name, "schema": {"type": typ}, "uniqueItems": True}


def _paths(r: discovery.Resource, ref_prefix: str, v3: bool) -> dict:
    k = r.kind
    gvk = {"group": k.GROUP, "kind": k.KIND, "version": k.VERSION}
    base = f"/apis/{k.GROUP}/{k.VERSION}" if k.GROUP else "/api/v1"
    coll = f"{base}/namespaces/{{namespace}}/{k.RESOURCE}" if k.NAMESPACED else f"{base}/{k.RESOURCE}"
    ref = {"$ref": ref_prefix + def_name(k)}

    def op(action: str, params=(), body=False, code="200") -> dict:
        o: dict[str, Any] = {"operationId": f"{action}{k.KIND}", "x-kubernetes-action": action,
                             "x-kubernetes-group-version-kind": gvk}
        ps = [_param(p) for p in params]
        if v3:
            o["parameters"] = ps
            o["responses"] = {code: {"description": "OK", "content": {"application/json": {"schema": ref}}}}
            if body:
                o["requestBody"] = {"content": {"*/*": {"schema": ref}}, "required": True}
        else:
            o["parameters"] = [{**p, "type": "string"} for p in ps]
            for p in o["parameters"]:
                p.pop("schema", None)
            if body:
                o["parameters"].append({"name": "body", "in": "body", "required": True, "schema": ref})
            o["responses"] = {code: {"description": "OK", "schema": ref}}
        return o

    item_params = [_param("name", "path")] + ([_param("namespace", "path")] if k.NAMESPACED else [])
    coll_params = [_param("namespace", "path")] if k.NAMESPACED else []
    if not v3:
        for p in item_params + coll_params:
            p["type"] = "string"
            p["required"] = True
            p.pop("schema", None)
    return {
        coll: {"get": op("list", ("labelSelector", "fieldSelector", "limit", "continue", "watch")),
               "post": op("post", _WRITE_PARAMS, True, "201"),
               "delete": op("deletecollection", ("dryRun", "labelSelector", "fieldSelector")),
               "parameters": coll_params},
        f"{coll}/{{name}}": {"get": op("get"), "put": op("put", _WRITE_PARAMS, True),
                             "patch": op("patch", _PATCH_PARAMS, True), "delete": op("delete", ("dryRun",)),
                             "parameters": item_params},
    }


def _meta_defs(g: _Gen) -> None:
    from kubelab.api.meta import ObjectMeta

    g.ref(ObjectMeta)


@lru_cache(maxsize=None)
def v3_document(group: str, version: str) -> bytes:
    g = _Gen("#/components/schemas/")
    paths: dict = {}
    for r in discovery.RESOURCES:
        if r.group == group and r.version == version:
            g.ref(r.kind)
            paths.update(_paths(r, "#/components/schemas/", True))
    _meta_defs(g)
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": paths,
           "components": {"schemas": dict(sorted(g.defs.items()))}}
    return json.dumps(doc, separators=(",", ":")).encode()


def v3_hash(group: str, version: str) -> str:
    return hashlib.sha512(v3_document(group, version)).hexdigest().upper()


@lru_cache(maxsize=None)
def v3_root() -> bytes:
    paths = {}
    for group, versions in discovery.group_versions().items():
        for v in versions:
            p = f"apis/{group}/{v}" if group else "api/v1"
            paths[p] = {"serverRelativeURL": f"/openapi/v3/{p}?hash={v3_hash(group, v)}"}
    return json.dumps({"paths": paths}, separators=(",", ":")).encode()


@lru_cache(maxsize=None)
def v2_document() -> bytes:
    g = _Gen("#/definitions/")
    paths: dict = {}
    for r in discovery.RESOURCES:
        g.ref(r.kind)
        paths.update(_paths(r, "#/definitions/", False))
    _meta_defs(g)
    doc = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": paths,
           "definitions": dict(sorted(g.defs.items()))}
    return json.dumps(doc, separators=(",", ":")).encode()


def unknown_fields(cls: type[BaseModel], data: Any, path: str = "") -> list[str]:
    """The paths of fields the schema does not declare (what fieldValidation=Warn reports and
    Ignore drops), removing them from ``data`` in place."""
    out: list[str] = []
    if not isinstance(data, dict) or (cls.model_config or {}).get("extra") == "allow":
        return out
    fields = {(f.alias or n): f for n, f in cls.model_fields.items()}
    for key in list(data):
        f = fields.get(key)
        p = f"{path}.{key}" if path else key
        if f is None:
            out.append(p)
            del data[key]
            continue
        out.extend(_unknown_in(f.annotation, data[key], p))
    return out


def _unknown_in(ann: Any, value: Any, path: str) -> list[str]:
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        lists = [a for a in args if typing.get_origin(a) is list]
        if models:
            return unknown_fields(models[0], value, path)
        if lists:
            return _unknown_in(lists[0], value, path)
        return []
    if origin is list and args and isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            out.extend(_unknown_in(args[0], v, f"{path}[{i}]"))
        return out
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return unknown_fields(ann, value, path)
    return []


# -- /openapi/v2 in protobuf -----------------------------------------------------------------
# kubectl asks for the v2 document only as gnostic's protobuf (client-go discovery's
# OpenAPISchema: Accept application/com.github.proto-openapi.spec.v2@v1.0+protobuf) when it falls
# back to client-side validation (a kind the v3 documents do not list, e.g. extensions/v1beta1).
# Field numbers: github.com/google/gnostic-models/openapiv2/OpenAPIv2.proto. Vendor extensions are
# NamedAny whose Any carries the value as YAML text (JSON is YAML), as gnostic writes them.
# kube-openapi pkg/handler/handler.go: either subtype is accepted, the answer names the dotted one
V2_PROTOBUF_TYPES = ("application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
                     "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
V2_PROTOBUF = V2_PROTOBUF_TYPES[1]


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pb_bytes(num: int, payload: bytes) -> bytes:
    return _pb_varint(num << 3 | 2) + _pb_varint(len(payload)) + payload


def _pb_str(num: int, s: str) -> bytes:
    return _pb_bytes(num, s.encode()) if s else b""


def _pb_bool(num: int, v: bool) -> bytes:
    return _pb_varint(num << 3) + b"\x01" if v else b""


def _pb_any(num: int, value: Any) -> bytes:  # openapi.v2.Any{yaml = 2}
    return _pb_bytes(num, _pb_str(2, json.dumps(value, separators=(",", ":"))))


def _pb_named(num: int, name: str, value: bytes) -> bytes:
    return _pb_bytes(num, _pb_str(1, name) + _pb_bytes(2, value))


def _pb_extensions(num: int, obj: dict) -> bytes:  # repeated NamedAny{name = 1, value = 2}
    return b"".join(_pb_bytes(num, _pb_str(1, k) + _pb_any(2, v)) for k, v in obj.items() if k.startswith("x-"))


def _pb_schema(s: dict) -> bytes:
    out = [_pb_str(1, s.get("$ref", "")), _pb_str(2, s.get("format", "")), _pb_str(4, s.get("description", ""))]
    out += [_pb_str(19, r) for r in s.get("required", ())]
    out += [_pb_any(20, e) for e in s.get("enum", ())]
    ap = s.get("additionalProperties")
    if isinstance(ap, dict):
        out.append(_pb_bytes(21, _pb_bytes(1, _pb_schema(ap))))
    elif isinstance(ap, bool):
        out.append(_pb_bytes(21, _pb_varint(2 << 3) + (b"\x01" if ap else b"\x00")))
    if "type" in s:
        types_ = s["type"] if isinstance(s["type"], list) else [s["type"]]
        out.append(_pb_bytes(22, b"".join(_pb_str(1, t) for t in types_)))
    if "items" in s:
        out.append(_pb_bytes(23, _pb_bytes(1, _pb_schema(s["items"]))))
    if "properties" in s:
        out.append(_pb_bytes(25, b"".join(_pb_named(1, k, _pb_schema(v)) for k, v in s["properties"].items())))
    out.append(_pb_extensions(31, s))
    return b"".join(out)


def _pb_parameter(p: dict) -> bytes:
    if p.get("in") == "body":
        body = (_pb_str(2, p["name"]) + _pb_str(3, "body") + _pb_bool(4, p.get("required", False)) +
                _pb_bytes(5, _pb_schema(p.get("schema", {}))))
        return _pb_bytes(1, _pb_bytes(1, body))  # ParametersItem.parameter -> Parameter.body_parameter
    if p.get("in") == "path":  # PathParameterSubSchema
        sub = (_pb_bool(1, p.get("required", False)) + _pb_str(2, "path") + _pb_str(3, p.get("description", "")) +
               _pb_str(4, p["name"]) + _pb_str(5, p.get("type", "")) + _pb_bool(19, p.get("uniqueItems", False)))
        which = 4
    else:  # QueryParameterSubSchema
        sub = (_pb_bool(1, p.get("required", False)) + _pb_str(2, "query") + _pb_str(3, p.get("description", "")) +
               _pb_str(4, p["name"]) + _pb_str(6, p.get("type", "")) + _pb_bool(20, p.get("uniqueItems", False)))
        which = 3
    return _pb_bytes(1, _pb_bytes(2, _pb_bytes(which, sub)))  # Parameter.non_body_parameter


def _pb_operation(o: dict) -> bytes:
    out = [_pb_str(3, o.get("description", "")), _pb_str(5, o.get("operationId", ""))]
    out += [_pb_bytes(8, _pb_parameter(p)) for p in o.get("parameters", ())]
    codes = b""
    for code, resp in o.get("responses", {}).items():
        r = _pb_str(1, resp.get("description", ""))
        if "schema" in resp:
            r += _pb_bytes(2, _pb_bytes(1, _pb_schema(resp["schema"])))  # SchemaItem.schema
        codes += _pb_named(1, code, _pb_bytes(1, r))  # NamedResponseValue -> ResponseValue.response
    out.append(_pb_bytes(9, codes))
    out.append(_pb_extensions(13, o))
    return b"".join(out)


_PATH_ITEM_FIELDS = {"get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8}


@lru_cache(maxsize=None)
def v2_protobuf() -> bytes:
    """The v2 document as gnostic's ``openapi.v2.Document`` message."""
    doc = json.loads(v2_document())
    info = _pb_str(1, doc["info"]["title"]) + _pb_str(2, doc["info"]["version"])
    paths = b""
    for path, item in doc["paths"].items():
        body = b"".join(_pb_bytes(_PATH_ITEM_FIELDS[verb], _pb_operation(op)) for verb, op in item.items()
                        if verb in _PATH_ITEM_FIELDS)
        body += b"".join(_pb_bytes(9, _pb_parameter(p)) for p in item.get("parameters", ()))
        paths += _pb_named(2, path, body)
    defs = b"".join(_pb_named(1, name, _pb_schema(s)) for name, s in doc["definitions"].items())
    return _pb_str(1, doc["swagger"]) + _pb_bytes(2, info) + _pb_bytes(8, paths) + _pb_bytes(9, defs)
