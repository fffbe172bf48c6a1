"""A watch from a resourceVersion older than the watch cache's window is answered 410 with
reason Expired, "too old resource version: X (Y)" (errors.NewResourceExpired in
staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go), which client-go's
reflector takes as its cue to relist."""

import pytest

from kubelab.api import errors
from kubelab.apiserver import APIServer
from kubelab.apiserver.server import Request
from kubelab.apiserver.storage import DirectKVClient
from kubelab.client import APIClient
from kubelab.client.rest import resolve_kind
from kubelab.sim import Network, Simulator


def test_a_watch_from_a_compacted_resource_version_is_expired():
    sim = Simulator(seed=1, strict=True)
    net = Network(sim)
    server = APIServer(sim, net, "master-1", DirectKVClient(sim), watch_cache_size=5)
    sim.run_until(server.start())
    client = APIClient(sim, net, "user", lambda host: server)
    cm = resolve_kind("ConfigMap")
    revs = []
    for i in range(10):
        made = sim.run_until(client.request(Request("create", cm, "default", None, {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}})), limit=60)
        revs.append(int(made.metadata.resource_version))
    oldest_kept = revs[-5]
    with pytest.raises(errors.StatusError) as e:
        server.watch(cm, "default", revs[0], lambda events: None)
    assert e.value.status["code"] == 410
    assert e.value.status["reason"] == "Expired" and errors.is_resource_expired(e.value)
    assert str(e.value) == f"too old resource version: {revs[0]} ({oldest_kept - 1})"
    # from inside the window the watch starts and replays what came after
    got = []
    server.watch(cm, "default", revs[-3], got.extend)
    assert [ev.object.metadata.name for ev in got] == ["cm-8", "cm-9"]
