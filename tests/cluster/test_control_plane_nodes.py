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


# -------------------------------------------------------------- the control plane as static pods


# the static pods carry tier=control-plane (kubeadm staticpod.ComponentPod); the addons do not
def pods_table(cluster, args="get pods -n kube-system -l tier=control-plane"):
    return [line.split() for line in str(cluster.kubectl(args)).splitlines()]


def test_each_masters_kubelet_runs_kubeadms_static_pods_and_mirrors_them_into_kube_system():
    cluster = kl.Cluster(masters=3, seed=7)
    cluster.run(10)
    rows = pods_table(cluster)
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    # cmd/kubeadm/app/phases/controlplane/manifests.go and etcd/local.go: <component>-<node>
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        (f"{c}-master-{i}", "1/1", "Running")
        for c in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler") for i in (1, 2, 3)]
    pod = cluster.get("Pod", "kube-apiserver-master-2", "kube-system")
    node = cluster.get("Node", "master-2", None)
    ann = pod.metadata.annotations
    # pkg/kubelet/pod/mirror_client.go: the mirror annotation carries the static pod's hash
    assert ann["kubernetes.io/config.source"] == "file"
    assert ann["kubernetes.io/config.mirror"] == ann["kubernetes.io/config.hash"]
    assert ann["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] == "10.0.0.11:6443"
    ref = pod.metadata.owner_references[0]
    assert (ref.api_version, ref.kind, ref.name, ref.uid, ref.controller) == ("v1", "Node", "master-2", node.metadata.uid, True)
    assert pod.metadata.labels == {"component": "kube-apiserver", "tier": "control-plane"}
    assert pod.spec.priority_class_name == "system-node-critical" and pod.spec.priority == 2000001000
    assert pod.spec.host_network and pod.status.pod_ip == "10.0.0.11" == pod.status.host_ip
    assert pod.spec.containers[0].image == "registry.k8s.io/kube-apiserver:v1.34.1"
    assert pod.spec.containers[0].resources.requests == {"cpu": "250m"}
    # pkg/kubelet/config/common.go: static pods tolerate every NoExecute taint
    assert [(t.operator, t.effect) for t in pod.spec.tolerations] == [("Exists", "NoExecute")]
    # the ServiceAccount admission plugin leaves a mirror pod's spec alone
    assert pod.spec.service_account_name is None
    etcd = cluster.get("Pod", "etcd-master-1", "kube-system")
    assert etcd.spec.containers[0].image == "registry.k8s.io/etcd:3.6.4-0"
    assert etcd.spec.containers[0].resources.requests == {"cpu": "100m", "memory": "100Mi"}
    # etcd/local.go getEtcdCommand: kubeadm's flags, sorted; the simulated member snapshots as told
    cmd = etcd.spec.containers[0].command
    assert cmd[0] == "etcd" and cmd[1:] == sorted(cmd[1:])
    assert {"--snapshot-count=10000", "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
            "--listen-metrics-urls=http://127.0.0.1:2381", "--key-file=/etc/kubernetes/pki/etcd/server.key"} <= set(cmd)
    assert {m.snapshot_count for m in cluster.etcd.members} == {10000}


def test_external_etcd_runs_no_etcd_pod():
    cluster = kl.Cluster(masters=1, etcd="external", seed=7)
    cluster.run(5)
    assert [r[0] for r in pods_table(cluster)[1:]] == [
        "kube-apiserver-master-1", "kube-controller-manager-master-1", "kube-scheduler-master-1"]
    cmd = cluster.get("Pod", "kube-apiserver-master-1", "kube-system").spec.containers[0].command
    assert "--etcd-servers=https://etcd-1:2379,https://etcd-2:2379,https://etcd-3:2379" in cmd


def test_a_stopped_masters_mirror_pods_go_not_ready_with_its_node_and_are_not_evicted():
    cluster = kl.Cluster(masters=3, seed=8)
    cluster.run(10)
    cluster.faults.stop("master-3")
    cluster.run(400)  # past the grace period and the 300 s unreachable toleration of ordinary pods
    pods = {p.metadata.name: p for p in cluster.list("Pod", "kube-system", label_selector="tier=control-plane")}
    assert len(pods) == 12  # nothing evicted: static pods tolerate NoExecute
    # pkg/controller/nodelifecycle: MarkPodsNotReady on the NotReady node's pods only
    ready = {n: p.status.condition("Ready").status for n, p in pods.items()}
    assert {n for n, s in ready.items() if s != "True"} == {
        "etcd-master-3", "kube-apiserver-master-3", "kube-controller-manager-master-3", "kube-scheduler-master-3"}
    # kube-proxy stays too (a DaemonSet pod tolerates unreachable:NoExecute with no time limit), not Ready
    [proxy] = cluster.list("Pod", "kube-system", label_selector="k8s-app=kube-proxy", field_selector="spec.nodeName=master-3")
    assert proxy.status.condition("Ready").status == "False" and proxy.metadata.deletion_timestamp is None


def test_a_deleted_mirror_pod_comes_back_and_a_removed_master_takes_its_pods_along():
    cluster = kl.Cluster(masters=2, seed=9)
    cluster.run(5)
    old = cluster.get("Pod", "kube-scheduler-master-2", "kube-system").metadata.uid
    cluster.kubectl("delete pod -n kube-system kube-scheduler-master-2")
    cluster.run(15)
    assert cluster.get("Pod", "kube-scheduler-master-2", "kube-system").metadata.uid != old
    cluster.remove_master("master-2")
    cluster.run(90)  # the pod GC removes the pods of a Node that no longer exists (40 s quarantine)
    assert [r[0] for r in pods_table(cluster)[1:]] == [
        "etcd-master-1", "kube-apiserver-master-1", "kube-controller-manager-master-1", "kube-scheduler-master-1"]
    # gc_controller.go markFailedAndDeletePodWithCondition: Failed by a patch of pods/status (its
    # role grants patch, not update), then deleted; nothing refused on the way
    gc = "system:serviceaccount:kube-system:pod-garbage-collector"
    assert not cluster.audit(user=gc, allowed=False)
    assert {e.name for e in cluster.audit(user=gc, verb="patch", resource="pods/status")} >= {
        "etcd-master-2", "kube-apiserver-master-2", "kube-controller-manager-master-2", "kube-scheduler-master-2"}


def test_the_system_priority_classes_exist_from_the_start():
    cluster = kl.Cluster(masters=1, seed=1)
    rows = [line.split() for line in str(cluster.kubectl("get priorityclasses")).splitlines()]
    assert rows[0][:4] == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE"]
    assert [r[:3] for r in rows[1:]] == [["system-cluster-critical", "2000000000", "false"],
                                         ["system-node-critical", "2000001000", "false"]]
