"""A watch over HTTP: one chunked response, one JSON watch event per line
(k8s.io/apiserver/pkg/endpoints/handlers/watch.go).

The stream registers on the chosen API server's watch cache, so it sees exactly what the
controllers' informers see. A resourceVersion older than the cache's window is answered as
the cacher answers it: 200, then one ERROR event carrying a 410 Expired Status. With
``allowWatchBookmarks`` the stream sends a BOOKMARK (the current resourceVersion) every
simulated minute; every simulated two seconds it checks that its API server is still up and
reachable (client-go's HTTP/2 ping) and ends the response when it is not, as a dead master
ends real watches. ``timeoutSeconds`` ends it after that many wall-clock seconds.

``sendInitialEvents=true`` (the watch-list of KEP-3157, which client-go 1.35+ informers and so
kubectl 1.37's ``rollout status`` and ``wait`` use): the stream first sends every current object
as ADDED, then a BOOKMARK annotated ``k8s.io/initial-events-end: "true"`` at the list's
resourceVersion, then the changes after it (staging/src/k8s.io/apiserver/pkg/storage/cacher).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from kubelab.api import errors

from . import table as tables

BOOKMARK_PERIOD = 60.0
HEALTH_PERIOD = 2.0


class WatchStream:
    def __init__(self, door, server, kind, namespace, rv: int, label_selector, field_selector, *, table: bool,
                 meta_version: str, include: str, bookmarks: bool, timeout: float, initial_events: bool = False):
        self.door = door
        self.server = server
        self.kind = kind
        self.namespace = namespace
        self.rv = rv
        self.ls = label_selector
        self.fs = field_selector
        self.table = table
        self.meta_version = meta_version
        self.include = include
        self.bookmarks = bookmarks
        self.timeout = timeout
        self.initial_events = initial_events
        self._write: Optional[Callable[[bytes], None]] = None
        self._close: Optional[Callable[[], None]] = None
        self._watcher = None
        self._timers: list[Any] = []
        self.closed = False
        self._headers_sent = False
        self.sent = 0
        self.convert: Optional[Callable[[dict], dict]] = None  # another version's shape (events.k8s.io/v1)

    def validate(self) -> None:
        """Refuse a bad selector before the 200 goes out (a 400, as the handler does)."""
        from kubelab.api.labels import parse_field_selector, parse_selector
        from kubelab.apiserver.watchcache import SELECTABLE_FIELDS

        try:
            ls = parse_selector(self.ls) if self.ls else None
            fs = parse_field_selector(self.fs) if self.fs else None
        except ValueError as exc:
            raise errors.new_bad_request(str(exc)) from None
        _ = ls
        allowed = SELECTABLE_FIELDS.get(self.kind.KIND, ("metadata.name", "metadata.namespace"))
        for r in (fs.requirements if fs else ()):
            if r.field not in allowed:
                raise errors.new_bad_request(f"field label not supported: {r.field}")

    def start(self, write: Callable[[bytes], None], close: Callable[[], None]) -> None:
        """Called by the HTTP server once the response headers are out."""
        self._write, self._close = write, close
        sim = self.door.sim
        initial = None
        if self.initial_events:
            res = self.server.read_list(self.kind, self.namespace, self.ls, self.fs)
            initial, self.rv = res.items, int(res.resource_version)
        try:
            self._watcher = self.server.watch(self.kind, self.namespace, self.rv, self._on_events, self.ls, self.fs)
        except errors.StatusError as exc:
            st = exc.to_dict()  # the cacher's errWatcher: e.g. "too old resource version" (410 Expired)
            self._emit({"type": "ERROR", "object": st})
            self.stop()
            return
        if initial is not None:
            for obj in initial:
                self._emit({"type": "ADDED", "object": self._object(obj)})
            if self.bookmarks:
                # the cacher sends the end-of-initial-events bookmark only to a watcher that
                # allows bookmarks (cacher.go, watch_cache_interval / cache_watcher.go)
                self._bookmark(str(self.rv), {"k8s.io/initial-events-end": "true"})
        self._timers.append(sim.every(HEALTH_PERIOD, self._check))
        if self.bookmarks:
            self._timers.append(sim.every(BOOKMARK_PERIOD, self._bookmark))

    def _emit(self, event: dict) -> None:
        if self.closed or self._write is None:
            return
        self.sent += 1
        self._write(json.dumps(event, separators=(",", ":")).encode() + b"\n")

    def _object(self, obj) -> dict:
        if self.table:
            first = not self._headers_sent
            self._headers_sent = True
            return tables.table(self.kind.KIND, [obj], self.door.sim.now, obj.metadata.resource_version,
                                self.include, self.meta_version, headers=first)
        return obj.to_dict() if self.convert is None else self.convert(obj.to_dict())

    def _on_events(self, events: list) -> None:
        for ev in events:
            self._emit({"type": ev.type, "object": self._object(ev.object)})

    def _bookmark(self, rv: Optional[str] = None, annotations: Optional[dict] = None) -> None:
        meta: dict = {"resourceVersion": rv or str(self.server.caches[self.kind.KIND].revision), "creationTimestamp": None}
        if annotations:
            meta["annotations"] = annotations
        self._emit({"type": "BOOKMARK", "object": {"kind": self.kind.KIND, "apiVersion": self.kind.api_version_str(),
                                                   "metadata": meta}})

    def _check(self) -> None:
        s = self.server
        net = self.door.network
        host = self.door.client_host
        if not s.running or not net.can_reach(host, s.host) or not net.can_reach(s.host, host):
            self.stop()

    def stop(self) -> None:
        if self.closed:
            return
        self.closed = True
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        if self._watcher is not None:
            self._watcher.stop()
        if self._close is not None:
            self._close()
