"""Pod helpers every component shares, as k8s.io/kubernetes/pkg/api/v1/pod/util.go has them.

One copy of each rule: the controllers, the kubelet, kubectl and the views all ask here
whether a pod is ready, since when, whether it is available and whether it is over.

- ``is_pod_ready``: the ``Ready`` condition is ``True`` (IsPodReady)
- ``pod_ready_since``: when ``Ready`` last turned ``True`` (its lastTransitionTime)
- ``is_pod_available``: ready, and ready for more than ``minReadySeconds`` (IsPodAvailable)
- ``is_pod_terminal``: phase ``Succeeded`` or ``Failed`` (IsPodTerminal)
- ``update_pod_condition``: set a condition, moving lastTransitionTime only when the
  status changes (UpdatePodCondition)
- ``get_pod_qos``: the pod's QoS class (pkg/apis/core/v1/helper/qos GetPodQOS), which the API
  server stamps on create, kubectl describes and quota scopes select by
"""

from __future__ import annotations

from typing import Any, Optional

from .base import parse_time, rfc3339
from .core import PodCondition

POD_READY = "Ready"
CONTAINERS_READY = "ContainersReady"


def get_pod_condition_from_list(conditions: Optional[list], condition_type: str) -> tuple[int, Optional[PodCondition]]:
    """GetPodConditionFromList: the index and the condition, or (-1, None)."""
    for i, c in enumerate(conditions or ()):
        if c.type == condition_type:
            return i, c
    return -1, None


def get_pod_condition(status: Any, condition_type: str) -> tuple[int, Optional[PodCondition]]:
    """GetPodCondition: the index and the condition of that type in a PodStatus, or (-1, None)."""
    if status is None:
        return -1, None
    return get_pod_condition_from_list(status.conditions, condition_type)


def get_pod_ready_condition(status: Any) -> Optional[PodCondition]:
    """GetPodReadyCondition: the ``Ready`` condition of a PodStatus, or None."""
    return get_pod_condition(status, POD_READY)[1]


def is_pod_ready_condition_true(status: Any) -> bool:
    """IsPodReadyConditionTrue."""
    c = get_pod_ready_condition(status)
    return c is not None and c.status == "True"


def is_containers_ready_condition_true(status: Any) -> bool:
    """IsContainersReadyConditionTrue."""
    c = get_pod_condition(status, CONTAINERS_READY)[1]
    return c is not None and c.status == "True"


def is_pod_ready(pod: Any) -> bool:
    """IsPodReady: the pod's ``Ready`` condition is ``True``."""
    return is_pod_ready_condition_true(pod.status)


def pod_ready_since(pod: Any) -> Optional[float]:
    """Simulated time at which the pod last became ready (the ``Ready`` condition's
    lastTransitionTime), None when it is not ready; 0.0 when the time is not set."""
    c = get_pod_ready_condition(pod.status)
    if c is None or c.status != "True":
        return None
    return parse_time(c.last_transition_time) if c.last_transition_time else 0.0


def is_pod_available(pod: Any, min_ready_seconds: int, now: float) -> bool:
    """IsPodAvailable: ready, and either minReadySeconds is 0 or the ``Ready`` condition's
    lastTransitionTime is set and lastTransitionTime + minReadySeconds is before now."""
    c = get_pod_ready_condition(pod.status)
    if c is None or c.status != "True":
        return False
    if not min_ready_seconds:
        return True
    if not c.last_transition_time:  # LastTransitionTime.IsZero()
        return False
    return parse_time(c.last_transition_time) + min_ready_seconds < now  # Time.Before: strictly


def is_pod_phase_terminal(phase: Optional[str]) -> bool:
    """IsPodPhaseTerminal: Failed or Succeeded."""
    return phase in ("Failed", "Succeeded")


def is_pod_terminal(pod: Any) -> bool:
    """IsPodTerminal: every container stopped and the pod can never run again."""
    return is_pod_phase_terminal(pod.status.phase)


def update_pod_condition(pod: Any, condition_type: str, status: str, now: float, reason: Optional[str] = None,
                         message: Optional[str] = None) -> bool:
    """UpdatePodCondition: add or replace the condition; lastTransitionTime moves to ``now``
    only when the status changes. True when anything changed."""
    conds = list(pod.status.conditions or [])
    i, old = get_pod_condition_from_list(conds, condition_type)
    if old is None:
        conds.append(PodCondition(type=condition_type, status=status, reason=reason, message=message,
                                  last_transition_time=rfc3339(now)))
        pod.status.conditions = conds
        return True
    if old.status == status and old.reason == reason and old.message == message:
        return False
    ltt = old.last_transition_time if old.status == status else rfc3339(now)
    conds[i] = PodCondition(type=condition_type, status=status, reason=reason, message=message,
                            last_probe_time=None, last_transition_time=ltt)
    pod.status.conditions = conds
    return True


def get_pod_qos(pod: Any) -> str:
    """qos.GetPodQOS (pkg/apis/core/v1/helper/qos/qos.go): the cpu and memory requests and
    limits of every container and init container summed, zero values ignored; BestEffort when
    none is set, Guaranteed when every container limits both and the sums of requests equal
    the sums of limits, Burstable otherwise."""
    from .quantity import parse_quantity

    supported = ("cpu", "memory")
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    is_guaranteed = True
    for c in list(pod.spec.containers or ()) + list(pod.spec.init_containers or ()):
        r = (c.resources.requests if c.resources else None) or {}
        lm = (c.resources.limits if c.resources else None) or {}
        for k, v in r.items():
            q = parse_quantity(v)
            if k in supported and not q.is_zero():
                requests[k] = requests[k] + q if k in requests else q
        found = set()
        for k, v in lm.items():
            q = parse_quantity(v)
            if k in supported and not q.is_zero():
                found.add(k)
                limits[k] = limits[k] + q if k in limits else q
        if not found.issuperset(supported):
            is_guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if is_guaranteed:
        for k, v in requests.items():
            if k not in limits or limits[k].cmp(v) != 0:
                is_guaranteed = False
                break
    if is_guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
