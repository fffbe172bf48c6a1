"""The DaemonSet controller keeps answers between syncs (per node object, per pod object, per
pod-event and node-event count): these tests change exactly what a stale answer would miss.

Upstream: pkg/controller/daemon/daemon_controller.go (updateNode, NodeShouldRunDaemonPod,
podsShouldBeOnNode, updateDaemonSetStatus) and pkg/api/v1/pod/util.go (IsPodAvailable).
"""

from __future__ import annotations

from kubelab.api.core import Pod
from kubelab.controllers.daemonset import DaemonSetController

from .test_workloads import active, no_sync_crashes
from .world import World


def _ds(**spec):
    template = {"metadata": {"labels": {"app": "x"}},
                "spec": {"nodeSelector": {"role": "agent"}, "containers": [{"name": "c", "image": "busybox:1.0"}]}}
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
            "spec": dict({"selector": {"matchLabels": {"app": "x"}}, "template": template}, **spec)}


def _label(w, node, value):
    n = w.get("Node", node, None).copy_deep()
    labels = dict(n.metadata.labels or {})
    if value is None:
        labels.pop("role", None)
    else:
        labels["role"] = value
    n.metadata.labels = labels
    w.call(w.client.update(n))


def _status(w):
    st = w.get("DaemonSet", "agent").status
    return (st.desired_number_scheduled, st.current_number_scheduled, st.number_ready, st.number_misscheduled)


def test_daemonset_follows_a_node_label_change_onto_and_off_a_node():
    """upstream: daemon_controller.go updateNode (a node whose fit changed syncs the set) and
    NodeShouldRunDaemonPod (nodeSelector): a node newly labelled gets a pod, a node that loses
    the label loses its pod, and the status counts follow, though the set itself never changed."""
    w = World(start_delay=1)
    w.start(DaemonSetController)
    _label(w, "n1", "agent")
    w.create(_ds())
    w.run(10)
    assert sorted(p.spec.node_name for p in active(w.list(Pod))) == ["n1"]
    assert _status(w) == (1, 1, 1, 0)
    _label(w, "n2", "agent")
    _label(w, "n3", "agent")
    w.run(10)
    assert sorted(p.spec.node_name for p in active(w.list(Pod))) == ["n1", "n2", "n3"]
    assert _status(w) == (3, 3, 3, 0)
    _label(w, "n2", "other")
    w.run(10)
    assert sorted(p.spec.node_name for p in active(w.list(Pod))) == ["n1", "n3"]
    assert _status(w) == (2, 2, 2, 0)
    no_sync_crashes(w)


def test_daemonset_status_counts_pods_turning_ready_then_available():
    """upstream: daemon_controller.go updateDaemonSetStatus and podutil.IsPodAvailable: pods
    count as ready once their Ready condition is True, and as available only minReadySeconds
    later (the same pods, only the clock moved)."""
    w = World(start_delay=5)
    w.start(DaemonSetController)
    for n in ("n1", "n2", "n3"):
        _label(w, n, "agent")
    w.create(_ds(minReadySeconds=10))
    w.run(3)
    st = w.get("DaemonSet", "agent").status
    assert (st.current_number_scheduled, st.number_ready, st.number_available) == (3, 0, 0)
    w.run(6)  # the kubelet has marked them Ready; minReadySeconds not yet over
    st = w.get("DaemonSet", "agent").status
    assert (st.current_number_scheduled, st.number_ready, st.number_available, st.number_unavailable) == (3, 3, 0, 3)
    w.run(15)
    st = w.get("DaemonSet", "agent").status
    assert (st.number_ready, st.number_available, st.number_unavailable) == (3, 3, 0)
    no_sync_crashes(w)


def test_daemonset_recreates_a_pod_deleted_while_nothing_else_changed():
    """upstream: daemon_controller.go deletePod (the set is synced) and podsShouldBeOnNode (a
    node that should run a pod and has none gets one): a quiet set notices one deletion."""
    w = World(start_delay=1, stop_delay=1)
    w.start(DaemonSetController)
    _label(w, "n1", "agent")
    _label(w, "n2", "agent")
    w.create(_ds())
    w.run(20)
    victim = next(p for p in active(w.list(Pod)) if p.spec.node_name == "n2")
    w.call(w.client.delete(Pod, victim.name, "default"))
    w.run(10)
    pods = active(w.list(Pod))
    assert sorted(p.spec.node_name for p in pods) == ["n1", "n2"]
    assert victim.name not in {p.name for p in pods}
    assert _status(w) == (2, 2, 2, 0)
