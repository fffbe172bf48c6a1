"""PodDisruptionBudget status helpers shared by the eviction subresource and the disruption
controller (pkg/apis/policy/helper UpdateDisruptionAllowedCondition, ConditionsAreUpToDate;
apimachinery meta.SetStatusCondition)."""

from __future__ import annotations

from .base import rfc3339

DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"


def set_status_condition(status, cond: dict, now: float) -> None:
    """meta.SetStatusCondition: lastTransitionTime moves only when the status changes."""
    conds = [dict(c) for c in status.conditions or ()]
    cond = dict(cond, observedGeneration=status.observed_generation)
    old = next((c for c in conds if c.get("type") == cond["type"]), None)
    if old is None:
        conds.append(dict(cond, lastTransitionTime=rfc3339(now)))
    else:
        if old.get("status") != cond["status"]:
            old["lastTransitionTime"] = rfc3339(now)
        old.update({k: v for k, v in cond.items() if k != "lastTransitionTime"})
    status.conditions = conds


def update_disruption_allowed_condition(status, now: float) -> None:
    """UpdateDisruptionAllowedCondition: True/SufficientPods while a disruption is allowed,
    False/InsufficientPods otherwise."""
    if status.disruptions_allowed > 0:
        cond = {"type": DISRUPTION_ALLOWED, "status": "True", "reason": SUFFICIENT_PODS, "message": ""}
    else:
        cond = {"type": DISRUPTION_ALLOWED, "status": "False", "reason": INSUFFICIENT_PODS, "message": ""}
    set_status_condition(status, cond, now)
