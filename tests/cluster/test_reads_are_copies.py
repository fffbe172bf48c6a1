"""What a read hands you is yours: changing an object got from `cluster.get`,
`cluster.list`, `cluster.api` or a client's GET changes nothing in the API server's cache
or in etcd until you write it back (every real client decodes its own copy)."""

import kubelab as kl
from kubelab.api import Pod
from kubelab.api.base import rfc3339
from kubelab.client import APIClient

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def cluster_with_pod():
    cluster = kl.Cluster(masters=1, seed=3)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(POD)
    cluster.run(seconds=10)
    return cluster


def scribble(pod):
    pod.metadata.labels["app"] = "scribbled"
    pod.metadata.labels["extra"] = "x"
    pod.spec.containers[0].image = "evil:latest"
    pod.spec.containers.append(pod.spec.containers[0].copy_deep())
    pod.status.phase = "Failed"


def etcd_pod(cluster):
    """The Pod as etcd stores it: the bytes under /registry/pods/default/web."""
    kv = cluster.etcd.members[0].kv.get(b"/registry/pods/default/web")
    return None if kv is None else (kv.mod_revision, kv.value)


def assert_untouched(cluster, etcd_before):
    server_copy = cluster.api.server().read(Pod, "web", "default")
    assert server_copy.metadata.labels == {"app": "web"}
    assert [c.image for c in server_copy.spec.containers] == ["nginx:1.27"]
    assert server_copy.status.phase == "Running"
    assert etcd_pod(cluster) == etcd_before
    out = cluster.kubectl("get pod web -o jsonpath={.spec.containers[*].image}")
    assert str(out).strip() == "nginx:1.27"


def test_mutating_what_get_and_list_return_changes_nothing():
    cluster = cluster_with_pod()
    before = etcd_pod(cluster)
    assert before is not None
    scribble(cluster.get("Pod", "web"))
    scribble(cluster.list("Pod", "default")[0])
    scribble(cluster.api.get("Pod", "web"))
    scribble(cluster.api.list("Pod")[0])
    assert_untouched(cluster, before)
    cluster.run(seconds=5)
    assert_untouched(cluster, before)


def test_mutating_a_clients_get_result_changes_nothing_until_written_back():
    cluster = cluster_with_pod()
    before = etcd_pod(cluster)
    client = APIClient(cluster.sim, cluster.network, "test-client", lambda h: cluster.load_balancer.pick(h), "test")
    cluster.network.start("test-client")
    got = cluster.sim.run_until(client.get(Pod, "web", "default"))
    scribble(got)
    assert_untouched(cluster, before)
    # writing the copy back is what changes the object (metadata only: the image is immutable)
    mine = cluster.sim.run_until(client.get(Pod, "web", "default"))
    mine.metadata.labels["tier"] = "front"
    cluster.sim.run_until(client.update(mine))
    cluster.run(seconds=1)
    assert cluster.get("Pod", "web").metadata.labels == {"app": "web", "tier": "front"}


def test_copies_are_equal_and_independent():
    cluster = cluster_with_pod()
    a, b = cluster.get("Pod", "web"), cluster.get("Pod", "web")
    assert a == b and a is not b
    assert a.to_dict() == cluster.api.server().read(Pod, "web", "default").to_dict()
    assert a.metadata.labels is not b.metadata.labels
    assert a.spec.containers[0] is not b.spec.containers[0]
    assert rfc3339(0) == "2025-01-01T00:00:00Z"


def test_what_an_update_answers_is_the_callers_own():
    """An update reads the stored object once (etcd3 store.go GuaranteedUpdate) and may take
    the watch cache's decoded object for it; the answer to a /status write (whose metadata
    comes from the stored object: statusStrategy.PrepareForUpdate) and to a no-op update
    still shares nothing with the cache: scribbling on them changes nothing."""
    cluster = cluster_with_pod()
    client = APIClient(cluster.sim, cluster.network, "test-client", lambda h: cluster.load_balancer.pick(h), "test")
    cluster.network.start("test-client")
    mine = cluster.sim.run_until(client.get(Pod, "web", "default"))
    mine.status.message = "hello"
    answer = cluster.sim.run_until(client.update_status(mine))
    cluster.run(seconds=1)
    before = etcd_pod(cluster)
    scribble(answer)
    answer.metadata.owner_references = None
    same = cluster.sim.run_until(client.get(Pod, "web", "default"))
    noop = cluster.sim.run_until(client.update(same))  # nothing changed: nothing written
    assert etcd_pod(cluster) == before
    scribble(noop)
    assert_untouched(cluster, before)
    assert cluster.api.server().read(Pod, "web", "default").status.message == "hello"
