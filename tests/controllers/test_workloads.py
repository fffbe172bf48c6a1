"""Scenario tests for the ReplicaSet and Deployment controllers, on the real API server,
asserting on recorded history (pods sampled at every simulated event)."""

from __future__ import annotations

import copy

import pytest

from kubelab.api.core import Pod
from kubelab.controllers.deployment import (DeploymentController, compute_hash, fnv32a, max_surge, max_unavailable,
                                            safe_encode_string)
from kubelab.kubectl.polymorphichelpers import rollback
from kubelab.controllers.replicaset import ReplicaSetController, pod_deletion_rank_key, pods_to_delete

from .world import World

RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
      "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx:1.0"}]}}}}
DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
          "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx:1.0"}]}}}}


def no_sync_crashes(w: World) -> None:
    crashed = [r for r in w.sim.trace.records if r.reason == "ProcessCrashed" and not r.source.startswith("kube-apiserver")]
    assert crashed == []


def active(pods):
    return [p for p in pods if p.metadata.deletion_timestamp is None and p.status.phase not in ("Succeeded", "Failed")]


# ----------------------------------------------------------------------------- ReplicaSet
def test_replicaset_scales_up_in_slow_start_batches_and_reports_status():
    w = World()
    w.start(ReplicaSetController)
    w.create(RS)
    w.run(20)
    pods = w.list(Pod)
    assert len(pods) == 5 and all(p.status.phase == "Running" for p in pods)
    assert all(p.metadata.owner_references[0].kind == "ReplicaSet" and p.metadata.owner_references[0].controller for p in pods)
    rs = w.get("ReplicaSet", "web")
    st = rs.status
    assert (st.replicas, st.fully_labeled_replicas, st.ready_replicas, st.available_replicas) == (5, 5, 5, 5)
    assert st.observed_generation == 1
    created = w.events("SuccessfulCreate")
    assert len(created) == 5
    assert {e.message for e in created} == {f"Created pod: {p.name}" for p in pods}
    no_sync_crashes(w)


@pytest.mark.parametrize("count,fail_at,calls,ok", [
    (10, None, 10, 10),   # batches 1, 2, 4, 3
    (10, 3, 3, 2),        # the second batch (calls 2-3) fails: stop after it
    (10, 4, 7, 6),        # the third batch (calls 4-7) fails: all of it runs, then stop
    (1, 1, 1, 0),
])
def test_slow_start_batch(count, fail_at, calls, ok):
    from kubelab.api import errors
    from kubelab.controllers.base import slow_start_batch
    from kubelab.sim import Simulator

    sim = Simulator()
    made = []

    def fn():
        made.append(sim.now)
        ev = sim.event()
        if len(made) == fail_at:
            sim.call_later(1, ev.fail, errors.new_conflict("pods", "x"))
        else:
            sim.call_later(1, ev.succeed, None)
        return ev

    got = sim.run_until(sim.spawn(slow_start_batch(sim, count, 1, fn)))
    assert len(made) == calls and got[0] == ok
    assert (got[1] is None) == (fail_at is None)
    if fail_at is None:
        assert made == [0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0]


def test_replicaset_scale_down_prefers_unready_and_unassigned_pods():
    w = World()
    w.start(ReplicaSetController)
    w.create(RS)
    w.run(20)
    rs = w.get("ReplicaSet", "web").copy_deep()
    rs.spec.replicas = 2
    w.call(w.client.update(rs))
    w.run(10)
    assert len(w.list(Pod)) == 2
    assert len(w.events("SuccessfulDelete")) == 3
    assert w.get("ReplicaSet", "web").status.replicas == 2
    no_sync_crashes(w)


