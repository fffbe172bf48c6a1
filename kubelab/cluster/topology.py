"""The cluster's topology as plain data: who runs where, who leads, what is reachable.

One builder (:func:`build_topology`, reached as ``cluster.state.topology()``) reads the
cluster through its read model (:mod:`kubelab.cluster.readmodel`) into these dataclasses;
every picture of the cluster (the topology graph, the dashboard's snapshots, the cluster
card) draws from them, so they cannot disagree.

Leadership has one rule, the one ``kubectl get lease -n kube-system`` shows: a
component leads when its master is the holder of the component's Lease in kube-system
(client-go leaderelection; the holder identity is ``<hostname>_<component>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from . import readmodel

__all__ = ["Component", "EtcdMemberInfo", "MasterInfo", "PodInfo", "Topology", "WorkerInfo", "build_topology",
           "COMPONENTS"]

# The components on a master, in kubeadm's order, and the Master attribute holding each.
COMPONENTS = (
    ("apiserver", "kube-apiserver"),
    ("scheduler", "kube-scheduler"),
    ("controller_manager", "kube-controller-manager"),
    ("cloud_controller_manager", "cloud-controller-manager"),
)


@dataclass
class Component:
    name: str  # kube-apiserver, kube-scheduler, kube-controller-manager, cloud-controller-manager
    running: bool = True
    leader: bool = False  # its master holds the component's Lease in kube-system
    serving: bool = True  # kube-apiserver: the load balancer's health check (/readyz) passes
    replicas: int = 0  # kube-apiserver: extra replicas on this master (the autoscaler's)


@dataclass
class EtcdMemberInfo:
    name: str
    host: str = ""
    role: str = "follower"  # leader | follower | candidate | pre-candidate | stopped
    term: Optional[int] = None


@dataclass
class MasterInfo:
    name: str
    running: bool = True
    components: list[Component] = field(default_factory=list)
    etcd: Optional[EtcdMemberInfo] = None  # stacked etcd: the member on this master

    @property
    def host(self) -> str:
        return self.name

    def component(self, name: str) -> Optional[Component]:
        return next((c for c in self.components if c.name == name), None)


@dataclass
class PodInfo:
    name: str
    namespace: str = "default"
    status: str = "Running"  # kubectl's STATUS column


@dataclass
class WorkerInfo:
    name: str
    kind: str = "VM"  # BareMetal | VM | CloudInstance
    ready: bool = True
    unschedulable: bool = False
    detail: str = ""  # e.g. "4 cpu, 16Gi" or "m5.xlarge, eu-west-1a"
    pods: list[PodInfo] = field(default_factory=list)
    status: str = ""  # kubectl get nodes' STATUS column; derived from ready/unschedulable when empty
    running: bool = True  # the machine is powered on (the API may not know it is off yet)

    @property
    def state(self) -> str:
        if self.status:
            return self.status
        return ("Ready" if self.ready else "NotReady") + (",SchedulingDisabled" if self.unschedulable else "")


@dataclass
class Topology:
    name: str = "kubelab"
    time: float = 0.0
    load_balancer: Optional[str] = "lb"
    masters: list[MasterInfo] = field(default_factory=list)
    external_etcd: list[EtcdMemberInfo] = field(default_factory=list)
    workers: list[WorkerInfo] = field(default_factory=list)
    cuts: list[tuple[str, str]] = field(default_factory=list)  # directed (from host, to host) links that drop
    user: str = "kubectl"  # the user's host (where kubectl runs)
    # the API endpoint as a client addresses it (``host:port``), when it is not the load
    # balancer's :6443 inside the simulation (a cluster seen through its kubeconfig: kl.connect)
    endpoint: Optional[str] = None

    @property
    def endpoint_label(self) -> str:
        return self.endpoint or f"{self.load_balancer}:6443"

    @property
    def etcd_members(self) -> list[EtcdMemberInfo]:
        return [m.etcd for m in self.masters if m.etcd is not None] + list(self.external_etcd)

    @property
    def etcd_summary(self) -> str:
        members = self.etcd_members
        if not members:
            return "no members"
        leader = next((m for m in members if m.role == "leader"), None)
        kind = "external" if self.external_etcd else "stacked"
        lead = f"leader {leader.name}" + (f" (term {leader.term})" if leader.term is not None else "") if leader else "no leader"
        return f"{len(members)} members ({kind}), {lead}"

    def leader(self, component: str) -> Optional[str]:
        """The master whose ``component`` holds its Lease, if any."""
        for m in self.masters:
            c = m.component(component)
            if c is not None and c.leader:
                return m.name
        return None


def etcd_member_info(member) -> EtcdMemberInfo:
    role = str(getattr(member, "role", "") or "")
    if not getattr(member, "running", True):
        role = "stopped"
    role = role.lower().replace("state", "") or "follower"
    term = getattr(member, "term", None)
    try:
        term = int(term) if term is not None else None
    except (TypeError, ValueError):
        term = None
    return EtcdMemberInfo(getattr(member, "name", ""), getattr(member, "host", ""), role, term)


def build_topology(state: "readmodel.ClusterState", name: Optional[str] = None) -> Topology:
    """The topology of the cluster ``state`` reads (``cluster.state.topology()``)."""
    from kubelab.kubectl.printers import node_status, pod_status_reason

    cluster = state.cluster
    topo = Topology(name=name or f"seed={cluster.seed}", time=state.now, load_balancer=cluster.load_balancer.host,
                    cuts=state.cuts())
    holders = state.lease_masters()
    serving = {b.name for b in state.backends() if b.healthy}
    hosts = set()
    for m in cluster.masters:
        info = MasterInfo(m.name, bool(m.running))
        hosts.add(m.host)
        for attr, cname in COMPONENTS:
            comp = getattr(m, attr, None)
            if comp is None:
                continue
            running = bool(m.running and getattr(comp, "running", True))
            if cname == "kube-apiserver":
                info.components.append(Component(cname, running, False, comp.name in serving, len(m.replicas)))
            else:
                info.components.append(Component(cname, running, holders.get(cname) == m.name))
        member = m.etcd_member
        if member is not None:
            info.etcd = etcd_member_info(member)
        topo.masters.append(info)
    for member in cluster.etcd.members:
        if member.host not in hosts:
            topo.external_etcd.append(etcd_member_info(member))
    pods_on: dict[str, list[PodInfo]] = {}
    for p in state.list("Pod"):
        if p.spec.node_name:
            pods_on.setdefault(p.spec.node_name, []).append(
                PodInfo(p.metadata.name or "", p.metadata.namespace or "", pod_status_reason(p)[0]))
    nodes = {n.metadata.name: n for n in state.list("Node")}
    machines = cluster.nodes
    # a master is a Node too (kubeadm's control-plane node): it is drawn as a master
    master_nodes = {m.name for m in cluster.masters} | {
        n for n, node in nodes.items() if "node-role.kubernetes.io/control-plane" in (node.metadata.labels or {})}
    for wname in list(machines) + sorted(n for n in nodes if n not in machines and n not in master_nodes):
        mach = machines.get(wname)
        node = nodes.get(wname)
        kind = getattr(mach, "KIND", None) or type(mach).__name__ if mach is not None else \
            ((node.metadata.labels or {}).get("kubelab.io/machine-kind") or "VM")
        detail = ""
        if mach is not None:
            detail = ", ".join(x for x in (getattr(mach, "instance_type", None), getattr(mach, "zone", None)) if x) \
                or f"{getattr(mach, 'cpu', '?')} cpu, {getattr(mach, 'memory', '?')}"
        if node is not None:
            status = node_status(node)
            ready, unsched = node.is_ready(), bool(node.spec.unschedulable)
        else:  # the kubelet has not registered its Node (or no API server answers)
            status, ready, unsched = "NotRegistered" if state.readable else "Unknown", False, False
        worker = cluster.workers.get(wname)
        topo.workers.append(WorkerInfo(wname, kind, ready, unsched, detail, pods_on.get(wname, []), status,
                                       worker.running if worker is not None else True))
    return topo
