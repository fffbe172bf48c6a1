"""flowcontrol.apiserver.k8s.io/v1 FlowSchema and PriorityLevelConfiguration validation
(pkg/apis/flowcontrol/validation/validation.go): matchingPrecedence 1..10000 (1 only for
``exempt``), a priority level reference, subjects of kind User/Group/ServiceAccount with
their member set, resource and non-resource rules, and a level's type Exempt if and only if
it is named ``exempt`` with the Limited fields checked. An update is validated as a create
(ValidateFlowSchemaUpdate / ValidatePriorityLevelConfigurationUpdate).

Not modelled: the check that a mandatory object's spec equals its fixed value."""

from __future__ import annotations

import math
from typing import Any

from ..field import ErrorList, Path, forbidden, invalid, new_path, not_supported, required
from ..flowcontrol import FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE
from .names import (is_dns1123_label, is_dns1123_subdomain, name_is_dns_subdomain, validate_object_meta,
                    validate_object_meta_update)

__all__ = ["validate_flow_schema", "validate_flow_schema_update", "validate_priority_level_configuration",
           "validate_priority_level_configuration_update"]

SUPPORTED_DISTINGUISHER_METHODS = ["ByNamespace", "ByUser"]
SUPPORTED_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"]
SUPPORTED_SUBJECT_KINDS = ["Group", "ServiceAccount", "User"]
SUPPORTED_ENABLEMENT = ["Exempt", "Limited"]
SUPPORTED_LIMIT_RESPONSE = ["Queue", "Reject"]
MAX_QUEUES = 10 * 1000 * 1000  # priorityLevelConfigurationQueuingMaxQueues
MAX_HASH_BITS = 60  # shufflesharding.MaxHashBits
NS_ERR_INTRO = "each member of this list must be '*' or a DNS-1123 label; "


# -- FlowSchema -----------------------------------------------------------------------------------
def validate_flow_schema(fs: Any) -> ErrorList:
    errs = validate_object_meta(fs.metadata, False, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(_validate_flow_schema_spec(fs.metadata.name or "", fs.spec, new_path("spec")))
    errs.extend(_validate_conditions(fs.status.conditions, new_path("status")))
    return errs


def validate_flow_schema_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_validate_flow_schema_spec(new.metadata.name or "", new.spec, new_path("spec")))
    errs.extend(_validate_conditions(new.status.conditions, new_path("status")))
    return errs


def _validate_flow_schema_spec(name: str, spec: Any, p: Path) -> ErrorList:
    errs = ErrorList()
    mp = spec.matching_precedence
    if mp <= 0:
        errs.append(invalid(p.child("matchingPrecedence"), mp, "must be a positive value"))
    if mp > FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE:
        errs.append(invalid(p.child("matchingPrecedence"), mp,
                            f"must not be greater than {FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE}"))
    if mp == 1 and name != "exempt":
        errs.append(invalid(p.child("matchingPrecedence"), mp, "only the schema named 'exempt' may have matchingPrecedence 1"))
    dm = spec.distinguisher_method
    if dm is not None and dm.type not in SUPPORTED_DISTINGUISHER_METHODS:
        errs.append(not_supported(p.child("distinguisherMethod", "type"), dm, SUPPORTED_DISTINGUISHER_METHODS))
    pl_name = spec.priority_level_configuration.name
    if pl_name:
        for msg in name_is_dns_subdomain(pl_name, False):
            errs.append(invalid(p.child("priorityLevelConfiguration", "name"), pl_name, msg))
    else:
        errs.append(required(p.child("priorityLevelConfiguration", "name"), "must reference a priority level"))
    for i, rule in enumerate(spec.rules or ()):
        errs.extend(_validate_rules_with_subjects(rule, p.child("rules").index(i)))
    return errs


def _validate_rules_with_subjects(rule: Any, p: Path) -> ErrorList:
    errs = ErrorList()
    if rule.subjects:
        for i, s in enumerate(rule.subjects):
            errs.extend(_validate_subject(s, p.child("subjects").index(i)))
    else:
        errs.append(required(p.child("subjects"), "subjects must contain at least one value"))
    if not rule.resource_rules and not rule.non_resource_rules:
        errs.append(required(p, "at least one of resourceRules and nonResourceRules has to be non-empty"))
    for i, r in enumerate(rule.resource_rules or ()):
        errs.extend(_validate_resource_rule(r, p.child("resourceRules").index(i)))
    for i, r in enumerate(rule.non_resource_rules or ()):
        errs.extend(_validate_non_resource_rule(r, p.child("nonResourceRules").index(i)))
    return errs


