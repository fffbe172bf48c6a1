"""kubelab.api.resourcehelper: what a pod asks of a node (component-helpers PodRequests).

The tables follow k8s.io/component-helpers/resource/helpers_test.go (TestPodResourceRequests,
TestPodResourceLimits): sidecars add up, an init container needs itself plus the sidecars
started before it, pod-level resources win for cpu/memory, overhead is added."""

from __future__ import annotations

import pytest

from kubelab.api.core import Pod
from kubelab.api.resourcehelper import as_quantity, pod_limits, pod_requests


def make_pod(containers=(), init=(), overhead=None, pod_level=None) -> Pod:
    def c(spec):
        name, req = spec[0], spec[1]
        out = {"name": name, "image": "busybox", "resources": {"requests": req}}
        if len(spec) > 2:
            out["resources"]["limits"] = spec[2]
        if name.startswith("sidecar"):
            out["restartPolicy"] = "Always"
        return out

    spec = {"containers": [c(x) for x in containers], "initContainers": [c(x) for x in init]}
    if overhead:
        spec["overhead"] = overhead
    if pod_level:
        spec["resources"] = {"requests": pod_level}
    return Pod.model_validate({"metadata": {"name": "p"}, "spec": spec})


@pytest.mark.parametrize("name, containers, init, want_cpu", [
    # helpers_test.go "restartable init container": sidecar(1) + regular(1)
    ("restartable init container", [("app", {"cpu": "1"})], [("sidecar-1", {"cpu": "1"})], 2000),
    # "multiple restartable init containers": max(5, 3+2+1 + 1) = 7
    ("multiple restartable init containers", [("app", {"cpu": "1"})],
     [("init-1", {"cpu": "5"}), ("sidecar-1", {"cpu": "1"}), ("sidecar-2", {"cpu": "2"}), ("sidecar-3", {"cpu": "3"})], 7000),
    # "multiple restartable and regular init containers": init-2 needs 5 + sidecars before it (1+2) = 8
    ("restartable and regular init containers", [("app", {"cpu": "1"})],
     [("init-1", {"cpu": "5"}), ("sidecar-1", {"cpu": "1"}), ("sidecar-2", {"cpu": "2"}), ("init-2", {"cpu": "5"}),
      ("sidecar-3", {"cpu": "3"})], 8000),
    # "restartable-init, init and regular": max(100 + 10, 200 + 10) = 210
    ("restartable-init, init and regular", [("app", {"cpu": "100"})],
     [("sidecar-1", {"cpu": "10"}), ("init-1", {"cpu": "200"})], 210_000),
    # a plain init container larger than the app containers sets the floor
    ("init container larger than the sum", [("a", {"cpu": "100m"}), ("b", {"cpu": "200m"})], [("init", {"cpu": "500m"})], 500),
])
def test_pod_requests_follow_the_sidecar_formula(name, containers, init, want_cpu):
    assert pod_requests(make_pod(containers, init))["cpu"] == want_cpu, name


def test_pod_requests_are_millicores_for_cpu_and_bytes_for_memory():
    pod = make_pod([("a", {"cpu": "250m", "memory": "64Mi"}), ("b", {"cpu": "1", "memory": "100M"})])
    assert pod_requests(pod) == {"cpu": 1250, "memory": 64 * 1024 * 1024 + 100_000_000}


def test_overhead_is_added_unless_excluded():
    # helpers_test.go "get resource for pod with overhead": 3000m + 500m, 2G + 1G
    pod = make_pod([("a", {"cpu": "1000m", "memory": "1G"}), ("b", {"cpu": "2000m", "memory": "1G"})],
                   overhead={"cpu": "500m", "memory": "1G"})
    assert pod_requests(pod) == {"cpu": 3500, "memory": 3_000_000_000}
    assert pod_requests(pod, exclude_overhead=True) == {"cpu": 3000, "memory": 2_000_000_000}


def test_pod_level_requests_win_and_overhead_still_adds():
    # "restartable-init, init and regular containers with pod-level resources and overhead": 250 + 250
    pod = make_pod([("app", {"cpu": "100"})], [("sidecar-1", {"cpu": "10"}), ("init-1", {"cpu": "200"})],
                   overhead={"cpu": "250", "memory": "100Mi"}, pod_level={"cpu": "250", "memory": "100Mi"})
    assert pod_requests(pod) == {"cpu": 500_000, "memory": 200 * 1024 * 1024}


def test_non_missing_defaults_only_fill_what_a_container_leaves_out():
    # pkg/scheduler/util/pod_resources.go: 100m cpu / 200Mi memory for a container without a request
    pod = make_pod([("a", {}), ("b", {"cpu": "0"}), ("c", {"memory": "1Gi"})])
    assert pod_requests(pod) == {"cpu": 0, "memory": 1024 ** 3}
    assert pod_requests(pod, non_missing=True) == {"cpu": 100 + 0 + 100, "memory": 200 * 2 ** 20 * 2 + 1024 ** 3}


def test_pod_limits_sum_with_sidecars_and_take_overhead_only_where_set():
    pod = make_pod([("app", {}, {"cpu": "1", "memory": "1Gi"})], [("sidecar-1", {}, {"cpu": "500m"})],
                   overhead={"cpu": "100m", "ephemeral-storage": "1Gi"})
    assert pod_limits(pod) == {"cpu": 1600, "memory": 1024 ** 3}


def test_quantities_keep_their_format_for_printing():
    pod = make_pod([("a", {"cpu": "250m", "memory": "64Mi"}), ("b", {"cpu": "750m", "memory": "64Mi"})])
    reqs = pod_requests(pod, value=as_quantity)
    assert (str(reqs["cpu"]), str(reqs["memory"])) == ("1", "128Mi")


def test_kubectl_describe_counts_sidecars_as_the_scheduler_does():
    """describe node used to skip the sidecar term of helpers.go AggregateContainerRequests."""
    from kubelab.kubectl.describe import pod_requests_and_limits

    pod = make_pod([("app", {"cpu": "100m"})], [("sidecar-1", {"cpu": "50m"})])
    req, _ = pod_requests_and_limits(pod)
    assert str(req["cpu"]) == "150m"  # the old describe copy said 100m


def test_a_malformed_quantity_raises_value_error():
    pod = make_pod([("a", {"cpu": "lots"})])
    with pytest.raises(ValueError):
        pod_requests(pod)
