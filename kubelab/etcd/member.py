"""An etcd member: Raft + write-ahead log + the MVCC keyspace, on a simulated disk.

The member runs etcd's raft loop (etcdserver/raft.go ``raftNode.start``) on the clock:

* every 100 ms (``--heartbeat-interval``) it ticks its Raft node;
* when Raft has a :class:`~kubelab.etcd.raft.Ready`, the member writes its entries and hard
  state to the WAL — one fsync at a time, so whatever piles up meanwhile goes in the next
  write (batching) — then sends its messages (a leader sends first and writes in parallel,
  as etcd does, thesis §10.2.1), applies committed entries to the MVCC store, answers the
  clients waiting on them, and calls ``advance``;
* every ``snapshot_count`` applied entries it snapshots the store and compacts the log,
  keeping ``SNAPSHOT_CATCHUP_ENTRIES`` for slow followers (etcdserver/server.go).

Capacity, in simulated time (what makes a loaded etcd slow, as a real one is):

* the disk: each WAL write costs ``fsync_latency`` plus its bytes over ``disk_bandwidth``;
  the raft loop waits for it, so a busier member writes bigger, rarer batches;
* the CPU: every client request costs ``request_cpu`` on the member's ``cores`` (gRPC,
  auth, proposing), and every committed entry ``apply_cpu`` on the single apply loop
  (etcdserver's applier runs entries one by one), which answers the client;
* the backend: bbolt commits its batch every 100 ms or 10,000 writes (mvcc/backend
  ``defaultBatchInterval``/``defaultBatchLimit``), holding the apply loop for an fsync;
* Raft's pipeline: at most 512 MsgApp in flight per follower (etcdserver/raft.go
  ``maxInflightMsgs = 4096 / 8``) and requests over 1.5 MiB refused
  (``embed.DefaultMaxRequestBytes``: ``etcdserver: request is too large``).

So committed writes per simulated second saturate near ``1 / apply_cpu`` and latency
climbs with the queues. The per-request CPU costs are calibrated against etcd 3.4 on
loopback (benchmarks/bench_etcd.py prints both curves side by side).

``stop()`` loses everything volatile (the Raft node, the store, watches, waiting
requests); ``start()`` rebuilds from the WAL and the last snapshot, as a restarted etcd does.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from kubelab.sim import journaled

from . import errors as E
from .client import reply_all
from .mvcc import KV, LeaseRevokeRequest, PutRequest, check_request

_new_tuple = tuple.__new__
from .raft import (
    NONE,
    ConfChange,
    Entry,
    EntryConfChange,
    HardState,
    Message,
    ProposalDropped,
    Raft,
    Ready,
    Snapshot,
    StateLeader,
)

if TYPE_CHECKING:  # pragma: no cover
    from .cluster import EtcdCluster

# etcd defaults (etcdserver/server.go, embed/config.go). --snapshot-count is 10,000 from
# etcd 3.6 (the version kubeadm 1.34 runs; etcd-io/etcd#15408: 3.2-3.5 had 100,000), and
# kubeadm has passed --snapshot-count=10000 all along: the Raft log holds 5,000-15,000
# entries, not up to 105,000 (each with its value bytes, long after the MVCC compaction).
DEFAULT_SNAPSHOT_COUNT = 10_000
SNAPSHOT_CATCHUP_ENTRIES = 5_000
TICK_SECONDS = 0.1  # --heartbeat-interval=100
ELECTION_TICKS = 10  # --election-timeout=1000
# capacity (see the module docstring)
BACKEND_BATCH_INTERVAL = 0.1  # mvcc/backend/backend.go defaultBatchInterval
BACKEND_BATCH_LIMIT = 10_000  # mvcc/backend/backend.go defaultBatchLimit
MAX_INFLIGHT_MSGS = 4096 // 8  # etcdserver/raft.go maxInflightMsgs
MAX_REQUEST_BYTES = 3 * 1024 * 1024 // 2  # embed.DefaultMaxRequestBytes (1.5 MiB)
ENTRY_OVERHEAD_BYTES = 64  # raftpb.Entry + InternalRaftRequest framing around a request
# etcdserver ReqTimeout(): 5 s + 2 * election timeout
REQUEST_TIMEOUT = 5.0 + 2 * ELECTION_TICKS * TICK_SECONDS


def member_id(name: str, token: str = "etcd-cluster") -> int:
    """A stable 64-bit member ID (etcd hashes peer URLs and the cluster token, membership/member.go)."""
    return int.from_bytes(hashlib.sha256(f"{token}/{name}".encode()).digest()[:8], "big") & ((1 << 63) - 1) or 1


class WAL:
    """What survives a crash: the hard state, the entries and the last snapshot
    (etcd's wal/ and snap/ directories). Writes are ordered; a later write at an index
    overwrites the suffix from there, as replaying a WAL does."""

    def __init__(self):
        self.hard_state = HardState()
        self.snapshot: Snapshot | None = None
        self.entries: list[Entry] = []
        self.writes = 0

    def save(self, hs: HardState | None, ents: list[Entry]) -> None:
        if ents:
            first = ents[0].index
            es = self.entries
            if es and es[-1].index >= first:
                base = es[0].index
                del es[max(0, first - base):]
            es.extend(ents)
        if hs is not None:
            self.hard_state = hs
        self.writes += 1

    def save_snapshot(self, s: Snapshot, compact_to: int) -> None:
        self.snapshot = s
        es = self.entries
        if es and es[0].index <= compact_to:
            del es[: compact_to - es[0].index + 1]
        if s.index > self.hard_state.commit:
            self.hard_state = HardState(self.hard_state.term, self.hard_state.vote, s.index)


class Member:
    """One etcd member on ``host``. Created by :class:`~kubelab.etcd.cluster.EtcdCluster`."""

    def __init__(self, cluster: "EtcdCluster", name: str, host: str, voters: list[int], *,
                 fsync_latency: float = 0.001, snapshot_count: int = DEFAULT_SNAPSHOT_COUNT, join: bool = False,
                 disk_bandwidth: float = 200e6, cores: int = 2, request_cpu: float = 40e-6,
                 apply_cpu: float = 25e-6, backend_commit_cpu: float = 1e-6):
        self.cluster = cluster
        self.sim = cluster.sim
        self.network = cluster.network
        self.name = name
        self.host = host
        self.id = member_id(name, cluster.token)
        self.fsync_latency = fsync_latency
        self.disk_extra = 0.0
        self.disk_bandwidth = disk_bandwidth  # bytes per second the WAL is written at
        self.cores = cores
        self.request_cpu = request_cpu  # seconds of CPU to take in one client request
        self.apply_cpu = apply_cpu  # seconds of the apply loop per committed entry
        self.backend_commit_cpu = backend_commit_cpu  # per key written back by a bbolt commit
        self.committed_writes = 0  # entries applied (the throughput the benchmark reads)
        self.snapshot_count = snapshot_count
        self.wal = WAL()
        self.msg_stats: dict[tuple[str, str], int] = {}  # (message type, to member) -> messages sent
        self.running = False
        self.removed = False
        self.epoch = 0  # bumped on every start: watch streams of an older epoch are gone
        self._initial_voters = list(voters)
        if not join:
            self._bootstrap(voters)
        self.raft: Raft | None = None
        self.kv: KV | None = None

    def _bootstrap(self, voters: list[int]) -> None:
        # etcd-io/raft StartNode/Bootstrap: the log begins with one ConfChangeAddNode per
        # initial member at term 1, committed; so the first leader is elected at term 2.
        ents = [Entry(1, i + 1, EntryConfChange, (None, ConfChange("ConfChangeAddNode", v)))
                for i, v in enumerate(voters)]
        self.wal.save(HardState(1, NONE, len(ents)), ents)

    # -- lifecycle ------------------------------------------------------------------------
    @journaled
    def start(self) -> None:
        """Start (or restart) the member from its WAL and snapshot."""
        if self.running or self.removed:
            return
        self.running = True
        self.epoch += 1
        if self.cluster.owns_hosts:
            self.network.start(self.host)
        w = self.wal
        self.kv = KV(cluster_id=self.cluster.cluster_id, member_id=self.id)
        if w.snapshot is not None:
            self.kv.restore(w.snapshot.data)
        self.raft = Raft(self.id, self._initial_voters, rng=self.sim.rng(f"etcd/{self.name}/raft/{self.epoch}"),
                         election_tick=ELECTION_TICKS, heartbeat_tick=1, max_inflight=MAX_INFLIGHT_MSGS,
                         hard_state=w.hard_state,
                         snapshot=w.snapshot, entries=w.entries)
        self._busy = False
        self._ready_scheduled = False
        self._props: list[Entry] = []  # proposals waiting for the next ready loop
        self._waits: dict[Any, Callable] = {}  # request id -> answer(resp, err)
        self._wait_deadlines: deque = deque()  # (deadline, request id), in order
        self._req_seq = 0
        self._reads: list[tuple] = []  # linearizable reads waiting for a ReadIndex
        self._read_ctx: Any = None
        self._read_ctx_ticks = 0
        self._read_batch: list[tuple] = []
        self._read_waiters: list[tuple[int, list]] = []  # (index, reads) waiting for apply
        self._revoking: set[int] = set()
        self._last_lead = NONE
        self._applied_since_snap = 0
        self._cpu_free = [0.0] * self.cores  # when each core is next free
        # requests whose CPU is done at a later instant, in order (see handle): one timer
        # for the queue's head instead of one per request
        self._cpu_done: deque = deque()  # (done, answer, req)
        self._apply_free = 0.0  # when the apply loop is next free
        self._backend_pending = 0  # writes in bbolt's open batch transaction
        self._ticker = self.sim.every(TICK_SECONDS, self._tick)
        self.sim.trace.record(f"etcd/{self.name}", "MemberStarted",
                              f"{self.id:x} started (term {self.raft.term}, commit {self.raft.log.committed})")
        self._schedule_ready()

    @journaled
    def stop(self) -> None:
        """Crash the member: volatile state is lost; the WAL and snapshot stay on disk."""
        if not self.running:
            return
        self.running = False
        self._ticker.cancel()
        if self.cluster.owns_hosts:
            self.network.stop(self.host)
        else:
            self.network.notify_break()  # its clients' streams break though the machine runs on
        # answer nobody: the process is gone (clients see their deadline pass)
        self._waits.clear()
        self.sim.trace.record(f"etcd/{self.name}", "MemberStopped", f"{self.id:x} stopped")

    @journaled
    def slow_disk(self, seconds: float) -> None:
        """Add ``seconds`` to every fsync (0 restores the disk)."""
        self.disk_extra = seconds

    def slow_link(self, seconds: float) -> None:
        """Add ``seconds`` to every message to or from this member's host (0 restores it)."""
        self.network.slow_host(self.host, seconds)

    # -- views ----------------------------------------------------------------------------
    @property
    def role(self) -> str:
        if not self.running:
            return "stopped"
        return _ROLE_NAMES[self.raft.role]

    @property
    def is_leader(self) -> bool:
        return self.running and self.raft.role == StateLeader

    @property
    def term(self) -> int:
        return self.raft.term if self.raft else self.wal.hard_state.term

    @property
    def commit_index(self) -> int:
        return self.raft.log.committed if self.raft else self.wal.hard_state.commit

    @property
    def applied_index(self) -> int:
        return self.raft.log.applied if self.raft else 0

    @property
    def log_length(self) -> int:
        return len(self.raft.log.ents) if self.raft else len(self.wal.entries)

    def log_entries(self) -> list[Entry]:
        return list(self.raft.log.ents) if self.raft else list(self.wal.entries)

    def status(self) -> dict:
        """What ``etcdctl endpoint status`` shows, plus the Raft indexes."""
        return {"name": self.name, "id": f"{self.id:x}", "host": self.host, "role": self.role,
                "term": self.term, "leader": f"{self.raft.lead:x}" if self.raft and self.raft.lead else "",
                "commit": self.commit_index, "applied": self.applied_index, "log": self.log_length,
                "revision": self.kv.rev if self.kv else 0}

    def __repr__(self) -> str:
        return (f"Member({self.name!r}, id={self.id:x}, host={self.host!r}, {self.role}, term={self.term}, "
                f"commit={self.commit_index}, applied={self.applied_index})")


    # -- the raft loop --------------------------------------------------------------------
    def _tick(self) -> None:
        if not self.running:
            return
        r = self.raft
        r.tick()
        now = self.sim.now
        if self._backend_pending:  # backend.run: commit the batch every defaultBatchInterval
            self._backend_commit(now)
        # expire requests nobody answered (etcd: the request's context deadline)
        dl = self._wait_deadlines
        while dl and dl[0][0] <= now:
            _, rid = dl.popleft()
            cb = self._waits.pop(rid, None)
            if cb is not None:
                cb(None, E.ErrTimeout())
        if self._read_ctx is not None:
            self._read_ctx_ticks += 1
            if self._read_ctx_ticks >= 5:  # etcd retries a ReadIndex after 500 ms
                self._read_ctx = None
                self._reads = self._read_batch + self._reads
                self._read_batch = []
                self._issue_read()
        if r.role == StateLeader:
            # the primary lessor revokes expired leases through Raft (lease/lessor.go)
            for lid in self.kv.expired_leases(now):
                if lid not in self._revoking:
                    self._revoking.add(lid)
                    self._propose_entry(None, LeaseRevokeRequest(lid))
        self._schedule_ready()

    def _schedule_ready(self) -> None:
        if not self._ready_scheduled and not self._busy:
            self._ready_scheduled = True
            self.sim.call_soon(self._run_ready)

    def _run_ready(self) -> None:
        self._ready_scheduled = False
        if not self.running or self._busy:
            return
        r = self.raft
        if self._props:
            props, self._props = self._props, []
            try:
                r.step(Message("MsgProp", frm=self.id, entries=props))
                if self.sim.trace.followed:
                    self._trace_proposed(props)
            except ProposalDropped:
                for e in props:
                    rid = e.data[0] if e.data is not None else None
                    cb = self._waits.pop(rid, None)
                    if cb is not None:
                        cb(None, E.ErrNoLeader())
        if not r.has_ready():
            return
        rd = r.ready()
        if rd.soft_state is not None:
            self._on_soft_state(rd)
        leader = r.role == StateLeader
        if leader and rd.messages:
            self._send(rd.messages)  # the leader replicates while it writes its own disk
        if rd.entries or rd.hard_state is not None or rd.snapshot is not None:
            self._busy = True
            ents = rd.entries
            nbytes = ENTRY_OVERHEAD_BYTES * len(ents)  # _entry_bytes of each, summed inline
            for e in ents:
                data = e[3]
                if data is not None and len(data) == 3:
                    put = data[2]
                    nbytes += len(put[0]) + len(put[1])
            write = self.fsync_latency + self.disk_extra + nbytes / self.disk_bandwidth
            self.sim.call_later(write, self._persisted, rd, leader, self.epoch)
        else:
            self._persisted(rd, leader, self.epoch)

    def _persisted(self, rd: Ready, sent: bool, epoch: int) -> None:
        if not self.running or epoch != self.epoch:
            return  # crashed before the write completed: it never happened
        self._busy = False
        w = self.wal
        if rd.snapshot is not None:
            w.save_snapshot(rd.snapshot, rd.snapshot.index)
            self.kv.restore(rd.snapshot.data)
            self._fail_reads(E.ErrLeaderChanged())
        w.save(rd.hard_state, rd.entries)
        if not sent and rd.messages:
            self._send(rd.messages)
        if rd.committed_entries:
            self._apply(rd.committed_entries)
        r = self.raft
        r.advance(rd)
        for rs in rd.read_states:
            self._on_read_state(rs.index, rs.request_ctx)
        if self._read_waiters:
            self._serve_reads()
        if self._applied_since_snap >= self.snapshot_count:
            self._snapshot()
        if self._props or r.has_ready():
            self._schedule_ready()

    def _send(self, msgs: list[Message]) -> None:
        peers = self.cluster._by_id
        net = self.network
        tls = self.cluster.tls
        stats = self.msg_stats
        # One Ready's messages to a peer go out together, in order, on the one stream
        # rafthttp keeps to it (etcdserver/api/rafthttp/stream.go streamWriter): the
        # network carries them as one delivery, at the instant each would have arrived.
        frames: dict = {}
        last_to = last_f = last_name = None  # a Ready's messages often run to one peer
        for m in msgs:
            to = m.to
            if to != last_to:
                peer = peers.get(to)
                if peer is None:
                    continue
                f = frames.get(peer)
                if f is None:
                    f = frames[peer] = []
                last_to, last_f, last_name = to, f, peer.name
            k = (m.type, last_name)
            stats[k] = stats.get(k, 0) + 1
            last_f.append(m)
        for peer, f in frames.items():
            if tls is not None and tls.peer_client_cert_auth and not tls.check_peer(self.host, peer.host, self.sim.now):
                continue  # the peer refuses our connection (--peer-client-cert-auth)
            if net.send(self.host, peer.host, peer._receive_all, f, peer.epoch):
                net.sent += len(f) - 1
            else:
                net.sent += len(f) - 1
                net.dropped += len(f) - 1

    def _receive(self, m: Message, epoch: int) -> None:
        self._receive_all((m,), epoch)

    def _receive_all(self, msgs, epoch: int) -> None:
        if not self.running or epoch != self.epoch:
            return
        for m in msgs:
            try:
                self.raft.step(m)
                if m.type == "MsgProp" and self.sim.trace.followed and self.raft.role == StateLeader:
                    self._trace_proposed(list(m.entries))  # a follower forwarded it here
            except ProposalDropped:
                pass
        self._schedule_ready()

    def _on_soft_state(self, rd: Ready) -> None:
        ss = rd.soft_state
        r = self.raft
        # every role change, with its term (the raft_timeline view draws them)
        self.sim.trace.record(f"etcd/{self.name}", "RoleChanged",
                              f"{_ROLE_NAMES.get(ss.role, ss.role)} term={r.term} leader={ss.lead:x} commit={r.log.committed}")
        if ss.role == StateLeader:
            # raft.node logs "elected leader <id> at term <n>"
            self.sim.trace.record(f"etcd/{self.name}", "ElectedLeader",
                                  f"{self.id:x} elected leader {self.id:x} at term {r.term}")
            # lessor.Promote(electionTimeout): leases restart their TTL, plus one election timeout
            self.kv.refresh_leases(self.sim.now + ELECTION_TICKS * TICK_SECONDS)
            self._revoking.clear()
        if ss.lead != self._last_lead:
            if self._last_lead != NONE:
                self._fail_reads(E.ErrLeaderChanged())  # etcdserver: leader changed
            self._last_lead = ss.lead
        self.kv.raft_term = r.term

    def _backend_commit(self, now: float) -> None:
        """bbolt commits the batch: the apply loop waits for its fsync."""
        n, self._backend_pending = self._backend_pending, 0
        self._apply_free = max(now, self._apply_free) + self.fsync_latency + self.disk_extra + n * self.backend_commit_cpu

    def _apply(self, ents: list[Entry]) -> None:
        now = self.sim.now
        # the apply loop takes the entries one by one; clients hear back when it is done
        n = len(ents)
        self.committed_writes += n
        done = max(now, self._apply_free) + n * self.apply_cpu
        self._apply_free = done
        self._backend_pending += n
        if self._backend_pending >= BACKEND_BATCH_LIMIT:
            self._backend_commit(done)
        answers: list = []
        self._apply_now(ents, answers)
        if answers:
            if done > now:
                self.sim.call_later(done - now, self._answer, answers, self.epoch)
            else:
                self._answer(answers, self.epoch)

    def _answer(self, answers: list, epoch: int) -> None:
        if epoch != self.epoch:
            return  # crashed before the answers went out
        reply_all(answers)

    def _trace_proposed(self, props: list[Entry]) -> None:
        """A followed request's entry entered Raft here (request_path): on the leader it is
        appended at the end of the log; a follower forwards it to the leader."""
        tr = self.sim.trace
        r = self.raft
        last = r.log.last_index()
        for i, e in enumerate(props):
            got = tr.followed.get(_entry_key(e))
            if got is None or got[1]:
                continue  # not followed, or its write is already stored (a later change)
            span = got[0]
            if r.role == StateLeader:
                tr.record(f"etcd/{self.name}", "RaftProposed",
                          f"{span} index={last - len(props) + 1 + i} term={r.term} leader")
            else:
                tr.record(f"etcd/{self.name}", "RaftProposed", f"{span} forwarded to leader {r.lead:x} term={r.term}")

    def _apply_now(self, ents: list[Entry], answers: list) -> None:
        kv = self.kv
        waits = self._waits
        now = self.sim.now
        kv.raft_term = self.raft.term
        tr = self.sim.trace
        followed = tr.followed
        put_quiet = kv.put_quiet
        quiet_run = kv.put_quiet_entries
        i, n = 0, len(ents)
        while i < n:
            if not followed:
                # nothing is traced: a run of plain puts is applied in one call (the same
                # updates, in the same order, as put_quiet one by one; the waiters of the
                # puts get the response do_put gives)
                i = quiet_run(ents, i, waits, answers)
                if i >= n:
                    break
            e = ents[i]
            i += 1
            data = e[3]
            if data is None:
                continue
            if followed and e.type != EntryConfChange:
                span = tr.followed_span(_entry_key(e), kv.rev + 1)
                if span is not None:
                    # the revision this entry makes if it writes (a txn that fails makes none)
                    tr.record(f"etcd/{self.name}", "RaftApplied",
                              f"{span} index={e.index} term={e.term} revision={kv.rev + 1} "
                              f"{'leader' if self.raft.role == StateLeader else 'follower'}")
            if e[2] == EntryConfChange:
                self._apply_conf_change(data, e.index)
                continue
            cb = waits.pop(data[0], None) if waits else None
            if len(data) == 3:  # a put, carried as plain values (see _propose_entry)
                if cb is None and put_quiet(data[2]):
                    continue
                req = _new_tuple(PutRequest, data[2])
            else:
                req = data[1]
            try:
                resp, err = kv.apply(req, now, cb is not None), None
            except E.EtcdError as exc:
                resp, err = None, exc
            except Exception as exc:  # noqa: BLE001 - a committed entry is always applied
                # etcd's applier turns whatever goes wrong applying an entry into the
                # response's error (apply.go applierV3backend); the member moves on, so one
                # bad entry can never wedge the log (every member takes the same path)
                resp, err = None, E.EtcdError(f"etcdserver: {type(exc).__name__}: {exc}")
            if type(req) is LeaseRevokeRequest:
                self._revoking.discard(req.ID)
            if cb is not None:
                answers.append((cb, resp, err))
        self._applied_since_snap += len(ents)

    def _apply_conf_change(self, data: tuple, index: int) -> None:
        rid, cc = data
        self.raft.apply_conf_change(cc)
        self.cluster._conf_applied(self, cc)
        cb = self._waits.pop(rid, None)
        if cb is not None:
            cb(cc, None)
        if cc.type == "ConfChangeRemoveNode" and cc.node_id == self.id:
            # etcd: "the member has been permanently removed from the cluster"
            self.sim.trace.record(f"etcd/{self.name}", "MemberRemoved", f"{self.id:x} removed from the cluster")
            self.removed = True
            self.sim.call_soon(self.stop)

    def _snapshot(self) -> None:
        r = self.raft
        idx = r.log.applied
        compact_to = max(r.log.snap_index, idx - SNAPSHOT_CATCHUP_ENTRIES)
        s = r.create_snapshot(idx, self.kv.snapshot(), compact_to=compact_to)
        self.wal.save_snapshot(s, compact_to)
        self._applied_since_snap = 0
        self.sim.trace.record(f"etcd/{self.name}", "Snapshot", f"saved snapshot at index {idx}")

    # -- serving requests -----------------------------------------------------------------
    def _propose_entry(self, answer: Callable | None, req: Any, conf: bool = False) -> None:
        self._req_seq += 1
        rid = (self.id, self.epoch, self._req_seq)
        if answer is not None:
            self._waits[rid] = answer
            self._wait_deadlines.append((self.sim.now + REQUEST_TIMEOUT, rid))
        if type(req) is PutRequest:
            # etcd marshals the request into the entry's bytes; we carry its plain values,
            # which also keeps the log invisible to the garbage collector
            data = (rid, "put", tuple(req))
        else:
            data = (rid, req)
        self._props.append(_new_tuple(Entry, (0, 0, EntryConfChange if conf else "EntryNormal", data)))
        self._schedule_ready()

    def handle(self, kind: str, req: Any, answer: Callable[[Any, Exception | None], None], cert: Any = None,
               remote: str = "") -> None:
        """Serve one client request (already delivered to this host). ``answer(resp, err)``
        is called on the clock when done. Kinds: range, put, delete_range, txn, compact,
        lease_grant, lease_revoke, lease_keepalive, lease_time_to_live, conf_change."""
        if not self.running:
            return
        tls = self.cluster.tls
        if tls is not None:
            err = tls.check_client(cert, self.sim.now, self.name, remote)
            if err is not None:
                answer(None, err)
                return
        r = self.raft
        if r.lead == NONE:
            answer(None, E.ErrNoLeader())  # v3rpc interceptor: no leader, no service
            return
        if kind == "put" and type(req) is PutRequest and req[0] and not (req[4] and req[1]) \
                and not (req[5] and req[2]):
            pass  # what check_request finds of a put: a key, no value/lease with ignore_value/ignore_lease
        elif kind in ("range", "put", "delete_range", "txn", "compact", "lease_grant", "lease_revoke"):
            try:
                check_request(req)  # v3rpc/key.go: refused before it is proposed
            except E.EtcdError as exc:
                answer(None, exc)
                return
            except TypeError as exc:
                answer(None, E.EtcdError(f"etcdserver: {exc}"))
                return
        if kind == "range":
            if req.serializable:
                self._local(answer, lambda: self.kv.do_range(req))
            else:
                self._reads.append((req, answer))
                self._issue_read()
        elif kind == "lease_keepalive" or kind == "lease_time_to_live":
            if r.role != StateLeader:
                leader = self.cluster._by_id.get(r.lead)
                if leader is None:
                    answer(None, E.ErrNoLeader())
                    return
                # etcd forwards LeaseRenew / LeaseTimeToLive to the leader over the peer network
                self.network.send(self.host, leader.host, leader._forwarded, kind, req, self.host, answer)
                return
            self._lease_local(kind, req, answer)
        elif kind == "lease_grant":
            if not req.ID:
                req.ID = self.kv.next_lease_id()  # the proposer picks the ID (reqIDGen)
            self._propose_entry(answer, req)
        elif kind == "conf_change":
            self._propose_entry(answer, req, conf=True)
        else:
            if kind == "put" and len(req.key) + len(req.value) > MAX_REQUEST_BYTES:
                answer(None, E.ErrRequestTooLarge())
                return
            # the request's CPU (gRPC, auth, marshalling) on the member's least busy core
            now = self.sim.now
            free = self._cpu_free
            first = min(free)
            done = free[free.index(first)] = (now if now > first else first) + self.request_cpu
            if done > now:
                # done never decreases from one request to the next (each takes the core
                # that frees first), so the requests queue in the order they finish
                q = self._cpu_done
                if not q:
                    self.sim.call_at(done, self._propose_later, self.epoch)
                q.append((done, answer, req))
            else:
                self._propose_entry(answer, req)

    def _propose_later(self, epoch: int) -> None:
        """Propose every request whose CPU is done by now; wake again for the next one."""
        if not self.running or epoch != self.epoch:
            return
        q = self._cpu_done
        now = self.sim.now
        waits = self._waits
        deadlines = self._wait_deadlines
        props = self._props
        timeout = now + REQUEST_TIMEOUT
        proposed = False
        while q and q[0][0] <= now:
            _, answer, req = q.popleft()
            if type(req) is not PutRequest:
                self._propose_entry(answer, req)
                continue
            # _propose_entry of a put, inline (the ready loop is scheduled once, below)
            self._req_seq += 1
            rid = (self.id, epoch, self._req_seq)
            if answer is not None:
                waits[rid] = answer
                deadlines.append((timeout, rid))
            props.append(_new_tuple(Entry, (0, 0, "EntryNormal", (rid, "put", tuple(req)))))
            proposed = True
        if proposed:
            self._schedule_ready()
        if q:
            self.sim.call_at(q[0][0], self._propose_later, epoch)

    def _forwarded(self, kind: str, req: Any, reply_host: str, answer: Callable) -> None:
        if not self.running:
            return

        def back(resp, err):
            self.network.send(self.host, reply_host, answer, resp, err)

        if self.raft.role != StateLeader:
            back(None, E.ErrNotLeader())
            return
        self._lease_local(kind, req, back)

    def _lease_local(self, kind: str, req: Any, answer: Callable) -> None:
        lid, keys = req
        if kind == "lease_keepalive":
            self._local(answer, lambda: self.kv.lease_keepalive(lid, self.sim.now))
        else:
            self._local(answer, lambda: self.kv.lease_time_to_live(lid, keys, self.sim.now))

    def _local(self, answer: Callable, fn: Callable) -> None:
        try:
            resp = fn()
        except E.EtcdError as exc:
            answer(None, exc)
            return
        answer(resp, None)

    # linearizable reads: one ReadIndex for every read pending at once (etcd's linearizableReadLoop)
    def _issue_read(self) -> None:
        if self._read_ctx is not None or not self._reads:
            return
        self._req_seq += 1
        ctx = ("read", self.id, self.epoch, self._req_seq)
        self._read_batch, self._reads = self._reads, []
        self._read_ctx = ctx
        self._read_ctx_ticks = 0
        try:
            self.raft.read_index(ctx)
        except ProposalDropped:
            self._read_ctx = None
            batch, self._read_batch = self._read_batch, []
            for _, answer in batch:
                answer(None, E.ErrNoLeader())
            return
        self._schedule_ready()

    def _on_read_state(self, index: int, ctx: Any) -> None:
        if ctx != self._read_ctx:
            return
        self._read_ctx = None
        batch, self._read_batch = self._read_batch, []
        self._read_waiters.append((index, batch))
        self._serve_reads()
        self._issue_read()

    def _serve_reads(self) -> None:
        applied = self.raft.log.applied
        keep = []
        for index, batch in self._read_waiters:
            if index <= applied:
                for req, answer in batch:
                    self._local(answer, lambda req=req: self.kv.do_range(req))
            else:
                keep.append((index, batch))
        self._read_waiters = keep

    def _fail_reads(self, err: Exception) -> None:
        batch = self._read_batch + [x for _, b in self._read_waiters for x in b]
        self._read_batch, self._read_waiters, self._read_ctx = [], [], None
        for _, answer in batch:
            answer(None, err)
        self._issue_read()

    # -- watches (served by the member a client is connected to) -------------------------
    def watch_create(self, key, range_end, start_revision, prev_kv, filters, progress_notify,
                     deliver: Callable, reply_host: str, cert: Any = None):
        """Register a watch on this member's store; every response crosses the network to
        ``reply_host`` and is handed to ``deliver``."""
        if not self.running:
            return None
        tls = self.cluster.tls
        if tls is not None:
            err = tls.check_client(cert, self.sim.now, self.name, reply_host)
            if err is not None:
                self.network.send(self.host, reply_host, deliver, None, err)
                return None
        epoch = self.epoch

        def cb(resp):
            if self.running and self.epoch == epoch:
                self.network.send(self.host, reply_host, deliver, resp, None)

        return self.kv.watch(key, range_end, start_revision=start_revision, prev_kv=prev_kv, filters=filters,
                             callback=cb, progress_notify=progress_notify)


def _entry_bytes(e: Entry) -> int:
    """About what the entry weighs in the WAL: the put's key and value, plus framing."""
    data = e.data
    if data is not None and len(data) == 3:
        put = data[2]
        return ENTRY_OVERHEAD_BYTES + len(put[0]) + len(put[1])
    return ENTRY_OVERHEAD_BYTES


_ROLE_NAMES = {"StateLeader": "leader", "StateFollower": "follower", "StateCandidate": "candidate",
               "StatePreCandidate": "pre-candidate"}


def _entry_key(e: Entry) -> bytes | None:
    """The key a normal entry writes (its txn's first compare or op), for the trace."""
    data = e.data
    if data is None:
        return None
    if len(data) == 3:  # a put carried as plain values: (rid, "put", (key, value, ...))
        return data[2][0]
    req = data[1]
    cmp = getattr(req, "compare", None)
    if cmp:
        return cmp[0].key
    ops = getattr(req, "success", None)
    if ops:
        return getattr(ops[0], "key", None)
    return getattr(req, "key", None)
