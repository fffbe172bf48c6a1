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

from dataclasses import dataclass
from typing import Any, Iterable, Optional, Protocol, Union, runtime_checkable

from kubelab.api import errors
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
    """The calls ``Kubectl`` makes: a small lightkube-shaped client. ``kind`` is always a Kind
    name (``"Pod"``, ``"Deployment"``); the in-process cluster (``cluster.api``) implements
    it, :class:`MemorySource` does, and a client over HTTPS implements the same calls.

    - ``now``: simulated seconds (ages are computed against it).
    - ``get(kind, name, namespace="default")``: one object (namespace ignored for
      cluster-scoped kinds); raises a NotFound error.
    - ``list(kind, namespace=None, label_selector=None, field_selector=None)``: objects of a
      kind; all namespaces when ``namespace`` is None; selectors are strings in kubectl's
      syntax (``app=web,tier!=db`` / ``spec.nodeName=vm-1``). Sorted by namespace, name.
    - ``create(obj, namespace=None, dry_run=False)``: POST; raises AlreadyExists.
    - ``update(obj, dry_run=False)``: PUT (a stale resourceVersion is a Conflict).
    - ``patch(kind, name, patch, namespace="default", patch_type="strategic", dry_run=False)``:
      ``"strategic"`` (strategic merge patch, kubectl's default), ``"merge"`` (RFC 7386) or
      ``"json"`` (RFC 6902, a list of operations); returns the result (unchanged, with the
      same resourceVersion, when the patch changes nothing).
    - ``delete(kind, name, namespace="default", propagation_policy=None,
      grace_period_seconds=None, dry_run=False)``: returns the object (graceful deletion
      may leave it with a deletionTimestamp). ``propagation_policy``: ``"Background"``,
      ``"Foreground"`` or ``"Orphan"``.
    - ``scale(kind, name, replicas, namespace="default")``: the /scale subresource.
    - ``evict(name, namespace)``: POST pods/<name>/eviction (``kubectl drain``); a 429
      TooManyRequests when a PodDisruptionBudget forbids it.
    - ``events_for(obj)``: core/v1 Events whose involvedObject is ``obj`` (by uid, else
      kind+namespace+name), any order.

    ``dry_run=True`` is the API's ``dryRun=All``: validated and admitted, never stored.
    ``kubectl apply`` is not a call of its own: :mod:`kubelab.kubectl.apply` does it over
    get/create/patch, as kubectl does client-side.
    """

    @property
    def now(self) -> float: ...

    def get(self, kind: str, name: str, namespace: Optional[str] = "default") -> KubeObject: ...

    def list(
        self,
        kind: str,
        namespace: Optional[str] = None,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
    ) -> list[KubeObject]: ...

    def create(self, obj: KubeObject, namespace: Optional[str] = None, dry_run: bool = False) -> KubeObject: ...

    def update(self, obj: KubeObject, dry_run: bool = False) -> KubeObject: ...

    def patch(self, kind: str, name: str, patch: Any, namespace: Optional[str] = "default",
              patch_type: str = "strategic", dry_run: bool = False) -> KubeObject: ...

    def delete(self, kind: str, name: str, namespace: Optional[str] = "default",
               propagation_policy: Optional[str] = None, grace_period_seconds: Optional[int] = None,
               dry_run: bool = False) -> KubeObject: ...

    def scale(self, kind: str, name: str, replicas: int, namespace: Optional[str] = "default") -> KubeObject: ...

    def evict(self, name: str, namespace: Optional[str] = "default") -> Any: ...

    def events_for(self, obj: KubeObject) -> list[KubeObject]: ...


# Optional extras a source may offer (looked up with getattr):
#   metrics(kind: "Node" | "Pod", namespace=None) -> dict[str, dict[str, str]]
#       name (or "namespace/name" for pods) -> {"cpu": "250m", "memory": "64Mi"}; used by
#       `kubectl top`. Without it kubectl says "error: Metrics API not available".
#   run(seconds=...) -> Any: advance simulated time; `kubectl get -w` replays the changes
#       it sees while time runs, and `kubectl drain` waits between eviction retries.


