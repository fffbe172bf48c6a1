"""Resource quota accounting: what an object costs a namespace's ResourceQuota.

One copy of the rules that the ResourceQuota admission plugin (charging a create) and the
resource quota controller (recalculating ``status.used``) share, as upstream shares them:

- ``k8s.io/apiserver/pkg/quota/v1/resources.go``: resource lists (Add, Mask, LessThanOrEqual)
  and the ``count/<resource>[.<group>]`` object-count names (generic/evaluator.go);
- ``pkg/quota/v1/evaluator/core/pods.go``: a pod's usage (``pods``, ``requests.*``,
  ``limits.*``, ``cpu``/``memory``), not charged once terminal or past its grace period
  (QuotaV1Pod), and Constraints (``must specify ...``);
- ``services.go`` (``services``, ``services.loadbalancers``, ``services.nodeports``) and
  ``persistent_volume_claims.go`` (``persistentvolumeclaims``, ``requests.storage``, per
  storage class);
- the legacy object counts (``configmaps``, ``secrets``, ``resourcequotas``,
  ``replicationcontrollers``) (generic/registry.go, evaluator/core/registry.go).

- scopes and ``scopeSelector`` (``podMatchesScopeFunc``): a scoped quota counts only the pods
  its scopes select (Terminating / NotTerminating by activeDeadlineSeconds, BestEffort /
  NotBestEffort by QoS class, PriorityClass by the pod's priorityClassName,
  CrossNamespacePodAffinity); other kinds have no scopes (generic ``MatchesNoScopeFunc``), so
  a scoped quota never counts them.

Values are :class:`~kubelab.api.quantity.Quantity`; a resource list is ``{name: Quantity}``.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from .base import parse_time
from .labels import Requirement
from .podutil import get_pod_qos
from .quantity import Quantity, parse_quantity
from .resourcehelper import pod_limits, pod_requests

ResourceList = dict[str, Quantity]

# evaluator/core/registry.go legacyObjectCountAliases: the old names of object counts
LEGACY_COUNTS = {"ConfigMap": "configmaps", "Secret": "secrets", "ResourceQuota": "resourcequotas",
                 "ReplicationController": "replicationcontrollers", "Service": "services",
                 "PersistentVolumeClaim": "persistentvolumeclaims"}
# pods.go podResources (plus hugepages-/requests.<extended> prefixes, not simulated)
POD_RESOURCES = ("count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                 "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods")
# pods.go validationSet: quota on these makes every container state them (a mistake upstream keeps)
VALIDATION_SET = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
SERVICE_RESOURCES = ("count/services", "services", "services.loadbalancers", "services.nodeports")
PVC_RESOURCES = ("count/persistentvolumeclaims", "persistentvolumeclaims", "requests.storage")
STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"


def q(v: Any) -> Quantity:
    return v if isinstance(v, Quantity) else parse_quantity(v)


def resource_list(raw: Optional[dict]) -> ResourceList:
    return {k: q(v) for k, v in (raw or {}).items()}


def object_count_name(kind: type) -> str:
    """generic.ObjectCountQuotaResourceNameFor: ``count/<resource>`` or ``count/<resource>.<group>``."""
    return f"count/{kind.RESOURCE}.{kind.GROUP}" if kind.GROUP else f"count/{kind.RESOURCE}"


def add(a: ResourceList, b: ResourceList) -> ResourceList:
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] + v if k in out else v
    return out


def subtract(a: ResourceList, b: ResourceList) -> ResourceList:
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] - v if k in out else -v
    return out


def mask(a: ResourceList, names: Iterable[str]) -> ResourceList:
    names = set(names)
    return {k: v for k, v in a.items() if k in names}


def less_than_or_equal(a: ResourceList, b: ResourceList) -> tuple[bool, list[str]]:
    """LessThanOrEqual: whether every value of ``a`` is at most ``b``'s (a name ``b`` lacks
    is not limited), and the names that exceed."""
    exceeded = [k for k, v in a.items() if k in b and v.cmp(b[k]) > 0]
    return not exceeded, exceeded


def equals(a: ResourceList, b: ResourceList) -> bool:
    return a.keys() == b.keys() and all(a[k].cmp(b[k]) == 0 for k in a)


def remove_zeros(a: ResourceList) -> ResourceList:
    return {k: v for k, v in a.items() if not v.is_zero()}


def pretty_print(a: ResourceList) -> str:
    """resource_quota controller.go prettyPrint: ``name=value`` sorted, comma-separated."""
    return ",".join(f"{k}={a[k]}" for k in sorted(a))


def to_raw(a: ResourceList) -> dict[str, str]:
    return {k: str(a[k]) for k in sorted(a)}


# ----------------------------------------------------------------------------- evaluators

def matching_resources(kind: type, names: Iterable[str]) -> list[str]:
    """Evaluator.MatchingResources: which of a quota's hard names this kind's usage touches."""
    count = object_count_name(kind)
    legacy = LEGACY_COUNTS.get(kind.KIND)
    if kind.KIND == "Pod":
        own = set(POD_RESOURCES)
    elif kind.KIND == "Service":
        own = set(SERVICE_RESOURCES)
    elif kind.KIND == "PersistentVolumeClaim":
        own = set(PVC_RESOURCES)
    else:
        own = {count} | ({legacy} if legacy else set())
    out = []
    for n in names:
        if n in own or (kind.KIND == "PersistentVolumeClaim" and STORAGE_CLASS_SUFFIX in n):
            out.append(n)
    return out


def is_pod_charged(pod: Any, now: float) -> bool:
    """QuotaV1Pod: a terminal pod, or one whose deletion grace period has run out, is not charged."""
    if pod.status.phase in ("Failed", "Succeeded"):
        return False
    ts = pod.metadata.deletion_timestamp
    if ts is not None and pod.metadata.deletion_grace_period_seconds is not None:
        if now > parse_time(ts) + pod.metadata.deletion_grace_period_seconds:
            return False
    return True


def _quantity_value(name: str, raw: Any) -> Quantity:
    return q(raw)


def pod_usage(pod: Any, now: float) -> ResourceList:
    """PodUsageFunc: count/pods always; the rest while the pod is charged (PodRequests /
    PodLimits, podComputeUsageHelper)."""
    out: ResourceList = {"count/pods": Quantity.new(1)}
    if not is_pod_charged(pod, now):
        return out
    requests = pod_requests(pod, value=_quantity_value)
    limits = pod_limits(pod, value=_quantity_value)
    out["pods"] = Quantity.new(1)
    for res in ("cpu", "memory", "ephemeral-storage"):
        if res in requests:
            out[res] = requests[res]
            out[f"requests.{res}"] = requests[res]
        if res in limits:
            out[f"limits.{res}"] = limits[res]
    return out


def service_usage(svc: Any) -> ResourceList:
    """services.go serviceEvaluator Usage."""
    out = {"count/services": Quantity.new(1), "services": Quantity.new(1)}
    t = svc.spec.type or "ClusterIP"
    ports = len(svc.spec.ports or ())
    if t == "NodePort":
        out["services.nodeports"] = Quantity.new(ports)
    elif t == "LoadBalancer":
        out["services.loadbalancers"] = Quantity.new(1)
        if svc.spec.allocate_load_balancer_node_ports is not False:
            out["services.nodeports"] = Quantity.new(ports)
    return out


def pvc_usage(pvc: Any) -> ResourceList:
    """persistent_volume_claims.go pvcEvaluator Usage: the count and the storage requested,
    overall and per storage class."""
    out = {"count/persistentvolumeclaims": Quantity.new(1), "persistentvolumeclaims": Quantity.new(1)}
    cls = pvc.spec.storage_class_name or ""
    if cls:
        out[f"{cls}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"] = Quantity.new(1)
    storage = ((pvc.spec.resources.requests if pvc.spec.resources else None) or {}).get("storage")
    if storage is not None:
        out["requests.storage"] = q(storage)
        if cls:
            out[f"{cls}{STORAGE_CLASS_SUFFIX}requests.storage"] = q(storage)
    return out


def usage(obj: Any, now: float) -> ResourceList:
    """What one object costs (Evaluator.Usage); object count for every kind."""
    kind = obj.KIND
    if kind == "Pod":
        return pod_usage(obj, now)
    if kind == "Service":
        return service_usage(obj)
    if kind == "PersistentVolumeClaim":
        return pvc_usage(obj)
    out = {object_count_name(type(obj)): Quantity.new(1)}
    legacy = LEGACY_COUNTS.get(kind)
    if legacy:
        out[legacy] = Quantity.new(1)
    return out


def pod_constraints(pod: Any, required: Iterable[str]) -> Optional[str]:
    """podEvaluator.Constraints: with quota on cpu or memory, every container must state
    them: ``must specify limits.cpu for: nginx; requests.cpu for: nginx``."""
    required_set = set(required) & set(VALIDATION_SET)
    if not required_set:
        return None
    missing: dict[str, set[str]] = {}
    for c in list(pod.spec.containers or ()) + list(pod.spec.init_containers or ()):
        requests = (c.resources.requests if c.resources else None) or {}
        limits = (c.resources.limits if c.resources else None) or {}
        have = set()
        for res in ("cpu", "memory"):
            if res in requests:
                have |= {res, f"requests.{res}"}
            if res in limits:
                have.add(f"limits.{res}")
        for diff in required_set - have:
            missing.setdefault(diff, set()).add(c.name)
    if not missing:
        return None
    return "must specify " + "; ".join(f"{r} for: {','.join(sorted(missing[r]))}" for r in sorted(missing))


# ----------------------------------------------------------------------------- scopes

def scope_selectors(rq: Any) -> list[dict]:
    """getScopeSelectorsFromQuota: each of ``spec.scopes`` as ``{scopeName, operator: Exists}``,
    then the ``scopeSelector``'s matchExpressions."""
    out = [{"scopeName": s, "operator": "Exists"} for s in rq.spec.scopes or ()]
    sel = rq.spec.scope_selector or {}
    out.extend(dict(e) for e in (sel.get("matchExpressions") or ()))
    return out


