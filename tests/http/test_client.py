"""The official `kubernetes` Python client against a served kubelab cluster."""

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the official client is in the test extra: pip install kubernetes")
from kubernetes import client, config, watch  # noqa: E402


@pytest.fixture(scope="module")
def api(served):
    _, handle = served
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(handle.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        yield c


def test_list_nodes(api):
    nodes = client.CoreV1Api(api).list_node()
    assert sorted(n.metadata.name for n in nodes.items) == ["master-1", "metal-1", "vm-1"]
    assert int(nodes.metadata.resource_version) > 0


def test_create_patch_delete_a_configmap(api):
    core = client.CoreV1Api(api)
    cm = core.create_namespaced_config_map("default", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "settings"}, "data": {"a": "1"}})
    assert cm.metadata.uid and cm.data == {"a": "1"}
    patched = core.patch_namespaced_config_map("settings", "default", {"data": {"b": "2"}})
    assert patched.data == {"a": "1", "b": "2"}
    core.delete_namespaced_config_map("settings", "default")
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_config_map("settings", "default")
    assert err.value.status == 404 and '"reason":"NotFound"' in err.value.body


def test_watch_resumes_from_a_resource_version(api):
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "w1"}})
    core.create_namespaced_config_map("default", {"metadata": {"name": "w2"}})
    seen = []
    for ev in watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=1):
        seen.append((ev["type"], ev["object"].metadata.name))
    assert seen == [("ADDED", "w1"), ("ADDED", "w2")]


def test_a_too_old_resource_version_is_410_expired(api):
    core = client.CoreV1Api(api)
    # the raw stream: one ERROR event with a 410 Expired Status, as the cacher sends it
    resp = core.list_namespaced_config_map("default", watch=True, resource_version="1", timeout_seconds=1,
                                           _preload_content=False)
    lines = [l for l in resp.read().decode().splitlines() if l]
    import json

    ev = json.loads(lines[0])
    assert ev["type"] == "ERROR" and ev["object"]["code"] == 410 and ev["object"]["reason"] == "Expired"


def test_deployment_status_and_scale(served, api):
    cluster, handle = served
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    handle.run(10)
    scale = apps.patch_namespaced_deployment_scale("api", "default", {"spec": {"replicas": 2}})
    assert scale.spec.replicas == 2
    handle.run(10)
    assert apps.read_namespaced_deployment_status("api", "default").status.ready_replicas == 2
    apps.delete_namespaced_deployment("api", "default")
