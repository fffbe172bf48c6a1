"""Namespace controller (pkg/controller/namespace, deletion/namespaced_resources_deleter.go).

When a namespace is being deleted (deletionTimestamp set, phase Terminating) — or is
already gone — every namespaced object in it is deleted, kind by kind; the controller
checks again every few seconds until the namespace is empty, then removes the
``kubernetes`` finalizer from ``spec.finalizers`` (the finalize subresource), which lets
the namespace go.
"""

from __future__ import annotations

from kubelab.api import errors
from kubelab.api.core import Namespace
from kubelab.api.scheme import KINDS

from .base import Controller, ControllerContext

RECHECK = 5.0  # upstream requeues with the estimate of the remaining graceful time


class NamespaceController(Controller):
    name = "namespace-controller"
    workers = 2  # --concurrent-namespace-syncs 10

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.ns_informer = ctx.informers.informer(Namespace)
        self._gone: set[str] = set()
        self.ns_informer.add_event_handler(self._maybe, lambda o, n: self._maybe(n), self._deleted)

    def _maybe(self, ns) -> None:
        if ns.metadata.deletion_timestamp is not None:
            self.queue.add(ns.name)

    def _deleted(self, ns) -> None:
        ns = getattr(ns, "obj", ns)
        self._gone.add(ns.name)
        self.queue.add(ns.name)

    def sync(self, key: str):
        ns = self.ns_informer.get(key)
        if ns is not None and ns.metadata.deletion_timestamp is None:
            self._gone.discard(key)
            return
        if ns is None and key not in self._gone:
            return
        remaining = 0
        for cls in KINDS:
            if not cls.NAMESPACED:
                continue
            try:
                lst = yield self.client.list(cls, key)
            except errors.StatusError:
                continue
            for obj in lst.items:
                remaining += 1
                if obj.metadata.deletion_timestamp is not None:
                    continue
                try:
                    yield self.client.delete(cls, obj.name, key)
                except errors.StatusError as exc:
                    if not errors.is_not_found(exc):
                        raise
        if remaining:
            self.enqueue_after(key, RECHECK)
            return
        self._gone.discard(key)
        if ns is not None and "kubernetes" in (ns.spec.finalizers or []):
            new = ns.copy_deep()
            new.spec.finalizers = [f for f in ns.spec.finalizers if f != "kubernetes"] or None
            try:
                yield self.client.finalize_namespace(new)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise
            self.sim.trace.record(self.name, "NamespaceFinalized", key)
