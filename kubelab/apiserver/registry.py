"""Per-resource strategies (pkg/registry/<group>/<resource>/strategy.go): what the server
owns on create and update, generations, status subresources, graceful deletion, validation."""

from __future__ import annotations

from typing import Optional

from kubelab.api import errors
from kubelab.api.meta import KubeObject
from kubelab.api.podutil import get_pod_qos

# Kinds whose status is written only through /status (the main resource keeps the old one).
STATUS_SUBRESOURCE = {"HorizontalPodAutoscaler", "Pod", "Node", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job",
                      "CronJob", "Service", "Namespace", "PodDisruptionBudget", "ResourceQuota",
                      "FlowSchema", "PriorityLevelConfiguration"}
# Kinds whose metadata.generation counts spec changes.
GENERATION = {"HorizontalPodAutoscaler", "Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob",
              "PodDisruptionBudget", "Namespace", "Service", "Node", "PriorityClass",
              "FlowSchema", "PriorityLevelConfiguration"}
_EMPTY_STATUS_ON_CREATE = {"HorizontalPodAutoscaler", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob",
                           "PodDisruptionBudget", "Service", "ResourceQuota", "FlowSchema",
                           "PriorityLevelConfiguration"}


def prepare_for_create(obj: KubeObject, now: float) -> None:
    kind = obj.KIND
    if kind in GENERATION:
        obj.metadata.generation = 1
    if kind in _EMPTY_STATUS_ON_CREATE:
        obj.status = type(obj.status)()
    if kind == "Pod":
        # podStrategy.PrepareForCreate: status starts as Pending with the QoS class
        obj.status = type(obj.status)(phase="Pending", qos_class=get_pod_qos(obj))
    if kind == "Namespace":
        # namespaceStrategy.PrepareForCreate: Active, and the "kubernetes" finalizer that
        # makes deletion wait for the namespace controller
        obj.status.phase = "Active"
        finalizers = list(obj.spec.finalizers or [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        obj.spec.finalizers = finalizers
    if kind == "Job":
        _generate_job_selector(obj)
        # pkg/apis/batch/v1/defaults.go SetDefaults_Job: a Job without labels takes its template's.
        # Upstream stores it without and defaults on every read (the selector's labels exist by
        # then); kubelab stores the defaulted object, which every reader sees the same.
        if not obj.metadata.labels and obj.spec.template.metadata.labels:
            obj.metadata.labels = dict(obj.spec.template.metadata.labels)
    if kind == "DaemonSet":
        _set_template_generation(obj, None)


def _generate_job_selector(job) -> None:
    """pkg/registry/batch/job/strategy.go generateSelectorIfNeeded: unless the user asked
    for a manual selector, the Job selects its pods by its own uid."""
    from kubelab.api.meta import LabelSelector

    if job.spec.manual_selector:
        return
    # Go's zero values: a Job without a name still gets its selector, then validation
    # refuses it (metadata.name: Required value)
    uid, name = job.metadata.uid or "", job.metadata.name or ""
    labels = dict(job.spec.template.metadata.labels or {})
    labels.update({"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
                   "batch.kubernetes.io/job-name": name, "job-name": name})
    job.spec.template.metadata.labels = labels
    job.spec.selector = LabelSelector(match_labels={"batch.kubernetes.io/controller-uid": uid})


def _spec_of(obj: KubeObject):
    return getattr(obj, "spec", None)


def prepare_for_update(new: KubeObject, old: KubeObject, subresource: Optional[str]) -> None:
    kind = new.KIND
    if kind == "Namespace":
        # namespaceStrategy: spec.finalizers change only through /finalize, and only they do
        if subresource == "finalize":
            finalizers = new.spec.finalizers
            new.spec = old.spec.copy_deep()
            new.spec.finalizers = finalizers
            new.status = old.status.copy_deep()
            _keep_metadata(new, old)
            return
        new.spec.finalizers = _copy_list(old.spec.finalizers)
    if subresource == "scale":
        # the scale REST (e.g. pkg/registry/apps/deployment/storage ScaleREST.Update): only
        # spec.replicas changes through /scale; kubelab serves the object itself, not a Scale
        replicas = new.spec.replicas
        new.spec = old.spec.copy_deep()
        new.spec.replicas = replicas
        if hasattr(old, "status"):
            new.status = old.status.copy_deep()
        gen = old.metadata.generation or 1
        _keep_metadata(new, old)
        new.metadata.generation = gen + (1 if replicas != old.spec.replicas else 0)
        return
    if subresource == "status":
        # statusStrategy.PrepareForUpdate: only status changes through /status
        if _spec_of(old) is not None:
            new.spec = old.spec.copy_deep()
        _keep_metadata(new, old)
        return
    if kind in STATUS_SUBRESOURCE and hasattr(old, "status"):
        new.status = old.status.copy_deep()
    if kind in GENERATION:
        gen = old.metadata.generation or 1
        if _spec_of(new) is not None and new.spec != old.spec:
            gen += 1
        new.metadata.generation = gen
    if kind == "DaemonSet":
        _set_template_generation(new, old)


# apps/v1 DeprecatedTemplateGeneration: the internal spec.templateGeneration, carried in
# apps/v1 as this annotation (pkg/apis/apps/v1/conversion.go)
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"


def _template_generation(obj: KubeObject) -> int:
    try:
        return int((obj.metadata.annotations or {}).get(TEMPLATE_GENERATION_ANNOTATION, "0"))
    except ValueError:
        return 0


def _set_template_generation(new: KubeObject, old: Optional[KubeObject]) -> None:
    """daemonSetStrategy (pkg/registry/apps/daemonset/strategy.go): templateGeneration starts
    at 1 and counts template changes; an update cannot set it."""
    if old is None:
        gen = max(_template_generation(new), 1)
    else:
        gen = _template_generation(old) or 1
        if new.spec.template != old.spec.template:
            gen += 1
    new.metadata.annotations = dict(new.metadata.annotations or {}, **{TEMPLATE_GENERATION_ANNOTATION: str(gen)})


def _keep_metadata(new: KubeObject, old: KubeObject) -> None:
    """A subresource write changes no metadata the user owns (in place: callers hold it).
    ``old`` may be the watch cache's object (shared, never changed): ``new`` gets copies."""
    m, om = new.metadata, old.metadata
    m.labels, m.annotations = _copy_dict(om.labels), _copy_dict(om.annotations)
    m.owner_references = None if om.owner_references is None else [r.copy_deep() for r in om.owner_references]
    m.finalizers, m.generation = _copy_list(om.finalizers), om.generation


def _copy_dict(d: Optional[dict]) -> Optional[dict]:
    return None if d is None else dict(d)  # labels, annotations: strings to strings


def _copy_list(v: Optional[list]) -> Optional[list]:
    return None if v is None else list(v)  # finalizers: strings


def graceful_deletion_seconds(obj: KubeObject, requested: Optional[int]) -> Optional[int]:
    """podStrategy.CheckGracefulDeleteable: how long a delete waits (None: not graceful)."""
    if obj.KIND != "Pod":
        return None
    if requested is not None:
        grace = requested
    else:
        grace = obj.spec.termination_grace_period_seconds
        grace = 30 if grace is None else grace
    # an unscheduled or finished pod goes at once
    if not obj.spec.node_name or obj.status.phase in ("Failed", "Succeeded"):
        return 0
    if obj.metadata.deletion_grace_period_seconds is not None:
        grace = min(grace, obj.metadata.deletion_grace_period_seconds)
    return grace


_VALIDATION: list = []  # the validation module, imported once (an import statement per write costs)


def _validators():
    if _VALIDATION:
        return _VALIDATION[0]
    try:
        from kubelab.api import validation
    except ImportError:  # pragma: no cover
        return None
    _VALIDATION.append(validation)
    return validation


def validate_create(obj: KubeObject) -> None:
    v = _validators()
    errs = v.validate_object(obj) if v is not None and hasattr(v, "validate_object") else []
    if errs:
        raise errors.new_invalid(obj.group_kind(), obj.metadata.name or "", errs)


def validate_update(new: KubeObject, old: KubeObject, subresource: Optional[str]) -> None:
    v = _validators()
    if v is None:
        return
    if hasattr(v, "validate_object_update"):
        errs = v.validate_object_update(new, old, subresource)
    elif hasattr(v, "validate_object"):
        errs = v.validate_object(new)
    else:
        errs = []
    if errs:
        raise errors.new_invalid(new.group_kind(), new.metadata.name or "", errs)
