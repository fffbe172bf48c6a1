"""Informers: list + watch into a local cache, with event handlers and indexes
(k8s.io/client-go/tools/cache: Reflector, Indexer, SharedIndexInformer).

Objects in the cache are shared with every handler and lister: never mutate them —
``obj.copy_deep()`` first, as client-go asks.
"""

from __future__ import annotations

from typing import Callable, Optional

from kubelab.api.labels import Selector
from kubelab.api.meta import KubeObject
from kubelab.sim import Event

from .rest import APIClient, KindRef, resolve_kind

Handler = Callable[..., None]


def meta_namespace_key(obj: KubeObject) -> str:
    """cache.MetaNamespaceKeyFunc."""
    return obj.key()


def split_key(key: str) -> tuple[Optional[str], str]:
    """cache.SplitMetaNamespaceKey."""
    if "/" in key:
        ns, name = key.split("/", 1)
        return ns, name
    return None, key


class DeletedFinalStateUnknown:
    """Handed to on_delete when a relist finds an object gone whose delete we never saw."""

    def __init__(self, key: str, obj: KubeObject):
        self.key = key
        self.obj = obj


def tombstone_object(obj):
    """The object a delete handler was given: a :class:`DeletedFinalStateUnknown`'s last known
    state, else the object itself (controllers' ``obj.(cache.DeletedFinalStateUnknown)``)."""
    return obj.obj if type(obj) is DeletedFinalStateUnknown else obj


