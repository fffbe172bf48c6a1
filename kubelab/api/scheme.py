"""The scheme: which kinds exist, their group/version/resource, and decoding of manifests.

``decode(dict)`` does what the API server's strict JSON decoder does: picks the type by
apiVersion + kind and refuses unknown fields and wrong types with the real wording
(``Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field
"spec.foo"``).
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import ValidationError

from . import apps, autoscaling, batch, coordination, core
from .meta import KubeObject

KINDS: tuple[type[KubeObject], ...] = (
    core.Namespace,
    core.Pod,
    core.Node,
    core.Service,
    core.Endpoints,
    core.ConfigMap,
    core.Secret,
    core.ServiceAccount,
    core.Event,
    apps.Deployment,
    apps.ReplicaSet,
    apps.DaemonSet,
    apps.StatefulSet,
    apps.ControllerRevision,
    batch.Job,
    batch.CronJob,
    coordination.Lease,
    coordination.PriorityClass,
    coordination.PodDisruptionBudget,
    coordination.EndpointSlice,
    autoscaling.HorizontalPodAutoscaler,
)

_BY_GVK: dict[tuple[str, str], type[KubeObject]] = {(k.api_version_str(), k.KIND): k for k in KINDS}
_BY_KIND: dict[str, type[KubeObject]] = {k.KIND: k for k in KINDS}
_BY_NAME: dict[str, type[KubeObject]] = {}
for _k in KINDS:
    # kubectl's RESTMapper accepts kind, resource, singular, short names, and resource.group
    for _n in (_k.KIND.lower(), _k.RESOURCE, _k.KIND.lower() + "s", *_k.SHORT_NAMES):
        _BY_NAME.setdefault(_n, _k)
    if _k.GROUP:
        _BY_NAME[f"{_k.RESOURCE}.{_k.GROUP}"] = _k
        _BY_NAME[f"{_k.KIND.lower()}.{_k.GROUP}"] = _k


class DecodeError(ValueError):
    """A manifest that cannot be turned into an API object (client- or server-side)."""

    def __init__(self, message: str, *, kind: str | None = None, causes: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.causes = causes or []


def kind_for(api_version: str, kind: str) -> Optional[type[KubeObject]]:
    return _BY_GVK.get((api_version, kind))


def kind_by_name(name: str) -> Optional[type[KubeObject]]:
    """Resolve what a user types after ``kubectl get``: ``pods``, ``po``, ``Deployment``,
    ``deployments.apps``."""
    return _BY_NAME.get(name) or _BY_NAME.get(name.lower()) or _BY_KIND.get(name)


def kind_by_kind(kind: str) -> Optional[type[KubeObject]]:
    return _BY_KIND.get(kind)


# Go type names for pydantic's Python types, for "cannot unmarshal" messages.
_GO_TYPES = {"int": "int32", "str": "string", "bool": "bool", "float": "float64"}
_PY_TO_JSON = {str: "string", int: "number", float: "number", bool: "bool", list: "array", dict: "object"}


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _strip_union_noise(loc: tuple) -> tuple:
    # pydantic adds the tried union member (e.g. 'str', 'int') to the location
    return tuple(p for p in loc if not (isinstance(p, str) and (p in ("str", "int", "float", "bool") or "[" in p or p.startswith("function-"))))


def decode(data: dict[str, Any]) -> KubeObject:
    """Turn a manifest dict into its typed object, as the API server's strict decoder does.

    Raises :class:`DecodeError` with the real server's wording.
    """
    if not isinstance(data, dict):
        raise DecodeError(f"error decoding: expected an object, got {type(data).__name__}")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    missing = [m for m, v in (("apiVersion", api_version), ("kind", kind)) if not v]
    if missing:
        # kubectl's client-side check (pkg/kubectl/cmd/util validation)
        raise DecodeError("error validating data: [" + ", ".join(f"{m} not set" for m in missing) + "]")
    cls = kind_for(api_version, kind)
    if cls is None:
        group_version = api_version
        raise DecodeError(
            f'no matches for kind "{kind}" in version "{group_version}"', kind=kind
        )
    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise _decode_error(cls, err) from None


def _decode_error(cls: type[KubeObject], err: ValidationError) -> DecodeError:
    prefix = f'{cls.KIND} in version "{cls.VERSION}" cannot be handled as a {cls.KIND}: '
    unknown, others, required = [], [], []
    for e in err.errors():
        loc = _strip_union_noise(e["loc"])
        if e["type"] == "extra_forbidden":
            unknown.append(f'unknown field "{_path(loc)}"')
        elif e["type"] == "missing":
            required.append(_path(loc))
        else:
            others.append((loc, e))
    if others:
        loc, e = others[0]
        # encoding/json names the field by its JSON path without list indices
        field = _path(tuple(p for p in loc if not isinstance(p, int)))
        got = _PY_TO_JSON.get(type(e.get("input")), "value")
        want = e["type"].split("_")[0]
        go_type = _GO_TYPES.get(want, want)
        owner = _go_struct_name(cls, loc)
        return DecodeError(
            prefix + f"json: cannot unmarshal {got} into Go struct field {owner}.{field} of type {go_type}",
            kind=cls.KIND,
        )
    if unknown:
        return DecodeError(prefix + "strict decoding error: " + ", ".join(unknown), kind=cls.KIND)
    # Go decodes a missing field as its zero value and validation then says Required.
    causes = [{"reason": "FieldValueRequired", "message": "Required value", "field": f} for f in required]
    return DecodeError(
        "; ".join(f"{f}: Required value" for f in required), kind=cls.KIND, causes=causes
    )


def _go_struct_name(cls: type, loc: tuple) -> str:
    """The Go struct that holds the field at ``loc`` (e.g. DeploymentSpec)."""
    from pydantic import BaseModel

    model: Any = cls
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = None
        for name, f in model.model_fields.items():
            if (f.alias or name) == part:
                field = f
                break
        if field is None:
            break
        ann = field.annotation
        found = None
        for t in _iter_types(ann):
            if isinstance(t, type) and issubclass(t, BaseModel):
                found = t
                break
        if found is None:
            break
        model = found
    return model.__name__


def _iter_types(ann: Any):
    args = getattr(ann, "__args__", None)
    if not args:
        yield ann
        return
    for a in args:
        yield from _iter_types(a)


def encode(obj: KubeObject) -> dict[str, Any]:
    return obj.to_dict()
