"""``kl.connect``: kubelab's views over a cluster reached through a kubeconfig, here a kubelab
cluster served over HTTPS (``cluster.serve()``, the same server ``kubelab serve`` runs), read
with the official Kubernetes client and kept current by list+watch.

The served cluster runs on one background thread; the tests touch it only through
``handle.call`` / ``handle.run``, as tests/http does."""

import os
import shutil
import subprocess
import sys

import pytest

import kubelab as kl

pytest.importorskip("kubernetes", reason="kl.connect needs the official client: pip install 'kubelab[live]'")

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}]
"""


@pytest.fixture(scope="module")
def served():
    cluster = kl.Cluster(seed=5)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.BareMetal("metal-1", cpu="16", memory="64Gi"))
    cluster.add_node(kl.CloudInstance("cloud-1", instance_type="m5.large", zone="eu-west-1a"))
    cluster.run(5)
    handle = cluster.serve()
    handle.call(lambda: cluster.apply(WEB))
    handle.run(30)
    yield cluster, handle
    handle.stop()


@pytest.fixture(scope="module")
def live(served):
    _, handle = served
    with kl.connect(kubeconfig=handle.kubeconfig) as live:
        live.refresh()
        yield live


def test_connect_reads_the_kubeconfig_as_kubectl_does_and_requests_nothing_yet(served):
    _, handle = served
    live = kl.connect(kubeconfig=handle.kubeconfig)
    assert live.url == handle.url
    assert live.context == "kubernetes-admin@kubernetes"  # admin.conf's context, as kubeadm names it
    assert repr(live) == f"<LiveCluster kubernetes-admin@kubernetes at {handle.url}: not listed yet>"
    assert not live.state.readable and live.list("Pod") == []
    live.close()


def test_kubeconfig_from_the_environment_as_kubectl_reads_it(served, monkeypatch):
    _, handle = served
    monkeypatch.setenv("KUBECONFIG", str(handle.kubeconfig))
    with kl.connect() as live:
        assert live.url == handle.url


def test_a_context_that_does_not_exist_is_refused(served):
    _, handle = served
    with pytest.raises(Exception, match="nope"):
        kl.connect(kubeconfig=handle.kubeconfig, context="nope")


def test_the_first_refresh_lists_every_watched_kind(live):
    assert {k for k, st in live.stats.items() if st.lists == 0} == set()
    assert {k for k, st in live.stats.items() if st.error} == set()
    assert [n.metadata.name for n in live.list("Node")] == ["cloud-1", "master-1", "metal-1", "vm-1"]  # the master is a Node
    assert live.get("Deployment", "web").status.ready_replicas == 2
    assert len(live.list("Pod", "default", label_selector="app=web")) == 2
    assert live.state.leader("kube-controller-manager") == "master-1"  # the Lease's holder


def test_the_views_clock_is_the_api_servers_clock_from_its_date_header(served, live):
    cluster, handle = served
    live.refresh()
    assert live.now == int(handle.call(lambda: cluster.sim.now))


def test_every_view_renders_from_api_data_alone(live):
    offered = dir(live.views)
    assert offered == ["events", "ownership", "reconciliation", "reconciliation_graph", "rollout", "topology"]
    for name in offered:
        view = getattr(live.views, name)("web") if name == "rollout" else getattr(live.views, name)()
        text = view.text
        html = view.html() if callable(view.html) else view.html
        assert text and html, name
    assert "deployment/web" in live.views.rollout("web").text


def test_the_topology_groups_nodes_by_kind_from_their_labels(served, live):
    cluster, handle = served
    text = live.views.topology().text
    assert text.splitlines()[:3] == [
        f"Cluster kubernetes-admin@kubernetes (t={live.now:.1f}s)",
        f"API endpoint {live.url.removeprefix('https://')} -> kube-apiserver on master-1",  # its static pod
        "master master-1",  # named by the leader-election Leases' holderIdentity
    ]
    assert "  kube-apiserver, kube-scheduler (leader), kube-controller-manager (leader), cloud-controller-manager (leader)" in text
    workers = text[text.index("workers"):].splitlines()
    assert [w for w in workers if not w.startswith("    ")] == ["workers", "  Bare metal", "  Virtual machines",
                                                                   "  Cloud instances"]
    assert [w.split(":")[0] for w in workers if w.startswith("    ") and not w.startswith("      ")] == [
        "    metal-1 Ready 16 cpu, 64Gi", "    vm-1 Ready 4 cpu, 16Gi", "    cloud-1 Ready m5.large, eu-west-1a"]
    # the machines as the simulation knows them, the nodes as their labels say: the same picture
    inside = handle.call(lambda: cluster.views.topology().text)
    assert workers == inside[inside.index("workers"):].splitlines()
    assert "API endpoint" in live.views.topology().source  # the graph names where kubectl connects


def test_the_views_draw_what_the_in_process_views_draw(served, live):
    """One renderer for both: the ownership tree and the rollout card, from the watched cache,
    say what they say from the cluster's own read model."""
    cluster, handle = served
    live.refresh()
    assert live.views.ownership().text == handle.call(lambda: cluster.views.ownership().text)
    assert live.views.rollout("web").text == handle.call(lambda: cluster.views.rollout("web").text)
    ours = handle.call(lambda: cluster.views.reconciliation().text)
    theirs = live.views.reconciliation().text
    # the same rows; ages differ only by the Date header's whole seconds
    strip = lambda t: [line.split(" [")[0] for line in t.splitlines()[1:]]  # noqa: E731
    assert strip(theirs) == strip(ours)
    # the events timeline: the same events in the same order (ages aside)
    events = lambda t: [line[7:] for line in t.splitlines()[1:]]  # noqa: E731
    assert events(live.views.events().text) == events(handle.call(lambda: cluster.views.events().text))
    assert len(events(live.views.events(namespace="default", limit=5).text)) == 5


