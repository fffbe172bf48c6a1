"""Authorization: the Node authorizer, then RBAC (``--authorization-mode=Node,RBAC``, kubeadm's).

* :class:`Attributes` is authorizer.AttributesRecord: who, verb, and either a resource
  (group, resource, subresource, namespace, name) or a non-resource path.
* RBAC (plugin/pkg/auth/authorizer/rbac/rbac.go) walks the ClusterRoleBindings, then the
  RoleBindings of the request's namespace, and allows on the first rule that covers the
  request (rbac.go RuleAllows; rbac/v1 helpers VerbMatches, APIGroupMatches,
  ResourceMatches with ``*`` and ``*/subresource``, ResourceNameMatches,
  NonResourceURLMatches with a trailing ``*``). Nothing ever denies: no rule, no access.
* A ClusterRole with an ``aggregationRule`` holds the union of the rules of the
  ClusterRoles its selectors match. Upstream the clusterrole-aggregation controller writes
  that union into the role; kubelab computes it when it authorizes (same answer, no
  controller lag).
* The Node authorizer (plugin/pkg/auth/authorizer/node/node_authorizer.go) answers for
  ``system:node:<name>`` in ``system:nodes``: secrets and configmaps only when a pod bound
  to that node uses them, everything else by the system:node rules.

Denials are worded as the API server words them (endpoints/handlers/responsewriters
forbidden): ``User "alice" cannot list resource "pods" in API group "" in the namespace "default"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Optional

from kubelab.api.labels import Selector

from . import bootstrappolicy
from .user import NODES_GROUP, SYSTEM_PRIVILEGED_GROUP, UserInfo

if TYPE_CHECKING:  # pragma: no cover
    from .server import APIServer

ALLOW, DENY, NO_OPINION = "Allow", "Deny", "NoOpinion"

# the request verbs kubelab's Request carries, as the authorizer sees them (request/requestinfo.go)
_VERBS = {"create": "create", "get": "get", "list": "list", "watch": "watch", "update": "update",
          "patch": "patch", "delete": "delete", "bind": "create", "deletecollection": "deletecollection"}


@dataclass(frozen=True)
class Attributes:
    user: UserInfo
    verb: str
    resource: str = ""
    api_group: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""  # a non-resource request (``/healthz``)

    @property
    def resource_request(self) -> bool:
        return not self.path


def attributes_for(req: Any, user: UserInfo) -> Attributes:
    """The authorizer's view of a :class:`~kubelab.apiserver.server.Request`."""
    kind = req.kind
    sub = req.subresource or ""
    if req.verb == "bind":
        sub = "binding"
    return Attributes(user=user, verb=_VERBS.get(req.verb, req.verb), resource=kind.RESOURCE, api_group=kind.GROUP,
                      subresource=sub, namespace=(req.namespace or "") if kind.NAMESPACED else "",
                      # a create's URL names no object (the name is in the body): RBAC's
                      # resourceNames never match it (authorization/v1 ResourceAttributes)
                      name="" if req.verb == "create" and not sub else req.name or "")


# -- rule matching (pkg/apis/rbac/v1/evaluation_helpers.go) ------------------------------------


def verb_matches(rule, verb: str) -> bool:
    return any(v == "*" or v == verb for v in rule.verbs or ())


def api_group_matches(rule, group: str) -> bool:
    return any(g == "*" or g == group for g in rule.api_groups or ())


def resource_matches(rule, resource: str, subresource: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for r in rule.resources or ():
        if r == "*" or r == combined:
            return True
        if subresource and r == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule, name: str) -> bool:
    if not rule.resource_names:
        return True
    return name in rule.resource_names


def non_resource_url_matches(rule, path: str) -> bool:
    for u in rule.non_resource_urls or ():
        if u == "*" or u == path or (u.endswith("*") and path.startswith(u[:-1])):
            return True
    return False


def rule_allows(a: Attributes, rule) -> bool:
    if a.resource_request:
        return (verb_matches(rule, a.verb) and api_group_matches(rule, a.api_group)
                and resource_matches(rule, a.resource, a.subresource) and resource_name_matches(rule, a.name))
    return verb_matches(rule, a.verb) and non_resource_url_matches(rule, a.path)


def applies_to(subject, user: UserInfo, binding_namespace: str) -> bool:
    """rbac.go appliesToUser."""
    if subject.kind == "User":
        return user.name == subject.name
    if subject.kind == "Group":
        return subject.name in user.groups
    if subject.kind == "ServiceAccount":
        ns = subject.namespace or binding_namespace
        return bool(ns) and user.name == f"system:serviceaccount:{ns}:{subject.name}"
    return False