def test_deletion_ranking_order():
    def pod(name, node=None, phase="Running", ready_at=None, created=0.0, restarts=0, cost=None):
        d = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": name, "creationTimestamp": f"2025-01-01T00:{int(created) // 60:02d}:{int(created) % 60:02d}Z"},
             "spec": {"containers": [{"name": "c"}], "nodeName": node},
             "status": {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": restarts}]}}
        if cost is not None:
            d["metadata"]["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
        if ready_at is not None:
            d["status"]["conditions"] = [{"type": "Ready", "status": "True",
                                          "lastTransitionTime": f"2025-01-01T00:00:{int(ready_at):02d}Z"}]
        return Pod.model_validate(d)

    pods = [
        pod("ready-old", "n1", ready_at=1, created=1),
        pod("unassigned", None, phase="Pending"),
        pod("pending", "n1", phase="Pending"),
        pod("notready", "n1"),
        pod("ready-costly", "n2", ready_at=1, created=1, cost=100),
    ]
    order = [p.name for p in pods_to_delete(pods, pods, 4, now=100.0)]
    assert order == ["unassigned", "pending", "notready", "ready-old"]
    # doubled-up pods go before pods alone on their node
    a, b, c = pod("a", "n1", ready_at=1), pod("b", "n1", ready_at=1), pod("c", "n2", ready_at=1)
    assert pods_to_delete([c, a, b], [a, b, c], 1, now=100.0)[0].name in ("a", "b")
    # more restarts first among otherwise equal pods
    r0, r5 = pod("r0", "n1", ready_at=1, restarts=0), pod("r5", "n2", ready_at=1, restarts=5)
    assert pods_to_delete([r0, r5], [r0, r5], 1, now=100.0)[0].name == "r5"
    assert pod_deletion_rank_key(pods[1], 0, 0)[0] == 0


def test_replicaset_adopts_orphans_and_releases_pods_that_stop_matching():
    w = World()
    orphan = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    w.create(orphan)
    w.start(ReplicaSetController)
    rs = copy.deepcopy(RS)
    rs["spec"]["replicas"] = 3
    w.create(rs)
    w.run(15)
    pods = w.list(Pod)
    assert len(pods) == 3
    stray = w.get(Pod, "stray")
    assert stray.metadata.controller_ref().name == "web"
    assert len(w.events("SuccessfulCreate")) == 2  # the orphan counted as one of three
    # relabel the adopted pod: it is released, and a replacement is made
    stray = stray.copy_deep()
    stray.metadata.labels = {"app": "other"}
    w.call(w.client.update(stray))
    w.run(15)
    assert w.get(Pod, "stray").metadata.owner_references is None
    owned = [p for p in w.list(Pod) if p.metadata.controller_ref() is not None]
    assert len(owned) == 3
    no_sync_crashes(w)


def test_replicaset_replaces_a_deleted_pod():
    w = World()
    w.start(ReplicaSetController)
    w.create(RS)
    w.run(20)
    victim = w.list(Pod)[0]
    w.call(w.client.delete(Pod, victim.name, "default"))
    w.run(20)
    pods = w.list(Pod)
    assert len(pods) == 5 and victim.name not in {p.name for p in pods}
    assert len(w.events("SuccessfulCreate")) == 6


def test_min_ready_seconds_delays_availability():
    w = World()
    w.start(ReplicaSetController)
    rs = copy.deepcopy(RS)
    rs["spec"]["minReadySeconds"] = 30
    w.create(rs)
    w.run(10)
    st = w.get("ReplicaSet", "web").status
    assert st.ready_replicas == 5 and st.available_replicas == 0
    w.run(40)
    assert w.get("ReplicaSet", "web").status.available_replicas == 5


# ----------------------------------------------------------------------------- Deployment
def test_pod_template_hash_is_upstream_shaped():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C  # FNV-1a 32 test vector
    assert safe_encode_string("0123456789") == "bcdfghjklm"[0:0] + "".join(
        "bcdfghjklmnpqrstvwxz2456789"[ord(c) % 27] for c in "0123456789")
    w = World(kubelet=False)
    d = w.create(DEPLOY)
    h = compute_hash(d.spec.template, None)
    assert h == compute_hash(d.spec.template, None)
    assert h != compute_hash(d.spec.template, 1)
    assert set(h) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(h) <= 10


@pytest.mark.parametrize("replicas,surge,unavail,want", [
    (10, "25%", "25%", (3, 2)),   # surge rounds up, unavailable rounds down
    (4, "25%", "25%", (1, 1)),
    (3, 0, "10%", (0, 1)),        # both resolve to zero: one unavailable
    (1, "25%", "25%", (1, 0)),
    (5, 2, "100%", (2, 5)),
])
def test_fenceposts(replicas, surge, unavail, want):
    w = World(kubelet=False)
    d = copy.deepcopy(DEPLOY)
    d["spec"].update(replicas=replicas, strategy={"type": "RollingUpdate",
                                                  "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavail}})
    obj = w.create(d)
    assert (max_surge(obj), max_unavailable(obj)) == want


def _rollout(replicas, surge, unavail, image="nginx:2.0", strategy="RollingUpdate"):
    w = World(start_delay=3.0, stop_delay=2.0)
    w.start(ReplicaSetController, DeploymentController)
    d = copy.deepcopy(DEPLOY)
    d["spec"]["replicas"] = replicas
    if strategy == "RollingUpdate":
        d["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavail}}
    else:
        d["spec"]["strategy"] = {"type": "Recreate"}
    w.create(d)
    w.run(30)
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.template.spec.containers[0].image = image
    w.call(w.client.update(dep))
    samples = []
    pods_inf = w.pods
    end = w.sim.now + 120
    while w.sim.now < end and w.sim.step():
        pods = list(pods_inf.store.values())
        act = active(pods)
        ready = [p for p in act if p.is_ready()]
        samples.append((w.sim.now, len(act), len(ready)))
    return w, samples


@pytest.mark.parametrize("replicas,surge,unavail", [(4, "25%", "25%"), (10, 3, 2), (5, 1, 0), (6, 0, 2)])
def test_rolling_update_stays_within_surge_and_unavailability(replicas, surge, unavail):
    w, samples = _rollout(replicas, surge, unavail)
    dep = w.get("Deployment", "web")
    s, u = max_surge(dep), max_unavailable(dep)
    assert max(n for _, n, _ in samples) <= replicas + s
    assert min(r for _, _, r in samples) >= replicas - u
    # and it finished: every pod runs the new image, old RS scaled to zero
    pods = active(w.list(Pod))
    assert len(pods) == replicas and {p.spec.containers[0].image for p in pods} == {"nginx:2.0"}
    st = dep.status
    assert (st.replicas, st.updated_replicas, st.available_replicas) == (replicas, replicas, replicas)
    prog = {c.type: c for c in st.conditions}
    assert prog["Progressing"].reason == "NewReplicaSetAvailable"
    assert prog["Available"].reason == "MinimumReplicasAvailable"
    rss = w.list("ReplicaSet")
    assert len(rss) == 2
    assert sorted(r.metadata.annotations["deployment.kubernetes.io/revision"] for r in rss) == ["1", "2"]
    assert dep.metadata.annotations["deployment.kubernetes.io/revision"] == "2"
    for r in rss:
        assert r.name == f"web-{r.spec.template.metadata.labels['pod-template-hash']}"
    no_sync_crashes(w)


def test_scaling_events_are_worded_as_upstream():
    w, _ = _rollout(4, "25%", "25%")
    msgs = [e.message for e in w.events("ScalingReplicaSet")]
    first = w.list("ReplicaSet")
    assert msgs[0].startswith("Scaled up replica set web-") and msgs[0].endswith(" to 4 from 0")
    assert any(m.startswith("Scaled down replica set") for m in msgs)
    assert all(" from " in m for m in msgs)
    assert first


def test_recreate_kills_old_pods_before_starting_new_ones():
    w, samples = _rollout(3, None, None, strategy="Recreate")
    # at some instant there were no active pods at all, and never old and new together
    assert min(n for _, n, _ in samples) == 0
    pods = active(w.list(Pod))
    assert len(pods) == 3 and {p.spec.containers[0].image for p in pods} == {"nginx:2.0"}


def test_scale_during_steady_state_and_paused_deployment():
    w = World()
    w.start(ReplicaSetController, DeploymentController)
    w.create(DEPLOY)
    w.run(20)
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.replicas = 6
    w.call(w.client.update(dep))
    w.run(20)
    assert len(active(w.list(Pod))) == 6
    assert "Scaled up replica set" in w.events("ScalingReplicaSet")[-1].message
    # pause, change the template: nothing rolls
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.paused = True
    w.call(w.client.update(dep))
    w.run(5)
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.template.spec.containers[0].image = "nginx:9"
    w.call(w.client.update(dep))
    w.run(20)
    assert len(w.list("ReplicaSet")) == 1
    cond = {c.type: c for c in w.get("Deployment", "web").status.conditions}["Progressing"]
    assert (cond.status, cond.reason) == ("Unknown", "DeploymentPaused")
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.paused = False
    w.call(w.client.update(dep))
    w.run(60)
    assert len(w.list("ReplicaSet")) == 2
    assert {p.spec.containers[0].image for p in active(w.list(Pod))} == {"nginx:9"}


class _Through:
    """The kubectl source calls rollback needs, over the World's API client."""

    def __init__(self, w):
        self.w = w

    def get(self, kind, name, namespace="default"):
        return self.w.get(kind, name, namespace)

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        return self.w.list(kind, namespace)

    def patch(self, kind, name, patch, namespace="default", patch_type="strategic"):
        return self.w.call(self.w.client.patch(kind, name, namespace, patch, patch_type))


def test_rollout_undo_goes_back_to_the_previous_template():
    # the controller does not roll back in apps/v1: kubectl patches the old template in
    # (kubectl/pkg/polymorphichelpers/rollback.go) and the controller reuses the old ReplicaSet
    w, _ = _rollout(3, 1, 0)
    dep = w.get("Deployment", "web")
    assert rollback(_Through(w), dep) == "rolled back"
    w.run(60)
    pods = active(w.list(Pod))
    assert {p.spec.containers[0].image for p in pods} == {"nginx:1.0"}
    rss = {r.spec.template.spec.containers[0].image: r for r in w.list("ReplicaSet")}
    assert len(rss) == 2  # the old ReplicaSet is reused, not recreated
    ann = rss["nginx:1.0"].metadata.annotations
    assert ann["deployment.kubernetes.io/revision"] == "3"
    assert ann["deployment.kubernetes.io/revision-history"] == "1"


def test_progress_deadline_exceeded_when_pods_never_become_ready():
    w = World()
    w.start(ReplicaSetController, DeploymentController)
    d = copy.deepcopy(DEPLOY)
    d["spec"]["progressDeadlineSeconds"] = 30
    w.create(d)
    w.run(20)
    w.down.update(w.nodes)  # no kubelet starts anything from now on
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.template.spec.containers[0].image = "nginx:broken"
    w.call(w.client.update(dep))
    w.run(80)
    cond = {c.type: c for c in w.get("Deployment", "web").status.conditions}["Progressing"]
    assert (cond.status, cond.reason) == ("False", "ProgressDeadlineExceeded")
    assert cond.message.endswith("has timed out progressing.")


def test_same_seed_same_history():
    def run():
        w, samples = _rollout(4, "25%", "25%")
        return [(e.reason, e.message) for e in w.events()], samples
    assert run() == run()
