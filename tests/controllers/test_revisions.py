"""ControllerRevisions of DaemonSets and StatefulSets, and the DaemonSet's update strategies.

Upstream: pkg/controller/history/controller_history.go (names, hashes, sorting, equality),
pkg/controller/daemon/update.go (constructHistory, snapshot, cleanupHistory, rollingUpdate
with maxSurge / maxUnavailable), pkg/controller/daemon/daemon_controller.go
(podsShouldBeOnNode, updateDaemonSetStatus), pkg/controller/statefulset/stateful_set_control.go
(getStatefulSetRevisions, truncateHistory, completeRollingUpdate) and stateful_set_utils.go
(newRevision, newVersionedStatefulSetPod), pkg/registry/apps/daemonset/strategy.go (the
template generation).
"""

from __future__ import annotations

import re

import pytest

from kubelab.api import errors
from kubelab.api.apps import ControllerRevision
from kubelab.api.base import parse_time
from kubelab.api.core import Pod
from kubelab.controllers import history
from kubelab.controllers.daemonset import DaemonSetController
from kubelab.controllers.deployment import compute_hash
from kubelab.controllers.statefulset import StatefulSetController

from .test_workloads import active, no_sync_crashes
from .world import World

TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.0"}]}}
SAFE = re.compile(r"[bcdfghjklmnpqrstvwxz2456789]+")  # rand.SafeEncodeString's alphabet


