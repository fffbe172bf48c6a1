"""Graph content, checked as DOT text (SVG bytes differ between dot versions)."""

import re

import pytest

from kubelab.viz import graphs
from kubelab.viz.graphs import Component, EtcdMemberInfo, MasterInfo, PodInfo, Topology, WorkerInfo


def three_masters() -> Topology:
    def master(i, role, leader=False):
        return MasterInfo(f"master-{i}", components=[Component("kube-apiserver"), Component("kube-scheduler", leader=leader),
                                                     Component("kube-controller-manager", leader=leader)],
                          etcd=EtcdMemberInfo(f"master-{i}", f"master-{i}", role, 4))

    return Topology(
        name="ha", time=30,
        masters=[master(1, "follower"), master(2, "leader", leader=True), master(3, "follower")],
        workers=[
            WorkerInfo("metal-1", "BareMetal", detail="64 cpu, 256Gi", pods=[PodInfo(f"web-{i}") for i in range(12)]),
            WorkerInfo("vm-1", "VM", pods=[PodInfo("db-0", status="Pending")]),
            WorkerInfo("cloud-1", "CloudInstance", ready=False, detail="m5.large, eu-west-1a"),
        ],
    )


def test_topology_has_every_component_and_marks_the_etcd_leader():
    dot = graphs.topology_graph(three_masters()).source
    for i in (1, 2, 3):
        assert f"subgraph cluster_m_master_{i}" in dot
        for comp in ("kube_apiserver", "kube_scheduler", "kube_controller_manager", "etcd"):
            assert f"m_master_{i}_{comp}" in dot
    assert re.search(r'm_master_2_etcd \[label="etcd master-2\\nLEADER, term 4".*penwidth=2.2', dot)
    assert 'm_master_1_etcd [label="etcd master-1\\nfollower, term 4"' in dot
    assert 'kube-scheduler\\n(leader)' in dot and dot.count("(leader)") == 2
    # user -> load balancer -> every API server; each API server -> its own etcd member
    assert "user -> lb" in dot
    for i in (1, 2, 3):
        assert f"lb -> m_master_{i}_kube_apiserver" in dot
        assert f"m_master_{i}_kube_apiserver -> m_master_{i}_etcd" in dot


def test_workers_grouped_by_kind_and_pods_summarised():
    dot = graphs.topology_graph(three_masters(), max_pods=10).source
    assert 'label="Bare metal (1)"' in dot and 'label="Virtual machines (1)"' in dot and 'label="Cloud instances (1)"' in dot
    metal = dot[dot.index("subgraph cluster_workers_BareMetal"):dot.index("subgraph cluster_workers_VM")]
    # 12 pods, at most 10 rows: 9 names then "+ 3 more"
    assert metal.count("web-") == 9 and "+ 3 more: 3 Running" in metal
    assert "web-2<" in metal and "web-10<" not in metal  # natural order: web-0..web-8 shown
    assert "db-0 (Pending)" in dot
    assert "NotReady" in dot and 'STYLE="DASHED"' in dot
    # one kubelet edge per group, to the load balancer
    assert dot.count("kubelet x1") == 3


def test_a_hundred_nodes_stay_compact():
    topo = Topology(masters=[MasterInfo("master-1", components=[Component("kube-apiserver")],
                                        etcd=EtcdMemberInfo("master-1", role="leader"))],
                    workers=[WorkerInfo(f"node-{i:03d}", ("BareMetal", "VM", "CloudInstance")[i % 3],
                                        pods=[PodInfo(f"p{i}-{j}") for j in range(30)]) for i in range(100)])
    dot = graphs.topology_graph(topo).source
    assert "p0-0" not in dot  # pods are only counted past 40 workers
    assert dot.count("30 pods: 30 Running") == 100
    assert dot.count("kubelet x") == 3  # not one edge per worker
    # laid out as a grid: rows are rank=same subgraphs
    assert dot.count("rank=same") >= 3 * 4
    assert len(dot) < 120_000


def test_external_etcd_is_its_own_cluster():
    topo = Topology(masters=[MasterInfo("master-1", components=[Component("kube-apiserver")])],
                    external_etcd=[EtcdMemberInfo(f"etcd-{i}", f"etcd-{i}", "leader" if i == 1 else "follower") for i in (1, 2, 3)])
    dot = graphs.topology_graph(topo).source
    assert 'label="etcd cluster (external)"' in dot
    assert all(f"m_master_1_kube_apiserver -> etcd_etcd_{i}" in dot for i in (1, 2, 3))
    assert topo.etcd_summary == "3 members (external), leader etcd-1"


