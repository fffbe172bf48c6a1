"""How much can etcd take? Its latency-throughput curve, measured in simulated time.

:func:`latency_throughput` does what ``etcdctl check perf`` and etcd's ``benchmark put
--clients N --conns N`` tool do (tools/benchmark/cmd/put.go): ``N`` clients, each keeping
one put in flight (a *closed loop*: a client sends its next put when the last one is
answered), for a while; then the committed writes per second and the latency
percentiles. Repeated for more and more clients it draws the curve every loaded system
has: throughput rises with the clients, then flattens at what the members can do
(here the single apply loop and the disk, see :mod:`kubelab.etcd.member`), while latency
keeps climbing with the queues::

    etcd = EtcdCluster(members=3, seed=1)
    for row in latency_throughput(etcd, clients=(1, 8, 64, 512), seconds=0.5):
        print(row)       # clients, writes per simulated second, p50 and p99 in seconds

Everything runs on the cluster's simulated clock (deterministic for a seed); the steps run
one after the other on the same members, each waiting for the last one's puts to finish,
after one put that waits for a leader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .cluster import EtcdCluster

__all__ = ["CurvePoint", "latency_throughput"]

DEFAULT_CLIENTS = (1, 2, 4, 8, 16, 32, 64)


class CurvePoint(NamedTuple):
    """One step of the curve: ``clients`` closed-loop clients gave ``writes_per_second``
    committed puts per simulated second, answered in ``p50`` / ``p99`` simulated seconds."""

    clients: int
    writes_per_second: float
    p50: float
    p99: float

    def __str__(self) -> str:
        return (f"{self.clients:>5} clients {self.writes_per_second:>9,.0f} writes/s   "
                f"p50 {1000 * self.p50:7.2f} ms   p99 {1000 * self.p99:7.2f} ms")


def _percentile(sorted_xs: list[float], q: float) -> float:
    # the same nearest-rank percentile as the load tool's samples (kubelab.cluster.load)
    return sorted_xs[min(len(sorted_xs) - 1, int(q * len(sorted_xs)))] if sorted_xs else 0.0


def latency_throughput(etcd_cluster: "EtcdCluster", clients: Sequence[int] = DEFAULT_CLIENTS, seconds: float = 1.0,
                       *, client: Any = None, value: bytes = b"x" * 64, keys: int = 10_000) -> list[CurvePoint]:
    """The latency-throughput curve of ``etcd_cluster``: for each number in ``clients``,
    that many clients each keep one ``value``-sized put in flight for ``seconds`` simulated
    seconds (closed loop); a row per step. Puts spread over ``keys`` keys under
    ``/benchmark/``. ``client`` is the etcd client to send with (default
    ``etcd_cluster.client()``; a cluster with client-certificate auth needs one that
    presents a certificate, such as ``cluster.etcd_client()``)."""
    steps = list(clients)
    if not steps or any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in steps):
        raise ValueError(f"clients must be a sequence of positive integers, not {clients!r}")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < float("inf"):
        raise ValueError(f"seconds must be a positive number of simulated seconds, not {seconds!r}")
    sim = etcd_cluster.sim
    c = client if client is not None else etcd_cluster.client()
    etcd_cluster.wait_for_leader()
    c.put("/benchmark/warmup", value)  # a leader, and the client connected to a member
    rows = []
    sent = [0]
    for n in steps:
        start = sim.now
        end = start + seconds
        latencies: list[float] = []
        outstanding = [0]

        def one() -> None:
            sent[0] += 1
            outstanding[0] += 1
            t0 = sim.now
            ev = c.put_async(f"/benchmark/{sent[0] % keys:05d}", value)

            def answered(ev: Any) -> None:
                ev.defused = True  # a failed put (deadline, no leader) counts as nothing done
                outstanding[0] -= 1
                if ev.ok and sim.now <= end:
                    latencies.append(sim.now - t0)
                if sim.now < end:
                    one()

            ev.add_callback(answered)

        for _ in range(n):
            one()
        sim.run(until=end)
        while outstanding[0]:  # let the step's last puts finish before the next step
            sim.run(until=sim.now + 0.01)
        latencies.sort()
        rows.append(CurvePoint(n, len(latencies) / seconds, _percentile(latencies, 0.5),
                               _percentile(latencies, 0.99)))
    return rows
