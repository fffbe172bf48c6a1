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


SA_ROLE_PREFIX = "system:controller:"


def controller_roles() -> list[ClusterRole]:
    """controller_policy.go buildControllerRoles: one ClusterRole per controller service
    account (those of the controllers kubelab runs)."""
    ext_apps = ["extensions", "apps"]
    apps_ext = ["apps", "extensions"]
    roles = {
        "cronjob-controller": [
            rule(["get", "list", "watch", "update"], ["batch"], ["cronjobs"]),
            rule(["get", "list", "watch", "create", "update", "delete", "patch"], ["batch"], ["jobs"]),
            rule(["update"], ["batch"], ["cronjobs/status"]),
            rule(["update"], ["batch"], ["cronjobs/finalizers"]),
            rule(["list", "watch", "delete"], [""], ["pods"]),
            events_rule(),
        ],
        "daemon-set-controller": [
            rule(READ, ext_apps, ["daemonsets"]),
            rule(["update"], ext_apps, ["daemonsets/status"]),
            rule(["update"], ext_apps, ["daemonsets/finalizers"]),
            rule(["list", "watch"], [""], ["nodes"]),
            rule(["list", "watch", "create", "delete", "patch"], [""], ["pods"]),
            rule(["create"], [""], ["pods/binding"]),
            rule(["get", "list", "watch", "create", "delete", "update", "patch"], ["apps"], ["controllerrevisions"]),
            events_rule(),
        ],
        "deployment-controller": [
            rule(["get", "list", "watch", "update"], ext_apps, ["deployments"]),
            rule(["update"], ext_apps, ["deployments/status"]),
            rule(["update"], ext_apps, ["deployments/finalizers"]),
            rule(["get", "list", "watch", "create", "update", "patch", "delete"], apps_ext, ["replicasets"]),
            rule(["get", "list", "watch", "update"], [""], ["pods"]),
            events_rule(),
        ],
        "disruption-controller": [
            rule(READ, ext_apps, ["deployments"]),
            rule(READ, apps_ext, ["replicasets"]),
            rule(READ, [""], ["replicationcontrollers"]),
            rule(READ, ["policy"], ["poddisruptionbudgets"]),
            rule(READ, ["apps"], ["statefulsets"]),
            rule(["update"], ["policy"], ["poddisruptionbudgets/status"]),
            rule(["patch", "update"], [""], ["pods/status"]),
            rule(["get"], ["*"], ["*/scale"]),
            events_rule(),
        ],
        "endpoint-controller": [
            rule(READ, [""], ["services", "pods"]),
            rule(["get", "list", "watch", "create", "update", "delete"], [""], ["endpoints"]),
            rule(["create"], [""], ["endpoints/restricted"]),
            events_rule(),
        ],
        "endpointslice-controller": [
            rule(READ, [""], ["services", "pods", "nodes"]),
            rule(["update"], [""], ["services/finalizers"]),
            rule(["get", "list", "watch", "create", "update", "delete"], ["discovery.k8s.io"], ["endpointslices"]),
            events_rule(),
        ],
        "generic-garbage-collector": [
            rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]),
            events_rule(),
        ],
        "horizontal-pod-autoscaler": [
            rule(READ, ["autoscaling"], ["horizontalpodautoscalers"]),
            rule(["update"], ["autoscaling"], ["horizontalpodautoscalers/status"]),
            rule(["get", "update"], ["*"], ["*/scale"]),
            rule(["list", "watch"], [""], ["pods"]),
            rule(["list", "watch"], ["metrics.k8s.io"], ["pods"]),
            rule(READ, ["custom.metrics.k8s.io"], ["*"]),
            rule(READ, ["external.metrics.k8s.io"], ["*"]),
            events_rule(),
        ],
        "job-controller": [
            rule(["get", "list", "watch", "update", "patch"], ["batch"], ["jobs"]),
            rule(["update"], ["batch"], ["jobs/status"]),
            rule(["update"], ["batch"], ["jobs/finalizers"]),
            rule(["list", "watch", "create", "delete", "patch"], [""], ["pods"]),
            events_rule(),
        ],
        "namespace-controller": [
            rule(["get", "list", "watch", "delete"], [""], ["namespaces"]),
            rule(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
            rule(["get", "list", "watch", "delete", "deletecollection"], ["*"], ["*"]),
        ],
        "node-controller": [
            rule(["get", "list", "watch", "update", "delete", "patch"], [""], ["nodes"]),
            rule(["patch", "update"], [""], ["nodes/status"]),
            rule(["patch", "update"], [""], ["pods/status"]),
            rule(["list", "watch", "get", "delete"], [""], ["pods"]),
            events_rule(),
        ],
        "persistent-volume-binder": [
            rule(["get", "list", "watch", "update", "create", "delete"], [""], ["persistentvolumes"]),
            rule(["update"], [""], ["persistentvolumes/status"]),
            rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
            rule(["update"], [""], ["persistentvolumeclaims/status"]),
            rule(["list", "watch", "get", "create", "delete"], [""], ["pods"]),
            rule(READ, ["storage.k8s.io"], ["storageclasses"]),
            rule(["list", "watch"], [""], ["nodes"]),
            events_rule(),
            rule(["watch"], [""], ["events"]),
            rule(["get"], [""], ["services"]),
        ],
        "pod-garbage-collector": [
            rule(["list", "watch", "delete"], [""], ["pods"]),
            rule(["get", "list", "watch"], [""], ["nodes"]),
            rule(["patch"], [""], ["pods/status"]),
        ],
        "resourcequota-controller": [
            # quota can count anything for reconciliation, so it needs full viewing powers
            rule(["list", "watch"], ["*"], ["*"]),
            rule(["update"], [""], ["resourcequotas/status"]),
            events_rule(),
        ],
        "root-ca-cert-publisher": [
            rule(["create", "update"], [""], ["configmaps"]),
            events_rule(),
        ],
        "service-account-controller": [
            rule(["create"], [""], ["serviceaccounts"]),
            events_rule(),
        ],
        "pv-protection-controller": [
            rule(["get", "list", "watch", "update"], [""], ["persistentvolumes"]),
            events_rule(),
        ],
        "pvc-protection-controller": [
            rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
            rule(["list", "watch", "get"], [""], ["pods"]),
            events_rule(),
        ],
        "replicaset-controller": [
            rule(["get", "list", "watch", "update"], apps_ext, ["replicasets"]),
            rule(["update"], apps_ext, ["replicasets/status"]),
            rule(["update"], apps_ext, ["replicasets/finalizers"]),
            rule(["list", "watch", "patch", "create", "delete"], [""], ["pods"]),
            events_rule(),
        ],
        "statefulset-controller": [
            rule(["list", "watch"], [""], ["pods"]),
            rule(READ, ["apps"], ["statefulsets"]),
            rule(["update"], ["apps"], ["statefulsets/status"]),
            rule(["update"], ["apps"], ["statefulsets/finalizers"]),
            rule(["get", "create", "delete", "update", "patch"], [""], ["pods"]),
            rule(["get", "create", "delete", "update", "patch", "list", "watch"], ["apps"], ["controllerrevisions"]),
            rule(["get", "create", "list", "watch"], [""], ["persistentvolumeclaims"]),
            rule(["update", "delete"], [""], ["persistentvolumeclaims"]),
            rule(["update"], [""], ["pods/finalizers"]),
            events_rule(),
        ],
        "ttl-after-finished-controller": [
            rule(["get", "list", "watch", "delete"], ["batch"], ["jobs"]),
            events_rule(),
        ],
    }
    return [_role(SA_ROLE_PREFIX + name, rules) for name, rules in sorted(roles.items())]


def controller_role_bindings() -> list[ClusterRoleBinding]:
    """Each controller role bound to its service account in kube-system (addControllerRole)."""
    return [_binding(r.metadata.name, sas=[("kube-system", r.metadata.name[len(SA_ROLE_PREFIX):])])
            for r in controller_roles()]


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
    # the kube-proxy addon's service account (cmd/kubeadm/app/phases/addons/proxy)
    proxy = _binding("kubeadm:node-proxier", role="system:node-proxier", sas=[("kube-system", "kube-proxy")])
    for x in (b, proxy):
        x.metadata.labels = None
        x.metadata.annotations = None
    return [b, proxy]


def default_objects() -> list:
    """Every default object; the controllers' roles and bindings (and kube-proxy's kubeadm
    binding) last, in the order they were added to kubelab."""
    kubeadm = kubeadm_bindings()
    return [*cluster_roles(), *cluster_role_bindings(), *kubeadm[:1], *controller_roles(),
            *controller_role_bindings(), *kubeadm[1:]]


# objects whose uids come from a random stream of their own, so that adding them left the
# uids (and generated names) of everything else as they were
SEPARATE_UID_STREAM = ("system:controller:", "kubeadm:node-proxier")
