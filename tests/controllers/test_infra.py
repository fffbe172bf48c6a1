"""Garbage collection, namespace deletion, node lifecycle + taint eviction, endpoints."""

from __future__ import annotations

import copy

import pytest  # noqa: F401

from kubelab.api.base import rfc3339

from kubelab.api.core import Pod
from kubelab.controllers.deployment import DeploymentController
from kubelab.controllers.endpoint import EndpointsController
from kubelab.controllers.endpointslice import EndpointSliceController
from kubelab.controllers.garbagecollector import GarbageCollector
from kubelab.controllers.namespace import NamespaceController
from kubelab.controllers.serviceaccount import ServiceAccountsController
from kubelab.controllers.nodelifecycle import NodeLifecycleController, TaintEvictionController
from kubelab.controllers.replicaset import ReplicaSetController

from .test_workloads import DEPLOY, RS, active, no_sync_crashes
from .world import World


def _deployed(*extra):
    w = World()
    w.start(ReplicaSetController, DeploymentController, GarbageCollector, *extra)
    w.create(DEPLOY)
    w.run(20)
    assert len(w.list(Pod)) == 4
    return w


def _watch_kinds(w, seconds, kinds=("Deployment", "ReplicaSet", "Pod")):
    """(time, {kind: count}) each time the counts change."""
    infs = {k: w.informers.informer(k) for k in kinds}
    out = []
    end = w.sim.now + seconds
    last = None
    while w.sim.now < end and w.sim.step():
        counts = tuple(len(infs[k].store) for k in kinds)
        if counts != last:
            out.append((w.sim.now, dict(zip(kinds, counts))))
            last = counts
    return out


def test_background_deletion_cascades_to_replicasets_and_pods():
    w = _deployed()
    w.call(w.client.delete("Deployment", "web", "default", propagation_policy="Background"))
    w.run(20)
    assert w.list("Deployment") == [] and w.list("ReplicaSet") == [] and w.list(Pod) == []
    no_sync_crashes(w)


def test_orphan_deletion_keeps_dependents_without_owner_refs():
    w = _deployed()
    w.call(w.client.delete("Deployment", "web", "default", propagation_policy="Orphan"))
    w.run(20)
    assert w.list("Deployment") == []
    rss = w.list("ReplicaSet")
    assert len(rss) == 1 and rss[0].metadata.owner_references is None
    pods = w.list(Pod)
    assert len(pods) == 4 and all(p.metadata.controller_ref().kind == "ReplicaSet" for p in pods)


def test_foreground_deletion_removes_dependents_before_the_owner():
    w = _deployed()
    w.call(w.client.delete("Deployment", "web", "default", propagation_policy="Foreground"))
    dep = w.get("Deployment", "web")
    assert "foregroundDeletion" in dep.metadata.finalizers and dep.metadata.deletion_timestamp
    history = _watch_kinds(w, 30)
    assert history[-1][1] == {"Deployment": 0, "ReplicaSet": 0, "Pod": 0}
    # the Deployment was the last to go: whenever it was gone, so was everything else
    for _, counts in history:
        if counts["Deployment"] == 0:
            assert counts["ReplicaSet"] == 0 and counts["Pod"] == 0
        if counts["ReplicaSet"] == 0:
            assert counts["Pod"] == 0


def test_dangling_owner_reference_gets_the_dependent_collected():
    w = World()
    w.start(GarbageCollector)
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "lost", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                              "name": "gone", "uid": "00000000-dead-beef-0000-000000000000"}]},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    w.create(pod)
    keep = copy.deepcopy(pod)
    keep["metadata"]["name"] = "kept"
    keep["metadata"].pop("ownerReferences")
    w.create(keep)
    w.run(10)
    assert [p.name for p in w.list(Pod)] == ["kept"]


def test_namespace_deletion_removes_its_contents():
    w = World()
    # the service account controller gives the new namespace the "default" its pods run as
    w.start(ReplicaSetController, DeploymentController, GarbageCollector, NamespaceController, ServiceAccountsController)
    w.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    d = copy.deepcopy(DEPLOY)
    d["metadata"]["namespace"] = "team"
    w.create(d)
    w.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "team"}})
    w.run(20)
    assert len(w.list(Pod, "team")) == 4
    w.call(w.client.delete("Namespace", "team", None))
    w.run(40)
    for kind in ("Deployment", "ReplicaSet", "Pod", "ConfigMap"):
        assert w.list(kind, "team") == [], kind


