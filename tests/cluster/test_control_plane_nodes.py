"""Masters are machines and Nodes, as on a kubeadm cluster.

kubeadm's mark-control-plane phase (cmd/kubeadm/app/phases/markcontrolplane/markcontrolplane.go)
labels every control-plane Node ``node-role.kubernetes.io/control-plane=""`` and
``node.kubernetes.io/exclude-from-external-load-balancers=""`` and taints it
``node-role.kubernetes.io/control-plane:NoSchedule``; kubectl's ROLES column reads the label
(kubectl/pkg/cmd/get/customcolumn... printers: findNodeRoles)."""

import pytest

import kubelab as kl

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27, resources: {requests: {cpu: 100m}}}]
"""


def mixed_masters(seed=1):
    return kl.Cluster(masters=[kl.BareMetal("cp-metal", cpu="8", memory="32Gi"),
                               kl.VM("cp-vm", cpu="2", memory="4Gi"),
                               kl.CloudInstance("cp-cloud", instance_type="m5.large", zone="eu-west-1a")],
                      seed=seed)


def node_lines(cluster):
    return [line.split() for line in str(cluster.kubectl("get nodes")).splitlines()]


def test_masters_of_three_kinds_register_as_control_plane_nodes():
    cluster = mixed_masters()
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.run(30)
    lines = node_lines(cluster)
    assert lines[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [(row[0], row[1], row[2]) for row in lines[1:]] == [
        ("cp-cloud", "Ready", "control-plane"), ("cp-metal", "Ready", "control-plane"),
        ("cp-vm", "Ready", "control-plane"), ("vm-1", "Ready", "<none>")]
    node = cluster.get("Node", "cp-metal", None)
    assert node.metadata.labels["node-role.kubernetes.io/control-plane"] == ""
    assert node.metadata.labels["node.kubernetes.io/exclude-from-external-load-balancers"] == ""
    assert node.metadata.labels["kubelab.io/machine-kind"] == "BareMetal"
    assert [(t.key, t.value, t.effect) for t in node.spec.taints] == [
        ("node-role.kubernetes.io/control-plane", None, "NoSchedule")]
    assert node.status.capacity["cpu"] == "8"
    # the cloud master is the cloud's like a cloud worker: provider ID, zone, initialised by the CCM
    cloud = cluster.get("Node", "cp-cloud", None)
    assert cloud.spec.provider_id.startswith("aws://eu-west-1a/")
    assert cloud.metadata.labels["topology.kubernetes.io/zone"] == "eu-west-1a"
    assert [t.key for t in cloud.spec.taints] == ["node-role.kubernetes.io/control-plane"]
    # every master has its own address, the workers theirs
    ips = {n.metadata.name: n.status.addresses[0].address for n in cluster.list("Node")}
    assert len(set(ips.values())) == 4


def test_an_int_still_means_that_many_default_vms_above_kubeadms_minimums():
    cluster = kl.Cluster(masters=2, seed=1)
    assert [m.name for m in cluster.masters] == ["master-1", "master-2"]
    for m in cluster.masters:
        # cmd/kubeadm/app/preflight/checks.go: at least 2 CPUs and 1700 MB
        assert isinstance(m.machine, kl.VM) and m.machine.cpu == "2" and m.machine.memory == "4Gi"
    assert [row[2] for row in node_lines(cluster)[1:]] == ["control-plane", "control-plane"]


def test_masters_must_be_machines():
    with pytest.raises(TypeError, match="masters takes machines"):
        kl.Cluster(masters=["master-1"])
    with pytest.raises(ValueError, match="given twice"):
        kl.Cluster(masters=[kl.VM("cp"), kl.VM("cp")])
    with pytest.raises(ValueError, match="at least one master"):
        kl.Cluster(masters=[])


def test_the_control_plane_taint_keeps_user_pods_on_the_workers():
    cluster = kl.Cluster(masters=3, seed=2)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(WEB)
    cluster.run(30)
    pods = cluster.list("Pod", "default")
    assert len(pods) == 4 and {p.spec.node_name for p in pods} == {"vm-1"}


def test_no_worker_at_all_leaves_user_pods_pending_with_the_taint_named():
    cluster = kl.Cluster(masters=1, seed=2)
    cluster.apply(WEB)
    cluster.run(10)
    out = str(cluster.kubectl("describe pods"))
    # pkg/scheduler/framework/plugins/tainttoleration: "node(s) had untolerated taint {...}"
    assert "0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" in out


def test_a_powered_off_master_goes_not_ready_after_the_grace_period():
    cluster = kl.Cluster(masters=3, seed=3)
    cluster.run(10)
    cluster.faults.stop("master-3")
    assert not cluster.kubelets["master-3"].running
    cluster.run(120)
    status = {row[0]: row[1] for row in node_lines(cluster)[1:]}
    assert status == {"master-1": "Ready", "master-2": "Ready", "master-3": "NotReady"}
    cluster.faults.start("master-3")
    cluster.run(30)
    assert {row[0]: row[1] for row in node_lines(cluster)[1:]}["master-3"] == "Ready"


def test_a_master_added_and_removed_cell_by_cell():
    cluster = kl.Cluster(masters=1, seed=4)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.run(10)
    m2 = cluster.add_master(kl.BareMetal("cp-2", cpu="16", memory="64Gi"))  # kubeadm join --control-plane
    assert m2.name == "cp-2" and len(cluster.etcd.members) == 2
    cluster.run(10)
    m3 = cluster.add_master()  # a default VM, named as before
    assert m3.name == "master-3" and isinstance(m3.machine, kl.VM)
    cluster.run(10)
    assert [row[0] for row in node_lines(cluster)[1:]] == ["cp-2", "master-1", "master-3", "vm-1"]
    assert cluster.get("Node", "cp-2", None).metadata.labels["kubelab.io/machine-kind"] == "BareMetal"
    cluster.remove_master("cp-2")  # kubeadm reset, then kubectl delete node
    cluster.run(10)
    assert [row[0] for row in node_lines(cluster)[1:]] == ["master-1", "master-3", "vm-1"]
    assert len(cluster.etcd.members) == 2
    with pytest.raises(ValueError, match="already in the cluster"):
        cluster.add_master(kl.VM("vm-1"))
    with pytest.raises(TypeError, match="add_master takes a machine"):
        cluster.add_master(3)


def test_a_cloud_masters_instance_terminated_its_node_is_deleted():
    cluster = kl.Cluster(masters=[kl.CloudInstance("cp-a", zone="eu-west-1a"),
                                  kl.CloudInstance("cp-b", zone="eu-west-1b"),
                                  kl.CloudInstance("cp-c", zone="eu-west-1c")], seed=5)
    cluster.run(20)
    assert cluster.machine("cp-c").cloud_controller_manager is not None
    cluster.faults.stop("cp-c")  # the instance shuts down...
    cluster.cloud_provider.terminate_instance("cp-c")  # ...and is terminated at the cloud
    cluster.run(120)
    # cloud-provider/controllers/nodelifecycle: a NotReady node whose instance is gone is deleted
    assert [row[0] for row in node_lines(cluster)[1:]] == ["cp-a", "cp-b"]
    assert any(e.reason == "DeletingNode" for e in cluster.list("Event", "default"))


def test_forks_replay_masters_of_three_kinds():
    cluster = mixed_masters(seed=6)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.run(10)
    cluster.add_master(kl.CloudInstance("cp-cloud-2", instance_type="m5.large", zone="eu-west-1b"))
    cluster.run(10)
    cluster.add_master(name="cp-named")
    cluster.run(10)
    cluster.faults.stop("cp-metal")
    cluster.run(60)
    twin = cluster.history.fork()
    assert twin.history.digest() == cluster.history.digest()
    assert [m.name for m in twin.masters] == ["cp-metal", "cp-vm", "cp-cloud", "cp-cloud-2", "cp-named"]
    assert str(twin.kubectl("get nodes")) == str(cluster.kubectl("get nodes"))
