"""How a Cluster wires its control-plane components and carries out faults.

Kept apart from :mod:`kubelab.cluster` so that the builder reads as the user's API and
this module as the operator's runbook: which process runs on which machine, and what
powering a machine off or on does to each of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.apiserver.user import ALL_AUTHENTICATED, UserInfo
from kubelab.client import APIClient

if TYPE_CHECKING:
    from kubelab.cluster import Cluster, Master


def start_control_plane(cluster: "Cluster", m: "Master") -> None:
    """kube-scheduler, kube-controller-manager and (on a cloud) cloud-controller-manager,
    each with leader election on its Lease in kube-system, talking to the local API server."""
    from kubelab.controllers.manager import ControllerManager
    from kubelab.scheduler import Scheduler

    resolve = cluster._local_resolver(m)
    if m.scheduler is None:
        # scheduler.conf: CN=system:kube-scheduler, bound to its ClusterRole by the bootstrap policy
        client = APIClient(cluster.sim, cluster.network, m.host, resolve, "kube-scheduler",
                           user=UserInfo("system:kube-scheduler", groups=(ALL_AUTHENTICATED,)))
        m.scheduler = Scheduler(cluster.sim, client, identity=f"{m.name}_kube-scheduler",
                                config=cluster.scheduler_config, leader_elect=True)
    m.scheduler.start()
    if m.controller_manager is None:
        client = APIClient(cluster.sim, cluster.network, m.host, resolve, "kube-controller-manager")
        m.controller_manager = ControllerManager(cluster.sim, client, m.host,
                                                 identity=f"{m.name}_kube-controller-manager")
    m.controller_manager.start()
    if cluster._cloud_provider is not None:
        start_cloud_controller_manager(cluster, m)


def start_cloud_controller_manager(cluster: "Cluster", m: "Master") -> None:
    from kubelab.controllers.manager import CloudControllerManager

    if m.cloud_controller_manager is None:
        client = APIClient(cluster.sim, cluster.network, m.host, cluster._local_resolver(m), "cloud-controller-manager")
        m.cloud_controller_manager = CloudControllerManager(cluster.sim, client, m.host,
                                                            identity=f"{m.name}_cloud-controller-manager",
                                                            provider=cluster._cloud_provider)
    m.cloud_controller_manager.start()


def make_cloud_provider(cluster: "Cluster", name: str, region: str | None = None):
    """The simulated cloud the cluster runs on, and a cloud-controller-manager on every
    running master to drive it."""
    from kubelab.controllers.cloud.provider import SimulatedCloud

    cloud = SimulatedCloud(name, region=region or "eu-west-1")
    cluster._cloud_provider = cloud
    for m in cluster.masters:
        if m.running:
            start_cloud_controller_manager(cluster, m)
    cluster.sim.trace.record("cloud", "CloudProvider", f"cluster runs on {name} ({cloud.region})")
    return cloud


def _stop_master(cluster: "Cluster", m: "Master") -> None:
    for comp in (m.scheduler, m.controller_manager, m.cloud_controller_manager):
        if comp is not None:
            comp.stop()
    if m.apiserver is not None:
        m.apiserver.stop()
    for replica in m.replicas:  # extra replicas die with their machine and are not restarted
        replica.stop()
        cluster.lb.remove(replica)
    m.replicas = []
    member = m.etcd_member
    if member is not None:
        member.stop()
    cluster.network.stop(m.host)
    m.running = False


def _start_master(cluster: "Cluster", m: "Master") -> None:
    cluster.network.start(m.host)
    member = m.etcd_member
    if member is not None:
        member.start()
    cluster._start_master(m)


def stop_machine(cluster: "Cluster", name: str) -> None:
    """Power off a master, a worker, or an external etcd member."""
    for m in cluster.masters:
        if m.name == name:
            if not m.running:
                return
            _stop_master(cluster, m)
            cluster.sim.trace.record(name, "MachineStopped", f"master {name} powered off")
            return
    if name in cluster.kubelets:
        cluster.kubelets[name].stop()
        cluster.network.stop(name)
        cluster.sim.trace.record(name, "MachineStopped", f"worker {name} powered off")
        return
    for member in cluster.etcd.members:
        if member.name == name or member.host == name:
            member.stop()
            cluster.network.stop(member.host)
            cluster.sim.trace.record(name, "MachineStopped", f"etcd member {name} stopped")
            return
    raise KeyError(f"no machine named {name!r} (masters: {[m.name for m in cluster.masters]}, "
                   f"workers: {list(cluster.kubelets)}, etcd: {[x.name for x in cluster.etcd.members]})")


def start_machine(cluster: "Cluster", name: str) -> None:
    """Power a stopped machine back on; its processes start again from their durable state."""
    for m in cluster.masters:
        if m.name == name:
            if m.running:
                return
            _start_master(cluster, m)
            return
    if name in cluster.kubelets:
        cluster.network.start(name)
        k = cluster.kubelets[name]
        if not k.running:
            k.registered = False
            k.start()
        cluster.sim.trace.record(name, "MachineStarted", f"worker {name} powered on")
        return
    for member in cluster.etcd.members:
        if member.name == name or member.host == name:
            cluster.network.start(member.host)
            member.start()
            cluster.sim.trace.record(name, "MachineStarted", f"etcd member {name} started")
            return
    raise KeyError(f"no machine named {name!r}")