def test_node_goes_unreachable_then_taints_then_eviction_after_300s():
    w = World()
    w.start(ReplicaSetController, NodeLifecycleController, TaintEvictionController)
    rs = copy.deepcopy(RS)
    rs["spec"]["replicas"] = 3
    w.create(rs)
    w.run(30)
    on_n2 = [p.name for p in w.list(Pod) if p.spec.node_name == "n2"]
    assert on_n2
    w.down.add("n2")          # power off: no heartbeats, no pod work
    w.nodes.remove("n2")      # and the fake scheduler stops picking it
    off = w.sim.now
    unknown_at = taint_at = None
    evicted_at = {}
    while w.sim.now < off + 420 and w.sim.step():
        if unknown_at is None:
            n = w.informers.informer("Node").get("n2")
            if n.status.condition("Ready").status == "Unknown":
                unknown_at = w.sim.now
                c = n.status.condition("Ready")
                assert (c.reason, c.message) == ("NodeStatusUnknown", "Kubelet stopped posting node status.")
        if taint_at is None:
            n = w.informers.informer("Node").get("n2")
            if any(t.key == "node.kubernetes.io/unreachable" and t.effect == "NoExecute" for t in n.spec.taints or ()):
                taint_at = w.sim.now
        for name in on_n2:
            p = w.informers.informer(Pod).get(f"default/{name}")
            if name not in evicted_at and p is not None and p.metadata.deletion_timestamp is not None:
                evicted_at[name] = w.sim.now
    # node-monitor-grace-period 50 s (the v1.32+ default, pkg/controller/nodelifecycle/config/v1alpha1/
    # defaults.go) after the last heartbeat (up to 10 s before power off), monitor every 5 s
    assert 40 <= unknown_at - off <= 60
    assert taint_at is not None and taint_at - unknown_at < 1
    assert set(evicted_at) == set(on_n2)
    for t in evicted_at.values():
        assert 299 <= t - taint_at <= 301
    # the pod on the dead node was marked not ready, then replaced elsewhere
    pods = w.list(Pod)
    stuck = [p for p in pods if p.name in on_n2][0]
    assert not stuck.is_ready() and stuck.metadata.deletion_timestamp  # the kubelet is gone: Terminating
    assert {c.type for c in stuck.status.conditions} >= {"DisruptionTarget"}
    assert len([p for p in active(pods) if p.spec.node_name != "n2"]) == 3
    assert [e.message for e in w.events("TaintManagerEviction")] == [f"Marking for deletion Pod default/{n}" for n in on_n2]
    no_sync_crashes(w)


def test_node_recovers_and_taints_are_removed():
    w = World()
    w.start(NodeLifecycleController, TaintEvictionController)
    w.run(15)
    w.down.add("n1")
    w.run(70)
    assert w.get("Node", "n1", None).spec.taints
    w.down.discard("n1")
    # the kubelet posts Ready again
    n = w.get("Node", "n1", None).copy_deep()
    for c in n.status.conditions:
        if c.type == "Ready":
            c.status, c.reason = "True", "KubeletReady"
            c.last_heartbeat_time = rfc3339(w.sim.now)
    w.call(w.client.update_status(n))
    w.run(20)
    assert not w.get("Node", "n1", None).spec.taints


SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
       "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


def test_endpoints_follow_ready_pods():
    w = World(start_delay=5)
    w.start(ReplicaSetController, EndpointsController, EndpointSliceController, GarbageCollector)
    w.create(SVC)
    rs = copy.deepcopy(RS)
    rs["spec"]["replicas"] = 3
    rs["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    w.create(rs)
    w.run(2)
    ep = w.get("Endpoints", "web")
    assert ep.subsets is None
    w.run(10)
    ep = w.get("Endpoints", "web")
    pods = w.list(Pod)
    assert len(ep.subsets) == 1
    sub = ep.subsets[0]
    assert sorted(a.ip for a in sub.addresses) == sorted(p.status.pod_ip for p in pods)
    assert {a.target_ref.name for a in sub.addresses} == {p.name for p in pods}
    assert [(p.name, p.port) for p in sub.ports] == [("http", 8080)]
    slices = w.list("EndpointSlice")
    assert len(slices) == 1
    sl = slices[0]
    assert sl.metadata.labels["kubernetes.io/service-name"] == "web"
    assert sl.metadata.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert sl.metadata.owner_references[0].kind == "Service"
    assert len(sl.endpoints) == 3 and all(e.conditions.ready for e in sl.endpoints)
    # a pod turns unready: it moves to notReadyAddresses
    p = pods[0].copy_deep()
    for c in p.status.conditions:
        if c.type == "Ready":
            c.status = "False"
    w.call(w.client.update_status(p))
    w.run(2)
    sub = w.get("Endpoints", "web").subsets[0]
    assert [a.target_ref.name for a in sub.not_ready_addresses] == [p.name]
    assert len(sub.addresses) == 2
    # deleting the service removes both
    w.call(w.client.delete("Service", "web", "default"))
    w.run(5)
    assert w.list("Endpoints") == [] and w.list("EndpointSlice") == []


def test_a_pod_of_a_node_that_no_longer_exists_is_the_pod_gcs_alone():
    """upstream: pkg/controller/podgc/gc_controller.go gcOrphaned — every gcCheckPeriod (20 s),
    after the 40 s quarantine, the pod is marked Failed with DisruptionTarget/DeletionByPodGC and
    force-deleted. The node lifecycle controller does not delete it (it has no such part)."""
    from kubelab.controllers.podgc import PodGCController

    w = World()
    w.start(NodeLifecycleController, TaintEvictionController, PodGCController)
    seen = []  # (time, phase, DisruptionTarget reason) of each update, then "deleted"
    inf = w.informers.informer(Pod)

    def on_update(old, new):
        c = new.status.condition("DisruptionTarget")
        seen.append((w.sim.now, new.status.phase, c.reason if c else None))

    inf.add_event_handler(None, on_update, lambda p: seen.append((w.sim.now, "deleted", None)))
    created = w.sim.now
    w.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray"},
              "spec": {"nodeName": "gone", "containers": [{"name": "c", "image": "pause"}]}})
    w.run(100)
    failed = [s for s in seen if s[1] == "Failed"]
    assert failed and failed[0][2] == "DeletionByPodGC"
    assert seen[-1][1] == "deleted"
    assert 40 <= seen[-1][0] - created <= 61  # quarantine, then the next 20 s tick at the latest
    assert w.list(Pod) == []
