"""Every component acts as its real identity (kubeadm's --use-service-account-credentials):
the controllers as their service accounts bound to system:controller:* roles, the manager as
system:kube-controller-manager, kubelets as system:node:<name>. A binding removed breaks the
component as upstream (its requests are Forbidden); restored, it heals."""

import pytest

import kubelab as kl

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""
RS_ACCOUNT = "system:serviceaccount:kube-system:replicaset-controller"


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.run(10)
    return c


def test_each_component_writes_as_its_own_identity(cluster):
    cluster.apply(WEB)
    cluster.run(20)
    writers = {(e.user, e.resource) for e in cluster.audit(verb="create", allowed=True)}
    assert ("system:serviceaccount:kube-system:deployment-controller", "replicasets") in writers
    assert (RS_ACCOUNT, "pods") in writers
    assert ("system:kube-scheduler", "pods") in {(u, r) for u, r in writers if r == "pods"} or \
        any(e.subresource == "binding" for e in cluster.audit(user="system:kube-scheduler", verb="create"))
    assert {e.user for e in cluster.audit(resource="leases", namespace="kube-node-lease", verb="update")} == {
        "system:node:master-1", "system:node:vm-1"}  # the master's kubelet too
    lease_holders = {e.user for e in cluster.audit(resource="leases", namespace="kube-system", verb="update")}
    assert lease_holders == {"system:kube-controller-manager", "system:kube-scheduler"}
    reasons = {e.reason for e in cluster.audit(user=RS_ACCOUNT, verb="create", resource="pods")}
    assert reasons == {'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole '
                       '"system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system"'}


def test_the_replicaset_controller_without_its_binding_creates_no_pods_until_restored(cluster):
    binding = cluster.get("ClusterRoleBinding", "system:controller:replicaset-controller")
    print(cluster.kubectl("delete clusterrolebinding system:controller:replicaset-controller"))
    cluster.apply(WEB.replace("name: web", "name: api").replace("app: web", "app: api"))
    cluster.run(15)
    assert cluster.list("Pod", label_selector="app=api") == []
    denied = cluster.audit(user=RS_ACCOUNT, allowed=False, verb="create")
    assert denied and denied[-1].message == (
        f'pods is forbidden: User "{RS_ACCOUNT}" cannot create resource "pods" in API group "" in the namespace '
        '"default"')
    # its FailedCreate event is refused too (events are in the same role): as upstream, only
    # the controller manager's log and the audit log tell
    assert "FailedCreate" not in cluster.kubectl("get events")
    restored = binding.to_dict()
    for k in ("resourceVersion", "uid", "creationTimestamp"):
        restored["metadata"].pop(k, None)
    cluster.apply(restored)
    cluster.run(30)
    pods = cluster.list("Pod", label_selector="app=api")
    assert len(pods) == 2 and all(p.status.phase == "Running" for p in pods)
