"""The cloud provider interface (k8s.io/cloud-provider cloud.go: InstancesV2,
LoadBalancer, Routes), trimmed to what the simulated controllers call, and
:class:`SimulatedCloud`, a deterministic in-memory implementation.

A provider is plain data plus methods; the controllers wait ``api_latency`` /
``lb_provision_seconds`` on the clock around calls, as they would on a real cloud API.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Optional, Protocol


@dataclass
class Instance:
    """InstanceMetadata: what the cloud knows about the machine behind a node.

    ``state`` follows the EC2 instance lifecycle (docs.aws.amazon.com/AWSEC2/latest/
    UserGuide/ec2-instance-lifecycle.html): ``pending`` from RunInstances until the
    hypervisor has started it, then ``running``; ``stopped`` when shut down."""

    node_name: str
    provider_id: str
    instance_type: str
    zone: str
    region: str
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (type, address)
    state: str = "running"  # pending | running | stopped
    launch_time: Optional[float] = None  # simulated seconds of RunInstances

    @property
    def running(self) -> bool:
        """False while pending, or shut down (the InstanceShutdown taint's question)."""
        return self.state == "running"


class CloudProvider(Protocol):
    name: str
    api_latency: float
    lb_provision_seconds: float

    def instance(self, node_name: str) -> Optional[Instance]:
        """InstancesV2.InstanceMetadata / InstanceExists: None when there is no such instance."""

    def ensure_load_balancer(self, cluster: str, service_key: str, ports: list[int], nodes: list[str]) -> dict:
        """LoadBalancer.EnsureLoadBalancer: returns an ingress dict ({"ip": ...} or {"hostname": ...})."""

    def ensure_load_balancer_deleted(self, cluster: str, service_key: str) -> None:
        """LoadBalancer.EnsureLoadBalancerDeleted."""

    def create_route(self, cluster: str, node_name: str, cidr: str) -> None:
        """Routes.CreateRoute."""

    def delete_route(self, cluster: str, node_name: str) -> None:
        """Routes.DeleteRoute."""

    def list_routes(self, cluster: str) -> dict[str, str]:
        """Routes.ListRoutes: node name -> destination CIDR."""


class SimulatedCloud:
    """A deterministic cloud: instances registered by the Cluster (or a test), load
    balancers that take ``lb_provision_seconds`` and get addresses from ``lb_cidr``."""

    def __init__(self, name: str = "kubelab", region: str = "eu-west-1", lb_cidr: str = "203.0.113.0/24",
                 api_latency: float = 0.2, lb_provision_seconds: float = 5.0):
        self.name = name
        self.region = region
        self.api_latency = api_latency
        self.lb_provision_seconds = lb_provision_seconds
        self.instances: dict[str, Instance] = {}
        self.load_balancers: dict[str, dict] = {}
        self.routes: dict[str, str] = {}
        self._lb_pool = iter(ipaddress.ip_network(lb_cidr).hosts())
        self.calls: list[tuple[str, str]] = []

    def __repr__(self) -> str:
        return f"<SimulatedCloud {self.name} {self.region} instances={len(self.instances)} lbs={len(self.load_balancers)}>"

    # -- what the cluster (or a user breaking things) does ---------------------------------
    def add_instance(self, node_name: str, instance_type: str, zone: str, internal_ip: str,
                     external_ip: Optional[str] = None, state: str = "running",
                     launch_time: Optional[float] = None) -> Instance:
        """Register an instance; one already launched (``state="pending"``) keeps its state
        and launch time and gets the addresses its machine has when it joins."""
        addrs = [("InternalIP", internal_ip)]
        if external_ip:
            addrs.append(("ExternalIP", external_ip))
        addrs.append(("Hostname", node_name))
        old = self.instances.get(node_name)
        if old is not None:
            old.addresses = addrs
            return old
        inst = Instance(node_name, f"{self.name}://{zone}/{node_name}", instance_type, zone, self.region, addrs,
                        state=state, launch_time=launch_time)
        self.instances[node_name] = inst
        return inst

    def set_state(self, node_name: str, state: str) -> None:
        """The hypervisor moved an instance on (``pending`` -> ``running``)."""
        if node_name in self.instances:
            self.instances[node_name].state = state

    def terminate_instance(self, node_name: str) -> None:
        self.instances.pop(node_name, None)

    def shutdown_instance(self, node_name: str, running: bool = False) -> None:
        if node_name in self.instances:
            self.instances[node_name].state = "running" if running else "stopped"

    # -- the provider interface ------------------------------------------------------------
    def instance(self, node_name: str) -> Optional[Instance]:
        self.calls.append(("instance", node_name))
        return self.instances.get(node_name)

    def ensure_load_balancer(self, cluster: str, service_key: str, ports: list[int], nodes: list[str]) -> dict:
        self.calls.append(("ensure_load_balancer", service_key))
        lb = self.load_balancers.get(service_key)
        if lb is None:
            lb = {"ip": str(next(self._lb_pool))}
            self.load_balancers[service_key] = lb
        lb["ports"], lb["nodes"] = list(ports), list(nodes)
        return {"ip": lb["ip"]}

    def ensure_load_balancer_deleted(self, cluster: str, service_key: str) -> None:
        self.calls.append(("ensure_load_balancer_deleted", service_key))
        self.load_balancers.pop(service_key, None)

    def create_route(self, cluster: str, node_name: str, cidr: str) -> None:
        self.calls.append(("create_route", node_name))
        self.routes[node_name] = cidr

    def delete_route(self, cluster: str, node_name: str) -> None:
        self.calls.append(("delete_route", node_name))
        self.routes.pop(node_name, None)

    def list_routes(self, cluster: str) -> dict[str, str]:
        return dict(self.routes)
