"""events.k8s.io/v1 over HTTPS: the stored core/v1 Events in the v1 shape, and `kubectl events`."""

import json

import pytest

from kubelab.kubectl import gosort

from .conftest import WEB


@pytest.fixture(scope="module")
def api(served):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes import client, config

    _, handle = served
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(handle.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        yield c


def test_discovery_serves_events_k8s_io_v1(served, kubectl):
    cluster, handle = served
    assert "events.k8s.io/v1" in kubectl("api-versions").stdout.split()
    assert kubectl("api-resources").stdout == handle.call(lambda: str(cluster.kubectl("api-resources")))
    rows = [l.split() for l in kubectl("api-resources --api-group=events.k8s.io").stdout.splitlines()]
    assert rows[1] == ["events", "ev", "events.k8s.io/v1", "true", "Event"]
    doc = json.loads(kubectl(["get", "--raw", "/openapi/v3/apis/events.k8s.io/v1"]).stdout)
    ev = doc["components"]["schemas"]["io.k8s.api.events.v1.Event"]["properties"]
    assert {"regarding", "note", "reportingController", "deprecatedSource", "series"} <= set(ev)


def test_the_same_events_in_the_v1_shape(served, api):
    from kubernetes import client

    core = client.CoreV1Api(api).list_event_for_all_namespaces()
    # Events recorded through core/v1 (the kubelet's and controllers' legacy recorder) have no
    # eventTime, which the v1 shape serves as null, as kube-apiserver does; the client's typed
    # model refuses a null eventTime (kubernetes-client/python#669), so read the raw answer
    raw = client.EventsV1Api(api).list_event_for_all_namespaces(_preload_content=False)
    v1 = json.loads(raw.data)
    assert v1["kind"] == "EventList" and v1["apiVersion"] == "events.k8s.io/v1"
    assert sorted(e["metadata"]["name"] for e in v1["items"]) == sorted(e.metadata.name for e in core.items)
    by_name = {e.metadata.name: e for e in core.items}
    for e in v1["items"]:
        c = by_name[e["metadata"]["name"]]
        assert (e["regarding"]["kind"], e["regarding"]["name"]) == (c.involved_object.kind, c.involved_object.name)
        assert e["note"] == c.message and e["reason"] == c.reason and "message" not in e
        assert e.get("deprecatedCount") == c.count and e.get("reportingController") == c.reporting_component
    node = next(e for e in v1["items"] if e["regarding"]["kind"] == "Node")
    only = json.loads(client.EventsV1Api(api).list_namespaced_event(
        node["metadata"]["namespace"], field_selector=f"regarding.name={node['regarding']['name']},reason={node['reason']}",
        _preload_content=False).data)
    assert only["items"] and all(e["regarding"]["name"] == node["regarding"]["name"] for e in only["items"])


HELLO = """
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: hello.1, namespace: default}
eventTime: "2025-01-01T00:00:01.000000Z"
reason: Greeting
note: hello from v1
type: Normal
action: Greet
reportingController: example.com/greeter
reportingInstance: greeter-1
regarding: {kind: Namespace, name: default}
"""


def test_a_v1_event_written_reads_back_as_core(served, api, kubectl):
    from kubernetes import client

    assert kubectl("create -f -", stdin=HELLO).stdout == "event.events.k8s.io/hello.1 created\n"
    # a MicroTime is RFC 3339 with microseconds, or the decoder refuses it
    r = kubectl("create -f -", stdin=HELLO.replace("hello.1", "hello.2").replace(".000000Z", "Z"), check=False)
    assert r.returncode == 1 and 'as "2006-01-02T15:04:05.000000Z07:00"' in r.stderr
    c = client.CoreV1Api(api).read_namespaced_event("hello.1", "default")
    assert (c.message, c.reporting_component, c.involved_object.kind) == ("hello from v1", "example.com/greeter", "Namespace")
    patched = client.EventsV1Api(api).patch_namespaced_event("hello.1", "default", {"note": "patched"})
    assert patched.note == "patched"
    typed = client.EventsV1Api(api).list_namespaced_event("default", field_selector="reason=Greeting")
    assert [(e.metadata.name, e.action, e.regarding.name) for e in typed.items] == [("hello.1", "Greet", "default")]
    assert client.CoreV1Api(api).read_namespaced_event("hello.1", "default").message == "patched"


def test_kubectl_events_against_the_served_cluster(served, kubectl):
    out = kubectl("events -A --types=Normal").stdout.splitlines()
    assert out[0].split() == ["NAMESPACE", "LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert any("NodeReady" in l and "Node/vm-1" in l for l in out)
    v1 = kubectl("get events.v1.events.k8s.io -A").stdout.splitlines()
    assert v1[0].split()[:5] == ["NAMESPACE", "LAST", "SEEN", "TYPE", "REASON"]


def test_kubectl_events_equals_the_facade_but_for_the_ages(served, kubectl, monkeypatch):
    """The differential test for `kubectl events`: same rows, same order (Go's unstable sort
    of equal times included). The LAST SEEN column cannot be equal: the real kubectl measures
    ages with its own wall clock (event_printer.go: time.Since), the facade with the
    simulated one, so it is cut out."""
    cluster, handle = served
    version = json.loads(kubectl("version --client -o json").stdout)["clientVersion"]
    if int(version["minor"].rstrip("+")) <= 32:
        # kubectl 1.32 was built with Go 1.23, whose sort.Sort breaks patterns with another xorshift
        monkeypatch.setattr(gosort, "XORSHIFT", gosort.XORSHIFT_GO_1_23)
    kubectl("apply -f -", stdin=WEB.replace("replicas: 2", "replicas: 6").replace("name: web", "name: evs", 1))
    handle.run(20)

    def without_ages(text: str) -> list[str]:
        lines = text.splitlines()
        start, end = lines[0].index("LAST SEEN"), lines[0].index("TYPE")  # tabwriter's columns
        return [line[:start] + line[end:] for line in lines]

    for args in ("events", "events -A", "events --for deploy/evs", "events --types=Normal"):
        real = kubectl(args).stdout
        facade = handle.call(lambda a=args: str(cluster.kubectl(a)))
        assert without_ages(real) == without_ages(facade), args