def _ds(**spec):
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
            "spec": dict({"selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}, **spec)}


def _sts(**spec):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
            "spec": dict({"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "x"}},
                          "template": TEMPLATE}, **spec)}


def _set_image(w, kind, name, image, **spec_changes):
    obj = w.get(kind, name).copy_deep()
    obj.spec.template.spec.containers[0].image = image
    for k, v in spec_changes.items():
        setattr(obj.spec, k, v)
    return w.call(w.client.update(obj))


def _ready_since(pod):
    return next(c.last_transition_time for c in pod.status.conditions if c.type == "Ready")


def _revisions(w):
    return sorted(w.list(ControllerRevision), key=lambda r: r.revision)


# ----------------------------------------------------------------------------- history helpers
def test_fnv32_is_fnv1_not_fnv1a():
    """upstream: controller_history.go HashControllerRevision uses hash/fnv New32 (FNV-1)."""
    assert history.fnv32(b"") == 0x811C9DC5
    assert history.fnv32(b"a") == 0x050C5D7E  # FNV-1a would give 0xe40c292c


def test_go_json_sorts_keys_and_escapes_html():
    """upstream: getPatch marshals with encoding/json: map keys sorted, compact, <>& escaped."""
    assert history.go_json({"b": 1, "a": {"d": "<&>", "c": None}}) == b'{"a":{"c":null,"d":"\\u003c\\u0026\\u003e"},"b":1}'


def test_sort_controller_revisions_by_revision_then_time_then_name():
    """upstream: controller_history.go SortControllerRevisions (byRevision)."""
    def cr(name, rev, ts):
        return ControllerRevision.model_validate({"metadata": {"name": name, "creationTimestamp": ts}, "revision": rev})

    revs = [cr("c", 2, "2024-01-01T00:00:00Z"), cr("b", 1, "2024-01-01T00:00:05Z"), cr("a", 1, "2024-01-01T00:00:05Z"),
            cr("d", 1, "2024-01-01T00:00:00Z")]
    assert [r.metadata.name for r in history.sort_controller_revisions(revs)] == ["d", "a", "b", "c"]


# ----------------------------------------------------------------------------- DaemonSet revisions
def test_daemonset_snapshot_is_named_by_the_template_hash_and_labels_its_pods():
    """upstream: daemon/update.go snapshot (name ``<ds>-<ComputeHash>``, template labels plus
    controller-revision-hash, the set's annotations, a controller ownerReference, data =
    getPatch) and util.CreatePodTemplate (pod-template-generation, controller-revision-hash)."""
    w = World()
    w.start(DaemonSetController)
    w.create(_ds())
    w.run(20)
    ds = w.get("DaemonSet", "agent")
    assert ds.metadata.annotations == {"deprecated.daemonset.template.generation": "1"}
    (cr,) = w.list(ControllerRevision)
    h = compute_hash(ds.spec.template, None)
    assert SAFE.fullmatch(h)
    assert cr.name == f"agent-{h}" and cr.revision == 1
    assert cr.metadata.labels == {"app": "x", "controller-revision-hash": h}
    assert cr.metadata.annotations == {"deprecated.daemonset.template.generation": "1"}
    (ref,) = cr.metadata.owner_references
    assert (ref.api_version, ref.kind, ref.name, ref.uid, ref.controller, ref.block_owner_deletion) == (
        "apps/v1", "DaemonSet", "agent", ds.uid, True, True)
    template = cr.data["spec"]["template"]
    assert list(cr.data) == ["spec"] and list(cr.data["spec"]) == ["template"]
    assert template["$patch"] == "replace"
    assert template["metadata"] == {"creationTimestamp": None, "labels": {"app": "x"}}
    assert template["spec"]["containers"][0]["image"] == "busybox:1.0"
    pods = w.list(Pod)
    assert len(pods) == 3
    assert all(p.metadata.labels == {"app": "x", "controller-revision-hash": h, "pod-template-generation": "1"}
               for p in pods)
    st = ds.status
    assert (st.desired_number_scheduled, st.updated_number_scheduled, st.number_available,
            st.number_unavailable) == (3, 3, 3, 0)
    no_sync_crashes(w)


def test_daemonset_template_generation_counts_template_changes_only():
    """upstream: registry/apps/daemonset/strategy.go PrepareForUpdate: templateGeneration
    (the apps/v1 annotation) moves with the template; generation with any spec change."""
    w = World(kubelet=False)
    w.create(_ds())
    ds = w.get("DaemonSet", "agent").copy_deep()
    ds.spec.min_ready_seconds = 5
    ds = w.call(w.client.update(ds))
    assert ds.metadata.generation == 2
    assert ds.metadata.annotations["deprecated.daemonset.template.generation"] == "1"
    ds = _set_image(w, "DaemonSet", "agent", "busybox:2.0")
    assert ds.metadata.generation == 3
    assert ds.metadata.annotations["deprecated.daemonset.template.generation"] == "2"
    # the user cannot set it: an update keeps the stored one
    ds = ds.copy_deep()
    ds.metadata.annotations["deprecated.daemonset.template.generation"] = "40"
    ds = w.call(w.client.update(ds))
    assert ds.metadata.annotations["deprecated.daemonset.template.generation"] == "2"


def test_daemonset_revisions_count_up_and_a_rollback_renumbers_the_old_revision():
    """upstream: daemon/update.go constructHistory: a new template is revision max+1; going
    back to an earlier template reuses its ControllerRevision with the next number."""
    w = World()
    w.start(DaemonSetController)
    w.create(_ds())
    w.run(20)
    first = w.list(ControllerRevision)[0].name
    _set_image(w, "DaemonSet", "agent", "busybox:2.0")
    w.run(40)
    assert [(r.revision, r.metadata.annotations["deprecated.daemonset.template.generation"]) for r in _revisions(w)] == [
        (1, "1"), (2, "2")]
    second = _revisions(w)[1]
    assert {p.metadata.labels["controller-revision-hash"] for p in active(w.list(Pod))} == {
        second.metadata.labels["controller-revision-hash"]}
    assert {p.metadata.labels["pod-template-generation"] for p in active(w.list(Pod))} == {"2"}
    _set_image(w, "DaemonSet", "agent", "busybox:1.0")
    w.run(40)
    assert [(r.name, r.revision) for r in _revisions(w)] == [(second.name, 2), (first, 3)]
    assert {p.spec.containers[0].image for p in active(w.list(Pod))} == {"busybox:1.0"}
    no_sync_crashes(w)


def test_daemonset_history_keeps_revision_history_limit_old_revisions():
    """upstream: daemon/update.go cleanupHistory: beyond revisionHistoryLimit the oldest old
    revisions go, unless a pod still carries their hash."""
    w = World()
    w.start(DaemonSetController)
    w.create(_ds(revisionHistoryLimit=1))
    w.run(20)
    for image in ("busybox:2.0", "busybox:3.0", "busybox:4.0"):
        _set_image(w, "DaemonSet", "agent", image)
        w.run(40)
    revs = _revisions(w)
    assert [r.revision for r in revs] == [3, 4]
    assert [r.data["spec"]["template"]["spec"]["containers"][0]["image"] for r in revs] == ["busybox:3.0", "busybox:4.0"]


# ----------------------------------------------------------------------------- DaemonSet updates
def test_daemonset_surge_starts_the_new_pod_before_deleting_the_old():
    """upstream: daemon/update.go rollingUpdate (maxSurge > 0) and daemon_controller.go
    podsShouldBeOnNode: with maxSurge 1 and maxUnavailable 0 every node keeps an available
    pod; the old pod goes only once the new one has been ready for minReadySeconds."""
    w = World(start_delay=2)
    w.start(DaemonSetController)
    w.create(_ds(minReadySeconds=5, updateStrategy={"type": "RollingUpdate",
                                                      "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
    w.run(30)
    _set_image(w, "DaemonSet", "agent", "busybox:2.0")
    most_pods, fewest_ready_nodes, deleted = 0, 3, {}
    end = w.sim.now + 120
    while w.sim.now < end and w.sim.step():
        live = active(w.pods.store.values())
        most_pods = max(most_pods, len(live))
        fewest_ready_nodes = min(fewest_ready_nodes, len({p.spec.node_name for p in live if p.is_ready()}))
        for p in w.pods.store.values():
            if p.metadata.deletion_timestamp is not None and p.name not in deleted:
                # the new pod on that node had been ready for minReadySeconds
                new = [q for q in live if q.spec.node_name == p.spec.node_name
                       and q.spec.containers[0].image == "busybox:2.0"]
                deleted[p.name] = bool(new) and new[0].is_ready() and \
                    parse_time(p.metadata.deletion_timestamp) - parse_time(_ready_since(new[0])) >= 5
    assert most_pods == 4  # one surge pod at a time on 3 nodes
    assert fewest_ready_nodes == 3
    assert len(deleted) == 3 and all(deleted.values())
    pods = active(w.list(Pod))
    assert sorted(p.spec.node_name for p in pods) == ["n1", "n2", "n3"]
    assert {p.spec.containers[0].image for p in pods} == {"busybox:2.0"}
    st = w.get("DaemonSet", "agent").status
    assert (st.updated_number_scheduled, st.number_available, st.number_unavailable) == (3, 3, 0)
    no_sync_crashes(w)


def test_daemonset_max_unavailable_percent_rounds_up():
    """upstream: daemon/util UnavailableCount (GetScaledValueFromIntOrPercent, rounding up):
    34% of 3 nodes is 2 nodes replaced at once."""
    w = World(nodes=("n1", "n2", "n3"), start_delay=5)
    w.start(DaemonSetController)
    w.create(_ds(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "34%"}}))
    w.run(30)
    _set_image(w, "DaemonSet", "agent", "busybox:2.0")
    worst = 0
    end = w.sim.now + 90
    while w.sim.now < end and w.sim.step():
        ready = {p.spec.node_name for p in active(w.pods.store.values()) if p.is_ready()}
        worst = max(worst, 3 - len(ready))
    assert worst == 2
    assert {p.spec.containers[0].image for p in active(w.list(Pod))} == {"busybox:2.0"}


def test_daemonset_on_delete_replaces_a_pod_only_once_deleted():
    """upstream: daemon_controller.go updateDaemonSet (OnDelete: no rolling update) and
    updateDaemonSetStatus (updatedNumberScheduled counts pods of the current hash)."""
    w = World()
    w.start(DaemonSetController)
    w.create(_ds(updateStrategy={"type": "OnDelete"}))
    w.run(20)
    _set_image(w, "DaemonSet", "agent", "busybox:2.0")
    w.run(30)
    assert {p.spec.containers[0].image for p in active(w.list(Pod))} == {"busybox:1.0"}
    assert w.get("DaemonSet", "agent").status.updated_number_scheduled == 0
    victim = sorted(w.list(Pod), key=lambda p: p.spec.node_name)[0]
    w.call(w.client.delete(Pod, victim.name, "default"))
    w.run(20)
    pods = active(w.list(Pod))
    assert sorted((p.spec.node_name, p.spec.containers[0].image) for p in pods) == [
        ("n1", "busybox:2.0"), ("n2", "busybox:1.0"), ("n3", "busybox:1.0")]
    st = w.get("DaemonSet", "agent").status
    assert (st.desired_number_scheduled, st.updated_number_scheduled, st.number_available) == (3, 1, 3)


def test_daemonset_update_strategy_needs_surge_or_unavailability():
    """upstream: apps/validation ValidateRollingUpdateDaemonSet: a 422 that changes nothing."""
    w = World(kubelet=False)
    w.create(_ds())
    ds = w.get("DaemonSet", "agent").copy_deep()
    ds.spec.update_strategy.rolling_update.max_unavailable = 0
    with pytest.raises(errors.StatusError) as e:
        w.call(w.client.update(ds))
    assert e.value.code == 422
    assert str(e.value) == ('DaemonSet.apps "agent" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: '
                            'Required value: cannot be 0 when maxSurge is 0')
    assert w.get("DaemonSet", "agent").spec.update_strategy.rolling_update.max_unavailable == 1


# ----------------------------------------------------------------------------- StatefulSet revisions
def test_statefulset_revision_is_named_by_hash_controller_revision():
    """upstream: stateful_set_utils.go newRevision + controller_history.go NewControllerRevision:
    name ``<set>-<SafeEncodeString(fnv32(Data.Raw + collisionCount))>``, the hash also in the
    controller.kubernetes.io/hash label; pods carry the revision's name."""
    w = World(start_delay=2)
    w.start(StatefulSetController)
    w.create(_sts())
    w.run(30)
    s = w.get("StatefulSet", "db")
    (cr,) = w.list(ControllerRevision)
    h = history.safe_encode_string(str(history.fnv32(history.go_json(cr.data) + b"0")))
    assert cr.name == f"db-{h}" and cr.revision == 1
    assert cr.metadata.labels == {"app": "x", "controller.kubernetes.io/hash": h}
    assert cr.metadata.owner_references[0].kind == "StatefulSet" and cr.metadata.owner_references[0].controller
    assert cr.data == history.get_patch(s)
    assert {p.metadata.labels["controller-revision-hash"] for p in w.list(Pod)} == {cr.name}
    st = s.status
    assert (st.current_revision, st.update_revision, st.current_replicas, st.updated_replicas, st.collision_count) == (
        cr.name, cr.name, 3, 3, 0)


def test_statefulset_partitioned_update_keeps_low_ordinals_at_the_current_revision():
    """upstream: stateful_set_control.go (update from the highest ordinal down to the
    partition), newVersionedStatefulSetPod (a pod below the partition is recreated at the
    current revision) and completeRollingUpdate."""
    w = World(start_delay=2)
    w.start(StatefulSetController)
    w.create(_sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    w.run(30)
    old = w.get("StatefulSet", "db").status.current_revision
    _set_image(w, "StatefulSet", "db", "busybox:2.0")
    w.run(30)
    st = w.get("StatefulSet", "db").status
    new = st.update_revision
    assert new != old and (st.current_revision, st.current_replicas, st.updated_replicas) == (old, 2, 1)
    images = {p.name: (p.metadata.labels["controller-revision-hash"], p.spec.containers[0].image) for p in w.list(Pod)}
    assert images == {"db-0": (old, "busybox:1.0"), "db-1": (old, "busybox:1.0"), "db-2": (new, "busybox:2.0")}
    w.call(w.client.delete(Pod, "db-0", "default"))
    w.run(20)
    assert w.get(Pod, "db-0").spec.containers[0].image == "busybox:1.0"
    s = w.get("StatefulSet", "db").copy_deep()
    s.spec.update_strategy.rolling_update.partition = 0
    w.call(w.client.update(s))
    w.run(40)
    st = w.get("StatefulSet", "db").status
    assert (st.current_revision, st.update_revision, st.current_replicas, st.updated_replicas) == (new, new, 3, 3)
    assert {p.spec.containers[0].image for p in w.list(Pod)} == {"busybox:2.0"}
    no_sync_crashes(w)


def test_statefulset_rollback_reuses_the_old_revision_and_truncates_history():
    """upstream: stateful_set_control.go getStatefulSetRevisions (an equal earlier revision
    gets the next number) and truncateHistory (revisionHistoryLimit of the non-live ones)."""
    w = World(start_delay=1)
    w.start(StatefulSetController)
    w.create(_sts(replicas=2, revisionHistoryLimit=1))
    w.run(20)
    first = w.list(ControllerRevision)[0].name
    _set_image(w, "StatefulSet", "db", "busybox:2.0")
    w.run(30)
    _set_image(w, "StatefulSet", "db", "busybox:1.0")
    w.run(30)
    revs = _revisions(w)
    assert [r.revision for r in revs] == [2, 3] and revs[1].name == first
    for image in ("busybox:3.0", "busybox:4.0"):
        _set_image(w, "StatefulSet", "db", image)
        w.run(30)
    revs = _revisions(w)
    assert [r.revision for r in revs] == [4, 5]
    assert w.get("StatefulSet", "db").status.current_revision == revs[1].name


def test_daemonset_pod_outlives_a_noschedule_taint_but_not_a_noexecute_one():
    """upstream: daemon/daemon_controller.go NodeShouldRunDaemonPod (shouldRun,
    shouldContinueRunning) and podsShouldBeOnNode: a pod already on a node keeps running past an
    untolerated NoSchedule taint (the node counts as misscheduled), not past a NoExecute one."""
    from kubelab.api.core import Taint

    w = World()
    w.start(DaemonSetController)
    w.create(_ds())
    w.run(20)
    for node, effect in (("n3", "NoSchedule"), ("n2", "NoExecute")):
        n = w.get("Node", node, None).copy_deep()
        n.spec.taints = [Taint(key="dedicated", value="gpu", effect=effect)]
        w.call(w.client.update(n))
    w.run(20)
    assert sorted(p.spec.node_name for p in active(w.list(Pod))) == ["n1", "n3"]
    st = w.get("DaemonSet", "agent").status
    assert (st.desired_number_scheduled, st.current_number_scheduled, st.number_misscheduled) == (1, 1, 1)


def test_daemonset_deletes_a_failing_pod_again_only_after_a_growing_backoff():
    """upstream: daemon_controller.go podsShouldBeOnNode (failedPodsBackoff, 1 s doubling to
    15 min, keyed by set, observed generation and node) and its FailedDaemonPod event."""
    w = World(nodes=("n1",))
    w.fail_pods.add("agent-")  # the fake kubelet fails every daemon pod a second after it starts
    w.start(DaemonSetController)
    w.create(_ds())
    w.run(200)
    times = [parse_time(e.first_timestamp) for e in w.events("FailedDaemonPod")]
    assert all(e.type == "Warning" and re.fullmatch(r"Found failed daemon pod default/agent-\w+ on node n1, will try "
                                                    r"to kill it", e.message) for e in w.events("FailedDaemonPod"))
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert 5 <= len(times) <= 9
    assert all(gap >= 2 ** i for i, gap in enumerate(gaps)), gaps