def _validate_subject(s: Any, p: Path) -> ErrorList:
    errs = ErrorList()
    user_forbidden = forbidden(p.child("user"), "user is forbidden when subject kind is not 'User'")
    group_forbidden = forbidden(p.child("group"), "group is forbidden when subject kind is not 'Group'")
    sa_forbidden = forbidden(p.child("serviceAccount"), "serviceAccount is forbidden when subject kind is not 'ServiceAccount'")
    if s.kind == "ServiceAccount":
        sa, sp = s.service_account, p.child("serviceAccount")
        if sa is None:
            errs.append(required(sp, "serviceAccount is required when subject kind is 'ServiceAccount'"))
        else:
            if not sa.name:
                errs.append(required(sp.child("name"), ""))
            elif sa.name != "*":
                for msg in is_dns1123_subdomain(sa.name):  # ValidateServiceAccountName
                    errs.append(invalid(sp.child("name"), sa.name, msg))
            if sa.namespace:
                for msg in is_dns1123_label(sa.namespace):  # ValidateNamespaceName
                    errs.append(invalid(sp.child("namespace"), sa.namespace, msg))
            else:
                errs.append(required(sp.child("namespace"), "must specify namespace for service account"))
        if s.user is not None:
            errs.append(user_forbidden)
        if s.group is not None:
            errs.append(group_forbidden)
    elif s.kind == "User":
        if s.user is None:
            errs.append(required(p.child("user"), "user is required when subject kind is 'User'"))
        elif not s.user.name:
            errs.append(required(p.child("user", "name"), ""))
        if s.service_account is not None:
            errs.append(sa_forbidden)
        if s.group is not None:
            errs.append(group_forbidden)
    elif s.kind == "Group":
        if s.group is None:
            errs.append(required(p.child("group"), "group is required when subject kind is 'Group'"))
        elif not s.group.name:
            errs.append(required(p.child("group", "name"), ""))
        if s.service_account is not None:
            errs.append(sa_forbidden)
        if s.user is not None:
            errs.append(user_forbidden)
    else:
        errs.append(not_supported(p.child("kind"), s.kind, SUPPORTED_SUBJECT_KINDS))
    return errs


def _validate_verbs(verbs: list[str], p: Path) -> ErrorList:
    errs = ErrorList()
    if not verbs:
        errs.append(required(p, "verbs must contain at least one value"))
    elif "*" in verbs:
        if len(verbs) > 1:
            errs.append(invalid(p, verbs, "if '*' is present, must not specify other verbs"))
    elif not set(verbs) <= set(SUPPORTED_VERBS):
        errs.append(not_supported(p, verbs, SUPPORTED_VERBS))
    return errs


def _validate_resource_rule(r: Any, p: Path) -> ErrorList:
    errs = _validate_verbs(r.verbs, p.child("verbs"))
    if not r.api_groups:
        errs.append(required(p.child("apiGroups"), "resource rules must supply at least one api group"))
    elif len(r.api_groups) > 1 and "*" in r.api_groups:
        errs.append(invalid(p.child("apiGroups"), r.api_groups, "if '*' is present, must not specify other api groups"))
    if not r.resources:
        errs.append(required(p.child("resources"), "resource rules must supply at least one resource"))
    elif len(r.resources) > 1 and "*" in r.resources:
        errs.append(invalid(p.child("resources"), r.resources, "if '*' is present, must not specify other resources"))
    namespaces = r.namespaces or []
    if not namespaces and not r.cluster_scope:
        errs.append(required(p.child("namespaces"),
                             "resource rules that are not cluster scoped must supply at least one namespace"))
    elif "*" in namespaces:
        if len(namespaces) > 1:
            errs.append(invalid(p.child("namespaces"), namespaces, "if '*' is present, must not specify other namespaces"))
    else:
        for i, ns in enumerate(namespaces):
            for msg in is_dns1123_label(ns):
                errs.append(invalid(p.child("namespaces").index(i), ns, NS_ERR_INTRO + msg))
    return errs


def _validate_non_resource_rule(r: Any, p: Path) -> ErrorList:
    errs = _validate_verbs(r.verbs, p.child("verbs"))
    urls = r.non_resource_urls
    if not urls:
        errs.append(required(p.child("nonResourceURLs"), "nonResourceURLs must contain at least one value"))
    elif "*" in urls:
        if len(urls) > 1:
            errs.append(invalid(p.child("nonResourceURLs"), urls, "if '*' is present, must not specify other non-resource URLs"))
    else:
        for i, u in enumerate(urls):
            msg = _non_resource_url_error(u)
            if msg:
                errs.append(invalid(p.child("nonResourceURLs").index(i), u, msg))
    return errs


def _non_resource_url_error(path: str) -> str:
    """ValidateNonResourceURLPath."""
    if not path:
        return "must not be empty"
    if path == "/":
        return ""
    if not path.startswith("/"):
        return "must start with slash"
    if " " in path:
        return "must not contain white-space"
    if "//" in path:
        return "must not contain double slash"
    stars = path.count("*")
    if stars > 1 or (stars == 1 and path[-2:] != "/*"):
        return "wildcard can only do suffix matching"
    return ""


def _validate_conditions(conditions: Any, p: Path) -> ErrorList:
    errs = ErrorList()
    seen: set[str] = set()
    for i, c in enumerate(conditions or ()):
        if c.type in seen:
            from ..field import duplicate

            errs.append(duplicate(p.child("conditions").index(i).child("type"), c.type))
        seen.add(c.type or "")
        if not c.type:
            errs.append(required(p.child("conditions").index(i).child("type"), "must not be empty"))
    return errs


