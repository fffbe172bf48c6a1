"""The cluster autoscaler grows a cloud node group when pods cannot be placed; a bare-metal
cluster has no group, and its pods stay Pending with the scheduler's reasons. A new
instance takes one to two minutes from RunInstances to a registered Node."""

import pytest

import kubelab as kl
from kubelab.cluster.autoscaler import BOOT_TO_REGISTER_SECONDS, MAX_NODE_PROVISION_TIME, PENDING_SECONDS


def web(replicas, cpu="1"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                           "resources": {"requests": {"cpu": cpu}}}]}}}}


WORKERS = "!node-role.kubernetes.io/control-plane"  # the master is a Node too


def events(c, reason):
    return [e for e in c.api.events() if e.reason == reason]


def boot_times(g, name):
    seen = {what: t for t, n, what in g.timeline if n == name}
    return seen["running"] - seen["RunInstances"], seen["registered"] - seen["running"]


def test_a_new_instance_is_pending_then_running_then_its_kubelet_registers():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=5)
    inst = c.cloud_provider.instances["workers-1"]
    assert (g.size, inst.state, c.list("Node", label_selector=WORKERS)) == (1, "pending", [])  # RunInstances answered, nothing booted
    c.run(PENDING_SECONDS[0] - 2)
    assert inst.state == "pending"
    c.run(PENDING_SECONDS[1] - PENDING_SECONDS[0] + 2)
    assert inst.state == "running" and c.list("Node", label_selector=WORKERS) == []  # the OS boots, cloud-init joins the kubelet
    c.run(BOOT_TO_REGISTER_SECONDS[1] + 15)
    assert [n.metadata.name for n in c.list("Node", label_selector=WORKERS)] == ["workers-1"] and c.get("Node", "workers-1").is_ready()
    pending, booting = boot_times(g, "workers-1")
    assert PENDING_SECONDS[0] <= pending <= PENDING_SECONDS[1]
    assert BOOT_TO_REGISTER_SECONDS[0] <= booting <= BOOT_TO_REGISTER_SECONDS[1]
    assert [what for _, _, what in g.timeline] == ["RunInstances", "running", "registered"]
    assert g.describe().splitlines()[0].split() == ["INSTANCE", "STATE", "LAUNCHED", "RUNNING", "REGISTERED"]
    assert g.describe().splitlines()[1].split()[:2] == ["workers-1", "running"]


def test_boot_times_come_from_the_seed():
    def timeline(seed):
        c = kl.Cluster(masters=1, seed=seed, cloud="aws")
        g = c.add_node_group("workers", min_size=3, max_size=5)
        c.run(150)
        return [boot_times(g, n) for n in g.instances]

    assert timeline(5) == timeline(5)
    assert timeline(5) != timeline(6)
    assert len(set(timeline(5))) == 3  # each instance draws its own


def test_pending_pods_grow_the_node_group_and_then_run():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", zone="eu-west-1a", min_size=1, max_size=5)
    c.run(150)
    assert [n.metadata.name for n in c.list("Node", label_selector=WORKERS)] == ["workers-1"]
    c.apply(web(4))  # an m5.large has 2 vCPU: two pods of 1 CPU each fit on an instance
    c.run(5)
    assert sum(p.status.phase == "Pending" for p in c.list("Pod", "default")) == 2
    c.run(15)
    up = events(c, "TriggeredScaleUp")
    # both pending pods fit on one new instance (bin-packing estimate)
    assert [e.message for e in up] == ["pod triggered scale-up: [{workers 1->2 (max: 5)}]"] * 2
    assert up[0].source.component == "cluster-autoscaler"
    c.run(45)
    # the instance is still booting: the pods wait for it, and the autoscaler counts it as
    # upcoming instead of launching another
    assert g.size == 2 and len(c.list("Node", label_selector=WORKERS)) == 1
    assert sum(p.status.phase == "Pending" for p in c.list("Pod", "default")) == 2
    c.run(120)
    assert g.size == 2 and len(c.list("Node", label_selector=WORKERS)) == 2
    assert all(p.status.phase == "Running" for p in c.list("Pod", "default"))
    assert len(events(c, "TriggeredScaleUp")) == 2


def test_a_pod_too_big_for_the_instance_type_does_not_trigger_a_scale_up():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=5)
    c.run(150)
    c.apply(web(1, cpu="8"))
    c.run(30)
    assert g.size == 1
    (e,) = events(c, "NotTriggerScaleUp")
    assert e.message == "pod didn't trigger scale-up: 1 Insufficient cpu"


def test_the_group_stops_at_its_max_size():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=2)
    c.run(150)
    c.apply(web(6))  # needs three m5.large, the group may have two
    c.run(200)
    assert g.size == 2
    assert any(e.message == "pod didn't trigger scale-up: 1 max node group size reached"
               for e in events(c, "NotTriggerScaleUp"))
    assert sum(p.status.phase == "Pending" for p in c.list("Pod", "default")) >= 1


def test_bare_metal_has_no_node_group_and_pods_stay_pending_with_the_schedulers_reason():
    c = kl.Cluster(masters=1, seed=5, cloud=None)
    with pytest.raises(ValueError, match="bare-metal"):
        c.add_node_group("workers")
    c.add_node(kl.BareMetal("rack-1", cpu="2", memory="8Gi"))
    c.run(20)
    c.apply(web(3))
    c.run(120)
    pending = [p for p in c.list("Pod", "default") if p.status.phase == "Pending"]
    assert pending and len(c.list("Node", label_selector=WORKERS)) == 1
    fails = [e.message for e in events(c, "FailedScheduling")]
    assert fails and "Insufficient cpu" in fails[-1]


def test_an_underused_instance_is_drained_and_terminated_after_the_default_delays():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=5)
    c.run(150)
    c.apply(web(4))
    c.run(180)
    assert g.size == 2 and all(p.status.phase == "Running" for p in c.list("Pod", "default"))
    c.api.scale("Deployment", "web", 1)  # load gone: one pod of 1 CPU left
    c.run(300)
    assert g.size == 2  # not before scale-down-delay-after-add and scale-down-unneeded-time
    c.run(700)
    assert g.size == 1 and [n.metadata.name for n in c.list("Node", label_selector=WORKERS)] == g.instances
    assert any(e.message == "marked the node as toBeDeleted/unschedulable" for e in events(c, "ScaleDown"))
    assert [p.status.phase for p in c.list("Pod", "default")] == ["Running"]
    c.run(1200)
    assert g.size == 1  # never below min_size


def test_an_instance_that_never_registers_is_given_up_after_max_node_provision_time():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=5)
    c.run(150)
    c.apply(web(4))
    c.run(20)
    assert g.size == 2
    c.cloud_provider.shutdown_instance("workers-2")  # stopped while pending: its kubelet never starts
    c.run(MAX_NODE_PROVISION_TIME - 60)
    assert g.size == 2 and len(c.list("Node", label_selector=WORKERS)) == 1  # still waiting for it
    c.run(120)
    (timed_out,) = c.trace.filter(source="cluster-autoscaler", reason="ScaleUpTimedOut")
    assert timed_out.message == "Scale-up timed out for node group workers after 15m0s: removing workers-2"
    assert "workers-2" not in c.cloud_provider.instances and "workers-2" not in g.instances
    # the pods are still unschedulable: the next scan launches another instance, which boots
    c.run(200)
    assert g.size == 2 and len(c.list("Node", label_selector=WORKERS)) == 2
    assert all(p.status.phase == "Running" for p in c.list("Pod", "default"))
