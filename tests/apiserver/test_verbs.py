"""The API server's verbs: resourceVersions, optimistic concurrency, errors as Status."""

import json

import pytest

from kubelab.api import decode, errors
from kubelab.api.apps import Deployment
from kubelab.apiserver.watchcache import WatchEvent


def pod(name="web", **spec):
    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                   "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}], **spec}})


def test_create_fills_server_owned_metadata_and_defaults(world):
    p = world.do(world.client.create(pod()))
    m = p.metadata
    assert m.namespace == "default" and m.uid and m.creation_timestamp == "2025-01-01T00:00:00Z"
    assert int(m.resource_version) > 1
    # defaulting as pkg/apis/core/v1/defaults.go
    assert p.spec.restart_policy == "Always" and p.spec.dns_policy == "ClusterFirst"
    assert p.spec.termination_grace_period_seconds == 30 and p.spec.scheduler_name == "default-scheduler"
    assert p.spec.containers[0].image_pull_policy == "IfNotPresent"
    assert p.status.phase == "Pending" and p.status.qos_class == "BestEffort"
    # DefaultTolerationSeconds admission
    assert {(t.key, t.toleration_seconds) for t in p.spec.tolerations} == {
        ("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}


def test_objects_live_under_registry_keys_without_their_resource_version(world):
    world.do(world.client.create(pod()))
    kv = world.etcd.kv.range("/registry/pods/default/web").kvs[0]
    stored = json.loads(kv.value)
    assert stored["kind"] == "Pod" and "resourceVersion" not in stored["metadata"]
    got = world.do(world.client.get("pods", "web"))
    assert got.metadata.resource_version == str(kv.mod_revision)


def test_empty_metadata_maps_and_lists_are_not_stored(world):
    """ObjectMeta's labels, annotations, ownerReferences and finalizers are omitempty
    (apimachinery pkg/apis/meta/v1/types.go): once the last label and annotation are
    patched away, the stored object has no such keys, and a read shows none."""
    world.do(world.client.create(decode({"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": "cfg", "labels": {"a": "b"}, "annotations": {"k": "v"}}})))
    world.do(world.client.patch("configmaps", "cfg", "default",
                                {"metadata": {"labels": {"a": None}, "annotations": {"k": None}}}, "merge"))
    stored = json.loads(world.etcd.kv.range("/registry/configmaps/default/cfg").kvs[0].value)
    assert not {"labels", "annotations", "ownerReferences", "finalizers"} & set(stored["metadata"])
    got = world.do(world.client.get("configmaps", "cfg"))
    assert got.metadata.labels is None and got.metadata.annotations is None


def test_nodes_are_stored_as_minions_like_upstream(world):
    from kubelab.api.core import Node
    world.do(world.client.create(Node.model_validate({"metadata": {"name": "vm-1"}})))
    assert world.etcd.kv.range("/registry/minions/vm-1").count == 1


def test_create_twice_is_already_exists(world):
    world.do(world.client.create(pod()))
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.create(pod()))
    assert e.value.code == 409 and e.value.reason == "AlreadyExists"
    assert str(e.value) == 'pods "web" already exists'


def test_get_missing_is_not_found(world):
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.get(Deployment, "nope"))
    assert e.value.code == 404 and str(e.value) == 'deployments.apps "nope" not found'


def test_stale_update_is_a_conflict_and_changes_nothing(world):
    p = world.do(world.client.create(pod()))
    fresh = p.copy_deep()
    fresh.metadata.labels = {"a": "1"}
    world.do(world.client.update(fresh))
    stale = p.copy_deep()
    stale.metadata.labels = {"a": "2"}
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.update(stale))
    assert e.value.code == 409 and e.value.reason == "Conflict"
    assert str(e.value) == ('Operation cannot be fulfilled on pods "web": the object has been modified; '
                            "please apply your changes to the latest version and try again")
    assert world.do(world.client.get("pods", "web")).metadata.labels == {"a": "1"}


def test_main_resource_update_keeps_status_and_status_update_keeps_spec(world):
    p = world.do(world.client.create(pod()))
    s = p.copy_deep()
    s.status.phase = "Running"
    s.spec.node_name = "sneaky"
    after = world.do(world.client.update_status(s))
    assert after.status.phase == "Running" and after.spec.node_name is None
    m = after.copy_deep()
    m.status.phase = "Failed"
    after2 = world.do(world.client.update(m))
    assert after2.status.phase == "Running"


