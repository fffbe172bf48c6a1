"""Probes as the kubelet runs them: liveness, readiness and startup, every handler, the
timing rules of pkg/kubelet/prober/worker.go, and what readiness drives (Endpoints, a
rollout)."""

import pytest

import kubelab as kl
from kubelab.api.base import parse_time
from kubelab.api import errors
from kubelab.node import prober
from kubelab.sim import Simulator


def cluster(nodes=1):
    c = kl.Cluster(masters=1, seed=1)
    for i in range(nodes):
        c.add_node(kl.VM(f"vm-{i + 1}", cpu="4", memory="16Gi"))
    c.run(5)
    return c


def pod(name, container, annotations=None, **spec):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": name}, "annotations": annotations or {}},
            "spec": {"containers": [container], **spec}}



def events(c, name, reason):
    return [e for e in c.api.events(c.get("Pod", name)) if e.reason == reason]


# -- the probe worker, against a container it is told about -----------------------------------

class FakeContainer:
    name, image, ports = "app", "app:1", None


class Host:
    """Plays the kubelet for one worker: a container started at 0 that answers as told."""

    def __init__(self, answers, started=True):
        self.answers, self.started = answers, started
        self.cid, self.probed, self.results, self.failures = "c1", [], [], 0

    def container_state(self, uid, name):
        return self.cid, self.start, self.started, True

    def probe(self, w):
        self.probed.append(w.sim.now)
        return self.answers(w.sim.now)

    def set_result(self, w, result):
        self.results.append((w.sim.now, result))

    def failed(self, w):
        self.failures += 1


def worker(kind, answers, jitter=None, **spec):
    sim = Simulator(seed=3)
    host = Host(answers)
    host.start = 0.0
    probe = prober.Probe.parse({"exec": {"command": ["true"]}, **spec})
    w = prober.ProbeWorker(sim, host, "uid", FakeContainer(), kind, probe, jitter)
    return sim, host, w


def test_a_worker_probes_at_once_then_every_period_after_the_initial_delay():
    sim, host, w = worker("readiness", lambda t: "Success", initialDelaySeconds=12, periodSeconds=5)
    sim.run(until=31)
    # ticks at 0, 5, 10 fall inside the initial delay (whole seconds since the start < 12)
    assert host.probed == [15, 20, 25, 30]
    assert host.results == [(0, "Failure"), (15, "Success")]  # readiness starts as Failure


def test_thresholds_count_consecutive_results():
    sim, host, w = worker("readiness", lambda t: "Success" if t < 20 or t >= 50 else "Failure",
                          periodSeconds=10, successThreshold=2, failureThreshold=3)
    sim.run(until=91)
    # success twice (0, 10) -> ready at 10; failures at 20, 30, 40 -> unready at 40;
    # successes at 50, 60 -> ready again at 60
    assert host.results == [(0, "Failure"), (10, "Success"), (40, "Failure"), (60, "Success")]


def test_a_liveness_failure_holds_the_worker_until_a_new_container():
    sim, host, w = worker("liveness", lambda t: "Failure", periodSeconds=10, failureThreshold=3)
    sim.run(until=55)
    assert host.results == [(0, "Success"), (20, "Failure")] and host.failures == 1
    assert host.probed == [0, 10, 20]  # on hold: no probes while the container is killed
    host.cid, host.start = "c2", 55.0  # the kubelet restarted it
    sim.run(until=66)
    assert host.results[-1] == (60, "Success") and host.probed[-1] == 60


def test_other_probes_wait_for_the_startup_probe():
    sim, host, w = worker("liveness", lambda t: "Failure", periodSeconds=10)
    host.started = False
    sim.run(until=45)
    assert host.probed == []


def test_the_worker_jitters_only_when_the_kubelet_has_just_started():
    sim, host, w = worker("readiness", lambda t: "Success", jitter=3.25, periodSeconds=10)
    sim.run(until=24)
    assert host.probed == [3.25, 13.25, 23.25]


# -- probes in a cluster ------------------------------------------------------------------------