class RBACAuthorizer:
    """RBAC over the API server's watch caches (what the real one's informers hold)."""

    def __init__(self, server: "APIServer"):
        self.server = server
        # (user, namespace) -> [(source, rule)], valid while no RBAC object changed (the real
        # authorizer reads its informers' indexes; re-sorting every binding per request cost
        # a third of a status update's time). Keyed on the four RBAC caches and their revisions.
        self._rules_cache: dict = {}
        self._rules_stamp: tuple = ()
        # the decision for a request's attributes, under the same stamp (the object's name
        # counts only when one of the user's rules names resources)
        self._decisions: dict = {}

    _RBAC_KINDS = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")

    def _objects(self, kind: str, namespace: Optional[str] = None) -> list:
        cache = self.server.caches.get(kind)
        if cache is None:
            return []
        objs = cache.objects.values()
        if namespace is not None:
            objs = [o for o in objs if o.metadata.namespace == namespace]
        return sorted(objs, key=lambda o: (o.metadata.namespace or "", o.metadata.name))

    def cluster_role_rules(self, name: str, _seen: frozenset = frozenset()) -> list:
        role = self.server.caches["ClusterRole"].get(None, name)
        if role is None:
            return []
        rules = list(role.rules or [])
        agg = role.aggregation_rule
        if agg and agg.cluster_role_selectors and name not in _seen:
            sels = [Selector.from_label_selector(s) for s in agg.cluster_role_selectors]
            for other in self._objects("ClusterRole"):
                if other.metadata.name == name:
                    continue
                labels = other.metadata.labels or {}
                if any(s.matches(labels) for s in sels):
                    for r in self.cluster_role_rules(other.metadata.name, _seen | {name}):
                        if r not in rules:
                            rules.append(r)
        return rules

    def _role_rules(self, ref, namespace: str) -> list:
        if ref.kind == "ClusterRole":
            return self.cluster_role_rules(ref.name)
        role = self.server.caches["Role"].get(namespace, ref.name)
        return list(role.rules or []) if role is not None else []

    def rules_for(self, user: UserInfo, namespace: str = "") -> Iterable[tuple[str, Any]]:
        """(the binding that grants it, the rule) for every rule that applies to ``user``
        in ``namespace`` (rbac.go VisitRulesFor)."""
        caches = self.server.caches
        stamp = tuple((id(c), c.revision, len(c.objects)) if c is not None else None
                      for c in (caches.get(k) for k in self._RBAC_KINDS))
        if stamp != self._rules_stamp:
            self._rules_cache.clear()
            self._decisions.clear()
            self._rules_stamp = stamp
        key = (user.name, user.groups, namespace)
        rules = self._rules_cache.get(key)
        if rules is None:
            rules = self._rules_cache[key] = list(self._visit_rules(user, namespace))
        return rules

    def _visit_rules(self, user: UserInfo, namespace: str) -> Iterable[tuple[str, Any]]:
        for b in self._objects("ClusterRoleBinding"):
            subject = next((s for s in b.subjects or () if applies_to(s, user, "")), None)
            if subject is not None:
                source = (f'ClusterRoleBinding "{b.metadata.name}" of ClusterRole "{b.role_ref.name}" '
                          f'to {_describe_subject(subject, "")}')
                for r in self._role_rules(b.role_ref, ""):
                    yield source, r
        if namespace:
            for b in self._objects("RoleBinding", namespace):
                subject = next((s for s in b.subjects or () if applies_to(s, user, namespace)), None)
                if subject is not None:
                    source = (f'RoleBinding "{b.metadata.name}/{namespace}" of {b.role_ref.kind} '
                              f'"{b.role_ref.name}" to {_describe_subject(subject, namespace)}')
                    for r in self._role_rules(b.role_ref, namespace):
                        yield source, r

    def authorize(self, a: Attributes) -> tuple[str, str]:
        rules = self.rules_for(a.user, a.namespace)  # first: a changed RBAC object clears the decisions
        user = a.user
        key = (user.name, user.groups, a.namespace, a.verb, a.api_group, a.resource, a.subresource, a.path)
        memo = self._decisions.get(key)
        if memo is None:
            if len(self._decisions) >= 100_000:
                self._decisions.clear()
            # (whether any of these rules names resources, the decisions by object name)
            memo = self._decisions[key] = (any(r.resource_names for _, r in rules), {})
        names, answers = memo
        name = a.name if names else ""
        decision = answers.get(name)
        if decision is None:
            decision = answers[name] = self._authorize(rules, a)
        return decision

    @staticmethod
    def _authorize(rules, a: Attributes) -> tuple[str, str]:
        for source, r in rules:
            if rule_allows(a, r):
                return ALLOW, f"RBAC: allowed by {source}"
        return NO_OPINION, ""


def _describe_subject(s: Any, binding_namespace: str) -> str:
    """rbac.go describeSubject: the subject of the binding that matched."""
    if s.kind == "ServiceAccount":
        return f'ServiceAccount "{s.name}/{s.namespace or binding_namespace}"'
    return f'{s.kind} "{s.name}"'


