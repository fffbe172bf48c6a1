"""The view layer: HTML cards (``html``), Graphviz graphs (``graphs``), widgets.

Nothing below imports it, not even lazily: when imported (``import kubelab`` does), it
registers itself — the views a cluster offers (``cluster.views.dashboard()``,
``cluster.views.control_plane()``, ...) and, under IPython, an HTML display formatter for
each model type (API objects, errors, the cluster and its machines, etcd, the scheduler's
decisions) and a traceback handler that hides kubelab's own frames (:mod:`.errors`).
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from .errors import show_internal_frames

__all__ = ["events", "install", "ownership", "show_internal_frames", "topology"]


def topology(cluster: Any, max_pods: int = 10):
    """The cluster's topology as a :class:`~kubelab.viz.graphs.GraphView` (SVG in a cell)."""
    from . import graphs

    topo = graphs.topology_from_cluster(cluster)
    return graphs.GraphView(graphs.topology_graph(topo, max_pods=max_pods), graphs.topology_text(topo, max_pods=max_pods))


def ownership(source: Any, namespace: Optional[str] = "default", max_pods: int = 10):
    """Deployment → ReplicaSet → Pods and Services → Endpoints, from a cluster (anything
    with ``list(kind, namespace)``) or an iterable of objects."""
    from . import graphs

    if hasattr(source, "list"):
        objs: list[Any] = []
        for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Pod", "Service", "Endpoints"):
            try:
                objs.extend(source.list(kind, namespace))
            except Exception:  # noqa: BLE001 - draw what can be read
                pass
    else:
        objs = list(source)  # type: ignore[arg-type]
    return graphs.GraphView(graphs.ownership_graph(objs, max_pods), graphs.ownership_text(objs, max_pods))


def events(source: Any, namespace: Optional[str] = None, limit: int = 30):
    """The events as a timeline, oldest first (the newest ``limit``), from a cluster or a
    connected one (``source.state.list("Event")``), ages on the source's clock."""
    from .controlplane import View
    from .html import events_html
    from kubelab.kubectl.duration import translate_timestamp_since

    evs = sorted(source.state.list("Event", namespace), key=lambda e: e.last_seen_key())[-limit:]
    now = float(source.now)
    where = namespace or "all namespaces"
    lines = [f"Events in {where} (t={now:.1f}s), oldest first:"]
    for e in evs:
        io = e.involved_object
        lines.append(f"  {translate_timestamp_since(e.last_seen() or e.first_timestamp, now):>5} {e.type or '':<7} {e.reason or '':<20} "
                     f"{(io.kind or '').lower()}/{io.name}: {(e.message or '').strip()}")
    if not evs:
        lines.append("  no events")
    return View(events_html(evs, now, title=f"Events in {where}"), "\n".join(lines))


def load_plot(cluster: Any, load_generator: Any = None, autoscaler: Any = None):
    """Offered load, latency and API server replicas over time (an SVG chart), for the
    newest load generator when none is given."""
    from .plots import load_plot as plot

    gen = load_generator or (cluster.history.load_generators[-1] if cluster.history.load_generators else None)
    if gen is None:
        raise ValueError("no load yet: start one with cluster.generate_load(qps=...)")
    return plot(gen, autoscaler or getattr(cluster, "apiserver_autoscaler", None))


def dashboard(cluster: Any, **kw: Any):
    """Play, pause, step, rewind, fork and break the cluster with widgets (ipywidgets 8)."""
    from .widgets import Dashboard

    return Dashboard(cluster, **kw)


def install(ipython: Any = None) -> None:
    """Register the views on ``cluster.views`` and the HTML formatters with IPython (the
    running shell when ``ipython`` is None; nothing when there is none)."""
    from kubelab.api.errors import StatusError
    from kubelab.api.meta import KubeObject
    from kubelab.apiserver.flowcontrol import APFController, PriorityLevelState
    from kubelab.cluster import Cluster, Master, register_view
    from kubelab.etcd.cluster import EtcdCluster
    from kubelab.etcd.member import Member
    from kubelab.scheduler.explain import Decision
    from kubelab.scheduler.scheduler import Scheduler

    from . import audit, controlplane, etcd, flowcontrol, html, raftview, requestpath, scheduler

    from kubelab.live import register_view as register_live_view

    # a connected cluster (kl.connect) offers the views that need only API data
    for name, fn in (("topology", topology), ("ownership", ownership), ("events", events),
                     ("reconciliation", controlplane.reconciliation),
                     ("reconciliation_graph", controlplane.reconciliation_graph), ("rollout", controlplane.rollout)):
        register_live_view(name, fn)
    for name, fn in (("dashboard", dashboard), ("topology", topology), ("ownership", ownership), ("events", events),
                     ("control_plane", controlplane.control_plane), ("leases", controlplane.leases),
                     ("load_balancer", controlplane.load_balancer),
                     ("reconciliation", controlplane.reconciliation),
                     ("reconciliation_graph", controlplane.reconciliation_graph),
                     ("rollout", controlplane.rollout), ("load_plot", load_plot), ("audit", audit.audit),
                     ("request_path", requestpath.request_path)):
        register_view(name, fn)
    register_view("raft_timeline", raftview.raft_timeline, on=("cluster", "etcd"))
    if ipython is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        ipython = get_ipython()
    if ipython is None:
        return
    if getattr(ipython, "kernel", None) is not None:
        from . import progress

        progress.install()  # a bar for long runs, when a person watches (progress.interactive)
    from . import errors

    errors.install(ipython)  # kubelab's own frames hidden from learners' tracebacks
    fmt = ipython.display_formatter.formatters["text/html"]
    for cls, render in ((KubeObject, html.object_html), (StatusError, html.error_html),
                        (Cluster, html.cluster_html), (Master, html.master_html),
                        (EtcdCluster, etcd.cluster_html), (Member, etcd.member_html),
                        (Decision, scheduler.decision_html), (Scheduler, scheduler.scheduler_html),
                        (APFController, flowcontrol.flowcontrol_html),
                        (PriorityLevelState, flowcontrol.priority_level_html)):
        fmt.for_type(cls, render)
    ipython.display_formatter.formatters["text/plain"].for_type(
        APFController, lambda apf, p, cycle: p.text(flowcontrol.flowcontrol_text(apf)))


install()
