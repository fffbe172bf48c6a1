"""Container logs over HTTPS: the real kubectl's `logs` and the official client's
`read_namespaced_pod_log` against a served cluster (the pods/log subresource)."""

import json
import subprocess
import time

import pytest

TICKER = """
apiVersion: v1
kind: Pod
metadata: {name: ticker, labels: {app: ticker}}
spec:
  containers:
  - name: tick
    image: busybox:1.36
    command: [sh, -c, 'echo started; while true; do echo "tick $(date)"; sleep 10; done']
"""

PAIR = """
apiVersion: v1
kind: Pod
metadata: {name: pair}
spec:
  containers:
  - {name: web, image: "nginx:1.27"}
  - {name: side, image: busybox, args: [echo, hello from the sidecar]}
"""


@pytest.fixture(scope="module")
def pods(served, kubectl):
    cluster, handle = served
    kubectl("apply -f -", stdin=TICKER)
    kubectl("apply -f -", stdin=PAIR)
    handle.run(30)
    return cluster, handle


def test_kubectl_logs_prints_what_the_container_printed(pods, kubectl):
    out = kubectl("logs ticker").stdout.splitlines()
    assert out[0] == "started"
    assert all(l.startswith("tick Wed Jan  1 00:0") for l in out[1:]) and len(out) >= 3
    assert kubectl("logs ticker --tail=1").stdout.splitlines() == out[-1:]
    stamped = kubectl("logs ticker --timestamps --tail=2").stdout.splitlines()
    assert [l.split(" ", 1)[1] for l in stamped] == out[-2:]
    assert stamped[0].startswith("2025-01-01T00:") and stamped[0].split(" ", 1)[0].endswith("Z")
    assert kubectl("logs ticker --limit-bytes=7").stdout == "started"
    # the facade and the real kubectl agree byte for byte
    cluster, handle = pods
    assert kubectl("logs ticker").stdout == handle.call(lambda: str(cluster.kubectl("logs ticker")))


def test_several_containers_kubectl_defaults_to_the_first(pods, kubectl):
    # kubectl picks the default container itself (the annotation, else the first) and says
    # so on stderr; the facade prints that line first, as a terminal would show it
    r = kubectl("logs pair")
    assert r.stderr == 'Defaulted container "web" out of: web, side\n'
    cluster, handle = pods
    assert r.stderr + r.stdout == handle.call(lambda: str(cluster.kubectl("logs pair")))
    side = kubectl("logs pair -c side").stdout
    assert side == "hello from the sidecar\n"
    web = kubectl("logs pair -c web").stdout
    assert "nginx/1.27.5" in web and "start worker processes" in web
    both = kubectl("logs pair --all-containers --prefix").stdout.splitlines()
    assert "[pod/pair/side] hello from the sidecar" in both


def test_previous_without_a_restart_is_the_kubelets_error(pods, kubectl):
    r = kubectl("logs ticker --previous", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (BadRequest): previous terminated container "tick" in pod "ticker" not found'


def test_follow_streams_new_lines_as_simulated_time_passes(pods, kubectl):
    cluster, handle = pods
    before = len(kubectl("logs ticker").stdout.splitlines())
    proc = subprocess.Popen([kubectl.binary, "logs", "-f", "ticker", "--request-timeout=4s"], env=kubectl.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    handle.run(30)  # paused mode: the stream waits for simulated time, as watches do
    out, _ = proc.communicate(timeout=30)
    lines = out.splitlines()
    assert len(lines) >= before + 3
    assert lines[:before] == kubectl("logs ticker").stdout.splitlines()[:before]


def test_official_client_reads_a_pod_log(pods):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes import client, config

    _, handle = pods
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(handle.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        core = client.CoreV1Api(c)
        text = core.read_namespaced_pod_log("pair", "default", container="side")
        assert text == "hello from the sidecar\n"
        assert core.read_namespaced_pod_log("ticker", "default", tail_lines=1).startswith("tick ")
        with pytest.raises(kubernetes.client.exceptions.ApiException) as err:
            core.read_namespaced_pod_log("pair", "default")
        assert err.value.status == 400
        assert "a container name must be specified for pod pair, choose one of: [web side]" in err.value.body


def test_follow_ends_when_the_container_stops(pods, kubectl):
    cluster, handle = pods
    kubectl("apply -f -", stdin="""
apiVersion: v1
kind: Pod
metadata: {name: once, annotations: {sim.kubelab.io/run-seconds: "20"}}
spec:
  restartPolicy: Never
  containers: [{name: job, image: busybox, command: [sh, -c, 'echo working; sleep 10; echo done']}]
""")
    handle.run(8)
    proc = subprocess.Popen([kubectl.binary, "logs", "-f", "once"], env=kubectl.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    handle.run(30)  # the container exits at 20 s: the kubelet ends the stream, kubectl exits 0
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out == "working\ndone\n"


def test_kubectl_logs_refusals_equal_the_facade(pods, kubectl):
    """What the real kubectl prints for a bad `logs` command line is what the facade prints."""
    cluster, handle = pods
    for args in ("logs nope", "logs deploy/nope", "logs ns/default", "logs pair -c nope",
                 "logs ticker --tail=-2", "logs ticker --since=1s --since-time=2025-01-01T00:00:00Z",
                 "logs pair --all-containers -c web", "logs -l app=none", "events --for=nope",
                 "logs ticker --since-time=yesterday", "logs ticker --since=abc", "logs ticker --tail=abc"):
        r = kubectl(args, check=False)
        facade = handle.call(lambda a=args: cluster.kubectl(a))
        assert r.stderr + r.stdout == str(facade), args
        assert r.returncode == facade.exit_code, args


def test_pods_log_over_https_is_authorized_by_rbac(pods):
    """The front door asks the authorizer about `get pods/log` for the request's user."""
    from kubelab.apiserver.user import UserInfo
    from kubelab.http.frontdoor import HTTPRequest

    cluster, handle = pods
    door = handle.server.door
    bob = UserInfo(name="bob", groups=("system:authenticated",))
    resp = handle.call(lambda: door.handle(HTTPRequest("GET", "/api/v1/namespaces/default/pods/ticker/log", {}, b"", bob)))
    assert resp.status == 403
    assert json.loads(resp.body)["message"] == ('pods "ticker" is forbidden: User "bob" cannot get resource "pods/log" '
                                                'in API group "" in the namespace "default"')


def test_follow_in_live_mode_sees_time_pass_by_itself(pods, kubectl):
    cluster, handle = pods
    before = len(kubectl("logs ticker").stdout.splitlines())
    handle.live(speed=20.0)  # 20 simulated seconds per wall second: a tick every half second
    try:
        proc = subprocess.Popen([kubectl.binary, "logs", "-f", "ticker", "--request-timeout=3s"], env=kubectl.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, _ = proc.communicate(timeout=30)
    finally:
        handle.pause()
    assert len(out.splitlines()) >= before + 2


def test_official_client_follows_a_log_stream(pods):
    pytest.importorskip("kubernetes")
    from kubernetes import client, config

    cluster, handle = pods
    handle.call(lambda: cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: countdown, annotations: {sim.kubelab.io/run-seconds: "30"}}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: [sh, -c, 'for i in 3 2 1; do echo $i; sleep 5; done; echo liftoff']}]
"""))
    handle.run(6)
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(handle.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        resp = client.CoreV1Api(c).read_namespaced_pod_log("countdown", "default", follow=True, _preload_content=False)
        handle.run(40)  # the stream ends when the container exits at 30 s
        assert resp.read().decode() == "3\n2\n1\nliftoff\n"
