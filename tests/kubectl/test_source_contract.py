"""The kubectl seam: both the in-process cluster (``cluster.api``) and :class:`MemorySource`
are a :class:`kubelab.kubectl.Source`, and behave alike on the calls kubectl makes. A
client over HTTPS is the third implementation of the same contract."""

import pytest

import kubelab as kl
from kubelab.api import errors
from kubelab.api.scheme import decode
from kubelab.kubectl import MemorySource, Source

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
LONELY = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lonely", "labels": {"app": "lonely"}},
          "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
BUDGET = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "keep-lonely"},
          "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "lonely"}}}}


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    return c


@pytest.fixture(params=["memory", "cluster"])
def source(request, cluster):
    if request.param == "memory":
        return MemorySource(now=100)
    return cluster.api


def test_both_satisfy_the_protocol(cluster):
    assert isinstance(cluster.api, Source)
    assert isinstance(MemorySource(), Source)
    # apply is kubectl's own client-side logic (kubelab.kubectl.apply), not a call of the seam
    assert "apply" not in Source.__dict__


def _named(doc, name):
    return decode({**doc, "metadata": {**doc["metadata"], "name": name}})


def test_create_get_list_and_already_exists(source):
    made = source.create(decode(WEB), "default")
    assert made.metadata.uid and made.metadata.resource_version and made.metadata.generation == 1
    assert source.get("Deployment", "web").spec.replicas == 2
    assert [d.metadata.name for d in source.list("Deployment", "default", label_selector="app=web")] == ["web"]
    assert source.list("Deployment", "default", label_selector="app=db") == []
    with pytest.raises(errors.StatusError) as e:
        source.create(decode(WEB), "default")
    assert errors.is_already_exists(e.value)
    with pytest.raises(errors.StatusError) as e:
        source.get("Deployment", "nope")
    assert errors.is_not_found(e.value) and str(e.value) == 'deployments.apps "nope" not found'


def test_the_three_patch_types(source):
    source.create(_named(WEB, "patched"), "default")
    # strategic: containers merge by name
    d = source.patch("Deployment", "patched", {"spec": {"template": {"spec": {"containers": [
        {"name": "sidecar", "image": "busybox"}]}}}}, "default", patch_type="strategic")
    assert [c.name for c in d.spec.template.spec.containers] == ["nginx", "sidecar"]
    # merge (RFC 7386): lists replace, null deletes
    d = source.patch("Deployment", "patched", {"metadata": {"labels": {"app": None, "tier": "web"}},
                                           "spec": {"template": {"spec": {"containers": [
                                               {"name": "only", "image": "nginx:1.28"}]}}}}, "default", patch_type="merge")
    assert d.metadata.labels == {"tier": "web"}
    assert [c.name for c in d.spec.template.spec.containers] == ["only"]
    # json (RFC 6902)
    d = source.patch("Deployment", "patched", [{"op": "replace", "path": "/spec/replicas", "value": 5}], "default",
                     patch_type="json")
    assert d.spec.replicas == 5
    before = d.metadata.resource_version
    same = source.patch("Deployment", "patched", {"spec": {"replicas": 5}}, "default", patch_type="merge")
    assert same.metadata.resource_version == before  # nothing changed, nothing written
    with pytest.raises(errors.StatusError) as e:
        source.patch("Deployment", "patched", [{"op": "remove", "path": "/spec/nope"}], "default", patch_type="json")
    assert e.value.code == 422  # handlers/patch.go: the server rejected our request


def test_scale_dry_run_and_delete(source):
    source.create(_named(WEB, "scaled"), "default")
    assert source.scale("Deployment", "scaled", 7, "default").spec.replicas == 7
    assert source.get("Deployment", "scaled").spec.replicas == 7
    # dryRun=All: answered as if done, nothing stored
    assert source.patch("Deployment", "scaled", {"spec": {"replicas": 1}}, "default", "merge", dry_run=True).spec.replicas == 1
    assert source.get("Deployment", "scaled").spec.replicas == 7
    other = decode({**WEB, "metadata": {"name": "ghost"}})
    assert source.create(other, "default", dry_run=True).metadata.name == "ghost"
    with pytest.raises(errors.StatusError):
        source.get("Deployment", "ghost")
    source.delete("Deployment", "scaled", "default", dry_run=True)
    assert source.get("Deployment", "scaled").metadata.deletion_timestamp is None
    source.delete("Deployment", "scaled", "default", propagation_policy="Background")
    if isinstance(source, MemorySource):
        with pytest.raises(errors.StatusError):
            source.get("Deployment", "scaled")


def test_evict_honours_a_disruption_budget(source):
    pod = decode(LONELY)
    pod.status.phase = "Running"  # a MemorySource keeps what it is given; a cluster runs it
    source.create(pod, "default")
    source.create(decode(BUDGET), "default")  # minAvailable 1 of 1: disruptionsAllowed 0
    if hasattr(source, "run"):
        source.run(30)
        assert source.get("Pod", "lonely").status.phase == "Running"
    with pytest.raises(errors.StatusError) as e:
        source.evict("lonely", "default")
    # pkg/registry/core/pod/storage/eviction.go
    assert errors.is_too_many_requests(e.value)
    assert str(e.value) == "Cannot evict pod as it would violate the pod's disruption budget."
    assert source.get("Pod", "lonely").metadata.deletion_timestamp is None
    source.delete("PodDisruptionBudget", "keep-lonely", "default")
    source.evict("lonely", "default")


def test_events_for(source):
    d = source.create(_named(WEB, "noticed"), "default")
    assert isinstance(source.events_for(d), list)
