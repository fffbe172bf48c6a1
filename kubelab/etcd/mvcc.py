"""The MVCC keyspace with etcd v3 semantics — pure: no clock, no raft, no I/O.

This is the seam the API server's storage stands on, and what every etcd member applies
committed Raft entries to. It mirrors etcd 3.4's ``mvcc`` package and the applier in
``etcdserver/apply.go``:

* the store revision starts at 1 for an empty store; every put, every delete that
  deletes something, and every txn that writes bumps it by one (a txn is one revision);
* each key carries ``create_revision``, ``mod_revision``, ``version`` (1 on creation,
  reset by a delete) and ``lease``;
* ``range`` reads at any revision not compacted away; ``compact(rev)`` forgets history
  older than ``rev`` and answers etcd's errors;
* leases own keys; revoking (or expiring) a lease deletes its keys in one revision;
* watches replay history from a start revision, then follow new writes.

Keys are kept in a sorted list (``bisect``), so a range over a prefix costs
O(log n + k). Inputs accept ``str`` or ``bytes``; responses always hold ``bytes``.

Typical use::

    kv = KV()
    kv.put("/registry/pods/default/a", "{}").header.revision      # 2
    kv.range("/registry/pods/", prefix=True).kvs[0].version       # 1
    kv.txn(compare=[Compare.mod_revision("/k", "=", 0)],
           success=[PutRequest("/k", "v")])                        # create-if-absent
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple, Sequence

from .errors import (
    ErrCompacted,
    ErrDuplicateKey,
    ErrEmptyKey,
    ErrFutureRev,
    ErrKeyNotFound,
    ErrLeaseExist,
    ErrLeaseNotFound,
    ErrLeaseProvided,
    ErrLeaseTTLTooLarge,
    ErrTooManyOps,
    ErrValueProvided,
)

__all__ = [
    "KV", "KeyValue", "ResponseHeader", "RangeRequest", "PutRequest", "DeleteRangeRequest",
    "TxnRequest", "CompactionRequest", "LeaseGrantRequest", "LeaseRevokeRequest", "Compare",
    "RangeResponse", "PutResponse", "DeleteRangeResponse", "TxnResponse", "ResponseOp",
    "CompactionResponse", "LeaseGrantResponse", "LeaseRevokeResponse", "LeaseKeepAliveResponse",
    "LeaseTimeToLiveResponse", "WatchEvent", "WatchResponse", "Watcher", "Lease",
    "prefix_end", "to_bytes", "check_request", "PUT", "DELETE", "NOPUT", "NODELETE",
]

# Sort order / target enums as in etcdserverpb.RangeRequest
NONE, ASCEND, DESCEND = "NONE", "ASCEND", "DESCEND"
SORT_ORDERS = (NONE, ASCEND, DESCEND)
SORT_TARGETS = ("KEY", "VERSION", "CREATE", "MOD", "VALUE")
# mvccpb.Event_EventType
PUT, DELETE = "PUT", "DELETE"
# etcdserverpb.WatchCreateRequest_FilterType
NOPUT, NODELETE = "NOPUT", "NODELETE"

# etcd's --max-txn-ops default (embed.DefaultMaxTxnOps)
MAX_TXN_OPS = 128
# lease.MaxLeaseTTL (lease/lessor.go)
MAX_LEASE_TTL = 9_000_000_000
# etcdserver: minTTL = ceil(3*ElectionTicks/2 * heartbeat) = ceil(1.5 s) with the defaults
MIN_LEASE_TTL = 2


def to_bytes(x: str | bytes | None, name: str = "key") -> bytes:
    """A key or value as bytes. etcd's protobufs carry bytes; anything but str/bytes is
    refused here, at the client boundary, naming the argument (gRPC could not encode it)."""
    if x is None:
        return b""
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        try:
            return x.encode()
        except UnicodeEncodeError:
            raise ValueError(f"{name} must be valid UTF-8 text (a lone surrogate cannot be encoded)") from None
    if isinstance(x, (bytearray, memoryview)):
        return bytes(x)
    raise TypeError(f"{name} must be str or bytes, not {type(x).__name__}")


# int64 fields of etcdserverpb (revision, lease ID, TTL ...)
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def int64_arg(x, name: str) -> int:
    """An int64 protobuf field: an ``int`` (not a bool, not a str) that fits in 64 bits."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{name} must be an int, not {type(x).__name__}")
    if not _INT64_MIN <= x <= _INT64_MAX:
        raise ValueError(f"{name} {x} overflows int64")
    return x


