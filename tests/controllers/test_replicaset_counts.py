"""The ReplicaSet controller counts its pods as the pod informer changes (issue 12: a sync of a
5,000-pod ReplicaSet must not walk 5,000 pods). Its debug self-check compares those counts
with the walk upstream does on every sync (upstream: pkg/controller/replicaset/replica_set.go
syncReplicaSet, getRSPods; pkg/controller/controller_ref_manager.go ClaimPods;
pkg/controller/replicaset/replica_set_utils.go calculateStatus), so a wrong count fails here."""

from __future__ import annotations

import copy

from kubelab.api.core import Pod
from kubelab.api.apps import ReplicaSet
from kubelab.controllers import replicaset as rsmod
from kubelab.controllers.replicaset import ReplicaSetController

from .world import World

RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
      "spec": {"replicas": 3, "minReadySeconds": 5, "selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web", "tier": "front"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx:1.0"}]}}}}


def bare_pod(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def checked_world():
    w = World()
    (ctrl,) = w.start(ReplicaSetController)
    ctrl.self_check = True  # before the first sync: every sync compares the counts with the walk
    return w, ctrl


def relabel(w: World, name: str, labels: dict) -> None:
    pod = w.get(Pod, name).copy_deep()
    pod.metadata.labels = labels
    w.call(w.client.update(pod))


def set_spec(w: World, name: str, **changes) -> None:
    rs = w.get(ReplicaSet, name).copy_deep()
    for k, v in changes.items():
        setattr(rs.spec, k, v)
    w.call(w.client.update(rs))


def status(w: World, name: str = "web") -> tuple:
    st = w.get(ReplicaSet, name).status
    return st.replicas, st.fully_labeled_replicas, st.ready_replicas, st.available_replicas


def assert_checked(w: World, ctrl: ReplicaSetController, syncs_at_least: int) -> None:
    assert ctrl.self_check_failures == []
    assert not [r for r in w.sim.trace.records if r.reason == "SyncError" and "self-check" in r.message]
    assert ctrl.syncs >= syncs_at_least


def test_counts_match_the_walk_through_adoption_release_scaling_and_deletion():
    """upstream: controller_ref_manager.go ClaimPods (adopt a matching orphan, release a pod
    that stops matching), replica_set.go manageReplicas, replica_set_utils.go calculateStatus
    (fullyLabeledReplicas: template labels; availableReplicas: minReadySeconds)."""
    w, ctrl = checked_world()
    w.create(bare_pod("stray", {"app": "web"}))
    w.create(bare_pod("other", {"app": "db"}))  # an orphan the selector does not match
    w.run(5)
    w.create(RS)
    w.run(4)
    # the orphan was adopted; the two new pods are ready but not yet for minReadySeconds
    assert w.get(Pod, "stray").metadata.controller_ref().name == "web"
    assert w.get(Pod, "other").metadata.owner_references is None
    r, fully, ready, avail = status(w)
    assert (r, fully) == (3, 2) and avail < ready  # the stray lacks tier=front
    w.run(15)
    assert status(w) == (3, 2, 3, 3)
    relabel(w, "stray", {"app": "gone"})  # released, and replaced
    w.run(15)
    assert w.get(Pod, "stray").metadata.owner_references is None
    assert status(w) == (3, 3, 3, 3)
    relabel(w, "stray", {"app": "web", "tier": "front"})  # adopted again; one pod too many goes
    w.run(15)
    assert status(w) == (3, 3, 3, 3)
    set_spec(w, "web", replicas=7)
    w.run(20)
    assert status(w) == (7, 7, 7, 7)
    set_spec(w, "web", replicas=2)
    w.run(20)
    assert status(w) == (2, 2, 2, 2)
    victim = sorted(p.name for p in w.list(Pod) if p.metadata.controller_ref() is not None)[0]
    w.call(w.client.delete(Pod, victim, "default"))  # terminating: no longer active
    w.run(20)
    assert status(w) == (2, 2, 2, 2) and victim not in {p.name for p in w.list(Pod)}
    # the template's labels change: no pod carries them all (fullyLabeledReplicas 0)
    rs = w.get(ReplicaSet, "web").copy_deep()
    rs.spec.template.metadata.labels = {"app": "web", "tier": "front", "v": "2"}
    w.call(w.client.update(rs))
    w.run(10)
    assert status(w) == (2, 0, 2, 2)
    assert_checked(w, ctrl, 20)


def test_counts_match_the_walk_when_pods_finish_and_the_informer_relists():
    """upstream: controller.FilterActivePods (a Succeeded pod is not counted and is replaced);
    client-go DeltaFIFO.Replace (a relist delivers updates and DeletedFinalStateUnknown for
    what changed while the watch was down)."""
    w, ctrl = checked_world()
    w.succeed_after["batch-"] = 6.0
    rs = copy.deepcopy(RS)
    rs["metadata"]["name"] = "batch"
    rs["spec"]["selector"] = {"matchLabels": {"app": "batch"}}
    rs["spec"]["template"]["metadata"]["labels"] = {"app": "batch"}
    w.create(rs)
    w.create(RS)
    w.run(20)
    assert sum(1 for p in w.list(Pod) if p.status.phase == "Succeeded") >= 3
    assert status(w, "batch")[0] == 3
    # the watch goes down; a pod is relabelled out and another deleted meanwhile
    inf = ctrl.pod_informer
    inf._watch.stop()
    names = sorted(p.name for p in w.list(Pod) if p.name.startswith("web-"))
    relabel(w, names[0], {"app": "away"})
    w.call(w.client.delete(Pod, names[1], "default", grace_period_seconds=0))
    inf._on_watch_error(RuntimeError("connection reset"))  # the reflector relists
    relists = inf.relists
    w.run(30)
    assert inf.relists > relists
    assert status(w) == (3, 3, 3, 3)
    assert w.get(Pod, names[0]).metadata.owner_references is None
    assert_checked(w, ctrl, 20)


def test_the_self_check_fails_a_sync_whose_counts_are_wrong():
    """The check can fail: counts that miss a relabel disagree with the walk (upstream:
    controller_ref_manager.go ClaimPods would release the pod)."""
    w, ctrl = checked_world()
    w.create(RS)
    w.run(15)
    assert ctrl.self_check_failures == []
    name = sorted(p.name for p in w.list(Pod))[0]
    real = ctrl._account
    ctrl._account = lambda key: None if key == f"default/{name}" else real(key)  # forget this pod's changes
    relabel(w, name, {"app": "gone"})
    w.run(2)
    assert ctrl.self_check_failures and "the walk over the pods gives None" in ctrl.self_check_failures[0]
    assert any(r.reason == "SyncError" and "self-check" in r.message for r in w.sim.trace.records)


def test_a_settled_replicaset_syncs_without_walking_its_pods(monkeypatch):
    """Issue 12: the sync of a ReplicaSet with nothing to claim reads counts (upstream's
    syncReplicaSet walks the pods; the outcome is the same, see the tests above)."""
    w = World()
    (ctrl,) = w.start(ReplicaSetController)
    rs = copy.deepcopy(RS)
    rs["spec"]["replicas"] = 20
    w.create(rs)
    w.run(30)
    assert status(w) == (20, 20, 20, 20)
    walks = []
    monkeypatch.setattr(rsmod, "filter_by_owner", lambda *a: walks.append(a) or [])
    monkeypatch.setattr(ctrl, "_facts_of", lambda pods: walks.append(pods) or [])
    before = ctrl.syncs
    for _ in range(3):
        ctrl.enqueue(w.get(ReplicaSet, "web"))
        w.run(1)
    assert ctrl.syncs >= before + 3 and walks == []
    assert status(w) == (20, 20, 20, 20)
