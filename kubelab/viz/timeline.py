"""What the dashboard shows over time: snapshots of the cluster, for rewinding.

The history itself is part of the model (``cluster.history``: the journal of every user
action, ``fork``); this module only keeps **snapshots** — a light copy of what the
dashboard shows (nodes, pods, etcd members, leader leases, the newest Events) — taken
every ``every`` simulated seconds while time runs (``cluster.history.every``) and after
each user action (``cluster.history.on_action``). Rewinding the dashboard shows the
snapshot in force at the chosen moment; nothing in the model goes back in time. A fork
of a moment on screen is ``cluster.history.fork(at=...)``.

    tl = record(cluster)          # snapshots from now on
    ...
    tl.at(30.0)                   # the snapshot in force at t=30 s
    twin = tl.fork(at=30.0)       # a new Cluster, in the state the original had at t=30 s

Nothing here runs a thread, reads a clock or sleeps. Snapshots read ``cluster.state``
(a ready API server's watch cache, not through the load balancer), so looking changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from kubelab.cluster import ForkError  # noqa: F401  (re-exported for the dashboard)


@dataclass(frozen=True)
class Snapshot:
    """What the dashboard shows at one moment: plain data, cheap to keep."""

    time: float
    events: int
    nodes: tuple  # (name, kind, status, pods, cpu requested/allocatable text)
    pods: tuple  # (namespace, name, STATUS as kubectl get pods shows it, node, ready "1/1")
    etcd: tuple  # (name, host, role, term, commit)
    masters: tuple  # (name, running)
    leases: tuple  # (lease name, holder identity)
    events_tail: tuple  # (last timestamp, type, reason, object, message)
    api_available: bool = True
    topology: Any = field(default=None, compare=False)  # a kubelab.cluster.topology.Topology, for the picture

    @property
    def pod_count(self) -> int:
        return len(self.pods)

    @property
    def running_pods(self) -> int:
        return sum(1 for p in self.pods if p[2] == "Running")

    def __repr__(self) -> str:
        leader = next((e[0] for e in self.etcd if e[2] == "leader"), "none")
        return (f"Snapshot(t={self.time:.1f}s, {len(self.nodes)} nodes, {self.running_pods}/{len(self.pods)} pods "
                f"Running, etcd leader {leader})")


class Timeline:
    """Snapshots of one cluster; see the module docstring."""

    def __init__(self, cluster, every: float = 5.0):
        if every <= 0:
            raise ValueError("every must be > 0 simulated seconds")
        self.cluster = cluster
        self.every = float(every)
        self.snapshots: list[Snapshot] = []
        self._progress: list[Callable[[float, float, float], None]] = []
        self._after: list[Callable[[], None]] = []
        self._run_start: Optional[float] = None
        cluster.history.every(self.every, self._tick)
        cluster.history.on_action(self._on_action)
        cluster.history.after_run(self.snapshot)
        self.snapshot()

    @property
    def journal(self):
        """The user actions recorded by the model (``cluster.history.actions``)."""
        return self.cluster.history.actions

    def _tick(self) -> None:
        self.snapshot()
        for cb in self._progress:
            cb(self.cluster.sim.now)

    def _on_action(self, action) -> None:
        self.snapshot()
        for cb in self._after:
            cb()

    def on_progress(self, fn: Callable[[float], None]) -> None:
        """``fn(now)`` is called at every snapshot boundary while time runs."""
        self._progress.append(fn)

    def after_action(self, fn: Callable[[], None]) -> None:
        """``fn()`` is called after each user action."""
        self._after.append(fn)

    # -- snapshots ------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Record (and return) the state shown now; replaces one taken at the same instant."""
        s = take_snapshot(self.cluster)
        if self.snapshots and self.snapshots[-1].time == s.time:
            self.snapshots[-1] = s
        else:
            self.snapshots.append(s)
        return s

    def at(self, t: float) -> Snapshot:
        """The snapshot in force at time ``t`` (the newest taken at or before it)."""
        lo, hi = 0, len(self.snapshots)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.snapshots[mid].time <= t + 1e-9:
                lo = mid + 1
            else:
                hi = mid
        return self.snapshots[max(lo - 1, 0)]

    @property
    def times(self) -> list[float]:
        return [s.time for s in self.snapshots]

    def fork(self, at: Optional[float] = None):
        """``cluster.history.fork(at)``, with a timeline of its own for the twin."""
        events = None
        if at is not None:
            shown = self.at(at)
            events = shown.events if abs(shown.time - at) < 1e-9 else None
        return self.cluster.history.fork(at, prepare=lambda twin: record(twin, every=self.every), events=events)

    def __repr__(self) -> str:
        return (f"Timeline(t={self.cluster.sim.now:.1f}s, {len(self.snapshots)} snapshots every {self.every:g}s, "
                f"{len(self.journal)} actions)")


_TIMELINES: dict[int, tuple[Any, "Timeline"]] = {}


def record(cluster, every: float = 5.0) -> Timeline:
    """The cluster's timeline of snapshots, made on first use (once per cluster)."""
    entry = _TIMELINES.get(id(cluster))
    if entry is not None and entry[0] is cluster:
        return entry[1]
    tl = Timeline(cluster, every=every)
    _TIMELINES[id(cluster)] = (cluster, tl)
    return tl


# -- reading the state without touching it ---------------------------------------------------
def take_snapshot(cluster) -> Snapshot:
    """What the dashboard shows now, read through ``cluster.state`` (the one read model: a
    ready API server's cache, not through the load balancer). Node and pod statuses are
    kubectl's STATUS columns, so every tab says the same word."""
    from kubelab.kubectl.printers import node_status, pod_status_reason

    state = cluster.state
    topo = state.topology()
    nodes, pods, evs = [], [], []
    per_node: dict[str, int] = {}
    for p in state.list("Pod"):
        node = p.spec.node_name or ""
        if node:
            per_node[node] = per_node.get(node, 0) + 1
        status, ready, total = pod_status_reason(p)[:3]  # kubectl get pods' STATUS and READY
        pods.append((p.metadata.namespace or "", p.metadata.name, status, node, f"{ready}/{total}"))
    seen = set()
    for n in state.list("Node"):
        seen.add(n.metadata.name)
        machine = cluster.nodes.get(n.metadata.name)
        nodes.append((n.metadata.name, type(machine).__name__ if machine else "?", node_status(n),
                      per_node.get(n.metadata.name, 0)))
    # a node that never registered (or whose API objects cannot be read) still shows
    for w in topo.workers:
        if w.name not in seen:
            nodes.append((w.name, w.kind, w.state, per_node.get(w.name, 0)))
    leases = tuple(sorted((name, (lease.spec.holder_identity if lease.spec else None) or "")
                          for name, lease in state.leases().items()))
    events = sorted(state.list("Event"), key=lambda e: e.last_seen_key())[-8:]
    for e in events:
        io = e.involved_object
        evs.append((e.last_seen(), e.type or "", e.reason or "",
                    f"{(io.kind or '').lower()}/{io.name}", e.message or ""))
    etcd = tuple((m.name, m.host, m.role, m.term, m.commit_index) for m in cluster.etcd.members)
    masters = tuple((m.name, bool(m.running)) for m in cluster.masters)
    return Snapshot(cluster.sim.now, cluster.sim.events_processed, tuple(sorted(nodes)), tuple(sorted(pods)), etcd,
                    masters, leases, tuple(evs), state.readable, topo)


__all__ = ["ForkError", "Snapshot", "Timeline", "record", "take_snapshot"]
