"""core/v1 validation, as the kube-apiserver runs it.

Mirrors ``pkg/apis/core/validation/validation.go`` of kubernetes/kubernetes
(~v1.31): ValidatePodCreate / ValidatePodSpec / validateContainers /
validateContainerPorts / ValidateEnv / ValidateResourceRequirements /
ValidateTolerations / validateAffinity / ValidateVolumes, ValidateNode,
ValidateService, ValidateConfigMap, ValidateSecret, ValidateNamespace and the
cheap parts of ValidatePodUpdate.  Messages and field paths are upstream's.

Validation runs on a *defaulted* object (kubelab.api.defaults), as upstream's
does; a field left ``None`` by the caller is treated as Go's zero value.

A quantity that does not parse never reaches validation in the real server:
the body fails to decode and the answer is a 400 BadRequest.  ``check_decode``
raises exactly that StatusError (see kubelab.api.errors.new_decode_error).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Iterable, Optional, Sequence

from pydantic import BaseModel

from .. import errors as apierrors
from ..field import (
    ErrorList,
    Path,
    duplicate,
    forbidden,
    go_quote,
    invalid,
    new_path,
    not_found,
    not_supported,
    required,
    too_long,
)
from ..quantity import Quantity, QuantityParseError, parse_quantity
from .names import (
    FIELD_IMMUTABLE_ERROR_MSG,
    inclusive_range_error,
    is_config_map_key,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_env_var_name,
    is_qualified_name,
    is_valid_ip,
    is_valid_label_value,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    validate_annotations,
    validate_label_name,
    validate_label_selector,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = [
    "MAX_SECRET_SIZE",
    "check_decode",
    "validate_config_map",
    "validate_config_map_update",
    "validate_container_resource_requirements",
    "validate_namespace",
    "validate_node",
    "validate_pod",
    "validate_pod_spec",
    "validate_pod_template_spec",
    "validate_pod_update",
    "validate_secret",
    "validate_secret_update",
    "validate_service",
    "validate_service_update",
    "validate_tolerations",
]

MAX_INT32 = (1 << 31) - 1
MAX_SECRET_SIZE = 1 * 1024 * 1024  # core.MaxSecretSize

# name validators (validation.go: ValidatePodName = NameIsDNSSubdomain, ...)
validate_pod_name = name_is_dns_subdomain
validate_node_name = name_is_dns_subdomain
validate_service_account_name = name_is_dns_subdomain
validate_config_map_name = name_is_dns_subdomain
validate_secret_name = name_is_dns_subdomain
validate_priority_class_name = name_is_dns_subdomain
validate_service_name = name_is_dns1035_label
validate_namespace_name = name_is_dns_label

SUPPORTED_PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]  # sets.List(supportedPortProtocols)
STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
INTEGER_RESOURCES = {"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                     "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"}


def _v(x: Any, default: Any = None) -> Any:
    return default if x is None else x


# per model class: the names its instances answer from the class (attributes, methods,
# properties) and its fields by wire name (the first field with that alias)
_CLASS_NAMES: dict[type, tuple[frozenset, dict[str, str]]] = {}


def _class_names(t: type) -> tuple[frozenset, dict[str, str]]:
    aliases: dict[str, str] = {}
    for name, f in t.model_fields.items():
        if f.alias is not None:
            aliases.setdefault(f.alias, name)
    got = _CLASS_NAMES[t] = (frozenset(dir(t)), aliases)
    return got


def _dict_get(d: Any, key: str, default: Any = None) -> Any:
    """``key`` (the wire name) from a dict or a model (whose attribute may be snake_case)."""
    if isinstance(d, dict):
        return d.get(key, default)
    t = type(d)
    names = _CLASS_NAMES.get(t)
    if names is None and isinstance(d, BaseModel):
        names = _class_names(t)
    if names is not None:
        # what hasattr(d, key) answers, without pydantic's __getattr__ raising for a miss
        # (a field, an extra field of a Loose model, or something of the class)
        extra = d.__pydantic_extra__
        if key in d.__dict__ or (extra is not None and key in extra) or (key in names[0] and hasattr(d, key)):
            return getattr(d, key)
        name = names[1].get(key)
        return getattr(d, name) if name is not None else default
    if hasattr(d, key):
        return getattr(d, key)
    for name, f in getattr(type(d), "model_fields", {}).items():
        if f.alias == key:
            return getattr(d, name)
    return default


def validate_dns1123_label(value: str, fld_path: Path) -> ErrorList:
    """ValidateDNS1123Label."""
    return ErrorList(invalid(fld_path, value, m) for m in is_dns1123_label(value))


def validate_dns1123_subdomain(value: str, fld_path: Path) -> ErrorList:
    """ValidateDNS1123Subdomain."""
    return ErrorList(invalid(fld_path, value, m) for m in is_dns1123_subdomain(value))


# ---------------------------------------------------------------------------
# decoding (the 400 that precedes validation)

_MISSING = object()


def _attr(o: Any, name: str, default: Any = None) -> Any:
    """``getattr(o, name, default)`` without pydantic's ``__getattr__`` for a name the model
    does not have (it raises and catches inside: the slow part of a miss). A model's fields
    live in its ``__dict__``; anything else (a class attribute, an extra field, a private
    attribute, or not a model at all) takes the ordinary path."""
    d = getattr(o, "__dict__", None)
    if d is None:
        return getattr(o, name, default)
    if name in d:
        return d[name]
    t = type(o)
    ordinary = _CLASS_HAS.get((t, name))
    if ordinary is None:
        ordinary = _CLASS_HAS[(t, name)] = hasattr(t, name) or bool(getattr(t, "__private_attributes__", None))
    if ordinary or getattr(o, "__pydantic_extra__", None):
        return getattr(o, name, default)
    return default


_CLASS_HAS: dict[tuple[type, str], bool] = {}  # (class, name): the class has it, or private attributes


def _resource_maps(obj: Any) -> Iterable[tuple[str, dict]]:
    """(JSON path, map) of every resource quantity map in ``obj``."""
    spec = _attr(obj, "spec")
    pod_specs = []
    if spec is not None:
        if _attr(spec, "containers", _MISSING) is not _MISSING:
            pod_specs.append(("spec", spec))
        tmpl = _attr(spec, "template")
        if tmpl is not None and _attr(tmpl, "spec", _MISSING) is not _MISSING:
            pod_specs.append(("spec.template.spec", tmpl.spec))
        jt = _attr(spec, "job_template")
        if jt is not None:
            pod_specs.append(("spec.jobTemplate.spec.template.spec", jt.spec.template.spec))
    for path, ps in pod_specs:
        for field, cs in (("initContainers", ps.init_containers or []), ("containers", ps.containers or [])):
            for i, c in enumerate(cs):
                if c.resources is not None:
                    yield f"{path}.{field}[{i}].resources.limits", c.resources.limits or {}
                    yield f"{path}.{field}[{i}].resources.requests", c.resources.requests or {}
        if _attr(ps, "overhead"):
            yield f"{path}.overhead", ps.overhead
        if _attr(ps, "resources") is not None:
            yield f"{path}.resources.limits", ps.resources.limits or {}
            yield f"{path}.resources.requests", ps.resources.requests or {}
    if getattr(type(obj), "KIND", "") == "LimitRange":
        for i, item in enumerate(obj.spec.limits or ()):
            for attr, name in (("max", "max"), ("min", "min"), ("default", "default"),
                               ("default_request", "defaultRequest"), ("max_limit_request_ratio", "maxLimitRequestRatio")):
                if getattr(item, attr):
                    yield f"spec.limits[{i}].{name}", getattr(item, attr)
    if getattr(type(obj), "KIND", "") == "ResourceQuota" and obj.spec.hard:
        yield "spec.hard", obj.spec.hard
    status = _attr(obj, "status")
    for attr in ("capacity", "allocatable"):
        m = _attr(status, attr) if status is not None else None
        if m:
            yield f"status.{attr}", m


def quantity_hint(path: str, value: Any) -> str:
    """A learner's note for a quantity that does not parse: the field, the value, the fix
    (``memory: 5GB`` → ``use 5G (10^9 bytes) or 5Gi (2^30 bytes)``). The error's message
    stays the API server's; this goes in the exception's notes."""
    import re

    text = str(value).strip()
    m = re.fullmatch(r"([0-9.]+)\s*([a-zA-Z]*)", text)
    fix = "a number with an optional suffix: m (milli), k, M, G, T (powers of 10) or Ki, Mi, Gi, Ti (powers of 2)"
    if m:
        num, unit = m.groups()
        u = unit.lower().rstrip("b")  # GB, gb, G -> g; GiB -> gi
        decimal = {"k": "k", "m": "M", "g": "G", "t": "T", "p": "P", "e": "E"}
        if u in decimal:
            p = decimal[u]
            fix = f"use {num}{p} ({p} = 10^{3 * 'kMGTPE'.index(p) + 3}) or {num}{p if p != 'k' else 'K'}i " \
                  f"({p if p != 'k' else 'K'}i = 2^{10 * ('kMGTPE'.index(p) + 1)})"
        elif u.endswith("i") and u[:-1] in decimal:
            p = decimal[u[:-1]]
            fix = f"use {num}{p if p != 'k' else 'K'}i (the suffix is case-sensitive)"
        elif u in ("cpu", "cpus", "core", "cores", "c"):
            fix = f"use {num} (cores) or {int(float(num) * 1000)}m (millicores)" if num.replace(".", "", 1).isdigit() else fix
    return f'{path}: "{text}" is not a quantity: {fix}'


def check_decode(obj: Any) -> None:
    """Raise the apiserver's decode error (400 BadRequest) if a quantity in
    ``obj`` does not parse::

        Deployment in version "v1" cannot be handled as a Deployment: quantities must match ...

    (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go transformDecodeError;
    kubectl shows it as ``Error from server (BadRequest): error when creating "STDIN": ...``).
    The message is the real one, which names neither the field nor the value; a note on
    the exception (shown under a traceback) names both and the fix (:func:`quantity_hint`).
    """
    for path, m in _resource_maps(obj):
        for key, v in m.items():
            try:
                parse_quantity(v)
            except QuantityParseError as e:
                version = getattr(type(obj), "VERSION", "v1")
                kind = getattr(type(obj), "KIND", "") or type(obj).__name__
                err = apierrors.new_decode_error(kind, version, e.message)
                err.add_note(quantity_hint(f"{path}.{key}", v))
                raise err from None


def _q(v: Any) -> Quantity:
    return parse_quantity(v)


# ---------------------------------------------------------------------------
# containers

def _validate_container_ports(ports: Sequence[Any], fld_path: Path) -> ErrorList:
    """validateContainerPorts."""
    errs = ErrorList()
    all_names: set[str] = set()
    for i, port in enumerate(ports or []):
        idx = fld_path.index(i)
        name = port.name or ""
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                errs.extend(invalid(idx.child("name"), name, m) for m in msgs)
            elif name in all_names:
                errs.append(duplicate(idx.child("name"), name))
            else:
                all_names.add(name)
        cp = port.container_port or 0
        if cp == 0:
            errs.append(required(idx.child("containerPort"), ""))
        else:
            errs.extend(invalid(idx.child("containerPort"), cp, m) for m in is_valid_port_num(cp))
        hp = port.host_port or 0
        if hp != 0:
            errs.extend(invalid(idx.child("hostPort"), hp, m) for m in is_valid_port_num(hp))
        proto = port.protocol or ""
        if not proto:
            errs.append(required(idx.child("protocol"), ""))
        elif proto not in SUPPORTED_PORT_PROTOCOLS:
            errs.append(not_supported(idx.child("protocol"), proto, SUPPORTED_PORT_PROTOCOLS))
    return errs


def _validate_env(env: Sequence[Any], fld_path: Path) -> ErrorList:
    """ValidateEnv."""
    errs = ErrorList()
    for i, ev in enumerate(env or []):
        idx = fld_path.index(i)
        if not ev.name:
            errs.append(required(idx.child("name"), ""))
        else:
            errs.extend(invalid(idx.child("name"), ev.name, m) for m in is_env_var_name(ev.name))
        if ev.value_from is not None:
            n = sum(1 for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
                    if ev.value_from.get(k) is not None)
            if n == 0:
                errs.append(invalid(idx.child("valueFrom"), "",
                                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                                    "or `secretKeyRef`"))
            elif ev.value:
                errs.append(invalid(idx.child("valueFrom"), "",
                                    "may not be specified when `value` is not empty"))
    return errs


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _is_extended(name: str) -> bool:
    # helper.IsExtendedResourceName
    if _is_native(name) or name.startswith("requests."):
        return False
    return not is_qualified_name("requests." + name)


def _is_overcommit_allowed(name: str) -> bool:
    return _is_native(name) and not _is_hugepages(name)


def _validate_resource_name(name: str, fld_path: Path) -> ErrorList:
    """validateContainerResourceName (+ validateResourceName)."""
    errs = ErrorList(invalid(fld_path, name, m) for m in is_qualified_name(name))
    if errs:
        return errs
    if "/" not in name:
        if name not in STANDARD_CONTAINER_RESOURCES and not _is_hugepages(name):
            errs.append(invalid(fld_path, name, "must be a standard resource for containers"))
    elif not _is_native(name):
        if not _is_extended(name):
            errs.append(invalid(fld_path, name, "doesn't follow extended resource name standard"))
    return errs


def _validate_resource_quantity_value(name: str, q: Quantity, fld_path: Path) -> ErrorList:
    """ValidateResourceQuantityValue: non-negative, and whole for integer resources."""
    errs = ErrorList()
    if q.sign() < 0:
        errs.append(invalid(fld_path, str(q), "must be greater than or equal to 0"))
    if name in INTEGER_RESOURCES or _is_extended(name):
        if q.milli_value() % 1000 != 0:
            errs.append(invalid(fld_path, q, "must be an integer"))
    return errs


def validate_container_resource_requirements(res: Any, fld_path: Path) -> ErrorList:
    """ValidateContainerResourceRequirements: names, quantities, request <= limit."""
    errs = ErrorList()
    if res is None:
        return errs
    lim_path = fld_path.child("limits")
    req_path = fld_path.child("requests")
    limits = {k: _q(v) for k, v in (res.limits or {}).items()}
    requests = {k: _q(v) for k, v in (res.requests or {}).items()}
    for name, q in limits.items():
        p = lim_path.key(name)
        errs.extend(_validate_resource_name(name, p))
        errs.extend(_validate_resource_quantity_value(name, q, p))
    for name, q in requests.items():
        p = req_path.key(name)
        errs.extend(_validate_resource_name(name, p))
        errs.extend(_validate_resource_quantity_value(name, q, p))
        lim = limits.get(name)
        if lim is not None:
            # For non overcommitable resources, requests must equal limits.
            if q.cmp(lim) != 0 and not _is_overcommit_allowed(name):
                errs.append(invalid(req_path, str(q), f"must be equal to {name} limit of {lim}"))
            elif q.cmp(lim) > 0:
                errs.append(invalid(req_path, str(q), f"must be less than or equal to {name} limit of {lim}"))
        elif not _is_overcommit_allowed(name):
            errs.append(required(lim_path, "Limit must be set for non overcommitable resources"))
    return errs


def _validate_pull_policy(policy: Optional[str], fld_path: Path) -> ErrorList:
    """validatePullPolicy."""
    p = policy or ""
    if p in ("Always", "IfNotPresent", "Never"):
        return ErrorList()
    if p == "":
        return ErrorList([required(fld_path, "")])
    return ErrorList([not_supported(fld_path, p, ["Always", "IfNotPresent", "Never"])])


def _validate_volume_mounts(mounts: Sequence[Any], volumes: set[str], fld_path: Path) -> ErrorList:
    """ValidateVolumeMounts (names, mountPath)."""
    errs = ErrorList()
    seen: set[str] = set()
    for i, m in enumerate(mounts or []):
        idx = fld_path.index(i)
        name = _dict_get(m, "name", "") or ""
        mount_path = _dict_get(m, "mountPath", "") or ""
        if not name:
            errs.append(required(idx.child("name"), ""))
        if name not in volumes:
            errs.append(not_found(idx.child("name"), name))
        if not mount_path:
            errs.append(required(idx.child("mountPath"), ""))
        if mount_path in seen:
            errs.append(invalid(idx.child("mountPath"), mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def _validate_container_common(ctr: Any, volumes: set[str], path: Path) -> ErrorList:
    """validateContainerCommon."""
    errs = ErrorList()
    name_path = path.child("name")
    if not ctr.name:
        errs.append(required(name_path, ""))
    else:
        errs.extend(validate_dns1123_label(ctr.name, name_path))
    if not ctr.image:
        errs.append(required(path.child("image"), ""))
    tmp = ctr.termination_message_policy or ""
    if tmp in ("File", "FallbackToLogsOnError"):
        pass
    elif tmp == "":
        errs.append(required(path.child("terminationMessagePolicy"), "must be 'File' or 'FallbackToLogsOnError'"))
    else:
        errs.append(invalid(path.child("terminationMessagePolicy"), tmp, "must be 'File' or 'FallbackToLogsOnError'"))
    errs.extend(_validate_container_ports(ctr.ports or [], path.child("ports")))
    errs.extend(_validate_env(ctr.env or [], path.child("env")))
    errs.extend(_validate_volume_mounts(ctr.volume_mounts or [], volumes, path.child("volumeMounts")))
    errs.extend(_validate_pull_policy(ctr.image_pull_policy, path.child("imagePullPolicy")))
    errs.extend(validate_container_resource_requirements(ctr.resources, path.child("resources")))
    return errs


_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _validate_probe(probe: Any, fld_path: Path, kind: str) -> ErrorList:
    """validateProbe, validateHandler and the per-kind checks of validateContainers
    (pkg/apis/core/validation/validation.go): exactly one handler, non-negative timings
    (defaulting has turned zeros into the defaults), successThreshold 1 for liveness and
    startup probes, no terminationGracePeriodSeconds on a readiness probe."""
    errs = ErrorList()
    if probe is None:
        return errs
    if not isinstance(probe, dict):
        return ErrorList([invalid(fld_path, probe, "must be an object")])
    handlers = 0
    for h in _PROBE_HANDLERS:
        action = probe.get(h)
        if action is None:
            continue
        hp = fld_path.child(h)
        if handlers > 0:
            errs.append(forbidden(hp, "may not specify more than 1 handler type"))
            continue
        handlers += 1
        action = action if isinstance(action, dict) else {}
        if h == "exec":
            if not action.get("command"):
                errs.append(required(hp.child("command"), ""))
        elif h == "httpGet":
            if not action.get("path"):
                errs.append(required(hp.child("path"), ""))
            errs.extend(_validate_port_num_or_name(action.get("port", 0), hp.child("port")))
            scheme = action.get("scheme", "HTTP")
            if scheme not in ("HTTP", "HTTPS"):
                errs.append(not_supported(hp.child("scheme"), scheme, ["HTTP", "HTTPS"]))
        elif h == "tcpSocket":
            errs.extend(_validate_port_num_or_name(action.get("port", 0), hp.child("port")))
        else:
            errs.extend(ErrorList(invalid(hp.child("port"), action.get("port", 0), m)
                                  for m in is_valid_port_num(action.get("port", 0) if isinstance(action.get("port", 0), int) else -1)))
    if handlers == 0:
        errs.append(required(fld_path, "must specify a handler type"))
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        v = probe.get(key, 0)
        if isinstance(v, int) and v < 0:
            errs.append(invalid(fld_path.child(key), v, "must be greater than or equal to 0"))
    tgp = probe.get("terminationGracePeriodSeconds")
    if tgp is not None and kind != "readiness" and isinstance(tgp, int) and tgp <= 0:
        errs.append(invalid(fld_path.child("terminationGracePeriodSeconds"), tgp, "must be greater than 0"))
    if kind == "readiness" and tgp is not None:
        errs.append(invalid(fld_path.child("terminationGracePeriodSeconds"), tgp, "must not be set for readinessProbes"))
    if kind in ("liveness", "startup") and probe.get("successThreshold", 1) != 1:
        errs.append(invalid(fld_path.child("successThreshold"), probe.get("successThreshold"), "must be 1"))
    return errs


def _validate_probes(ctr: Any, path: Path) -> ErrorList:
    errs = ErrorList()
    errs.extend(_validate_probe(ctr.liveness_probe, path.child("livenessProbe"), "liveness"))
    errs.extend(_validate_probe(ctr.readiness_probe, path.child("readinessProbe"), "readiness"))
    errs.extend(_validate_probe(ctr.startup_probe, path.child("startupProbe"), "startup"))
    return errs


def _validate_containers(containers: Sequence[Any], volumes: set[str], fld_path: Path) -> ErrorList:
    """validateContainers."""
    errs = ErrorList()
    if not containers:
        errs.append(required(fld_path, ""))
    names: set[str] = set()
    for i, ctr in enumerate(containers or []):
        path = fld_path.index(i)
        errs.extend(_validate_container_common(ctr, volumes, path))
        errs.extend(_validate_probes(ctr, path))
        if ctr.name in names:
            errs.append(duplicate(path.child("name"), ctr.name))
        else:
            names.add(ctr.name)
        if ctr.restart_policy is not None:
            errs.append(forbidden(path.child("restartPolicy"), "may not be set for non-init containers"))
    return errs


def _validate_init_containers(init: Sequence[Any], regular: Sequence[Any], volumes: set[str],
                              fld_path: Path) -> ErrorList:
    """validateInitContainers."""
    errs = ErrorList()
    names = {c.name for c in regular or []}
    for i, ctr in enumerate(init or []):
        idx = fld_path.index(i)
        errs.extend(_validate_container_common(ctr, volumes, idx))
        if ctr.name in names:
            errs.append(duplicate(idx.child("name"), ctr.name))
        elif ctr.name:
            names.add(ctr.name)
        if ctr.restart_policy is not None and ctr.restart_policy != "Always":
            errs.append(not_supported(idx.child("restartPolicy"), ctr.restart_policy, ["Always"]))
        if ctr.restart_policy == "Always":
            errs.extend(_validate_probes(ctr, idx))
        else:
            for fld, value in (("lifecycle", ctr.lifecycle), ("livenessProbe", ctr.liveness_probe),
                               ("readinessProbe", ctr.readiness_probe), ("startupProbe", ctr.startup_probe)):
                if value is not None:
                    errs.append(forbidden(idx.child(fld), "may not be set for init containers without restartPolicy=Always"))
    return errs


_VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
                   "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
                   "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
                   "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
                   "storageos", "csi", "ephemeral", "image")


def _validate_volumes(volumes: Sequence[Any], fld_path: Path) -> tuple[set[str], ErrorList]:
    """ValidateVolumes: names are unique DNS-1123 labels; exactly one source."""
    errs = ErrorList()
    names: set[str] = set()
    for i, vol in enumerate(volumes or []):
        idx = fld_path.index(i)
        name = _dict_get(vol, "name", "") or ""
        name_path = idx.child("name")
        if not name:
            errs.append(required(name_path, ""))
        else:
            errs.extend(validate_dns1123_label(name, name_path))
        if name in names:
            errs.append(duplicate(name_path, name))
        sources = [k for k in _VOLUME_SOURCES if _dict_get(vol, k) is not None]
        if not sources:
            errs.append(required(idx, "must specify a volume type"))
        for extra in sources[1:]:
            errs.append(forbidden(idx.child(extra), "may not specify more than 1 volume type"))
        names.add(name)
    return names, errs


def _validate_restart_policy(policy: Optional[str], fld_path: Path) -> ErrorList:
    """validateRestartPolicy."""
    p = policy or ""
    if p in ("Always", "OnFailure", "Never"):
        return ErrorList()
    if p == "":
        return ErrorList([required(fld_path, "")])
    return ErrorList([not_supported(fld_path, p, ["Always", "OnFailure", "Never"])])


def _validate_dns_policy(policy: Optional[str], fld_path: Path) -> ErrorList:
    """validateDNSPolicy."""
    valid = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    p = policy or ""
    if p in valid:
        return ErrorList()
    if p == "":
        return ErrorList([required(fld_path, "")])
    return ErrorList([not_supported(fld_path, p, valid)])


def _validate_taint_effect(effect: Optional[str], allow_empty: bool, fld_path: Path) -> ErrorList:
    """validateTaintEffect."""
    e = effect or ""
    if not allow_empty and e == "":
        return ErrorList([required(fld_path, "")])
    if e in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
        return ErrorList()
    return ErrorList([not_supported(fld_path, e, ["NoSchedule", "PreferNoSchedule", "NoExecute"])])


class _GoStruct:
    """A value that renders as Go's %#v of a struct (for BadValue)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __go_repr__(self) -> str:
        return self.text


