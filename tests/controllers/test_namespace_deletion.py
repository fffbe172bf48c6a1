"""A Terminating namespace: its content deleted, its deletion conditions, its finalizer.

upstream: pkg/controller/namespace/deletion/namespaced_resources_deleter.go (Delete,
deleteAllContent, deleteAllContentForGroupVersionResource, estimateGracefulTerminationForPods,
finalizeNamespace), deletion/status_condition_utils.go (the five conditions, their reasons
and messages), pkg/controller/namespace/namespace_controller.go (requeue after estimate/2),
and staging/src/k8s.io/kubectl/pkg/describe/describe.go describeNamespace.
"""

from __future__ import annotations

from kubelab.api.core import Namespace, Pod
from kubelab.controllers.namespace import CONDITION_TYPES, NamespaceController, update_conditions
from kubelab.kubectl.describe import describe_namespace

from .world import World


def team_world(**kw) -> World:
    w = World(**kw)
    w.start(NamespaceController)
    w.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    w.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "team"}})
    return w


def pod(name, grace=None):
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "team"}, "spec": spec}


def conditions(ns):
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in ns.status.conditions or ()}


def test_pods_with_graceful_deletion_keep_the_namespace_terminating_until_gone():
    """upstream: namespaced_resources_deleter.go — pods still terminating give an estimate (their
    terminationGracePeriodSeconds) and NamespaceContentRemaining; the ``kubernetes`` finalizer
    is removed only once nothing is left."""
    w = team_world(stop_delay=20)
    w.create(pod("a"))
    w.create(pod("b"))
    w.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "team"}})
    w.run(5)
    w.call(w.client.delete("Namespace", "team", None))
    w.run(2)
    ns = w.get(Namespace, "team", None)
    assert ns.status.phase == "Terminating" and ns.spec.finalizers == ["kubernetes"]
    assert [c["type"] for c in ns.status.conditions] == list(CONDITION_TYPES)
    assert conditions(ns) == {
        "NamespaceDeletionDiscoveryFailure": ("False", "ResourcesDiscovered", "All resources successfully discovered"),
        "NamespaceDeletionGroupVersionParsingFailure": ("False", "ParsedGroupVersions",
                                                        "All legacy kube types successfully parsed"),
        "NamespaceDeletionContentFailure": ("False", "ContentDeleted",
                                            "All content successfully deleted, may be waiting on finalization"),
        "NamespaceContentRemaining": ("True", "SomeResourcesRemain", "Some resources are remaining: pods. has 2 resource instances"),
        "NamespaceFinalizersRemaining": ("False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
    }
    assert w.list("ConfigMap", "team") == []
    assert all(p.metadata.deletion_timestamp for p in w.list(Pod, "team"))
    # the pods go after 20 s; the controller looks again 30/2 = 15 s after each pass
    w.run(20)
    assert w.list(Pod, "team") == []
    assert w.get(Namespace, "team", None).status.phase == "Terminating"
    w.run(15)
    assert "team" not in [n.name for n in w.list(Namespace)]


def test_content_held_by_a_finalizer_is_reported_by_finalizer():
    """upstream: deleteAllContentForGroupVersionResource (finalizerEstimateSeconds) and
    status_condition_utils.go ProcessContentTotals (SomeFinalizersRemain)."""
    w = team_world()
    w.create({"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "held", "namespace": "team", "finalizers": ["example.com/x"]}})
    w.call(w.client.delete("Namespace", "team", None))
    w.run(3)
    got = conditions(w.get(Namespace, "team", None))
    assert got["NamespaceContentRemaining"] == ("True", "SomeResourcesRemain",
                                                "Some resources are remaining: configmaps. has 1 resource instances")
    assert got["NamespaceFinalizersRemaining"] == (
        "True", "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances")
    # releasing the finalizer lets the ConfigMap and then the namespace go
    w.call(w.client.patch("configmaps", "held", "team", {"metadata": {"finalizers": None}}, patch_type="merge"))
    w.run(10)
    assert "team" not in [n.name for n in w.list(Namespace)]


def test_describe_namespace_prints_the_conditions():
    """upstream: describe.go describeNamespace (Conditions table, RFC1123Z times)."""
    w = team_world(stop_delay=20)
    w.create(pod("a", grace=10))
    w.run(5)
    w.call(w.client.delete("Namespace", "team", None))
    w.run(2)
    out = describe_namespace(w.get(Namespace, "team", None), None, w.sim.now)
    lines = out.splitlines()
    i = lines.index("Conditions:")
    assert lines[i - 1].split() == ["Status:", "Terminating"]
    assert lines[i + 1].split() == ["Type", "Status", "LastTransitionTime", "Reason", "Message"]
    row = lines[i + 6]
    assert row.startswith("  NamespaceContentRemaining ")
    assert "  True    " in row and " +0000  SomeResourcesRemain     Some resources are remaining: pods. has 1 resource instances" in row
    assert lines[i + 8] == "" and lines[i + 9] == "No resource quota."


def test_update_conditions_moves_transition_time_only_when_status_flips():
    """upstream: status_condition_utils.go updateConditions."""
    remaining = [{"type": "NamespaceContentRemaining", "status": "True", "lastTransitionTime": "t0",
                  "reason": "SomeResourcesRemain", "message": "Some resources are remaining: pods. has 2 resource instances"}]
    conds, changed = update_conditions(None, remaining, 10)
    assert changed and len(conds) == 5
    again, changed = update_conditions(conds, remaining, 20)
    assert not changed and again == conds
    fewer = [dict(remaining[0], message="Some resources are remaining: pods. has 1 resource instances")]
    conds2, changed = update_conditions(conds, fewer, 30)
    c = next(c for c in conds2 if c["type"] == "NamespaceContentRemaining")
    assert changed and c["lastTransitionTime"] == "t0"  # same status: the time stays
    conds3, changed = update_conditions(conds2, [], 40)
    c = next(c for c in conds3 if c["type"] == "NamespaceContentRemaining")
    assert changed and (c["status"], c["reason"]) == ("False", "ContentRemoved") and c["lastTransitionTime"] != "t0"


def test_creating_in_a_terminating_namespace_is_forbidden_with_the_namespace_terminating_cause():
    """upstream: plugin/pkg/admission/namespace/lifecycle/admission.go (the NamespaceTerminating
    cause that the EndpointSlice controller and the event recorder look for)."""
    import pytest

    from kubelab.api import decode, errors

    w = team_world(stop_delay=20)
    w.create(pod("a"))
    w.run(5)
    w.call(w.client.delete("Namespace", "team", None))
    w.run(1)
    with pytest.raises(errors.StatusError) as e:
        w.call(w.client.create(decode({"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": "late", "namespace": "team"}})))
    assert e.value.code == 403
    assert str(e.value) == ('configmaps "late" is forbidden: unable to create new content in namespace team '
                            'because it is being terminated')
    assert e.value.status["details"]["causes"] == [{"type": "NamespaceTerminating", "field": "metadata.namespace",
                                                    "message": "namespace team is being terminated"}]
