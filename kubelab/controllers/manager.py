"""kube-controller-manager and cloud-controller-manager (cmd/kube-controller-manager,
cmd/cloud-controller-manager, k8s.io/cloud-provider/app).

Each master runs one of each. They are active-standby: every instance campaigns for a
Lease in kube-system (``kube-controller-manager`` / ``cloud-controller-manager``, 15 s /
10 s / 2 s); the one that holds it builds fresh shared informers and starts every
controller, and stops them all when it loses the lease (upstream exits; the simulated
process simply goes back to campaigning).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from kubelab.apiserver.user import service_account_user
from kubelab.client import APIClient, LeaderElector, SharedInformerFactory
from kubelab.sim import Simulator

from .base import Controller, ControllerContext


def default_controllers() -> dict[str, type[Controller]]:
    """The controllers kube-controller-manager starts by default (--controllers=*),
    by their upstream names."""
    from .daemonset import DaemonSetController
    from .deployment import DeploymentController
    from .disruption import DisruptionController
    from .endpoint import EndpointsController
    from .endpointslice import EndpointSliceController
    from .garbagecollector import GarbageCollector
    from .job import CronJobController, JobController
    from .namespace import NamespaceController
    from .podautoscaler import HorizontalPodAutoscalerController
    from .nodeipam import NodeIpamController
    from .nodelifecycle import NodeLifecycleController, TaintEvictionController
    from .persistentvolume import (
        ExternalProvisioner,
        PersistentVolumeController,
        PVCProtectionController,
        PVProtectionController,
    )
    from .podgc import PodGCController
    from .replicaset import ReplicaSetController
    from .resourcequota import ResourceQuotaController
    from .serviceaccount import RootCACertPublisher, ServiceAccountsController
    from .statefulset import StatefulSetController
    from .ttlafterfinished import TTLAfterFinishedController

    return {
        "replicaset-controller": ReplicaSetController,
        "deployment-controller": DeploymentController,
        "garbage-collector-controller": GarbageCollector,
        "namespace-controller": NamespaceController,
        "node-lifecycle-controller": NodeLifecycleController,
        "node-ipam-controller": NodeIpamController,
        "taint-eviction-controller": TaintEvictionController,
        "endpoints-controller": EndpointsController,
        "endpointslice-controller": EndpointSliceController,
        "daemonset-controller": DaemonSetController,
        "statefulset-controller": StatefulSetController,
        "job-controller": JobController,
        "cronjob-controller": CronJobController,
        "ttl-after-finished-controller": TTLAfterFinishedController,
        "disruption-controller": DisruptionController,
        "horizontal-pod-autoscaler-controller": HorizontalPodAutoscalerController,
        "serviceaccount-controller": ServiceAccountsController,
        "root-ca-certificate-publisher-controller": RootCACertPublisher,
        "resourcequota-controller": ResourceQuotaController,
        "persistentvolume-binder-controller": PersistentVolumeController,
        "persistentvolumeclaim-protection-controller": PVCProtectionController,
        "persistentvolume-protection-controller": PVProtectionController,
        # not kube-controller-manager's: the provisioners' own Deployments upstream (see
        # controllers/persistentvolume.py); kubelab runs them here
        "external-provisioner": ExternalProvisioner,
        "pod-garbage-collector-controller": PodGCController,
    }


# The service account each controller's client uses with --use-service-account-credentials
# (kubeadm sets it): the names cmd/kube-controller-manager passes to ClientBuilder.ClientOrDie,
# each bound to ClusterRole system:controller:<name> by the bootstrap policy
# (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go). The node IPAM and
# taint-eviction controllers share the node-controller's account, as upstream.
CONTROLLER_SERVICE_ACCOUNTS = {
    "replicaset-controller": "replicaset-controller",
    "deployment-controller": "deployment-controller",
    "garbage-collector-controller": "generic-garbage-collector",
    "namespace-controller": "namespace-controller",
    "node-lifecycle-controller": "node-controller",
    "node-ipam-controller": "node-controller",
    "taint-eviction-controller": "node-controller",
    "endpoints-controller": "endpoint-controller",
    "endpointslice-controller": "endpointslice-controller",
    "daemonset-controller": "daemon-set-controller",
    "statefulset-controller": "statefulset-controller",
    "job-controller": "job-controller",
    "cronjob-controller": "cronjob-controller",
    "ttl-after-finished-controller": "ttl-after-finished-controller",
    "disruption-controller": "disruption-controller",
    "horizontal-pod-autoscaler-controller": "horizontal-pod-autoscaler",
    "persistentvolume-binder-controller": "persistent-volume-binder",
    "persistentvolumeclaim-protection-controller": "pvc-protection-controller",
    "persistentvolume-protection-controller": "pv-protection-controller",
    "pod-garbage-collector-controller": "pod-garbage-collector",
    "serviceaccount-controller": "service-account-controller",
    "root-ca-certificate-publisher-controller": "root-ca-cert-publisher",
    "resourcequota-controller": "resourcequota-controller",
}


class _Manager:
    lease_name = ""
    component = ""
    # --use-service-account-credentials: kube-controller-manager's controllers each act as
    # their own service account; otherwise (and for unmapped controllers) as the manager
    service_accounts: dict[str, str] = {}

    def __init__(self, sim: Simulator, client: APIClient, host: str, identity: str, cloud: Any = None,
                 controllers: Optional[Sequence[str]] = None, leader_elect: bool = True,
                 lease_duration: float = 15.0, renew_deadline: float = 10.0, retry_period: float = 2.0,
                 options: Optional[dict[str, Any]] = None):
        self.sim = sim
        # flags handed to the controllers, e.g. {"cluster_cidr": "10.128.0.0/12",
        # "node_cidr_mask_size": 24} (--cluster-cidr, --node-cidr-mask-size)
        self.options = dict(options or {})
        self.client = client
        self.host = host
        self.identity = identity
        self.cloud = cloud
        self.leader_elect = leader_elect
        available = self.available_controllers()
        names = list(available) if controllers is None else list(controllers)
        unknown = [n for n in names if n not in available]
        if unknown:
            raise ValueError(f"unknown controllers: {', '.join(unknown)} (known: {', '.join(available)})")
        self.controller_names = names
        self._classes = available
        self.controllers: dict[str, Controller] = {}
        self.informers: Optional[SharedInformerFactory] = None
        self.running = False
        self.leading = False
        self.elector: Optional[LeaderElector] = None
        if leader_elect:
            self.elector = LeaderElector(client, self.lease_name, identity, "kube-system",
                                         lease_duration, renew_deadline, retry_period,
                                         on_started_leading=self._start_controllers,
                                         on_stopped_leading=self._stop_controllers)

    def available_controllers(self) -> dict[str, type[Controller]]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identity} leading={self.leading} controllers={len(self.controllers)}>"

    @property
    def is_leader(self) -> bool:
        """Whether this manager holds its lease (the same word the scheduler uses)."""
        return self.leading

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self.sim.trace.record(self.identity, "Starting", self.component)
        if self.elector is not None:
            self.elector.start()
        else:
            self._start_controllers()

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        if self.elector is not None:
            self.elector.stop()  # calls on_stopped_leading when leading
        if self.leading:
            self._stop_controllers()

    def _start_controllers(self) -> None:
        if self.leading:
            return
        self.leading = True
        self.informers = SharedInformerFactory(self.client)
        ctx = ControllerContext(self.sim, self.client, self.informers, host=self.host, cloud=self.cloud,
                                options=self.options)
        self.controllers = {}
        for name in self.controller_names:
            self.controllers[name] = self._classes[name](self._context_for(name, ctx))
        self.informers.start()
        for name, c in self.controllers.items():
            c.start()
            self.sim.trace.record(self.identity, "ControllerStarted", name)

    def _context_for(self, name: str, shared: ControllerContext) -> ControllerContext:
        """The controller's context: the shared informers (read as the manager) and a client
        that acts as the controller's service account (SAControllerClientBuilder)."""
        c = self.client
        if name == "external-provisioner":
            # not the manager's: upstream a Deployment of its own with its own account and
            # role (its manifest's); kubelab lets it act with the API server's loopback rights
            user = None
        else:
            sa = self.service_accounts.get(name) if self.options.get("use_service_account_credentials", True) else None
            if sa is None:
                return shared
            user = service_account_user("kube-system", sa)
        client = APIClient(c.sim, c.network, c.host, c.resolve, c.user_agent, user=user)
        return ControllerContext(self.sim, client, shared.informers, host=self.host, cloud=self.cloud,
                                 options=self.options)

    def _stop_controllers(self) -> None:
        if not self.leading:
            return
        self.leading = False
        for c in self.controllers.values():
            c.stop()
        if self.informers is not None:
            self.informers.stop()
        self.sim.trace.record(self.identity, "ControllersStopped", self.component)
        self.controllers = {}
        self.informers = None

    def controller(self, name: str) -> Optional[Controller]:
        return self.controllers.get(name)


