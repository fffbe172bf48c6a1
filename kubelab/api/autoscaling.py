"""autoscaling/v2 HorizontalPodAutoscaler (k8s.io/api/autoscaling/v2/types.go) and the
metrics.k8s.io/v1beta1 PodMetrics / NodeMetrics that metrics-server serves through the
aggregation layer (k8s.io/metrics/pkg/apis/metrics/v1beta1). Metrics objects are never
stored: the API server hands their requests to the registered APIService backend."""

from __future__ import annotations

from typing import Any, ClassVar, Optional, Union

from pydantic import Field

from .base import K8sModel
from .meta import KubeObject

Json = dict[str, Any]
Quantity = Union[str, int, float]


class CrossVersionObjectReference(K8sModel):
    kind: str = ""
    name: str = ""
    api_version: Optional[str] = None


class MetricTarget(K8sModel):
    type: str = ""  # Utilization | Value | AverageValue
    value: Optional[Quantity] = None
    average_value: Optional[Quantity] = None
    average_utilization: Optional[int] = None


class ResourceMetricSource(K8sModel):
    name: str = ""
    target: MetricTarget = Field(default_factory=MetricTarget)


class MetricSpec(K8sModel):
    type: str = ""  # Resource | Pods | Object | External | ContainerResource
    resource: Optional[ResourceMetricSource] = None
    container_resource: Optional[Json] = None
    pods: Optional[Json] = None
    object: Optional[Json] = None
    external: Optional[Json] = None


class HPAScalingPolicy(K8sModel):
    type: str = ""  # Pods | Percent
    value: int = 0
    period_seconds: int = 0


class HPAScalingRules(K8sModel):
    stabilization_window_seconds: Optional[int] = None
    select_policy: Optional[str] = None  # Max | Min | Disabled
    policies: Optional[list[HPAScalingPolicy]] = None
    tolerance: Optional[Quantity] = None


class HorizontalPodAutoscalerBehavior(K8sModel):
    scale_up: Optional[HPAScalingRules] = None
    scale_down: Optional[HPAScalingRules] = None


class HorizontalPodAutoscalerSpec(K8sModel):
    scale_target_ref: CrossVersionObjectReference = Field(default_factory=CrossVersionObjectReference)
    min_replicas: Optional[int] = None
    max_replicas: int = 0
    metrics: Optional[list[MetricSpec]] = None
    behavior: Optional[HorizontalPodAutoscalerBehavior] = None


class MetricValueStatus(K8sModel):
    value: Optional[Quantity] = None
    average_value: Optional[Quantity] = None
    average_utilization: Optional[int] = None


class ResourceMetricStatus(K8sModel):
    name: str = ""
    current: MetricValueStatus = Field(default_factory=MetricValueStatus)


class MetricStatus(K8sModel):
    type: str = ""
    resource: Optional[ResourceMetricStatus] = None
    container_resource: Optional[Json] = None
    pods: Optional[Json] = None
    object: Optional[Json] = None
    external: Optional[Json] = None


class HorizontalPodAutoscalerCondition(K8sModel):
    type: str  # AbleToScale | ScalingActive | ScalingLimited
    status: str
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class HorizontalPodAutoscalerStatus(K8sModel):
    observed_generation: Optional[int] = None
    last_scale_time: Optional[str] = None
    current_replicas: Optional[int] = None
    desired_replicas: int = 0
    current_metrics: Optional[list[MetricStatus]] = None
    conditions: Optional[list[HorizontalPodAutoscalerCondition]] = None


class HorizontalPodAutoscaler(KubeObject):
    GROUP: ClassVar[str] = "autoscaling"
    VERSION: ClassVar[str] = "v2"
    KIND: ClassVar[str] = "HorizontalPodAutoscaler"
    RESOURCE: ClassVar[str] = "horizontalpodautoscalers"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("hpa",)

    spec: HorizontalPodAutoscalerSpec = Field(default_factory=HorizontalPodAutoscalerSpec)
    status: HorizontalPodAutoscalerStatus = Field(default_factory=HorizontalPodAutoscalerStatus)


class ContainerMetrics(K8sModel):
    name: str = ""
    usage: dict[str, Quantity] = Field(default_factory=dict)


class PodMetrics(KubeObject):
    """metrics.k8s.io/v1beta1 PodMetrics: what metrics-server measured for one pod."""

    GROUP: ClassVar[str] = "metrics.k8s.io"
    VERSION: ClassVar[str] = "v1beta1"
    KIND: ClassVar[str] = "PodMetrics"
    RESOURCE: ClassVar[str] = "pods"

    timestamp: Optional[str] = None
    window: Optional[str] = None
    containers: list[ContainerMetrics] = Field(default_factory=list)


class NodeMetrics(KubeObject):
    GROUP: ClassVar[str] = "metrics.k8s.io"
    VERSION: ClassVar[str] = "v1beta1"
    KIND: ClassVar[str] = "NodeMetrics"
    RESOURCE: ClassVar[str] = "nodes"
    NAMESPACED: ClassVar[bool] = False

    timestamp: Optional[str] = None
    window: Optional[str] = None
    usage: dict[str, Quantity] = Field(default_factory=dict)
