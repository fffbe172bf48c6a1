"""ResourceQuota scopes and scopeSelector: a scoped quota counts and limits only the pods its
scopes select.

- pkg/quota/v1/evaluator/core/pods.go podMatchesScopeFunc (Terminating / NotTerminating by
  activeDeadlineSeconds, BestEffort / NotBestEffort by QoS class, PriorityClass by the pod's
  priorityClassName, CrossNamespacePodAffinity);
- k8s.io/apiserver/pkg/quota/v1/generic/evaluator.go Matches / CalculateUsageStats (every
  selector must match; a kind without scopes never matches a scoped quota: MatchesNoScopeFunc);
- pkg/apis/core/validation/validation.go validateResourceQuotaScopes /
  validateScopedResourceSelectorRequirement / ValidateResourceQuotaUpdate, and
  pkg/apis/core/helper IsResourceQuotaScopeValidForResource;
- kubectl describe.go describeQuota / helpTextForResourceQuotaScope.
"""

import pytest

import kubelab as kl
from kubelab.api.errors import StatusError


def pod(name, ns, cpu=None, deadline=None, priority_class=None):
    c = {"name": "app", "image": "nginx"}
    if cpu:
        c["resources"] = {"requests": {"cpu": cpu}, "limits": {"cpu": cpu}}
    spec = {"containers": [c]}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    if priority_class:
        spec["priorityClassName"] = priority_class
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def quota(name, ns, hard, scopes=None, selector=None):
    spec = {"hard": hard}
    if scopes:
        spec["scopes"] = scopes
    if selector:
        spec["scopeSelector"] = {"matchExpressions": selector}
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def refused(cluster, obj):
    with pytest.raises(StatusError) as err:
        cluster.apply(obj)
    return str(err.value)


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=11)
    c.add_node(kl.VM("vm-1", cpu="16", memory="32Gi"))
    for ns in ("be", "term", "prio", "svc"):
        c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    c.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
             "value": 1000})
    c.run(5)
    return c


def used(cluster, ns, name):
    return cluster.get("resourcequota", name, namespace=ns).status.used


def test_a_best_effort_quota_counts_only_best_effort_pods(cluster):
    cluster.apply(quota("besteffort", "be", {"pods": "1"}, scopes=["BestEffort"]))
    cluster.run(2)
    cluster.apply(pod("be-1", "be"))
    msg = refused(cluster, pod("be-2", "be"))
    assert msg == ('pods "be-2" is forbidden: exceeded quota: besteffort, requested: pods=1, '
                   'used: pods=1, limited: pods=1')
    # a Guaranteed pod is not best effort: the quota does not select it
    cluster.apply(pod("guaranteed-1", "be", cpu="100m"))
    cluster.run(10)
    assert used(cluster, "be", "besteffort") == {"pods": "1"}


def test_terminating_and_not_terminating_split_pods_by_active_deadline(cluster):
    cluster.apply(quota("terminating", "term", {"pods": "5"}, scopes=["Terminating"]))
    cluster.apply(quota("long-running", "term", {"pods": "5"}, scopes=["NotTerminating"]))
    cluster.run(2)
    cluster.apply(pod("batch-1", "term", deadline=600))
    cluster.apply(pod("web-1", "term"))
    cluster.apply(pod("web-2", "term"))
    cluster.run(10)
    assert used(cluster, "term", "terminating") == {"pods": "1"}
    assert used(cluster, "term", "long-running") == {"pods": "2"}


def test_a_priority_class_selector_limits_only_that_class(cluster):
    cluster.apply(quota("high", "prio", {"pods": "1", "cpu": "1"},
                        selector=[{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]))
    cluster.run(2)
    # the quota limits cpu, but only for its pods: a pod of no class need not state cpu
    cluster.apply(pod("plain", "prio"))
    msg = refused(cluster, pod("high-no-cpu", "prio", priority_class="high"))
    assert msg == 'pods "high-no-cpu" is forbidden: failed quota: high: must specify cpu for: app'
    cluster.apply(pod("high-1", "prio", cpu="500m", priority_class="high"))
    msg = refused(cluster, pod("high-2", "prio", cpu="100m", priority_class="high"))
    assert "exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1" in msg
    cluster.run(10)
    assert used(cluster, "prio", "high") == {"cpu": "500m", "pods": "1"}


def test_a_scoped_quota_never_counts_other_kinds(cluster):
    # only pods have these scopes (generic MatchesNoScopeFunc): services pass a scoped quota
    cluster.apply(quota("no-services", "svc", {"count/services": "0"}, scopes=["NotTerminating"]))
    cluster.run(2)
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "svc"},
                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    cluster.apply(quota("unscoped", "svc", {"count/services": "1"}))
    cluster.run(2)
    msg = refused(cluster, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "svc"},
                            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]}})
    assert "exceeded quota: unscoped, requested: count/services=1" in msg


@pytest.mark.parametrize("spec_kwargs, expected", [
    ({"hard": {"cpu": "1"}, "scopes": ["BestEffort"]},
     'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource'),
    ({"hard": {"pods": "1"}, "scopes": ["BestEffort", "NotBestEffort"]},
     'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes'),
    ({"hard": {"pods": "1"}, "scopes": ["Forever"]},
     'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Forever"}: unsupported scope'),
    ({"hard": {"pods": "1"}, "selector": [{"scopeName": "BestEffort", "operator": "In", "values": ["x"]}]},
     "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when scope is any of "
     "ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, "
     "ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"),
    ({"hard": {"pods": "1"}, "selector": [{"scopeName": "PriorityClass", "operator": "In"}]},
     "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is "
     "'In' or 'NotIn' for scope selector"),
])
def test_invalid_scopes_are_refused_in_upstreams_words(cluster, spec_kwargs, expected):
    hard = spec_kwargs["hard"]
    msg = refused(cluster, quota("bad", "default", hard, spec_kwargs.get("scopes"), spec_kwargs.get("selector")))
    assert msg.startswith('ResourceQuota "bad" is invalid: ')
    assert expected in msg
    with pytest.raises(StatusError):
        cluster.get("resourcequota", "bad", namespace="default")


def test_scopes_cannot_change(cluster):
    cluster.apply(quota("fixed", "default", {"pods": "10"}, scopes=["NotTerminating"]))
    msg = refused(cluster, quota("fixed", "default", {"pods": "10"}, scopes=["Terminating"]))
    assert 'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating"}: field is immutable' in msg
    assert cluster.get("resourcequota", "fixed", namespace="default").spec.scopes == ["NotTerminating"]


def test_describe_explains_each_scope(cluster):
    out = cluster.kubectl("describe quota besteffort -n be")
    assert out.splitlines()[:4] == [
        "Name:       besteffort",
        "Namespace:  be",
        "Scopes:     BestEffort",
        " * Matches all pods that do not have resource requirements set. These pods have a best effort "
        "quality of service.",
    ]
