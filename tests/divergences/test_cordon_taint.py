"""Cordon's taint: the node lifecycle controller's NoSchedule pass (TaintNodesByCondition)
taints a cordoned node ``node.kubernetes.io/unschedulable:NoSchedule`` and takes the taint
away on uncordon (pkg/controller/nodelifecycle/node_lifecycle_controller.go
doNoScheduleTaintingPass, nodeConditionToTaintKeyStatusMap)."""

import kubelab as kl


def taints(cluster, name):
    return [(t.key, t.effect) for t in cluster.get("node", name).spec.taints or ()]


def test_cordon_taints_the_node_and_uncordon_removes_the_taint():
    cluster = kl.Cluster(masters=1, seed=4)
    cluster.add_node(kl.VM("vm-1"))
    cluster.run(30)
    assert taints(cluster, "vm-1") == []
    assert cluster.kubectl("cordon vm-1") == "node/vm-1 cordoned\n"
    cluster.run(1)
    assert taints(cluster, "vm-1") == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    described = cluster.kubectl("describe node vm-1")
    assert "Taints:             node.kubernetes.io/unschedulable:NoSchedule\nUnschedulable:      true\n" in described
    cluster.kubectl("uncordon vm-1")
    cluster.run(1)
    assert taints(cluster, "vm-1") == []


def test_a_cordoned_master_keeps_its_control_plane_taint_first():
    cluster = kl.Cluster(masters=1, seed=4)
    cluster.run(30)
    cluster.kubectl("cordon master-1")
    cluster.run(1)
    assert taints(cluster, "master-1") == [("node-role.kubernetes.io/control-plane", "NoSchedule"),
                                           ("node.kubernetes.io/unschedulable", "NoSchedule")]


def test_a_stopped_node_gets_both_unreachable_taints_and_keeps_the_cordon():
    cluster = kl.Cluster(masters=1, seed=4)
    cluster.add_node(kl.VM("vm-1"))
    cluster.run(30)
    cluster.kubectl("cordon vm-1")
    cluster.faults.stop("vm-1")
    cluster.run(60)
    assert sorted(taints(cluster, "vm-1")) == [("node.kubernetes.io/unreachable", "NoExecute"),
                                               ("node.kubernetes.io/unreachable", "NoSchedule"),
                                               ("node.kubernetes.io/unschedulable", "NoSchedule")]
