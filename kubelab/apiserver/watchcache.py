"""The watch cache (k8s.io/apiserver/pkg/storage/cacher): one etcd watch per resource,
decoded objects kept in memory, a window of recent events for watchers to resume from,
and fan-out to every API watch.

Pods are indexed by ``spec.nodeName`` (the cacher's "indexed triggers"), so each kubelet's
watch costs work proportional to its own pods, not to the cluster's.
"""

from __future__ import annotations

import operator
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Optional

from kubelab.api.labels import FieldSelector, Selector
from kubelab.api.meta import KubeObject

# Field selectors each resource supports (pkg/registry/<resource>/strategy.go *ToSelectableFields).
_COMMON = ("metadata.name", "metadata.namespace")
SELECTABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": _COMMON + ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                      "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"),
    "Node": _COMMON + ("spec.unschedulable",),
    "Event": _COMMON + ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    "Secret": _COMMON + ("type",),
    "Namespace": _COMMON + ("status.phase",),
    "ReplicaSet": _COMMON + ("status.replicas",),
    "Job": _COMMON + ("status.successful",),
}


def selectable_fields(obj: KubeObject) -> dict[str, str]:
    m = obj.metadata
    f = {"metadata.name": m.name or "", "metadata.namespace": m.namespace or ""}
    k = obj.KIND
    if k == "Pod":
        s, st = obj.spec, obj.status
        f.update({
            "spec.nodeName": s.node_name or "", "spec.restartPolicy": s.restart_policy or "",
            "spec.schedulerName": s.scheduler_name or "", "spec.serviceAccountName": s.service_account_name or "",
            "spec.hostNetwork": "true" if s.host_network else "false", "status.phase": st.phase or "",
            "status.podIP": st.pod_ip or "", "status.nominatedNodeName": st.nominated_node_name or "",
        })
    elif k == "Node":
        f["spec.unschedulable"] = "true" if obj.spec.unschedulable else "false"
    elif k == "Event":
        io = obj.involved_object
        f.update({
            "involvedObject.kind": io.kind or "", "involvedObject.namespace": io.namespace or "",
            "involvedObject.name": io.name or "", "involvedObject.uid": io.uid or "",
            "involvedObject.apiVersion": io.api_version or "", "involvedObject.resourceVersion": io.resource_version or "",
            "involvedObject.fieldPath": io.field_path or "", "reason": obj.reason or "",
            "reportingComponent": obj.reporting_component or "",
            "source": (obj.source.component if obj.source else "") or "", "type": obj.type or "",
        })
    elif k == "Secret":
        f["type"] = obj.type or ""
    elif k == "Namespace":
        f["status.phase"] = obj.status.phase or ""
    elif k == "ReplicaSet":
        f["status.replicas"] = str(obj.status.replicas or 0)
    return f


@dataclass(slots=True)
class WatchEvent:
    """What an API watch delivers: ``type`` is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."""

    type: str
    object: Any
    revision: int = 0
    prev_object: Any = None

    def __repr__(self) -> str:
        return f"WatchEvent({self.type}, {self.object!r})"


class Expired(Exception):
    """The requested resourceVersion is older than the cache's window: the API server answers
    410 with reason Expired (errors.NewResourceExpired in
    staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go getAllEventsSinceLocked)."""


class CacheWatcher:
    __slots__ = ("cache", "namespace", "label_selector", "field_selector", "send", "stopped", "node_name")

    def __init__(self, cache, namespace, label_selector, field_selector, send):
        self.cache = cache
        self.namespace = namespace
        self.label_selector: Optional[Selector] = label_selector
        self.field_selector: Optional[FieldSelector] = field_selector
        self.send: Callable[[list[WatchEvent]], None] = send
        self.stopped = False
        self.node_name: Optional[str] = None

    def matches(self, obj: Optional[KubeObject]) -> bool:
        if obj is None:
            return False
        if self.namespace and obj.metadata.namespace != self.namespace:
            return False
        if self.label_selector is not None and not self.label_selector.empty():
            if not self.label_selector.matches(obj.metadata.labels):
                return False
        if self.field_selector is not None and not self.field_selector.empty():
            if not self.field_selector.matches(selectable_fields(obj)):
                return False
        return True

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.cache._remove_watcher(self)


_first = operator.itemgetter(0)


