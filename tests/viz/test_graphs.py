"""Graph content, checked as DOT text (SVG bytes differ between dot versions)."""

import re

import pytest

from kubelab.viz import graphs
from kubelab.cluster.topology import Component, EtcdMemberInfo, MasterInfo, PodInfo, Topology, WorkerInfo


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


def _master(dot: str, i: int) -> str:
    """The DOT statement of one master's box."""
    start = dot.index(f"m_master_{i} [label=<")
    return dot[start:dot.index("</TABLE>>", start)]


def test_topology_has_every_component_and_marks_the_leaders():
    dot = graphs.topology_graph(three_masters()).source
    for i in (1, 2, 3):
        box = _master(dot, i)  # one box per master: its components and its etcd member
        for comp in ("kube-apiserver", "kube-scheduler", "kube-controller-manager", f"etcd master-{i}"):
            assert comp in box
    assert "<B>LEADER, term 4</B>" in _master(dot, 2) and "follower, term 4" in _master(dot, 1)
    assert _master(dot, 2).count("<B>leader</B>") == 2 and "leader</B>" not in _master(dot, 1)
    # user -> load balancer -> every API server (the box's api port)
    assert "user -> lb" in dot
    for i in (1, 2, 3):
        assert f"lb -> m_master_{i}:api:n" in dot


def test_the_load_balancer_draws_no_edge_to_an_api_server_it_does_not_route_to():
    topo = three_masters()
    topo.masters[0].running = False
    for c in topo.masters[0].components:
        c.running = False
    topo.masters[2].components[0].serving = False  # running, but cut off from the lb
    dot = graphs.topology_graph(topo).source
    assert "lb -> m_master_1" not in dot and "lb -> m_master_3" not in dot
    assert "lb -> m_master_2:api:n" in dot
    assert "<S>kube-apiserver</S>" in _master(dot, 1) and 'STYLE="DASHED"' in _master(dot, 1)
    assert "no route" in _master(dot, 3)
    assert "load balancer lb -> kube-apiserver on master-2" in graphs.topology_text(topo)


def test_cut_links_are_drawn_dashed_red():
    topo = three_masters()
    topo.cuts = [("lb", "master-3"), ("master-3", "lb"), ("vm-1", "lb")]
    dot = graphs.topology_graph(topo).source
    both = re.search(r'lb -> m_master_3 \[.*label=cut.*\]', dot).group(0)
    assert 'color="#cf222e"' in both and "style=dashed" in both and "dir=both" in both
    one = re.search(r'w_vm_1 -> lb \[.*label=cut.*\]', dot).group(0)
    assert "dir=forward" in one
    assert dot.count("label=cut") == 2  # a link cut both ways is one edge
    assert "cut links: lb <-> master-3, vm-1 -> lb" in graphs.topology_text(topo)


def test_one_to_five_masters_keep_their_order_in_rows_of_three():
    def masters(n):
        return Topology(masters=[MasterInfo(f"master-{i}", components=[Component("kube-apiserver")]) for i in range(1, n + 1)])

    for n in (1, 2, 3, 4, 5):
        dot = graphs.topology_graph(masters(n)).source
        rows = re.findall(r"subgraph masters_row_\d+ \{\n\t+rank=same\n((?:\t+m_master_\d.*\n)+)", dot)
        names = [re.findall(r"^\t+(m_master_\d+) \[", r, re.M) for r in rows]
        expected = [[f"m_master_{i}" for i in range(1, n + 1)][k:k + 3] for k in range(0, n, 3)]
        assert names == expected
    # past three masters the component names are shortened so a row keeps its width
    assert ">apiserver<" in graphs.topology_graph(masters(4)).source


@pytest.mark.skipif(graphs.find_dot(refresh=True) is None, reason="no dot binary on this machine")
@pytest.mark.parametrize("n", [1, 3, 5])
def test_topology_fits_a_notebook_width(n):
    # ~900 px of notebook is 675 pt: a picture at most ~800 pt wide shows its text at 85%+
    topo = three_masters()
    topo.masters = [MasterInfo(f"master-{i}", components=[Component("kube-apiserver"), Component("kube-scheduler"),
                                                          Component("kube-controller-manager"),
                                                          Component("cloud-controller-manager")],
                               etcd=EtcdMemberInfo(f"master-{i}", f"master-{i}", "follower", 2)) for i in range(1, n + 1)]
    svg = graphs.GraphView(graphs.topology_graph(topo), "").svg()
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width < 800, width


def test_workers_grouped_by_kind_and_pods_summarised():
    dot = graphs.topology_graph(three_masters(), max_pods=10).source
    assert 'label="Bare metal (1)"' in dot and 'label="Virtual machines (1)"' in dot and 'label="Cloud instances (1)"' in dot
    metal = dot[dot.index("subgraph cluster_workers_BareMetal"):dot.index("subgraph cluster_workers_VM")]
    # 12 pods, at most 10 rows: 9 names then "+ 3 more"
    assert metal.count("web-") == 9 and "+ 3 more: 3 Running" in metal
    assert "web-2<" in metal and "web-10<" not in metal  # natural order: web-0..web-8 shown
    assert "db-0 (Pending)" in dot
    assert "NotReady" in dot and 'STYLE="DASHED"' in dot
    # the kubelets' way to the API servers is said once, not drawn per group
    assert 'label="kubelets reach the API servers through lb:6443"' in dot


def test_a_hundred_nodes_stay_compact():
    topo = Topology(masters=[MasterInfo("master-1", components=[Component("kube-apiserver")],
                                        etcd=EtcdMemberInfo("master-1", role="leader"))],
                    workers=[WorkerInfo(f"node-{i:03d}", ("BareMetal", "VM", "CloudInstance")[i % 3],
                                        pods=[PodInfo(f"p{i}-{j}") for j in range(30)]) for i in range(100)])
    dot = graphs.topology_graph(topo).source
    assert "p0-0" not in dot  # pods are only counted past 40 workers
    assert dot.count("30 pods: 30 Running") == 3 * 19  # 19 workers per group, then a summary box
    assert "+ 15 more bare metal" in dot
    # laid out as grids of 5: rows are rank=same subgraphs
    assert dot.count("rank=same") >= 3 * 4
    assert len(dot) < 120_000


def test_external_etcd_is_its_own_cluster():
    topo = Topology(masters=[MasterInfo("master-1", components=[Component("kube-apiserver")])],
                    external_etcd=[EtcdMemberInfo(f"etcd-{i}", f"etcd-{i}", "leader" if i == 1 else "follower") for i in (1, 2, 3)])
    dot = graphs.topology_graph(topo).source
    assert 'label="etcd cluster (external)"' in dot
    assert "m_master_1:api -> etcd_etcd_1" in dot and "lhead=cluster_external_etcd" in dot
    assert all(f"etcd_etcd_{i} [label=" in dot for i in (1, 2, 3))
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
    assert 'label="Bare metal (1667)"' in dot
    hidden = [w for w in topo.workers if w.kind == "BareMetal"][59:]
    not_ready = sum(1 for w in hidden if not w.ready)
    assert len(hidden) == 1608 and not_ready == 16
    assert "+ 1608 more bare metal\\n1592 Ready, 16 NotReady\\n48240 pods: 48240 Running" in dot
    assert len(dot) < 150_000
    text = graphs.topology_text(topo, max_workers=60)
    assert "    + 1608 more: 1592 Ready, 16 NotReady, 48240 pods" in text
