"""The core/v1 API group: Namespace, Pod, Node, Service, Endpoints, ConfigMap, Secret, Event.

Field names and nesting follow k8s.io/api/core/v1/types.go. What kubelab simulates is
typed (resources, scheduling fields, statuses); what it only carries along (volumes,
probes, security contexts) is a plain dict so that real manifests survive a round trip.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional, Union

from pydantic import Field

from .base import IntOrString, K8sModel
from .meta import KubeObject, LabelSelector, ObjectMeta

# ----------------------------------------------------------------------------- containers

Json = dict[str, Any]


class ContainerPort(K8sModel):
    name: Optional[str] = None
    host_port: Optional[int] = None
    container_port: int
    protocol: Optional[str] = None
    host_ip: Optional[str] = None


class EnvVar(K8sModel):
    name: str
    value: Optional[str] = None
    value_from: Optional[Json] = None


class ResourceRequirements(K8sModel):
    # quantities stay as the user wrote them (strings); kubelab.api.quantity parses them
    limits: Optional[dict[str, Union[str, int, float]]] = None
    requests: Optional[dict[str, Union[str, int, float]]] = None
    claims: Optional[list[Json]] = None


class Container(K8sModel):
    name: str = ""
    image: Optional[str] = None
    command: Optional[list[str]] = None
    args: Optional[list[str]] = None
    working_dir: Optional[str] = None
    ports: Optional[list[ContainerPort]] = None
    env_from: Optional[list[Json]] = None
    env: Optional[list[EnvVar]] = None
    resources: Optional[ResourceRequirements] = None
    resize_policy: Optional[list[Json]] = None
    restart_policy: Optional[str] = None
    volume_mounts: Optional[list[Json]] = None
    volume_devices: Optional[list[Json]] = None
    liveness_probe: Optional[Json] = None
    readiness_probe: Optional[Json] = None
    startup_probe: Optional[Json] = None
    lifecycle: Optional[Json] = None
    termination_message_path: Optional[str] = None
    termination_message_policy: Optional[str] = None
    image_pull_policy: Optional[str] = None
    security_context: Optional[Json] = None
    stdin: Optional[bool] = None
    stdin_once: Optional[bool] = None
    tty: Optional[bool] = None


# ----------------------------------------------------------------------------- scheduling

class Toleration(K8sModel):
    key: Optional[str] = None
    operator: Optional[str] = None  # Exists | Equal (default Equal)
    value: Optional[str] = None
    effect: Optional[str] = None  # NoSchedule | PreferNoSchedule | NoExecute ("" = all)
    toleration_seconds: Optional[int] = None

    def tolerates(self, taint: "Taint") -> bool:
        """v1.Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go)."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        op = self.operator or "Equal"
        if op == "Exists":
            return True
        if op == "Equal":
            return (self.value or "") == (taint.value or "")
        return False


class Taint(K8sModel):
    key: str
    value: Optional[str] = None
    effect: str
    time_added: Optional[str] = None

    def __str__(self) -> str:
        # v1.Taint.ToString: key=value:effect, or key:effect when the value is empty
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


class NodeSelectorRequirement(K8sModel):
    key: str
    operator: str  # In NotIn Exists DoesNotExist Gt Lt
    values: Optional[list[str]] = None


class NodeSelectorTerm(K8sModel):
    match_expressions: Optional[list[NodeSelectorRequirement]] = None
    match_fields: Optional[list[NodeSelectorRequirement]] = None


class NodeSelector(K8sModel):
    node_selector_terms: list[NodeSelectorTerm] = Field(default_factory=list)


class PreferredSchedulingTerm(K8sModel):
    weight: int
    preference: NodeSelectorTerm


class NodeAffinity(K8sModel):
    required_during_scheduling_ignored_during_execution: Optional[NodeSelector] = None
    preferred_during_scheduling_ignored_during_execution: Optional[list[PreferredSchedulingTerm]] = None