def test_readiness_keeps_a_pod_out_of_its_service_until_it_passes():
    c = cluster()
    c.apply(pod("web", {"name": "nginx", "image": "nginx:1.27",
                        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 5}}))
    c.apply(pod("ok", {"name": "nginx", "image": "nginx:1.27",
                       "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}}))
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    c.run(40)
    web = c.get("Pod", "web")
    assert web.status.phase == "Running" and not web.is_ready()
    assert web.status.container_statuses[0].started is True and web.status.container_statuses[0].ready is False
    ready = web.status.condition("Ready")
    assert (ready.reason, ready.message) == ("ContainersNotReady", "containers with unready status: [nginx]")
    # nginx serves its default site: anything but / is a 404
    unhealthy = events(c, "web", "Unhealthy")
    assert unhealthy[0].type == "Warning" and unhealthy[0].message == "Readiness probe failed: HTTP probe failed with statuscode: 404"
    assert unhealthy[0].count >= 6
    assert c.get("Pod", "ok").is_ready()
    ep = c.get("Endpoints", "web")
    assert [a.ip for a in ep.subsets[0].not_ready_addresses] == [web.status.pod_ip] and not ep.subsets[0].addresses
    assert "0/1" in c.kubectl("get pod web")


def test_a_failing_liveness_probe_restarts_the_container_with_back_off():
    c = cluster()
    c.apply(pod("live", {"name": "app", "image": "busybox", "args": ["sh", "-c", "touch /tmp/healthy; sleep 30; rm /tmp/healthy; sleep 600"],
                         "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5}},
                annotations={"sim.kubelab.io/healthy-seconds": "30"}, terminationGracePeriodSeconds=2))
    c.run(60)
    p = c.get("Pod", "live")
    assert p.status.container_statuses[0].restart_count == 1
    last = p.status.container_statuses[0].last_state.terminated
    assert (last.exit_code, last.reason) == (137, "Error")  # sh ignores SIGTERM: killed after the grace period
    assert events(c, "live", "Unhealthy")[0].message == \
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
    killing = events(c, "live", "Killing")
    assert killing[0].message == "Container app failed liveness probe, will be restarted"
    c.run(60)
    # the second kill waits out the kubelet's back-off
    cs = c.get("Pod", "live").status.container_statuses[0]
    assert cs.restart_count == 2 or cs.state.waiting.reason == "CrashLoopBackOff"
    assert events(c, "live", "BackOff")


def test_a_server_restarted_by_liveness_exits_cleanly_on_sigterm():
    c = cluster()
    c.apply(pod("web", {"name": "nginx", "image": "nginx:1.27",
                        "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 3, "failureThreshold": 1}},
                annotations={"sim.kubelab.io/healthy-seconds": "10"}))
    c.run(30)
    cs = c.get("Pod", "web").status.container_statuses[0]
    assert cs.restart_count >= 1
    assert (cs.last_state.terminated.exit_code, cs.last_state.terminated.reason) == (0, "Completed")
    assert events(c, "web", "Unhealthy")[0].message == "Liveness probe failed: HTTP probe failed with statuscode: 500"


def test_the_startup_probe_holds_back_liveness_until_the_app_has_started():
    c = cluster()
    slow = {"name": "app", "image": "myapp:1.0", "ports": [{"name": "http", "containerPort": 8080}],
            "startupProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10, "failureThreshold": 30},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10, "failureThreshold": 1}}
    c.apply(pod("slow", slow, annotations={"sim.kubelab.io/start-seconds": "45"}))
    c.run(30)
    cs = c.get("Pod", "slow").status.container_statuses[0]
    assert cs.started is False and cs.ready is False
    c.run(40)
    p = c.get("Pod", "slow")
    cs = p.status.container_statuses[0]
    assert cs.started is True and cs.ready is True and cs.restart_count == 0 and p.is_ready()
    msgs = {e.message for e in events(c, "slow", "Unhealthy")}
    assert msgs and all(m.startswith("Startup probe failed: Get \"http://") for m in msgs)
    assert any(m.endswith(":8080/healthz\": dial tcp " + p.status.pod_ip + ":8080: connect: connection refused") for m in msgs)


def test_a_startup_probe_that_never_passes_restarts_the_container():
    c = cluster()
    c.apply(pod("never", {"name": "app", "image": "redis:7",
                          "startupProbe": {"tcpSocket": {"port": 6380}, "periodSeconds": 2, "failureThreshold": 3}}))
    c.run(20)
    assert events(c, "never", "Killing")[0].message == "Container app failed startup probe, will be restarted"
    ip = c.get("Pod", "never").status.pod_ip
    assert events(c, "never", "Unhealthy")[0].message == f"Startup probe failed: dial tcp {ip}:6380: connect: connection refused"


def test_tcp_and_grpc_probes_reach_well_known_servers():
    c = cluster()
    c.apply(pod("redis", {"name": "redis", "image": "redis:7", "readinessProbe": {"tcpSocket": {"port": 6379}, "periodSeconds": 5}}))
    c.apply(pod("etcd", {"name": "etcd", "image": "registry.k8s.io/etcd:3.5.16-0",
                         "livenessProbe": {"grpc": {"port": 2379}, "periodSeconds": 5},
                         "readinessProbe": {"grpc": {"port": 2380}, "periodSeconds": 5}}))
    c.run(30)
    assert c.get("Pod", "redis").is_ready()
    etcd = c.get("Pod", "etcd")
    assert not etcd.is_ready() and etcd.status.container_statuses[0].restart_count == 0
    msg = events(c, "etcd", "Unhealthy")[0].message
    assert msg == f'Readiness probe failed: timeout: failed to connect service "{etcd.status.pod_ip}:2380" within 1s'


def test_describe_pod_shows_the_probes_as_kubectl_does():
    c = cluster()
    c.apply(pod("web", {"name": "nginx", "image": "nginx:1.27",
                        "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 3, "periodSeconds": 3},
                        "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}}}))
    c.run(10)
    out = c.kubectl("describe pod web")
    assert "Liveness:       http-get http://:80/ delay=3s timeout=1s period=3s #success=1 #failure=3" in out
    assert "Readiness:      exec [cat /tmp/ready] delay=0s timeout=1s period=10s #success=1 #failure=3" in out


@pytest.mark.parametrize("probe_field,probe,field,message", [
    ("livenessProbe", {"periodSeconds": 5}, "livenessProbe", "Required value: must specify a handler type"),
    ("readinessProbe", {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}, "readinessProbe.tcpSocket",
     "Forbidden: may not specify more than 1 handler type"),
    ("livenessProbe", {"exec": {"command": ["true"]}, "successThreshold": 2}, "livenessProbe.successThreshold",
     "Invalid value: 2: must be 1"),
    ("startupProbe", {"exec": {"command": ["true"]}, "successThreshold": 3}, "startupProbe.successThreshold",
     "Invalid value: 3: must be 1"),
    ("readinessProbe", {"exec": {"command": ["true"]}, "failureThreshold": -1}, "readinessProbe.failureThreshold",
     "Invalid value: -1: must be greater than or equal to 0"),
    ("readinessProbe", {"httpGet": {"path": "/", "port": 70000}}, "readinessProbe.httpGet.port",
     "Invalid value: 70000: must be between 1 and 65535, inclusive"),
])
def test_the_api_server_refuses_a_malformed_probe(probe_field, probe, field, message):
    c = cluster(nodes=0)
    with pytest.raises(errors.StatusError) as exc:
        c.apply(pod("bad", {"name": "app", "image": "busybox", probe_field: probe}))
    assert f"spec.containers[0].{field}: {message}" in str(exc.value)
    assert c.list("Pod", "default") == []


def test_a_readiness_probe_may_pass_more_than_once_before_the_pod_is_ready():
    c = cluster()
    c.apply(pod("three", {"name": "app", "image": "myapp:1",
                          "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5, "successThreshold": 3}}))
    c.run(30)
    p = c.get("Pod", "three")
    started = p.status.container_statuses[0].state.running.started_at
    ready = p.status.condition("Ready").last_transition_time
    # the manual trigger at start and the tick then count two; the next tick, a period
    # later, makes three
    assert parse_time(ready) - parse_time(started) >= 4


def test_a_bad_version_stalls_the_rollout_and_misses_its_progress_deadline():
    c = cluster(nodes=2)
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                         "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2}}]}}
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 4, "progressDeadlineSeconds": 60, "selector": {"matchLabels": {"app": "web"}},
                      "strategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}, "template": template}})
    c.run(40)
    assert c.get("Deployment", "web").status.available_replicas == 4
    # version 2 answers its readiness probe with errors
    template["metadata"]["annotations"] = {"sim.kubelab.io/failing-probes": "readiness"}
    template["spec"]["containers"][0]["image"] = "nginx:1.28"
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 4, "progressDeadlineSeconds": 60, "selector": {"matchLabels": {"app": "web"}},
                      "strategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}, "template": template}})
    c.run(90)
    d = c.get("Deployment", "web")
    # one old pod gone (maxUnavailable), two new ones (the surge): the rollout goes no further
    assert (d.status.updated_replicas, d.status.available_replicas, d.status.replicas) == (2, 3, 5)
    progressing = [x for x in d.status.conditions if x.type == "Progressing"][0]
    assert (progressing.status, progressing.reason) == ("False", "ProgressDeadlineExceeded")
    assert "exceeded its progress deadline" in c.kubectl("rollout status deployment/web")
