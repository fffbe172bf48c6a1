"""The default roles and bindings every cluster starts with.

Mirrors plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (the roles kubelab's
resources touch; storage, certificates and CSI roles are left out), which kube-apiserver
writes at start-up in its ``rbac/bootstrap-roles`` post-start hook, plus the binding kubeadm
adds (``kubeadm:cluster-admins`` → cluster-admin, cmd/kubeadm/app/phases/kubeconfig).
"""

from __future__ import annotations

from kubelab.api.rbac import AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject
from kubelab.api.meta import LabelSelector, ObjectMeta

from .user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, NODES_GROUP, SYSTEM_PRIVILEGED_GROUP

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = READ + WRITE
LABEL = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AGG = "rbac.authorization.k8s.io/aggregate-to-"

KUBE_SCHEDULER = "system:kube-scheduler"
KUBE_CONTROLLER_MANAGER = "system:kube-controller-manager"
KUBE_PROXY = "system:kube-proxy"


def rule(verbs, groups=None, resources=None, names=None, urls=None) -> PolicyRule:
    return PolicyRule(verbs=list(verbs), api_groups=None if groups is None else list(groups),
                      resources=None if resources is None else list(resources),
                      resource_names=None if names is None else list(names),
                      non_resource_urls=None if urls is None else list(urls))


def events_rule() -> PolicyRule:
    return rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"])


def node_rules() -> list[PolicyRule]:
    """bootstrappolicy.NodeRules: what the Node authorizer lets a kubelet do."""
    return [
        rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
        rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
        rule(READ, [""], ["services"]),
        rule(["create", "get", "list", "watch"], [""], ["nodes"]),
        rule(["update", "patch"], [""], ["nodes/status"]),
        rule(["update", "patch"], [""], ["nodes"]),
        rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]),
        rule(READ, [""], ["pods"]),
        rule(["create", "delete"], [""], ["pods"]),
        rule(["update", "patch"], [""], ["pods/status"]),
        rule(["create"], [""], ["pods/eviction"]),
        rule(["get"], [""], ["configmaps", "secrets"]),
        rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
        rule(["get"], [""], ["endpoints"]),
        rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
        rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], ["leases"]),
        rule(["create"], [""], ["serviceaccounts/token"]),
    ]


def _role(name, rules=None, labels=None, aggregate=None) -> ClusterRole:
    return ClusterRole(
        metadata=ObjectMeta(name=name, labels={**LABEL, **(labels or {})},
                            annotations={"rbac.authorization.kubernetes.io/autoupdate": "true"}),
        rules=rules if rules is not None else ([] if aggregate is None else None),
        aggregation_rule=None if aggregate is None else AggregationRule(
            cluster_role_selectors=[LabelSelector(match_labels={AGG + aggregate: "true"})]))


