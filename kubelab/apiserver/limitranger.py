"""The LimitRanger admission plugin (plugin/pkg/admission/limitranger/admission.go).

Mutating (Admit): a Container-type LimitRange's ``default`` and ``defaultRequest`` fill in the
limits and requests a container (or init container) leaves out, and the pod is annotated
``kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container
nginx; ...``. Validating: ``min``, ``max`` and ``maxLimitRequestRatio`` of Container and Pod
types against each container and against the pod's sum, and of PersistentVolumeClaim types
against a claim's storage request, in upstream's words (``maximum cpu usage per Container
is 1, but limit is 2.``). Several failures are one aggregate ``[a, b]`` (utilerrors).

Pods are limited on create only (SupportsAttributes: containers cannot change on update);
claims on create and update. Go ranges over a map in random order; here resource names are
taken in sorted order, so the aggregate's order is stable.
"""

from __future__ import annotations

from typing import Any, Optional

from kubelab.api.quantity import Quantity, parse_quantity

ANNOTATION = "kubernetes.io/limit-ranger"
MAX_MILLI_VALUE = (2 ** 63 - 1) // 1000  # resource.MaxMilliValue


def _ql(raw: Optional[dict]) -> dict[str, Quantity]:
    return {k: parse_quantity(v) for k, v in (raw or {}).items()}


def _values(req: Optional[Quantity], lim: Optional[Quantity], enforced: Quantity) -> tuple[int, int, int]:
    """requestLimitEnforcedValues: compare in milli units when nothing overflows."""
    zero = Quantity.new(0)
    req, lim = req or zero, lim or zero
    r, l_, e = req.value(), lim.value(), enforced.value()
    if r <= MAX_MILLI_VALUE and l_ <= MAX_MILLI_VALUE and e <= MAX_MILLI_VALUE:
        r, l_, e = req.milli_value(), lim.milli_value(), enforced.milli_value()
    return r, l_, e


def min_constraint(limit_type: str, name: str, enforced: Quantity, request: dict, limit: dict) -> Optional[str]:
    req, lim = request.get(name), limit.get(name)
    r, l_, e = _values(req, lim, enforced)
    if req is None:
        return f"minimum {name} usage per {limit_type} is {enforced}.  No request is specified."
    if r < e:
        return f"minimum {name} usage per {limit_type} is {enforced}, but request is {req}."
    if lim is not None and l_ < e:
        return f"minimum {name} usage per {limit_type} is {enforced}, but limit is {lim}."
    return None


def max_constraint(limit_type: str, name: str, enforced: Quantity, request: dict, limit: dict) -> Optional[str]:
    req, lim = request.get(name), limit.get(name)
    r, l_, e = _values(req, lim, enforced)
    if lim is None:
        return f"maximum {name} usage per {limit_type} is {enforced}.  No limit is specified."
    if l_ > e:
        return f"maximum {name} usage per {limit_type} is {enforced}, but limit is {lim}."
    if req is not None and r > e:
        return f"maximum {name} usage per {limit_type} is {enforced}, but request is {req}."
    return None


def max_request_constraint(limit_type: str, name: str, enforced: Quantity, request: dict) -> Optional[str]:
    req = request.get(name)
    r, _, e = _values(req, None, enforced)
    if req is None:
        return f"maximum {name} usage per {limit_type} is {enforced}.  No request is specified."
    if r > e:
        return f"maximum {name} usage per {limit_type} is {enforced}, but request is {req}."
    return None


def ratio_constraint(limit_type: str, name: str, enforced: Quantity, request: dict, limit: dict) -> Optional[str]:
    req, lim = request.get(name), limit.get(name)
    r, l_, _ = _values(req, lim, enforced)
    if req is None or r == 0:
        return f"{name} max limit to request ratio per {limit_type} is {enforced}, but no request is specified or request is 0."
    if lim is None or l_ == 0:
        return f"{name} max limit to request ratio per {limit_type} is {enforced}, but no limit is specified or limit is 0."
    observed = l_ / r
    display = observed
    max_ratio = float(enforced.value())
    if enforced.value() <= MAX_MILLI_VALUE:
        observed *= 1000
        max_ratio = float(enforced.milli_value())
    if observed > max_ratio:
        return f"{name} max limit to request ratio per {limit_type} is {enforced}, but provided ratio is {display:f}."
    return None


def _container_lists(c: Any) -> tuple[dict, dict]:
    res = c.resources
    return _ql(res.requests if res else None), _ql(res.limits if res else None)


