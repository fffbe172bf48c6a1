"""The API server under load: 429 beyond max-inflight, latency that grows with load, and
replicas that scale out with it."""

import kubelab as kl
from kubelab.api import errors
from kubelab.apiserver import Request
from kubelab.api.core import ConfigMap


def test_replicas_scale_out_under_load_and_latency_falls_back():
    cluster = kl.Cluster(masters=1, seed=1)
    load = cluster.generate_load(qps=1200, clients=8)
    scaler = cluster.autoscale_apiservers(target_utilization=0.5, max_replicas=4, period=5)
    cluster.run(seconds=4)  # before the autoscaler's first decision (every 5 s)
    before = load.samples[-1]
    cluster.run(seconds=16)
    after = load.samples[-1]
    load.stop()
    assert before.replicas == 1 and after.replicas > 1
    assert len(cluster.apiservers) == after.replicas
    assert after.p99 < before.p99
    assert [r for r in cluster.trace if r.reason == "APIServerScaledOut"]
    assert scaler.history[0][2] > 0.5  # utilisation above target triggered it


def test_beyond_max_requests_inflight_the_server_answers_429():
    cluster = kl.Cluster(masters=1, seed=1)
    server = cluster.apiservers[0]
    server.enable_priority_and_fairness = False  # --enable-priority-and-fairness=false
    server.max_requests_inflight = 5
    events = [server.handle(Request("get", ConfigMap, "default", "nope")) for _ in range(8)]
    cluster.run(seconds=1)
    refused = [e.exception for e in events if not e.ok and isinstance(e.exception, errors.StatusError)
               and e.exception.code == 429]
    assert len(refused) == 3
    assert str(refused[0]) == "Too many requests, please try again later."
    for e in events:
        e.defused = True


def test_latency_grows_with_the_queue():
    cluster = kl.Cluster(masters=1, seed=1)
    server = cluster.apiservers[0]
    req = Request("get", ConfigMap, "default", "x")
    server.inflight = server.inflight_mutating = 0  # idle (kubeadm's add-ons may still be writing)
    idle = server.service_time(req)
    assert server.cores == 2  # the default master: kubeadm's minimum, a 2-CPU VM
    server.inflight = 10 * server.cores  # ten times the cores busy
    assert server.service_time(req) == idle * 10


def test_past_capacity_the_users_own_applies_never_fail_and_nothing_acknowledged_is_lost():
    """Issue 12: at ~1.5x what one API server serves, the load tool sees 429s, while the
    user's sequential applies (client-go's retries, k8s.io/client-go/rest/with_retry.go)
    all succeed, every acknowledged write is there, and latency recovers once the load stops."""
    cluster = kl.Cluster(masters=1, seed=3)
    cluster.run(seconds=5)
    server = cluster.apiservers[0]
    server.cores = 1  # a small master: ~385 req/s of this mix (0.8 x 2 ms reads + 0.2 x 5 ms writes)
    capacity = server.cores / (0.8 * 0.002 + 0.2 * 0.005)
    load = cluster.generate_load(qps=1.5 * capacity, clients=10, write_ratio=0.2)
    cluster.run(seconds=5)
    assert sum(s.throttled for s in load.samples) > 0  # past capacity: the load tool is throttled
    for i in range(8):
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"user-{i}"},
                       "data": {"i": str(i)}})  # never raises: 429s are retried after Retry-After
    load.stop()
    assert [cluster.get("configmap", f"user-{i}").data for i in range(8)] == [{"i": str(i)} for i in range(8)]
    cluster.run(seconds=5)  # what was queued drains (each request was given its share when it started)
    started = cluster.sim.now
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "after"}})
    assert cluster.sim.now - started < 0.1  # recovered: an idle server answers in milliseconds


def test_an_api_servers_capacity_is_its_masters_cpus():
    # Go schedules the server on every CPU of its machine: a bigger master serves more
    cluster = kl.Cluster(masters=[kl.VM("master-1", cpu="8", memory="32Gi")], seed=1)
    assert cluster.apiservers[0].cores == 8