# -- PriorityLevelConfiguration -------------------------------------------------------------------
def validate_priority_level_configuration(pl: Any) -> ErrorList:
    errs = validate_object_meta(pl.metadata, False, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(_validate_pl_spec(pl.spec, pl.metadata.name or "", new_path("spec")))
    errs.extend(_validate_conditions(pl.status.conditions, new_path("status")))
    return errs


def validate_priority_level_configuration_update(new: Any, old: Any) -> ErrorList:
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(_validate_pl_spec(new.spec, new.metadata.name or "", new_path("spec")))
    errs.extend(_validate_conditions(new.status.conditions, new_path("status")))
    return errs


def _validate_pl_spec(spec: Any, name: str, p: Path) -> ErrorList:
    errs = ErrorList()
    if (name == "exempt") != (spec.type == "Exempt"):
        errs.append(invalid(p.child("type"), spec.type, "type must be 'Exempt' if and only if name is 'exempt'"))
    if spec.type == "Exempt":
        if spec.limited is not None:
            errs.append(forbidden(p.child("limited"), "must be nil if the type is not Limited"))
        if spec.exempt is not None:
            ex, ep = spec.exempt, p.child("exempt")
            if ex.nominal_concurrency_shares is not None and ex.nominal_concurrency_shares < 0:
                errs.append(invalid(ep.child("nominalConcurrencyShares"), ex.nominal_concurrency_shares,
                                    "must be a non-negative integer"))
            if ex.lendable_percent is not None and not 0 <= ex.lendable_percent <= 100:
                errs.append(invalid(ep.child("lendablePercent"), ex.lendable_percent, "must be between 0 and 100, inclusive"))
    elif spec.type == "Limited":
        if spec.exempt is not None:
            errs.append(forbidden(p.child("exempt"), "must be nil if the type is Limited"))
        if spec.limited is None:
            errs.append(required(p.child("limited"), "must not be empty when type is Limited"))
        else:
            errs.extend(_validate_limited(spec.limited, p.child("limited")))
    else:
        errs.append(not_supported(p.child("type"), spec.type, SUPPORTED_ENABLEMENT))
    return errs


def _validate_limited(lim: Any, p: Path) -> ErrorList:
    errs = ErrorList()
    ncs = lim.nominal_concurrency_shares
    if ncs is not None and ncs < 0:  # v1 allows 0 (AllowZeroLimitedNominalConcurrencyShares)
        errs.append(invalid(p.child("nominalConcurrencyShares"), ncs, "must be a non-negative integer"))
    lr, lp = lim.limit_response, p.child("limitResponse")
    if lr.type == "Reject":
        if lr.queuing is not None:
            errs.append(forbidden(lp.child("queuing"), "must be nil if limited.limitResponse.type is not Limited"))
    elif lr.type == "Queue":
        if lr.queuing is None:
            errs.append(required(lp.child("queuing"), "must not be empty if limited.limitResponse.type is Limited"))
        else:
            errs.extend(_validate_queuing(lr.queuing, lp.child("queuing")))
    else:
        errs.append(not_supported(lp.child("type"), lr.type, SUPPORTED_LIMIT_RESPONSE))
    if lim.lendable_percent is not None and not 0 <= lim.lendable_percent <= 100:
        errs.append(invalid(p.child("lendablePercent"), lim.lendable_percent, "must be between 0 and 100, inclusive"))
    if lim.borrowing_limit_percent is not None and lim.borrowing_limit_percent < 0:
        errs.append(invalid(p.child("borrowingLimitPercent"), lim.borrowing_limit_percent,
                            "if specified, must be a non-negative integer"))
    return errs


def required_entropy_bits(deck_size: int, hand_size: int) -> int:
    """shufflesharding.RequiredEntropyBits: ceil(log2(deckSize ** handSize))."""
    return math.ceil(math.log2(deck_size) * hand_size)


def _validate_queuing(q: Any, p: Path) -> ErrorList:
    errs = ErrorList()
    if q.queue_length_limit <= 0:
        errs.append(invalid(p.child("queueLengthLimit"), q.queue_length_limit, "must be positive"))
    if q.queues <= 0:
        errs.append(invalid(p.child("queues"), q.queues, "must be positive"))
    elif q.queues > MAX_QUEUES:
        errs.append(invalid(p.child("queues"), q.queues, f"must not be greater than {MAX_QUEUES}"))
    if q.hand_size <= 0:
        errs.append(invalid(p.child("handSize"), q.hand_size, "must be positive"))
    elif q.hand_size > q.queues:
        errs.append(invalid(p.child("handSize"), q.hand_size, f"should not be greater than queues ({q.queues})"))
    elif required_entropy_bits(q.queues, q.hand_size) > MAX_HASH_BITS:
        errs.append(invalid(p.child("handSize"), q.hand_size,
                            f"required entropy bits of deckSize {q.queues} and handSize {q.hand_size} should not be "
                            f"greater than {MAX_HASH_BITS}"))
    return errs