class PodAffinityTerm(K8sModel):
    label_selector: Optional[LabelSelector] = None
    namespaces: Optional[list[str]] = None
    topology_key: str = ""
    namespace_selector: Optional[LabelSelector] = None
    match_label_keys: Optional[list[str]] = None
    mismatch_label_keys: Optional[list[str]] = None


class WeightedPodAffinityTerm(K8sModel):
    weight: int
    pod_affinity_term: PodAffinityTerm


class PodAffinity(K8sModel):
    required_during_scheduling_ignored_during_execution: Optional[list[PodAffinityTerm]] = None
    preferred_during_scheduling_ignored_during_execution: Optional[list[WeightedPodAffinityTerm]] = None


class Affinity(K8sModel):
    node_affinity: Optional[NodeAffinity] = None
    pod_affinity: Optional[PodAffinity] = None
    pod_anti_affinity: Optional[PodAffinity] = None


class TopologySpreadConstraint(K8sModel):
    max_skew: int
    topology_key: str
    when_unsatisfiable: str  # DoNotSchedule | ScheduleAnyway
    label_selector: Optional[LabelSelector] = None
    min_domains: Optional[int] = None
    node_affinity_policy: Optional[str] = None
    node_taints_policy: Optional[str] = None
    match_label_keys: Optional[list[str]] = None


# ----------------------------------------------------------------------------- volumes

class LocalObjectReference(K8sModel):
    name: Optional[str] = None


class FCVolumeSource(K8sModel):
    target_ww_ns: Optional[list[str]] = Field(default=None, alias="targetWWNs")
    lun: Optional[int] = None
    fs_type: Optional[str] = None
    read_only: Optional[bool] = None
    wwids: Optional[list[str]] = None


class RBDVolumeSource(K8sModel):
    monitors: list[str] = Field(default_factory=list)
    image: str = ""
    fs_type: Optional[str] = None
    pool: Optional[str] = None
    user: Optional[str] = None
    keyring: Optional[str] = None
    secret_ref: Optional[LocalObjectReference] = None
    read_only: Optional[bool] = None


class ScaleIOVolumeSource(K8sModel):
    gateway: str = ""
    system: str = ""
    secret_ref: Optional[LocalObjectReference] = None
    ssl_enabled: Optional[bool] = None
    protection_domain: Optional[str] = None
    storage_pool: Optional[str] = None
    storage_mode: Optional[str] = None
    volume_name: Optional[str] = None
    fs_type: Optional[str] = None
    read_only: Optional[bool] = None


class StorageOSVolumeSource(K8sModel):
    volume_name: Optional[str] = None
    volume_namespace: Optional[str] = None
    fs_type: Optional[str] = None
    read_only: Optional[bool] = None
    secret_ref: Optional[LocalObjectReference] = None


class Volume(K8sModel):
    """v1.Volume: a name and one volume source. The sources kubelab does not simulate are
    carried as plain data; every source name is known, so a typo is an unknown field."""

    name: str = ""
    host_path: Optional[Json] = None
    empty_dir: Optional[Json] = None
    gce_persistent_disk: Optional[Json] = None
    aws_elastic_block_store: Optional[Json] = None
    git_repo: Optional[Json] = None
    secret: Optional[Json] = None
    nfs: Optional[Json] = None
    iscsi: Optional[Json] = None
    glusterfs: Optional[Json] = None
    persistent_volume_claim: Optional[Json] = None
    rbd: Optional[RBDVolumeSource] = None
    flex_volume: Optional[Json] = None
    cinder: Optional[Json] = None
    cephfs: Optional[Json] = None
    flocker: Optional[Json] = None
    downward_api: Optional[Json] = Field(default=None, alias="downwardAPI")
    fc: Optional[FCVolumeSource] = None
    azure_file: Optional[Json] = None
    config_map: Optional[Json] = None
    vsphere_volume: Optional[Json] = None
    quobyte: Optional[Json] = None
    azure_disk: Optional[Json] = None
    photon_persistent_disk: Optional[Json] = None
    projected: Optional[Json] = None
    portworx_volume: Optional[Json] = None
    scale_io: Optional[ScaleIOVolumeSource] = Field(default=None, alias="scaleIO")
    storageos: Optional[StorageOSVolumeSource] = None
    csi: Optional[Json] = None
    ephemeral: Optional[Json] = None
    image: Optional[Json] = None


