"""The apps/v1 API group: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from pydantic import Field

from .base import IntOrString, K8sModel
from .core import PodTemplateSpec
from .meta import KubeObject, LabelSelector

Json = dict[str, Any]


class RollingUpdateDeployment(K8sModel):
    max_unavailable: Optional[IntOrString] = None
    max_surge: Optional[IntOrString] = None


class DeploymentStrategy(K8sModel):
    type: Optional[str] = None  # RollingUpdate | Recreate
    rolling_update: Optional[RollingUpdateDeployment] = None


class DeploymentSpec(K8sModel):
    replicas: Optional[int] = None
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    strategy: Optional[DeploymentStrategy] = None
    min_ready_seconds: Optional[int] = None
    revision_history_limit: Optional[int] = None
    paused: Optional[bool] = None
    progress_deadline_seconds: Optional[int] = None


class DeploymentCondition(K8sModel):
    type: str  # Available Progressing ReplicaFailure
    status: str
    last_update_time: Optional[str] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class DeploymentStatus(K8sModel):
    observed_generation: Optional[int] = None
    replicas: Optional[int] = None
    updated_replicas: Optional[int] = None
    ready_replicas: Optional[int] = None
    available_replicas: Optional[int] = None
    unavailable_replicas: Optional[int] = None
    terminating_replicas: Optional[int] = None
    conditions: Optional[list[DeploymentCondition]] = None
    collision_count: Optional[int] = None


class Deployment(KubeObject):
    GROUP: ClassVar[str] = "apps"
    KIND: ClassVar[str] = "Deployment"
    RESOURCE: ClassVar[str] = "deployments"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("deploy",)

    spec: DeploymentSpec = Field(default_factory=DeploymentSpec)
    status: DeploymentStatus = Field(default_factory=DeploymentStatus)


class ReplicaSetSpec(K8sModel):
    replicas: Optional[int] = None
    min_ready_seconds: Optional[int] = None
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)


class ReplicaSetCondition(K8sModel):
    type: str
    status: str
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class ReplicaSetStatus(K8sModel):
    replicas: int = 0
    fully_labeled_replicas: Optional[int] = None
    ready_replicas: Optional[int] = None
    available_replicas: Optional[int] = None
    terminating_replicas: Optional[int] = None
    observed_generation: Optional[int] = None
    conditions: Optional[list[ReplicaSetCondition]] = None


class ReplicaSet(KubeObject):
    GROUP: ClassVar[str] = "apps"
    KIND: ClassVar[str] = "ReplicaSet"
    RESOURCE: ClassVar[str] = "replicasets"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("rs",)

    spec: ReplicaSetSpec = Field(default_factory=ReplicaSetSpec)
    status: ReplicaSetStatus = Field(default_factory=ReplicaSetStatus)


class RollingUpdateDaemonSet(K8sModel):
    max_unavailable: Optional[IntOrString] = None
    max_surge: Optional[IntOrString] = None


class DaemonSetUpdateStrategy(K8sModel):
    type: Optional[str] = None  # RollingUpdate | OnDelete
    rolling_update: Optional[RollingUpdateDaemonSet] = None


class DaemonSetSpec(K8sModel):
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    update_strategy: Optional[DaemonSetUpdateStrategy] = None
    min_ready_seconds: Optional[int] = None
    revision_history_limit: Optional[int] = None


class DaemonSetStatus(K8sModel):
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    desired_number_scheduled: int = 0
    number_ready: int = 0
    observed_generation: Optional[int] = None
    updated_number_scheduled: Optional[int] = None
    number_available: Optional[int] = None
    number_unavailable: Optional[int] = None
    collision_count: Optional[int] = None
    conditions: Optional[list[Json]] = None


class DaemonSet(KubeObject):
    GROUP: ClassVar[str] = "apps"
    KIND: ClassVar[str] = "DaemonSet"
    RESOURCE: ClassVar[str] = "daemonsets"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("ds",)

    spec: DaemonSetSpec = Field(default_factory=DaemonSetSpec)
    status: DaemonSetStatus = Field(default_factory=DaemonSetStatus)


class RollingUpdateStatefulSetStrategy(K8sModel):
    partition: Optional[int] = None
    max_unavailable: Optional[IntOrString] = None


class StatefulSetUpdateStrategy(K8sModel):
    type: Optional[str] = None  # RollingUpdate | OnDelete
    rolling_update: Optional[RollingUpdateStatefulSetStrategy] = None


class StatefulSetSpec(K8sModel):
    replicas: Optional[int] = None
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    volume_claim_templates: Optional[list[Json]] = None
    service_name: Optional[str] = None
    pod_management_policy: Optional[str] = None  # OrderedReady | Parallel
    update_strategy: Optional[StatefulSetUpdateStrategy] = None
    revision_history_limit: Optional[int] = None
    min_ready_seconds: Optional[int] = None
    persistent_volume_claim_retention_policy: Optional[Json] = None
    ordinals: Optional[Json] = None


class StatefulSetStatus(K8sModel):
    observed_generation: Optional[int] = None
    replicas: int = 0
    ready_replicas: Optional[int] = None
    current_replicas: Optional[int] = None
    updated_replicas: Optional[int] = None
    current_revision: Optional[str] = None
    update_revision: Optional[str] = None
    collision_count: Optional[int] = None
    conditions: Optional[list[Json]] = None
    available_replicas: Optional[int] = None


class StatefulSet(KubeObject):
    GROUP: ClassVar[str] = "apps"
    KIND: ClassVar[str] = "StatefulSet"
    RESOURCE: ClassVar[str] = "statefulsets"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("sts",)

    spec: StatefulSetSpec = Field(default_factory=StatefulSetSpec)
    status: StatefulSetStatus = Field(default_factory=StatefulSetStatus)


class ControllerRevision(KubeObject):
    GROUP: ClassVar[str] = "apps"
    KIND: ClassVar[str] = "ControllerRevision"
    RESOURCE: ClassVar[str] = "controllerrevisions"

    data: Optional[Json] = None
    revision: int = 0