def test_a_change_made_through_cluster_apply_shows_up_after_refresh(served, live):
    cluster, handle = served
    handle.call(lambda: cluster.apply(WEB.replace("name: web", "name: api").replace("app: web", "app: api")))
    handle.run(20)
    assert live.get("Deployment", "api") is None  # not yet: reading the cache asks the server nothing
    changed = live.refresh()
    assert changed["Deployment"] >= 1 and changed["Pod"] >= 2
    assert live.get("Deployment", "api").status.ready_replicas == 2
    assert "Deployment/api" in live.views.ownership().text
    handle.call(lambda: cluster.api.delete("Deployment", "api"))
    handle.run(10)
    live.refresh()
    assert live.get("Deployment", "api") is None  # a DELETED event


def test_watches_resume_from_the_last_resource_version(served, live):
    cluster, handle = served
    live.refresh()
    before = {k: (st.lists, st.watches, st.events) for k, st in live.stats.items()}
    rv = live.resource_versions["Node"]
    handle.call(lambda: cluster.kubectl("label node vm-1 tier=front"))
    handle.run(1)
    changed = live.refresh()
    st = live.stats["Node"]
    assert changed.get("Node", 0) >= 1
    assert (st.lists, st.watches) == (before["Node"][0], before["Node"][1] + 1)  # a watch, not a list
    assert st.events > before["Node"][2]
    assert int(live.resource_versions["Node"]) > int(rv)
    assert live.get("Node", "vm-1", None).metadata.labels["tier"] == "front"
    # paused, nothing moves: every watch resumes and brings nothing
    assert live.refresh() == {}


def test_a_resource_version_the_server_no_longer_has_means_list_again(live):
    lists = live.stats["Event"].lists
    n = len(live.list("Event"))
    live.resource_versions["Event"] = "1"  # long compacted: the server answers 410 Expired
    live.refresh()
    assert live.stats["Event"].lists == lists + 1 and live.stats["Event"].expired >= 1
    assert len(live.list("Event")) >= n


def test_a_newer_servers_fields_are_dropped_not_fatal():
    pod = {"metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}], "someFutureField": {"a": 1}},
           "status": {"phase": "Running", "futureStatus": True}}
    obj = kl.live.parse_object("Pod", pod)
    assert obj.KIND == "Pod" and obj.status.phase == "Running" and obj.spec.containers[0].image == "nginx"
    assert "someFutureField" not in pod["spec"]


def test_a_server_that_is_gone_is_said_and_the_cache_kept(tmp_path):
    cluster = kl.Cluster(seed=1)
    cluster.add_node(kl.VM("vm-1", cpu="2", memory="4Gi"))
    cluster.run(5)
    handle = cluster.serve()
    live = kl.connect(kubeconfig=handle.kubeconfig, refresh_on_view=False)
    live.refresh()
    handle.stop()
    assert live.refresh() == {}
    assert live.stats["Node"].error and [n.metadata.name for n in live.list("Node")] == ["master-1", "vm-1"]
    assert "vm-1" in live.views.topology().text  # what was seen, drawn
    live.close()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl on PATH")
def test_what_the_real_kubectl_applies_the_views_show(served, live):
    _, handle = served
    env = dict(os.environ, KUBECONFIG=str(handle.kubeconfig), HOME=str(handle.kubeconfig.parent))
    manifest = WEB.replace("name: web", "name: shop").replace("app: web", "app: shop")
    r = subprocess.run([shutil.which("kubectl"), "apply", "-f", "-"], input=manifest, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "deployment.apps/shop created\n"
    handle.run(20)
    assert live.views.rollout("shop").text.startswith(
        'Rollout deployment/shop (revision 1, RollingUpdate): deployment "shop" successfully rolled out')


def test_without_the_client_kubelab_imports_and_connect_says_what_to_install():
    code = ("import sys; sys.modules['kubernetes'] = None\n"
            "import kubelab as kl\n"
            "try:\n    kl.connect()\nexcept ImportError as e:\n    print(e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == kl.live.INSTALL_HINT


def test_in_a_kernel_that_serves_the_cluster_await_arefresh():
    """What a notebook does: the cluster is served on the running event loop (the kernel's),
    so it answers while a cell awaits; a blocking refresh there could never be answered, and
    says so instead of hanging."""
    import asyncio

    async def cell():
        cluster = kl.Cluster(seed=1)
        cluster.add_node(kl.VM("vm-1", cpu="2", memory="4Gi"))
        cluster.run(5)
        handle = cluster.serve()  # on this running loop, as in a notebook
        try:
            live = kl.connect(kubeconfig=handle.kubeconfig)
            with pytest.raises(TimeoutError, match="await live.arefresh"):
                live.views.topology()
            assert (await live.arefresh())["Node"] == 2  # master-1 and vm-1
            live.refresh_on_view = False
            assert "vm-1 Ready 2 cpu, 4Gi" in live.views.topology().text
            live.close()
        finally:
            handle.stop()

    asyncio.run(cell())