class NodeAuthorizer:
    """node_authorizer.go: a kubelet may read the secrets and configmaps of pods bound to its
    node (the graph), and do what the system:node rules allow; others get NoOpinion."""

    def __init__(self, server: "APIServer"):
        self.server = server
        self.rules = bootstrappolicy.node_rules()
        # the rules are fixed: whether they allow a request's (verb, group, resource,
        # subresource[, name]) is worked out once
        self._names = any(r.resource_names for r in self.rules)
        self._allowed: dict[tuple, bool] = {}

    def authorize(self, a: Attributes) -> tuple[str, str]:
        user = a.user
        if NODES_GROUP not in user.groups or not user.name.startswith("system:node:"):
            return NO_OPINION, ""
        node = user.name[len("system:node:"):]
        if not node:
            return NO_OPINION, "unknown node"
        if a.resource_request and a.api_group == "" and a.resource in ("secrets", "configmaps"):
            if a.verb not in ("get", "list", "watch"):
                return NO_OPINION, f"can only read resources of type {a.resource}"
            if a.verb != "get" or not a.name:
                return NO_OPINION, "can only get individual resources of this type"
            if self._pod_on_node_uses(node, a.resource, a.namespace, a.name):
                return ALLOW, ""
            # node_authorizer.go authorize: no path in the graph
            return NO_OPINION, (f"no relationship found between node '{node}' and this object")
        if a.resource_request and self._rules_allow(a):
            return ALLOW, ""
        return NO_OPINION, ""

    def _rules_allow(self, a: Attributes) -> bool:
        key = (a.verb, a.api_group, a.resource, a.subresource, a.name if self._names else "")
        allowed = self._allowed.get(key)
        if allowed is None:
            if len(self._allowed) >= 100_000:
                self._allowed.clear()
            allowed = self._allowed[key] = any(rule_allows(a, r) for r in self.rules)
        return allowed

    def _pod_on_node_uses(self, node: str, resource: str, namespace: str, name: str) -> bool:
        for pod in self.server.caches["Pod"].objects.values():
            if pod.spec.node_name != node or pod.metadata.namespace != namespace:
                continue
            if name in pod_references(pod, resource):
                return True
        return False


def pod_references(pod, resource: str) -> set[str]:
    """Names of the secrets or configmaps a pod uses (volumes, env, envFrom, image pull
    secrets): the edges of the Node authorizer's graph (node/graph_populator.go)."""
    out: set[str] = set()
    spec = pod.spec
    key = "secret" if resource == "secrets" else "configMap"
    for v in spec.volumes or ():
        d = v.to_dict()
        if resource == "secrets" and "secret" in d:
            out.add(d["secret"].get("secretName", ""))
        if resource == "configmaps" and "configMap" in d:
            out.add(d["configMap"].get("name", ""))
        for src in (d.get("projected") or {}).get("sources", []) or []:
            if key in src:
                out.add(src[key].get("name", ""))
    for c in [*(spec.containers or ()), *(spec.init_containers or ())]:
        for e in c.env or ():
            vf = (e.value_from or {}) if isinstance(e.value_from, dict) else {}
            ref = vf.get("secretKeyRef" if resource == "secrets" else "configMapKeyRef")
            if ref:
                out.add(ref.get("name", ""))
        for ef in c.env_from or ():
            ref = ef.get("secretRef" if resource == "secrets" else "configMapRef")
            if ref:
                out.add(ref.get("name", ""))
    if resource == "secrets":
        for s in spec.image_pull_secrets or ():
            out.add(s.get("name", ""))
    out.discard("")
    return out


class Authorizer:
    """The union authorizer kubeadm configures: Node, then RBAC."""

    def __init__(self, server: "APIServer"):
        self.node = NodeAuthorizer(server)
        self.rbac = RBACAuthorizer(server)

    def authorize(self, a: Attributes) -> tuple[str, str]:
        reasons = []
        for authz in (self.node, self.rbac):
            decision, reason = authz.authorize(a)
            if decision != NO_OPINION:
                return decision, reason
            if reason:
                reasons.append(reason)
        return DENY, ", ".join(reasons)


def forbidden_message(a: Attributes) -> str:
    """responsewriters.forbiddenMessage."""
    who = f'User "{a.user.name}"'
    if not a.resource_request:
        return f'{who} cannot {a.verb} path "{a.path}"'
    resource = a.resource + (f"/{a.subresource}" if a.subresource else "")
    where = f' in the namespace "{a.namespace}"' if a.namespace else " at the cluster scope"
    return f'{who} cannot {a.verb} resource "{resource}" in API group "{a.api_group}"{where}'


def is_privileged(user: UserInfo) -> bool:
    return SYSTEM_PRIVILEGED_GROUP in user.groups


__all__ = ["ALLOW", "Attributes", "Authorizer", "DENY", "NO_OPINION", "NodeAuthorizer", "RBACAuthorizer",
           "attributes_for", "forbidden_message", "rule_allows"]
