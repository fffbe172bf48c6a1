"""The base every API model derives from: camelCase on the wire, snake_case in Python.

Kubernetes serialises fields in lowerCamelCase with a few initialisms kept upper case
(``podIP``, ``clusterIPs``, ``providerID``); the alias generator below knows them, so
``Pod.model_validate(manifest)`` and ``obj.to_dict()`` speak the API's own JSON.

Unknown fields are forbidden on modelled structures: the API server turns the pydantic
error into the real server's ``strict decoding error: unknown field "spec.foo"``
(kubectl has asked for ``fieldValidation=Strict`` by default since 1.27). Deep
structures kubelab does not simulate (volumes, probes, securityContext...) are kept as
plain dicts so real manifests round-trip unchanged.
"""

from __future__ import annotations

import copy as _copy
import datetime as _dt
import functools
import typing as _typing
from typing import Any, Union

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from kubelab.api.quantity import Quantity as _Quantity

# Go initialisms the API keeps upper case (k8s.io/api json tags).
_SPECIAL_ALIASES = {
    "api_version": "apiVersion",
    "uid": "uid",
    "host_ip": "hostIP",
    "host_ips": "hostIPs",
    "pod_ip": "podIP",
    "pod_ips": "podIPs",
    "cluster_ip": "clusterIP",
    "cluster_ips": "clusterIPs",
    "external_ips": "externalIPs",
    "load_balancer_ip": "loadBalancerIP",
    "provider_id": "providerID",
    "external_id": "externalID",
    "pod_cidr": "podCIDR",
    "pod_cidrs": "podCIDRs",
    "machine_id": "machineID",
    "system_uuid": "systemUUID",
    "boot_id": "bootID",
    "ip": "ip",
    "continue_": "continue",
    "host_pid": "hostPID",
    "host_ipc": "hostIPC",
    "set_hostname_as_fqdn": "setHostnameAsFQDN",
    "tty": "tty",
    "container_id": "containerID",
    "image_id": "imageID",
    "node_ip": "nodeIP",
    "target_cpu_utilization_percentage": "targetCPUUtilizationPercentage",
}


def k8s_alias(name: str) -> str:
    return _SPECIAL_ALIASES.get(name) or to_camel(name)


IntOrString = Union[int, str]

# Simulated time 0 is this wall-clock instant, so timestamps read like real ones.
SIM_EPOCH = _dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc)


def rfc3339(sim_seconds: float) -> str:
    """metav1.Time: RFC 3339, second precision (as the API serialises it)."""
    return _rfc3339_second(int(sim_seconds))


@functools.lru_cache(maxsize=4096)
def _rfc3339_second(seconds: int) -> str:
    # every status write, event and condition stamps the same few seconds: format each once
    return (SIM_EPOCH + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(sim_seconds: float) -> str:
    """metav1.MicroTime (Lease renewTime, Event eventTime): microsecond precision."""
    t = SIM_EPOCH + _dt.timedelta(microseconds=round(sim_seconds * 1_000_000))
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str | None) -> float | None:
    """Simulated seconds for an RFC 3339 timestamp (None stays None)."""
    if value is None:
        return None
    v = value.replace("Z", "+00:00")
    t = _dt.datetime.fromisoformat(v)
    return (t - SIM_EPOCH).total_seconds()


