"""Python API misuse from issue 14's fuzzing: each call is refused at the boundary with a
TypeError / ValueError naming the argument, and the refusal changes nothing
(``cluster.history.digest()`` before and after)."""

import pytest

import kubelab as kl


@pytest.fixture(scope="module")
def cluster():
    return kl.Cluster(masters=1, seed=1)


MISUSE = {
    "get(5, 'x')": (lambda c: c.get(5, "x"), TypeError, "kind"),
    "get('Deployment', 5)": (lambda c: c.get("Deployment", 5), TypeError, "name"),
    "api.create(None)": (lambda c: c.api.create(None), TypeError, "create takes an API object"),
    "kubectl(b'get pods')": (lambda c: c.kubectl(b"get pods"), TypeError, "command line"),
    "generate_load(qps='x')": (lambda c: c.generate_load(qps="x"), TypeError, "qps"),
    "generate_load(qps=-1)": (lambda c: c.generate_load(qps=-1), ValueError, "qps"),
    "generate_load(write_ratio=2)": (lambda c: c.generate_load(write_ratio=2), ValueError, "write_ratio"),
    "scheduler.explain(5)": (lambda c: c.masters[0].scheduler.explain(5), TypeError, "pod"),
    "add_user(5)": (lambda c: c.add_user(5), TypeError, "name"),
    "kubectl(user=5)": (lambda c: c.kubectl("get pods", user=5), TypeError, "name"),
}


@pytest.mark.parametrize("call", list(MISUSE))
def test_misuse_is_refused_naming_the_argument_and_changes_nothing(cluster, call):
    fn, exc, words = MISUSE[call]
    before = cluster.history.digest()
    with pytest.raises(exc, match=words):
        fn(cluster)
    assert cluster.history.digest() == before


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"masters": 1.5}, TypeError, "masters"),
    ({"latency": -1}, ValueError, "latency"),
    ({"latency": float("nan")}, ValueError, "latency"),
    ({"latency": "fast"}, TypeError, "latency"),
])
def test_a_cluster_with_bad_arguments_is_refused_before_it_is_built(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        kl.Cluster(**kwargs)
