"""Traffic to a Service: requests that reach its ready pods and make them busy.

:class:`Traffic` plays the clients of an application. Like kube-proxy it keeps an informer on
the Service's EndpointSlices (label ``kubernetes.io/service-name``) read through the API, and
sends each request to one *ready*, non-terminating endpoint chosen at random with equal
probability — what kube-proxy's iptables mode does with its ``statistic --mode random
--probability 1/n, 1/(n-1), ...`` chain (pkg/proxy/iptables/proxier.go). A pod failing its
readiness probe is not in the slice's ready endpoints, so it gets no traffic.

Each request costs its pod CPU: the kubelet adds ``requests/s x sim.kubelab.io/cpu-per-request``
(default 1m: one millisecond of CPU per request) to the pod's baseline usage, averaged over
10 s, which is what ``kubectl top`` and the HorizontalPodAutoscaler then see.
"""

from __future__ import annotations

from kubelab.apiserver.user import service_account_user

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubelab.api.coordination import EndpointSlice
from kubelab.client import SharedInformer
from kubelab.sim import journaled

if TYPE_CHECKING:
    from kubelab.cluster import Cluster

SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # discovery/v1 LabelServiceName


@dataclass
class TrafficSample:
    """One second of traffic: sent, answered, refused (no ready endpoint or a dead pod) and
    how many each pod answered."""

    time: float
    sent: int = 0
    served: int = 0
    refused: int = 0
    per_pod: dict[str, int] = field(default_factory=dict)


class Traffic:
    """``rps`` requests per simulated second to the Service ``service`` in ``namespace``."""

    def __init__(self, cluster: "Cluster", service: str, rps: float, namespace: str = "default"):
        if not isinstance(service, str) or not service:
            raise ValueError("service must be a Service's name")
        if not (isinstance(rps, (int, float)) and rps >= 0):
            raise ValueError(f"rps must be a number >= 0, not {rps!r}")
        self.cluster = cluster
        self.sim = cluster.sim
        self.service = service
        self.namespace = namespace
        self.rps = float(rps)
        # kube-proxy's service account, bound to system:node-proxier by kubeadm ("kubeadm:node-proxier")
        self.client = cluster.api.client_for(f"traffic-{service}", "kube-proxy",
                                             user=service_account_user("kube-system", "kube-proxy"))
        self.informer = SharedInformer(self.client, EndpointSlice, namespace=namespace,
                                       label_selector=f"{SERVICE_NAME_LABEL}={service}")
        self.samples: list[TrafficSample] = []
        self._rng = self.sim.rng(f"traffic/{namespace}/{service}")
        self._carry = 0.0
        self._timer = None
        self.running = False

    def __repr__(self) -> str:
        return (f"<Traffic {self.namespace}/{self.service} {self.rps:g} rps "
                f"{'running' if self.running else 'stopped'}>")

    def start(self) -> "Traffic":
        self.informer.start()
        self.running = True
        self._timer = self.sim.every(1.0, self._tick)
        self.sim.trace.record("traffic", "TrafficStarted", f"{self.namespace}/{self.service} {self.rps:g} requests/s")
        return self

    @journaled
    def set_rps(self, rps: float) -> None:
        """Change the request rate (requests per simulated second)."""
        if not (isinstance(rps, (int, float)) and rps >= 0):
            raise ValueError(f"rps must be a number >= 0, not {rps!r}")
        self.rps = float(rps)
        self.sim.trace.record("traffic", "TrafficChanged", f"{self.namespace}/{self.service} {rps:g} requests/s")

    @journaled
    def stop(self) -> None:
        """Stop sending."""
        self.running = False
        if self._timer is not None:
            self._timer.cancel()
        self.informer.stop()
        self.sim.trace.record("traffic", "TrafficStopped", f"{self.namespace}/{self.service}")

    def ready_endpoints(self) -> list[tuple[str, str]]:
        """``(pod key, node name)`` of the endpoints that take traffic: ready and not
        terminating (a nil ``ready`` counts as ready, discovery/v1 EndpointConditions)."""
        out = []
        for es in sorted(self.informer.list(), key=lambda o: o.metadata.name):
            for ep in es.endpoints:
                cond = ep.conditions
                if cond is not None and (cond.ready is False or cond.terminating):
                    continue
                ref = ep.target_ref
                if ref is None or ref.kind != "Pod" or not ep.node_name:
                    continue
                out.append((f"{ref.namespace or self.namespace}/{ref.name}", ep.node_name))
        return out

    def _tick(self) -> None:
        if not self.running:
            return
        want = self.rps + self._carry
        n = int(want)
        self._carry = want - n
        sample = TrafficSample(self.sim.now, sent=n)
        eps = self.ready_endpoints()
        counts: dict[int, int] = {}
        if eps:
            for _ in range(n):
                i = self._rng.randrange(len(eps))
                counts[i] = counts.get(i, 0) + 1
        else:
            sample.refused = n
        kubelets = self.cluster.kubelets
        for i in sorted(counts):
            key, node = eps[i]
            kl = kubelets.get(node)
            if kl is not None and kl.receive_requests(key, counts[i]):
                sample.served += counts[i]
                sample.per_pod[key] = counts[i]
            else:
                sample.refused += counts[i]
        self.samples.append(sample)