# -- mutating --------------------------------------------------------------------------------
def default_pod(limit_range: Any, pod: Any) -> None:
    """PodMutateLimitFunc: defaultContainerResourceRequirements + mergePodResourceRequirements."""
    from kubelab.api.core import ResourceRequirements

    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for item in limit_range.spec.limits:
        if item.type == "Container":
            requests.update(item.default_request or {})
            limits.update(item.default or {})
    if not requests and not limits:
        return
    notes: list[str] = []
    for prefix, containers in (("container", pod.spec.containers or ()), ("init container", pod.spec.init_containers or ())):
        for c in containers:
            if c.resources is None:
                c.resources = ResourceRequirements()
            c.resources.limits = dict(c.resources.limits or {})
            c.resources.requests = dict(c.resources.requests or {})
            set_lim = sorted(k for k in limits if k not in c.resources.limits)
            set_req = sorted(k for k in requests if k not in c.resources.requests)
            for k in set_lim:
                c.resources.limits[k] = limits[k]
            for k in set_req:
                c.resources.requests[k] = requests[k]
            if set_req:
                notes.append(f"{', '.join(set_req)} request for {prefix} {c.name}")
            if set_lim:
                notes.append(f"{', '.join(set_lim)} limit for {prefix} {c.name}")
    if notes:
        ann = dict(pod.metadata.annotations or {})
        ann[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)
        pod.metadata.annotations = ann


# -- validating ------------------------------------------------------------------------------
def _check(limit_type: str, item: Any, request: dict, limit: dict, errs: list[str]) -> None:
    for name, v in sorted(_ql(item.min).items()):
        e = min_constraint(limit_type, name, v, request, limit)
        if e:
            errs.append(e)
    for name, v in sorted(_ql(item.max).items()):
        e = max_constraint(limit_type, name, v, request, limit)
        if e:
            errs.append(e)
    for name, v in sorted(_ql(item.max_limit_request_ratio).items()):
        e = ratio_constraint(limit_type, name, v, request, limit)
        if e:
            errs.append(e)


def _sum(lists: list[dict]) -> dict:
    """sum: a name missing from any container is left out of the pod's total."""
    keys = {k for d in lists for k in d}
    out = {}
    for k in sorted(keys):
        if all(k in d for d in lists):
            total = 0
            for d in lists:
                total += d[k].milli_value() if k == "cpu" else d[k].value()
            out[k] = Quantity.new_milli(total) if k == "cpu" else Quantity.new(total)
    return out


def validate_pod(limit_range: Any, pod: Any) -> list[str]:
    """PodValidateLimitFunc."""
    errs: list[str] = []
    for item in limit_range.spec.limits:
        if item.type == "Container":
            for c in list(pod.spec.containers or ()) + list(pod.spec.init_containers or ()):
                req, lim = _container_lists(c)
                _check("Container", item, req, lim, errs)
        elif item.type == "Pod":
            pairs = [_container_lists(c) for c in pod.spec.containers or ()]
            req = _sum([p[0] for p in pairs])
            lim = _sum([p[1] for p in pairs])
            for c in pod.spec.init_containers or ():
                ireq, ilim = _container_lists(c)
                for k, v in ireq.items():  # max(sum of containers, any init container)
                    if k not in req or v.cmp(req[k]) > 0:
                        req[k] = v
                for k, v in ilim.items():
                    if k not in lim or v.cmp(lim[k]) > 0:
                        lim[k] = v
            _check("Pod", item, req, lim, errs)
    return errs


def validate_pvc(limit_range: Any, pvc: Any) -> list[str]:
    """PersistentVolumeClaimValidateLimitFunc: min against the request (limits are not user
    input for a claim), max against the request."""
    errs: list[str] = []
    requests = _ql(pvc.spec.resources.requests if pvc.spec.resources else None)
    for item in limit_range.spec.limits:
        if item.type != "PersistentVolumeClaim":
            continue
        for name, v in sorted(_ql(item.min).items()):
            e = min_constraint("PersistentVolumeClaim", name, v, requests, {})
            if e:
                errs.append(e)
        for name, v in sorted(_ql(item.max).items()):
            e = max_request_constraint("PersistentVolumeClaim", name, v, requests)
            if e:
                errs.append(e)
    return errs


def aggregate(errs: list[str]) -> Optional[str]:
    """utilerrors.NewAggregate(errs).Error()."""
    if not errs:
        return None
    if len(errs) == 1:
        return errs[0]
    return "[" + ", ".join(errs) + "]"
