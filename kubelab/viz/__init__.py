"""The view layer: HTML cards (``html``), Graphviz graphs (``graphs``), widgets.

Nothing outside ``kubelab.viz`` imports it at module level: objects hand themselves to
it from ``_repr_html_`` / ``_repr_mimebundle_`` when a notebook asks. Submodules are
imported on first use, so ``import kubelab.viz.html`` stays cheap.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

__all__ = ["topology", "ownership"]


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
