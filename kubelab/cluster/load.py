"""Load on the API servers, and API server replicas that scale out with it.

:class:`LoadGenerator` sends a steady stream of requests (reads and writes, as kubectl
and controllers would) through the load balancer and records what came back: latency in
simulated seconds and the status (200, 429 Too Many Requests, 5xx).

:class:`APIServerAutoscaler` is the teaching model of "the API server scales with load":
every ``period`` it computes the desired number of replicas with the Horizontal Pod
Autoscaler's formula — ``ceil(current * utilisation / target)`` with a 10 % tolerance and
a scale-down stabilisation window (pkg/controller/podautoscaler/replica_calculator.go) —
where utilisation is the replicas' busy fraction (requests in flight per core). Real
clusters get there by running more control-plane replicas behind the load balancer;
kubelab adds or removes kube-apiserver replicas on the masters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from kubelab.api import errors
from kubelab.api.core import ConfigMap
from kubelab.client import APIClient

from kubelab.apiserver.server import APIServer
from kubelab.apiserver.user import ALL_AUTHENTICATED, UserInfo
from kubelab.sim import journaled

if TYPE_CHECKING:
    from kubelab.cluster import Cluster


# the load tool runs with a kubeconfig of its own in kubeadm's admin group (RBAC lets it
# read and patch ConfigMaps; it is not system:masters, so flow control does not exempt it)
LOADGEN_USER = UserInfo("loadgen", groups=("kubeadm:cluster-admins", ALL_AUTHENTICATED))


@dataclass
class LoadSample:
    """One second of load: what was sent, what came back, how fast, how many replicas."""

    time: float
    sent: int = 0
    ok: int = 0
    throttled: int = 0  # 429
    failed: int = 0  # 5xx and transport errors
    latencies: list[float] = field(default_factory=list)
    replicas: int = 0

    @property
    def p50(self) -> float:
        return _percentile(self.latencies, 0.5)

    @property
    def p99(self) -> float:
        return _percentile(self.latencies, 0.99)


def _percentile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


class LoadGenerator:
    """``qps`` requests per simulated second from ``clients`` client hosts; ``write_ratio`` of
    them patch one of the load's ConfigMaps, the rest get one or list them."""

    def __init__(self, cluster: "Cluster", qps: float = 100.0, clients: int = 10, write_ratio: float = 0.2,
                 namespace: str = "default"):
        self.cluster = cluster
        self.sim = cluster.sim
        self.qps = qps
        self.write_ratio = write_ratio
        self.namespace = namespace
        self.clients = [
            APIClient(self.sim, cluster.network, f"loadgen-{i}", lambda h: cluster.load_balancer.pick(h), "loadgen", timeout=10.0,
                      # an ordinary authenticated user: API Priority and Fairness puts it in
                      # global-default, beside (and fairly shared with) the user's kubectl
                      user=LOADGEN_USER,
                      max_retries=0)  # a load tool counts every answer, 429s included (as hey or ab do)
            for i in range(clients)
        ]
        self.samples: list[LoadSample] = []
        self._rng = self.sim.rng("loadgen")
        self._timer = None
        self._sample_timer = None
        self._current: Optional[LoadSample] = None
        self._n = 0
        self.running = False

    def __repr__(self) -> str:
        return f"<LoadGenerator {self.qps:g} qps {'running' if self.running else 'stopped'}>"

    KEYS = 50  # writes spread over this many ConfigMaps, as many controllers' objects would be

    def start(self) -> "LoadGenerator":
        self.cluster.apply([{"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": f"loadgen-{i}", "namespace": self.namespace}, "data": {"n": "0"}}
                            for i in range(self.KEYS)])
        self.running = True
        self._current = LoadSample(self.sim.now, replicas=len(self.cluster.load_balancer.backends))
        self._sample_timer = self.sim.every(1.0, self._roll)
        self._schedule()
        self.sim.trace.record("loadgen", "LoadStarted", f"{self.qps:g} requests/s")
        return self

    @journaled
    def stop(self) -> None:
        self.running = False
        for t in (self._timer, self._sample_timer):
            if t is not None:
                t.cancel()
        self.sim.trace.record("loadgen", "LoadStopped", "")

    @journaled
    def set_qps(self, qps: float) -> None:
        self.qps = qps
        self.sim.trace.record("loadgen", "LoadChanged", f"{qps:g} requests/s")

    def _schedule(self) -> None:
        if not self.running or self.qps <= 0:
            return
        # Poisson arrivals from the generator's own random stream
        self._timer = self.sim.call_later(self._rng.expovariate(self.qps), self._fire)

    def _roll(self) -> None:
        self._current.replicas = sum(1 for b in self.cluster.load_balancer.backends if b.running)
        self.samples.append(self._current)
        self._current = LoadSample(self.sim.now)

    def _fire(self) -> None:
        self._schedule()
        self._n += 1
        client = self.clients[self._n % len(self.clients)]
        sample = self._current
        sample.sent += 1
        t0 = self.sim.now
        r = self._rng.random()
        name = f"loadgen-{self._n % self.KEYS}"
        if r < self.write_ratio:
            ev = client.patch(ConfigMap, name, self.namespace, {"data": {"n": str(self._n)}}, "merge")
        elif r < self.write_ratio + (1 - self.write_ratio) * 0.1:
            ev = client.list(ConfigMap, self.namespace)
        else:
            ev = client.get(ConfigMap, name, self.namespace)

        def done(e) -> None:
            e.defused = True
            if e.ok:
                sample.ok += 1
                sample.latencies.append(self.sim.now - t0)
            elif isinstance(e.exception, errors.StatusError) and e.exception.code == 429:
                sample.throttled += 1
            else:
                sample.failed += 1

        ev.add_callback(done)


