"""Objects in the API server's watch cache are shared: every informer fed from it (the
scheduler's, the controllers', the kubelets') holds the very same object. client-go's rule
is "never mutate a cached object, DeepCopy it first", and kubelab enforces it: setting a
field of a cached object raises, while any copy of it is an ordinary object.

Sharing is also what keeps memory in check: objects of one shape share one (read-only)
fields-set, instead of a set per model per object."""

import copy
import pickle

import pytest

import kubelab as kl
from kubelab.api import Pod

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}


@pytest.fixture(scope="module")
def cluster():
    cluster = kl.Cluster(masters=1, seed=5)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(DEPLOYMENT)
    cluster.run(seconds=20)
    return cluster


def cached_pods(cluster):
    # the API server's own view: the watch cache's objects, not copies
    return cluster.api.server().read_list(Pod, "default").items


def test_setting_a_field_of_a_cached_object_raises_and_says_to_copy(cluster):
    pod = cached_pods(cluster)[0]
    with pytest.raises(TypeError, match=r"copy_deep\(\)"):
        pod.status.phase = "Failed"
    with pytest.raises(TypeError, match="cached object"):
        pod.spec.containers[0].image = "evil:latest"


def test_every_copy_of_a_cached_object_is_an_ordinary_object(cluster):
    pod = cached_pods(cluster)[0]
    for mine in (pod.copy_deep(), pod.model_copy(deep=True), copy.deepcopy(pod),
                 pickle.loads(pickle.dumps(pod))):
        mine.spec.containers[0].image = "mine:1"
        mine.status.phase = "Succeeded"
        assert mine.spec.containers[0].image == "mine:1"
    shallow = copy.copy(pod.metadata)
    shallow.name = "other"
    assert pod.metadata.name != "other"
    assert cached_pods(cluster)[0].spec.containers[0].image == "nginx:1.27"


def test_what_the_user_reads_is_a_copy_they_may_change(cluster):
    pod = cluster.list("Pod")[0]
    pod.metadata.name = "renamed-locally"
    pod.status.phase = "Unknown"
    assert all(p.metadata.name != "renamed-locally" for p in cached_pods(cluster))


def test_cached_objects_of_one_shape_share_their_fields_sets(cluster):
    a, b = cached_pods(cluster)[:2]
    assert a.metadata.name != b.metadata.name
    assert a.spec.__pydantic_fields_set__ is b.spec.__pydantic_fields_set__
    assert a.spec.containers[0].__pydantic_fields_set__ is b.spec.containers[0].__pydantic_fields_set__
    # and they still say which fields were set (what exclude_unset serialisation needs)
    assert "containers" in a.spec.model_fields_set
    assert "ephemeral_containers" not in a.spec.model_fields_set