# ----------------------------------------------------------------------------- pods

class PodSpec(K8sModel):
    volumes: Optional[list[Volume]] = None
    init_containers: Optional[list[Container]] = None
    containers: list[Container] = Field(default_factory=list)
    ephemeral_containers: Optional[list[Json]] = None
    restart_policy: Optional[str] = None
    termination_grace_period_seconds: Optional[int] = None
    active_deadline_seconds: Optional[int] = None
    dns_policy: Optional[str] = None
    node_selector: Optional[dict[str, str]] = None
    service_account_name: Optional[str] = None
    service_account: Optional[str] = None
    automount_service_account_token: Optional[bool] = None
    node_name: Optional[str] = None
    host_network: Optional[bool] = None
    host_pid: Optional[bool] = None
    host_ipc: Optional[bool] = None
    share_process_namespace: Optional[bool] = None
    security_context: Optional[Json] = None
    image_pull_secrets: Optional[list[Json]] = None
    hostname: Optional[str] = None
    subdomain: Optional[str] = None
    affinity: Optional[Affinity] = None
    scheduler_name: Optional[str] = None
    tolerations: Optional[list[Toleration]] = None
    host_aliases: Optional[list[Json]] = None
    priority_class_name: Optional[str] = None
    priority: Optional[int] = None
    dns_config: Optional[Json] = None
    readiness_gates: Optional[list[Json]] = None
    runtime_class_name: Optional[str] = None
    enable_service_links: Optional[bool] = None
    preemption_policy: Optional[str] = None
    overhead: Optional[dict[str, Union[str, int, float]]] = None
    topology_spread_constraints: Optional[list[TopologySpreadConstraint]] = None
    set_hostname_as_fqdn: Optional[bool] = None
    os: Optional[Json] = None
    host_users: Optional[bool] = None
    scheduling_gates: Optional[list[Json]] = None
    resource_claims: Optional[list[Json]] = None
    resources: Optional[ResourceRequirements] = None


class PodCondition(K8sModel):
    type: str  # PodScheduled, Initialized, ContainersReady, Ready, PodReadyToStartContainers, DisruptionTarget
    status: str
    observed_generation: Optional[int] = None
    last_probe_time: Optional[str] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class ContainerStateWaiting(K8sModel):
    reason: Optional[str] = None
    message: Optional[str] = None


class ContainerStateRunning(K8sModel):
    started_at: Optional[str] = None


class ContainerStateTerminated(K8sModel):
    exit_code: int = 0
    signal: Optional[int] = None
    reason: Optional[str] = None
    message: Optional[str] = None
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    container_id: Optional[str] = None


class ContainerState(K8sModel):
    waiting: Optional[ContainerStateWaiting] = None
    running: Optional[ContainerStateRunning] = None
    terminated: Optional[ContainerStateTerminated] = None


class ContainerStatus(K8sModel):
    name: str
    state: Optional[ContainerState] = None
    last_state: Optional[ContainerState] = None
    ready: bool = False
    restart_count: int = 0
    image: str = ""
    image_id: str = ""
    container_id: Optional[str] = None
    started: Optional[bool] = None


class PodIP(K8sModel):
    ip: str


class PodStatus(K8sModel):
    observed_generation: Optional[int] = None
    phase: Optional[str] = None  # Pending Running Succeeded Failed Unknown
    conditions: Optional[list[PodCondition]] = None
    message: Optional[str] = None
    reason: Optional[str] = None
    nominated_node_name: Optional[str] = None
    host_ip: Optional[str] = None
    host_ips: Optional[list[PodIP]] = None
    pod_ip: Optional[str] = None
    pod_ips: Optional[list[PodIP]] = None
    start_time: Optional[str] = None
    init_container_statuses: Optional[list[ContainerStatus]] = None
    container_statuses: Optional[list[ContainerStatus]] = None
    ephemeral_container_statuses: Optional[list[ContainerStatus]] = None
    qos_class: Optional[str] = None
    resize: Optional[str] = None

    def condition(self, type_: str) -> Optional[PodCondition]:
        for c in self.conditions or ():
            if c.type == type_:
                return c
        return None