class K8sModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=k8s_alias,
        populate_by_name=True,
        extra="forbid",
        validate_assignment=False,
        protected_namespaces=(),
    )

    def to_dict(self) -> dict[str, Any]:
        """The object as the API serialises it (camelCase, unset fields omitted)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    def __setattr__(self, name: str, value: Any) -> None:
        fs = self.__pydantic_fields_set__
        if type(fs) is ReadOnlyFieldsSet:  # refused before anything changes
            fs.add(name)
        super().__setattr__(name, value)

    def copy_deep(self):
        """A deep copy (what client-go's DeepCopy is for: never mutate a cached object).

        API objects are trees (no sharing, no cycles), so this walks them directly instead
        of ``copy.deepcopy``'s memo and keep-alive bookkeeping: same result, several
        times faster, and it is on every write path (apiserver, kubelet, controllers)."""
        return _clone(self)


class Loose(K8sModel):
    """A structure kubelab keeps but does not simulate: any fields allowed, kept as given."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=k8s_alias)


_object_setattr = object.__setattr__
_object_new = object.__new__
_ATOMIC = frozenset({str, int, float, bool, type(None), bytes, _dt.datetime, _Quantity})
_MODEL_TYPES: set = set()  # model classes seen (isinstance on pydantic's ABCMeta costs more than a set lookup)


class ReadOnlyFieldsSet(frozenset):
    """The ``__pydantic_fields_set__`` of an object held in a cache (the API server's watch
    cache, and through it every informer): one shared, immutable set per distinct shape.

    A decoded Pod is ~20 models and their fields-set sets were a third of its memory; objects
    of one shape share one set here. Assigning a field of a cached object raises before
    anything changes (``K8sModel.__setattr__`` asks this set to ``add`` the name): client-go's
    rule made loud, as its KUBE_CACHE_MUTATION_DETECTOR does: copy a cached object
    (``copy_deep``) before changing it. Every copy (``copy_deep``, ``model_copy``,
    ``copy.copy``, pickling) gets an ordinary set back."""

    __slots__ = ()

    def add(self, name):
        raise TypeError(f"cannot set field {name!r} of an object shared by a cache: "
                        "change a copy_deep() of it (client-go: never mutate a cached object)")

    def copy(self) -> set:
        return set(self)

    def __copy__(self) -> set:
        return set(self)

    def __deepcopy__(self, memo) -> set:
        return set(self)

    def __reduce__(self):  # pickled and restored as the plain set pydantic expects
        return (set, (list(self),))


_READ_ONLY_SETS: dict[frozenset, ReadOnlyFieldsSet] = {}


def share_fields_sets(obj):
    """Mark an object tree as a cache's (see ``ReadOnlyFieldsSet``); returns ``obj``."""
    t = type(obj)
    if t is list:
        _share_list(obj)
    elif t in _MODEL_TYPES or isinstance(obj, BaseModel) and not _MODEL_TYPES.add(t):
        _share_model(obj, t)
    return obj


_LAST_SHARED: dict[type, ReadOnlyFieldsSet] = {}  # per model class: the set its last object got
_NESTED_FIELDS: dict[type, tuple[str, ...]] = {}  # per model class: the fields that can hold models


def _may_hold_model(annotation) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel)
    if isinstance(annotation, (str, _typing.ForwardRef)):
        return True  # unresolved: look at the values
    return any(_may_hold_model(a) for a in _typing.get_args(annotation))


def _nested_fields(t) -> tuple[str, ...]:
    names = _NESTED_FIELDS.get(t)
    if names is None:
        names = _NESTED_FIELDS[t] = tuple(n for n, f in t.model_fields.items() if _may_hold_model(f.annotation))
    return names


def _share_model(m, t) -> None:
    fs = m.__pydantic_fields_set__
    if type(fs) is not ReadOnlyFieldsSet:
        shared = _LAST_SHARED.get(t)
        if shared is None or shared != fs:  # objects of a kind mostly come in one shape
            key = frozenset(fs)
            shared = _READ_ONLY_SETS.get(key)
            if shared is None:
                shared = _READ_ONLY_SETS[key] = ReadOnlyFieldsSet(key)
            _LAST_SHARED[t] = shared
        _object_setattr(m, "__pydantic_fields_set__", shared)
    # only the fields whose type can hold a model are walked (labels, quantities and the
    # plain dict trees of Loose structures cannot)
    d = m.__dict__
    for name in _NESTED_FIELDS.get(t) or _nested_fields(t):
        x = d[name]
        if x is None:
            continue
        tx = type(x)
        if tx in _MODEL_TYPES:
            _share_model(x, tx)
        elif tx is list:
            _share_list(x)
        elif tx is dict:
            _share_list(list(x.values()))
        elif tx not in _ATOMIC and isinstance(x, BaseModel):
            _MODEL_TYPES.add(tx)
            _share_model(x, tx)


def _share_list(xs: list) -> None:
    for x in xs:
        tx = type(x)
        if tx in _MODEL_TYPES or (tx not in _ATOMIC and isinstance(x, BaseModel) and not _MODEL_TYPES.add(tx)):
            _share_model(x, tx)
        elif tx is list:
            _share_list(x)


def _clone(v: Any) -> Any:
    """A deep copy of an API-object tree (models, lists, dicts, immutable leaves).

    Containers and a model's ``__dict__`` are copied shallowly, then only their non-atomic
    values are replaced by clones (most values are None or strings)."""
    t = type(v)
    if t is list:
        return [x if type(x) in _ATOMIC else _clone(x) for x in v]
    if t is dict:
        d = v.copy()
        for k, x in d.items():
            if type(x) not in _ATOMIC:
                d[k] = _clone(x)
        return d
    if t in _ATOMIC:  # Quantity is immutable (kubelab/api/quantity.py)
        return v
    if t in _MODEL_TYPES or isinstance(v, BaseModel) and not _MODEL_TYPES.add(t):
        m = _object_new(t)
        d = v.__dict__.copy()
        for k, x in d.items():
            if type(x) not in _ATOMIC:
                d[k] = _clone(x)
        _object_setattr(m, "__dict__", d)
        extra = v.__pydantic_extra__
        _object_setattr(m, "__pydantic_extra__", None if extra is None else _clone(extra))
        _object_setattr(m, "__pydantic_fields_set__", set(v.__pydantic_fields_set__))
        private = getattr(v, "__pydantic_private__", None)
        _object_setattr(m, "__pydantic_private__", None if private is None else _copy.deepcopy(private))
        return m
    if t is tuple:
        return tuple(_clone(x) for x in v)
    return _copy.deepcopy(v)