def _is_terminating(pod: Any) -> bool:
    ads = pod.spec.active_deadline_seconds
    return ads is not None and ads >= 0


def _cross_namespace_terms(terms: Any) -> bool:
    for t in terms or ():
        t = getattr(t, "pod_affinity_term", None) or t  # WeightedPodAffinityTerm or PodAffinityTerm
        if getattr(t, "namespaces", None) or getattr(t, "namespace_selector", None) is not None:
            return True
    return False


def _uses_cross_namespace_pod_affinity(pod: Any) -> bool:
    aff = pod.spec.affinity
    if aff is None:
        return False
    for a in (aff.pod_affinity, aff.pod_anti_affinity):
        if a is not None and (_cross_namespace_terms(a.required_during_scheduling_ignored_during_execution)
                              or _cross_namespace_terms(a.preferred_during_scheduling_ignored_during_execution)):
            return True
    return False


_SCOPE_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


def pod_matches_scope(selector: dict, pod: Any) -> bool:
    """podMatchesScopeFunc (pkg/quota/v1/evaluator/core/pods.go)."""
    scope = selector.get("scopeName")
    if scope == "Terminating":
        return _is_terminating(pod)
    if scope == "NotTerminating":
        return not _is_terminating(pod)
    if scope == "BestEffort":
        return get_pod_qos(pod) == "BestEffort"
    if scope == "NotBestEffort":
        return get_pod_qos(pod) != "BestEffort"
    if scope == "PriorityClass":
        name = pod.spec.priority_class_name or ""
        op = selector.get("operator")
        if op == "Exists":
            return bool(name)
        # podMatchesSelector: a selector on the label "PriorityClass" over {PriorityClass: name}
        req = Requirement("PriorityClass", _SCOPE_OPS.get(op, "in"), tuple(selector.get("values") or ()))
        return req.matches({"PriorityClass": name} if name else {})
    if scope == "CrossNamespacePodAffinity":
        return _uses_cross_namespace_pod_affinity(pod)
    return False


