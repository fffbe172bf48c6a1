"""The etcd v3 client (clientv3 in miniature).

Two faces over one transport:

* ``*_async`` methods for code running *inside* the simulation (the API server's
  storage): each returns a sim :class:`~kubelab.sim.Event` that succeeds with the
  response or fails with an :class:`~kubelab.etcd.errors.EtcdError`. Every call ends —
  with an answer, an etcd error, or ``context deadline exceeded`` after ``timeout``
  simulated seconds — so callers never hang;
* blocking methods with the plain names (``put``, ``range`` ...) for notebook users:
  they run the clock until the answer is in, then return it or raise.

Like clientv3, the client pins one endpoint (preferring the member on its own host, as
kubeadm points a stacked API server at its local etcd) and moves to the next on
``no leader`` or a broken connection. Requests cross the simulated network from ``host``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Sequence

from kubelab.sim.kernel import Event as _Event

from . import errors as E
from .mvcc import (
    NODELETE,
    NONE,
    NOPUT,
    CompactionRequest,
    Compare,
    DeleteRangeRequest,
    LeaseGrantRequest,
    LeaseRevokeRequest,
    PutRequest,
    RangeRequest,
    TxnRequest,
    WatchResponse,
    _norm_range,
    bool_arg,
    int64_arg,
)

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim import Event

    from .cluster import EtcdCluster
    from .member import Member

# errors after which clientv3 tries another endpoint (codes.Unavailable from the server)
_RETRY = (E.ErrNoLeader, E.ErrNotLeader, E.ErrStopped)
RETRY_BACKOFF = 0.05  # clientv3's retry interceptor backs off ~25-50 ms between attempts


# calls clientv3's retry interceptor repeats on another endpoint when a connection breaks
_IDEMPOTENT = frozenset({"range", "lease_keepalive", "lease_time_to_live"})


class _Frame:
    """Messages one host sends another at one instant, carried together: one gRPC
    connection writes the requests (or answers) of an instant in one go, and the
    simulation delivers them with one event instead of one each (in order, at the same
    time as separate sends would arrive)."""

    __slots__ = ("calls", "delivered")

    def __init__(self, first: tuple):
        self.calls = [first]
        self.delivered = False

    def deliver(self) -> None:
        self.delivered = True
        for fn, args in self.calls:
            fn(*args)


def _send_coalesced(net, src: str, dst: str, slot: list, key: tuple, fn, args: tuple, reachable: bool = False) -> None:
    """``net.send(src, dst, fn, *args)``, joined to ``slot``'s frame when the frame is for
    the same destination and instant and still in flight. ``reachable``: the caller has
    just seen ``net.can_reach(src, dst)`` hold."""
    f = slot[1]
    if f is not None and slot[0] == key and not f.delivered and (reachable or net.can_reach(src, dst)):
        net.sent += 1
        f.calls.append((fn, args))
        return
    f = _Frame((fn, args))
    if net.send(src, dst, f.deliver):
        slot[0], slot[1] = key, f
    else:
        slot[1] = None


class _Reply:
    """How a member answers one attempt of a call: back across the network to the client."""

    __slots__ = ("client", "call", "attempt", "member")

    def __init__(self, client: "Client", call: "_Call", member: "Member"):
        self.client = client
        self.call = call
        self.attempt = call.attempt
        self.member = member

    def __call__(self, resp: Any, err: Exception | None) -> None:
        c = self.client
        m = self.member
        _send_coalesced(c.network, m.host, c.host, c._reply_slot, (m, m.epoch, c.sim.now), c._answer,
                        (self.call, self.attempt, m, resp, err))


def reply_all(answers: list) -> None:
    """``cb(resp, err)`` for each ``(cb, resp, err)`` of ``answers``, in order (what a member
    does when its apply loop is done with a batch). Consecutive answers that are
    :class:`_Reply` s to one client join the frame the first of them went into directly:
    the same frame, calls and counts as one ``cb(resp, err)`` each (one member, one instant,
    nothing in between that could cut the link or deliver the frame)."""
    last = last_m = None  # the client (and member) whose reply frame the previous answer used
    for cb, resp, err in answers:
        if type(cb) is _Reply:
            c = cb.client
            m = cb.member
            if c is last and m is last_m:
                f = c._reply_slot[1]
                if f is not None and not f.delivered:
                    c.network.sent += 1
                    f.calls.append((c._answer, (cb.call, cb.attempt, m, resp, err)))
                    continue
            cb(resp, err)
            last, last_m = c, m
        else:
            cb(resp, err)
            last = None


class _Call:
    __slots__ = ("kind", "req", "event", "deadline", "last_err", "attempt", "member", "epoch")

    def __init__(self, kind, req, event, deadline):
        self.kind = kind
        self.req = req
        self.event = event
        self.deadline = deadline
        self.last_err = None
        self.attempt = 0
        self.member = None
        self.epoch = 0


class Client:
    """A client of an :class:`~kubelab.etcd.cluster.EtcdCluster`; see the module doc."""

    def __init__(self, cluster: "EtcdCluster", host: str, *, cert: Any = None, timeout: float = 5.0,
                 trusted_ca: Any = None, insecure_skip_tls_verify: bool = False):
        self.cluster = cluster
        self.trusted_ca = trusted_ca
        self.insecure_skip_tls_verify = insecure_skip_tls_verify
        self.sim = cluster.sim
        self.network = cluster.network
        self.host = host
        self.cert = cert
        self.timeout = timeout
        self._pinned: Member | None = None
        self._pending: deque[_Call] = deque()  # in deadline order (one timeout for all)
        self._send_slot: list = [None, None]  # the frame of requests in flight to a member (_Frame)
        self._reply_slot: list = [None, None]  # the frame of answers in flight from a member
        self._sweeper = None
        self._pin()

    def __repr__(self) -> str:
        return f"Client(host={self.host!r}, endpoint={self._pinned.name if self._pinned else None})"

    # -- endpoints ------------------------------------------------------------------------
    def _candidates(self) -> list["Member"]:
        ms = [m for m in self.cluster.members if not m.removed]
        # the member on our own host first (stacked etcd: the API server talks to 127.0.0.1)
        return sorted(ms, key=lambda m: (m.host != self.host,))

    def _pin(self, avoid: "Member | None" = None) -> "Member | None":
        cands = self._candidates()
        if avoid is not None and avoid in cands and len(cands) > 1:
            # round-robin past the failing endpoint
            i = cands.index(avoid)
            cands = cands[i + 1 :] + cands[: i + 1]
        for m in cands:
            if m.running and self.network.can_reach(self.host, m.host):
                self._pinned = m
                return m
        self._pinned = None
        return None

    @property
    def endpoint(self) -> "Member | None":
        return self._pinned

    # -- the transport --------------------------------------------------------------------
    def _call(self, kind: str, req: Any) -> "Event":
        sim = self.sim
        ev = _Event(sim)  # sim.event()
        call = _Call(kind, req, ev, sim.now + self.timeout)
        self._pending.append(call)
        if self._sweeper is None:
            self._sweeper = sim.call_later(0.1, self._sweep)
        self._attempt(call, True)
        return ev

    def _sweep(self) -> None:
        now = self.sim.now
        p = self._pending
        while p and (p[0].event.triggered or p[0].deadline <= now):
            call = p.popleft()
            if not call.event.triggered:
                call.event.fail(E.ErrDeadlineExceeded())
        if p:
            self._check_connections()
        self._sweeper = self.sim.call_later(0.1, self._sweep) if p else None

    def _check_connections(self) -> None:
        """Calls whose member crashed or became unreachable see their connection break
        (grpc keepalive): reads go to another endpoint, writes fail."""
        net = self.network
        broken = {m for m in self.cluster.members if not m.running or not net.can_reach(self.host, m.host)}
        if not broken and all(m.epoch == 1 for m in self.cluster.members):
            return  # nothing crashed, nothing cut: every connection holds
        for call in list(self._pending):
            m = call.member
            if call.event.triggered or m is None or (m not in broken and call.epoch == m.epoch):
                continue
            call.member = None
            if call.kind in _IDEMPOTENT:
                self._pin(avoid=m)
                self._retry_later(call, E.ErrConnectionClosed())
            else:
                call.event.fail(E.ErrConnectionClosed())

    def _attempt(self, call: _Call, fresh: bool = False) -> None:
        if not fresh and call.event.triggered:
            return  # (a fresh call's event has not fired yet)
        m = self._pinned
        reachable = False
        if m is None or not m.running or not self.network.can_reach(self.host, m.host):
            m = self._pin(avoid=m)
        else:
            reachable = True
        if m is None:
            self._retry_later(call, E.ErrNoLeader() if call.last_err is None else call.last_err)
            return
        tls = self.cluster.tls
        if tls is not None:
            err = tls.check_server(m.host, self.sim.now, self.trusted_ca, self.insecure_skip_tls_verify)
            if err is not None:
                call.event.fail(err)  # we do not trust the member's certificate
                return
        call.attempt += 1
        call.member, call.epoch = m, m.epoch
        _send_coalesced(self.network, self.host, m.host, self._send_slot, (m, m.epoch, self.sim.now), m.handle,
                        (call.kind, call.req, _Reply(self, call, m), self.cert, self.host), reachable)

    def _answer(self, call: _Call, attempt: int, m: "Member", resp: Any, err: Exception | None) -> None:
        ev = call.event
        if ev.triggered or attempt != call.attempt:
            return
        if err is None:
            ev.succeed(resp)
        elif isinstance(err, _RETRY):
            call.last_err = err
            self._pin(avoid=m)
            self._retry_later(call, err)
        else:
            ev.fail(err.grpc() if isinstance(err, E.EtcdError) else err)

    def _retry_later(self, call: _Call, err: Exception) -> None:
        if self.sim.now + RETRY_BACKOFF >= call.deadline:
            # out of time: clientv3 reports the context's deadline
            if not call.event.triggered:
                call.event.fail(E.ErrDeadlineExceeded())
            return
        call.last_err = err
        self.sim.call_later(RETRY_BACKOFF, self._attempt, call)

    def _block(self, ev: "Event") -> Any:
        try:
            return self.sim.run_until(ev, limit=self.timeout + 1.0)
        except TimeoutError:
            raise E.ErrDeadlineExceeded() from None

    # -- async API (inside the simulation) ------------------------------------------------
    def range_async(self, key, range_end=None, *, prefix=False, limit=0, revision=0, sort_order=NONE,
                    sort_target="KEY", keys_only=False, count_only=False, serializable=False) -> "Event":
        return self._call("range", RangeRequest(key, range_end, prefix=prefix, limit=limit, revision=revision,
                                                sort_order=sort_order, sort_target=sort_target,
                                                keys_only=keys_only, count_only=count_only,
                                                serializable=serializable))

    def put_async(self, key, value=b"", *, lease=0, prev_kv=False, ignore_value=False,
                  ignore_lease=False) -> "Event":
        return self._call("put", PutRequest(key, value, lease=lease, prev_kv=prev_kv, ignore_value=ignore_value,
                                            ignore_lease=ignore_lease))

    def delete_range_async(self, key, range_end=None, *, prefix=False, prev_kv=False) -> "Event":
        return self._call("delete_range", DeleteRangeRequest(key, range_end, prefix=prefix, prev_kv=prev_kv))

    def txn_async(self, compare: Sequence[Compare] = (), success: Sequence = (), failure: Sequence = ()) -> "Event":
        # TxnRequest checks each list and its items (TypeError naming the argument)
        return self._call("txn", TxnRequest(compare, success, failure))

    def compact_async(self, revision: int, physical: bool = False) -> "Event":
        return self._call("compact", CompactionRequest(revision, physical))

    def lease_grant_async(self, ttl: int, id: int = 0) -> "Event":
        return self._call("lease_grant", LeaseGrantRequest(ttl, id))

    def lease_revoke_async(self, id: int) -> "Event":
        return self._call("lease_revoke", LeaseRevokeRequest(id))

    def lease_keepalive_async(self, id: int) -> "Event":
        return self._call("lease_keepalive", (int64_arg(id, "id"), False))

    def lease_time_to_live_async(self, id: int, keys: bool = False) -> "Event":
        return self._call("lease_time_to_live", (int64_arg(id, "id"), bool_arg(keys, "keys")))

    # -- blocking API (for notebook users: runs the clock) -------------------------------
    def range(self, key, range_end=None, **kw):
        """Range over ``[key, range_end)``; ``prefix=True`` for a prefix. See :meth:`KV.range`."""
        return self._block(self.range_async(key, range_end, **kw))

    get = range

    def put(self, key, value=b"", **kw):
        return self._block(self.put_async(key, value, **kw))

    def delete_range(self, key, range_end=None, **kw):
        return self._block(self.delete_range_async(key, range_end, **kw))

    delete = delete_range

    def txn(self, compare=(), success=(), failure=()):
        return self._block(self.txn_async(compare, success, failure))

    def compact(self, revision: int, physical: bool = False):
        return self._block(self.compact_async(revision, physical))

    def lease_grant(self, ttl: int, id: int = 0):
        return self._block(self.lease_grant_async(ttl, id))

    def lease_revoke(self, id: int):
        return self._block(self.lease_revoke_async(id))

    def lease_keepalive(self, id: int):
        return self._block(self.lease_keepalive_async(id))

    def lease_time_to_live(self, id: int, keys: bool = False):
        return self._block(self.lease_time_to_live_async(id, keys))

    # -- watch ----------------------------------------------------------------------------
    def watch(self, key, range_end=None, *, prefix=False, start_revision=0, prev_kv=False,
              filters: Sequence[str] = (), progress_notify=False,
              callback: Callable[[WatchResponse], None] | None = None) -> "Watcher":
        """Watch a key or range. Responses arrive on the clock: to ``callback`` if given,
        and (events only) in ``watcher.events``. The watch survives its member's crash by
        resuming on another member from the last revision seen, as clientv3 does."""
        return Watcher(self, key, range_end, prefix, start_revision, prev_kv, filters, progress_notify, callback)


class Watcher:
    """A client-side watch stream; ``cancel()`` ends it."""

    KEEPALIVE = 1.0  # seconds between stream checks (grpc keepalive)

    def __init__(self, client: Client, key, range_end, prefix, start_revision, prev_kv, filters, progress_notify,
                 callback):
        self.client = client
        self.key, self.range_end = _norm_range(key, range_end, prefix)
        self.start_revision = int64_arg(start_revision, "start_revision")
        bool_arg(prev_kv, "prev_kv"), bool_arg(progress_notify, "progress_notify")
        if isinstance(filters, (str, bytes)) or not all(f in (NOPUT, NODELETE) for f in filters):
            raise ValueError(f"filters must be a list of NOPUT / NODELETE, not {filters!r}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self.prev_kv, self.filters, self.progress_notify = prev_kv, tuple(filters), progress_notify
        self.callback = callback
        self.events: list = []
        self.responses = 0
        self.revision = 0  # the last revision seen (header or event)
        self.canceled = False
        self.error: Exception | None = None
        self.compact_revision = 0
        self.created = False
        self.watch_id: int | None = None
        self._member = None
        self._epoch = 0
        self._server = None  # the store-side watcher
        self._stream = 0
        self._open(start_revision)
        # The stream is checked on a fixed beat (every KEEPALIVE from now), but only at the first
        # beat after something may have broken it (a member stopped, a host stopped, a link cut):
        # an idle cluster's watches cost no events, and a broken stream is found when it was.
        self._next_beat = client.sim.now + self.KEEPALIVE
        self._timer = None
        client.network.on_break(self, self._on_break)
        if not self._healthy():
            self._on_break()

    def _open(self, start_revision: int) -> None:
        c = self.client
        m = c._pinned if c._pinned is not None and c._pinned.running else c._pin(avoid=c._pinned)
        self._stream += 1
        self._opened_at = start_revision
        self._member = m
        if m is None or not c.network.can_reach(c.host, m.host):
            return
        self._epoch = m.epoch
        stream = self._stream

        def create():
            if self.canceled or stream != self._stream:
                return
            self._server = m.watch_create(self.key, self.range_end, start_revision, self.prev_kv, self.filters,
                                          self.progress_notify, lambda resp, err: self._deliver(stream, resp, err),
                                          c.host, c.cert)

        c.network.send(c.host, m.host, create)

    def _healthy(self) -> bool:
        c, m = self.client, self._member
        return m is not None and m.running and m.epoch == self._epoch and c.network.can_reach(c.host, m.host)

    def _on_break(self) -> None:
        if self.canceled or self._timer is not None:
            return
        sim = self.client.sim
        beat = self._next_beat
        while beat < sim.now:
            beat += self.KEEPALIVE  # the beats a ticker would have had meanwhile
        self._next_beat = beat
        self._timer = sim.call_at(beat, self._beat)

    def _beat(self) -> None:
        self._timer = None
        self._next_beat = self.client.sim.now + self.KEEPALIVE
        self._check()
        if not self.canceled and not self._healthy():
            self._on_break()  # still no stream (no member reachable): look again at the next beat

    def _check(self) -> None:
        if self.canceled:
            return
        c = self.client
        m = self._member
        if not self._healthy():
            if self._server is not None and m is not None and m.running and m.epoch == self._epoch:
                self._server.cancel()
            self._server = None
            c._pin(avoid=m)
            # resume after the last revision seen (clientv3 watchGrpcStream.resume)
            self._open(self.revision + 1 if self.revision else self.start_revision)

    def _deliver(self, stream: int, resp: WatchResponse | None, err: Exception | None) -> None:
        if self.canceled or stream != self._stream:
            return
        if err is not None:
            self.canceled = True
            self.client.network.off_break(self)
            self.error = err
            return
        if resp.created:
            if self.created:
                return  # a resumed stream: the user saw "created" once already
            self.created = True
            self.watch_id = resp.watch_id
        if resp.canceled:
            self.canceled = True
            self.client.network.off_break(self)
            self.compact_revision = resp.compact_revision
        self.responses += 1
        if not resp.canceled and (not resp.created or self._opened_at == 0):
            # all events up to the header's revision have been sent on this stream
            self.revision = max(self.revision, resp.header.revision)
        if resp.events:
            self.revision = max(self.revision, resp.events[-1].kv.mod_revision)
            if self.callback is None:
                self.events.extend(resp.events)
        if self.callback is not None:
            self.callback(resp)

    def cancel(self) -> None:
        if self.canceled:
            return
        self.canceled = True
        self.client.network.off_break(self)
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.cancel()

    def __repr__(self) -> str:
        state = "canceled" if self.canceled else "active"
        return f"Watcher(key={self.key!r}, range_end={self.range_end!r}, {state}, events={len(self.events)})"
