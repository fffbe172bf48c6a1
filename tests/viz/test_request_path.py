"""cluster.views.request_path: one user's write, followed through the layers on the trace."""

import pytest

import kubelab as kl

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=3, seed=7)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(seconds=10)
    c.apply(WEB)
    c.run(seconds=5)
    return c


def test_the_handler_chain_in_order_then_etcd_then_the_watch(cluster):
    path = cluster.views.request_path("web")
    assert path.what == "CREATE deployments default/web"
    api = [s.reason for s in path.steps if s.source.startswith("kube-apiserver") and s.reason != "WatchCacheUpdated"]
    assert api == ["RequestReceived", "Authenticated", "Authorized", "MutatingAdmission", "Validated",
                   "ValidatingAdmission", "EtcdTxn", "Stored", "ResponseSent"]
    authorized = path.first("Authorized")
    assert 'ClusterRoleBinding "kubeadm:cluster-admins"' in authorized.detail
    assert path.first("MutatingAdmission").detail == "NamespaceLifecycle"
    # the leader appended it at an index; every member applied it, making the revision the API server stored
    leader = cluster.etcd.leader.name
    assert path.first("RaftProposed", f"etcd/{leader}").detail.endswith("leader")
    applied = [s for s in path.relevant() if s.reason == "RaftApplied"]
    assert sorted(s.source for s in applied) == ["etcd/master-1", "etcd/master-2", "etcd/master-3"]
    assert {s.field("revision") for s in applied} == {str(path.revision)}
    stored = cluster.etcd_client().range("/registry/deployments/default/web").kvs[0]
    assert path.revision == stored.create_revision
    # every API server's watch cache, and the controller manager's informer, got it
    caches = sorted(s.source for s in path.relevant() if s.reason == "WatchCacheUpdated")
    assert caches == ["kube-apiserver-master-1", "kube-apiserver-master-2", "kube-apiserver-master-3"]
    assert "kube-controller-manager" in {s.source for s in path.relevant() if s.reason == "InformerNotified"}
    # times only go forward: the response leaves after etcd applied it
    assert path.first("ResponseSent").time >= path.first("RaftApplied").time >= path.first("EtcdTxn").time
    assert path.first("ResponseSent").detail.startswith("201 Created after ")


def test_the_picture_names_every_layer_with_its_time(cluster):
    path = cluster.views.request_path("web", kind="Deployment")
    dot = path.source
    for label in ("authentication", "authorization", "mutating admission", "validation",
                  "validating admission", "etcd (Raft)", "proposes: log index", "watch caches",
                  "informers that saw it", "kube-controller-manager", "+0.0 ms", "201 Created"):
        assert label in dot, label
    assert "req-" in path.text and "RaftApplied" in path.text


def test_a_refused_write_stops_where_it_was_refused():
    c = kl.Cluster(seed=3)
    c.run(seconds=5)
    with pytest.raises(Exception):
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}})
    path = c.views.request_path("Bad_Name")
    reasons = [s.reason for s in path.steps]
    assert "EtcdTxn" not in reasons and "RaftApplied" not in reasons
    assert path.first("ResponseSent").detail.startswith("422 Invalid")
    assert path.revision is None
    assert path.refused_at == "validation"
    assert "refused at validation: it never reached etcd" in path.text


def test_reads_and_components_writes_are_not_followed(cluster):
    before = len(cluster.trace)
    cluster.kubectl("get pods")
    cluster.run(seconds=2)  # the controllers and kubelets write status all along
    new = cluster.trace.records[before:]
    assert not [r for r in new if r.reason == "RequestReceived"]


def test_no_such_request_says_how_to_get_one(cluster):
    with pytest.raises(ValueError, match="no followed request for nothing-here"):
        cluster.views.request_path("nothing-here")
