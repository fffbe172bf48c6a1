"""Who may do what: RBAC and the Node authorizer with upstream's semantics and words."""

import pytest

from kubelab.api import decode, errors
from kubelab.apiserver.user import ADMIN, ALL_AUTHENTICATED, NODES_GROUP, UserInfo
from kubelab.client import APIClient
from kubelab.scheduler import Scheduler

ALICE = UserInfo("alice", groups=("dev", ALL_AUTHENTICATED))


def obj(kind, name, namespace=None, api="rbac.authorization.k8s.io/v1", **rest):
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return decode({"apiVersion": api, "kind": kind, "metadata": meta, **rest})


def as_user(world, user):
    return APIClient(world.sim, world.net, "user", lambda host: world.server, user=user)


def grant(world, *objs):
    for o in objs:
        world.do(world.client.create(o, o.metadata.namespace))


def role(name, rules, namespace="default"):
    return obj("Role", name, namespace, rules=rules)


def binding(name, role_name, subject, namespace="default", role_kind="Role"):
    return obj("RoleBinding", name, namespace, subjects=[subject],
               roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name})


def user(name):
    return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name}


def forbidden(world, ev):
    with pytest.raises(errors.StatusError) as e:
        world.do(ev)
    assert e.value.status["code"] == 403 and e.value.status["reason"] == "Forbidden"
    return e.value.status["message"]


def configmap(name):
    return decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})


def test_a_user_with_no_binding_is_refused_in_upstreams_words(world):
    alice = as_user(world, ALICE)
    assert forbidden(world, alice.list("pods", "default")) == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"')
    assert forbidden(world, alice.get("nodes", "n1")) == (
        'nodes "n1" is forbidden: User "alice" cannot get resource "nodes" in API group "" at the cluster scope')
    assert forbidden(world, alice.list("deployments", "default")).endswith(
        'cannot list resource "deployments" in API group "apps" in the namespace "default"')


def test_a_role_granted_in_one_namespace_opens_that_namespace_only(world):
    alice = as_user(world, ALICE)
    grant(world, role("pod-reader", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]),
          binding("alice-reads", "pod-reader", user("alice")))
    assert len(world.do(alice.list("pods", "default"))) == 0
    assert "in the namespace \"kube-system\"" in forbidden(world, alice.list("pods", "kube-system"))
    assert "cannot create resource" in forbidden(world, alice.create(configmap("x")))


def test_a_refusal_does_not_outlive_the_grant_nor_a_grant_its_binding(world):
    """The authorizer remembers decisions only while no Role, ClusterRole or binding changes
    (upstream's RBAC authorizer reads its informers on every request: rbac.go)."""
    alice = as_user(world, ALICE)
    forbidden(world, alice.list("pods", "default"))
    grant(world, role("pod-reader", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]),
          binding("alice-reads", "pod-reader", user("alice")))
    world.sim.run_for(0.01)  # the watch cache sees the binding
    assert len(world.do(alice.list("pods", "default"))) == 0
    world.do(world.client.delete("rolebindings", "alice-reads", "default"))
    world.sim.run_for(0.01)
    forbidden(world, alice.list("pods", "default"))


def test_groups_and_service_accounts_are_subjects(world):
    grant(world, role("cm", [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]}]),
          binding("devs", "cm", {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "dev"}),
          binding("bot", "cm", {"kind": "ServiceAccount", "name": "builder", "namespace": "default"}))
    world.do(as_user(world, ALICE).create(configmap("by-alice")))
    sa = UserInfo("system:serviceaccount:default:builder", groups=("system:serviceaccounts", ALL_AUTHENTICATED))
    world.do(as_user(world, sa).create(configmap("by-bot")))
    other = UserInfo("system:serviceaccount:kube-system:builder", groups=("system:serviceaccounts",))
    forbidden(world, as_user(world, other).create(configmap("nope")))


