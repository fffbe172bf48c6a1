"""scheduling.k8s.io/v1 PriorityClass validation (pkg/apis/scheduling/validation/validation.go,
pkg/apis/scheduling/types.go): user-defined values at most 1e9; the ``system-`` prefix reserved
for the two system classes with their exact values; preemptionPolicy from its enum; value and
preemptionPolicy immutable."""

from __future__ import annotations

from typing import Any

from ..field import ErrorList, forbidden, new_path, not_supported, required
from .names import name_is_dns_subdomain, validate_immutable_field, validate_object_meta, validate_object_meta_update

__all__ = ["validate_priority_class", "validate_priority_class_update", "HIGHEST_USER_DEFINABLE_PRIORITY",
           "SYSTEM_PRIORITY_CLASSES"]

HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
# name -> (value, globalDefault)  (scheduling.SystemPriorityClasses)
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": (2000001000, False), "system-cluster-critical": (2000000000, False)}


def _is_known_system_priority_class(name: str, value: int, global_default: bool) -> str:
    """IsKnownSystemPriorityClass: "" when known, else its error."""
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    want_value, want_default = SYSTEM_PRIORITY_CLASSES[name]
    if value != want_value:
        return f"value of {name} PriorityClass must be {want_value}"
    if global_default != want_default:
        return f"globalDefault of {name} PriorityClass must be {'true' if want_default else 'false'}"
    return ""


def validate_priority_class(pc: Any) -> ErrorList:
    errs = validate_object_meta(pc.metadata, False, name_is_dns_subdomain, new_path("metadata"))
    name = pc.metadata.name or ""
    if name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        err = _is_known_system_priority_class(name, pc.value, bool(pc.global_default))
        if err:
            errs.append(forbidden(new_path("metadata", "name"),
                                  f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved "
                                  f"for system use only. error: {err}"))
    elif pc.value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.append(forbidden(new_path("value"),
                              f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"))
    if pc.preemption_policy is not None:
        # apivalidation.ValidatePreemptionPolicy
        if pc.preemption_policy == "":
            errs.append(required(new_path("preemptionPolicy"), ""))
        elif pc.preemption_policy not in ("PreemptLowerPriority", "Never"):
            errs.append(not_supported(new_path("preemptionPolicy"), pc.preemption_policy, ["PreemptLowerPriority", "Never"]))
    return errs


def validate_priority_class_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    if new.value != old.value:
        errs.append(forbidden(new_path("value"), "may not be changed in an update."))
    errs.extend(validate_immutable_field(new.preemption_policy, old.preemption_policy, new_path("preemptionPolicy")))
    return errs