class ApiError(errors.StatusError):
    """An API error carrying a metav1.Status, as the apiserver returns it (a
    :class:`kubelab.api.errors.StatusError`, so ``errors.is_not_found(e)`` and friends work)."""

    def __init__(self, status: Union[Status, dict]):
        if isinstance(status, Status):
            status = status.model_dump(by_alias=True, exclude_none=True)
        known = {k: status[k] for k in ("message", "reason", "details", "code") if k in status}
        super().__init__({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", **known})


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
        self._generated = 0
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
        try:
            sel = parse_selector(label_selector or "")
            fsel = parse_field_selector(field_selector or "")
        except ValueError as exc:
            raise ApiError({"reason": "BadRequest", "code": 400, "message": str(exc)}) from None
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

    def create(self, obj, namespace=None, dry_run=False):
        if not isinstance(obj, KubeObject):
            raise TypeError(f"create takes an API object (e.g. kubelab.api.Pod), not {type(obj).__name__}")
        new = obj.copy_deep()
        meta = new.metadata
        if new.NAMESPACED:
            meta.namespace = meta.namespace or namespace or "default"
        else:
            meta.namespace = None
        if not meta.name and meta.generate_name:
            self._generated += 1
            meta.name = f"{meta.generate_name}{self._generated:05d}"
        if not meta.name:
            raise ApiError({"reason": "Invalid", "code": 422,
                            "message": f"{type(new).KIND} \"\" is invalid: metadata.name: Required value: name or generateName is required"})
        key = self._key(new.KIND, meta.name, meta.namespace)
        if key in self._objs:
            raise ApiError({"reason": "AlreadyExists", "code": 409,
                            "message": f'{type(new).group_resource()} "{meta.name}" already exists'})
        meta.creation_timestamp = _ts(self._now)
        meta.generation = 1
        meta.uid = None
        meta.resource_version = None
        if dry_run:
            return new
        return self.add(new)

    def update(self, obj, dry_run=False):
        if not isinstance(obj, KubeObject):
            raise TypeError(f"update takes an API object (e.g. kubelab.api.Pod), not {type(obj).__name__}")
        old = self.get(obj.KIND, obj.metadata.name, obj.metadata.namespace)
        want = obj.metadata.resource_version
        if want and want != old.metadata.resource_version:
            raise ApiError({"reason": "Conflict", "code": 409, "message": (
                f'Operation cannot be fulfilled on {type(old).group_resource()} "{old.metadata.name}": '
                "the object has been modified; please apply your changes to the latest version and try again")})
        return self._replace(old, obj.to_dict(), dry_run)

    def patch(self, kind, name, patch, namespace="default", patch_type="strategic", dry_run=False):
        from kubelab.api import patch as patches

        obj = self.get(kind, name, namespace)
        try:
            merged = patches.apply_patch(obj.to_dict(), patch, patch_type)
        except patches.JSONPatchError:
            # handlers/patch.go: the server keeps the detail to itself
            raise ApiError({"reason": "Invalid", "code": 422,
                            "message": "the server rejected our request due to an error in our request"}) from None
        except ValueError as exc:
            raise ApiError({"reason": "BadRequest", "code": 400, "message": str(exc)}) from None
        return self._replace(obj, merged, dry_run)

    def _replace(self, old, doc, dry_run):
        from kubelab.api.scheme import DecodeError, decode

        doc = dict(doc)
        meta = dict(doc.get("metadata") or {})
        for k in ("uid", "creationTimestamp", "name", "namespace", "generation"):
            v = old.to_dict()["metadata"].get(k)
            if v is None:
                meta.pop(k, None)
            else:
                meta[k] = v
        meta["resourceVersion"] = old.metadata.resource_version
        doc["metadata"] = meta
        try:
            new = decode(doc)
        except (DecodeError, ValueError, TypeError) as exc:
            raise ApiError({"reason": "BadRequest", "code": 400, "message": getattr(exc, "message", None) or str(exc)}) from None
        if new.to_dict() == old.to_dict():
            return old  # nothing changed: no new resourceVersion, as the API server does
        if new.to_dict().get("spec") != old.to_dict().get("spec"):
            new.metadata.generation = (old.metadata.generation or 1) + 1
        if dry_run:
            return new
        return self.add(new)

    def delete(self, kind, name, namespace="default", propagation_policy=None, grace_period_seconds=None,
               dry_run=False):
        if propagation_policy not in (None, "Background", "Foreground", "Orphan"):
            raise ApiError({"reason": "BadRequest", "code": 400, "message": (
                f'propagationPolicy: Unsupported value: "{propagation_policy}": supported values: '
                '"Foreground", "Background", "Orphan", "nil"')})
        obj = self.get(kind, name, namespace)
        if not dry_run:
            del self._objs[self._key(kind, name, namespace)]
        return obj

    def scale(self, kind, name, replicas, namespace="default"):
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise TypeError(f"replicas must be an int, not {type(replicas).__name__}")
        if _cls(kind).KIND not in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
            raise ApiError({"reason": "NotFound", "code": 404, "message": "the server could not find the requested resource"})
        return self.patch(kind, name, {"spec": {"replicas": replicas}}, namespace, "merge")

    def evict(self, name, namespace="default"):
        """pods/<name>/eviction: deleted unless a PodDisruptionBudget selecting it has no
        disruption to spare (pkg/registry/core/pod/storage/eviction.go; no controller here
        recomputes the budget: what is stored in its status is what counts)."""
        from kubelab.api.labels import Selector

        pod = self.get("Pod", name, namespace)
        phase = pod.status.phase if pod.status else None
        if phase not in ("Succeeded", "Failed", "Pending") and pod.metadata.deletion_timestamp is None:
            pdbs = [b for b in self.list("PodDisruptionBudget", pod.metadata.namespace)
                    if b.spec.selector is not None
                    and Selector.from_label_selector(b.spec.selector).matches(pod.metadata.labels or {})]
            if len(pdbs) > 1:
                raise ApiError({"reason": "InternalError", "code": 500, "message": (
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")})
            if pdbs and (pdbs[0].status is None or (pdbs[0].status.disruptions_allowed or 0) <= 0):
                raise ApiError({"reason": "TooManyRequests", "code": 429,
                                "message": "Cannot evict pod as it would violate the pod's disruption budget."})
        return self.delete("Pod", name, namespace)

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
