"""The machines of a cluster, masters and workers alike: hardware of a kind, the processes
that run on it, and one way to power it off and on again.

A master is a machine of a kind (bare metal, VM, cloud instance) like a worker: it runs a
kubelet that registers it as a Node labelled and tainted as kubeadm's mark-control-plane
phase does, and kube-apiserver, kube-scheduler, kube-controller-manager (and the
cloud-controller-manager on a cloud), plus an etcd member when etcd is stacked; a worker
runs a kubelet; an external etcd machine runs one etcd member. Powering a machine off
stops everything on it and takes its host off the network; powering it on starts its
processes again from their durable state (etcd's WAL, the API objects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from kubelab.apiserver.server import APIServer
from kubelab.apiserver.user import ALL_AUTHENTICATED, UserInfo
from kubelab.client import APIClient
from kubelab.controllers.manager import CloudControllerManager, ControllerManager
from kubelab.node import Kubelet, Machine
from kubelab.node.machines import VM
from kubelab.scheduler import Scheduler
from kubelab.sim import journaled

if TYPE_CHECKING:
    from .cluster import Cluster


class Host:
    """A machine placed in the cluster. ``power_off()`` / ``power_on()`` are the faults a
    learner injects; ``cluster.faults.stop(name)`` calls them by name."""

    role = "machine"

    def __init__(self, cluster: "Cluster", name: str, machine: Optional[Machine] = None):
        self.cluster = cluster
        self.sim = cluster.sim  # the journal is found through it
        self.name = name
        self.host = name  # the network address
        self.machine = machine
        self.running = False

    @property
    def components(self) -> list[Any]:
        return []

    @journaled
    def power_off(self) -> None:
        if not self.running:
            return
        self._stop()
        self.cluster.network.stop(self.host)
        self.running = False
        self.sim.trace.record(self.name, "MachineStopped", f"{self.role} {self.name} powered off")

    @journaled
    def power_on(self) -> None:
        if self.running:
            return
        self.cluster.network.start(self.host)
        self.running = True
        self._start()
        self.sim.trace.record(self.name, "MachineStarted", f"{self.role} {self.name} powered on")

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {'running' if self.running else 'stopped'}>"


# cmd/kubeadm/app/constants/constants.go: LabelNodeRoleControlPlane, LabelExcludeFromExternalLB and
# ControlPlaneTaint, applied by cmd/kubeadm/app/phases/markcontrolplane/markcontrolplane.go
LABEL_NODE_ROLE_CONTROL_PLANE = "node-role.kubernetes.io/control-plane"
LABEL_EXCLUDE_FROM_EXTERNAL_LB = "node.kubernetes.io/exclude-from-external-load-balancers"
CONTROL_PLANE_TAINT = {"key": LABEL_NODE_ROLE_CONTROL_PLANE, "effect": "NoSchedule"}


def default_master_machine(name: str) -> Machine:
    """What ``masters=3`` means: VMs just above kubeadm's preflight minimums (2 CPUs,
    1700 MB of memory: cmd/kubeadm/app/preflight/checks.go NumCPUCheck, MemCheck)."""
    return VM(name, cpu="2", memory="4Gi")


class Master(Host):
    """A control-plane machine of a kind: its kubelet (the Node, labelled and tainted
    ``node-role.kubernetes.io/control-plane``), kube-apiserver, kube-scheduler,
    kube-controller-manager (and cloud-controller-manager on a cloud), plus an etcd member
    when etcd is stacked."""

    role = "master"

    def __init__(self, cluster: "Cluster", name: str, machine: Optional[Machine] = None):
        super().__init__(cluster, name, machine if machine is not None else default_master_machine(name))
        self.kubelet: Optional[Kubelet] = None
        self.apiserver: Optional[APIServer] = None
        self.replicas: list[APIServer] = []  # extra kube-apiserver replicas (the autoscaler's)
        self.scheduler: Optional[Scheduler] = None
        self.controller_manager: Optional[ControllerManager] = None
        self.cloud_controller_manager: Optional[CloudControllerManager] = None

    @property
    def etcd_member(self):
        for m in self.cluster.etcd.members:
            if m.host == self.host:
                return m
        return None

    @property
    def components(self) -> list[Any]:
        return [c for c in (self.apiserver, self.scheduler, self.controller_manager, self.cloud_controller_manager,
                            self.kubelet) if c is not None]

    @property
    def apiservers(self) -> list[APIServer]:
        return ([self.apiserver] if self.apiserver else []) + self.replicas

    # -- the processes ----------------------------------------------------------------------
    def _local_apiserver(self, host: str) -> Optional[APIServer]:
        """Components on a master talk to the API server on the same machine."""
        s = self.apiserver
        return s if s is not None and s.running else None

    def _client(self, user_agent: str, user: Optional[UserInfo] = None) -> APIClient:
        c = self.cluster
        return APIClient(c.sim, c.network, self.host, self._local_apiserver, user_agent, user=user)

    def boot(self, kubelet: Optional[Kubelet] = None) -> None:
        """First start (kubeadm init / join --control-plane): the processes are created; the
        kubelet, when given, starts once the API server is up."""
        self.cluster.network.start(self.host)
        self.running = True
        self.kubelet = kubelet
        self._start()
        self.sim.trace.record(self.name, "MasterStarted", f"{self.name} is up")

    def _start(self) -> None:
        c = self.cluster
        member = self.etcd_member
        if member is not None and not member.running:
            member.start()
        if self.apiserver is None:
            self.apiserver = c._new_apiserver(self.host, f"kube-apiserver-{self.name}")
            c.load_balancer.add(self.apiserver)
        self.apiserver.start()
        # kube-scheduler and kube-controller-manager as static pods on the master, each with
        # leader election on its Lease in kube-system
        if self.scheduler is None:
            # scheduler.conf: CN=system:kube-scheduler, bound to its ClusterRole by the bootstrap policy
            user = UserInfo("system:kube-scheduler", groups=(ALL_AUTHENTICATED,))
            self.scheduler = Scheduler(c.sim, self._client("kube-scheduler", user), identity=f"{self.name}_kube-scheduler",
                                       config=c.scheduler_config, leader_elect=True)
        self.scheduler.start()
        if self.controller_manager is None:
            # controller-manager.conf: CN=system:kube-controller-manager; with kubeadm's
            # --use-service-account-credentials each controller acts as its own service account
            user = UserInfo("system:kube-controller-manager", groups=(ALL_AUTHENTICATED,))
            self.controller_manager = ControllerManager(c.sim, self._client("kube-controller-manager", user), self.host,
                                                        identity=f"{self.name}_kube-controller-manager",
                                                        options=c.controller_manager_options)
        self.controller_manager.start()
        if c.cloud_provider is not None:
            self.start_cloud_controller_manager()
        if self.kubelet is not None and not self.kubelet.running:
            self.kubelet.registered = False
            self.kubelet.start()

    def start_cloud_controller_manager(self) -> None:
        if self.cloud_controller_manager is None:
            self.cloud_controller_manager = CloudControllerManager(
                self.sim, self._client("cloud-controller-manager"), self.host,
                identity=f"{self.name}_cloud-controller-manager", provider=self.cluster.cloud_provider)
        self.cloud_controller_manager.start()

    def _stop(self) -> None:
        if self.kubelet is not None and self.kubelet.running:
            self.kubelet.stop()
        for comp in (self.scheduler, self.controller_manager, self.cloud_controller_manager):
            if comp is not None:
                comp.stop()
        if self.apiserver is not None:
            self.apiserver.stop()
        for replica in self.replicas:  # extra replicas die with their machine and are not restarted
            replica.stop()
            self.cluster.load_balancer.remove(replica)
        self.replicas = []
        member = self.etcd_member
        if member is not None:
            member.stop()


class Worker(Host):
    """A worker machine and its kubelet."""

    role = "worker"

    def __init__(self, cluster: "Cluster", machine: Machine, kubelet: Kubelet):
        super().__init__(cluster, machine.name, machine)
        self.kubelet = kubelet

    @property
    def components(self) -> list[Any]:
        return [self.kubelet]

    def boot(self) -> None:
        self.cluster.network.start(self.host)
        self.running = True
        self.kubelet.start()
        self.sim.trace.record(self.name, "NodeJoined", self.machine.describe())

    def _start(self) -> None:
        if not self.kubelet.running:
            self.kubelet.registered = False
            self.kubelet.start()

    def _stop(self) -> None:
        self.kubelet.stop()


class EtcdHost(Host):
    """A machine of an external etcd cluster: one member."""

    role = "etcd member"

    def __init__(self, cluster: "Cluster", member: Any):
        super().__init__(cluster, member.host)
        self.member = member
        self.running = True

    @property
    def components(self) -> list[Any]:
        return [self.member]

    def _start(self) -> None:
        self.member.start()

    def _stop(self) -> None:
        self.member.stop()


__all__ = ["CONTROL_PLANE_TAINT", "EtcdHost", "Host", "LABEL_EXCLUDE_FROM_EXTERNAL_LB",
           "LABEL_NODE_ROLE_CONTROL_PLANE", "Master", "Worker", "default_master_machine"]