class ControllerManager(_Manager):
    """kube-controller-manager: ``ControllerManager(sim, client, host, identity,
    cloud=None, controllers=None, leader_elect=True)``. ``controllers`` names a subset
    (see :func:`default_controllers`)."""

    lease_name = "kube-controller-manager"
    component = "kube-controller-manager"
    service_accounts = CONTROLLER_SERVICE_ACCOUNTS

    def available_controllers(self):
        return default_controllers()

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        if "node-ipam-controller" in self.controller_names:
            from .nodeipam import DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE, CidrSet

            # a bad --cluster-cidr / --node-cidr-mask-size stops the manager at startup, as upstream
            CidrSet(self.options.get("cluster_cidr", DEFAULT_CLUSTER_CIDR),
                    int(self.options.get("node_cidr_mask_size", DEFAULT_NODE_CIDR_MASK_SIZE)))


class CloudControllerManager(_Manager):
    """cloud-controller-manager: ``CloudControllerManager(sim, client, host, identity,
    provider)`` runs the cloud node, cloud node lifecycle, route and service controllers
    against ``provider`` (a :class:`kubelab.controllers.cloud.provider.CloudProvider`)."""

    lease_name = "cloud-controller-manager"
    component = "cloud-controller-manager"

    def __init__(self, sim: Simulator, client: APIClient, host: str, identity: str, provider: Any,
                 controllers: Optional[Sequence[str]] = None, leader_elect: bool = True, **kw):
        super().__init__(sim, client, host, identity, cloud=provider, controllers=controllers,
                         leader_elect=leader_elect, **kw)

    def available_controllers(self):
        from .cloud.controllers import CloudNodeController, CloudNodeLifecycleController, RouteController, ServiceController

        return {
            "cloud-node-controller": CloudNodeController,
            "cloud-node-lifecycle-controller": CloudNodeLifecycleController,
            "route-controller": RouteController,
            "service-lb-controller": ServiceController,
        }