def test_topology_text_is_deterministic():
    t = graphs.topology_text(three_masters())
    assert t == graphs.topology_text(three_masters())
    assert t.splitlines()[:5] == [
        "Cluster ha (t=30.0s)",
        "load balancer lb -> kube-apiserver on master-1, master-2, master-3",
        "master master-1",
        "  kube-apiserver, kube-scheduler, kube-controller-manager",
        "  etcd master-1: follower (term 4)",
    ]
    assert "    cloud-1 NotReady m5.large, eu-west-1a: 0 pods" in t


def test_ownership_tree(cluster):
    objs = [o for k in ("Deployment", "ReplicaSet", "Pod", "Service", "Endpoints") for o in cluster.list(k)]
    dot = graphs.ownership_graph(objs).source
    assert 'Deployment_default_web -> ReplicaSet_default_web_7d4b9c8f5 [label=owns]' in dot
    for p in ("abcde", "fghij", "klmno"):
        assert f"ReplicaSet_default_web_7d4b9c8f5 -> Pod_default_web_7d4b9c8f5_{p}" in dot
    assert "Service_default_web -> ReplicaSet_default_web_7d4b9c8f5 [label=selects" in dot
    assert "Service_default_web -> Endpoints_default_web" in dot
    assert graphs.ownership_text(objs).splitlines()[:3] == [
        "Deployment/web", "  ReplicaSet/web-7d4b9c8f5", "    Pod/web-7d4b9c8f5-abcde (Running)"]


def test_ownership_summarises_many_pods(cluster):
    from kubectl_samples import pod

    rs = cluster.get("ReplicaSet", "web-7d4b9c8f5")
    pods = [pod(f"w-{i:02d}", owner=("ReplicaSet", rs.metadata.name, rs.metadata.uid)) for i in range(25)]
    dot = graphs.ownership_graph([rs, *pods], max_pods=10).source
    assert dot.count("-> Pod_default_w_") == 9
    assert "+ 16 more pods\\n16 Running" in dot


def test_graph_view_without_dot_says_so_and_shows_text(monkeypatch):
    monkeypatch.setattr(graphs, "find_dot", lambda refresh=False: None)
    view = graphs.GraphView(graphs.topology_graph(three_masters()), "TEXT VIEW")
    bundle = view._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"].startswith("Graphviz is not installed") and "TEXT VIEW" in bundle["text/plain"]
    assert "\n" not in graphs.DOT_MISSING_MESSAGE  # one line
    assert "TEXT VIEW" in view.html()


def test_find_dot_prefers_system_then_graphviz_pure(monkeypatch, tmp_path):
    import shutil
    import sysconfig

    scripts = tmp_path / "bin"
    scripts.mkdir()
    pure = scripts / "graphviz-pure"
    pure.write_text("#!/bin/sh\n")
    pure.chmod(0o755)
    monkeypatch.delenv("KUBELAB_DOT", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(scripts))
    assert graphs.find_dot(refresh=True) == str(pure)
    import graphviz.backend.dot_command as dc

    assert str(dc.DOT_BINARY) == str(pure)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot" if name == "dot" else None)
    assert graphs.find_dot(refresh=True) == "/usr/bin/dot"
    graphs._dot_cache.clear()  # the next caller looks again, with the real PATH


@pytest.mark.skipif(graphs.find_dot(refresh=True) is None, reason="no dot binary on this machine")
def test_renders_svg_with_the_available_dot():
    svg = graphs.GraphView(graphs.topology_graph(three_masters()), "").svg()
    assert svg is not None and "<svg" in svg
    assert "master&#45;2" in svg or "master-2" in svg  # dot escapes hyphens
    html = graphs.GraphView(graphs.topology_graph(three_masters()), "").html()
    assert html.startswith('<div style="overflow-x:auto"><svg style="max-width:100%;height:auto" ')


def test_five_thousand_nodes_are_summarised_per_group():
    topo = Topology(masters=[MasterInfo("master-1", components=[Component("kube-apiserver")])],
                    workers=[WorkerInfo(f"n{i:04d}", ("BareMetal", "VM", "CloudInstance")[i % 3], ready=i % 100 != 0,
                                        pods=[PodInfo(f"p{i}-{j}") for j in range(30)]) for i in range(5000)])
    dot = graphs.topology_graph(topo, max_workers=60).source
    assert dot.count("30 pods: 30 Running") == 3 * 59
    assert 'label="Bare metal (1667)"' in dot and "kubelet x1667" in dot
    hidden = [w for w in topo.workers if w.kind == "BareMetal"][59:]
    not_ready = sum(1 for w in hidden if not w.ready)
    assert len(hidden) == 1608 and not_ready == 16
    assert "+ 1608 more bare metal\\n1592 Ready, 16 NotReady\\n48240 pods: 48240 Running" in dot
    assert len(dot) < 150_000
    text = graphs.topology_text(topo, max_workers=60)
    assert "    + 1608 more: 1592 Ready, 16 NotReady, 48240 pods" in text
