"""What ``kubectl`` needs from a cluster: a small protocol, so the facade is testable alone.

``kubelab.Cluster`` implements :class:`Source`; tests use :class:`MemorySource`, a
plain in-memory store of objects with no controllers (nothing reconciles in it).

Errors: a source raises an exception that carries a ``status`` attribute holding a
``metav1.Status`` (``kubelab.api.meta.Status`` or a dict with ``reason``, ``message``,
``code``), as the API server answers. kubectl prints it as
``Error from server (<reason>): <message>`` — for example
``Error from server (NotFound): pods "x" not found``. :class:`ApiError` is such an
exception; a source may raise its own type as long as it has ``status``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Protocol, Union, runtime_checkable

from kubelab.api.meta import KubeObject, Status

__all__ = [
    "Source",
    "ApplyResult",
    "ApiError",
    "MemorySource",
    "status_of",
    "not_found",
]


@dataclass
class ApplyResult:
    """One applied object and what happened: ``created``, ``configured`` or ``unchanged``
    (the word kubectl prints after ``deployment.apps/web``)."""

    object: KubeObject
    action: str

    def __str__(self) -> str:
        from .printers import resource_name

        return f"{resource_name(self.object)} {self.action}"


@runtime_checkable
class Source(Protocol):
    """The calls ``Kubectl`` makes. ``kind`` is always a Kind name (``"Pod"``, ``"Deployment"``).

    - ``now``: simulated seconds (ages are computed against it).
    - ``list(kind, namespace=None, label_selector=None, field_selector=None)``: objects of a
      kind; all namespaces when ``namespace`` is None; selectors are strings in kubectl's
      syntax (``app=web,tier!=db`` / ``spec.nodeName=vm-1``). Sorted by namespace, name.
    - ``get(kind, name, namespace="default")``: one object (namespace ignored for
      cluster-scoped kinds); raises a NotFound error.
    - ``apply(manifest)``: YAML/JSON text (multi-document) or a dict; returns one
      :class:`ApplyResult` per object, in order; raises on the first invalid object.
    - ``delete(kind, name, namespace="default")``: returns the deleted object (graceful
      deletion may leave it with a deletionTimestamp).
    - ``patch(kind, name, patch, namespace="default", patch_type="merge")``: JSON merge
      patch (``"merge"``) or strategic merge patch (``"strategic"``); returns the result.
    - ``scale(kind, name, replicas, namespace="default")``: the /scale subresource.
    - ``events_for(obj)``: core/v1 Events whose involvedObject is ``obj`` (by uid, else
      kind+namespace+name), any order.
    """

    @property
    def now(self) -> float: ...

    def list(
        self,
        kind: str,
        namespace: Optional[str] = None,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
    ) -> list[KubeObject]: ...

    def get(self, kind: str, name: str, namespace: Optional[str] = "default") -> KubeObject: ...

    def apply(self, manifest: Union[str, dict]) -> list[ApplyResult]: ...

    def delete(self, kind: str, name: str, namespace: Optional[str] = "default") -> KubeObject: ...

    def patch(
        self, kind: str, name: str, patch: dict, namespace: Optional[str] = "default", patch_type: str = "merge"
    ) -> KubeObject: ...

    def scale(self, kind: str, name: str, replicas: int, namespace: Optional[str] = "default") -> KubeObject: ...

    def events_for(self, obj: KubeObject) -> list[KubeObject]: ...


# Optional extras a source may offer (looked up with getattr):
#   metrics(kind: "Node" | "Pod", namespace=None) -> dict[str, dict[str, str]]
#       name (or "namespace/name" for pods) -> {"cpu": "250m", "memory": "64Mi"}; used by
#       `kubectl top`. Without it kubectl says "error: Metrics API not available".
#   evict(name, namespace) -> None: the eviction subresource, used by `kubectl drain`
#       (falls back to delete).
#   run(seconds=...) -> Any: advance simulated time; `kubectl get -w` replays the changes
#       it sees while time runs. Without it, -w says it needs a running cluster.
#   events(obj) -> list[Event]: accepted in place of events_for(obj).


class ApiError(Exception):
    """An API error carrying a metav1.Status, as the apiserver returns it."""

    def __init__(self, status: Union[Status, dict]):
        if isinstance(status, dict):
            known = {k: status[k] for k in ("status", "message", "reason", "details", "code") if k in status}
            status = Status.model_validate({"status": "Failure", **known})
        self.status = status
        super().__init__(status.message or "")


def status_of(err: BaseException) -> Optional[Status]:
    """The Status an error carries, or None for a client-side error."""
    st = getattr(err, "status", None)
    if st is None:
        return None
    if isinstance(st, Status):
        return st
    if isinstance(st, dict):
        known = {k: st[k] for k in ("status", "message", "reason", "details", "code") if k in st}
        return Status.model_validate({"status": "Failure", **known})
    reason = getattr(st, "reason", None)
    message = getattr(st, "message", None)
    if reason or message:
        return Status(status="Failure", reason=reason, message=message, code=getattr(st, "code", None))
    return None


def not_found(cls: type[KubeObject], name: str) -> ApiError:
    """apierrors.NewNotFound: ``pods "x" not found`` / ``deployments.apps "web" not found``."""
    return ApiError(
        {
            "reason": "NotFound",
            "code": 404,
            "message": f'{cls.group_resource()} "{name}" not found',
            "details": {"name": name, "group": cls.GROUP or None, "kind": cls.RESOURCE},
        }
    )


# ----------------------------------------------------------------------------- memory

class MemorySource:
    """A dictionary of objects that satisfies :class:`Source` (no controllers, no validation
    beyond decoding). For tests and for looking at hand-made objects."""

    def __init__(self, objects: Iterable[KubeObject] = (), now: float = 0.0, events: Iterable[KubeObject] = ()):
        self._now = float(now)
        self._objs: dict[tuple[str, str, str], KubeObject] = {}
        self._metrics: dict[str, dict[str, dict[str, str]]] = {}
        self._rv = 0
        for o in objects:
            self.add(o)
        for e in events:
            self.add(e)

    # time -----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self._now

    @now.setter
    def now(self, value: float) -> None:
        self._now = float(value)

    # store ----------------------------------------------------------------------------
    def _key(self, kind: str, name: str, namespace: Optional[str]) -> tuple[str, str, str]:
        cls = _cls(kind)
        ns = (namespace or "default") if cls.NAMESPACED else ""
        return (cls.KIND, ns, name)

    def add(self, obj: KubeObject) -> KubeObject:
        if obj.NAMESPACED and not obj.metadata.namespace:
            obj.metadata.namespace = "default"
        self._rv += 1
        obj.metadata.resource_version = str(self._rv)
        if not obj.metadata.uid:
            obj.metadata.uid = f"uid-{obj.KIND.lower()}-{obj.metadata.namespace or ''}-{obj.metadata.name}"
        self._objs[self._key(obj.KIND, obj.metadata.name or "", obj.metadata.namespace)] = obj
        return obj

    def set_metrics(self, kind: str, usage: dict[str, dict[str, str]]) -> None:
        self._metrics[kind] = usage

    def metrics(self, kind: str, namespace: Optional[str] = None) -> dict[str, dict[str, str]]:
        if kind not in self._metrics:
            raise ApiError({"reason": "NotFound", "code": 404, "message": "the server could not find the requested resource"})
        return self._metrics[kind]

    # Source ---------------------------------------------------------------------------
    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        from kubelab.api.labels import parse_field_selector, parse_selector

        cls = _cls(kind)
        sel = parse_selector(label_selector or "")
        fsel = parse_field_selector(field_selector or "")
        out = []
        for (k, ns, _), o in self._objs.items():
            if k != cls.KIND:
                continue
            if namespace is not None and cls.NAMESPACED and ns != namespace:
                continue
            if not sel.matches(o.metadata.labels or {}):
                continue
            if not fsel.empty() and not fsel.matches(_fields(o)):
                continue
            out.append(o)
        out.sort(key=lambda o: (o.metadata.namespace or "", o.metadata.name or ""))
        return out

    def get(self, kind, name, namespace="default"):
        cls = _cls(kind)
        try:
            return self._objs[self._key(kind, name, namespace)]
        except KeyError:
            raise not_found(cls, name) from None

    def apply(self, manifest):
        import yaml

        from kubelab.api.scheme import decode

        docs = [manifest] if isinstance(manifest, dict) else [d for d in yaml.safe_load_all(manifest) if d]
        results = []
        for d in docs:
            items = d.get("items") if d.get("kind", "").endswith("List") else [d]
            for item in items or ():
                obj = decode(item)
                key = self._key(obj.KIND, obj.metadata.name or "", obj.metadata.namespace)
                old = self._objs.get(key)
                if old is None:
                    obj.metadata.creation_timestamp = obj.metadata.creation_timestamp or _ts(self._now)
                    obj.metadata.generation = 1
                    self.add(obj)
                    results.append(ApplyResult(obj, "created"))
                    continue
                merged = _merge(old.to_dict(), item)
                new = type(old).model_validate(merged)
                if new.to_dict() == old.to_dict():
                    results.append(ApplyResult(old, "unchanged"))
                else:
                    if new.to_dict().get("spec") != old.to_dict().get("spec"):
                        new.metadata.generation = (old.metadata.generation or 1) + 1
                    self.add(new)
                    results.append(ApplyResult(new, "configured"))
        return results

    def delete(self, kind, name, namespace="default"):
        obj = self.get(kind, name, namespace)
        del self._objs[self._key(kind, name, namespace)]
        return obj

    def patch(self, kind, name, patch, namespace="default", patch_type="merge"):
        obj = self.get(kind, name, namespace)
        new = type(obj).model_validate(_merge(obj.to_dict(), patch))
        if new.to_dict() == obj.to_dict():
            return obj  # nothing changed: no new resourceVersion, as the API server does
        if new.to_dict().get("spec") != obj.to_dict().get("spec"):
            new.metadata.generation = (obj.metadata.generation or 1) + 1
        return self.add(new)

    def scale(self, kind, name, replicas, namespace="default"):
        return self.patch(kind, name, {"spec": {"replicas": replicas}}, namespace)

    def events_for(self, obj):
        out = []
        for (k, _, _), e in self._objs.items():
            if k != "Event":
                continue
            io = e.involved_object
            if io.uid and obj.metadata.uid and io.uid == obj.metadata.uid:
                out.append(e)
            elif io.kind == obj.KIND and io.name == obj.metadata.name and (io.namespace or None) == (obj.metadata.namespace or None):
                out.append(e)
        return out


def _cls(kind: str) -> type[KubeObject]:
    from kubelab.api.scheme import kind_by_name

    cls = kind_by_name(kind)
    if cls is None:
        raise ValueError(f"unknown kind {kind!r}")
    return cls


def _ts(now: float) -> str:
    from kubelab.api.base import rfc3339

    return rfc3339(now)


def _fields(o: KubeObject) -> dict[str, str]:
    f = {"metadata.name": o.metadata.name or "", "metadata.namespace": o.metadata.namespace or ""}
    spec = getattr(o, "spec", None)
    status = getattr(o, "status", None)
    if o.KIND == "Pod":
        f["spec.nodeName"] = spec.node_name or ""
        f["status.phase"] = status.phase or ""
    if o.KIND == "Event":
        io = o.involved_object
        f.update({
            "involvedObject.kind": io.kind or "", "involvedObject.name": io.name or "",
            "involvedObject.namespace": io.namespace or "", "involvedObject.uid": io.uid or "",
            "reason": o.reason or "", "type": o.type or "",
        })
    return f


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = _merge(result.get(k), v)
    return result
