"""NodeRestriction admission: a kubelet (system:node:<name>) may change only its own Node,
the pods bound to it and its own Lease, refused in upstream's words
(plugin/pkg/admission/noderestriction/admission.go)."""

import pytest

from kubelab.api import decode, errors
from kubelab.apiserver.user import node_user
from kubelab.client import APIClient


def node(name, **labels):
    return decode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or None},
                   "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})


def pod(name, node_name):
    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                   "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "nginx"}]}})


def kubelet(world, name):
    return APIClient(world.sim, world.net, name, lambda host: world.server, user=node_user(name))


def refused(world, ev):
    with pytest.raises(errors.StatusError) as e:
        world.do(ev)
    assert e.value.code == 403
    return str(e.value)


@pytest.fixture
def nodes(world):
    for n in ("vm-1", "vm-2"):
        world.do(world.client.create(node(n)))
    world.do(world.client.create(pod("mine", "vm-1")))
    world.do(world.client.create(pod("theirs", "vm-2")))
    return world


def test_a_kubelet_changes_its_own_node_and_no_other(nodes):
    w = nodes
    vm1 = kubelet(w, "vm-1")
    mine = w.do(vm1.get("nodes", "vm-1", None))
    mine.metadata.labels = {**(mine.metadata.labels or {}), "kubernetes.io/hostname": "vm-1"}
    w.do(vm1.update(mine))
    other = w.do(vm1.get("nodes", "vm-2", None))
    other.metadata.labels = {"x": "y"}
    assert refused(w, vm1.update(other)) == 'nodes "vm-2" is forbidden: node "vm-1" is not allowed to modify node "vm-2"'


def test_a_kubelet_may_not_steer_workloads_to_itself(nodes):
    w = nodes
    vm1 = kubelet(w, "vm-1")
    mine = w.do(vm1.get("nodes", "vm-1", None))
    mine.metadata.labels = {"node-role.kubernetes.io/control-plane": ""}
    assert refused(w, vm1.update(mine)) == (
        'nodes "vm-1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane')
    mine = w.do(vm1.get("nodes", "vm-1", None)).to_dict()
    mine = decode({**mine, "spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}})
    assert refused(w, vm1.update(mine)) == 'nodes "vm-1" is forbidden: node "vm-1" is not allowed to modify taints'
    assert refused(w, vm1.create(node("vm-3"))) == (
        'nodes "vm-3" is forbidden: node "vm-1" is not allowed to modify node "vm-3"')


def test_a_kubelet_deletes_and_updates_only_pods_bound_to_it(nodes):
    w = nodes
    vm1 = kubelet(w, "vm-1")
    theirs = w.do(vm1.get("pods", "theirs"))
    assert refused(w, vm1.update_status(theirs)) == (
        'pods "theirs" is forbidden: node "vm-1" can only update pod status for pods with spec.nodeName set to itself')
    assert refused(w, vm1.delete("pods", "theirs", "default")) == (
        'pods "theirs" is forbidden: node "vm-1" can only delete pods with spec.nodeName set to itself')
    mine = w.do(vm1.get("pods", "mine"))
    w.do(vm1.update_status(mine))
    w.do(vm1.delete("pods", "mine", "default", grace_period_seconds=0))


def test_a_kubelet_creates_only_mirror_pods(nodes):
    w = nodes
    vm1 = kubelet(w, "vm-1")
    assert refused(w, vm1.create(pod("sneaky", "vm-1"))) == (
        'pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, '
        'node "vm-1" can only create mirror pods')


def test_a_kubelet_renews_only_its_own_lease(nodes):
    w = nodes
    lease = decode({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": "vm-2", "namespace": "kube-node-lease"}, "spec": {"holderIdentity": "vm-2"}})
    vm1 = kubelet(w, "vm-1")
    assert refused(w, vm1.create(lease, "kube-node-lease")) == (
        'leases.coordination.k8s.io "vm-2" is forbidden: can only access node lease with the same name as the '
        "requesting node")
    lease.metadata.name = "vm-1"
    lease.spec.holder_identity = "vm-1"
    w.do(vm1.create(lease, "kube-node-lease"))
