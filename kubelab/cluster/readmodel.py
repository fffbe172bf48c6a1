"""``cluster.state``: one reader of the cluster's state, for everything that only looks.

The views (cards, graphs, the dashboard's snapshots) read the cluster here and nowhere
else. Looking changes nothing:

- API objects come from a **ready** API server's watch cache, read directly (the first
  ready one in the masters' order), never through the load balancer, whose round-robin
  position and ``routed`` counters a request would move (``lb.pick(advance=True)``).
  With no ready API server nothing can be read, as with kubectl: lists are empty and
  ``readable`` is False.
- The machines, etcd members, load balancer backends and cut links are read from the
  model itself (they are not API objects).
- Leadership has one rule: the holder of the component's Lease in kube-system, as
  ``kubectl get lease -n kube-system`` shows it (:meth:`ClusterState.lease_masters`).

    state = cluster.state
    state.list("Pod")                 # [] when no API server answers
    state.lease_masters()             # {"kube-scheduler": "master-2", ...}
    state.topology()                  # kubelab.cluster.topology.Topology
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

from kubelab.api.meta import KubeObject
from kubelab.apiserver.server import APIServer
from kubelab.client.rest import resolve_kind

from .topology import Topology, build_topology

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["Backend", "ClusterState", "LEADER_LEASES", "identity_host"]

# The leader-election Leases in kube-system, and the Master attribute of each candidate.
LEADER_LEASES = (
    ("kube-scheduler", "scheduler"),
    ("kube-controller-manager", "controller_manager"),
    ("cloud-controller-manager", "cloud_controller_manager"),
)


def identity_host(identity: Optional[str]) -> Optional[str]:
    """``master-2_kube-scheduler`` → ``master-2``: client-go leader election identities are
    ``<hostname>_<unique>`` (kube-scheduler's and kube-controller-manager's
    ``id := hostname + "_" + string(uuid.NewUUID())``; the simulation puts the component
    name where upstream puts a UUID)."""
    if not identity:
        return None
    return identity.split("_", 1)[0]


@dataclass
class Backend:
    """One API server behind the load balancer, as the load balancer sees it."""

    name: str
    master: str
    replica: bool  # an extra replica (the autoscaler's) rather than the master's own
    running: bool
    ready: bool
    healthy: bool  # passes the load balancer's health check (/readyz, reachable)
    routed: int
    share: float
    inflight: int = 0


class ClusterState:
    """A read-only view of one cluster; see the module docstring."""

    def __init__(self, cluster: "Cluster"):
        self.cluster = cluster

    def __repr__(self) -> str:
        s = self.server()
        return f"<ClusterState t={self.now:.1f}s, reading {s.name if s else 'nothing (no API server is ready)'}>"

    @property
    def now(self) -> float:
        return self.cluster.sim.now

    # -- API objects, from a ready API server's cache ------------------------------------------
    def server(self) -> Optional[APIServer]:
        """The API server the views read from: the first ready one (masters' order)."""
        for s in self.cluster.apiservers:
            if s.ready:
                return s
        return None

    @property
    def readable(self) -> bool:
        return self.server() is not None

    def list(self, kind: Union[str, type[KubeObject]], namespace: Optional[str] = None,
             label_selector: Optional[str] = None) -> list[KubeObject]:
        """Objects of a kind (all namespaces when ``namespace`` is None); [] when no API
        server is ready or the kind is not served."""
        server = self.server()
        if server is None:
            return []
        try:
            cls = resolve_kind(kind)
            return list(server.read_list(cls, namespace if cls.NAMESPACED else None, label_selector).items)
        except (KeyError, ValueError):
            return []

    def get(self, kind: Union[str, type[KubeObject]], name: str, namespace: Optional[str] = "default") \
            -> Optional[KubeObject]:
        """One object, or None (not found, or nothing to read from)."""
        server = self.server()
        if server is None:
            return None
        cls = resolve_kind(kind)
        try:
            return server.read(cls, name, namespace if cls.NAMESPACED else None)
        except Exception:  # noqa: BLE001 - NotFound: nothing to show
            return None

    # -- leadership: the Lease holder --------------------------------------------------------
    def leases(self) -> dict[str, Any]:
        """The leader-election Leases in kube-system by name."""
        return {lease.metadata.name: lease for lease in self.list("Lease", "kube-system")}

    def lease_masters(self) -> dict[str, str]:
        """Lease name → the master named by its holderIdentity (``kubectl get lease -n
        kube-system``'s HOLDER), for the control-plane components' Leases."""
        out: dict[str, str] = {}
        masters = {m.host: m.name for m in self.cluster.masters}
        for name, lease in self.leases().items():
            if name not in dict(LEADER_LEASES):
                continue
            host = identity_host(lease.spec.holder_identity if lease.spec else None)
            if host:
                out[name] = masters.get(host, host)
        return out

    def leader(self, component: str) -> Optional[str]:
        """The master whose ``component`` (e.g. ``kube-controller-manager``) holds the Lease."""
        return self.lease_masters().get(component)

    # -- not API objects: read from the model ------------------------------------------------
    def backends(self) -> list[Backend]:
        """The load balancer's backends, with health and requests routed (reading the
        counters, not moving them)."""
        c = self.cluster
        lb = c.load_balancer
        where: dict[int, tuple[str, bool]] = {}
        for m in c.masters:
            if m.apiserver is not None:
                where[id(m.apiserver)] = (m.name, False)
            for r in m.replicas:
                where[id(r)] = (m.name, True)
        routed = dict(lb.routed)
        total = sum(routed.values())
        rows = []
        for b in lb.backends:
            master, replica = where.get(id(b), (b.host, False))
            n = routed.get(b.name, 0)
            rows.append(Backend(b.name, master, replica, bool(b.running), bool(b.ready), bool(lb.healthy(b)), n,
                                (n / total) if total else 0.0,
                                int(getattr(b, "inflight", 0) or 0) + int(getattr(b, "inflight_mutating", 0) or 0)))
        return rows

    def cuts(self) -> list[tuple[str, str]]:
        """The network's cut set: directed (from host, to host) pairs whose messages drop."""
        return list(self.cluster.network.cuts())

    @property
    def etcd_members(self) -> list[Any]:
        return list(self.cluster.etcd.members)

    # -- pictures' data ------------------------------------------------------------------------
    def topology(self, name: Optional[str] = None) -> Topology:
        """The cluster's topology as plain data (:mod:`kubelab.cluster.topology`)."""
        return build_topology(self, name)
