"""Garbage collector (pkg/controller/garbagecollector: garbagecollector.go, graph_builder.go).

A graph of every object by uid and its ownerReferences (the GraphBuilder's
uidToNode), fed by informers on every kind. Two kinds of work item:

* ``attemptToDelete`` (key ``d:<uid>``): a dependent whose owners are all gone is
  deleted (Background, or as its own finalizers ask); one whose owner is being deleted
  in the foreground, with blockOwnerDeletion, is deleted in the foreground; dangling
  references beside a live owner are removed. An owner with the ``foregroundDeletion``
  finalizer has its dependents deleted, and the finalizer removed once none remain.
* ``attemptToOrphan`` (key ``o:<uid>``): an owner deleted with propagationPolicy Orphan
  (``orphan`` finalizer) has its ownerReference removed from every dependent, then the
  finalizer removed.

Owner absence is verified with a live GET (uid compared), as upstream does for virtual
nodes, so an informer lagging behind never makes the collector delete a live object.
"""

from __future__ import annotations


from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import KINDS, kind_by_kind

from .base import Controller, ControllerContext

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
# every kind except Events (they own nothing and nothing owns them)
_SKIP = {"Event"}


class GarbageCollector(Controller):
    name = "garbage-collector-controller"
    workers = 5  # --concurrent-gc-syncs is 20; 5 is plenty here

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.nodes: dict[str, KubeObject] = {}
        self.dependents: dict[str, set[str]] = {}
        for cls in KINDS:
            if cls.KIND in _SKIP:
                continue
            inf = ctx.informers.informer(cls)
            inf.add_event_handler(self._on_add, self._on_update, self._on_delete)

    # -- graph builder -------------------------------------------------------------------
    def _link(self, obj, add: bool) -> None:
        for ref in obj.metadata.owner_references or ():
            deps = self.dependents.setdefault(ref.uid, set())
            if add:
                deps.add(obj.uid)
            else:
                deps.discard(obj.uid)
                if not deps:
                    self.dependents.pop(ref.uid, None)

    def _on_add(self, obj) -> None:
        self.nodes[obj.uid] = obj
        self._link(obj, True)
        self._classify(obj, None)

    def _on_update(self, old, new) -> None:
        if old is new:
            return
        self._link(old, False)
        self.nodes[new.uid] = new
        self._link(new, True)
        self._classify(new, old)

    def _classify(self, obj, old) -> None:
        m = obj.metadata
        if m.deletion_timestamp is not None:
            if ORPHAN in (m.finalizers or ()):
                self.queue.add(f"o:{obj.uid}")
            if FOREGROUND in (m.finalizers or ()):
                self.queue.add(f"d:{obj.uid}")
                for dep in self.dependents.get(obj.uid, ()):
                    self.queue.add(f"d:{dep}")
        refs = m.owner_references or ()
        if refs and (old is None or old.metadata.owner_references != m.owner_references):
            if any(r.uid not in self.nodes for r in refs):
                self.queue.add(f"d:{obj.uid}")

    def _on_delete(self, obj) -> None:
        obj = tombstone_object(obj)
        self.nodes.pop(obj.uid, None)
        self._link(obj, False)
        for dep in list(self.dependents.get(obj.uid, ())):
            self.queue.add(f"d:{dep}")
        # an owner waiting for its dependents may now be free to go
        for ref in obj.metadata.owner_references or ():
            owner = self.nodes.get(ref.uid)
            if owner is not None and FOREGROUND in (owner.metadata.finalizers or ()):
                self.queue.add(f"d:{ref.uid}")

    # -- workers -------------------------------------------------------------------------
    def sync(self, key: str):
        op, uid = key.split(":", 1)
        obj = self.nodes.get(uid)
        if obj is None:
            return
        if op == "o":
            yield from self.attempt_to_orphan(obj)
        else:
            yield from self.attempt_to_delete(obj)

    def _live_deps(self, uid: str) -> list[KubeObject]:
        return [self.nodes[d] for d in sorted(self.dependents.get(uid, ())) if d in self.nodes]

    def _owner_state(self, obj, ref):
        """'solid', 'dangling' or 'waiting' (being deleted with foregroundDeletion)."""
        owner = self.nodes.get(ref.uid)
        if owner is None:
            cls = kind_by_kind(ref.kind)
            if cls is None:
                return "dangling"
            try:
                owner = yield self.client.get(cls, ref.name, obj.metadata.namespace if cls.NAMESPACED else None)
            except errors.StatusError as exc:
                if errors.is_not_found(exc):
                    return "dangling"
                raise
            if owner.uid != ref.uid:
                return "dangling"
        if owner.metadata.deletion_timestamp is not None and FOREGROUND in (owner.metadata.finalizers or ()):
            return "waiting"
        return "solid"

    def attempt_to_delete(self, obj):
        """garbagecollector.go attemptToDeleteItem."""
        m = obj.metadata
        if m.deletion_timestamp is not None and FOREGROUND in (m.finalizers or ()):
            deps = self._live_deps(obj.uid)
            if not deps:
                yield from self._remove_finalizer(obj, FOREGROUND)
                return
            for dep in deps:
                if dep.metadata.deletion_timestamp is None:
                    self.queue.add(f"d:{dep.uid}")
            return
        if m.deletion_timestamp is not None and not (m.finalizers and ORPHAN in m.finalizers):
            return
        refs = m.owner_references or []
        if not refs:
            return
        solid, dangling, waiting = [], [], []
        for ref in refs:
            state = yield from self._owner_state(obj, ref)
            {"solid": solid, "dangling": dangling, "waiting": waiting}[state].append(ref)
        if solid:
            if not dangling and not waiting:
                return
            gone = {r.uid for r in dangling + waiting}
            yield from self._remove_owner_refs(obj, gone)
            return
        if waiting and self._live_deps(obj.uid):
            policy = "Foreground"
        elif waiting and any(r.block_owner_deletion for r in waiting):
            policy = "Foreground" if self._live_deps(obj.uid) else "Background"
        elif ORPHAN in (m.finalizers or ()):
            policy = "Orphan"
        elif FOREGROUND in (m.finalizers or ()):
            policy = "Foreground"
        else:
            policy = "Background"
        if m.deletion_timestamp is not None:
            return
        self.sim.trace.record(self.name, "DeletingDependent",
                              f"{obj.KIND} {obj.key()} (owners gone or deleting), propagationPolicy={policy}")
        try:
            yield self.client.delete(type(obj), obj.name, m.namespace, propagation_policy=policy,
                                     preconditions={"uid": obj.uid})
        except errors.StatusError as exc:
            if not (errors.is_not_found(exc) or errors.is_conflict(exc)):
                raise

    def attempt_to_orphan(self, owner):
        """garbagecollector.go attemptToOrphanWorker: orphanDependents, then drop the finalizer."""
        for dep in self._live_deps(owner.uid):
            yield from self._remove_owner_refs(dep, {owner.uid})
        yield from self._remove_finalizer(owner, ORPHAN)

    def _remove_owner_refs(self, obj, uids: set[str]):
        for _ in range(3):
            try:
                fresh = (yield self.client.get(type(obj), obj.name, obj.metadata.namespace)).copy_deep()  # responses share the server's cache: copy
            except errors.StatusError as exc:
                if errors.is_not_found(exc):
                    return
                raise
            if fresh.uid != obj.uid:
                return
            refs = [r for r in fresh.metadata.owner_references or [] if r.uid not in uids]
            if len(refs) == len(fresh.metadata.owner_references or []):
                return
            fresh.metadata.owner_references = refs or None
            try:
                yield self.client.update(fresh)
                return
            except errors.StatusError as exc:
                if errors.is_not_found(exc):
                    return
                if not errors.is_conflict(exc):
                    raise

    def _remove_finalizer(self, obj, finalizer: str):
        for _ in range(3):
            try:
                fresh = (yield self.client.get(type(obj), obj.name, obj.metadata.namespace)).copy_deep()  # responses share the server's cache: copy
            except errors.StatusError as exc:
                if errors.is_not_found(exc):
                    return
                raise
            if fresh.uid != obj.uid or finalizer not in (fresh.metadata.finalizers or []):
                return
            fresh.metadata.finalizers = [f for f in fresh.metadata.finalizers if f != finalizer] or None
            try:
                yield self.client.update(fresh)
                self.sim.trace.record(self.name, "FinalizerRemoved", f"{obj.KIND} {obj.key()}: {finalizer}")
                return
            except errors.StatusError as exc:
                if errors.is_not_found(exc):
                    return
                if not errors.is_conflict(exc):
                    raise
