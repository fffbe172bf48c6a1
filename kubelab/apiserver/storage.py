"""The API server's storage: etcd keys under /registry, and the etcd3 store's transactions.

Mirrors ``k8s.io/apiserver/pkg/storage/etcd3/store.go``: Create is a txn
``If(create_revision(key) == 0).Then(Put)``; GuaranteedUpdate is
``If(mod_revision(key) == rev).Then(Put).Else(Get)``; Delete is
``If(mod_revision(key) == rev).Then(Delete)``. The object's resourceVersion is not
stored in the value: it *is* the key's mod_revision, set on every read.

The etcd client is anything with the async etcd v3 calls (``txn_async``,
``range_async``, ``watch``) returning simulation events — the Raft cluster's client in a
real cluster, or :class:`DirectKVClient` (one in-process keyspace, no consensus) where
consensus is not the point (benchmarks of other components).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

from kubelab.api.base import share_fields_sets
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import kind_by_kind
from kubelab.etcd import mvcc
from kubelab.sim import Event, Simulator

# Where real Kubernetes keeps each resource (pkg/registry/*/storage: DefaultQualifiedResource
# and the key prefixes; nodes are still "minions", services split into specs/endpoints).
_KEY_PREFIX = {
    "nodes": "minions",
    "services": "services/specs",
    "endpoints": "services/endpoints",
}

REGISTRY = "/registry/"


def resource_prefix(cls: type[KubeObject]) -> str:
    return REGISTRY + _KEY_PREFIX.get(cls.RESOURCE, cls.RESOURCE) + "/"


def object_key(cls: type[KubeObject], namespace: Optional[str], name: str) -> str:
    if cls.NAMESPACED:
        return f"{resource_prefix(cls)}{namespace}/{name}"
    return f"{resource_prefix(cls)}{name}"


def namespace_prefix(cls: type[KubeObject], namespace: Optional[str]) -> str:
    if cls.NAMESPACED and namespace:
        return f"{resource_prefix(cls)}{namespace}/"
    return resource_prefix(cls)


def encode(obj: KubeObject) -> bytes:
    return encode_dict(obj.to_dict())


# every map and list of ObjectMeta is omitempty (k8s.io/apimachinery/pkg/apis/meta/v1/types.go)
_OMITEMPTY_META = ("labels", "annotations", "ownerReferences", "finalizers", "managedFields")


def encode_dict(d: dict) -> bytes:
    """``encode`` of an object already serialised with ``to_dict`` (the dict is changed:
    its resourceVersion goes)."""
    md = d.get("metadata")
    if md is not None:
        md.pop("resourceVersion", None)
        # ObjectMeta's maps and lists are omitempty: an empty one (`kubectl label` removed the
        # last label, a patch the last owner reference or finalizer) is not stored, as Go's
        # encoder drops it
        for k in _OMITEMPTY_META:
            if k in md and not md[k]:
                del md[k]
    return json.dumps(d, separators=(",", ":"), sort_keys=True).encode()


def decode(cls: type[KubeObject], value: bytes, mod_revision: int) -> KubeObject:
    # pydantic-core parses the JSON itself (a third faster than json.loads + model_validate);
    # the resourceVersion is the etcd revision, as the etcd3 store's versioner sets it
    obj = cls.model_validate_json(value)
    obj.metadata.resource_version = str(mod_revision)
    return obj


def decode_cached(cls: type[KubeObject], value: bytes, mod_revision: int) -> KubeObject:
    """``decode`` for the watch cache: the object is shared by the cache and every informer
    fed from it, so it is marked read-only (and its fields-set sets are shared, a third of
    a decoded object's memory): see kubelab.api.base.ReadOnlyFieldsSet."""
    return share_fields_sets(decode(cls, value, mod_revision))


def decode_any(value: bytes, mod_revision: int) -> KubeObject:
    d = json.loads(value)
    cls = kind_by_kind(d["kind"])
    d.setdefault("metadata", {})["resourceVersion"] = str(mod_revision)
    return cls.model_validate(d)


class KeyExists(Exception):
    pass


class KeyNotFound(Exception):
    pass


class RevisionMismatch(Exception):
    """The key changed since ``expected``; carries the current value and revision."""

    def __init__(self, current: Optional[bytes], current_rev: int):
        super().__init__("revision mismatch")
        self.current = current
        self.current_rev = current_rev


def _lost_race(r: mvcc.TxnResponse, key: str) -> Exception:
    """A compare-and-swap txn that failed: its Else branch read the key (gone, or changed)."""
    kvs = r.responses[0].response.kvs if r.responses else []
    if not kvs:
        return KeyNotFound(key)
    return RevisionMismatch(kvs[0].value, kvs[0].mod_revision)


@dataclass(slots=True)
class StoredEvent:
    type: str  # ADDED | MODIFIED | DELETED
    key: str
    value: Optional[bytes]  # None for DELETED
    prev_value: Optional[bytes]
    revision: int


class Storage:
    """The etcd3 store: Create / GuaranteedUpdate / Delete / Get / List / Watch as txns."""

    def __init__(self, sim: Simulator, client: Any):
        self.sim = sim
        self.client = client

    def _then(self, ev: Event, fn: Callable[[Any], Any]) -> Event:
        out = self.sim.event()

        def done(e: Event) -> None:
            if not e.ok:
                e.defused = True
                out.fail(e.exception)
                return
            try:
                out.succeed(fn(e.value))
            except BaseException as exc:  # noqa: BLE001 — handed to the waiting request
                out.fail(exc)

        ev.add_callback(done)
        return out

    def create(self, key: str, value: bytes, lease: int = 0) -> Event:
        """Succeeds with the new revision; fails with KeyExists."""
        ev = self.client.txn_async(
            compare=[mvcc.Compare.create_revision(key, "=", 0)],
            success=[mvcc.PutRequest(key, value, lease=lease)],
            failure=[],
        )

        def result(r: mvcc.TxnResponse) -> int:
            if not r.succeeded:
                raise KeyExists(key)
            return r.header.revision

        return self._then(ev, result)

    def update(self, key: str, value: bytes, expected_rev: int) -> Event:
        """Compare-and-swap on mod_revision. Succeeds with the new revision; fails with
        RevisionMismatch (current value attached) or KeyNotFound."""
        ev = self.client.txn_async(
            compare=[mvcc.Compare.mod_revision(key, "=", expected_rev)],
            success=[mvcc.PutRequest(key, value)],
            failure=[mvcc.RangeRequest(key)],
        )

        def result(r: mvcc.TxnResponse) -> int:
            if r.succeeded:
                return r.header.revision
            raise _lost_race(r, key)

        return self._then(ev, result)

    def delete(self, key: str, expected_rev: int) -> Event:
        """Succeeds with ``(revision, deleted_value)``; fails like :meth:`update`."""
        ev = self.client.txn_async(
            compare=[mvcc.Compare.mod_revision(key, "=", expected_rev)],
            success=[mvcc.DeleteRangeRequest(key, prev_kv=True)],
            failure=[mvcc.RangeRequest(key)],
        )

        def result(r: mvcc.TxnResponse) -> tuple[int, bytes]:
            if r.succeeded:
                prev = r.responses[0].response.prev_kvs
                return r.header.revision, (prev[0].value if prev else b"")
            raise _lost_race(r, key)

        return self._then(ev, result)

    def get(self, key: str) -> Event:
        """Succeeds with ``(value, mod_revision)`` or None."""
        ev = self.client.range_async(key)
        return self._then(ev, lambda r: (r.kvs[0].value, r.kvs[0].mod_revision) if r.kvs else None)

    def list(self, prefix: str) -> Event:
        """Succeeds with ``([(key, value, mod_revision)], revision)``."""
        ev = self.client.range_async(prefix, prefix=True)
        return self._then(
            ev, lambda r: ([(kv.key.decode(), kv.value, kv.mod_revision) for kv in r.kvs], r.header.revision)
        )

    def watch(self, prefix: str, start_revision: int, callback: Callable[[list[StoredEvent]], None]):
        """Watch ``prefix`` from ``start_revision``; ``callback`` gets batches of StoredEvents.
        Returns the etcd watcher (``cancel()``)."""

        def on_response(resp: Any) -> None:
            events = []
            for e in getattr(resp, "events", None) or ():
                prev = e.prev_kv.value if e.prev_kv is not None else None
                if e.type == mvcc.PUT:
                    typ = "ADDED" if e.kv.create_revision == e.kv.mod_revision else "MODIFIED"
                    events.append(StoredEvent(typ, e.kv.key.decode(), e.kv.value, prev, e.kv.mod_revision))
                else:
                    events.append(StoredEvent("DELETED", e.kv.key.decode(), None, prev, e.kv.mod_revision))
            if events:
                callback(events)

        return self.client.watch(prefix, prefix=True, start_revision=start_revision, prev_kv=True, callback=on_response)


class DirectKVClient:
    """An etcd client straight onto one in-process keyspace: no Raft, no network.

    Answers on the clock (each call's event fires at the current instant, never inside
    the caller), so code written against the real cluster's client behaves the same.
    """

    def __init__(self, sim: Simulator, kv: Optional[mvcc.KV] = None):
        self.sim = sim
        self.kv = kv or mvcc.KV()

    def _answer(self, fn: Callable, *args: Any, **kw: Any) -> Event:
        ev = self.sim.event()
        try:
            ev.succeed(fn(*args, **kw))
        except BaseException as exc:  # noqa: BLE001
            ev.fail(exc)
        return ev

    def txn_async(self, compare=(), success=(), failure=()) -> Event:
        return self._answer(self.kv.txn, compare, success, failure)

    def range_async(self, key, range_end=None, **kw) -> Event:
        return self._answer(self.kv.range, key, range_end, **kw)

    def put_async(self, key, value=b"", **kw) -> Event:
        return self._answer(self.kv.put, key, value, **kw)

    def delete_range_async(self, key, range_end=None, **kw) -> Event:
        return self._answer(self.kv.delete_range, key, range_end, **kw)

    def watch(self, key, *, prefix=False, start_revision=0, prev_kv=False, callback):
        # the keyspace calls back synchronously inside the write; hop onto the clock
        return self.kv.watch(
            key, prefix=prefix, start_revision=start_revision, prev_kv=prev_kv,
            callback=lambda resp: self.sim.call_soon(callback, resp),
        )
