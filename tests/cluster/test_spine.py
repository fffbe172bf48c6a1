"""The spine, end to end: a Deployment applied to a cluster of mixed workers reaches
Running pods, each step visible as Events, and the same seed replays the same history."""

import pytest

import kubelab as kl

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources:
          requests: {cpu: 500m, memory: 256Mi}
"""


def build(seed=1):
    cluster = kl.Cluster(masters=1, seed=seed)
    cluster.add_node(kl.BareMetal("metal-1", cpu="32", memory="128Gi"))
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.CloudInstance("cloud-1", instance_type="m5.xlarge", zone="eu-west-1a"))
    return cluster


@pytest.fixture(scope="module")
def running():
    cluster = build()
    assert [str(r) for r in cluster.apply(WEB)] == ["deployment.apps/web created"]
    cluster.run(seconds=60)
    return cluster


def test_three_pods_running_on_nodes_within_60_seconds(running):
    pods = running.list("Pod", namespace="default")
    assert len(pods) == 3
    assert all(p.status.phase == "Running" and p.is_ready() for p in pods)
    assert all(p.spec.node_name in ("metal-1", "vm-1", "cloud-1") for p in pods)
    d = running.get("Deployment", "web")
    assert d.status.ready_replicas == 3 and d.status.available_replicas == 3


def test_every_step_is_an_event(running):
    reasons = {e.reason for e in running.api.events()}
    for r in ("ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Pulling", "Pulled", "Created", "Started"):
        assert r in reasons, r
    pod = running.list("Pod")[0]
    msgs = [e.message for e in running.api.events(pod)]
    assert f"Successfully assigned default/{pod.name} to {pod.spec.node_name}" in msgs
    assert "Created container: nginx" in msgs and "Started container nginx" in msgs


def test_names_follow_deployment_replicaset_pod(running):
    rs = running.list("ReplicaSet")
    assert len(rs) == 1 and rs[0].name.startswith("web-")
    for p in running.list("Pod"):
        assert p.name.startswith(rs[0].name + "-")
        assert p.metadata.owner_references[0].name == rs[0].name


def test_nodes_of_each_kind_carry_the_well_known_labels(running):
    nodes = {n.name: n for n in running.list("Node")}
    # masters are Nodes too (kubeadm): master-1 carries the control-plane role label
    assert {n.labels["kubernetes.io/hostname"] for n in nodes.values()} == {"master-1", "metal-1", "vm-1", "cloud-1"}
    assert nodes["master-1"].labels["node-role.kubernetes.io/control-plane"] == ""
    cloud = nodes["cloud-1"].labels
    assert cloud["node.kubernetes.io/instance-type"] == "m5.xlarge"
    assert cloud["topology.kubernetes.io/zone"] == "eu-west-1a"
    assert "node.kubernetes.io/instance-type" not in nodes["metal-1"].labels
    assert nodes["vm-1"].status.allocatable["cpu"] == "4"


def test_kube_reserved_lowers_allocatable():
    m = kl.VM("vm-r", cpu="4", memory="16Gi", kube_reserved={"cpu": "500m", "memory": "1Gi"},
              system_reserved={"cpu": "500m"})
    # and the default hard eviction threshold memory.available<100Mi
    assert m.allocatable()["cpu"] == "3" and m.allocatable()["memory"] == "15260Mi"
    assert m.capacity()["cpu"] == "4"


def test_allocatable_is_capacity_minus_the_kubelets_default_hard_eviction_thresholds():
    """pkg/kubelet/cm/node_container_manager_linux.go GetNodeAllocatableReservation with
    pkg/kubelet/eviction/defaults_linux.go DefaultEvictionHard (memory.available<100Mi,
    nodefs.available<10%, the percentage a float32 as eviction/api parsePercentage keeps it)."""
    m = kl.VM("vm-a", cpu="4", memory="16Gi", ephemeral_storage="100Gi")
    assert m.allocatable()["memory"] == "16284Mi"
    assert m.allocatable()["ephemeral-storage"] == "96636764000"  # 100Gi - int64(107374182400 * float32(0.1))
    none = kl.VM("vm-b", memory="16Gi", eviction_hard_memory=None, eviction_hard_nodefs=None)
    assert none.allocatable()["memory"] == "16Gi" and none.allocatable()["ephemeral-storage"] == "100Gi"


def test_a_pod_that_fits_nowhere_stays_pending_with_the_schedulers_words():
    cluster = build()
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
                   "spec": {"containers": [{"name": "c", "image": "busybox",
                                            "resources": {"requests": {"cpu": "100"}}}]}})
    cluster.run(seconds=30)
    pod = cluster.get("Pod", "huge")
    assert pod.status.phase == "Pending" and not pod.spec.node_name
    failed = [e for e in cluster.api.events(pod) if e.reason == "FailedScheduling"]
    assert failed and failed[-1].type == "Warning"
    # pkg/scheduler/framework/types.go FitError: reasons sorted, the master's taint among them
    assert failed[-1].message.startswith("0/4 nodes are available: 1 node(s) had untolerated taint "
                                         "{node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu.")
    cond = pod.status.condition("PodScheduled")
    assert cond.status == "False" and cond.reason == "Unschedulable"


def _history(seed):
    cluster = build(seed)
    cluster.apply(WEB)
    cluster.run(seconds=60)
    cluster.api.scale("Deployment", "web", 5)
    cluster.run(seconds=30)
    return [tuple(r) for r in cluster.trace], [
        (p.name, p.spec.node_name, p.status.pod_ip, p.metadata.uid) for p in cluster.list("Pod")
    ], [(e.reason, e.message, e.last_timestamp) for e in cluster.api.events()]


def test_same_seed_same_history_event_for_event():
    a, b = _history(7), _history(7)
    assert a == b
    assert len(a[1]) == 5


def test_another_seed_gives_another_history():
    assert _history(7)[1] != _history(8)[1]


def test_the_scheduler_in_a_cluster_spreads_replicas_with_the_system_default_constraints(running):
    """PodTopologySpread's system defaults use the owning ReplicaSet's selector, which the
    scheduler reads from its informers."""
    pods = running.list("Pod")
    decisions = [running.scheduler.explain(p.name) for p in pods]
    assert all("PodTopologySpread" in d.scores[d.selected_node] for d in decisions)
    assert len({p.spec.node_name for p in pods}) >= 2