def cluster_roles() -> list[ClusterRole]:
    return [
        _role("cluster-admin", [rule(["*"], ["*"], ["*"]), rule(["*"], urls=["*"])]),
        _role("system:discovery", [rule(["get"], urls=[
            "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz",
            "/version", "/version/"])]),
        _role("system:basic-user", [rule(["create"], ["authorization.k8s.io"],
                                         ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                                    rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])]),
        _role("system:public-info-viewer", [rule(["get"], urls=[
            "/healthz", "/livez", "/readyz", "/version", "/version/"])]),
        _role("admin", aggregate="admin"),
        _role("edit", labels={AGG + "admin": "true"}, aggregate="edit"),
        _role("view", labels={AGG + "edit": "true"}, aggregate="view"),
        _role("system:aggregate-to-admin", labels={AGG + "admin": "true"}, rules=[
            rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
            rule(READ_WRITE, ["rbac.authorization.k8s.io"], ["rolebindings", "roles"]),
        ]),
        _role("system:aggregate-to-edit", labels={AGG + "edit": "true"}, rules=[
            rule(READ, [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets",
                              "services/proxy"]),
            rule(["impersonate"], [""], ["serviceaccounts"]),
            rule(WRITE, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
            rule(["create"], [""], ["pods/eviction"]),
            rule(WRITE, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "replicationcontrollers",
                               "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
                               "services/proxy"]),
            rule(["create"], [""], ["serviceaccounts/token"]),
            rule(WRITE, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale",
                                   "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"]),
            rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
            rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
            rule(WRITE, ["extensions"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale",
                                         "ingresses", "networkpolicies", "replicasets", "replicasets/scale",
                                         "replicationcontrollers/scale"]),
            rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
            rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
            rule(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
        ]),
        _role("system:aggregate-to-view", labels={AGG + "view": "true"}, rules=[
            rule(READ, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
                              "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
                              "services", "services/status"]),
            rule(READ, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                              "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
            rule(READ, [""], ["namespaces"]),
            rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
            rule(READ, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
                                  "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
                                  "replicasets/status", "statefulsets", "statefulsets/scale",
                                  "statefulsets/status"]),
            rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
            rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
            rule(READ, ["extensions"], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                                        "deployments/status", "ingresses", "ingresses/status", "networkpolicies",
                                        "replicasets", "replicasets/scale", "replicasets/status",
                                        "replicationcontrollers/scale"]),
            rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
            rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
        ]),
        _role("system:node", node_rules()),
        _role("system:node-proxier", [
            rule(["list", "watch"], [""], ["endpoints", "services"]),
            rule(READ, [""], ["nodes"]),
            events_rule(),
            rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
        ]),
        _role(KUBE_SCHEDULER, [
            events_rule(),
            rule(["create"], ["coordination.k8s.io"], ["leases"]),
            rule(["get", "update"], ["coordination.k8s.io"], ["leases"], names=["kube-scheduler"]),
            rule(["create"], [""], ["endpoints"]),
            rule(["get", "update"], [""], ["endpoints"], names=["kube-scheduler"]),
            rule(READ, [""], ["nodes"]),
            rule(["get", "list", "watch", "delete"], [""], ["pods"]),
            rule(["create"], [""], ["bindings", "pods/binding"]),
            rule(["patch", "update"], [""], ["pods/status"]),
            rule(READ, [""], ["replicationcontrollers", "services"]),
            rule(READ, ["apps", "extensions"], ["replicasets"]),
            rule(READ, ["apps"], ["statefulsets"]),
            rule(READ, ["policy"], ["poddisruptionbudgets"]),
            rule(READ, [""], ["persistentvolumeclaims", "persistentvolumes"]),
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
            rule(READ, ["storage.k8s.io"], ["csinodes"]),
            rule(READ, [""], ["namespaces"]),
            rule(READ, ["storage.k8s.io"], ["csidrivers", "csistoragecapacities"]),
            # the scheduler's informers (kubelab's scheduler watches priority classes too)
            rule(READ, ["scheduling.k8s.io"], ["priorityclasses"]),
        ]),
        _role(KUBE_CONTROLLER_MANAGER, [
            events_rule(),
            rule(["create"], ["coordination.k8s.io"], ["leases"]),
            rule(["get", "update"], ["coordination.k8s.io"], ["leases"], names=["kube-controller-manager"]),
            rule(["create"], [""], ["endpoints"]),
            rule(["get", "update"], [""], ["endpoints"], names=["kube-controller-manager"]),
            rule(["create"], [""], ["secrets", "serviceaccounts"]),
            rule(["delete"], [""], ["secrets"]),
            rule(["get"], [""], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
            rule(["update"], [""], ["secrets", "serviceaccounts"]),
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
            rule(["list", "watch"], ["*"], ["*"]),
            rule(["create"], [""], ["serviceaccounts/token"]),
        ]),
        # the VolumeBinding plugin's rights (bootstrappolicy policy.go "system:volume-scheduler")
        _role("system:volume-scheduler", [
            rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumes"]),
            rule(READ, ["storage.k8s.io"], ["storageclasses"]),
            rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumeclaims"]),
        ]),
        _role("system:kube-dns", [rule(["list", "watch"], [""], ["endpoints", "services"])]),
        _role("system:monitoring", [rule(["get"], urls=["/healthz", "/healthz/*", "/livez", "/livez/*",
                                                        "/metrics", "/metrics/slis", "/readyz", "/readyz/*"])]),
    ]


def _binding(name, role=None, users=(), groups=(), sas=()) -> ClusterRoleBinding:
    subjects = [Subject(kind="User", api_group="rbac.authorization.k8s.io", name=u) for u in users]
    subjects += [Subject(kind="Group", api_group="rbac.authorization.k8s.io", name=g) for g in groups]
    subjects += [Subject(kind="ServiceAccount", name=n, namespace=ns) for ns, n in sas]
    return ClusterRoleBinding(
        metadata=ObjectMeta(name=name, labels=dict(LABEL),
                            annotations={"rbac.authorization.kubernetes.io/autoupdate": "true"}),
        subjects=subjects or None, role_ref=RoleRef(kind="ClusterRole", name=role or name))


def cluster_role_bindings() -> list[ClusterRoleBinding]:
    return [
        _binding("cluster-admin", groups=[SYSTEM_PRIVILEGED_GROUP]),
        _binding("system:discovery", groups=[ALL_AUTHENTICATED]),
        _binding("system:basic-user", groups=[ALL_AUTHENTICATED]),
        _binding("system:public-info-viewer", groups=[ALL_AUTHENTICATED, ALL_UNAUTHENTICATED]),
        _binding("system:node-proxier", users=[KUBE_PROXY]),
        _binding(KUBE_CONTROLLER_MANAGER, users=[KUBE_CONTROLLER_MANAGER]),
        _binding("system:kube-dns", sas=[("kube-system", "kube-dns")]),
        _binding(KUBE_SCHEDULER, users=[KUBE_SCHEDULER]),
        _binding("system:volume-scheduler", users=[KUBE_SCHEDULER]),
        _binding("system:monitoring", groups=["system:monitoring"]),
        # deprecated since 1.7 in favour of the Node authorizer: kept with no subjects
        _binding("system:node"),
    ]


def kubeadm_bindings() -> list[ClusterRoleBinding]:
    """kubeadm init: ``kubeadm:cluster-admins`` (admin.conf's O) is bound to cluster-admin."""
    b = _binding("kubeadm:cluster-admins", role="cluster-admin", groups=["kubeadm:cluster-admins"])
    b.metadata.labels = None
    b.metadata.annotations = None
    return [b]


def default_objects() -> list:
    return [*cluster_roles(), *cluster_role_bindings(), *kubeadm_bindings()]
