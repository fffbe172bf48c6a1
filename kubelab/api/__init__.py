"""The object model: pydantic models shaped like the Kubernetes API, quantities,
selectors, validation, defaulting and API errors."""

from .apps import ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet
from .batch import CronJob, Job
from .coordination import EndpointSlice, Lease, PodDisruptionBudget, PriorityClass
from .core import (
    ConfigMap,
    Container,
    Endpoints,
    Event,
    LimitRange,
    Namespace,
    Node,
    Pod,
    PodSpec,
    PodTemplateSpec,
    ResourceQuota,
    Secret,
    Service,
    ServiceAccount,
    Taint,
    Toleration,
)
from .labels import Selector, parse_field_selector, parse_selector
from .meta import KubeObject, LabelSelector, ObjectMeta, OwnerReference
from .scheme import KINDS, DecodeError, decode, kind_by_name

__all__ = [
    "ConfigMap", "Container", "ControllerRevision", "CronJob", "DaemonSet", "DecodeError", "Deployment",
    "EndpointSlice", "Endpoints", "Event", "Job", "KINDS", "KubeObject", "LabelSelector", "Lease", "LimitRange",
    "Namespace", "Node", "ObjectMeta", "OwnerReference", "Pod", "PodDisruptionBudget", "PodSpec",
    "PodTemplateSpec", "PriorityClass", "ReplicaSet", "ResourceQuota", "Secret", "Selector", "Service", "ServiceAccount",
    "StatefulSet", "Taint", "Toleration", "decode", "kind_by_name", "parse_field_selector", "parse_selector",
]
