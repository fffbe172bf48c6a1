"""HorizontalPodAutoscaler validation (pkg/apis/autoscaling/validation/validation.go)."""

from __future__ import annotations

from typing import Any

from ..field import ErrorList, invalid, new_path, not_supported, required
from .names import name_is_dns_subdomain, validate_object_meta, validate_object_meta_update

MIN_REPLICAS_LOWER_BOUND = 1  # HPAScaleToZero is an alpha gate, off by default


def _validate_spec(spec: Any, path) -> ErrorList:
    errs = ErrorList()
    if spec.min_replicas is not None and spec.min_replicas < MIN_REPLICAS_LOWER_BOUND:
        errs.append(invalid(path.child("minReplicas"), spec.min_replicas,
                            f"must be greater than or equal to {MIN_REPLICAS_LOWER_BOUND}"))
    if spec.max_replicas < 1:
        errs.append(invalid(path.child("maxReplicas"), spec.max_replicas, "must be greater than 0"))
    if spec.min_replicas is not None and spec.max_replicas < spec.min_replicas:
        errs.append(invalid(path.child("maxReplicas"), spec.max_replicas, "must be greater than or equal to `minReplicas`"))
    ref = spec.scale_target_ref
    rp = path.child("scaleTargetRef")
    if not ref.kind:
        errs.append(required(rp.child("kind"), ""))
    if not ref.name:
        errs.append(required(rp.child("name"), ""))
    for i, m in enumerate(spec.metrics or ()):
        mp = path.child("metrics").index(i)
        if m.type not in ("Resource", "Pods", "Object", "External", "ContainerResource"):
            errs.append(not_supported(mp.child("type"), m.type, ["ContainerResource", "External", "Object", "Pods", "Resource"]))
            continue
        if m.type == "Resource":
            if m.resource is None:
                errs.append(required(mp.child("resource"), "must populate information for the given metric source"))
                continue
            t = m.resource.target
            tp = mp.child("resource", "target")
            if t.type not in ("Utilization", "Value", "AverageValue"):
                errs.append(not_supported(tp.child("type"), t.type, ["AverageValue", "Utilization", "Value"]))
            if t.average_utilization is not None and t.average_utilization < 1:
                errs.append(invalid(tp.child("averageUtilization"), t.average_utilization, "must be greater than 0"))
    b = spec.behavior
    for name, rules in (("scaleUp", b.scale_up if b else None), ("scaleDown", b.scale_down if b else None)):
        if rules is None:
            continue
        rp2 = path.child("behavior", name)
        w = rules.stabilization_window_seconds
        if w is not None and not 0 <= w <= 3600:
            errs.append(invalid(rp2.child("stabilizationWindowSeconds"), w,
                                "must be greater than or equal to zero and less than or equal to 3600"))
        for j, p in enumerate(rules.policies or ()):
            pp = rp2.child("policies").index(j)
            if p.type not in ("Pods", "Percent"):
                errs.append(not_supported(pp.child("type"), p.type, ["Percent", "Pods"]))
            if p.value <= 0:
                errs.append(invalid(pp.child("value"), p.value, "must be greater than zero"))
            if not 0 < p.period_seconds <= 1800:
                errs.append(invalid(pp.child("periodSeconds"), p.period_seconds,
                                    "must be greater than zero and less than or equal to 1800"))
    return errs


def validate_horizontal_pod_autoscaler(hpa: Any) -> ErrorList:
    errs = validate_object_meta(hpa.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(_validate_spec(hpa.spec, new_path("spec")))
    return errs


def validate_horizontal_pod_autoscaler_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_validate_spec(new.spec, new_path("spec")))
    return errs
