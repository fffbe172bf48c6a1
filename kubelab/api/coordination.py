"""coordination.k8s.io/v1 Lease (node heartbeats, leader election); scheduling.k8s.io
PriorityClass; policy/v1 PodDisruptionBudget; discovery.k8s.io EndpointSlice."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from pydantic import Field

from .base import IntOrString, K8sModel
from .core import ObjectReference
from .meta import KubeObject, LabelSelector

Json = dict[str, Any]


class LeaseSpec(K8sModel):
    holder_identity: Optional[str] = None
    lease_duration_seconds: Optional[int] = None
    acquire_time: Optional[str] = None  # MicroTime
    renew_time: Optional[str] = None  # MicroTime
    lease_transitions: Optional[int] = None
    strategy: Optional[str] = None
    preferred_holder: Optional[str] = None


class Lease(KubeObject):
    GROUP: ClassVar[str] = "coordination.k8s.io"
    KIND: ClassVar[str] = "Lease"
    RESOURCE: ClassVar[str] = "leases"

    spec: LeaseSpec = Field(default_factory=LeaseSpec)


class PriorityClass(KubeObject):
    GROUP: ClassVar[str] = "scheduling.k8s.io"
    KIND: ClassVar[str] = "PriorityClass"
    RESOURCE: ClassVar[str] = "priorityclasses"
    NAMESPACED: ClassVar[bool] = False
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("pc",)

    value: int = 0
    global_default: Optional[bool] = None
    description: Optional[str] = None
    preemption_policy: Optional[str] = None  # PreemptLowerPriority | Never


class PodDisruptionBudgetSpec(K8sModel):
    min_available: Optional[IntOrString] = None
    selector: Optional[LabelSelector] = None
    max_unavailable: Optional[IntOrString] = None
    unhealthy_pod_eviction_policy: Optional[str] = None


class PodDisruptionBudgetStatus(K8sModel):
    observed_generation: Optional[int] = None
    disrupted_pods: Optional[dict[str, str]] = None
    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    conditions: Optional[list[Json]] = None


class PodDisruptionBudget(KubeObject):
    GROUP: ClassVar[str] = "policy"
    KIND: ClassVar[str] = "PodDisruptionBudget"
    RESOURCE: ClassVar[str] = "poddisruptionbudgets"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("pdb",)

    spec: PodDisruptionBudgetSpec = Field(default_factory=PodDisruptionBudgetSpec)
    status: PodDisruptionBudgetStatus = Field(default_factory=PodDisruptionBudgetStatus)


class EndpointConditions(K8sModel):
    ready: Optional[bool] = None
    serving: Optional[bool] = None
    terminating: Optional[bool] = None


class Endpoint(K8sModel):
    addresses: list[str] = Field(default_factory=list)
    conditions: Optional[EndpointConditions] = None
    hostname: Optional[str] = None
    target_ref: Optional[ObjectReference] = None
    node_name: Optional[str] = None
    zone: Optional[str] = None
    hints: Optional[Json] = None


class EndpointSlicePort(K8sModel):
    name: Optional[str] = None
    protocol: Optional[str] = None
    port: Optional[int] = None
    app_protocol: Optional[str] = None


class EndpointSlice(KubeObject):
    GROUP: ClassVar[str] = "discovery.k8s.io"
    KIND: ClassVar[str] = "EndpointSlice"
    RESOURCE: ClassVar[str] = "endpointslices"

    address_type: str = "IPv4"
    endpoints: list[Endpoint] = Field(default_factory=list)
    ports: Optional[list[EndpointSlicePort]] = None