def bool_arg(x, name: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{name} must be a bool, not {type(x).__name__}")
    return x


def prefix_end(key: str | bytes) -> bytes:
    """The range_end that makes ``[key, end)`` every key starting with ``key``
    (clientv3.GetPrefixRangeEnd): increment the last byte that is not 0xff."""
    k = bytearray(to_bytes(key))
    for i in range(len(k) - 1, -1, -1):
        if k[i] < 0xFF:
            k[i] += 1
            return bytes(k[: i + 1])
    return b"\x00"  # every key is >= key: "\x00" means "to the end" in etcd


# --------------------------------------------------------------------------------------
# Data records (names as in etcd's protobufs: mvccpb.KeyValue, etcdserverpb.*)
# --------------------------------------------------------------------------------------


class KeyValue(NamedTuple):
    """mvccpb.KeyValue. Immutable (a tuple of plain values: cheap, and invisible to the
    garbage collector, which matters when the store holds millions of versions)."""

    key: bytes
    create_revision: int = 0
    mod_revision: int = 0
    version: int = 0
    value: bytes = b""
    lease: int = 0


# Inside the store a version is a plain tuple laid out like KeyValue (exact tuples of
# plain values are untracked by CPython's garbage collector, so millions of stored
# versions cost no GC time); it becomes a KeyValue only on its way out.
_KEY, _CREATE, _MOD, _VER, _VAL, _LEASE = range(6)
_new_tuple = tuple.__new__


def _kv(t: tuple | None) -> KeyValue | None:
    return None if t is None else _new_tuple(KeyValue, t)


@dataclass(slots=True)
class ResponseHeader:
    cluster_id: int = 0
    member_id: int = 0
    revision: int = 0
    raft_term: int = 0


@dataclass(slots=True)
class RangeResponse:
    header: ResponseHeader
    kvs: list[KeyValue] = field(default_factory=list)
    more: bool = False
    count: int = 0


@dataclass(slots=True)
class PutResponse:
    header: ResponseHeader
    prev_kv: KeyValue | None = None


@dataclass(slots=True)
class DeleteRangeResponse:
    header: ResponseHeader
    deleted: int = 0
    prev_kvs: list[KeyValue] = field(default_factory=list)


@dataclass(slots=True)
class ResponseOp:
    """One of the four is set, as in etcdserverpb.ResponseOp's oneof."""

    response_range: RangeResponse | None = None
    response_put: PutResponse | None = None
    response_delete_range: DeleteRangeResponse | None = None
    response_txn: "TxnResponse | None" = None

    @property
    def response(self):
        return self.response_range or self.response_put or self.response_delete_range or self.response_txn


@dataclass(slots=True)
class TxnResponse:
    header: ResponseHeader
    succeeded: bool = False
    responses: list[ResponseOp] = field(default_factory=list)


@dataclass(slots=True)
class CompactionResponse:
    header: ResponseHeader


@dataclass(slots=True)
class LeaseGrantResponse:
    header: ResponseHeader
    ID: int = 0
    TTL: int = 0
    error: str = ""


@dataclass(slots=True)
class LeaseRevokeResponse:
    header: ResponseHeader


@dataclass(slots=True)
class LeaseKeepAliveResponse:
    header: ResponseHeader
    ID: int = 0
    TTL: int = 0  # 0 when the lease does not exist (as etcd's keepalive stream answers)


@dataclass(slots=True)
class LeaseTimeToLiveResponse:
    header: ResponseHeader
    ID: int = 0
    TTL: int = -1  # -1 when the lease does not exist (lessor: "lease not found")
    grantedTTL: int = 0
    keys: list[bytes] = field(default_factory=list)


class WatchEvent(NamedTuple):
    """mvccpb.Event: ``type`` is PUT or DELETE; a DELETE's kv holds only key and mod_revision."""

    type: str
    kv: KeyValue
    prev_kv: KeyValue | None = None


@dataclass(slots=True)
class WatchResponse:
    header: ResponseHeader
    watch_id: int = 0
    created: bool = False
    canceled: bool = False
    compact_revision: int = 0
    cancel_reason: str = ""
    events: list[WatchEvent] = field(default_factory=list)

    @property
    def is_progress_notify(self) -> bool:
        return not self.events and not self.created and not self.canceled and self.compact_revision == 0


# --------------------------------------------------------------------------------------
# Requests (etcdserverpb.RangeRequest etc.); they double as txn operations
# --------------------------------------------------------------------------------------


def _norm_range(key, range_end, prefix) -> tuple[bytes, bytes | None]:
    k = to_bytes(key, "key")
    if bool_arg(prefix, "prefix"):
        return k, prefix_end(k)
    if range_end is None or range_end == b"" or range_end == "":
        return k, None
    return k, to_bytes(range_end, "range_end")


@dataclass(slots=True, init=False)
class RangeRequest:
    key: bytes
    range_end: bytes | None
    limit: int
    revision: int
    sort_order: str
    sort_target: str
    serializable: bool
    keys_only: bool
    count_only: bool

    def __init__(self, key, range_end=None, *, prefix=False, limit=0, revision=0, sort_order=NONE,
                 sort_target="KEY", serializable=False, keys_only=False, count_only=False):
        self.key, self.range_end = _norm_range(key, range_end, prefix)
        self.limit, self.revision = int64_arg(limit, "limit"), int64_arg(revision, "revision")
        if sort_order not in SORT_ORDERS:
            raise ValueError(f"sort_order must be one of {', '.join(SORT_ORDERS)}, not {sort_order!r}")
        if sort_target not in SORT_TARGETS:
            raise ValueError(f"sort_target must be one of {', '.join(SORT_TARGETS)}, not {sort_target!r}")
        self.sort_order, self.sort_target = sort_order, sort_target
        self.serializable = bool_arg(serializable, "serializable")
        self.keys_only, self.count_only = bool_arg(keys_only, "keys_only"), bool_arg(count_only, "count_only")


class _PutRequest(NamedTuple):
    key: bytes
    value: bytes
    lease: int
    prev_kv: bool
    ignore_value: bool
    ignore_lease: bool


class PutRequest(_PutRequest):
    """etcdserverpb.PutRequest (immutable; ``key``/``value`` accept str or bytes)."""

    __slots__ = ()

    def __new__(cls, key, value=b"", *, lease=0, prev_kv=False, ignore_value=False, ignore_lease=False):
        if type(lease) is not int or type(prev_kv) is not bool or type(ignore_value) is not bool \
                or type(ignore_lease) is not bool:
            int64_arg(lease, "lease")
            bool_arg(prev_kv, "prev_kv"), bool_arg(ignore_value, "ignore_value"), bool_arg(ignore_lease, "ignore_lease")
        if type(key) is str:
            try:
                key = key.encode()
            except UnicodeEncodeError:
                key = to_bytes(key, "key")  # raises, naming the argument
        elif type(key) is not bytes:
            key = to_bytes(key, "key")
        if type(value) is not bytes:
            value = to_bytes(value, "value")
        return _new_tuple(cls, (key, value, lease, prev_kv, ignore_value, ignore_lease))


@dataclass(slots=True, init=False)
class DeleteRangeRequest:
    key: bytes
    range_end: bytes | None
    prev_kv: bool

    def __init__(self, key, range_end=None, *, prefix=False, prev_kv=False):
        self.key, self.range_end = _norm_range(key, range_end, prefix)
        self.prev_kv = bool_arg(prev_kv, "prev_kv")


_RESULTS = {"=": "EQUAL", "==": "EQUAL", "!=": "NOT_EQUAL", "<": "LESS", ">": "GREATER",
            "EQUAL": "EQUAL", "NOT_EQUAL": "NOT_EQUAL", "LESS": "LESS", "GREATER": "GREATER"}


@dataclass(slots=True, init=False)
class Compare:
    """etcdserverpb.Compare. ``target`` is VERSION, CREATE, MOD, VALUE or LEASE; ``result``
    is EQUAL, NOT_EQUAL, LESS, GREATER (or ``=``, ``!=``, ``<``, ``>``)."""

    key: bytes
    range_end: bytes | None
    target: str
    result: str
    operand: object

    def __init__(self, key, target, result, operand, range_end=None, *, prefix=False):
        self.key, self.range_end = _norm_range(key, range_end, prefix)
        if target not in ("VERSION", "CREATE", "MOD", "VALUE", "LEASE"):
            raise ValueError(f"target must be VERSION, CREATE, MOD, VALUE or LEASE, not {target!r}")
        self.target = target
        if not isinstance(result, str) or result not in _RESULTS:
            raise ValueError(f"result must be one of =, !=, <, > (or EQUAL, NOT_EQUAL, LESS, GREATER), not {result!r}")
        self.result = _RESULTS[result]
        self.operand = to_bytes(operand, "operand") if target == "VALUE" else int64_arg(operand, "operand")

    # clientv3-style helpers: Compare.value("k", "=", "v")
    @classmethod
    def value(cls, key, result, v, **kw):
        return cls(key, "VALUE", result, v, **kw)

    @classmethod
    def version(cls, key, result, v, **kw):
        return cls(key, "VERSION", result, v, **kw)

    @classmethod
    def create_revision(cls, key, result, v, **kw):
        return cls(key, "CREATE", result, v, **kw)

    @classmethod
    def mod_revision(cls, key, result, v, **kw):
        return cls(key, "MOD", result, v, **kw)

    @classmethod
    def lease(cls, key, result, v, **kw):
        return cls(key, "LEASE", result, v, **kw)


def _op_list(ops, name: str, kinds: tuple) -> list:
    if ops is None or isinstance(ops, (str, bytes)) or not hasattr(ops, "__iter__"):
        raise TypeError(f"{name} must be a list, not {type(ops).__name__}")
    ops = list(ops)
    for i, op in enumerate(ops):
        if not isinstance(op, kinds):
            want = " or ".join(k.__name__ for k in kinds)
            raise TypeError(f"{name}[{i}] must be a {want}, not {type(op).__name__}")
    return ops


@dataclass(slots=True)
class TxnRequest:
    compare: list[Compare] = field(default_factory=list)
    success: list = field(default_factory=list)  # RangeRequest | PutRequest | DeleteRangeRequest | TxnRequest
    failure: list = field(default_factory=list)

    def __post_init__(self):
        self.compare = _op_list(self.compare, "compare", (Compare,))
        self.success = _op_list(self.success, "success", _TXN_OPS)
        self.failure = _op_list(self.failure, "failure", _TXN_OPS)


_TXN_OPS = (RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest)


@dataclass(slots=True)
class CompactionRequest:
    revision: int
    physical: bool = False

    def __post_init__(self):
        int64_arg(self.revision, "revision")
        bool_arg(self.physical, "physical")


@dataclass(slots=True)
class LeaseGrantRequest:
    TTL: int
    ID: int = 0

    def __post_init__(self):
        int64_arg(self.TTL, "ttl")
        int64_arg(self.ID, "id")


@dataclass(slots=True)
class LeaseRevokeRequest:
    ID: int

    def __post_init__(self):
        int64_arg(self.ID, "id")


# -- the server's checks before proposing (etcdserver/api/v3rpc/key.go) -------------------
# A request that fails them is answered at once and never reaches the Raft log.


def check_range_request(r: RangeRequest) -> None:
    if not r.key:
        raise ErrEmptyKey()


def check_put_request(r: PutRequest) -> None:
    if not r.key:
        raise ErrEmptyKey()
    if r.ignore_value and r.value:
        raise ErrValueProvided()
    if r.ignore_lease and r.lease:
        raise ErrLeaseProvided()


def check_delete_request(r: DeleteRangeRequest) -> None:
    if not r.key:
        raise ErrEmptyKey()


def check_txn_request(r: TxnRequest, max_txn_ops: int = MAX_TXN_OPS) -> None:
    if max(len(r.compare), len(r.success), len(r.failure)) > max_txn_ops:
        raise ErrTooManyOps()
    for c in r.compare:
        if not c.key:
            raise ErrEmptyKey()
    for op in (*r.success, *r.failure):
        check_request_op(op, max_txn_ops)


def check_request_op(op, max_txn_ops: int = MAX_TXN_OPS) -> None:
    t = type(op)
    if t is RangeRequest:
        check_range_request(op)
    elif t is PutRequest:
        check_put_request(op)
    elif t is DeleteRangeRequest:
        check_delete_request(op)
    elif t is TxnRequest:
        check_txn_request(op, max_txn_ops)
    else:
        raise ErrKeyNotFound()  # key.go checkRequestOp: "empty op / nil entry"


def check_request(req) -> None:
    """What kvServer (v3rpc/key.go) checks before handing a request to Raft: Range, Put,
    DeleteRange and Txn (the txn's put/delete overlaps too, checkIntervals)."""
    t = type(req)
    if t is TxnRequest:
        check_txn_request(req)
        KV._check_intervals(req.success)
        KV._check_intervals(req.failure)
    elif t in (RangeRequest, PutRequest, DeleteRangeRequest):
        check_request_op(req)
    elif t not in (CompactionRequest, LeaseGrantRequest, LeaseRevokeRequest):
        raise TypeError(f"not an etcd request: {type(req).__name__}")


@dataclass(slots=True)
class Lease:
    ID: int
    ttl: int  # the TTL granted (after raising to the minimum)
    expiry: float = float("inf")  # on the caller's clock; only the leader's copy matters
    keys: set = field(default_factory=set)

    def remaining(self, now: float) -> int:
        if self.expiry == float("inf"):
            return self.ttl
        return max(0, int(self.expiry - now + 0.999999))


class _Hist:
    """One key's history: main revisions (a machine-int array, which the garbage collector
    never scans) and the versions as plain tuples (None = tombstone), in step."""

    __slots__ = ("revs", "kvs")

    def __init__(self):
        self.revs = array("q")
        self.kvs: list[tuple | None] = []

    def at(self, rev: int) -> KeyValue | None:
        revs = self.revs
        if revs[-1] <= rev:
            return self.kvs[-1]
        i = bisect.bisect_right(revs, rev) - 1
        return self.kvs[i] if i >= 0 else None


class Watcher:
    """A watch on ``[key, range_end)``; ``callback(WatchResponse)`` is called synchronously
    by the store. ``cancel()`` stops it."""

    __slots__ = ("store", "watch_id", "key", "range_end", "prev_kv", "filters", "callback",
                 "canceled", "progress_notify")

    def __init__(self, store, watch_id, key, range_end, prev_kv, filters, callback, progress_notify):
        self.store, self.watch_id = store, watch_id
        self.key, self.range_end = key, range_end
        self.prev_kv, self.filters, self.callback = prev_kv, frozenset(filters), callback
        self.canceled = False
        self.progress_notify = progress_notify

    def matches(self, key: bytes) -> bool:
        if self.range_end is None:
            return key == self.key
        if self.range_end == b"\x00":
            return key >= self.key
        return self.key <= key < self.range_end

    def _filter(self, events: Iterable[tuple]) -> list[WatchEvent]:
        """Stored events ``(type, kv, prev)`` (plain tuples) -> this watcher's WatchEvents."""
        out = []
        for typ, kv, _prev in events:
            if not self.matches(kv[_KEY]) or (typ == PUT and NOPUT in self.filters) or (
                typ == DELETE and NODELETE in self.filters
            ):
                continue
            prev = _kv(self.store._prev_kv(typ, kv)) if self.prev_kv else None
            out.append(WatchEvent(typ, _kv(kv), prev))
        return out

    def cancel(self) -> None:
        if not self.canceled:
            self.canceled = True
            self.store._watchers.pop(self.watch_id, None)

    def __repr__(self) -> str:
        return f"Watcher(id={self.watch_id}, key={self.key!r}, range_end={self.range_end!r})"


class KV:
    """An etcd v3 keyspace: revisions, range/put/delete/txn, compaction, leases, watch.

    ``header`` fields other than ``revision`` (``cluster_id``, ``member_id``, ``raft_term``)
    are whatever the owner sets on the store's attributes of the same names.
    """

    def __init__(self, cluster_id: int = 0, member_id: int = 0):
        self.cluster_id = cluster_id
        self.member_id = member_id
        self.raft_term = 0
        self.rev = 1  # etcd: an empty store is at revision 1
        self.compact_revision = 0  # etcd's compactMainRev (0: never compacted)
        self._keys: list[bytes] = []  # sorted; every key with history not yet compacted
        self._hist: dict[bytes, _Hist] = {}
        # watch replay reads the keys' histories, as etcd replays from its backend; only the
        # order of writes inside a multi-write revision (a txn, a lease revoke) is kept aside
        self._order: dict[int, tuple[bytes, ...]] = {}
        self.leases: dict[int, Lease] = {}
        self._lease_seq = 0
        self._watchers: dict[int, Watcher] = {}
        self._watch_seq = 0
        # set while a txn writes: the revision it will commit at, and its events
        self._pending: list[WatchEvent] | None = None

    # -- headers -------------------------------------------------------------------------
    def header(self, rev: int | None = None) -> ResponseHeader:
        return ResponseHeader(self.cluster_id, self.member_id, self.rev if rev is None else rev, self.raft_term)

    # -- reading -------------------------------------------------------------------------
    def _key_slice(self, key: bytes, range_end: bytes | None) -> list[bytes]:
        keys = self._keys
        if range_end is None:
            return [key] if key in self._hist else []
        lo = bisect.bisect_left(keys, key)
        if range_end == b"\x00":
            return keys[lo:]
        hi = bisect.bisect_left(keys, range_end, lo)
        return keys[lo:hi]

    def _live(self, key: bytes, range_end: bytes | None, rev: int) -> list[KeyValue]:
        """The KeyValues alive at ``rev`` in ``[key, range_end)``, in key order."""
        hist = self._hist
        if range_end is None:
            h = hist.get(key)
            if h is None:
                return []
            kv = h.at(rev)
            return [kv] if kv is not None else []
        out = []
        for k in self._key_slice(key, range_end):
            kv = hist[k].at(rev)
            if kv is not None:
                out.append(kv)
        return out

    def range(self, key, range_end=None, *, prefix=False, limit=0, revision=0, sort_order=NONE,
              sort_target="KEY", keys_only=False, count_only=False, serializable=False) -> RangeResponse:
        """etcd's Range: keys in ``[key, range_end)`` (``prefix=True`` for a prefix, ``range_end
        ="\\x00"`` for every key >= key) at ``revision`` (0: the current one)."""
        return self.do_range(RangeRequest(key, range_end, prefix=prefix, limit=limit, revision=revision,
                                          sort_order=sort_order, sort_target=sort_target, keys_only=keys_only,
                                          count_only=count_only, serializable=serializable))

    def _check_range(self, r: RangeRequest, cur: int) -> None:
        if not r.key:
            raise ErrEmptyKey()
        if r.revision > cur:
            raise ErrFutureRev()
        if 0 < r.revision < self.compact_revision:  # mvcc/kvstore_txn.go rangeKeys
            raise ErrCompacted()

    def do_range(self, r: RangeRequest, cur: int | None = None) -> RangeResponse:
        cur = self.rev if cur is None else cur
        self._check_range(r, cur)
        rev = r.revision if r.revision > 0 else cur
        kvs = self._live(r.key, r.range_end, rev)
        count = len(kvs)
        # etcdserver/apply.go Range: a target other than KEY with order NONE sorts ascending
        order = r.sort_order
        if r.sort_target != "KEY" and order == NONE:
            order = ASCEND
        if order != NONE and not (order == ASCEND and r.sort_target == "KEY"):
            col = {"KEY": _KEY, "VERSION": _VER, "CREATE": _CREATE, "MOD": _MOD, "VALUE": _VAL}[r.sort_target]
            kvs = sorted(kvs, key=lambda kv: kv[col], reverse=(order == DESCEND))
        more = False
        if r.count_only:
            kvs = []  # mvcc returns no KeyValues for a count, so "more" stays false (apply.go)
        elif r.limit > 0 and len(kvs) > r.limit:
            kvs = kvs[: r.limit]
            more = True
        if r.keys_only:
            kvs = [KeyValue(kv[0], kv[1], kv[2], kv[3], b"", kv[5]) for kv in kvs]
        else:
            kvs = [_new_tuple(KeyValue, kv) for kv in kvs]
        return RangeResponse(self.header(cur), kvs, more, count)

    def get(self, key) -> KeyValue | None:
        """The current KeyValue of one key, or None (a convenience, not an etcd call)."""
        h = self._hist.get(to_bytes(key))
        return _kv(h.kvs[-1]) if h is not None else None

    def _prev_kv(self, typ: str, kv: tuple) -> tuple | None:
        # v3rpc watch.go: prev_kv is the key read at mod_revision-1 (none for a creation,
        # none once that revision is compacted)
        if typ == PUT and kv[_VER] == 1:
            return None
        rev = kv[_MOD] - 1
        if rev < self.compact_revision:
            return None
        h = self._hist.get(kv[_KEY])
        if h is None:
            return None
        i = bisect.bisect_right(h.revs, rev) - 1
        return h.kvs[i] if i >= 0 else None

    # -- writing -------------------------------------------------------------------------
    def _write(self, key: bytes, kv: tuple | None, rev: int, prev: tuple | None) -> None:
        h = self._hist.get(key)
        if h is None:
            h = self._hist[key] = _Hist()
            keys = self._keys
            if not keys or keys[-1] < key:
                keys.append(key)
            else:
                bisect.insort(keys, key)
        h.revs.append(rev)
        h.kvs.append(kv)
        # leases own keys: move the key between leases' key sets
        old_lease = prev[_LEASE] if prev is not None else 0
        new_lease = kv[_LEASE] if kv is not None else 0
        if old_lease != new_lease:
            if old_lease and old_lease in self.leases:
                self.leases[old_lease].keys.discard(key)
            if new_lease:
                self.leases[new_lease].keys.add(key)
        if kv is None:
            self._pending.append((DELETE, (key, 0, rev, 0, b"", 0), prev))
        else:
            self._pending.append((PUT, kv, prev))

    def _check_put(self, p: PutRequest) -> None:
        if not p.key:
            raise ErrEmptyKey()
        if p.ignore_value and p.value:
            raise ErrValueProvided()
        if p.ignore_lease and p.lease:
            raise ErrLeaseProvided()
        if p.lease and p.lease not in self.leases:
            raise ErrLeaseNotFound()
        if (p.ignore_value or p.ignore_lease) and self._current(p.key) is None:
            raise ErrKeyNotFound()

    def _current(self, key: bytes) -> tuple | None:
        h = self._hist.get(key)
        return h.kvs[-1] if h is not None else None

    def _put(self, p: PutRequest, rev: int, respond: bool = True) -> PutResponse | None:
        key = p.key
        h = self._hist.get(key)
        prev = h.kvs[-1] if h is not None else None
        value = prev[_VAL] if p.ignore_value else p.value
        lease = prev[_LEASE] if p.ignore_lease else p.lease
        if prev is None:
            kv = (key, rev, rev, 1, value, lease)
        else:
            kv = (key, prev[_CREATE], rev, prev[_VER] + 1, value, lease)
        self._write(key, kv, rev, prev)
        if not respond:
            return None
        return PutResponse(self.header(rev), _kv(prev) if p.prev_kv else None)

    def _delete(self, d: DeleteRangeRequest, rev: int) -> DeleteRangeResponse:
        kvs = self._live(d.key, d.range_end, rev)
        for kv in kvs:
            self._write(kv[_KEY], None, rev, kv)
        return DeleteRangeResponse(self.header(rev), len(kvs), [_kv(kv) for kv in kvs] if d.prev_kv else [])

    def _begin(self) -> None:
        self._pending = []

    def _end(self, rev: int) -> None:
        events, self._pending = self._pending, None
        if not events:
            return
        self.rev = rev
        if len(events) > 1:
            self._order[rev] = tuple(ev[1][_KEY] for ev in events)
        if self._watchers:
            self._notify(rev, events)

    def put(self, key, value=b"", *, lease=0, prev_kv=False, ignore_value=False, ignore_lease=False) -> PutResponse:
        """etcd's Put: always a new revision. Errors as etcd: lease not found, key not found
        (``ignore_value``/``ignore_lease`` on a missing key), value/lease provided."""
        return self.do_put(PutRequest(key, value, lease=lease, prev_kv=prev_kv, ignore_value=ignore_value,
                                      ignore_lease=ignore_lease))

    def do_put(self, p: PutRequest, respond: bool = True) -> PutResponse | None:
        if not p.prev_kv and self.put_quiet(p):
            # a plain put of an existing key, no lease, no watcher: the same write, with no
            # event to collect; the response carries only the header
            return PutResponse(self.header(self.rev), None) if respond else None
        self._check_put(p)
        self._begin()
        rev = self.rev + 1
        resp = self._put(p, rev, respond)
        self._end(rev)
        return resp

    def put_quiet(self, p: PutRequest) -> bool:
        """Apply a plain put without building a response (what a member does for requests
        nobody waits on). Returns False, doing nothing, when the put needs the full path
        (a lease, an ignore flag, an error, or watchers to notify)."""
        key = p[0]
        if p[2] or p[4] or p[5] or self._watchers or not key:
            return False
        rev = self.rev + 1
        h = self._hist.get(key)
        if h is None:
            return False
        prev = h.kvs[-1]
        if prev is None:
            kv = (key, rev, rev, 1, p[1], 0)
        else:
            if prev[_LEASE]:
                return False
            kv = (key, prev[_CREATE], rev, prev[_VER] + 1, p[1], 0)
        h.revs.append(rev)
        h.kvs.append(kv)
        self.rev = rev
        return True

    def put_quiet_entries(self, ents: list, i: int = 0, waits: dict | None = None,
                          answers: list | None = None) -> int:
        """:meth:`put_quiet` over the Raft entries ``ents[i:]`` whose data is a put carried
        as plain values (``(request id, "put", PutRequest fields)``, see Member._propose_entry),
        in order; empty entries are skipped. Stops at the first entry it cannot apply so
        (any other entry, or a put put_quiet refuses) and returns its position.

        With ``waits`` (request id -> answer), an entry someone waits on is taken too unless
        it asks for ``prev_kv``: its waiter is popped and ``(answer, PutResponse, None)``
        appended to ``answers``, the response :meth:`do_put` gives a plain put (the header at
        the new revision, no prev_kv)."""
        if self._watchers:
            return i
        hist = self._hist
        rev = self.rev
        n = len(ents)
        if waits:
            # the leader: the same loop, answering the puts it was asked for
            cid, mid, term = self.cluster_id, self.member_id, self.raft_term
            pop = waits.pop
            while i < n:
                e = ents[i]
                data = e[3]
                if data is None:
                    i += 1
                    continue
                if len(data) != 3 or e[2] != "EntryNormal":
                    break
                p = data[2]
                key = p[0]
                if p[2] or p[3] or p[4] or p[5] or not key:
                    break  # prev_kv too: the full path builds that response
                h = hist.get(key)
                if h is None:
                    break
                kvs = h.kvs
                prev = kvs[-1]
                rev += 1
                if prev is None:
                    kv = (key, rev, rev, 1, p[1], 0)
                elif prev[_LEASE]:
                    rev -= 1
                    break
                else:
                    kv = (key, prev[_CREATE], rev, prev[_VER] + 1, p[1], 0)
                if waits:
                    cb = pop(data[0], None)
                    if cb is not None:
                        answers.append((cb, PutResponse(ResponseHeader(cid, mid, rev, term), None), None))
                h.revs.append(rev)
                kvs.append(kv)
                i += 1
            self.rev = rev
            return i
        while i < n:
            e = ents[i]
            data = e[3]
            if data is None:
                i += 1
                continue
            if len(data) != 3 or e[2] != "EntryNormal":
                break
            p = data[2]
            key = p[0]
            if p[2] or p[4] or p[5] or not key:
                break
            h = hist.get(key)
            if h is None:
                break
            kvs = h.kvs
            prev = kvs[-1]
            rev += 1
            if prev is None:
                kv = (key, rev, rev, 1, p[1], 0)
            elif prev[_LEASE]:
                rev -= 1
                break
            else:
                kv = (key, prev[_CREATE], rev, prev[_VER] + 1, p[1], 0)
            h.revs.append(rev)
            kvs.append(kv)
            i += 1
        self.rev = rev
        return i

    def delete_range(self, key, range_end=None, *, prefix=False, prev_kv=False) -> DeleteRangeResponse:
        """etcd's DeleteRange; the revision moves only if something was deleted."""
        return self.do_delete_range(DeleteRangeRequest(key, range_end, prefix=prefix, prev_kv=prev_kv))

    def do_delete_range(self, d: DeleteRangeRequest) -> DeleteRangeResponse:
        if not d.key:
            raise ErrEmptyKey()
        self._begin()
        rev = self.rev + 1
        resp = self._delete(d, rev)
        if not resp.deleted:
            resp.header.revision = self.rev
        self._end(rev)
        return resp

    # -- txn ----------------------------------------------------------------------------
    def _compare(self, c: Compare, rev: int) -> bool:
        kvs = self._live(c.key, c.range_end, rev)
        if not kvs:
            if c.target == "VALUE":
                return False  # etcd: comparing the value of a missing key always fails
            kvs = [(c.key, 0, 0, 0, b"", 0)]
        col = {"VERSION": _VER, "CREATE": _CREATE, "MOD": _MOD, "VALUE": _VAL, "LEASE": _LEASE}[c.target]
        for kv in kvs:
            a = kv[col]
            b = c.operand
            ok = (a == b if c.result == "EQUAL" else a != b if c.result == "NOT_EQUAL"
                  else a < b if c.result == "LESS" else a > b)
            if not ok:
                return False
        return True

    @staticmethod
    def _check_intervals(ops: Sequence) -> tuple[set, list]:
        """etcd's checkIntervals (etcdserver/api/v3rpc/key.go), ported: a key may not be put
        twice, nor put and deleted, in one branch; the two branches of a nested txn are
        exclusive, so they may put the same key."""

        def hit(k, dels):
            return any((b is None and k == a) or (b == b"\x00" and k >= a) or (b not in (None, b"\x00") and a <= k < b)
                       for a, b in dels)

        dels = [(op.key, op.range_end) for op in ops if isinstance(op, DeleteRangeRequest)]
        puts: set[bytes] = set()
        for op in ops:
            if not isinstance(op, TxnRequest):
                continue
            puts_then, dels_then = KV._check_intervals(op.success)
            puts_else, dels_else = KV._check_intervals(op.failure)
            for k in puts_then:
                if k in puts or hit(k, dels):
                    raise ErrDuplicateKey()
                puts.add(k)
            for k in puts_else:
                if (k in puts and k not in puts_then) or hit(k, dels):
                    raise ErrDuplicateKey()
                puts.add(k)
            dels = dels + dels_then + dels_else
        for op in ops:
            if isinstance(op, PutRequest):
                if op.key in puts or hit(op.key, dels):
                    raise ErrDuplicateKey()
                puts.add(op.key)
        return puts, dels

    def _count_ops(self, t: TxnRequest) -> None:
        if len(t.compare) > MAX_TXN_OPS or len(t.success) > MAX_TXN_OPS or len(t.failure) > MAX_TXN_OPS:
            raise ErrTooManyOps()

    def _check_ops(self, ops, cur: int) -> None:
        for op in ops:
            if isinstance(op, RangeRequest):
                self._check_range(op, cur)
            elif isinstance(op, PutRequest):
                self._check_put(op)
            elif isinstance(op, DeleteRangeRequest):
                if not op.key:
                    raise ErrEmptyKey()
            elif isinstance(op, TxnRequest):
                self._count_ops(op)
                branch = op.success if self._txn_path(op, cur) else op.failure
                self._check_ops(branch, cur)

    def _txn_path(self, t: TxnRequest, rev: int) -> bool:
        return all(self._compare(c, rev) for c in t.compare)

    def txn(self, compare: Sequence[Compare] = (), success: Sequence = (), failure: Sequence = ()) -> TxnResponse:
        """etcd's Txn: if every compare holds run ``success`` else ``failure`` — all in one
        revision. Ops are RangeRequest / PutRequest / DeleteRangeRequest / TxnRequest."""
        return self.do_txn(TxnRequest(list(compare), list(success), list(failure)))

    def do_txn(self, t: TxnRequest) -> TxnResponse:
        self._count_ops(t)
        self._check_intervals(t.success)
        self._check_intervals(t.failure)
        cur = self.rev
        # validate the path that will run before touching anything: errors change nothing
        ok = self._txn_path(t, cur)
        self._check_ops(t.success if ok else t.failure, cur)
        self._begin()
        rev = cur + 1
        resp = self._run_txn(t, ok, cur, rev)
        wrote = bool(self._pending)
        self._end(rev)
        resp.header.revision = rev if wrote else cur
        return resp

    def _run_txn(self, t: TxnRequest, ok: bool, cur: int, rev: int) -> TxnResponse:
        resps = []
        for op in t.success if ok else t.failure:
            if isinstance(op, RangeRequest):
                # a txn reads its own writes (mvcc storeTxnWrite.Range reads at rev+1 once it wrote)
                r = ResponseOp(response_range=self.do_range(op, rev if self._pending else cur))
            elif isinstance(op, PutRequest):
                r = ResponseOp(response_put=self._put(op, rev))
            elif isinstance(op, DeleteRangeRequest):
                r = ResponseOp(response_delete_range=self._delete(op, rev))
            elif isinstance(op, TxnRequest):
                # apply.go compareToPath: every compare, nested ones too, is decided up
                # front against the state before the txn
                sub_ok = self._txn_path(op, cur)
                r = ResponseOp(response_txn=self._run_txn(op, sub_ok, cur, rev))
            else:
                raise TypeError(f"not a txn operation: {op!r}")
            sub = r.response
            if r.response_txn is not None:
                sub.header = ResponseHeader()  # apply.go newTxnResp: a nested txn's header stays empty
            else:
                # apply.go: each op reports the txn's revision as of that op, header revision only
                sub.header = ResponseHeader(revision=rev if self._pending else cur)
            resps.append(r)
        return TxnResponse(self.header(rev), ok, resps)

    # -- compaction ----------------------------------------------------------------------
    def compact(self, revision: int, physical: bool = False) -> CompactionResponse:
        """Forget every version older than ``revision`` (the latest version at or before it
        stays, unless it is a deletion). Errors as etcd's mvcc.Compact."""
        if revision <= self.compact_revision:
            raise ErrCompacted()
        if revision > self.rev:
            raise ErrFutureRev()
        self.compact_revision = revision
        dead = []
        for k in self._keys:
            h = self._hist[k]
            i = bisect.bisect_right(h.revs, revision) - 1
            if i < 0:
                continue
            if h.kvs[i] is None:
                i += 1  # a tombstone at or before the compaction point goes too
            if i:
                del h.revs[:i]
                del h.kvs[:i]
                if not h.revs:
                    dead.append(k)
        if dead:
            deadset = set(dead)
            self._keys = [k for k in self._keys if k not in deadset]
            for k in dead:
                del self._hist[k]
        for r in [r for r in self._order if r < revision]:
            del self._order[r]
        return CompactionResponse(self.header())

    # -- leases --------------------------------------------------------------------------
    def next_lease_id(self) -> int:
        """A fresh lease ID (etcd derives them from the member ID and a counter, idutil)."""
        while True:
            self._lease_seq += 1
            lid = ((self.member_id & 0xFFFF) << 40 | 0x7A00000000 | self._lease_seq) & ((1 << 63) - 1)
            if lid not in self.leases:
                return lid

    def lease_grant(self, ttl: int, id: int = 0, now: float = 0.0) -> LeaseGrantResponse:
        """Grant a lease of ``ttl`` seconds (raised to etcd's minimum of 2); ``id=0`` picks one."""
        if ttl > MAX_LEASE_TTL:
            raise ErrLeaseTTLTooLarge()
        lid = id or self.next_lease_id()
        if lid in self.leases:
            raise ErrLeaseExist()
        ttl = max(int(ttl), MIN_LEASE_TTL)
        self.leases[lid] = Lease(lid, ttl, now + ttl)
        return LeaseGrantResponse(self.header(), lid, ttl)

    def lease_revoke(self, id: int) -> LeaseRevokeResponse:
        """Revoke a lease, deleting every key attached to it in one revision."""
        lease = self.leases.get(id)
        if lease is None:
            raise ErrLeaseNotFound()
        keys = sorted(lease.keys)
        if keys:
            self._begin()
            rev = self.rev + 1
            for k in keys:
                kv = self._hist[k].kvs[-1]
                self._write(k, None, rev, kv)
            self._end(rev)
        del self.leases[id]
        return LeaseRevokeResponse(self.header())

    def lease_keepalive(self, id: int, now: float = 0.0) -> LeaseKeepAliveResponse:
        """Renew a lease to its full TTL from ``now``; TTL 0 in the answer if it is gone."""
        lease = self.leases.get(id)
        if lease is None:
            return LeaseKeepAliveResponse(self.header(), id, 0)
        lease.expiry = now + lease.ttl
        return LeaseKeepAliveResponse(self.header(), id, lease.ttl)

    def lease_time_to_live(self, id: int, keys: bool = False, now: float = 0.0) -> LeaseTimeToLiveResponse:
        lease = self.leases.get(id)
        if lease is None:
            return LeaseTimeToLiveResponse(self.header(), id, -1, 0, [])
        return LeaseTimeToLiveResponse(self.header(), id, lease.remaining(now), lease.ttl,
                                       sorted(lease.keys) if keys else [])

    def refresh_leases(self, now: float) -> None:
        """Restart every lease's countdown (etcd's lessor.Promote, when a leader takes over)."""
        for lease in self.leases.values():
            lease.expiry = now + lease.ttl

    def expired_leases(self, now: float) -> list[int]:
        """Leases whose TTL ran out by ``now``; the owner revokes them (through Raft)."""
        return sorted(lid for lid, l in self.leases.items() if l.expiry <= now)

    # -- watch ---------------------------------------------------------------------------
    def watch(self, key, range_end=None, *, prefix=False, start_revision=0, prev_kv=False,
              filters: Iterable[str] = (), callback: Callable[[WatchResponse], None],
              watch_id: int | None = None, progress_notify=False) -> Watcher:
        """Watch ``[key, range_end)``. ``callback`` receives, synchronously: the ``created``
        response, the history from ``start_revision`` (if given) in one response, then one
        response per write that touches the range. A start revision older than the
        compaction point gets a canceled response with ``compact_revision`` set, as etcd."""
        k, end = _norm_range(key, range_end, prefix)
        if watch_id is None:
            watch_id = self._watch_seq
            self._watch_seq += 1
        w = Watcher(self, watch_id, k, end, prev_kv, filters, callback, progress_notify)
        callback(WatchResponse(self.header(), watch_id, created=True))
        if 0 < start_revision < self.compact_revision:
            w.canceled = True
            # v3rpc/watch.go sendLoop: canceled because compact_revision is set (3.4 gives no reason)
            callback(WatchResponse(self.header(), watch_id, canceled=True,
                                   compact_revision=self.compact_revision))
            return w
        if 0 < start_revision <= self.rev:
            past = w._filter(self._history(k, end, start_revision))
            if past:
                callback(WatchResponse(self.header(), watch_id, events=past))
        self._watchers[watch_id] = w
        return w

    def _history(self, key: bytes, range_end: bytes | None, start: int) -> list[tuple]:
        """Stored events ``(type, kv, prev)`` on ``[key, range_end)`` from revision ``start``
        on, in revision order (and write order inside a revision)."""
        recs = []
        for k in self._key_slice(key, range_end):
            h = self._hist[k]
            revs, kvs = h.revs, h.kvs
            seen_rev, occurrence = 0, 0
            for j in range(bisect.bisect_left(revs, start), len(revs)):
                rev, kv = revs[j], kvs[j]
                prev = kvs[j - 1] if j else None
                ev = (DELETE, (k, 0, rev, 0, b"", 0), prev) if kv is None else (PUT, kv, prev)
                order = self._order.get(rev)
                pos = 0
                if order:
                    # the n-th write of this key in the revision sits at its n-th place in
                    # the write order (etcd orders a revision's events by sub-revision)
                    occurrence = occurrence + 1 if rev == seen_rev else 0
                    seen_rev = rev
                    pos = [i for i, x in enumerate(order) if x == k][occurrence]
                recs.append((rev, pos, ev))
        recs.sort(key=lambda r: (r[0], r[1]))  # stable: a key written twice in one txn keeps its order
        return [r[2] for r in recs]

    def progress(self) -> None:
        """Send every watcher a progress notification (an empty response at the current revision)."""
        for w in list(self._watchers.values()):
            w.callback(WatchResponse(self.header(), w.watch_id))

    def _notify(self, rev: int, events: list[WatchEvent]) -> None:
        if len(events) == 1:
            # most revisions change one key: test each watcher's range inline (watchableStore.notify
            # asks its watcherGroup for the watchers of that key) instead of a _filter call each
            key = events[0][1][_KEY]
            for w in list(self._watchers.values()):
                end = w.range_end
                if (key == w.key) if end is None else (key >= w.key and (end == b"\x00" or key < end)):
                    evs = w._filter(events)
                    if evs:
                        w.callback(WatchResponse(self.header(rev), w.watch_id, events=evs))
            return
        for w in list(self._watchers.values()):
            evs = w._filter(events)
            if evs:
                w.callback(WatchResponse(self.header(rev), w.watch_id, events=evs))

    # -- generic apply (what a member does with a committed entry) -----------------------
    def apply(self, req, now: float = 0.0, respond: bool = True):
        """Apply one request record (the payload of a committed Raft entry). With
        ``respond=False`` (nobody waits on this member) a put skips building its response."""
        t = type(req)
        if t is PutRequest:
            return self.do_put(req, respond)
        if t is RangeRequest:
            return self.do_range(req)
        if t is DeleteRangeRequest:
            return self.do_delete_range(req)
        if t is TxnRequest:
            return self.do_txn(req)
        if t is CompactionRequest:
            return self.compact(req.revision, req.physical)
        if t is LeaseGrantRequest:
            return self.lease_grant(req.TTL, req.ID, now)
        if t is LeaseRevokeRequest:
            return self.lease_revoke(req.ID)
        raise TypeError(f"unknown request {req!r}")

    # -- snapshots (for Raft snapshots and restarts) -------------------------------------
    def snapshot(self) -> dict:
        """A copy of the store's state (what etcd ships as the backend db in a Raft snapshot)."""
        return {
            "rev": self.rev,
            "compact_revision": self.compact_revision,
            # plain tuples of plain values: a snapshot held for restarts and slow followers
            # costs the garbage collector nothing. A key with one live version (most keys,
            # after a compaction) is that version's own tuple, shared with the store (its
            # revision is its mod_revision); others are (key, revisions, versions).
            "hist": tuple([kvs[0] if len(kvs) == 1 and kvs[0] is not None else (k, tuple(h.revs), tuple(kvs))
                           for k, h in self._hist.items() for kvs in (h.kvs,)]),
            "order": tuple(self._order.items()),
            "leases": {i: (l.ttl, sorted(l.keys)) for i, l in self.leases.items()},
            "lease_seq": self._lease_seq,
        }

    def restore(self, snap: dict) -> None:
        self.rev = snap["rev"]
        self.compact_revision = snap["compact_revision"]
        self._hist = {}
        for e in snap["hist"]:
            h = _Hist()
            if len(e) == 3:
                k, revs, kvs = e
                h.revs, h.kvs = array("q", revs), list(kvs)
            else:  # one version: the KeyValue tuple itself
                k = e[_KEY]
                h.revs, h.kvs = array("q", (e[_MOD],)), [e]
            self._hist[k] = h
        self._keys = sorted(self._hist)
        self._order = dict(snap["order"])
        self.leases = {i: Lease(i, ttl, float("inf"), set(keys)) for i, (ttl, keys) in snap["leases"].items()}
        self._lease_seq = snap["lease_seq"]

    def __len__(self) -> int:
        return sum(1 for h in self._hist.values() if h.kvs[-1] is not None)

    def __repr__(self) -> str:
        return f"KV(revision={self.rev}, keys={len(self)}, compact_revision={self.compact_revision})"
