"""The cluster autoscaler grows a cloud node group when pods cannot be placed; a bare-metal
cluster has no group, and its pods stay Pending with the scheduler's reasons."""

import pytest

import kubelab as kl


def web(replicas, cpu="1"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                           "resources": {"requests": {"cpu": cpu}}}]}}}}


WORKERS = "!node-role.kubernetes.io/control-plane"  # the master is a Node too


def events(c, reason):
    return [e for e in c.api.events() if e.reason == reason]


def test_pending_pods_grow_the_node_group_and_then_run():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", zone="eu-west-1a", min_size=1, max_size=5)
    c.run(30)
    assert [n.metadata.name for n in c.list("Node", label_selector=WORKERS)] == ["workers-1"]
    c.apply(web(4))  # an m5.large has 2 vCPU: two pods of 1 CPU each fit on an instance
    c.run(5)
    assert sum(p.status.phase == "Pending" for p in c.list("Pod", "default")) == 2
    c.run(15)
    up = events(c, "TriggeredScaleUp")
    # both pending pods fit on one new instance (bin-packing estimate)
    assert [e.message for e in up] == ["pod triggered scale-up: [{workers 1->2 (max: 5)}]"] * 2
    assert up[0].source.component == "cluster-autoscaler"
    c.run(120)
    assert g.size == 2 and len(c.list("Node", label_selector=WORKERS)) == 2
    assert all(p.status.phase == "Running" for p in c.list("Pod", "default"))


def test_a_pod_too_big_for_the_instance_type_does_not_trigger_a_scale_up():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=5)
    c.run(30)
    c.apply(web(1, cpu="8"))
    c.run(30)
    assert g.size == 1
    (e,) = events(c, "NotTriggerScaleUp")
    assert e.message == "pod didn't trigger scale-up: 1 Insufficient cpu"


def test_the_group_stops_at_its_max_size():
    c = kl.Cluster(masters=1, seed=5, cloud="aws")
    g = c.add_node_group("workers", instance_type="m5.large", min_size=1, max_size=2)
    c.run(30)
    c.apply(web(6))  # needs three m5.large, the group may have two
    c.run(150)
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
    c.run(30)
    c.apply(web(4))
    c.run(60)
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