def test_resource_names_restrict_to_the_named_objects_and_never_allow_list(world):
    world.do(world.client.create(configmap("app-config")))
    world.do(world.client.create(configmap("other")))
    grant(world, role("one-cm", [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app-config"],
                                  "verbs": ["get", "list"]}]),
          binding("alice-one", "one-cm", user("alice")))
    alice = as_user(world, ALICE)
    assert world.do(alice.get("configmaps", "app-config")).metadata.name == "app-config"
    forbidden(world, alice.get("configmaps", "other"))
    forbidden(world, alice.list("configmaps", "default"))  # a list names no object


def test_subresources_are_granted_separately(world):
    pod = decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    pod = world.do(world.client.create(pod))
    grant(world, role("status-writer", [{"apiGroups": [""], "resources": ["pods/status"], "verbs": ["update"]}]),
          binding("alice-status", "status-writer", user("alice")))
    alice = as_user(world, ALICE)
    world.do(alice.update_status(pod))
    assert 'cannot update resource "pods" in API group ""' in forbidden(world, alice.update(pod))
    # "*/status" covers every resource's status, and nothing else
    grant(world, role("all-status", [{"apiGroups": ["*"], "resources": ["*/status"], "verbs": ["update"]}]),
          binding("alice-all-status", "all-status", user("alice")))
    node = world.do(world.client.create(decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})))
    world.do(alice.update_status(pod))
    forbidden(world, alice.update(node))


def test_a_cluster_role_aggregates_the_roles_its_selector_matches(world):
    alice = as_user(world, ALICE)
    grant(world, binding("alice-views", "view", user("alice"), role_kind="ClusterRole"))
    world.do(alice.list("pods", "default"))  # view (aggregated from system:aggregate-to-view)
    forbidden(world, alice.list("leases", "default"))
    # a new ClusterRole labelled aggregate-to-view extends view, and through it edit and admin
    grant(world, obj("ClusterRole", "view-leases",
                     **{"metadata": {"name": "view-leases",
                                     "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
                        "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                                   "verbs": ["list"]}]}))
    world.do(alice.list("leases", "default"))
    assert "view-leases" not in str(world.do(world.client.get("clusterroles", "view", None)).rules)


def test_the_default_roles_exist_as_on_a_v1_34_cluster(world):
    names = {r.metadata.name for r in world.do(world.client.list("clusterroles"))}
    assert {"cluster-admin", "admin", "edit", "view", "system:kube-scheduler", "system:kube-controller-manager",
            "system:node", "system:discovery", "system:basic-user", "system:public-info-viewer"} <= names
    crbs = {b.metadata.name: b for b in world.do(world.client.list("clusterrolebindings"))}
    assert [s.name for s in crbs["cluster-admin"].subjects] == ["system:masters"]
    assert [s.name for s in crbs["kubeadm:cluster-admins"].subjects] == ["kubeadm:cluster-admins"]
    assert crbs["system:node"].subjects is None  # the Node authorizer took over (1.7)
    # kubernetes-admin (admin.conf) is a cluster-admin through kubeadm's group
    world.do(as_user(world, ADMIN).list("secrets", "kube-system"))


def review(world, client, kind, spec):
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": kind, "spec": spec}
    return world.do(client.create(decode(body))).status


def test_access_reviews_answer_without_storing_anything(world):
    alice = as_user(world, ALICE)
    grant(world, binding("alice-edit", "edit", user("alice"), role_kind="ClusterRole"))
    st = review(world, alice, "SelfSubjectAccessReview",
                {"resourceAttributes": {"namespace": "default", "verb": "create", "resource": "deployments",
                                        "group": "apps"}})
    assert st.allowed and 'RoleBinding "alice-edit/default" of ClusterRole "edit"' in st.reason
    st = review(world, alice, "SelfSubjectAccessReview",
                {"resourceAttributes": {"namespace": "default", "verb": "create", "resource": "roles",
                                        "group": "rbac.authorization.k8s.io"}})
    assert not st.allowed  # edit cannot grant permissions: that is admin
    # non-resource URLs: every authenticated or anonymous caller may read /healthz
    st = review(world, world.client, "SubjectAccessReview",
                {"user": "system:anonymous", "groups": ["system:unauthenticated"],
                 "nonResourceAttributes": {"path": "/healthz", "verb": "get"}})
    assert st.allowed
    st = review(world, world.client, "SubjectAccessReview",
                {"user": "system:anonymous", "groups": ["system:unauthenticated"],
                 "nonResourceAttributes": {"path": "/api/v1", "verb": "get"}})
    assert not st.allowed  # discovery is for authenticated users only (since 1.14)
    # alice may not ask about others: SubjectAccessReview is not in her roles
    forbidden(world, alice.create(decode({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                                          "spec": {"user": "bob", "resourceAttributes": {"verb": "get"}}})))
    assert not [kv for kv in world.etcd.kv.range("/registry/", prefix=True).kvs if b"accessreview" in kv.key]


def test_a_node_reads_only_the_secrets_of_pods_bound_to_it(world):
    for name in ("used", "unused"):
        world.do(world.client.create(decode({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}})))
    pod = decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"nodeName": "vm-1", "containers": [{"name": "c", "image": "nginx"}],
                           "volumes": [{"name": "s", "secret": {"secretName": "used"}}]}})
    world.do(world.client.create(pod))
    kubelet = as_user(world, UserInfo("system:node:vm-1", groups=(NODES_GROUP, ALL_AUTHENTICATED)))
    other = as_user(world, UserInfo("system:node:vm-2", groups=(NODES_GROUP, ALL_AUTHENTICATED)))
    world.do(kubelet.get("secrets", "used"))
    forbidden(world, kubelet.get("secrets", "unused"))
    forbidden(world, other.get("secrets", "used"))
    forbidden(world, kubelet.list("secrets", "default"))
    world.do(kubelet.list("pods", None))  # the system:node rules
    forbidden(world, kubelet.create(configmap("x")))


