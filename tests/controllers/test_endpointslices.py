"""EndpointSlices as the EndpointSlice controller writes them.

upstream: pkg/controller/endpointslice/endpointslice_controller.go (syncService),
staging/src/k8s.io/endpointslice/reconciler.go (one group of slices per set of ports,
reconcileByPortMapping, placeholder, finalize), utils.go (podToEndpoint, getEndpointPorts,
setEndpointSliceLabels, newEndpointSlice), util/trigger_time_tracker.go, and
pkg/printers/internalversion/printers.go (printEndpointSlice) for ``kubectl get endpointslices``.
"""

from __future__ import annotations

from kubelab.api.base import parse_time
from kubelab.api.core import Pod
from kubelab.controllers.endpointslice import (MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL,
                                               TRIGGER_TIME_ANNOTATION, EndpointSliceController)
from kubelab.kubectl.printers import print_table

from .world import World


def svc(name="web", selector=None, labels=None, ports=None, cluster_ip=None, **spec):
    s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
         "spec": {"ports": ports if ports is not None else [{"name": "http", "port": 80, "targetPort": "http"}],
                  **spec}}
    if selector is not False:
        s["spec"]["selector"] = selector or {"app": name}
    if labels:
        s["metadata"]["labels"] = labels
    if cluster_ip:
        s["spec"]["clusterIP"] = cluster_ip
    return s


def pod(name, app="web", port=8080, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "nginx",
                                     "ports": [{"name": "http", "containerPort": port}]}], **spec}}


def world(max_per_slice=None, **kw) -> World:
    w = World(**kw)
    ctl = EndpointSliceController(w.ctx, max_per_slice=max_per_slice) if max_per_slice else EndpointSliceController(w.ctx)
    w.controllers.append(ctl)
    w.informers.start()
    ctl.start()
    return w


def slices(w, service="web"):
    return sorted((s for s in w.list("EndpointSlice")
                   if (s.metadata.labels or {}).get(SERVICE_NAME_LABEL) == service), key=lambda s: s.name)


def test_named_target_port_resolving_to_different_numbers_gives_one_slice_per_port_set():
    """upstream: reconciler.go reconcileByAddressType groups pods by NewPortMapKey(getEndpointPorts)."""
    w = world()
    w.create(svc())
    for i in range(2):
        w.create(pod(f"a{i}", port=8080))
    w.create(pod("b0", port=9090))
    w.run(10)
    got = {tuple(p.port for p in s.ports): sorted(e.target_ref.name for e in s.endpoints) for s in slices(w)}
    assert got == {(8080,): ["a0", "a1"], (9090,): ["b0"]}
    for s in slices(w):
        assert [(p.name, p.protocol) for p in s.ports] == [("http", "TCP")]
        assert s.address_type == "IPv4"
        assert s.metadata.generate_name == "web-" and s.name.startswith("web-") and len(s.name) == len("web-") + 5


def test_at_most_max_endpoints_per_slice():
    """upstream: reconciler.go reconcileByPortMapping fills slices up to --max-endpoints-per-slice."""
    w = world(max_per_slice=2)
    w.create(svc())
    for i in range(5):
        w.create(pod(f"p{i}"))
    w.run(10)
    sizes = sorted(len(s.endpoints) for s in slices(w))
    assert sizes == [1, 2, 2]
    assert sorted(e.target_ref.name for s in slices(w) for e in s.endpoints) == [f"p{i}" for i in range(5)]


def test_default_max_endpoints_per_slice_is_100():
    """upstream: cmd/kube-controller-manager EndpointSliceControllerOptions MaxEndpointsPerSlice = 100."""
    w = world()
    assert w.controllers[0].max_per_slice == 100


def test_labels_service_labels_copied_reserved_ones_skipped_headless_marked():
    """upstream: utils.go setEndpointSliceLabels / isReservedLabelKey / isServiceIPSet."""
    w = world()
    w.create(svc(labels={"team": "blue", SERVICE_NAME_LABEL: "spoof", MANAGED_BY_LABEL: "me"}))
    w.create(svc("db", cluster_ip="None", ports=[]))
    w.create(pod("w0"))
    w.create(pod("d0", app="db"))
    w.run(10)
    [web] = slices(w)
    assert web.metadata.labels == {"team": "blue", SERVICE_NAME_LABEL: "web", MANAGED_BY_LABEL: MANAGED_BY}
    [db] = slices(w, "db")
    assert db.metadata.labels == {"service.kubernetes.io/headless": "", SERVICE_NAME_LABEL: "db",
                                  MANAGED_BY_LABEL: MANAGED_BY}
    assert not db.ports and [e.target_ref.name for e in db.endpoints] == ["d0"]
    # a label added to the Service reaches the slice
    w.call(w.client.patch("services", "web", "default", {"metadata": {"labels": {"tier": "front"}}}, patch_type="merge"))
    w.run(3)
    assert slices(w)[0].metadata.labels["tier"] == "front"


