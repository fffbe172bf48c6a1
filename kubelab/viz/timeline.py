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

Nothing here runs a thread, reads a clock or sleeps. Snapshots read the API servers'
watch caches directly (not through the load balancer), so looking changes nothing.
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
    pods: tuple  # (namespace, name, phase, node, ready "1/1")
    etcd: tuple  # (name, host, role, term, commit)
    masters: tuple  # (name, running)
    leases: tuple  # (lease name, holder identity)
    events_tail: tuple  # (last timestamp, type, reason, object, message)
    api_available: bool = True
    topology: Any = field(default=None, compare=False)  # a kubelab.viz.graphs.Topology, for the picture

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
        return self.cluster.history.fork(at, prepare=lambda twin: record(twin, every=self.every))

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
def _server(cluster):
    for s in cluster.apiservers:
        if s.ready:
            return s
    return None


def _cond(obj, kind: str) -> Optional[str]:
    for c in (obj.status.conditions or []) if obj.status else []:
        if c.type == kind:
            return c.status
    return None


def take_snapshot(cluster) -> Snapshot:
    from kubelab.client.rest import resolve_kind
    from kubelab.kubectl.printers import pod_status_reason

    sim = cluster.sim
    server = _server(cluster)
    nodes, pods, leases, evs = [], [], [], []
    per_node: dict[str, int] = {}
    pods_on: dict[str, list] = {}
    node_objs: dict[str, Any] = {}
    if server is not None:
        for p in server.read_list(resolve_kind("Pod")).items:
            node = p.spec.node_name or ""
            if node:
                per_node[node] = per_node.get(node, 0) + 1
                pods_on.setdefault(node, []).append(p)
            _, ready, total, _, _ = pod_status_reason(p)  # kubectl get pods' READY column
            phase = (p.status.phase if p.status else None) or "Pending"
            if p.metadata.deletion_timestamp:
                phase = "Terminating"
            pods.append((p.metadata.namespace or "", p.metadata.name, phase, node,
                         f"{ready}/{total}"))
        for n in server.read_list(resolve_kind("Node")).items:
            ready = _cond(n, "Ready")
            status = {"True": "Ready", "False": "NotReady"}.get(ready or "", "Unknown" if ready else "NotReady")
            if n.spec and n.spec.unschedulable:
                status += ",SchedulingDisabled"
            node_objs[n.metadata.name] = n
            machine = cluster.nodes.get(n.metadata.name)
            nodes.append((n.metadata.name, type(machine).__name__ if machine else "?", status,
                          per_node.get(n.metadata.name, 0)))
        try:
            for lease in server.read_list(resolve_kind("Lease"), "kube-system").items:
                leases.append((lease.metadata.name, (lease.spec.holder_identity if lease.spec else None) or ""))
        except Exception:  # noqa: BLE001 - a view must not fail on a kind it cannot list
            pass
        events = server.read_list(resolve_kind("Event")).items
        events = sorted(events, key=lambda e: (e.last_timestamp or "", e.metadata.name))[-8:]
        for e in events:
            io = e.involved_object
            evs.append((e.last_timestamp or "", e.type or "", e.reason or "",
                        f"{(io.kind or '').lower()}/{io.name}", e.message or ""))
    # a node that never registered (or whose API objects cannot be read) still shows
    seen = {n[0] for n in nodes}
    for name, machine in cluster.nodes.items():
        if name not in seen:
            nodes.append((name, type(machine).__name__, "NotRegistered", per_node.get(name, 0)))
    etcd = tuple((m.name, m.host, m.role, m.term, m.commit_index) for m in cluster.etcd.members)
    masters = tuple((m.name, bool(m.running)) for m in cluster.masters)
    return Snapshot(sim.now, sim.events_processed, tuple(sorted(nodes)), tuple(sorted(pods)), etcd, masters,
                    tuple(sorted(leases)), tuple(evs), server is not None,
                    _topology(cluster, pods_on, node_objs))


def _topology(cluster, pods_on: dict, node_objs: dict):
    """The picture's plain data (kubelab.viz.graphs.Topology), read as the snapshot was."""
    try:
        from kubelab.viz import graphs
        from kubelab.kubectl.printers import pod_status_reason
    except ImportError:  # the graph module is optional for the dashboard
        return None

    def member(m):
        role = m.role if m.running else "stopped"
        return graphs.EtcdMemberInfo(m.name, m.host, role, m.term)

    topo = graphs.Topology(name=f"seed={cluster.seed}", time=cluster.sim.now, load_balancer=cluster.load_balancer.host)
    hosts = set()
    for m in cluster.masters:
        info = graphs.MasterInfo(m.name, bool(m.running))
        hosts.add(m.host)
        for attr, cname in (("apiserver", "kube-apiserver"), ("scheduler", "kube-scheduler"),
                            ("controller_manager", "kube-controller-manager"),
                            ("cloud_controller_manager", "cloud-controller-manager")):
            comp = getattr(m, attr, None)
            if comp is None:
                continue
            leader = bool(getattr(comp, "is_leader", False) or getattr(comp, "leading", False))
            info.components.append(graphs.Component(cname, bool(getattr(comp, "running", True)),
                                                    leader and cname != "kube-apiserver" and m.running))
        em = m.etcd_member
        if em is not None:
            info.etcd = member(em)
        topo.masters.append(info)
    for em in cluster.etcd.members:
        if em.host not in hosts:
            topo.external_etcd.append(member(em))
    for name, mach in cluster.nodes.items():
        node = node_objs.get(name)
        detail = ", ".join(x for x in (getattr(mach, "instance_type", None), getattr(mach, "zone", None)) if x) \
            or f"{getattr(mach, 'cpu', '?')} cpu, {getattr(mach, 'memory', '?')}"
        ready = _cond(node, "Ready") == "True" if node is not None else False
        unsched = bool(node.spec.unschedulable) if node is not None and node.spec else False
        pods = [graphs.PodInfo(p.metadata.name or "", p.metadata.namespace or "", pod_status_reason(p)[0])
                for p in pods_on.get(name, [])]
        topo.workers.append(graphs.WorkerInfo(name, type(mach).__name__, ready, unsched, detail, pods))
    return topo


__all__ = ["ForkError", "Snapshot", "Timeline", "record", "take_snapshot"]