class SharedInformer:
    def __init__(self, client: APIClient, kind: KindRef, namespace: Optional[str] = None,
                 label_selector: Optional[str] = None, field_selector: Optional[str] = None,
                 resync_period: float = 0.0):
        self.client = client
        self.sim = client.sim
        self.kind = resolve_kind(kind)
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.store: dict[str, KubeObject] = {}
        self._handlers: list[tuple[Handler | None, Handler | None, Handler | None]] = []
        self._indexers: dict[str, Callable[[KubeObject], list[str]]] = {}
        self._indices: dict[str, dict[str, dict[str, KubeObject]]] = {}
        self.synced = False
        self.started = False
        self.stopped = False
        self.resource_version = 0
        self._watch = None
        self._backoff = 0.8  # reflector backoff: 800 ms initial, 30 s max (client-go reflector.go)
        self.relists = 0
        self._synced_event: Event = self.sim.event()

    def __repr__(self) -> str:
        return f"<SharedInformer {self.kind.RESOURCE} items={len(self.store)} synced={self.synced}>"

    # -- configuration ------------------------------------------------------------------
    def add_event_handler(self, on_add: Handler | None = None, on_update: Handler | None = None,
                          on_delete: Handler | None = None) -> None:
        self._handlers.append((on_add, on_update, on_delete))
        if self.synced and on_add:
            for obj in list(self.store.values()):
                on_add(obj)

    def add_indexer(self, name: str, fn: Callable[[KubeObject], list[str]]) -> None:
        self._indexers[name] = fn
        idx: dict[str, dict[str, KubeObject]] = {}
        for key, obj in self.store.items():
            for v in fn(obj):
                idx.setdefault(v, {})[key] = obj
        self._indices[name] = idx

    # -- lister -------------------------------------------------------------------------
    def get(self, key: str) -> Optional[KubeObject]:
        return self.store.get(key)

    def get_by_name(self, name: str, namespace: Optional[str] = None) -> Optional[KubeObject]:
        return self.store.get(f"{namespace}/{name}" if self.kind.NAMESPACED else name)

    def list(self, namespace: Optional[str] = None, selector: Optional[Selector] = None) -> list[KubeObject]:
        if namespace is not None and "namespace" in self._indices:
            objs = list(self._indices["namespace"].get(namespace, {}).values())
        else:
            objs = [o for o in self.store.values() if namespace is None or o.metadata.namespace == namespace]
        if selector is not None:
            objs = [o for o in objs if selector.matches(o.metadata.labels)]
        return objs

    def by_index(self, name: str, value: str) -> list[KubeObject]:
        return list(self._indices.get(name, {}).get(value, {}).values())

    def has_synced(self) -> bool:
        return self.synced

    def wait_for_sync(self) -> Event:
        return self._synced_event

    # -- running ------------------------------------------------------------------------
    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.stopped = False
        self.add_indexer("namespace", lambda o: [o.metadata.namespace or ""])
        self._list_and_watch()
        if self.resync_period:
            self.sim.every(self.resync_period, self._resync)

    def stop(self) -> None:
        self.stopped = True
        self.started = False
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    def _list_and_watch(self) -> None:
        if self.stopped:
            return
        ev = self.client.list(self.kind, self.namespace, self.label_selector, self.field_selector)
        ev.add_callback(self._listed)

    def _retry(self) -> None:
        delay = self._backoff
        self._backoff = min(self._backoff * 2, 30.0)
        self.sim.call_later(delay, self._list_and_watch)

    def _listed(self, ev: Event) -> None:
        if self.stopped:
            ev.defused = True
            return
        if not ev.ok:
            ev.defused = True
            self._retry()
            return
        self._backoff = 0.8
        result = ev.value
        self.relists += 1
        self._replace(result.items)
        self.resource_version = int(result.resource_version)
        if not self.synced:
            self.synced = True
            self._synced_event.succeed(True)
        self._start_watch()

    def _start_watch(self) -> None:
        self._watch = self.client.watch(
            self.kind, self._on_watch_events, self._on_watch_error, self.namespace,
            self.resource_version, self.label_selector, self.field_selector,
        )

    def _on_watch_error(self, exc: Exception) -> None:
        self._watch = None
        if self.stopped:
            return
        # 410 Expired means our resourceVersion is too old: relist. A broken connection:
        # re-watch from where we were (the reflector relists too, after a backoff).
        self._retry()

    def _on_watch_events(self, events: list) -> None:
        tr = self.sim.trace
        for ev in events:
            obj = ev.object
            rv = int(obj.metadata.resource_version or 0)
            if rv > self.resource_version:
                self.resource_version = rv
            key = obj.key()
            if tr.followed:
                span = tr.followed_span(f"{obj.KIND} {key}", rv)
                if span is not None:  # a followed request's object reached this informer
                    tr.record(self.client.user_agent, "InformerNotified",
                              f"{span} {ev.type} {self.kind.RESOURCE} revision={rv} ({len(self._handlers)} handlers)")
            if ev.type == "DELETED":
                old = self._delete(key)
                if old is not None:
                    for _, _, on_delete in self._handlers:
                        if on_delete:
                            on_delete(obj)
            else:
                old = self._store(key, obj)
                for on_add, on_update, _ in self._handlers:
                    if old is None:
                        if on_add:
                            on_add(obj)
                    elif on_update:
                        on_update(old, obj)

    # -- store maintenance ----------------------------------------------------------------
    def _store(self, key: str, obj: KubeObject) -> Optional[KubeObject]:
        old = self.store.get(key)
        self.store[key] = obj
        for name, fn in self._indexers.items():
            idx = self._indices[name]
            if old is not None:
                for v in fn(old):
                    bucket = idx.get(v)
                    if bucket is not None:
                        bucket.pop(key, None)
            for v in fn(obj):
                idx.setdefault(v, {})[key] = obj
        return old

    def _delete(self, key: str) -> Optional[KubeObject]:
        old = self.store.pop(key, None)
        if old is not None:
            for name, fn in self._indexers.items():
                for v in fn(old):
                    bucket = self._indices[name].get(v)
                    if bucket is not None:
                        bucket.pop(key, None)
        return old

    def _replace(self, items: list[KubeObject]) -> None:
        """DeltaFIFO.Replace: adds/updates for what is listed, deletes for what vanished."""
        new_keys = set()
        for obj in items:
            key = obj.key()
            new_keys.add(key)
            old = self._store(key, obj)
            for on_add, on_update, _ in self._handlers:
                if old is None:
                    if on_add:
                        on_add(obj)
                elif on_update and old.metadata.resource_version != obj.metadata.resource_version:
                    on_update(old, obj)
        for key in [k for k in self.store if k not in new_keys]:
            old = self._delete(key)
            for _, _, on_delete in self._handlers:
                if on_delete:
                    on_delete(DeletedFinalStateUnknown(key, old))

    def _resync(self) -> None:
        for obj in list(self.store.values()):
            for _, on_update, _ in self._handlers:
                if on_update:
                    on_update(obj, obj)


class SharedInformerFactory:
    """One informer per kind (and selector), shared by every controller of a component."""

    def __init__(self, client: APIClient, resync_period: float = 0.0):
        self.client = client
        self.resync_period = resync_period
        self.informers: dict[tuple, SharedInformer] = {}

    def informer(self, kind: KindRef, namespace: Optional[str] = None, label_selector: Optional[str] = None,
                 field_selector: Optional[str] = None) -> SharedInformer:
        cls = resolve_kind(kind)
        key = (cls.KIND, namespace, label_selector, field_selector)
        inf = self.informers.get(key)
        if inf is None:
            inf = SharedInformer(self.client, cls, namespace, label_selector, field_selector, self.resync_period)
            self.informers[key] = inf
        return inf

    def start(self) -> None:
        for inf in self.informers.values():
            inf.start()

    def stop(self) -> None:
        for inf in self.informers.values():
            inf.stop()

    def has_synced(self) -> bool:
        return all(i.synced for i in self.informers.values())

    def wait_for_sync(self) -> Event:
        return self.client.sim.all_of([i.wait_for_sync() for i in self.informers.values()])
