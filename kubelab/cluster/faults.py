"""``cluster.faults``: what a learner breaks, by name, and mends again.

Machines (masters, workers, external etcd machines) are powered off and on; a stacked
etcd member can be stopped on its own (``stop("etcd-2")``); links between hosts are cut
and healed; a kubelet can hang (its process alive, its node silent)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from kubelab.sim import journaled

if TYPE_CHECKING:
    from .cluster import Cluster


class Faults:
    def __init__(self, cluster: "Cluster"):
        self.cluster = cluster
        self.sim = cluster.sim

    def __repr__(self) -> str:
        return "<Faults: stop, start, partition, cut, heal, hang, unhang, slow_disk>"

    def _member(self, name: str):
        for member in self.cluster.etcd.members:
            if member.name == name or member.host == name:
                return member
        return None

    def _unknown(self, name) -> KeyError:
        c = self.cluster
        return KeyError(f"no machine named {name!r} (masters: {[m.name for m in c.masters]}, "
                        f"workers: {list(c.workers)}, etcd: {[x.name for x in c.etcd.members]})")

    @journaled
    def stop(self, name: str) -> None:
        """Power off a master, a worker or an external etcd machine; or stop one etcd member."""
        _check_host(name, "name")
        machine = self.cluster.machines.get(name)
        if machine is not None:
            machine.power_off()
            return
        member = self._member(name)
        if member is None:
            raise self._unknown(name)
        member.stop()
        self.sim.trace.record(name, "MachineStopped", f"etcd member {name} stopped")

    @journaled
    def start(self, name: str) -> None:
        """Power a stopped machine back on (or start a stopped etcd member); its processes
        start again from their durable state."""
        _check_host(name, "name")
        machine = self.cluster.machines.get(name)
        if machine is not None:
            machine.power_on()
            return
        member = self._member(name)
        if member is None:
            raise self._unknown(name)
        if not member.running:
            member.start()
        self.sim.trace.record(name, "MachineStarted", f"etcd member {name} started")

    @journaled
    def partition(self, *groups: Iterable[str]) -> None:
        """Cut every link between the groups of hosts (others stay connected to all)."""
        gs = []
        for g in groups:
            if isinstance(g, str):
                raise TypeError(f"partition takes groups of host names (lists), not a str: {g!r}")
            g = list(g)
            for h in g:
                _check_host(h, "host")
            gs.append(g)
        self.cluster.network.partition(*gs)
        self.sim.trace.record("network", "Partition", " | ".join(",".join(g) for g in gs))

    @journaled
    def cut(self, a: str, b: str, oneway: bool = False) -> None:
        """Cut the link between hosts ``a`` and ``b`` (only ``a`` → ``b`` when ``oneway``)."""
        _check_host(a, "a")
        _check_host(b, "b")
        self.cluster.network.cut(a, b, oneway)
        self.sim.trace.record("network", "LinkCut", f"{a} {'->' if oneway else '<->'} {b}")

    @journaled
    def heal(self, a: Optional[str] = None, b: Optional[str] = None) -> None:
        """Mend the link between ``a`` and ``b``, every link of ``a``, or every link."""
        self.cluster.network.heal(a, b)
        self.sim.trace.record("network", "Healed", f"{a or 'all'} {b or ''}".strip())

    @journaled
    def hang(self, node: str) -> None:
        """The node's kubelet stops answering and reporting (its containers keep running)."""
        self._kubelet(node).hang()

    @journaled
    def unhang(self, node: str) -> None:
        self._kubelet(node).unhang()

    @journaled
    def slow_disk(self, member: str, seconds: float) -> None:
        """An etcd member's disk takes ``seconds`` per fsync."""
        _check_host(member, "member")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"slow_disk(seconds=...) takes a number of seconds, not {type(seconds).__name__}")
        if not 0 <= seconds < float("inf"):
            raise ValueError(f"slow_disk(seconds=...) takes a finite number of seconds >= 0, not {seconds!r}")
        m = self._member(member)
        if m is None:
            raise KeyError(f"no etcd member named {member!r}")
        m.slow_disk(seconds)

    def _kubelet(self, node: str):
        _check_host(node, "node")
        worker = self.cluster.workers.get(node)
        if worker is None:
            raise KeyError(f"no worker named {node!r} (workers: {list(self.cluster.workers)})")
        return worker.kubelet


def _check_host(name, what: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a host name (str), not {type(name).__name__}")


__all__ = ["Faults"]