def pvc_matches_scope(selector: dict, pvc: Any) -> bool:
    """persistent_volume_claims.go pvcMatchesScopeFunc: only VolumeAttributesClass, over the
    claim's requested and current class names."""
    if selector.get("scopeName") != "VolumeAttributesClass":
        return False
    names = {n for n in (pvc.spec.volume_attributes_class_name,
                         getattr(pvc.status, "current_volume_attributes_class_name", None)) if n}
    op, values = selector.get("operator"), set(selector.get("values") or ())
    if op == "Exists":
        return bool(names)
    if op == "DoesNotExist":
        return not names
    if op == "In":
        return bool(names & values)
    if op == "NotIn":
        return not (names & values)
    return False


def matches_scopes(rq: Any, obj: Any) -> bool:
    """generic.Matches' scope half: every scope selector of the quota matches the object
    (no scopes match everything). Pods have their scopes and claims VolumeAttributesClass;
    for every other kind a scoped quota does not match (MatchesNoScopeFunc)."""
    selectors = scope_selectors(rq)
    if not selectors:
        return True
    kind = getattr(obj, "KIND", "")
    if kind == "Pod":
        return all(pod_matches_scope(s, obj) for s in selectors)
    if kind == "PersistentVolumeClaim":
        return all(pvc_matches_scope(s, obj) for s in selectors)
    return False


def calculate_usage(hard_names: Iterable[str], objects_by_kind: dict[type, Iterable[Any]], now: float,
                    rq: Any = None) -> ResourceList:
    """CalculateUsage: the namespace's usage of every resource the quota limits (zero for the
    ones nothing uses), counting only the objects the quota's scopes select (CalculateUsageStats)."""
    hard_names = list(hard_names)
    used: ResourceList = {}
    for kind, objects in objects_by_kind.items():
        names = matching_resources(kind, hard_names)
        if not names:
            continue
        total: ResourceList = {n: Quantity.new(0) for n in names}
        for obj in objects:
            if rq is not None and not matches_scopes(rq, obj):
                continue
            total = add(total, mask(usage(obj, now), names))
        used.update(total)
    for n in hard_names:
        used.setdefault(n, Quantity.new(0))
    return used