def test_the_scheduler_without_its_binding_cannot_schedule(world):
    """Delete the system:kube-scheduler ClusterRoleBinding: every list and watch of the
    scheduler is refused, so pods stay Pending, as on a real cluster."""
    world.do(world.client.create(decode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
                                         "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                                                    "conditions": [{"type": "Ready", "status": "True"}]}})))
    world.do(world.client.delete("clusterrolebindings", "system:kube-scheduler", None))
    me = UserInfo("system:kube-scheduler", groups=(ALL_AUTHENTICATED,))
    client = APIClient(world.sim, world.net, "master-1", lambda host: world.server, "kube-scheduler", user=me)
    sched = Scheduler(world.sim, client)
    sched.start()
    world.do(world.client.create(decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}})))
    world.sim.run(until=world.sim.now + 10)
    assert world.server.read(type(world.do(world.client.get("pods", "p"))), "p", "default").spec.node_name is None
    denied = [r.message for r in world.sim.trace.filter(reason="Forbidden")]
    assert any(m.startswith("system:kube-scheduler: WATCH pods") or "LIST pods" in m for m in denied)
    # restore the binding: the scheduler's informers recover and the pod is bound
    from kubelab.apiserver.bootstrappolicy import cluster_role_bindings
    crb = next(b for b in cluster_role_bindings() if b.metadata.name == "system:kube-scheduler")
    world.do(world.client.create(crb))
    world.sim.run(until=world.sim.now + 30)
    assert world.do(world.client.get("pods", "p")).spec.node_name == "n1"


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_the_immortal_namespaces_may_not_be_deleted(world, name):
    world.do(world.client.create(decode({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})))
    st = forbidden(world, world.client.delete("namespaces", name, None))
    assert st == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert world.do(world.client.get("namespaces", name, None)).metadata.deletion_timestamp is None