class APIServerAutoscaler:
    """Adds kube-apiserver replicas on the masters when they are busy, removes them when
    they are idle (HPA's formula and stabilisation; see the module docstring)."""

    def __init__(self, cluster: "Cluster", target_utilization: float = 0.6, min_replicas: Optional[int] = None,
                 max_replicas: int = 9, period: float = 15.0, scale_down_stabilization: float = 300.0):
        self.cluster = cluster
        self.sim = cluster.sim
        self.target = target_utilization
        self.min_replicas = min_replicas or len(cluster.masters)
        self.max_replicas = max_replicas
        self.period = period
        self.stabilization = scale_down_stabilization
        self._recommendations: list[tuple[float, int]] = []
        self._busy_seen: dict[str, float] = {}
        self.history: list[tuple[float, int, float]] = []  # (time, replicas, utilisation)
        self._timer = None
        self._sampler = None
        self._busy_acc: dict[str, list[float]] = {}

    def __repr__(self) -> str:
        return f"<APIServerAutoscaler replicas={len(self._servers())} target={self.target:.0%}>"

    def start(self) -> "APIServerAutoscaler":
        # sample utilisation every 100 ms (the metrics pipeline), decide every period
        self._sampler = self.sim.every(0.1, self._sample)
        self._timer = self.sim.every(self.period, self._reconcile)
        return self

    def stop(self) -> None:
        for t in (self._timer, self._sampler):
            if t is not None:
                t.cancel()

    def _servers(self) -> list[APIServer]:
        return [s for s in self.cluster.load_balancer.backends if s.running]

    def _sample(self) -> None:
        for s in self._servers():
            busy = (s.inflight + s.inflight_mutating) / s.cores
            self._busy_acc.setdefault(s.name, []).append(busy)

    def utilization(self) -> float:
        vals = [sum(v) / len(v) for v in self._busy_acc.values() if v]
        return sum(vals) / len(vals) if vals else 0.0

    def _reconcile(self) -> None:
        servers = self._servers()
        current = len(servers)
        if current == 0:
            return
        util = self.utilization()
        self._busy_acc.clear()
        ratio = util / self.target
        desired = current
        if abs(ratio - 1.0) > 0.1:  # HPA's default tolerance
            desired = math.ceil(current * ratio)
        desired = max(self.min_replicas, min(self.max_replicas, desired))
        now = self.sim.now
        self._recommendations.append((now, desired))
        self._recommendations = [(t, d) for t, d in self._recommendations if now - t <= self.stabilization]
        if desired < current:
            # scale down only to the highest recommendation within the window
            desired = max(d for _, d in self._recommendations)
        self.history.append((now, current, util))
        if desired > current:
            for _ in range(desired - current):
                self.cluster.add_apiserver_replica()
        elif desired < current:
            for _ in range(current - desired):
                self.cluster.remove_apiserver_replica()