class Pod(KubeObject):
    KIND: ClassVar[str] = "Pod"
    RESOURCE: ClassVar[str] = "pods"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("po",)

    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)

    def is_ready(self) -> bool:
        """podutil.IsPodReady (kubelab.api.podutil.is_pod_ready)."""
        from .podutil import is_pod_ready  # podutil builds PodConditions, so it imports this module

        return is_pod_ready(self)


class PodTemplateSpec(K8sModel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec = Field(default_factory=PodSpec)


# ----------------------------------------------------------------------------- namespaces

class NamespaceSpec(K8sModel):
    finalizers: Optional[list[str]] = None


class NamespaceStatus(K8sModel):
    phase: Optional[str] = None  # Active | Terminating
    conditions: Optional[list[Json]] = None


class Namespace(KubeObject):
    KIND: ClassVar[str] = "Namespace"
    RESOURCE: ClassVar[str] = "namespaces"
    NAMESPACED: ClassVar[bool] = False
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("ns",)

    spec: NamespaceSpec = Field(default_factory=NamespaceSpec)
    status: NamespaceStatus = Field(default_factory=NamespaceStatus)


# ----------------------------------------------------------------------------- nodes

class NodeSpec(K8sModel):
    pod_cidr: Optional[str] = None
    pod_cidrs: Optional[list[str]] = None
    provider_id: Optional[str] = None
    unschedulable: Optional[bool] = None
    taints: Optional[list[Taint]] = None
    config_source: Optional[Json] = None
    external_id: Optional[str] = None


class NodeCondition(K8sModel):
    type: str  # Ready MemoryPressure DiskPressure PIDPressure NetworkUnavailable
    status: str
    last_heartbeat_time: Optional[str] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class NodeAddress(K8sModel):
    type: str  # Hostname InternalIP ExternalIP InternalDNS ExternalDNS
    address: str


class NodeSystemInfo(K8sModel):
    machine_id: str = ""
    system_uuid: str = ""
    boot_id: str = ""
    kernel_version: str = ""
    os_image: str = ""
    container_runtime_version: str = ""
    kubelet_version: str = ""
    kube_proxy_version: str = ""
    operating_system: str = "linux"
    architecture: str = "amd64"
    swap: Optional[Json] = None


class ContainerImage(K8sModel):
    names: Optional[list[str]] = None
    size_bytes: Optional[int] = None


class NodeStatus(K8sModel):
    capacity: Optional[dict[str, Union[str, int]]] = None
    allocatable: Optional[dict[str, Union[str, int]]] = None
    phase: Optional[str] = None
    conditions: Optional[list[NodeCondition]] = None
    addresses: Optional[list[NodeAddress]] = None
    daemon_endpoints: Optional[Json] = None
    node_info: Optional[NodeSystemInfo] = None
    images: Optional[list[ContainerImage]] = None
    volumes_in_use: Optional[list[str]] = None
    volumes_attached: Optional[list[Json]] = None
    config: Optional[Json] = None
    runtime_handlers: Optional[list[Json]] = None
    features: Optional[Json] = None

    def condition(self, type_: str) -> Optional[NodeCondition]:
        for c in self.conditions or ():
            if c.type == type_:
                return c
        return None


class Node(KubeObject):
    KIND: ClassVar[str] = "Node"
    RESOURCE: ClassVar[str] = "nodes"
    NAMESPACED: ClassVar[bool] = False
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("no",)

    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)

    def is_ready(self) -> bool:
        c = self.status.condition("Ready")
        return c is not None and c.status == "True"