def _go_str_ptr_int64(v: Optional[int]) -> str:
    return "(*int64)(nil)" if v is None else "(*int64)(0xc000000000)"


def _toleration_go(t: Any) -> _GoStruct:
    from ..field import go_quote
    return _GoStruct(
        f"core.Toleration{{Key:{go_quote(t.key or '')}, Operator:{go_quote(t.operator or '')}, "
        f"Value:{go_quote(t.value or '')}, Effect:{go_quote(t.effect or '')}, "
        f"TolerationSeconds:{_go_str_ptr_int64(t.toleration_seconds)}}}")


def validate_tolerations(tolerations: Sequence[Any], fld_path: Path) -> ErrorList:
    """ValidateTolerations."""
    errs = ErrorList()
    for i, t in enumerate(tolerations or []):
        idx = fld_path.index(i)
        key = t.key or ""
        op = t.operator or ""
        if key:
            errs.extend(validate_label_name(key, idx.child("key")))
        if not key and op != "Exists":
            errs.append(invalid(idx.child("operator"), op,
                                'operator must be Exists when `key` is empty, which means "match all values and all keys"'))
        if t.toleration_seconds is not None and (t.effect or "") != "NoExecute":
            errs.append(invalid(idx.child("effect"), t.effect or "",
                                "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            msgs = is_valid_label_value(t.value or "")
            if msgs:
                errs.append(invalid(idx.child("operator"), t.value or "", ";".join(msgs)))
        elif op == "Exists":
            if t.value:
                errs.append(invalid(idx.child("operator"), _toleration_go(t),
                                    "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(not_supported(idx.child("operator"), op, ["Equal", "Exists"]))
        if t.effect:
            errs.extend(_validate_taint_effect(t.effect, True, idx.child("effect")))
    return errs


def _validate_node_selector_requirement(rq: Any, fld_path: Path) -> ErrorList:
    """ValidateNodeSelectorRequirement."""
    errs = ErrorList()
    values = rq.values or []
    op = rq.operator
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(fld_path.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(fld_path.child("values"),
                                  "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(required(fld_path.child("values"),
                                 "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errs.append(invalid(fld_path.child("operator"), op, "not a valid selector operator"))
    errs.extend(validate_label_name(rq.key, fld_path.child("key")))
    return errs


def _validate_node_selector_term(term: Any, fld_path: Path) -> ErrorList:
    errs = ErrorList()
    for j, req in enumerate(term.match_expressions or []):
        errs.extend(_validate_node_selector_requirement(req, fld_path.child("matchExpressions").index(j)))
    for j, req in enumerate(term.match_fields or []):
        p = fld_path.child("matchFields").index(j)
        if req.key != "metadata.name":
            errs.append(invalid(p.child("key"), req.key, "not a valid field selector key"))
        if req.operator not in ("In", "NotIn"):
            errs.append(invalid(p.child("operator"), req.operator, "not a valid selector operator"))
        elif len(req.values or []) != 1:
            errs.append(required(p.child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
    return errs


def _validate_pod_affinity_term(term: Any, fld_path: Path) -> ErrorList:
    errs = ErrorList()
    errs.extend(validate_label_selector(term.label_selector, fld_path.child("labelSelector")))
    errs.extend(validate_label_selector(term.namespace_selector, fld_path.child("namespaceSelector")))
    for name in term.namespaces or []:
        errs.extend(invalid(fld_path.child("namespace"), name, m) for m in name_is_dns_label(name, False))
    if not term.topology_key:
        errs.append(required(fld_path.child("topologyKey"), "can not be empty"))
    else:
        errs.extend(validate_label_name(term.topology_key, fld_path.child("topologyKey")))
    return errs


def _validate_affinity(aff: Any, fld_path: Path) -> ErrorList:
    """validateAffinity."""
    errs = ErrorList()
    if aff is None:
        return errs
    na = aff.node_affinity
    if na is not None:
        p = fld_path.child("nodeAffinity")
        req = na.required_during_scheduling_ignored_during_execution
        if req is not None:
            rp = p.child("requiredDuringSchedulingIgnoredDuringExecution")
            terms_path = rp.child("nodeSelectorTerms")
            if not req.node_selector_terms:
                errs.append(required(terms_path, "must have at least one node selector term"))
            for i, term in enumerate(req.node_selector_terms or []):
                errs.extend(_validate_node_selector_term(term, terms_path.index(i)))
        for i, pref in enumerate(na.preferred_during_scheduling_ignored_during_execution or []):
            pp = p.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
            if pref.weight <= 0 or pref.weight > 100:
                errs.append(invalid(pp.child("weight"), pref.weight, "must be in the range 1-100"))
            errs.extend(_validate_node_selector_term(pref.preference, pp.child("preference")))
    for attr, go in (("pod_affinity", "podAffinity"), ("pod_anti_affinity", "podAntiAffinity")):
        pa = getattr(aff, attr)
        if pa is None:
            continue
        p = fld_path.child(go)
        for i, term in enumerate(pa.required_during_scheduling_ignored_during_execution or []):
            errs.extend(_validate_pod_affinity_term(
                term, p.child("requiredDuringSchedulingIgnoredDuringExecution").index(i)))
        for i, w in enumerate(pa.preferred_during_scheduling_ignored_during_execution or []):
            wp = p.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
            if w.weight <= 0 or w.weight > 100:
                errs.append(invalid(wp.child("weight"), w.weight, "must be in the range 1-100"))
            errs.extend(_validate_pod_affinity_term(w.pod_affinity_term, wp.child("podAffinityTerm")))
    return errs


def _validate_topology_spread_constraints(constraints: Sequence[Any], fld_path: Path) -> ErrorList:
    """validateTopologySpreadConstraints (the common checks)."""
    errs = ErrorList()
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(constraints or []):
        p = fld_path.index(i)
        if c.max_skew <= 0:
            errs.append(invalid(p.child("maxSkew"), c.max_skew, "must be greater than zero"))
        if not c.topology_key:
            errs.append(required(p.child("topologyKey"), "can not be empty"))
        else:
            errs.extend(validate_label_name(c.topology_key, p.child("topologyKey")))
        if c.when_unsatisfiable not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(not_supported(p.child("whenUnsatisfiable"), c.when_unsatisfiable,
                                      ["DoNotSchedule", "ScheduleAnyway"]))
        pair = (c.topology_key, c.when_unsatisfiable)
        if pair in seen:
            errs.append(duplicate(p, f"{{{c.topology_key}, {c.when_unsatisfiable}}}"))
        seen.add(pair)
        if c.min_domains is not None and c.min_domains <= 0:
            errs.append(invalid(p.child("minDomains"), c.min_domains, "must be greater than 0"))
    return errs


def validate_pod_spec(spec: Any, fld_path: Path) -> ErrorList:
    """ValidatePodSpec."""
    errs = ErrorList()
    vols, verrs = _validate_volumes(spec.volumes or [], fld_path.child("volumes"))
    errs.extend(verrs)
    errs.extend(_validate_containers(spec.containers or [], vols, fld_path.child("containers")))
    errs.extend(_validate_init_containers(spec.init_containers or [], spec.containers or [], vols,
                                          fld_path.child("initContainers")))
    errs.extend(_validate_restart_policy(spec.restart_policy, fld_path.child("restartPolicy")))
    errs.extend(_validate_dns_policy(spec.dns_policy, fld_path.child("dnsPolicy")))
    errs.extend(validate_labels(spec.node_selector or {}, fld_path.child("nodeSelector")))
    errs.extend(_validate_affinity(spec.affinity, fld_path.child("affinity")))
    errs.extend(_validate_topology_spread_constraints(spec.topology_spread_constraints or [],
                                                      fld_path.child("topologySpreadConstraints")))
    if spec.service_account_name:
        errs.extend(invalid(fld_path.child("serviceAccountName"), spec.service_account_name, m)
                    for m in validate_service_account_name(spec.service_account_name, False))
    if spec.node_name:
        errs.extend(invalid(fld_path.child("nodeName"), spec.node_name, m)
                    for m in validate_node_name(spec.node_name, False))
    if spec.active_deadline_seconds is not None:
        v = spec.active_deadline_seconds
        if v < 1 or v > MAX_INT32:
            errs.append(invalid(fld_path.child("activeDeadlineSeconds"), v, inclusive_range_error(1, MAX_INT32)))
    if spec.hostname:
        errs.extend(validate_dns1123_label(spec.hostname, fld_path.child("hostname")))
    if spec.subdomain:
        errs.extend(validate_dns1123_label(spec.subdomain, fld_path.child("subdomain")))
    if spec.tolerations:
        errs.extend(validate_tolerations(spec.tolerations, fld_path.child("tolerations")))
    if spec.priority_class_name:
        errs.extend(invalid(fld_path.child("priorityClassName"), spec.priority_class_name, m)
                    for m in validate_priority_class_name(spec.priority_class_name, False))
    if spec.preemption_policy is not None and spec.preemption_policy not in ("PreemptLowerPriority", "Never"):
        errs.append(not_supported(fld_path.child("preemptionPolicy"), spec.preemption_policy,
                                  ["Never", "PreemptLowerPriority"]))
    if spec.overhead:
        for name, v in spec.overhead.items():
            p = fld_path.child("overhead").key(name)
            errs.extend(_validate_resource_name(name, p))
            errs.extend(_validate_resource_quantity_value(name, _q(v), p))
    return errs


def validate_pod_template_spec(template: Any, fld_path: Path) -> ErrorList:
    """ValidatePodTemplateSpec (note upstream's ``<path>.labels``, without ``metadata``)."""
    errs = ErrorList()
    errs.extend(validate_labels(template.metadata.labels or {}, fld_path.child("labels")))
    errs.extend(validate_annotations(template.metadata.annotations or {}, fld_path.child("annotations")))
    errs.extend(validate_pod_spec(template.spec, fld_path.child("spec")))
    if template.spec.ephemeral_containers:
        errs.append(forbidden(fld_path.child("spec", "ephemeralContainers"),
                              "ephemeral containers not allowed in pod template"))
    return errs


def validate_pod(pod: Any) -> ErrorList:
    """ValidatePodCreate."""
    meta = new_path("metadata")
    spec = new_path("spec")
    errs = validate_object_meta(pod.metadata, True, validate_pod_name, meta)
    errs.extend(validate_pod_spec(pod.spec, spec))
    if pod.spec.ephemeral_containers:
        errs.append(forbidden(spec.child("ephemeralContainers"), "cannot be set on create"))
    if pod.spec.node_name and pod.spec.scheduling_gates:
        errs.append(forbidden(spec.child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
    return errs


_POD_UPDATE_MSG = ("pod updates may not change fields other than `spec.containers[*].image`,"
                   "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                   "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                   "(allow it to be set to 1 if it was previously negative)")


def _spec_diff(old: dict, new: dict) -> str:
    """A cmp.Diff-shaped summary of the changed top-level fields."""
    lines = ["  core.PodSpec{"]
    for k in sorted(set(old) | set(new)):
        if old.get(k) != new.get(k):
            if k in old:
                lines.append(f"-\t{k[:1].upper() + k[1:]}: {old[k]!r},")
            if k in new:
                lines.append(f"+\t{k[:1].upper() + k[1:]}: {new[k]!r},")
    lines.append("  }")
    return "\n".join(lines) + "\n"


def validate_pod_update(new: Any, old: Any) -> ErrorList:
    """ValidatePodUpdate: metadata rules, then the spec may only change
    container images, activeDeadlineSeconds, added tolerations and a negative
    grace period set to 1."""
    meta = new_path("metadata")
    spec_path = new_path("spec")
    errs = validate_object_meta_update(new.metadata, old.metadata, meta)
    errs.extend(validate_pod_spec(new.spec, spec_path))
    # tolerations: only additions
    old_tols = old.spec.tolerations or []
    new_tols = new.spec.tolerations or []
    for i, ot in enumerate(old_tols):
        o = ot.model_dump(exclude={"toleration_seconds"})
        if not any(nt.model_dump(exclude={"toleration_seconds"}) == o for nt in new_tols):
            errs.append(forbidden(spec_path.child("tolerations").index(i),
                                  "existing toleration can not be modified except its tolerationSeconds"))
    a = new.spec.model_dump(by_alias=True, exclude_none=True)
    b = old.spec.model_dump(by_alias=True, exclude_none=True)
    for d, src in ((a, new.spec), (b, old.spec)):
        d.pop("activeDeadlineSeconds", None)
        d.pop("tolerations", None)
        for key in ("containers", "initContainers"):
            for c in d.get(key, []):
                c.pop("image", None)
    ogp = old.spec.termination_grace_period_seconds
    if ogp is not None and ogp < 0 and new.spec.termination_grace_period_seconds == 1:
        a.pop("terminationGracePeriodSeconds", None)
        b.pop("terminationGracePeriodSeconds", None)
    if a != b:
        errs.append(forbidden(spec_path, _POD_UPDATE_MSG + "\n" + _spec_diff(b, a)))
    return errs


# ---------------------------------------------------------------------------
# Node

def _taint_go(t: Any) -> _GoStruct:
    from ..field import go_quote
    return _GoStruct(f"core.Taint{{Key:{go_quote(t.key or '')}, Value:{go_quote(t.value or '')}, "
                     f"Effect:{go_quote(t.effect or '')}, TimeAdded:(*v1.Time)(nil)}}")


def validate_node(node: Any) -> ErrorList:
    """ValidateNode: name, taints (unique by key and effect), podCIDRs."""
    errs = validate_object_meta(node.metadata, False, validate_node_name, new_path("metadata"))
    spec = new_path("spec")
    seen: dict[str, set[str]] = {}
    for i, t in enumerate(node.spec.taints or []):
        idx = spec.child("taints").index(i)
        errs.extend(validate_label_name(t.key, idx.child("key")))
        msgs = is_valid_label_value(t.value or "")
        if msgs:
            errs.append(invalid(idx.child("value"), t.value or "", ";".join(msgs)))
        errs.extend(_validate_taint_effect(t.effect, False, idx.child("effect")))
        if t.key in seen.get(t.effect, set()):
            d = duplicate(idx, _taint_go(t))
            d.detail = "taints must be unique by key and effect pair"
            errs.append(d)
            continue
        seen.setdefault(t.effect, set()).add(t.key)
    cidrs = node.spec.pod_cidrs or ([node.spec.pod_cidr] if node.spec.pod_cidr else [])
    import ipaddress
    for i, c in enumerate(cidrs):
        try:
            ipaddress.ip_network(c, strict=False)
            ok = "/" in c
        except ValueError:
            ok = False
        if not ok:
            errs.append(invalid(spec.child("podCIDRs").index(i), c,
                                "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    return errs


# ---------------------------------------------------------------------------
# Service

SUPPORTED_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SUPPORTED_SESSION_AFFINITY = ["ClientIP", "None"]


def _validate_port_num_or_name(port: Any, fld_path: Path) -> ErrorList:
    """ValidatePortNumOrName."""
    if isinstance(port, int):
        return ErrorList(invalid(fld_path, port, m) for m in is_valid_port_num(port))
    return ErrorList(invalid(fld_path, port, m) for m in is_valid_port_name(str(port)))


def validate_service(svc: Any) -> ErrorList:
    """ValidateService."""
    errs = validate_object_meta(svc.metadata, True, validate_service_name, new_path("metadata"))
    spec = svc.spec
    sp = new_path("spec")
    stype = spec.type or ""
    headless = spec.cluster_ip == "None"
    ports = spec.ports or []
    if stype == "":
        errs.append(required(sp.child("type"), ""))
    if stype == "ExternalName":
        if spec.cluster_ip and spec.cluster_ip != "":
            errs.append(forbidden(sp.child("clusterIPs"), "may not be set for ExternalName services"))
        if not spec.external_name:
            errs.append(required(sp.child("externalName"), ""))
        else:
            errs.extend(invalid(sp.child("externalName"), spec.external_name, m)
                        for m in is_dns1123_subdomain(spec.external_name.rstrip(".")))
    if not ports and not headless and stype != "ExternalName":
        errs.append(required(sp.child("ports"), ""))
    names: set[str] = set()
    require_name = len(ports) > 1
    for i, p in enumerate(ports):
        pp = sp.child("ports").index(i)
        if require_name and not p.name:
            errs.append(required(pp.child("name"), ""))
        elif p.name:
            errs.extend(validate_dns1123_label(p.name, pp.child("name")))
            if p.name in names:
                errs.append(duplicate(pp.child("name"), p.name))
            else:
                names.add(p.name)
        errs.extend(invalid(pp.child("port"), p.port, m) for m in is_valid_port_num(p.port))
        if not p.protocol:
            errs.append(required(pp.child("protocol"), ""))
        elif p.protocol not in SUPPORTED_PORT_PROTOCOLS:
            errs.append(not_supported(pp.child("protocol"), p.protocol, SUPPORTED_PORT_PROTOCOLS))
        if p.target_port is not None:
            errs.extend(_validate_port_num_or_name(p.target_port, pp.child("targetPort")))
    if spec.selector:
        errs.extend(validate_labels(spec.selector, sp.child("selector")))
    sa = spec.session_affinity or ""
    if sa == "":
        errs.append(required(sp.child("sessionAffinity"), ""))
    elif sa not in SUPPORTED_SESSION_AFFINITY:
        errs.append(not_supported(sp.child("sessionAffinity"), sa, SUPPORTED_SESSION_AFFINITY))
    cips = list(spec.cluster_ips or ([spec.cluster_ip] if spec.cluster_ip else []))
    for i, ip in enumerate(cips):
        if i == 0 and ip == "None":
            if len(cips) > 1:
                errs.append(invalid(sp.child("clusterIPs"), cips, "'None' must be the first and only value"))
            continue
        errs.extend(is_valid_ip(sp.child("clusterIPs").index(i), ip))
    if stype == "ClusterIP":
        for i, p in enumerate(ports):
            if p.node_port:
                errs.append(forbidden(sp.child("ports").index(i).child("nodePort"),
                                      "may not be used when `type` is 'ClusterIP'"))
    if stype and stype not in SUPPORTED_SERVICE_TYPES:
        errs.append(not_supported(sp.child("type"), stype, SUPPORTED_SERVICE_TYPES))
    for i, ip in enumerate(spec.external_ips or []):
        errs.extend(is_valid_ip(sp.child("externalIPs").index(i), ip))
    return errs


def validate_service_update(new: Any, old: Any) -> ErrorList:
    """ValidateServiceUpdate: clusterIP may not change (except to/from ExternalName)."""
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    sp = new_path("spec")
    if (old.spec.type or "") != "ExternalName" and (new.spec.type or "") != "ExternalName":
        if old.spec.cluster_ip and new.spec.cluster_ip and new.spec.cluster_ip != old.spec.cluster_ip:
            errs.append(invalid(sp.child("clusterIPs").index(0), new.spec.cluster_ip,
                                "may not change once set"))
    errs.extend(validate_service(new))
    return errs


# ---------------------------------------------------------------------------
# ConfigMap, Secret, Namespace

class _Whole:
    """Renders as the whole object (TooLong hides the value anyway)."""

    def __go_repr__(self) -> str:  # pragma: no cover - not shown by TooLong
        return "<object>"


def validate_config_map(cm: Any) -> ErrorList:
    """ValidateConfigMap: keys are config keys; 1 MiB in total."""
    errs = validate_object_meta(cm.metadata, True, validate_config_map_name, new_path("metadata"))
    total = 0
    data = cm.data or {}
    binary = cm.binary_data or {}
    for key, value in data.items():
        errs.extend(invalid(new_path("data").key(key), key, m) for m in is_config_map_key(key))
        if key in binary:
            errs.append(invalid(new_path("data").key(key), key, "duplicate of key present in binaryData"))
        total += len(value.encode())
    for key, value in binary.items():
        errs.extend(invalid(new_path("binaryData").key(key), key, m) for m in is_config_map_key(key))
        total += _b64len(value)
    if total > MAX_SECRET_SIZE:
        errs.append(too_long(new_path(""), _Whole(), MAX_SECRET_SIZE))
    return errs


def _immutable_update(new: Any, old: Any, fields: Sequence[str]) -> ErrorList:
    errs = ErrorList()
    if old.immutable:
        if not new.immutable:
            errs.append(forbidden(new_path("immutable"), "field is immutable when `immutable` is set"))
        for f in fields:
            if getattr(new, f) != getattr(old, f):
                go = "binaryData" if f == "binary_data" else f
                errs.append(forbidden(new_path(go), "field is immutable when `immutable` is set"))
    return errs


def validate_config_map_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_immutable_update(new, old, ("data", "binary_data")))
    errs.extend(validate_config_map(new))
    return errs


def _b64len(v: str) -> int:
    try:
        return len(base64.b64decode(v, validate=False))
    except (binascii.Error, ValueError):
        return len(v)


def validate_secret(secret: Any) -> ErrorList:
    """ValidateSecret."""
    errs = validate_object_meta(secret.metadata, True, validate_secret_name, new_path("metadata"))
    data_path = new_path("data")
    data = dict(secret.data or {})
    total = 0
    for key, value in data.items():
        errs.extend(invalid(data_path.key(key), key, m) for m in is_config_map_key(key))
        total += _b64len(value)
    for key, value in (secret.string_data or {}).items():
        errs.extend(invalid(new_path("stringData").key(key), key, m) for m in is_config_map_key(key))
        if key not in data:
            total += len(value.encode())
    if total > MAX_SECRET_SIZE:
        errs.append(too_long(data_path, "", MAX_SECRET_SIZE))
    keys = set(data) | set(secret.string_data or {})
    stype = secret.type or ""
    if stype == "kubernetes.io/dockerconfigjson":
        if ".dockerconfigjson" not in keys:
            errs.append(required(data_path.key(".dockerconfigjson"), ""))
    elif stype == "kubernetes.io/dockercfg":
        if ".dockercfg" not in keys:
            errs.append(required(data_path.key(".dockercfg"), ""))
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in keys and "password" not in keys:
            errs.append(required(data_path.key("username"), ""))
            errs.append(required(data_path.key("password"), ""))
    elif stype == "kubernetes.io/ssh-auth":
        if "ssh-privatekey" not in keys:
            errs.append(required(data_path.key("ssh-privatekey"), ""))
    elif stype == "kubernetes.io/tls":
        if "tls.crt" not in keys:
            errs.append(required(data_path.key("tls.crt"), ""))
        if "tls.key" not in keys:
            errs.append(required(data_path.key("tls.key"), ""))
    elif stype == "kubernetes.io/service-account-token":
        ann = secret.metadata.annotations or {}
        if not ann.get("kubernetes.io/service-account.name"):
            errs.append(required(new_path("metadata", "annotations").key("kubernetes.io/service-account.name"), ""))
    return errs


def validate_secret_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    if (new.type or "") != (old.type or ""):
        errs.append(invalid(new_path("type"), new.type or "", FIELD_IMMUTABLE_ERROR_MSG))
    errs.extend(_immutable_update(new, old, ("data",)))
    errs.extend(validate_secret(new))
    return errs


def validate_namespace(ns: Any) -> ErrorList:
    """ValidateNamespace: a DNS-1123 label; finalizers standard or qualified."""
    errs = validate_object_meta(ns.metadata, False, validate_namespace_name, new_path("metadata"))
    fp = new_path("spec", "finalizers")
    for f in ns.spec.finalizers or []:
        msgs = is_qualified_name(f)
        errs.extend(invalid(fp, f, m) for m in msgs)
        if not msgs and "/" not in f and f != "kubernetes":
            errs.append(invalid(fp, f, "name is neither a standard finalizer name nor is it fully qualified"))
    return errs


# ----------------------------------------------------------------------------- LimitRange, ResourceQuota
# pkg/apis/core/validation/validation.go ValidateLimitRange / ValidateResourceQuota

STANDARD_LIMIT_TYPES = ("Pod", "Container", "PersistentVolumeClaim")
# helper.standardQuotaResources
STANDARD_QUOTA_RESOURCES = {"cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
                            "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
                            "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
                            "persistentvolumeclaims", "configmaps", "services.nodeports", "services.loadbalancers"}
QUOTA_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                "CrossNamespacePodAffinity", "VolumeAttributesClass")


def _validate_limit_range_resource_name(limit_type: str, name: str, fld_path: Path) -> ErrorList:
    """validateLimitRangeResourceName: container resources for Pod and Container items."""
    if limit_type in ("Pod", "Container"):
        return _validate_resource_name(name, fld_path)
    errs = ErrorList(invalid(fld_path, name, m) for m in is_qualified_name(name))
    if not errs and "/" not in name and name not in ("storage",) and name not in STANDARD_CONTAINER_RESOURCES:
        errs.append(invalid(fld_path, name, "must be a standard resource type or fully qualified"))
    return errs


def validate_limit_range(lr: Any) -> ErrorList:
    """ValidateLimitRange: known types, once each; resource names; min <= defaultRequest <=
    default <= max; no defaults on a Pod item; a ratio of at least 1 and at most max/min; a
    PersistentVolumeClaim item needs a min or max storage."""
    errs = validate_object_meta(lr.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    seen: set[str] = set()
    base = new_path("spec", "limits")
    for i, item in enumerate(lr.spec.limits or ()):
        idx = base.index(i)
        t = item.type or ""
        if "/" not in t and t not in STANDARD_LIMIT_TYPES:
            errs.append(invalid(idx.child("type"), t, "must be a standard limit type or fully qualified"))
        if t in seen:
            errs.append(duplicate(idx.child("type"), t))
        seen.add(t)
        maps: dict[str, dict[str, Quantity]] = {}
        fields = [("max", item.max), ("min", item.min)]
        if t == "Pod":
            if item.default:
                errs.append(forbidden(idx.child("default"), "may not be specified when `type` is 'Pod'"))
            if item.default_request:
                errs.append(forbidden(idx.child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
        else:
            fields += [("default", item.default), ("defaultRequest", item.default_request)]
        if t == "PersistentVolumeClaim" and "storage" not in (item.min or {}) and "storage" not in (item.max or {}):
            errs.append(required(idx.child("limits"), "either minimum or maximum storage value is required, but neither was provided"))
        fields.append(("maxLimitRequestRatio", item.max_limit_request_ratio))
        keys: list[str] = []
        for fname, raw in fields:
            maps[fname] = {}
            for k, v in (raw or {}).items():
                errs.extend(_validate_limit_range_resource_name(t, k, idx.child(fname).key(k)))
                maps[fname][k] = _q(v)
                if k not in keys:
                    keys.append(k)
        for k in sorted(keys):
            mn, mx = maps["min"].get(k), maps["max"].get(k)
            df, dr = maps.get("default", {}).get(k), maps.get("defaultRequest", {}).get(k)
            ratio = maps["maxLimitRequestRatio"].get(k)
            if mn is not None and mx is not None and mn.cmp(mx) > 0:
                errs.append(invalid(idx.child("min").key(k), str(mn), f"min value {mn} is greater than max value {mx}"))
            if dr is not None and mn is not None and mn.cmp(dr) > 0:
                errs.append(invalid(idx.child("defaultRequest").key(k), str(dr), f"min value {mn} is greater than default request value {dr}"))
            if dr is not None and mx is not None and dr.cmp(mx) > 0:
                errs.append(invalid(idx.child("defaultRequest").key(k), str(dr), f"default request value {dr} is greater than max value {mx}"))
            if dr is not None and df is not None and dr.cmp(df) > 0:
                errs.append(invalid(idx.child("defaultRequest").key(k), str(dr), f"default request value {dr} is greater than default limit value {df}"))
            if df is not None and mn is not None and mn.cmp(df) > 0:
                errs.append(invalid(idx.child("default").key(k), str(mn), f"min value {mn} is greater than default value {df}"))
            if df is not None and mx is not None and df.cmp(mx) > 0:
                errs.append(invalid(idx.child("default").key(k), str(mx), f"default value {df} is greater than max value {mx}"))
            if ratio is not None and ratio.cmp(Quantity.new(1)) < 0:
                errs.append(invalid(idx.child("maxLimitRequestRatio").key(k), str(ratio), f"ratio {ratio} is less than 1"))
            if ratio is not None and mn is not None and mx is not None and mn.milli_value() > 0:
                limit = mx.milli_value() / mn.milli_value()
                if ratio.milli_value() / 1000 > limit:
                    errs.append(invalid(idx.child("maxLimitRequestRatio").key(k), str(ratio),
                                        f"ratio {ratio} is greater than max/min = {limit:f}"))
    return errs


def _validate_quota_resource_name(name: str, fld_path: Path) -> ErrorList:
    """validateResourceQuotaResourceName."""
    errs = ErrorList(invalid(fld_path, name, m) for m in is_qualified_name(name))
    if errs:
        return errs
    if "/" not in name and name not in STANDARD_QUOTA_RESOURCES and not name.startswith(
            ("hugepages-", "requests.hugepages-")):
        errs.append(invalid(fld_path, name, "must be a standard resource for quota"))
    return errs


# helper.IsResourceQuotaScopeValidForResource: what each scope may limit
_POD_OBJECT_COUNT = {"pods"}
_POD_COMPUTE = {"cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"}
_PVC_RESOURCES = {"persistentvolumeclaims", "requests.storage"}


def _scope_valid_for_resource(scope: str, resource: str) -> bool:
    if scope in ("Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"):
        return resource in _POD_OBJECT_COUNT or resource in _POD_COMPUTE
    if scope == "BestEffort":
        return resource in _POD_OBJECT_COUNT
    if scope == "VolumeAttributesClass":
        return resource in _PVC_RESOURCES
    return True


class _GoScopes(list):
    """spec.scopes as field.Invalid prints it: %#v of a []core.ResourceQuotaScope."""

    def __go_repr__(self) -> str:
        if not self:
            return "[]core.ResourceQuotaScope(nil)"
        return "[]core.ResourceQuotaScope{" + ", ".join(go_quote(x) for x in self) + "}"


class _GoScopeSelector(dict):
    """spec.scopeSelector as field.Invalid prints it: the core.ScopeSelector the pointer holds."""

    def __go_repr__(self) -> str:
        reqs = []
        for e in self.get("matchExpressions") or ():
            vals = e.get("values")
            v = "[]string(nil)" if vals is None else "[]string{" + ", ".join(go_quote(x) for x in vals) + "}"
            reqs.append(f"core.ScopedResourceSelectorRequirement{{ScopeName:{go_quote(e.get('scopeName', ''))}, "
                        f"Operator:{go_quote(e.get('operator', ''))}, Values:{v}}}")
        inner = "[]core.ScopedResourceSelectorRequirement{" + ", ".join(reqs) + "}" if reqs else \
            "[]core.ScopedResourceSelectorRequirement(nil)"
        return f"core.ScopeSelector{{MatchExpressions:{inner}}}"


_INVALID_SCOPE_PAIRS = (("BestEffort", "NotBestEffort"), ("NotTerminating", "Terminating"))
_EXISTS_ONLY_SCOPES = ("BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity")


def _validate_resource_quota_scopes(spec: Any) -> ErrorList:
    """validateResourceQuotaScopes: known scopes, each valid for every hard resource, no
    conflicting pair (the value printed is the whole scopes list, as upstream does)."""
    errs = ErrorList()
    if not spec.scopes:
        return errs
    fld = new_path("spec", "scopes")
    scopes = _GoScopes(spec.scopes)
    for scope in spec.scopes:
        if scope not in QUOTA_SCOPES:
            errs.append(invalid(fld, scopes, "unsupported scope"))
        for k in sorted(spec.hard or {}):
            if k in STANDARD_QUOTA_RESOURCES and not _scope_valid_for_resource(scope, k):
                errs.append(invalid(fld, scopes, "unsupported scope applied to resource"))
    for pair in _INVALID_SCOPE_PAIRS:
        if set(pair) <= set(spec.scopes):
            errs.append(invalid(fld, scopes, "conflicting scopes"))
    return errs


def _validate_scope_selector(spec: Any) -> ErrorList:
    """validateScopedResourceSelectorRequirement: each matchExpression's scope known and valid
    for the hard resources, Exists for the boolean scopes, values as the operator needs."""
    errs = ErrorList()
    if spec.scope_selector is None:
        return errs
    fld = new_path("spec", "scopeSelector", "matchExpressions")
    selector = _GoScopeSelector(spec.scope_selector)
    seen = set()
    for req in spec.scope_selector.get("matchExpressions") or ():
        name, op, values = req.get("scopeName", ""), req.get("operator", ""), req.get("values")
        if name not in QUOTA_SCOPES:
            errs.append(invalid(fld.child("scopeName"), name, "unsupported scope"))
        for k in sorted(spec.hard or {}):
            if k in STANDARD_QUOTA_RESOURCES and not _scope_valid_for_resource(name, k):
                errs.append(invalid(fld, selector, "unsupported scope applied to resource"))
        if name in _EXISTS_ONLY_SCOPES and op != "Exists":
            errs.append(invalid(fld.child("operator"), op,
                                "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, "
                                "ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, "
                                "ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"))
        if op in ("In", "NotIn"):
            if not values:
                errs.append(required(fld.child("values"),
                                     "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(invalid(fld.child("values"), list(values),
                                    "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
        else:
            errs.append(invalid(fld.child("operator"), op, "not a valid selector operator"))
        seen.add(name)
    for pair in _INVALID_SCOPE_PAIRS:
        if set(pair) <= seen:
            errs.append(invalid(fld, _GoScopes(spec.scopes or ()), "conflicting scopes"))
    return errs


def validate_resource_quota(rq: Any) -> ErrorList:
    """ValidateResourceQuota: quota resource names, non-negative (whole where counted)
    values, scopes and the scope selector (ValidateResourceQuotaSpec)."""
    errs = validate_object_meta(rq.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    hard = new_path("spec", "hard")
    for k, v in (rq.spec.hard or {}).items():
        p = hard.key(k)
        errs.extend(_validate_quota_resource_name(k, p))
        errs.extend(_validate_resource_quantity_value(k, _q(v), p))
    errs.extend(_validate_resource_quota_scopes(rq.spec))
    errs.extend(_validate_scope_selector(rq.spec))
    return errs


def validate_resource_quota_update(new: Any, old: Any) -> ErrorList:
    """ValidateResourceQuotaUpdate: the spec as on create, and the scopes may not change."""
    errs = ErrorList(validate_object_meta_update(new.metadata, old.metadata, new_path("metadata")))
    errs.extend(e for e in validate_resource_quota(new) if not e.field.startswith("metadata"))
    if set(new.spec.scopes or ()) != set(old.spec.scopes or ()):
        errs.append(invalid(new_path("spec", "scopes"), _GoScopes(new.spec.scopes or ()), FIELD_IMMUTABLE_ERROR_MSG))
    return errs
