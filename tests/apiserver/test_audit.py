"""The audit log: one audit.k8s.io/v1 Event per request (stage ResponseComplete), with who,
what, the answer and the authorizer's decision and reason; kept in a bounded ring and read
through ``cluster.audit(...)`` and ``cluster.views.audit(...)``."""

import pytest

import kubelab as kl


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=5)
    c.add_user("alice", groups=["dev"])
    c.run(5)
    return c


def test_a_denial_is_recorded_with_who_what_and_the_answer(cluster):
    out = cluster.kubectl("get pods -n default", user="alice")
    assert out.startswith("Error from server (Forbidden)")
    e = cluster.audit(user="alice")[-1]
    assert (e.verb, e.resource, e.namespace, e.code, e.decision) == ("list", "pods", "default", 403, "forbid")
    d = e.to_dict()
    assert d["kind"] == "Event" and d["apiVersion"] == "audit.k8s.io/v1"
    assert d["stage"] == "ResponseComplete" and d["level"] == "Metadata"
    assert d["requestURI"] == "/api/v1/namespaces/default/pods"
    assert d["user"] == {"username": "alice", "groups": ["dev", "system:authenticated"]}
    assert d["responseStatus"]["code"] == 403
    assert d["annotations"]["authorization.k8s.io/decision"] == "forbid"
    assert d["responseStatus"]["message"] == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"')


def test_an_allowed_write_names_the_binding_that_allowed_it(cluster):
    cluster.kubectl("create configmap settings --from-literal=a=b")
    e = cluster.audit(verb="create", resource="configmaps", name="settings")[-1]
    assert (e.user, e.code, e.decision) == ("kubernetes-admin", 201, "allow")
    assert e.reason == ('RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" '
                        'to Group "kubeadm:cluster-admins"')
    assert e.to_dict()["objectRef"] == {"resource": "configmaps", "namespace": "default", "name": "settings",
                                        "apiVersion": "v1"}


def test_filters_combine_and_limit_keeps_the_newest(cluster):
    for _ in range(3):
        cluster.kubectl("get deployments", user="alice")
    denied = cluster.audit(user="alice", allowed=False, resource="deployments")
    assert len(denied) == 3 and all(e.api_group == "apps" for e in denied)
    assert cluster.audit(user="alice", limit=2) == cluster.audit(user="alice")[-2:]
    assert cluster.audit(user="nobody") == []
    assert repr(cluster.audit(user="nobody")) == "No audit events."
    table = repr(cluster.audit(user="alice", resource="deployments"))
    assert table.splitlines()[0].split() == ["TIME", "USER", "VERB", "RESOURCE", "NAMESPACE", "NAME", "CODE",
                                             "DECISION"]


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"user": 5}, TypeError, "user"),
    ({"allowed": "no"}, TypeError, "allowed"),
    ({"limit": -1}, ValueError, "limit"),
    ({"since": "soon"}, TypeError, "since"),
])
def test_bad_filters_are_refused_naming_the_argument(cluster, kwargs, exc, words):
    with pytest.raises(exc, match=words):
        cluster.audit(**kwargs)


def test_the_ring_is_bounded():
    from kubelab.apiserver.audit import AuditLog

    log = AuditLog(size=3)
    for i in range(5):
        log.record(i)
    assert list(log) == [2, 3, 4] and log.dropped == 2


def test_the_view_is_a_table_of_the_same_events(cluster):
    view = cluster.views.audit(user="alice", limit=3)
    assert repr(view) == repr(cluster.audit(user="alice", limit=3))
    html = view._repr_html_()
    assert "<table" in html and "403 forbid" in html and "alice" in html
