"""metrics-server (kubernetes-sigs/metrics-server) in miniature: every
``--metric-resolution`` (15 s) it scrapes each reachable kubelet's resource metrics and keeps
the latest sample per pod and node, which it serves as the metrics.k8s.io API through the
aggregation layer (register it on an API server with ``register_api_service``). The HPA
controller and ``kubectl top`` read metrics through the API server, never from kubelets."""

from __future__ import annotations

from typing import Any, Callable, Optional

from kubelab.api.autoscaling import ContainerMetrics, NodeMetrics, PodMetrics
from kubelab.api.base import rfc3339
from kubelab.api.meta import ObjectMeta
from kubelab.sim import Simulator

METRIC_RESOLUTION = 15.0  # --metric-resolution default


class MetricsServer:
    group = "metrics.k8s.io"

    def __init__(self, sim: Simulator, kubelets: Callable[[], dict[str, Any]], resolution: float = METRIC_RESOLUTION):
        self.sim = sim
        self.kubelets = kubelets
        self.resolution = resolution
        self.available = True
        self._raw = ("", "", {}, {})
        self._pods: Optional[dict] = {}
        self._nodes: Optional[dict] = {}
        self._timer = None

    def __repr__(self) -> str:
        return f"<MetricsServer pods={len(self.pods)} nodes={len(self.nodes)}>"

    def start(self) -> None:
        if self._timer is None:
            self._timer = self.sim.every(self.resolution, self.scrape)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def scrape(self) -> None:
        """One scrape of every kubelet (a stopped or hung one answers nothing: its pods and
        its node drop out of the API, as they do when a scrape fails). The samples are kept
        raw; the PodMetrics and NodeMetrics objects are built when the API is first read
        after a scrape (a cluster nobody asks for metrics pays for no objects)."""
        now = rfc3339(self.sim.now)
        window = f"{self.resolution:g}s"
        pods: dict = {}
        nodes: dict = {}
        for name, kubelet in sorted(self.kubelets().items()):
            if not kubelet.running or kubelet.hung or kubelet.informer is None:
                continue
            usage_by_pod = kubelet.pod_usage()
            nodes[name] = kubelet.node_usage(usage_by_pod)
            for key, usage in usage_by_pod.items():
                pod = kubelet.informer.get(key)
                if pod is None:
                    continue
                pods[key] = (usage, [c.name for c in pod.spec.containers] or [""], dict(pod.metadata.labels or {}))
        self._raw = (now, window, pods, nodes)
        self._pods = self._nodes = None

    _raw: tuple = ("", "", {}, {})
    _pods: Optional[dict] = None
    _nodes: Optional[dict] = None

    @property
    def pods(self) -> dict[str, PodMetrics]:
        if self._pods is None:
            now, window, raw, _ = self._raw
            pods: dict[str, PodMetrics] = {}
            for key, (usage, names, labels) in raw.items():
                n = len(names)
                containers = []
                for i, cname in enumerate(names):  # the pod's usage, shared by its containers
                    cpu = usage["cpu"] // n + (usage["cpu"] % n if i == 0 else 0)
                    mem = usage["memory"] // n + (usage["memory"] % n if i == 0 else 0)
                    containers.append(ContainerMetrics(name=cname, usage={"cpu": f"{cpu}m", "memory": f"{mem // 1024}Ki"}))
                ns, pname = key.split("/", 1)
                pods[key] = PodMetrics(metadata=ObjectMeta(name=pname, namespace=ns, labels=labels),
                                       timestamp=now, window=window, containers=containers)
            self._pods = pods
        return self._pods

    @pods.setter
    def pods(self, value: dict) -> None:
        self._pods = value

    @property
    def nodes(self) -> dict[str, NodeMetrics]:
        if self._nodes is None:
            now, window, _, raw = self._raw
            self._nodes = {name: NodeMetrics(metadata=ObjectMeta(name=name), timestamp=now, window=window,
                                             usage={"cpu": f"{u['cpu']}m", "memory": f"{u['memory'] // 1024}Ki"})
                           for name, u in raw.items()}
        return self._nodes

    @nodes.setter
    def nodes(self, value: dict) -> None:
        self._nodes = value

    # -- the API it serves -------------------------------------------------------------------
    def get(self, kind: type, name: str, namespace: Optional[str]) -> Optional[Any]:
        if kind is NodeMetrics:
            obj = self.nodes.get(name)
        else:
            obj = self.pods.get(f"{namespace}/{name}")
        return obj.copy_deep() if obj is not None else None

    def list(self, kind: type, namespace: Optional[str], selector: Any = None) -> list[Any]:
        items = list(self.nodes.values()) if kind is NodeMetrics else [
            p for p in self.pods.values() if namespace is None or p.metadata.namespace == namespace]
        if selector is not None:
            items = [o for o in items if selector.matches(o.metadata.labels or {})]
        return [o.copy_deep() for o in items]
