"""The API Priority and Fairness response headers over HTTPS: server/filters/priority-and-fairness.go
answers every request it classifies with the UIDs of the FlowSchema and the priority level it
matched (X-Kubernetes-PF-FlowSchema-UID, X-Kubernetes-PF-PriorityLevel-UID; net/http writes the
names canonicalised), here seen through the real kubectl's -v=8 log of the response headers."""

import re


def uid(served, kind, name):
    cluster, handle = served
    return handle.call(lambda: cluster.masters[0].apiserver.caches[kind].get(None, name).metadata.uid)


def headers(log: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in re.findall(r"\]\s+(X-Kubernetes-Pf-[\w-]+): (\S*)$", log, re.M):
        out.setdefault(name, []).append(value.strip())
    return out


def test_the_admins_requests_carry_global_default_uids(served, kubectl):
    """upstream: priority-and-fairness.go sets the headers; kubeadm's admin (kubeadm:cluster-admins)
    lands in the global-default FlowSchema and priority level (bootstrap/default.go)."""
    r = kubectl("get configmaps -n default -v=8")
    h = headers(r.stderr)
    assert h["X-Kubernetes-Pf-Flowschema-Uid"][-1] == uid(served, "FlowSchema", "global-default")
    assert h["X-Kubernetes-Pf-Prioritylevel-Uid"][-1] == uid(served, "PriorityLevelConfiguration", "global-default")


def test_a_refused_request_is_classified_too(served, kubectl):
    """upstream: the filter classifies before the handler runs, so a 404 carries the headers."""
    r = kubectl("get configmap nope -n default -v=8", check=False)
    assert r.returncode == 1
    h = headers(r.stderr)
    assert h["X-Kubernetes-Pf-Flowschema-Uid"][-1] == uid(served, "FlowSchema", "global-default")