# ----------------------------------------------------------------------------- services

class ServicePort(K8sModel):
    name: Optional[str] = None
    protocol: Optional[str] = None
    app_protocol: Optional[str] = None
    port: int
    target_port: Optional[IntOrString] = None
    node_port: Optional[int] = None


class ServiceSpec(K8sModel):
    ports: Optional[list[ServicePort]] = None
    selector: Optional[dict[str, str]] = None
    cluster_ip: Optional[str] = None
    cluster_ips: Optional[list[str]] = None
    type: Optional[str] = None  # ClusterIP NodePort LoadBalancer ExternalName
    external_ips: Optional[list[str]] = None
    session_affinity: Optional[str] = None
    load_balancer_ip: Optional[str] = None
    load_balancer_source_ranges: Optional[list[str]] = None
    external_name: Optional[str] = None
    external_traffic_policy: Optional[str] = None
    health_check_node_port: Optional[int] = None
    publish_not_ready_addresses: Optional[bool] = None
    session_affinity_config: Optional[Json] = None
    ip_families: Optional[list[str]] = None
    ip_family_policy: Optional[str] = None
    allocate_load_balancer_node_ports: Optional[bool] = None
    load_balancer_class: Optional[str] = None
    internal_traffic_policy: Optional[str] = None
    traffic_distribution: Optional[str] = None


class LoadBalancerIngress(K8sModel):
    ip: Optional[str] = None
    hostname: Optional[str] = None
    ip_mode: Optional[str] = None
    ports: Optional[list[Json]] = None


class LoadBalancerStatus(K8sModel):
    ingress: Optional[list[LoadBalancerIngress]] = None


class ServiceStatus(K8sModel):
    # a struct, not a pointer, in Go (core/v1 types.go): omitempty cannot drop it, so every
    # Service shows `status: {loadBalancer: {}}`
    load_balancer: Optional[LoadBalancerStatus] = Field(default_factory=LoadBalancerStatus)
    conditions: Optional[list[Json]] = None


class Service(KubeObject):
    KIND: ClassVar[str] = "Service"
    RESOURCE: ClassVar[str] = "services"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("svc",)

    spec: ServiceSpec = Field(default_factory=ServiceSpec)
    status: ServiceStatus = Field(default_factory=ServiceStatus)


class ObjectReference(K8sModel):
    kind: Optional[str] = None
    namespace: Optional[str] = None
    name: Optional[str] = None
    uid: Optional[str] = None
    api_version: Optional[str] = None
    resource_version: Optional[str] = None
    field_path: Optional[str] = None


class EndpointAddress(K8sModel):
    ip: str
    hostname: Optional[str] = None
    node_name: Optional[str] = None
    target_ref: Optional[ObjectReference] = None


class EndpointPort(K8sModel):
    name: Optional[str] = None
    port: int
    protocol: Optional[str] = None
    app_protocol: Optional[str] = None


class EndpointSubset(K8sModel):
    addresses: Optional[list[EndpointAddress]] = None
    not_ready_addresses: Optional[list[EndpointAddress]] = None
    ports: Optional[list[EndpointPort]] = None


class Endpoints(KubeObject):
    KIND: ClassVar[str] = "Endpoints"
    RESOURCE: ClassVar[str] = "endpoints"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("ep",)

    subsets: Optional[list[EndpointSubset]] = None


# ----------------------------------------------------------------------------- config

class ConfigMap(KubeObject):
    KIND: ClassVar[str] = "ConfigMap"
    RESOURCE: ClassVar[str] = "configmaps"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("cm",)

    data: Optional[dict[str, str]] = None
    binary_data: Optional[dict[str, str]] = None
    immutable: Optional[bool] = None


class Secret(KubeObject):
    KIND: ClassVar[str] = "Secret"
    RESOURCE: ClassVar[str] = "secrets"

    data: Optional[dict[str, str]] = None  # base64
    string_data: Optional[dict[str, str]] = None  # write-only: merged into data on write
    type: Optional[str] = None
    immutable: Optional[bool] = None