class WatchCache:
    """Objects of one resource, as of revision ``self.revision``."""

    def __init__(self, kind: type[KubeObject], capacity: int = 1000):
        self.kind = kind
        self.objects: dict[str, KubeObject] = {}  # "ns/name" or "name"
        self.by_namespace: dict[str, dict[str, KubeObject]] = {}
        self.by_node: dict[str, dict[str, KubeObject]] = {}  # pods only
        self.window: deque[WatchEvent] = deque(maxlen=capacity)
        self.revision = 0
        self._watchers: dict[CacheWatcher, None] = {}  # ordered: dispatch order is deterministic
        self._node_watchers: dict[str, dict[CacheWatcher, None]] = {}
        self.synced = False

    # -- feeding ----------------------------------------------------------------------
    @staticmethod
    def _key(obj: KubeObject) -> str:
        ns = obj.metadata.namespace
        return f"{ns}/{obj.metadata.name}" if ns else obj.metadata.name

    def replace(self, objects: list[KubeObject], revision: int) -> None:
        """The initial list (or a relist) from etcd."""
        self.objects.clear()
        self.by_namespace.clear()
        self.by_node.clear()
        for o in objects:
            self._put(o)
        self.revision = revision
        self.synced = True

    def _put(self, obj: KubeObject) -> Optional[KubeObject]:
        key = self._key(obj)
        old = self.objects.get(key)
        self.objects[key] = obj
        ns = obj.metadata.namespace or ""
        self.by_namespace.setdefault(ns, {})[key] = obj
        if self.kind.KIND == "Pod":
            if old is not None and old.spec.node_name != obj.spec.node_name:
                self.by_node.get(old.spec.node_name or "", {}).pop(key, None)
            self.by_node.setdefault(obj.spec.node_name or "", {})[key] = obj
        return old

    def _remove(self, obj: KubeObject) -> None:
        key = self._key(obj)
        self.objects.pop(key, None)
        self.by_namespace.get(obj.metadata.namespace or "", {}).pop(key, None)
        if self.kind.KIND == "Pod":
            self.by_node.get(obj.spec.node_name or "", {}).pop(key, None)

    def apply(self, type_: str, obj: KubeObject, revision: int) -> None:
        """One change from etcd's watch: update the store, fan out to watchers. A change
        the cache has already seen is old news and is dropped (a txn may change several
        keys at one revision, so only an identical key at that revision counts as seen)."""
        if revision < self.revision:
            return
        if revision == self.revision:
            seen = self.objects.get(self._key(obj))
            if type_ == "DELETED" and seen is None:
                return
            if seen is not None and seen.metadata.resource_version == str(revision):
                return
        if type_ == "DELETED":
            old = self.objects.get(self._key(obj))
            self._remove(obj)
        else:
            old = self._put(obj)
        self.revision = max(self.revision, revision)
        ev = WatchEvent(type_, obj, revision, old)
        self.window.append(ev)
        self._dispatch(ev)

    # -- reading ----------------------------------------------------------------------
    def get(self, namespace: Optional[str], name: str) -> Optional[KubeObject]:
        return self.objects.get(f"{namespace}/{name}" if self.kind.NAMESPACED else name)

    def list(self, namespace: Optional[str] = None, label_selector: Optional[Selector] = None,
             field_selector: Optional[FieldSelector] = None) -> list[KubeObject]:
        if self.kind.KIND == "Pod" and field_selector is not None:
            node = _exact(field_selector, "spec.nodeName")
            if node is not None:
                source = self.by_node.get(node, {})
            else:
                source = self._ns_source(namespace)
        else:
            source = self._ns_source(namespace)
        w = CacheWatcher(self, namespace, label_selector, field_selector, None)
        # etcd returns keys in order; so does the cache (each index is keyed by _key(obj))
        out = [kv for kv in source.items() if w.matches(kv[1])]
        out.sort(key=_first)
        return [o for _, o in out]

    def _ns_source(self, namespace: Optional[str]) -> dict[str, KubeObject]:
        if namespace and self.kind.NAMESPACED:
            return self.by_namespace.get(namespace, {})
        return self.objects

    # -- watching ---------------------------------------------------------------------
    def watch(self, namespace, label_selector, field_selector, resource_version: int,
              send: Callable[[list[WatchEvent]], None]) -> CacheWatcher:
        w = CacheWatcher(self, namespace, label_selector, field_selector, send)
        if resource_version == 0:
            # "any version": start with a synthetic ADDED for everything that matches
            initial = [WatchEvent("ADDED", o, self.revision) for o in self.list(namespace, label_selector, field_selector)]
        else:
            oldest = self.window[0].revision if self.window else self.revision + 1
            if resource_version < self.revision and resource_version < oldest - 1:
                raise Expired(f"too old resource version: {resource_version} ({oldest - 1})")
            initial = []
            for ev in self.window:
                if ev.revision > resource_version:
                    initial.extend(self._translate(w, ev))
        node = _exact(field_selector, "spec.nodeName") if (self.kind.KIND == "Pod" and field_selector) else None
        if node is not None:
            w.node_name = node
            self._node_watchers.setdefault(node, {})[w] = None
        else:
            self._watchers[w] = None
        if initial:
            send(initial)
        return w

    def _remove_watcher(self, w: CacheWatcher) -> None:
        if w.node_name is not None:
            self._node_watchers.get(w.node_name, {}).pop(w, None)
        else:
            self._watchers.pop(w, None)

    @staticmethod
    def _translate(w: CacheWatcher, ev: WatchEvent) -> list[WatchEvent]:
        # cacher.go: an object that starts matching is ADDED, one that stops is DELETED
        new_m = ev.type != "DELETED" and w.matches(ev.object)
        old_obj = ev.prev_object if ev.type != "DELETED" else (ev.prev_object or ev.object)
        old_m = w.matches(old_obj) if old_obj is not None else False
        if ev.type == "DELETED":
            return [ev] if old_m or w.matches(ev.object) else []
        if new_m and old_m:
            return [WatchEvent("MODIFIED", ev.object, ev.revision, ev.prev_object)]
        if new_m:
            return [WatchEvent("ADDED", ev.object, ev.revision, ev.prev_object)]
        if old_m:
            return [WatchEvent("DELETED", ev.object, ev.revision, ev.prev_object)]
        return []

    def _dispatch(self, ev: WatchEvent) -> None:
        targets: list[CacheWatcher] = list(self._watchers)
        if self._node_watchers:
            nodes = {ev.object.spec.node_name or ""}
            if ev.prev_object is not None:
                nodes.add(ev.prev_object.spec.node_name or "")
            for n in sorted(nodes):
                targets.extend(self._node_watchers.get(n, ()))
        for w in targets:
            if w.stopped:
                continue
            out = self._translate(w, ev)
            if out:
                w.send(out)


def _exact(fs: Optional[FieldSelector], field: str) -> Optional[str]:
    if fs is None:
        return None
    for r in fs.requirements:
        if r.field == field and r.operator in ("=", "=="):
            return r.value
    return None