def test_generation_counts_spec_changes_only(world):
    d = decode({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                "spec": {"selector": {"matchLabels": {"app": "web"}},
                         "template": {"metadata": {"labels": {"app": "web"}},
                                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    d = world.do(world.client.create(d))
    assert d.metadata.generation == 1 and d.spec.replicas == 1
    assert d.spec.strategy.rolling_update.max_surge == "25%"
    d2 = world.do(world.client.patch(Deployment, "web", "default", {"metadata": {"labels": {"x": "y"}}}))
    assert d2.metadata.generation == 1
    d3 = world.do(world.client.patch(Deployment, "web", "default", {"spec": {"replicas": 3}}, "merge"))
    assert d3.metadata.generation == 2 and d3.spec.replicas == 3


def test_a_json_patch_that_does_not_apply_is_422_and_changes_nothing(world):
    # handlers/patch.go: NewGenericServerResponse(422, ...) keeps the json-patch text off the wire
    world.do(world.client.create(pod()))
    with pytest.raises(errors.StatusError) as ei:
        world.do(world.client.patch("pods", "web", "default",
                                    [{"op": "test", "path": "/metadata/name", "value": "other"},
                                     {"op": "add", "path": "/metadata/labels", "value": {"x": "y"}}], "json"))
    err = ei.value
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.message == "the server rejected our request due to an error in our request"
    assert err.details == {} and err.causes == []
    assert err.kubectl_message() == "The request is invalid: the server rejected our request due to an error in our request"
    assert not world.do(world.client.get("pods", "web")).metadata.labels


def test_a_json_patch_applies_in_order(world):
    world.do(world.client.create(pod()))
    out = world.do(world.client.patch("pods", "web", "default",
                                      [{"op": "add", "path": "/metadata/labels", "value": {"a": "1"}},
                                       {"op": "replace", "path": "/metadata/labels/b", "value": "2"}], "json"))
    assert out.metadata.labels == {"a": "1", "b": "2"}  # json-patch v4: replace of a missing member adds it


def test_a_json_patch_body_that_is_no_list_is_a_bad_request(world):
    world.do(world.client.create(pod()))
    with pytest.raises(errors.StatusError) as ei:
        world.do(world.client.patch("pods", "web", "default", {"op": "add"}, "json"))
    assert ei.value.code == 400


def test_graceful_delete_of_a_bound_pod_sets_deletion_timestamp(world):
    world.do(world.client.create(pod()))
    world.do(world.client.bind("web", "default", "vm-1"))
    deleted = world.do(world.client.delete("pods", "web"))
    assert deleted.metadata.deletion_timestamp is not None
    assert deleted.metadata.deletion_grace_period_seconds == 30
    assert world.do(world.client.get("pods", "web"))  # still there until the kubelet confirms
    world.do(world.client.delete("pods", "web", grace_period_seconds=0))
    with pytest.raises(errors.StatusError):
        world.do(world.client.get("pods", "web"))


def test_binding_an_assigned_pod_is_a_conflict(world):
    world.do(world.client.create(pod()))
    bound = world.do(world.client.bind("web", "default", "vm-1"))
    assert bound.spec.node_name == "vm-1"
    assert bound.status.condition("PodScheduled").status == "True"
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.bind("web", "default", "vm-2"))
    assert e.value.code == 409 and 'is already assigned to node "vm-1"' in str(e.value)


def test_finalizers_hold_deletion_until_removed(world):
    p = pod()
    p.metadata.finalizers = ["example.com/hold"]
    world.do(world.client.create(p))
    d = world.do(world.client.delete("pods", "web"))
    assert d.metadata.deletion_timestamp is not None
    cur = world.do(world.client.get("pods", "web"))
    cur = cur.copy_deep()
    cur.metadata.finalizers = None
    world.do(world.client.update(cur))
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.get("pods", "web"))
    assert errors.is_not_found(e.value)


def test_namespace_must_exist(world):
    p = pod()
    p.metadata.namespace = "nope"
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.create(p))
    assert str(e.value) == 'namespaces "nope" not found' and e.value.code == 404


def test_list_filters_by_label_and_field_selectors(world):
    for i, app in enumerate(["web", "web", "db"]):
        p = pod(f"p{i}")
        p.metadata.labels = {"app": app}
        world.do(world.client.create(p))
    world.do(world.client.bind("p1", "default", "vm-1"))
    assert [p.name for p in world.do(world.client.list("pods", "default", label_selector="app=web"))] == ["p0", "p1"]
    assert [p.name for p in world.do(world.client.list("pods", field_selector="spec.nodeName=vm-1"))] == ["p1"]
    assert [p.name for p in world.do(world.client.list("pods", label_selector="app in (db)"))] == ["p2"]
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.list("pods", field_selector="spec.bogus=x"))
    assert e.value.code == 400 and str(e.value) == "field label not supported: spec.bogus"


def test_watch_delivers_changes_after_a_resource_version(world):
    p = world.do(world.client.create(pod()))
    got: list[WatchEvent] = []
    world.client.watch("pods", got.extend, lambda exc: got.append(exc), resource_version=int(p.metadata.resource_version))
    world.sim.run_for(1)
    world.do(world.client.bind("web", "default", "vm-1"))
    world.do(world.client.delete("pods", "web", grace_period_seconds=0))
    world.sim.run_for(1)
    assert [e.type for e in got] == ["MODIFIED", "DELETED"]


def test_watch_with_field_selector_sees_pods_arrive_and_leave_the_filter(world):
    world.do(world.client.create(pod()))
    got = []
    world.client.watch("pods", got.extend, got.append, field_selector="spec.nodeName=vm-1")
    world.sim.run_for(1)
    world.do(world.client.bind("web", "default", "vm-1"))
    world.sim.run_for(1)
    assert [(e.type, e.object.name) for e in got] == [("ADDED", "web")]


def test_a_refused_request_changes_nothing(world):
    rev = world.etcd.kv.rev
    bad = pod("Bad_Name")
    with pytest.raises(errors.StatusError):
        world.do(world.client.create(bad))
    assert world.etcd.kv.rev == rev


def test_generate_name_gets_five_random_characters(world):
    p = pod("")
    p.metadata.name = None
    p.metadata.generate_name = "web-"
    out = world.do(world.client.create(p))
    assert out.name.startswith("web-") and len(out.name) == 9
    assert all(ch in "bcdfghjklmnpqrstvwxz2456789" for ch in out.name[4:])
