"""What a pod asks for, as k8s.io/component-helpers/resource/helpers.go computes it.

One copy of the rule the scheduler, the kubelet's admission, ``kubectl describe node``
and the views share (PodRequests / PodLimits):

- the app containers are summed;
- each init container needs its own request plus the restartable (sidecar, restartPolicy
  Always) init containers started before it; the pod needs the largest of those or the
  sum, whichever is larger, and sidecars are also added to the sum (they keep running);
- pod-level ``spec.resources`` (PodLevelResources, beta and on in 1.34) replace the
  aggregate for cpu, memory and ``hugepages-*``;
- ``spec.overhead`` (RuntimeClass) is added, to limits only where a limit is set and
  non-zero;
- with ``non_missing`` a container that sets no cpu / memory request counts 100m / 200Mi,
  as the scheduler's scoring does (pkg/scheduler/util/pod_resources.go).

Values are plain ints in the units every caller uses: millicores for ``cpu``, the
quantity's value (bytes, counts) for everything else. ``value=`` swaps the unit, e.g.
``value=lambda name, raw: parse_quantity(raw)`` keeps Quantities (and their format) for
printing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Optional

from .quantity import parse_quantity

CPU, MEMORY = "cpu", "memory"
HUGEPAGES_PREFIX = "hugepages-"

# pkg/scheduler/util/pod_resources.go: what scoring assumes for a container that sets no request
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
NON_MISSING = {CPU: DEFAULT_MILLI_CPU_REQUEST, MEMORY: DEFAULT_MEMORY_REQUEST}

ValueFn = Callable[[str, Any], Any]


@lru_cache(maxsize=65536)
def quantity_value(resource: str, raw: Any) -> int:
    """The int64 the scheduler works in: MilliValue() for cpu, Value() for the rest.
    Raises ValueError (QuantityParseError) for a malformed quantity."""
    q = parse_quantity(raw)
    return q.milli_value() if resource == CPU else q.value()


def is_supported_pod_level_resource(name: str) -> bool:
    """IsSupportedPodLevelResource: cpu, memory and ``hugepages-*``."""
    return name in (CPU, MEMORY) or name.startswith(HUGEPAGES_PREFIX)


def _add(into: dict, other: dict) -> None:
    for k, v in other.items():
        into[k] = into[k] + v if k in into else v


def _max(into: dict, other: dict) -> None:
    for k, v in other.items():
        if k not in into or v > into[k]:
            into[k] = v


def _container_values(c: Any, field: str, value: ValueFn, non_missing: Optional[dict]) -> dict:
    res = c.resources
    rl = (getattr(res, field) if res is not None else None) or {}
    out = {k: value(k, v) for k, v in rl.items()}
    if non_missing:
        # applyNonMissing: only a *missing* request gets the default, an explicit 0 stays 0
        for k, v in non_missing.items():
            if k not in out:
                out[k] = v
    return out


def _aggregate(pod: Any, field: str, value: ValueFn, non_missing: Optional[dict] = None) -> dict:
    """AggregateContainerRequests / AggregateContainerLimits (the sidecar KEP-753 formula)."""
    spec = pod.spec
    total: dict = {}
    for c in spec.containers or ():
        _add(total, _container_values(c, field, value, non_missing))
    restartable: dict = {}
    init_max: dict = {}
    for ic in spec.init_containers or ():
        r = _container_values(ic, field, value, non_missing)
        if ic.restart_policy == "Always":  # a sidecar: runs alongside the app containers
            _add(total, r)
            _add(restartable, r)
            use = restartable
        else:
            use = dict(r)
            _add(use, restartable)
        _max(init_max, use)
    _max(total, init_max)
    return total


def _pod_level(pod: Any, field: str) -> dict:
    res = pod.spec.resources
    rl = (getattr(res, field) if res is not None else None) or {}
    return {k: v for k, v in rl.items() if is_supported_pod_level_resource(k)}


def pod_requests(pod: Any, non_missing: bool = False, exclude_overhead: bool = False,
                 value: ValueFn = quantity_value) -> dict:
    """PodRequests: ``{"cpu": millicores, "memory": bytes, ...}`` the pod needs on a node.

    Raises ValueError for a malformed quantity (the scheduler reports it)."""
    reqs = _aggregate(pod, "requests", value, NON_MISSING if non_missing else None)
    for k, v in _pod_level(pod, "requests").items():
        reqs[k] = value(k, v)
    if not exclude_overhead and pod.spec.overhead:
        _add(reqs, {k: value(k, v) for k, v in pod.spec.overhead.items()})
    return reqs


def pod_limits(pod: Any, exclude_overhead: bool = False, value: ValueFn = quantity_value) -> dict:
    """PodLimits: the same aggregation over limits; overhead only on non-zero limits."""
    limits = _aggregate(pod, "limits", value)
    for k, v in _pod_level(pod, "limits").items():
        limits[k] = value(k, v)
    if not exclude_overhead and pod.spec.overhead:
        for k, v in pod.spec.overhead.items():
            if k in limits and limits[k]:
                limits[k] = limits[k] + value(k, v)
    return limits


def as_quantity(name: str, raw: Any):
    """A ``value=`` for pod_requests / pod_limits that keeps Quantities (kubectl prints them)."""
    return parse_quantity(raw)
