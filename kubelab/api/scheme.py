"""The scheme: which kinds exist, their group/version/resource, and decoding of manifests.

``decode(dict)`` does what the API server's strict JSON decoder does: picks the type by
apiVersion + kind and refuses unknown fields and wrong types with the real wording
(``Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field
"spec.foo"``).
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import ValidationError

from . import apps, autoscaling, batch, coordination, core, flowcontrol, rbac, storage
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
    core.LimitRange,
    core.ResourceQuota,
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
    rbac.Role,
    rbac.ClusterRole,
    rbac.RoleBinding,
    rbac.ClusterRoleBinding,
    autoscaling.HorizontalPodAutoscaler,
    core.PersistentVolume,
    core.PersistentVolumeClaim,
    storage.StorageClass,
    storage.CSINode,
    flowcontrol.FlowSchema,
    flowcontrol.PriorityLevelConfiguration,
)

# kinds the server answers without storing them (access reviews, component statuses)
VIRTUAL_KINDS: tuple[type[KubeObject], ...] = rbac.VIRTUAL + (core.ComponentStatus,)

_BY_GVK: dict[tuple[str, str], type[KubeObject]] = {(k.api_version_str(), k.KIND): k for k in KINDS + VIRTUAL_KINDS}
_BY_KIND: dict[str, type[KubeObject]] = {k.KIND: k for k in KINDS + VIRTUAL_KINDS}
_BY_NAME: dict[str, type[KubeObject]] = {}
for _k in KINDS + VIRTUAL_KINDS:
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


# Raw-JSON checks Go's decoder makes before (or while) filling the typed struct -------------

# The deepest nesting kubelab decodes. Go's encoding/json stops at 10000 levels; kubelab's
# own Python code (copies, patches, encoding for etcd) recurses, so it refuses far earlier —
# no Kubernetes object comes anywhere near either limit.
MAX_DEPTH = 100

# Go int64 fields (everything else a manifest holds as a number is an int32): metav1 and
# core/v1, apps/v1, batch/v1 field names, as in k8s.io/api/*/types.go.
INT64_FIELDS = frozenset({
    "generation", "observedGeneration", "deletionGracePeriodSeconds", "terminationGracePeriodSeconds",
    "activeDeadlineSeconds", "runAsUser", "runAsGroup", "fsGroup", "supplementalGroups", "expirationSeconds",
    "tolerationSeconds", "startingDeadlineSeconds", "revision", "value",
})
# maps of quantities: their numbers are resource.Quantity, not Go ints
_QUANTITY_MAPS = frozenset({"requests", "limits", "capacity", "allocatable", "hard", "used", "overhead",
                            "sizeLimit", "storage"})
_INT32 = (-(1 << 31), (1 << 31) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)


# Structures kubelab keeps as plain JSON (api/core.py ``Json`` fields) but whose Go types the
# learner meets: their scalar fields are type-checked and unknown fields refused, as the
# strict decoder does for the typed struct (k8s.io/api/core/v1/types.go).
_S, _B, _I, _O, _L = "string", "bool", "int64", "object", "array"
_SHAPES: dict[str, tuple[str, dict[str, str]]] = {
    "volumeMounts": ("VolumeMount", {"name": _S, "mountPath": _S, "subPath": _S, "readOnly": _B,
                                     "mountPropagation": _S, "subPathExpr": _S, "recursiveReadOnly": _S}),
    "securityContext/container": ("SecurityContext", {
        "capabilities": _O, "privileged": _B, "seLinuxOptions": _O, "windowsOptions": _O, "runAsUser": _I,
        "runAsGroup": _I, "runAsNonRoot": _B, "readOnlyRootFilesystem": _B, "allowPrivilegeEscalation": _B,
        "procMount": _S, "seccompProfile": _O, "appArmorProfile": _O}),
    "securityContext/pod": ("PodSecurityContext", {
        "seLinuxOptions": _O, "windowsOptions": _O, "runAsUser": _I, "runAsGroup": _I, "runAsNonRoot": _B,
        "supplementalGroups": _L, "supplementalGroupsPolicy": _S, "fsGroup": _I, "sysctls": _L,
        "fsGroupChangePolicy": _S, "seccompProfile": _O, "appArmorProfile": _O, "seLinuxChangePolicy": _S}),
    "capabilities": ("Capabilities", {"add": _L, "drop": _L}),
    "seccompProfile": ("SeccompProfile", {"type": _S, "localhostProfile": _S}),
}
_JSON_KIND = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object",
              type(None): "null"}


def _shape_of(loc: tuple) -> tuple[str, dict[str, str]] | None:
    if not loc or not isinstance(loc[-1], str):
        return None
    key = loc[-1]
    if key == "securityContext":
        in_container = len(loc) >= 3 and loc[-3] in ("containers", "initContainers", "ephemeralContainers")
        return _SHAPES["securityContext/container" if in_container else "securityContext/pod"]
    return _SHAPES.get(key)


def _check_shape(prefix: str, kind: str, node: Any, loc: tuple, shape: tuple[str, dict[str, str]]) -> None:
    struct, fields = shape
    path = _path(tuple(p for p in loc if not isinstance(p, int)))
    if not isinstance(node, dict):
        got = _JSON_KIND.get(type(node), "value")
        if got == "null":
            return
        raise DecodeError(prefix + f"json: cannot unmarshal {got} into Go struct field {struct}.{path} of type "
                          f"v1.{struct}", kind=kind)
    for k, v in node.items():
        want = fields.get(k)
        if want is None:
            raise DecodeError(prefix + f'strict decoding error: unknown field "{_path(loc + (k,))}"', kind=kind)
        if v is None:
            continue
        got = _JSON_KIND.get(type(v), "value")
        ok = (got == "number" and want == _I and isinstance(v, int)) or got == want
        if not ok:
            raise DecodeError(prefix + f"json: cannot unmarshal {got} into Go struct field {struct}.{path}.{k} "
                              f"of type {want if want in (_S, _B, _I) else 'v1.' + k}", kind=kind)


def _is_surrogate_free(s: str) -> bool:
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _fix_surrogates(s: str) -> str:
    # encoding/json decodes an invalid UTF-16 escape (a lone surrogate) as U+FFFD
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in s)


def _prescan(cls: type[KubeObject], data: dict) -> dict:
    """Walk the raw manifest once, iteratively: refuse nesting deeper than MAX_DEPTH and
    numbers that overflow their Go type (``json: cannot unmarshal number 1e400 into Go struct
    field DeploymentSpec.spec.replicas of type int32``), and replace lone surrogates with
    U+FFFD as encoding/json does. Returns ``data`` itself, or a fixed copy."""
    prefix = f'{cls.KIND} in version "{cls.VERSION}" cannot be handled as a {cls.KIND}: '
    bad_strings = False
    stack: list[tuple[Any, tuple, bool]] = [(data, (), False)]
    while stack:
        node, loc, in_quantities = stack.pop()
        if len(loc) > MAX_DEPTH:
            raise DecodeError(prefix + f"json: exceeded max depth of {MAX_DEPTH}", kind=cls.KIND)
        shape = _shape_of(loc) if loc else None
        if shape is not None:
            if isinstance(node, list) and shape[0] == "VolumeMount":
                for i, m in enumerate(node):
                    _check_shape(prefix, cls.KIND, m, loc + (i,), shape)
            else:
                _check_shape(prefix, cls.KIND, node, loc, shape)
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and not _is_surrogate_free(k):
                    bad_strings = True
                stack.append((v, loc + (k,), k in _QUANTITY_MAPS))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                stack.append((v, loc + (i,), in_quantities))
        elif isinstance(node, str):
            if not _is_surrogate_free(node):
                bad_strings = True
        elif isinstance(node, int) and not isinstance(node, bool) and not in_quantities:
            name = next((p for p in reversed(loc) if isinstance(p, str)), "")
            go = "int64" if name in INT64_FIELDS else "int32"
            lo, hi = _INT64 if go == "int64" else _INT32
            if not lo <= node <= hi:
                field = _path(tuple(p for p in loc if not isinstance(p, int)))
                shown = str(node) if len(str(node)) <= 30 else f"{str(node)[0]}e{len(str(node)) - 1}"
                raise DecodeError(prefix + f"json: cannot unmarshal number {shown} into Go struct field "
                                  f"{_go_struct_name(cls, loc)}.{field} of type {go}", kind=cls.KIND)
        elif isinstance(node, float) and (node != node or node in (float("inf"), float("-inf"))):
            # JSON has no NaN or Infinity: Go's encoder refuses them on the client side
            raise DecodeError(prefix + f"json: unsupported value: {'NaN' if node != node else repr(node)}",
                              kind=cls.KIND)
    return _rebuild(data) if bad_strings else data


def _rebuild(data: Any) -> Any:
    """A copy of ``data`` with lone surrogates replaced (iterative: depth is bounded above)."""
    if isinstance(data, str):
        return _fix_surrogates(data)
    root: Any = {} if isinstance(data, dict) else []
    stack = [(data, root)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for k, v in items:
            if isinstance(v, (dict, list)):
                new: Any = {} if isinstance(v, dict) else []
                stack.append((v, new))
            elif isinstance(v, str):
                new = _fix_surrogates(v)
            else:
                new = v
            if isinstance(dst, dict):
                dst[_fix_surrogates(k) if isinstance(k, str) else k] = new
            else:
                dst.append(new)
    return root


def decode(data: dict[str, Any]) -> KubeObject:
    """Turn a manifest dict into its typed object, as the API server's strict decoder does.

    Raises :class:`DecodeError` with the real server's wording.
    """
    if not isinstance(data, dict):
        raise DecodeError(f"error decoding: expected an object, got {type(data).__name__}")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    # unstructured's accessors read a field of the wrong type as unset
    api_version = api_version if isinstance(api_version, str) else None
    kind = kind if isinstance(kind, str) else None
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
    data = _prescan(cls, data)
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
        if want == "model":
            go_type = "v1." + _go_struct_name(cls, loc + ("",))
        elif want == "dict":
            go_type = "map[string]string"
        elif want == "list":
            go_type = "[]interface {}"
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