class ServiceAccount(KubeObject):
    KIND: ClassVar[str] = "ServiceAccount"
    RESOURCE: ClassVar[str] = "serviceaccounts"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("sa",)

    secrets: Optional[list[ObjectReference]] = None
    image_pull_secrets: Optional[list[Json]] = None
    automount_service_account_token: Optional[bool] = None


class ComponentCondition(K8sModel):
    type: str = "Healthy"
    status: str = "Unknown"  # True | False | Unknown
    message: Optional[str] = None
    error: Optional[str] = None


class ComponentStatus(KubeObject):
    """core/v1 ComponentStatus (deprecated in v1.19): computed by the API server on each read,
    never stored (pkg/registry/core/componentstatus)."""

    KIND: ClassVar[str] = "ComponentStatus"
    RESOURCE: ClassVar[str] = "componentstatuses"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("cs",)
    NAMESPACED: ClassVar[bool] = False

    conditions: Optional[list[ComponentCondition]] = None
# ----------------------------------------------------------------------------- policy
# LimitRange and ResourceQuota (k8s.io/api/core/v1/types.go): enforced by the LimitRanger and
# ResourceQuota admission plugins, ResourceQuota's status kept by the resource quota controller.

Quantities = Optional[dict[str, Union[str, int, float]]]


class LimitRangeItem(K8sModel):
    type: str = ""  # Pod | Container | PersistentVolumeClaim
    max: Quantities = None
    min: Quantities = None
    default: Quantities = None
    default_request: Quantities = None
    max_limit_request_ratio: Quantities = None


class LimitRangeSpec(K8sModel):
    limits: list[LimitRangeItem] = Field(default_factory=list)


class LimitRange(KubeObject):
    KIND: ClassVar[str] = "LimitRange"
    RESOURCE: ClassVar[str] = "limitranges"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("limits",)

    spec: LimitRangeSpec = Field(default_factory=LimitRangeSpec)


class ResourceQuotaSpec(K8sModel):
    hard: Quantities = None
    scopes: Optional[list[str]] = None
    scope_selector: Optional[Json] = None


class ResourceQuotaStatus(K8sModel):
    hard: Quantities = None
    used: Quantities = None


class ResourceQuota(KubeObject):
    KIND: ClassVar[str] = "ResourceQuota"
    RESOURCE: ClassVar[str] = "resourcequotas"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("quota",)

    spec: ResourceQuotaSpec = Field(default_factory=ResourceQuotaSpec)
    status: ResourceQuotaStatus = Field(default_factory=ResourceQuotaStatus)


# ----------------------------------------------------------------------------- events

class EventSource(K8sModel):
    component: Optional[str] = None
    host: Optional[str] = None


class Event(KubeObject):
    """core/v1 Event, as `kubectl describe` and `kubectl get events` show them."""

    KIND: ClassVar[str] = "Event"
    RESOURCE: ClassVar[str] = "events"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("ev",)

    involved_object: ObjectReference = Field(default_factory=ObjectReference)
    reason: Optional[str] = None
    message: Optional[str] = None
    source: Optional[EventSource] = None
    first_timestamp: Optional[str] = None
    last_timestamp: Optional[str] = None
    count: Optional[int] = None
    type: Optional[str] = None  # Normal | Warning
    event_time: Optional[str] = None
    series: Optional[Json] = None
    action: Optional[str] = None
    related: Optional[ObjectReference] = None
    reporting_component: Optional[str] = None
    reporting_instance: Optional[str] = None

    def last_seen(self) -> str:
        """When it was last seen, as kubectl's printEvent reads it: the series' lastObservedTime,
        else lastTimestamp, else eventTime (an events.k8s.io recorder writes no lastTimestamp)."""
        if isinstance(self.series, dict) and self.series.get("lastObservedTime"):
            return self.series["lastObservedTime"]
        return self.last_timestamp or self.event_time or ""

    def last_seen_key(self) -> tuple:
        """A sort key, oldest first (a MicroTime and a Time of the same second compare as times)."""
        from .base import parse_time

        seen = self.last_seen()
        return (parse_time(seen) if seen else float("-inf"), self.metadata.name or "")


