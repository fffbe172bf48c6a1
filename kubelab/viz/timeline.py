"""The recorded history of a cluster, for rewinding and forking.

Two records, kept side by side on the cluster's simulated clock:

* **snapshots** — a light copy of what the dashboard shows (nodes, pods, etcd members,
  leader leases, the newest Events) taken every ``every`` simulated seconds while time
  runs, and after each of the user's actions. Rewinding the dashboard shows the snapshot
  in force at the chosen moment; nothing in the model goes back in time.
* **the journal** — every call the user makes on the cluster (``apply``, ``scale``,
  ``stop``, ``partition``, ``kubelets[...].hang()``, ``etcd.members[...].stop()``,
  ``scheduler.register_plugin``, ``kubectl``, and the reads, which also pass through the
  load balancer), with the simulated time and the count of kernel events processed when
  it was made. Calls that reach deeper (a component's private methods, ``cluster.sim``
  itself) are not journaled, and a fork cannot repeat them.

Because the kernel is deterministic, a new cluster built with the same arguments and
seed, given the same calls at the same points of its history, lives the same history:
that is :meth:`Timeline.fork`. It places each call at the exact kernel event where the
original made it, so ties at one instant replay in the original order.

    tl = record(cluster)          # right after kl.Cluster(...): the journal must see everything
    ...
    tl.at(30.0)                   # the snapshot in force at t=30 s
    twin = tl.fork(at=30.0)       # a new Cluster, in the state the original had at t=30 s

Nothing here runs a thread, reads a clock or sleeps. Snapshots read the API servers'
watch caches directly (not through the load balancer), so looking changes nothing.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

# The user's verbs on a Cluster that the journal records (reads included: they pick a
# backend on the load balancer, which is state a faithful replay must repeat).
CLUSTER_VERBS = ("add_node", "apply", "create", "update", "patch", "delete", "scale", "stop", "start",
                 "partition", "cut", "heal", "kubectl", "get", "list", "events")
KUBELET_VERBS = ("hang", "unhang")
MEMBER_VERBS = ("stop", "start", "slow_disk")
SCHEDULER_VERBS = ("register_plugin", "unregister_plugin")  # plugins written in a notebook cell


@dataclass(frozen=True)
class Action:
    """One call the user made: where in the history, on what, with which arguments."""

    time: float
    events: int  # kernel events processed before the call (its exact place in the history)
    target: tuple  # ("cluster",), ("kubelet", node), ("etcd", member) or ("scheduler", master)
    verb: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        where = "cluster" if self.target == ("cluster",) else f"{self.target[0]} {self.target[1]}"
        return f"[{self.time:8.3f}] {where}.{self.verb}({', '.join(shown)})"


def _short(v: Any) -> str:
    s = repr(v)
    s = s.replace("\n", " ")
    return s if len(s) <= 40 else s[:37] + "..."


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


def constructor_args(cluster) -> dict:
    """The arguments that rebuild ``cluster`` as it was created."""
    args = {"masters": len(cluster.masters), "etcd": cluster.etcd_topology, "seed": cluster.seed,
            "cloud": cluster.cloud, "latency": cluster.network.default_latency,
            "scheduler_config": copy.deepcopy(cluster.scheduler_config)}
    if cluster.etcd_topology == "external":
        args["etcd_members"] = len(cluster.etcd.members)
    return args


class ForkError(RuntimeError):
    """A fork cannot reproduce the original (the journal is incomplete, or replay diverged)."""


class Timeline:
    """Journal and snapshots of one cluster; see the module docstring."""

    def __init__(self, cluster, every: float = 5.0):
        if every <= 0:
            raise ValueError("every must be > 0 simulated seconds")
        self.cluster = cluster
        self.every = float(every)
        self.journal: list[Action] = []
        self.snapshots: list[Snapshot] = []
        self.created = constructor_args(cluster)
        self.attached_at = (cluster.sim.now, cluster.sim.events_processed)
        self._depth = 0  # nested calls (scale -> patch, kubectl -> get) are not recorded twice
        self._progress: list[Callable[[float, float, float], None]] = []
        self._after: list[Callable[[], None]] = []
        self._wrap()
        self.snapshot()

    # -- recording ------------------------------------------------------------------------
    def _record_call(self, target: tuple, verb: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def call(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            sim = self.cluster.sim
            self.journal.append(Action(sim.now, sim.events_processed, target, verb,
                                       copy.deepcopy(_resolve_paths(verb, args)), copy.deepcopy(kwargs)))
            self._depth += 1
            try:
                result = fn(*args, **kwargs)
            finally:
                self._depth -= 1
            if verb == "add_node":
                self._wrap_kubelet(args[0].name if args else kwargs["machine"].name)
            if verb not in ("get", "list", "events"):
                self.snapshot()
                for cb in self._after:
                    cb()
            return result

        call.__kubelab_recorded__ = True
        return call

    def _wrap(self) -> None:
        c = self.cluster
        for verb in CLUSTER_VERBS:
            fn = getattr(c, verb)
            if not getattr(fn, "__kubelab_recorded__", False):
                setattr(c, verb, self._record_call(("cluster",), verb, fn))
        c.run = self._run  # chunked at snapshot boundaries; identical events
        for name in list(c.kubelets):
            self._wrap_kubelet(name)
        for master in c.masters:
            if master.scheduler is not None:
                for verb in SCHEDULER_VERBS:
                    fn = getattr(master.scheduler, verb, None)
                    if fn is not None and not getattr(fn, "__kubelab_recorded__", False):
                        setattr(master.scheduler, verb, self._record_call(("scheduler", master.name), verb, fn))
        for m in c.etcd.members:
            for verb in MEMBER_VERBS:
                fn = getattr(m, verb)
                if not getattr(fn, "__kubelab_recorded__", False):
                    setattr(m, verb, self._record_call(("etcd", m.name), verb, fn))

    def _wrap_kubelet(self, name: str) -> None:
        k = self.cluster.kubelets[name]
        for verb in KUBELET_VERBS:
            fn = getattr(k, verb)
            if not getattr(fn, "__kubelab_recorded__", False):
                setattr(k, verb, self._record_call(("kubelet", name), verb, fn))

    def on_progress(self, fn: Callable[[float, float, float], None]) -> None:
        """``fn(start, now, end)`` is called at every snapshot boundary while time runs."""
        self._progress.append(fn)

    def after_action(self, fn: Callable[[], None]) -> None:
        """``fn()`` is called after each recorded action that may change the cluster."""
        self._after.append(fn)

    def _run(self, seconds: float = 10.0):
        """``cluster.run``: the same events as one ``sim.run_for``, in chunks that end on
        multiples of ``every`` so that a snapshot is taken at each."""
        sim = self.cluster.sim
        start = sim.now
        end = sim.now + seconds  # computed as Simulator.run_for does
        while True:
            boundary = (math.floor(sim.now / self.every + 1e-9) + 1) * self.every
            if boundary >= end:
                break
            sim.run(until=boundary)
            self.snapshot()
            for cb in self._progress:
                cb(start, sim.now, end)
        sim.run(until=end)
        self.snapshot()
        for cb in self._progress:
            cb(start, sim.now, end)
        return self.cluster

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

    # -- forking --------------------------------------------------------------------------
    @property
    def complete(self) -> bool:
        """True when the journal holds everything since the cluster was created (the
        timeline was attached before anything but the cluster's own bootstrap ran)."""
        return self._complete

    def _check_complete(self) -> None:
        if not hasattr(self, "_complete"):
            from kubelab.cluster import Cluster

            fresh = Cluster(**self.created)
            self._complete = (fresh.sim.events_processed, fresh.sim.now) == (self.attached_at[1], self.attached_at[0]) \
                and not self.cluster.nodes.keys() - {a.args[0].name for a in self.journal if a.verb == "add_node"}
        if not self._complete:
            raise ForkError("this cluster ran before its timeline was attached, so its history cannot be "
                            "replayed: call kubelab.viz.timeline.record(cluster) (or cluster.dashboard()) "
                            "right after kl.Cluster(...)")

    def fork(self, at: Optional[float] = None):
        """A new Cluster that has lived the same history up to ``at`` (default: now):
        same constructor arguments and seed, the same calls replayed at the same kernel
        events, then time run to ``at``. It is recorded by a timeline of its own."""
        sim = self.cluster.sim
        at = sim.now if at is None else float(at)
        if at > sim.now + 1e-9:
            raise ValueError(f"cannot fork at t={at}: the cluster has only reached t={sim.now}")
        self._check_complete()
        from kubelab.cluster import Cluster

        twin = Cluster(**copy.deepcopy(self.created))
        twin_tl = Timeline(twin, every=self.every)
        twin._kubelab_timeline = twin_tl
        cut = self._snapshot_events_at(at)
        for a in self.journal:
            if a.time > at + 1e-9 or (cut is not None and a.time >= at - 1e-9 and a.events > cut):
                break
            twin_tl._snapshots_until(a.time)
            _advance_to(twin, a)
            target = _target(twin, a.target)
            try:
                getattr(target, a.verb)(*copy.deepcopy(a.args), **copy.deepcopy(a.kwargs))
            except Exception:  # noqa: BLE001 - the original call failed the same way
                pass
        if at > twin.sim.now:
            twin.run(at - twin.sim.now)
        twin_tl.snapshot()
        return twin

    def _snapshots_until(self, t: float) -> None:
        """Run to each snapshot boundary strictly before ``t`` and snapshot there. Every
        event due at or before such a boundary ran before anything that happened at ``t``
        in the original, so this keeps the replay exact."""
        sim = self.cluster.sim
        while True:
            boundary = (math.floor(sim.now / self.every + 1e-9) + 1) * self.every
            if boundary >= t - 1e-9:
                return
            sim.run(until=boundary)
            self.snapshot()

    def _snapshot_events_at(self, t: float) -> Optional[int]:
        for s in self.snapshots:
            if abs(s.time - t) < 1e-9:
                return s.events
        return None

    def __repr__(self) -> str:
        return (f"Timeline(t={self.cluster.sim.now:.1f}s, {len(self.snapshots)} snapshots every {self.every:g}s, "
                f"{len(self.journal)} actions)")


def _resolve_paths(verb: str, args: tuple) -> tuple:
    """``apply("web.yaml")`` is journaled with the file's text, so a fork does not depend
    on the file still being there (or unchanged)."""
    if verb == "apply" and args:
        from kubelab.cluster import parse_manifests

        return (parse_manifests(args[0]),) + tuple(args[1:])
    return args


def _target(cluster, target: tuple):
    if target[0] == "cluster":
        return cluster
    if target[0] == "kubelet":
        return cluster.kubelets[target[1]]
    if target[0] == "etcd":
        return cluster.etcd.member(target[1])
    if target[0] == "scheduler":
        return cluster.master(target[1]).scheduler
    raise ValueError(target)


def _advance_to(cluster, a: Action) -> None:
    sim = cluster.sim
    while sim.events_processed < a.events:
        if not sim.step():
            break
    if sim.events_processed != a.events or sim.now > a.time + 1e-9:
        raise ForkError(f"replay diverged before {a!r}: {sim.events_processed} events at t={sim.now}, "
                        f"expected {a.events} at t={a.time}")
    sim.now = max(sim.now, a.time)


def record(cluster, every: float = 5.0) -> Timeline:
    """The cluster's timeline, attached on first use (once per cluster)."""
    tl = getattr(cluster, "_kubelab_timeline", None)
    if tl is None:
        tl = Timeline(cluster, every=every)
        cluster._kubelab_timeline = tl
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

    topo = graphs.Topology(name=f"seed={cluster.seed}", time=cluster.sim.now, load_balancer=cluster.lb.host)
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


__all__ = ["Action", "ForkError", "Snapshot", "Timeline", "constructor_args", "record", "take_snapshot"]