def test_endpoint_fields_zone_node_target_ref_hostname_and_app_protocol():
    """upstream: utils.go podToEndpoint (zone from the node's topology.kubernetes.io/zone,
    util.ShouldSetHostname) and getEndpointPorts (appProtocol)."""
    w = world()
    for n in w.nodes:
        w.call(w.client.patch("nodes", n, None, {"metadata": {"labels": {"topology.kubernetes.io/zone": f"z-{n}"}}},
                              patch_type="merge"))
    w.create(svc(ports=[{"name": "http", "port": 80, "targetPort": 8080, "appProtocol": "http"}]))
    w.create(pod("p0", hostname="p0", subdomain="web"))
    w.create(pod("p1", hostname="p1", subdomain="other"))
    w.run(10)
    [s] = slices(w)
    assert [(p.name, p.port, p.protocol, p.app_protocol) for p in s.ports] == [("http", 8080, "TCP", "http")]
    eps = {e.target_ref.name: e for e in s.endpoints}
    pods = {p.name: p for p in w.list(Pod)}
    for name, e in eps.items():
        assert e.addresses == [pods[name].status.pod_ip]
        assert e.node_name == pods[name].spec.node_name
        assert e.zone == f"z-{pods[name].spec.node_name}"
        assert (e.target_ref.kind, e.target_ref.namespace, e.target_ref.uid) == ("Pod", "default", pods[name].uid)
        assert (e.conditions.ready, e.conditions.serving, e.conditions.terminating) == (True, True, False)
    assert eps["p0"].hostname == "p0" and eps["p1"].hostname is None


def test_terminating_pod_is_serving_not_ready_then_gone():
    """upstream: utils.go podToEndpoint — ready is never true for a terminating pod (unless
    publishNotReadyAddresses); ShouldPodBeInEndpoints(pod, includeTerminating=true)."""
    w = world(stop_delay=5)
    w.create(svc())
    w.create(pod("p0"))
    w.run(10)
    w.call(w.client.delete(Pod, "p0", "default"))
    w.run(1)
    [e] = slices(w)[0].endpoints
    assert (e.conditions.ready, e.conditions.serving, e.conditions.terminating) == (False, True, True)
    w.run(10)
    [s] = slices(w)
    assert s.endpoints == []  # the last endpoint gone: the slice remains, empty


def test_no_pods_gives_one_placeholder_slice_shown_unset_by_kubectl():
    """upstream: reconciler.go placeholder slice; printers.go printEndpointSlice (listWithMoreString
    prints <unset>)."""
    w = world()
    w.create(svc())
    w.run(5)
    [s] = slices(w)
    assert not s.endpoints and not s.ports
    out = print_table([s], parse_time(s.metadata.creation_timestamp) + 65).splitlines()
    assert out[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert out[1].split() == [s.name, "IPv4", "<unset>", "<unset>", "65s"]
    # pods arrive: the placeholder is updated in place, not replaced
    for i in range(4):
        w.create(pod(f"p{i}"))
    w.run(10)
    [s2] = slices(w)
    assert s2.name == s.name and len(s2.endpoints) == 4
    row = print_table([s2], w.sim.now).splitlines()[1].split()
    assert row[2] == "8080" and row[3].count(",") == 2 and row[4:7] == ["+", "1", "more..."]


def test_service_without_selector_or_external_name_gets_no_slices():
    """upstream: endpointslice_controller.go syncService returns early for ExternalName and a nil selector."""
    w = world()
    w.create(svc("manual", selector=False))
    w.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext", "namespace": "default"},
              "spec": {"type": "ExternalName", "externalName": "example.com", "selector": {"app": "ext"}}})
    w.create(pod("x", app="manual"))
    w.run(10)
    assert slices(w, "manual") == [] and slices(w, "ext") == []


def test_last_change_trigger_time_annotation():
    """upstream: util/trigger_time_tracker.go — a new Service's creationTimestamp, then the
    oldest Ready transition not yet synced; utils.go addTriggerTimeAnnotation."""
    w = world(start_delay=5)
    created = w.create(svc())
    w.run(2)
    [s] = slices(w)
    assert s.metadata.annotations[TRIGGER_TIME_ANNOTATION] == created.metadata.creation_timestamp
    w.create(pod("p0"))
    w.run(10)
    p = w.get(Pod, "p0")
    ready = [c for c in p.status.conditions if c.type == "Ready"][0].last_transition_time
    [s] = slices(w)
    assert s.metadata.annotations[TRIGGER_TIME_ANNOTATION] == ready != created.metadata.creation_timestamp


def test_slice_deleted_by_hand_comes_back():
    """upstream: endpointslice_controller.go onEndpointSliceDelete requeues the Service for an
    unexpected deletion (endpointSliceChangeMinSyncDelay)."""
    w = world()
    w.create(svc())
    w.create(pod("p0"))
    w.run(10)
    [s] = slices(w)
    w.call(w.client.delete("EndpointSlice", s.name, "default"))
    w.run(3)
    [s2] = slices(w)
    assert s2.name != s.name and [e.target_ref.name for e in s2.endpoints] == ["p0"]


def test_kubernetes_service_slice_is_written_by_the_apiserver_without_managed_by():
    """upstream: pkg/controlplane/reconcilers/endpointsadapter.go updateEndpointSlice — the slice
    is named ``kubernetes``, labelled only kubernetes.io/service-name (no managed-by, so the
    EndpointSlice controller never touches it), every endpoint ready."""
    from kubelab.apiserver.reconcilers import endpoint_slice_from_endpoints

    sl = endpoint_slice_from_endpoints(["10.0.0.2", "10.0.0.1"])
    assert sl["metadata"]["name"] == "kubernetes"
    assert sl["metadata"]["labels"] == {SERVICE_NAME_LABEL: "kubernetes"}
    assert [e["addresses"] for e in sl["endpoints"]] == [["10.0.0.1"], ["10.0.0.2"]]
    assert sl["ports"] == [{"name": "https", "port": 6443, "protocol": "TCP"}]
