"""API validation, mirroring the Kubernetes apiserver's.

- ``names``: apimachinery's name/label/metadata checks (util/validation,
  api/validation/objectmeta.go, apis/meta/v1/validation).
- ``core``, ``apps``, ``batch``: per-kind validation as in
  ``pkg/apis/{core,apps,batch}/validation/validation.go``.

``validate_object(obj)`` / ``validate_object_update(new, old, subresource)``
pick the right validator by kind and return a list of FieldErrors (the
registry turns them into ``errors.new_invalid``).  Both first run
``core.check_decode``, which *raises* the 400 BadRequest the real server
answers when a quantity does not decode (``cpu: abc``).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..field import ErrorList
from .names import *  # noqa: F401,F403
from .names import __all__ as _names_all
from . import apps as _apps
from .flowcontrol import (
    validate_flow_schema,
    validate_flow_schema_update,
    validate_priority_level_configuration,
    validate_priority_level_configuration_update,
)
from .autoscaling import validate_horizontal_pod_autoscaler, validate_horizontal_pod_autoscaler_update
from . import batch as _batch
from . import core as _core
from .apps import (
    validate_daemon_set,
    validate_daemon_set_update,
    validate_deployment,
    validate_deployment_update,
    validate_replica_set,
    validate_replica_set_update,
    validate_stateful_set,
    validate_stateful_set_update,
)
from .scheduling import validate_priority_class, validate_priority_class_update
from .storage import (
    validate_persistent_volume,
    validate_persistent_volume_claim,
    validate_persistent_volume_claim_update,
    validate_persistent_volume_update,
    validate_storage_class,
    validate_storage_class_update,
)
from .batch import validate_cron_job, validate_cron_job_update, validate_job, validate_job_update
from .core import (
    check_decode,
    validate_config_map,
    validate_config_map_update,
    validate_limit_range,
    validate_namespace,
    validate_node,
    validate_pod,
    validate_pod_spec,
    validate_pod_template_spec,
    validate_pod_update,
    validate_resource_quota,
    validate_resource_quota_update,
    validate_secret,
    validate_secret_update,
    validate_service,
    validate_service_update,
)

_CREATE: dict[str, Callable[[Any], ErrorList]] = {
    "Pod": validate_pod,
    "Node": validate_node,
    "Service": validate_service,
    "ConfigMap": validate_config_map,
    "Secret": validate_secret,
    "Namespace": validate_namespace,
    "Deployment": validate_deployment,
    "ReplicaSet": validate_replica_set,
    "DaemonSet": validate_daemon_set,
    "StatefulSet": validate_stateful_set,
    "Job": validate_job,
    "CronJob": validate_cron_job,
    "HorizontalPodAutoscaler": validate_horizontal_pod_autoscaler,
    "PriorityClass": validate_priority_class,
    "PersistentVolume": validate_persistent_volume,
    "PersistentVolumeClaim": validate_persistent_volume_claim,
    "StorageClass": validate_storage_class,
    "LimitRange": validate_limit_range,
    "ResourceQuota": validate_resource_quota,
    "FlowSchema": validate_flow_schema,
    "PriorityLevelConfiguration": validate_priority_level_configuration,
}

_UPDATE: dict[str, Callable[[Any, Any], ErrorList]] = {
    "Pod": validate_pod_update,
    "Service": validate_service_update,
    "ConfigMap": validate_config_map_update,
    "Secret": validate_secret_update,
    "Deployment": validate_deployment_update,
    "ReplicaSet": validate_replica_set_update,
    "DaemonSet": validate_daemon_set_update,
    "StatefulSet": validate_stateful_set_update,
    "Job": validate_job_update,
    "CronJob": validate_cron_job_update,
    "PriorityClass": validate_priority_class_update,
    "HorizontalPodAutoscaler": validate_horizontal_pod_autoscaler_update,
    "PersistentVolume": validate_persistent_volume_update,
    "PersistentVolumeClaim": validate_persistent_volume_claim_update,
    "StorageClass": validate_storage_class_update,
    "ResourceQuota": validate_resource_quota_update,
    "FlowSchema": validate_flow_schema_update,
    "PriorityLevelConfiguration": validate_priority_level_configuration_update,
}


def _kind(obj: Any) -> str:
    return getattr(type(obj), "KIND", "") or getattr(obj, "kind", "") or ""


def validate_object(obj: Any) -> ErrorList:
    """The create-time validation for ``obj``'s kind (empty for kinds not covered)."""
    check_decode(obj)
    fn = _CREATE.get(_kind(obj))
    if fn is None:
        return ErrorList()
    return ErrorList(fn(obj))


def validate_object_update(new: Any, old: Any, subresource: Optional[str] = None) -> ErrorList:
    """The update-time validation.  Status (and other subresource) writes only
    get the decode check.  As the generic registry does for an unconditional
    update, a missing resourceVersion is taken from the stored object first."""
    check_decode(new)
    if subresource and subresource != "scale":  # a /scale write is validated as the object (ScaleREST)
        return ErrorList()
    kind = _kind(new)
    if not getattr(new.metadata, "resource_version", None) and getattr(old.metadata, "resource_version", None):
        new = new.copy_deep()
        new.metadata.resource_version = old.metadata.resource_version
    fn = _UPDATE.get(kind)
    if fn is not None:
        return ErrorList(fn(new, old))
    create = _CREATE.get(kind)
    errs = ErrorList(validate_object_meta_update(new.metadata, old.metadata, _meta_path()))
    if create is not None:
        # kinds whose update rules are their create rules (Node, Namespace, CronJob)
        errs.extend(e for e in create(new) if e.field != "metadata.namespace")
    return errs


def _meta_path():
    from ..field import new_path
    return new_path("metadata")


__all__ = list(_names_all) + [
    "check_decode",
    "validate_config_map",
    "validate_config_map_update",
    "validate_cron_job",
    "validate_daemon_set",
    "validate_daemon_set_update",
    "validate_deployment",
    "validate_deployment_update",
    "validate_job",
    "validate_job_update",
    "validate_namespace",
    "validate_node",
    "validate_object",
    "validate_object_update",
    "validate_pod",
    "validate_pod_spec",
    "validate_pod_template_spec",
    "validate_pod_update",
    "validate_replica_set",
    "validate_replica_set_update",
    "validate_secret",
    "validate_secret_update",
    "validate_service",
    "validate_service_update",
    "validate_stateful_set",
    "validate_stateful_set_update",
]
