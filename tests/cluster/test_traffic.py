"""Traffic to a Service: requests reach its ready pods (spread as kube-proxy spreads them)
and each request costs its pod CPU, which `kubectl top` and the HPA then see."""

import pytest

import kubelab as kl
from kubelab.api.autoscaling import PodMetrics


def web(replicas=2, annotations=None, name="web", labels=None):
    labels = labels or {"app": "web"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels, "annotations": annotations or {}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                           "resources": {"requests": {"cpu": "200m"}},
                                                           "readinessProbe": {"httpGet": {"path": "/", "port": 80},
                                                                              "periodSeconds": 5}}]}}}}


SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
       "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}


def cluster(seed=3):
    c = kl.Cluster(masters=1, seed=seed)
    c.add_node(kl.VM("vm-1", cpu="8", memory="32Gi"))
    c.run(5)
    return c


def cpu_by_pod(c):
    return {m.metadata.name: m.containers[0].usage["cpu"] for m in c.list(PodMetrics, "default")}


def test_requests_are_spread_over_the_ready_pods_and_make_them_busy():
    c = cluster()
    c.apply([web(annotations={"sim.kubelab.io/cpu-usage": "10m", "sim.kubelab.io/cpu-per-request": "2m"}), SVC])
    c.run(30)
    t = c.traffic("web", rps=100)
    c.run(60)
    last = t.samples[-10:]
    assert all(s.sent == 100 and s.served == 100 and s.refused == 0 for s in last)
    per_pod = {}
    for s in last:
        for k, n in s.per_pod.items():
            per_pod[k] = per_pod.get(k, 0) + n
    assert len(per_pod) == 2 and all(350 <= n <= 650 for n in per_pod.values()), per_pod  # random, even on average
    # ~50 requests/s x 2m each = ~100m on top of the 10m baseline
    cpus = [int(v.rstrip("m")) for v in cpu_by_pod(c).values()]
    assert all(70 <= x <= 140 for x in cpus), cpus
    t.stop()
    c.run(40)
    assert sorted(cpu_by_pod(c).values()) == ["10m", "10m"]


def test_the_default_cost_is_one_millicore_per_request_per_second():
    c = cluster()
    c.apply([web(replicas=1, annotations={"sim.kubelab.io/cpu-usage": "5m"}), SVC])
    c.run(30)
    c.traffic("web", rps=300)
    c.run(40)
    assert list(cpu_by_pod(c).values()) == ["305m"]


def test_a_pod_failing_readiness_gets_no_traffic():
    c = cluster()
    good = web(replicas=1)
    bad = web(replicas=1, name="web-canary", labels={"app": "web", "track": "canary"},
               annotations={"sim.kubelab.io/failing-probes": "readiness"})
    c.apply([good, bad, SVC])
    c.run(30)
    t = c.traffic("web", rps=50)
    c.run(20)
    served = {k for s in t.samples for k in s.per_pod}
    assert len(served) == 1 and not next(iter(served)).startswith("default/web-canary")
    canary = next(p for p in c.list("Pod", "default") if p.metadata.name.startswith("web-canary"))
    assert canary.status.phase == "Running"  # running, not ready: kube-proxy leaves it out


def test_traffic_to_a_service_without_ready_endpoints_is_refused_and_rps_can_change():
    c = cluster()
    t = c.traffic("nothing", rps=10)
    c.run(3)
    assert t.samples[-1].refused == 10 and t.samples[-1].served == 0
    t.set_rps(2.5)
    c.run(4)
    assert sum(s.sent for s in t.samples[-4:]) == 10  # fractions carry over
    with pytest.raises(ValueError):
        t.set_rps(-1)
    assert t.rps == 2.5


def test_a_fork_replays_the_traffic_and_its_changes():
    c = cluster()
    c.apply([web(), SVC])
    c.run(20)
    t = c.traffic("web", rps=40)
    c.run(10)
    t.set_rps(80)
    c.run(10)
    twin = c.history.fork()
    c.run(30)
    twin.run(30)
    assert twin.history.digest() == c.history.digest()
    assert [s.per_pod for s in twin.history.traffic[0].samples] == [s.per_pod for s in t.samples]
