"""apps/v1 validation: Deployment, ReplicaSet, DaemonSet, StatefulSet.

Mirrors ``pkg/apis/apps/validation/validation.go`` of kubernetes/kubernetes
(~v1.31): ValidateDeploymentSpec, ValidateDeploymentStrategy,
ValidateRollingUpdateDeployment, ValidatePositiveIntOrPercent,
IsNotMoreThan100Percent, ValidateReplicaSetSpec,
ValidatePodTemplateSpecForReplicaSet, ValidateDaemonSetSpec,
ValidateDaemonSetUpdateStrategy, ValidateRollingUpdateDaemonSet,
ValidateStatefulSetSpec and the update rules (immutable selectors, the
StatefulSet's forbidden spec changes).  Messages and paths are upstream's,
including its quirks (a ReplicaSet's empty selector is reported as
"empty selector is invalid for deployment").
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..field import (
    ErrorList,
    Path,
    forbidden,
    go_quote,
    invalid,
    new_path,
    not_supported,
    required,
)
from .core import validate_pod_template_spec
from .names import (
    FIELD_IMMUTABLE_ERROR_MSG,
    is_valid_percent,
    name_is_dns_label,
    name_is_dns_subdomain,
    validate_annotations,
    validate_label_selector,
    validate_labels,
    validate_nonnegative_field,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = [
    "label_selector_go",
    "validate_daemon_set",
    "validate_daemon_set_update",
    "validate_deployment",
    "validate_deployment_update",
    "validate_replica_set",
    "validate_replica_set_update",
    "validate_stateful_set",
    "validate_stateful_set_update",
]


# ---- Go renderings of bad values ------------------------------------------------

class _GoValue:
    def __init__(self, sharp_v: str, string: Optional[str] = None) -> None:
        self._v = sharp_v
        self._s = string

    def __go_repr__(self) -> str:
        return self._v

    def __go_string__(self) -> str:
        return self._s if self._s is not None else self._v

    def __eq__(self, o: object) -> bool:
        return isinstance(o, _GoValue) and o._v == self._v

    def __hash__(self) -> int:
        return hash(self._v)


def _map_go(m: Optional[dict]) -> str:
    if m is None:
        return "map[string]string(nil)"
    return "map[string]string{" + ", ".join(f"{go_quote(k)}:{go_quote(v)}" for k, v in sorted(m.items())) + "}"


def label_selector_go(sel: Any) -> _GoValue:
    """%#v of a *metav1.LabelSelector, as field errors print it:
    ``v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}``."""
    ml = getattr(sel, "match_labels", None) if sel is not None else None
    me = getattr(sel, "match_expressions", None) if sel is not None else None
    if me is None:
        exprs = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = []
        for r in me:
            vals = "[]string(nil)" if r.values is None else "[]string{" + ", ".join(go_quote(v) for v in r.values) + "}"
            parts.append(f"v1.LabelSelectorRequirement{{Key:{go_quote(r.key)}, Operator:{go_quote(r.operator)}, Values:{vals}}}")
        exprs = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return _GoValue(f"v1.LabelSelector{{MatchLabels:{_map_go(ml)}, MatchExpressions:{exprs}}}")


def _labels_value(m: Optional[dict]) -> _GoValue:
    return _GoValue(_map_go(m))


def _int_or_string(v: Any) -> _GoValue:
    """intstr.IntOrString is a fmt.Stringer: 0, 25%."""
    return _GoValue(str(v), str(v))


def _int32_ptr(v: Any) -> Any:
    return v


# ---- selector matching (labels.Selector from a LabelSelector) ---------------------

def _selector_matches(sel: Any, labels: dict) -> bool:
    """metav1.LabelSelectorAsSelector(sel).Matches(labels): a nil selector is
    labels.Nothing() (matches nothing), an empty one labels.Everything()."""
    if sel is None:
        return False
    for k, v in (sel.match_labels or {}).items():
        if labels.get(k) != v:
            return False
    for r in sel.match_expressions or []:
        has = r.key in labels
        vals = r.values or []
        if r.operator == "In" and not (has and labels[r.key] in vals):
            return False
        if r.operator == "NotIn" and has and labels[r.key] in vals:
            return False
        if r.operator == "Exists" and not has:
            return False
        if r.operator == "DoesNotExist" and has:
            return False
    return True


def _selector_empty(sel: Any) -> bool:
    return sel is not None and not (sel.match_labels or {}) and not (sel.match_expressions or [])


def _selector_valid(sel: Any) -> bool:
    """LabelSelectorAsSelector succeeds (operators known, values consistent)."""
    if sel is None:
        return True
    for r in sel.match_expressions or []:
        if r.operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
        if r.operator in ("In", "NotIn") and not r.values:
            return False
        if r.operator in ("Exists", "DoesNotExist") and r.values:
            return False
    return True


# ---- int-or-percent -------------------------------------------------------------

_PERCENT = re.compile(r"[0-9]+%\Z")


def _get_percent_value(v: Any) -> tuple[int, bool]:
    if not isinstance(v, str) or not _PERCENT.match(v):
        return 0, False
    return int(v[:-1]), True


def _get_int_or_percent_value(v: Any) -> int:
    """getIntOrPercentValue."""
    value, is_percent = _get_percent_value(v)
    if is_percent:
        return value
    if isinstance(v, int):
        return v
    try:
        return int(v)  # IntOrString.IntValue() of a string
    except (TypeError, ValueError):
        return 0


def validate_positive_int_or_percent(v: Any, fld_path: Path) -> ErrorList:
    """ValidatePositiveIntOrPercent."""
    errs = ErrorList()
    if isinstance(v, str):
        errs.extend(invalid(fld_path, _int_or_string(v), m) for m in is_valid_percent(v))
    elif isinstance(v, int):
        errs.extend(validate_nonnegative_field(v, fld_path))
    else:
        # upstream's literal "%%" (the string is not a format string)
        errs.append(invalid(fld_path, _int_or_string(v), "must be an integer or percentage (e.g '5%%')"))
    return errs


def is_not_more_than_100_percent(v: Any, fld_path: Path) -> ErrorList:
    """IsNotMoreThan100Percent."""
    value, is_percent = _get_percent_value(v)
    if not is_percent or value <= 100:
        return ErrorList()
    return ErrorList([invalid(fld_path, _int_or_string(v), "must not be greater than 100%")])


# ---- shared template check --------------------------------------------------------

def _validate_pod_template_spec_for_replica_set(template: Any, sel: Any, fld_path: Path,
                                                kind: str = "ReplicaSet") -> ErrorList:
    """ValidatePodTemplateSpecForReplicaSet."""
    errs = ErrorList()
    if template is None:
        return ErrorList([required(fld_path, "")])
    labels = template.metadata.labels or {}
    # a nil selector is labels.Nothing(), which is not Empty() and matches nothing
    if not _selector_empty(sel) and not _selector_matches(sel, labels):
        errs.append(invalid(fld_path.child("metadata", "labels"), _labels_value(template.metadata.labels),
                            "`selector` does not match template `labels`"))
    errs.extend(validate_pod_template_spec(template, fld_path))
    rp = template.spec.restart_policy or ""
    if rp != "Always":
        errs.append(not_supported(fld_path.child("spec", "restartPolicy"), rp, ["Always"]))
    if template.spec.active_deadline_seconds is not None:
        errs.append(forbidden(fld_path.child("spec", "activeDeadlineSeconds"),
                              f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _validate_selector(sel: Any, fld_path: Path, kind_word: str) -> ErrorList:
    errs = ErrorList()
    if sel is None:
        errs.append(required(fld_path, ""))
    else:
        errs.extend(validate_label_selector(sel, fld_path))
        if _selector_empty(sel):
            errs.append(invalid(fld_path, label_selector_go(sel), f"empty selector is invalid for {kind_word}"))
    return errs


# ---- Deployment -----------------------------------------------------------------

def _strategy_go(strategy: Any) -> _GoValue:
    ru = "(*apps.RollingUpdateDeployment)(nil)" if strategy.rolling_update is None \
        else "(*apps.RollingUpdateDeployment)(0xc000000000)"
    return _GoValue(f"apps.DeploymentStrategy{{Type:{go_quote(strategy.type or '')}, RollingUpdate:{ru}}}")


def validate_rolling_update_deployment(ru: Any, fld_path: Path) -> ErrorList:
    """ValidateRollingUpdateDeployment."""
    errs = ErrorList()
    mu, ms = ru.max_unavailable, ru.max_surge
    errs.extend(validate_positive_int_or_percent(mu, fld_path.child("maxUnavailable")))
    errs.extend(validate_positive_int_or_percent(ms, fld_path.child("maxSurge")))
    if _get_int_or_percent_value(mu) == 0 and _get_int_or_percent_value(ms) == 0:
        # Both MaxSurge and MaxUnavailable cannot be zero.
        errs.append(invalid(fld_path.child("maxUnavailable"), _int_or_string(mu),
                            "may not be 0 when `maxSurge` is 0"))
    errs.extend(is_not_more_than_100_percent(mu, fld_path.child("maxUnavailable")))
    return errs


def validate_deployment_strategy(strategy: Any, fld_path: Path) -> ErrorList:
    """ValidateDeploymentStrategy."""
    errs = ErrorList()
    t = strategy.type if strategy is not None else ""
    if t == "Recreate":
        if strategy.rolling_update is not None:
            errs.append(forbidden(fld_path.child("rollingUpdate"),
                                  "may not be specified when strategy `type` is 'Recreate'"))
    elif t == "RollingUpdate":
        if strategy.rolling_update is None:
            errs.append(required(fld_path.child("rollingUpdate"), "this should be defaulted and never be nil"))
        else:
            errs.extend(validate_rolling_update_deployment(strategy.rolling_update, fld_path.child("rollingUpdate")))
    else:
        from ..apps import DeploymentStrategy
        errs.append(not_supported(fld_path, _strategy_go(strategy or DeploymentStrategy()),
                                  ["Recreate", "RollingUpdate"]))
    return errs


def _validate_deployment_spec(spec: Any, fld_path: Path) -> ErrorList:
    """ValidateDeploymentSpec."""
    errs = ErrorList()
    errs.extend(validate_nonnegative_field(spec.replicas or 0, fld_path.child("replicas")))
    errs.extend(_validate_selector(spec.selector, fld_path.child("selector"), "deployment"))
    if not _selector_valid(spec.selector):
        errs.append(invalid(fld_path.child("selector"), label_selector_go(spec.selector), "invalid label selector"))
    else:
        errs.extend(_validate_pod_template_spec_for_replica_set(spec.template, spec.selector,
                                                                fld_path.child("template")))
    errs.extend(validate_deployment_strategy(spec.strategy, fld_path.child("strategy")))
    mrs = spec.min_ready_seconds or 0
    errs.extend(validate_nonnegative_field(mrs, fld_path.child("minReadySeconds")))
    if spec.revision_history_limit is not None:
        errs.extend(validate_nonnegative_field(spec.revision_history_limit, fld_path.child("revisionHistoryLimit")))
    if spec.progress_deadline_seconds is not None:
        pds = spec.progress_deadline_seconds
        errs.extend(validate_nonnegative_field(pds, fld_path.child("progressDeadlineSeconds")))
        if pds <= mrs:
            errs.append(invalid(fld_path.child("progressDeadlineSeconds"), pds, "must be greater than minReadySeconds"))
    return errs


def validate_deployment(d: Any) -> ErrorList:
    """ValidateDeployment."""
    errs = validate_object_meta(d.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(_validate_deployment_spec(d.spec, new_path("spec")))
    return errs


def _immutable_selector(new_sel: Any, old_sel: Any, fld_path: Path) -> ErrorList:
    """ValidateImmutableField on a *metav1.LabelSelector."""
    def norm(s: Any) -> Any:
        return None if s is None else s.model_dump(exclude_none=True)
    if norm(new_sel) != norm(old_sel):
        return ErrorList([invalid(fld_path, label_selector_go(new_sel), FIELD_IMMUTABLE_ERROR_MSG)])
    return ErrorList()


def validate_deployment_update(new: Any, old: Any) -> ErrorList:
    """ValidateDeploymentUpdate (apps/v1: the selector is immutable)."""
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_validate_deployment_spec(new.spec, new_path("spec")))
    errs.extend(_immutable_selector(new.spec.selector, old.spec.selector, new_path("spec", "selector")))
    return errs


# ---- ReplicaSet -----------------------------------------------------------------

def _validate_replica_set_spec(spec: Any, fld_path: Path) -> ErrorList:
    """ValidateReplicaSetSpec."""
    errs = ErrorList()
    errs.extend(validate_nonnegative_field(spec.replicas or 0, fld_path.child("replicas")))
    errs.extend(validate_nonnegative_field(spec.min_ready_seconds or 0, fld_path.child("minReadySeconds")))
    # upstream reports an empty ReplicaSet selector as "... for deployment"
    errs.extend(_validate_selector(spec.selector, fld_path.child("selector"), "deployment"))
    if not _selector_valid(spec.selector):
        errs.append(invalid(fld_path.child("selector"), label_selector_go(spec.selector), "invalid label selector"))
    else:
        errs.extend(_validate_pod_template_spec_for_replica_set(spec.template, spec.selector,
                                                                fld_path.child("template")))
    return errs


def validate_replica_set(rs: Any) -> ErrorList:
    errs = validate_object_meta(rs.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(_validate_replica_set_spec(rs.spec, new_path("spec")))
    return errs


def validate_replica_set_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_validate_replica_set_spec(new.spec, new_path("spec")))
    errs.extend(_immutable_selector(new.spec.selector, old.spec.selector, new_path("spec", "selector")))
    return errs


# ---- DaemonSet ------------------------------------------------------------------

def _ds_strategy_go(strategy: Any) -> _GoValue:
    ru = "(*apps.RollingUpdateDaemonSet)(nil)" if strategy.rolling_update is None \
        else "(*apps.RollingUpdateDaemonSet)(0xc000000000)"
    return _GoValue(f"apps.DaemonSetUpdateStrategy{{Type:{go_quote(strategy.type or '')}, RollingUpdate:{ru}}}")


def validate_rolling_update_daemon_set(ru: Any, fld_path: Path) -> ErrorList:
    """ValidateRollingUpdateDaemonSet."""
    errs = ErrorList()
    mu = 0 if ru.max_unavailable is None else ru.max_unavailable
    ms = 0 if ru.max_surge is None else ru.max_surge
    errs.extend(validate_positive_int_or_percent(mu, fld_path.child("maxUnavailable")))
    errs.extend(validate_positive_int_or_percent(ms, fld_path.child("maxSurge")))
    errs.extend(is_not_more_than_100_percent(mu, fld_path.child("maxUnavailable")))
    errs.extend(is_not_more_than_100_percent(ms, fld_path.child("maxSurge")))
    has_unavailable = _get_int_or_percent_value(mu) != 0
    has_surge = _get_int_or_percent_value(ms) != 0
    if has_unavailable and has_surge:
        errs.append(invalid(fld_path.child("maxSurge"), _int_or_string(ms),
                            "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errs.append(required(fld_path.child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    return errs


def validate_daemon_set_update_strategy(strategy: Any, fld_path: Path) -> ErrorList:
    """ValidateDaemonSetUpdateStrategy."""
    from ..apps import DaemonSetUpdateStrategy
    strategy = strategy or DaemonSetUpdateStrategy()
    t = strategy.type or ""
    if t == "OnDelete":
        return ErrorList()
    if t == "RollingUpdate":
        if strategy.rolling_update is None:
            return ErrorList([required(fld_path.child("rollingUpdate"), "")])
        return validate_rolling_update_daemon_set(strategy.rolling_update, fld_path.child("rollingUpdate"))
    return ErrorList([not_supported(fld_path, _ds_strategy_go(strategy), ["RollingUpdate", "OnDelete"])])


def _validate_daemon_set_spec(spec: Any, fld_path: Path) -> ErrorList:
    """ValidateDaemonSetSpec."""
    errs = ErrorList()
    errs.extend(validate_label_selector(spec.selector, fld_path.child("selector")))
    labels = spec.template.metadata.labels or {}
    if _selector_valid(spec.selector) and not (_selector_empty(spec.selector)
                                               or _selector_matches(spec.selector, labels)):
        errs.append(invalid(fld_path.child("template", "metadata", "labels"),
                            _labels_value(spec.template.metadata.labels),
                            "`selector` does not match template `labels`"))
    if spec.selector is not None and _selector_empty(spec.selector):
        errs.append(invalid(fld_path.child("selector"), label_selector_go(spec.selector),
                            "empty selector is invalid for daemonset"))
    tp = fld_path.child("template")
    errs.extend(validate_pod_template_spec(spec.template, tp))
    rp = spec.template.spec.restart_policy or ""
    if rp != "Always":
        errs.append(not_supported(tp.child("spec", "restartPolicy"), rp, ["Always"]))
    if spec.template.spec.active_deadline_seconds is not None:
        errs.append(forbidden(tp.child("spec", "activeDeadlineSeconds"),
                              "activeDeadlineSeconds in DaemonSet is not Supported"))
    errs.extend(validate_nonnegative_field(spec.min_ready_seconds or 0, fld_path.child("minReadySeconds")))
    errs.extend(validate_daemon_set_update_strategy(spec.update_strategy, fld_path.child("updateStrategy")))
    if spec.revision_history_limit is not None:
        errs.extend(validate_nonnegative_field(spec.revision_history_limit, fld_path.child("revisionHistoryLimit")))
    return errs


def validate_daemon_set(ds: Any) -> ErrorList:
    errs = validate_object_meta(ds.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(_validate_daemon_set_spec(ds.spec, new_path("spec")))
    return errs


def validate_daemon_set_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_validate_daemon_set_spec(new.spec, new_path("spec")))
    errs.extend(_immutable_selector(new.spec.selector, old.spec.selector, new_path("spec", "selector")))
    return errs


# ---- StatefulSet ----------------------------------------------------------------

def _validate_stateful_set_spec(spec: Any, fld_path: Path) -> ErrorList:
    """ValidateStatefulSetSpec."""
    errs = ErrorList()
    pmp = spec.pod_management_policy or ""
    if pmp == "":
        errs.append(required(fld_path.child("podManagementPolicy"), ""))
    elif pmp not in ("OrderedReady", "Parallel"):
        errs.append(invalid(fld_path.child("podManagementPolicy"), pmp, "must be 'OrderedReady' or 'Parallel'"))
    us = spec.update_strategy
    ut = (us.type if us is not None else "") or ""
    if ut == "":
        errs.append(required(fld_path.child("updateStrategy"), ""))
    elif ut == "OnDelete":
        if us.rolling_update is not None:
            mu = us.rolling_update.max_unavailable
            errs.append(invalid(fld_path.child("updateStrategy").child("rollingUpdate"),
                                _GoValue(f"apps.RollingUpdateStatefulSetStrategy{{Partition:{us.rolling_update.partition or 0}, "
                                         f"MaxUnavailable:(*intstr.IntOrString)({'nil' if mu is None else '0xc000000000'})}}"),
                                "only allowed for updateStrategy 'RollingUpdate'"))
    elif ut == "RollingUpdate":
        ru = us.rolling_update
        if ru is not None:
            rp = fld_path.child("updateStrategy", "rollingUpdate")
            if ru.partition is not None:
                errs.extend(validate_nonnegative_field(ru.partition, rp.child("partition")))
            if ru.max_unavailable is not None:
                errs.extend(validate_positive_int_or_percent(ru.max_unavailable, rp.child("maxUnavailable")))
                if _get_int_or_percent_value(ru.max_unavailable) == 0:
                    errs.append(invalid(rp.child("maxUnavailable"), _int_or_string(ru.max_unavailable),
                                        "cannot be 0"))
                errs.extend(is_not_more_than_100_percent(ru.max_unavailable, rp.child("maxUnavailable")))
    else:
        errs.append(invalid(fld_path.child("updateStrategy"),
                            _GoValue(f"apps.StatefulSetUpdateStrategy{{Type:{go_quote(ut)}, "
                                     f"RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}}"),
                            "must be 'RollingUpdate' or 'OnDelete'"))
    if spec.revision_history_limit is not None:
        errs.extend(validate_nonnegative_field(spec.revision_history_limit, fld_path.child("revisionHistoryLimit")))
    errs.extend(validate_nonnegative_field(spec.replicas or 0, fld_path.child("replicas")))
    errs.extend(validate_nonnegative_field(spec.min_ready_seconds or 0, fld_path.child("minReadySeconds")))
    errs.extend(_validate_selector(spec.selector, fld_path.child("selector"), "statefulset"))
    tp = fld_path.child("template")
    if not _selector_valid(spec.selector):
        errs.append(invalid(fld_path.child("selector"), label_selector_go(spec.selector), ""))
    else:
        # ValidatePodTemplateSpecForStatefulSet: upstream does not validate the
        # pod spec here ("TODO: Add validation for PodSpec"), only labels and annotations.
        labels = spec.template.metadata.labels or {}
        if not _selector_empty(spec.selector) and not _selector_matches(spec.selector, labels):
            errs.append(invalid(tp.child("metadata", "labels"), _labels_value(spec.template.metadata.labels),
                                "`selector` does not match template `labels`"))
        errs.extend(validate_labels(spec.template.metadata.labels or {}, tp.child("labels")))
        errs.extend(validate_annotations(spec.template.metadata.annotations or {}, tp.child("annotations")))
    rp = spec.template.spec.restart_policy or ""
    if rp != "Always":
        errs.append(not_supported(tp.child("spec", "restartPolicy"), rp, ["Always"]))
    if spec.template.spec.active_deadline_seconds is not None:
        errs.append(forbidden(tp.child("spec", "activeDeadlineSeconds"),
                              "activeDeadlineSeconds in StatefulSet is not Supported"))
    return errs


def validate_stateful_set(sts: Any) -> ErrorList:
    # ValidateStatefulSetName = NameIsDNSLabel (room for the "-<ordinal>" suffix)
    errs = validate_object_meta(sts.metadata, True, name_is_dns_label, new_path("metadata"))
    errs.extend(_validate_stateful_set_spec(sts.spec, new_path("spec")))
    return errs


_STS_UPDATE_MSG = ("updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                   "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")


def validate_stateful_set_update(new: Any, old: Any) -> ErrorList:
    """ValidateStatefulSetUpdate: only some spec fields may change."""
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    mutable = {"replicas", "ordinals", "template", "update_strategy",
               "persistent_volume_claim_retention_policy", "min_ready_seconds"}
    a = new.spec.model_dump(exclude=mutable, exclude_none=True)
    b = old.spec.model_dump(exclude=mutable, exclude_none=True)
    if a != b:
        errs.append(forbidden(new_path("spec"), _STS_UPDATE_MSG))
    errs.extend(_validate_stateful_set_spec(new.spec, new_path("spec")))
    return errs