# ----------------------------------------------------------------------------- storage
# PersistentVolume and PersistentVolumeClaim (k8s.io/api/core/v1/types.go). The volume
# sources a PV can carry stay plain data: kubelab's provisioners fill ``local`` (node-local
# disks) and ``csi`` (zonal cloud disks); the rest survive a round trip.

class VolumeNodeAffinity(K8sModel):
    required: Optional[NodeSelector] = None


class PersistentVolumeSpec(K8sModel):
    capacity: Optional[dict[str, Union[str, int, float]]] = None
    access_modes: Optional[list[str]] = None
    claim_ref: Optional["ObjectReference"] = None
    persistent_volume_reclaim_policy: Optional[str] = None  # Retain (default for static PVs) | Delete | Recycle
    storage_class_name: Optional[str] = None
    mount_options: Optional[list[str]] = None
    volume_mode: Optional[str] = None  # Filesystem | Block
    node_affinity: Optional[VolumeNodeAffinity] = None
    volume_attributes_class_name: Optional[str] = None
    host_path: Optional[Json] = None
    local: Optional[Json] = None
    csi: Optional[Json] = None
    nfs: Optional[Json] = None
    iscsi: Optional[Json] = None
    fc: Optional[Json] = None
    gce_persistent_disk: Optional[Json] = None
    aws_elastic_block_store: Optional[Json] = None
    azure_disk: Optional[Json] = None
    cephfs: Optional[Json] = None
    rbd: Optional[Json] = None


class PersistentVolumeStatus(K8sModel):
    phase: Optional[str] = None  # Pending | Available | Bound | Released | Failed
    message: Optional[str] = None
    reason: Optional[str] = None
    last_phase_transition_time: Optional[str] = None


class PersistentVolume(KubeObject):
    KIND: ClassVar[str] = "PersistentVolume"
    RESOURCE: ClassVar[str] = "persistentvolumes"
    NAMESPACED: ClassVar[bool] = False
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("pv",)

    spec: PersistentVolumeSpec = Field(default_factory=PersistentVolumeSpec)
    status: PersistentVolumeStatus = Field(default_factory=PersistentVolumeStatus)


class VolumeResourceRequirements(K8sModel):
    limits: Optional[dict[str, Union[str, int, float]]] = None
    requests: Optional[dict[str, Union[str, int, float]]] = None


class PersistentVolumeClaimSpec(K8sModel):
    access_modes: Optional[list[str]] = None
    selector: Optional[LabelSelector] = None
    resources: Optional[VolumeResourceRequirements] = None
    volume_name: Optional[str] = None
    storage_class_name: Optional[str] = None
    volume_mode: Optional[str] = None
    data_source: Optional[Json] = None
    data_source_ref: Optional[Json] = None
    volume_attributes_class_name: Optional[str] = None


class PersistentVolumeClaimStatus(K8sModel):
    phase: Optional[str] = None  # Pending | Bound | Lost
    access_modes: Optional[list[str]] = None
    capacity: Optional[dict[str, Union[str, int, float]]] = None
    conditions: Optional[list[Json]] = None
    allocated_resources: Optional[dict[str, Union[str, int, float]]] = None
    allocated_resource_statuses: Optional[dict[str, str]] = None
    current_volume_attributes_class_name: Optional[str] = None
    modify_volume_status: Optional[Json] = None


class PersistentVolumeClaim(KubeObject):
    KIND: ClassVar[str] = "PersistentVolumeClaim"
    RESOURCE: ClassVar[str] = "persistentvolumeclaims"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("pvc",)

    spec: PersistentVolumeClaimSpec = Field(default_factory=PersistentVolumeClaimSpec)
    status: PersistentVolumeClaimStatus = Field(default_factory=PersistentVolumeClaimStatus)


PersistentVolumeSpec.model_rebuild()
